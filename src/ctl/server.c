#include "ctl/server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/xkvm.h"
#include "ctl/rundir.h"
#include "ctl/server-int.h"
#include "net/nics.h"
#include "net/tapstate.h"
#include "ovsdb/xkqmp.h"
#include "qemu/supervise.h"

int ctl_rfail(struct reply *r, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return ret;
}

static void hook(void *arg)
{
	struct ctl_server *s = arg;

	ctl_name_unlink(&s->paths);
}

/* --- setup -------------------------------------------------------------- */

static int bind_socket(struct ctl_server *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int ret;

	strcpy(sa.sun_path, s->paths.sock);	/* length checked by ctl_paths_get */
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0)
		return -errno;
	/* The name is ours (locked): what is there is a dead launch's. */
	unlink(s->paths.sock);
	unlink(s->paths.qmp);
	old = umask(0177);
	ret = bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	if (ret == 0 && listen(s->listen_fd, MAX_CLIENTS) < 0)
		ret = -errno;
	return ret;
}

int ctl_server_new(const char *name, struct ctl_server **out, char **err)
{
	struct ctl_server *s = calloc(1, sizeof(*s));
	bool hooked = false;
	int ret;

	*err = NULL;
	if (!s)
		return -ENOMEM;
	s->lock_fd = s->listen_fd = -1;
	s->owner = getuid();
	ret = ctl_paths_get(name, &s->paths);
	if (ret == -EINVAL || (ret == 0 && !s->paths.dir)) {
		ret = -EINVAL;
		if (asprintf(err, "invalid --name '%s': 1 to %d letters, digits, '_', '.' or '-', "
			     "not starting with '.' or '-'", name, CTL_NAME_MAX) < 0)
			*err = NULL;
		goto out;
	}
	if (ret == -ENOENT) {
		if (asprintf(err, "--name needs a run directory "
			     "(set XDG_RUNTIME_DIR or XKVM_RUN_DIR)") < 0)
			*err = NULL;
		goto out;
	}
	if (ret == -ENAMETOOLONG) {
		if (asprintf(err, "--name '%s': the socket path in '%s' is too long", name,
			     s->paths.dir) < 0)
			*err = NULL;
		goto out;
	}
	if (ret < 0)
		goto out;
	ret = ctl_rundir_make(&s->paths);
	if (ret < 0) {
		if (asprintf(err, "cannot use run directory '%s': %s", s->paths.dir,
			     ret == -EPERM ? "not a private directory of this user" : strerror(-ret)) < 0)
			*err = NULL;
		goto out;
	}
	ret = ctl_name_lock(&s->paths, &s->lock_fd);
	if (ret < 0) {
		if (asprintf(err, ret == -EADDRINUSE ? "a launch named '%s' is running"
						     : "cannot lock the name '%s': %s",
			     name, strerror(-ret)) < 0)
			*err = NULL;
		goto out;
	}
	/* What SIGKILLed launches left beside us goes now (never fatal: gc
	 * does it too): `xkvm ctl` and the completion list only the live. */
	(void)ctl_names_reap(NULL, NULL);
	ret = cleanup_add_hook(hook, s);
	if (ret < 0)
		goto out;
	hooked = true;
	ret = bind_socket(s);
	if (ret < 0) {
		if (asprintf(err, "cannot listen on '%s': %s", s->paths.sock, strerror(-ret)) < 0)
			*err = NULL;
		goto out;
	}
	*out = s;
	return 0;
out:
	if (hooked)
		cleanup_remove_hook(hook, s);
	if (s->lock_fd >= 0)
		ctl_name_unlink(&s->paths);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	ctl_paths_release(&s->paths);
	free(s);
	return ret;
}

const char *ctl_server_qmp_path(const struct ctl_server *s)
{
	return s->paths.qmp;
}

/* --- QMP ---------------------------------------------------------------- */

void ctl_qmp_close(struct ctl_server *s)
{
	if (!s->qmp)
		return;
	supervise_unwatch(xkqmp_fd(s->qmp));
	xkqmp_close(s->qmp);
	s->qmp = NULL;
}

static void on_qmp(int fd, short revents, void *arg)
{
	struct ctl_server *s = arg;
	char *name = NULL, *data = NULL;
	int r;

	(void)fd;
	(void)revents;
	r = xkqmp_read(s->qmp);
	while (xkqmp_next_event(s->qmp, &name, &data) > 0) {
		xkvm_debug(2, "qemu event %s %s", name, data);
		free(name);
		free(data);
	}
	if (r < 0)	/* qemu is going away: its exit ends the loop */
		ctl_qmp_close(s);
}

int ctl_qmp_ensure(struct ctl_server *s, struct reply *rep)
{
	int64_t deadline = clock_now_ms() + QMP_APPEAR_MS;
	char *err = NULL;
	int ret;

	if (s->qmp)
		return 0;
	for (;;) {
		ret = xkqmp_open(s->paths.qmp, QMP_TIMEOUT_MS, &s->qmp, &err);
		if (ret == 0)
			break;
		if ((ret != -ENOENT && ret != -ECONNREFUSED) || clock_now_ms() >= deadline) {
			ctl_rfail(rep, ret, "cannot reach qemu's monitor: %s",
			      err ? err : strerror(-ret));
			free(err);
			return ret;
		}
		free(err);
		err = NULL;
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
	ret = supervise_watch(xkqmp_fd(s->qmp), POLLIN, on_qmp, s);
	if (ret < 0) {
		xkqmp_close(s->qmp);
		s->qmp = NULL;
		return ctl_rfail(rep, ret, "cannot watch qemu's monitor: %s", strerror(-ret));
	}
	return 0;
}

int ctl_qmp_run(struct ctl_server *s, struct reply *rep, const char *cmd,
		   const char *const *args)
{
	int ret = ctl_qmp_ensure(s, rep);

	if (ret < 0)
		return ret;
	ret = xkqmp_execute(s->qmp, cmd, args, NULL);
	if (ret == -EREMOTEIO)
		return ctl_rfail(rep, ret, "qemu refused: %s", xkqmp_error(s->qmp));
	if (ret < 0) {
		ctl_rfail(rep, ret, "qemu's monitor: %s", xkqmp_error(s->qmp));
		if (ret == -ECONNRESET || ret == -ETIMEDOUT || ret == -EPROTO)
			ctl_qmp_close(s);
	}
	return ret;
}

/* --- the commands ------------------------------------------------------- */

/* 's' as a JSON string, or null. */
static void json_str(FILE *f, const char *s)
{
	if (s)
		json_put_str(f, s);
	else
		fputs("null", f);
}

void ctl_nic_id(const struct nic *n, char *buf, size_t size)
{
	snprintf(buf, size, "net%02u", n->index);
}

/* The NIC's MAC: the spec's, else the one qemu chose, read once from the
 * device's "mac" property (QOM: /machine/peripheral/netNN for a NIC added
 * at runtime, else the command line's device found by its netdev).  NULL
 * when unknown. */
static const char *nic_mac(struct ctl_server *s, struct nic *n)
{
	struct ctl_nic_state *st = &s->st[n - NICS(s)];
	struct reply scratch = { 0 };
	char id[16], path[128], patharg[160], *val = NULL;
	const char *args[] = { patharg, "property=mac", NULL };
	int ret;

	if (n->mac)
		return n->mac;
	if (st->mac[0])
		return st->mac;
	if (ctl_qmp_ensure(s, &scratch) < 0)
		return NULL;
	ctl_nic_id(n, id, sizeof(id));
	snprintf(patharg, sizeof(patharg), "path=/machine/peripheral/%s", id);
	ret = xkqmp_execute(s->qmp, "qom-get", args, &val);
	if (ret == -EREMOTEIO && ctl_find_anon_device(s, id, path, sizeof(path), &scratch) == 0) {
		snprintf(patharg, sizeof(patharg), "path=%s", path);
		ret = xkqmp_execute(s->qmp, "qom-get", args, &val);
	}
	/* the reply is a JSON string: "\"52:54:00:..\"" */
	if (ret == 0 && val && strlen(val) == NIC_MACSIZ + 1 && val[0] == '"') {
		memcpy(st->mac, val + 1, NIC_MACSIZ - 1);
		st->mac[NIC_MACSIZ - 1] = '\0';
		if (!nic_valid_mac(st->mac))
			st->mac[0] = '\0';
	}
	free(val);
	return st->mac[0] ? st->mac : NULL;
}

struct nic *ctl_find_nic(struct ctl_server *s, const char *what, struct reply *rep)
{
	for (size_t i = 0; i < N_NICS(s); i++) {
		struct nic *n = &NICS(s)[i];
		char id[16];

		ctl_nic_id(n, id, sizeof(id));
		if (!strcmp(what, id) || (n->tap[0] && !strcmp(what, n->tap)) ||
		    (n->mac && !strcasecmp(what, n->mac)))
			return n;
	}
	/* A MAC qemu chose: asked only when nothing else matched. */
	for (size_t i = 0; strchr(what, ':') && i < N_NICS(s); i++) {
		const char *mac = NICS(s)[i].mac ? NULL : nic_mac(s, &NICS(s)[i]);

		if (mac && !strcasecmp(what, mac))
			return &NICS(s)[i];
	}
	ctl_rfail(rep, -ENODEV, "no such NIC '%s'", what);
	return NULL;
}

static void show_nic(struct ctl_server *s, struct nic *n, FILE *f)
{
	struct tapstate ts;
	int64_t ofport;
	char id[16];
	bool have = n->tap[0] && tapstate_get(n->tap, &ts, NULL, 0) == 0;

	ctl_nic_id(n, id, sizeof(id));
	fputs("{\"id\":", f);
	json_str(f, id);
	fputs(",\"tap\":", f);
	json_str(f, n->tap[0] ? n->tap : NULL);
	fputs(",\"bridge\":", f);
	json_str(f, n->kind == NIC_USER ? NULL : n->bridge);
	fputs(",\"kind\":", f);
	json_str(f, nic_kind_name(n->kind));
	fputs(",\"mac\":", f);
	json_str(f, nic_mac(s, n));
	if (n->kind == NIC_OVS && n->tap[0] && nics_ofport(s->l.net, n->tap, &ofport) == 0 &&
	    ofport >= 0)
		fprintf(f, ",\"ofport\":%lld", (long long)ofport);
	else
		fputs(",\"ofport\":null", f);
	fprintf(f, ",\"link\":\"%s\"", s->st[n - NICS(s)].link_down ? "down" : "up");
	if (have)
		fprintf(f, ",\"tap_up\":%s,\"carrier\":%s", ts.up ? "true" : "false",
			ts.carrier ? "true" : "false");
	else
		fputs(",\"tap_up\":null,\"carrier\":null", f);
	if (s->st[n - NICS(s)].netem[0])
		fprintf(f, ",\"netem\":%s", s->st[n - NICS(s)].netem);
	else
		fputs(",\"netem\":null", f);
	if (have)
		fprintf(f, ",\"rx_packets\":%llu,\"rx_bytes\":%llu,\"tx_packets\":%llu,"
			"\"tx_bytes\":%llu}\n", (unsigned long long)ts.rx_packets,
			(unsigned long long)ts.rx_bytes, (unsigned long long)ts.tx_packets,
			(unsigned long long)ts.tx_bytes);
	else
		fputs(",\"rx_packets\":null,\"rx_bytes\":null,\"tx_packets\":null,"
		      "\"tx_bytes\":null}\n", f);
}

static int cmd_list(struct ctl_server *s, struct client *c, int argc, char **argv,
		    struct reply *rep)
{
	(void)c;
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < N_NICS(s); i++)
		show_nic(s, &NICS(s)[i], rep->f);
	return 0;
}

static int cmd_show(struct ctl_server *s, struct client *c, int argc, char **argv,
		    struct reply *rep)
{
	struct nic *n;

	(void)c;
	if (argc < 2)
		return cmd_list(s, c, argc, argv, rep);
	n = ctl_find_nic(s, argv[1], rep);
	if (!n)
		return -ENODEV;
	show_nic(s, n, rep->f);
	return 0;
}

static int cmd_link(struct ctl_server *s, struct client *c, int argc, char **argv,
		    struct reply *rep)
{
	char id[16], name[32], why[256];
	const char *args[3] = { name, NULL, NULL };
	struct nic *n;
	bool up;
	int ret;

	(void)c;
	(void)argc;
	if (!strcmp(argv[2], "up"))
		up = true;
	else if (!strcmp(argv[2], "down"))
		up = false;
	else
		return ctl_rfail(rep, -EINVAL, "link: '%s' is neither up nor down", argv[2]);
	n = ctl_find_nic(s, argv[1], rep);
	if (!n)
		return -ENODEV;
	ctl_nic_id(n, id, sizeof(id));
	snprintf(name, sizeof(name), "name=%s", id);
	args[1] = up ? "up:bool=true" : "up:bool=false";
	ret = ctl_qmp_run(s, rep, "set_link", args);
	if (ret < 0)
		return ret;
	s->st[n - NICS(s)].link_down = !up;
	/* The host side too: the bridge sees the port go, as with a cable
	 * (through sudo for a launch without CAP_NET_ADMIN). */
	if (n->tap[0] && !n->vhost_user) {
		ret = s->l.net ? nics_set_link(s->l.net, n->tap, 0, up, why, sizeof(why)) : 0;
		if (ret < 0)
			return ctl_rfail(rep, ret, "%s", why);
	}
	return 0;
}

static int cmd_stop(struct ctl_server *s, struct client *c, int argc, char **argv,
		    struct reply *rep)
{
	long secs = STOP_DEFAULT_S;
	int ret;

	if (argc > 1) {
		char *end;

		errno = 0;
		secs = strtol(argv[1], &end, 10);
		if (errno || end == argv[1] || *end || secs < 0 || secs > 3600)
			return ctl_rfail(rep, -EINVAL, "stop: bad timeout '%s' (seconds, 0..3600)",
				     argv[1]);
	}
	ret = ctl_qmp_run(s, rep, "system_powerdown", NULL);
	if (ret < 0)
		return ret;
	supervise_kill_after((int)secs * 1000);
	c->until_exit = true;
	return 0;
}

static int cmd_kill(struct ctl_server *s, struct client *c, int argc, char **argv,
		    struct reply *rep)
{
	int ret;

	(void)s;
	(void)argc;
	(void)argv;
	ret = supervise_signal_child(SIGKILL);
	if (ret < 0)
		return ctl_rfail(rep, ret, "cannot kill qemu: %s", strerror(-ret));
	c->until_exit = true;
	return 0;
}

static const struct command {
	const char *name;
	int min, max;		/* words after the command's name */
	int (*fn)(struct ctl_server *, struct client *, int, char **, struct reply *);
	const char *usage;
} commands[] = {
	{ "list", 0, 0, cmd_list, "list" },
	{ "show", 0, 1, cmd_show, "show [NIC]" },
	{ "link", 2, 2, cmd_link, "link NIC up|down" },
	{ "nic", 2, 3, ctl_cmd_nic, "nic add NETDEV-SPEC | nic del NIC | nic move NIC BRIDGE[,ovs-...]" },
	{ "netem", 2, 5, ctl_cmd_netem,
	  "netem NIC delay=MS[,jitter=MS] loss=PCT rate=KBIT | netem NIC off" },
	{ "mirror", 1, 3, ctl_cmd_mirror, "mirror NIC [--to NIC2] | mirror NIC off" },
	{ "stop", 0, 1, cmd_stop, "stop [SECONDS]" },
	{ "kill", 0, 0, cmd_kill, "kill" },
	{ NULL, 0, 0, NULL, NULL },
};

static void handle(struct ctl_server *s, struct client *c, char *line, struct reply *rep)
{
	char *argv[MAX_WORDS + 1], *save = NULL, *w;
	int argc = 0;

	for (w = strtok_r(line, "\t", &save); w; w = strtok_r(NULL, "\t", &save)) {
		if (argc == MAX_WORDS) {
			ctl_rfail(rep, -EINVAL, "too many words");
			return;
		}
		argv[argc++] = w;
	}
	argv[argc] = NULL;
	if (argc == 0) {
		ctl_rfail(rep, -EINVAL, "empty request");
		return;
	}
	for (const struct command *cmd = commands; cmd->name; cmd++) {
		if (strcmp(cmd->name, argv[0]))
			continue;
		if (argc - 1 < cmd->min || argc - 1 > cmd->max) {
			ctl_rfail(rep, -EINVAL, "usage: %s", cmd->usage);
			return;
		}
		xkvm_debug(1, "control: %s", argv[0]);
		(void)cmd->fn(s, c, argc, argv, rep);
		return;
	}
	ctl_rfail(rep, -EINVAL, "unknown command '%s'", argv[0]);
}

/* --- clients ------------------------------------------------------------ */

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;	/* a client that went away or stalls (SO_SNDTIMEO) */
		p += n;
		len -= (size_t)n;
	}
}

static void client_close(struct ctl_server *s, struct client *c)
{
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i] == c)
			s->clients[i] = NULL;
	supervise_unwatch(c->fd);
	close(c->fd);
	free(c);
}

static void on_client(int fd, short revents, void *arg)
{
	struct ctl_server *s = arg;
	struct client *c = NULL;
	struct reply rep = { 0 };
	char *nl;
	ssize_t n;

	(void)revents;
	for (size_t i = 0; i < MAX_CLIENTS && !c; i++)
		if (s->clients[i] && s->clients[i]->fd == fd)
			c = s->clients[i];
	if (!c)
		return;
	if (c->until_exit) {	/* only EOF or junk can come: drop it */
		char junk[64];

		if (read(fd, junk, sizeof(junk)) <= 0)
			client_close(s, c);
		return;
	}
	n = read(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n <= 0) {
		if (n < 0 && errno == EINTR)
			return;
		client_close(s, c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	nl = strchr(c->buf, '\n');
	if (!nl && c->len < sizeof(c->buf) - 1)
		return;	/* the rest of the line comes later */
	if (nl)
		*nl = '\0';
	rep.f = open_memstream(&rep.data, &rep.size);
	if (!rep.f) {
		client_close(s, c);
		return;
	}
	if (!nl)
		ctl_rfail(&rep, -E2BIG, "request too long");
	else
		handle(s, c, c->buf, &rep);
	if (rep.err[0])
		fprintf(rep.f, "error %s\n", rep.err);
	else
		fputs("ok\n", rep.f);
	if (fclose(rep.f) == 0)
		write_all(fd, rep.data, rep.size);
	free(rep.data);
	if (rep.err[0] || !c->until_exit)
		client_close(s, c);
}

static void on_listen(int fd, short revents, void *arg)
{
	struct ctl_server *s = arg;
	struct timeval tv = { 2, 0 };
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct client *c;
	size_t slot;
	int cfd;

	(void)revents;
	cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0 ||
	    (uc.uid != 0 && uc.uid != s->owner)) {
		write_all(cfd, "error not yours\n", 16);
		xkvm_debug(1, "control: refused a client of uid %u", (unsigned)uc.uid);
		close(cfd);
		return;
	}
	for (slot = 0; slot < MAX_CLIENTS && s->clients[slot]; slot++)
		;
	c = slot < MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (!c || supervise_watch(cfd, POLLIN, on_client, s) < 0) {
		write_all(cfd, "error busy\n", 11);
		free(c);
		close(cfd);
		return;
	}
	c->fd = cfd;
	s->clients[slot] = c;
}

int ctl_server_start(struct ctl_server *s, const struct ctl_launch *l)
{
	size_t n = *l->n;
	int ret;

	s->l = *l;
	free(s->st);
	s->st = calloc(n ? n : 1, sizeof(*s->st));
	if (!s->st)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		s->st[i].root_port = -1;
	for (size_t i = 0; i < n; i++)
		if ((*l->nics)[i].index >= s->next_index)
			s->next_index = (*l->nics)[i].index + 1;
	ret = supervise_watch(s->listen_fd, POLLIN, on_listen, s);
	if (ret == 0)
		s->serving = true;
	return ret;
}

void ctl_server_free(struct ctl_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i])
			client_close(s, s->clients[i]);
	ctl_qmp_close(s);
	if (s->serving)
		supervise_unwatch(s->listen_fd);
	cleanup_remove_hook(hook, s);
	ctl_name_unlink(&s->paths);
	close(s->listen_fd);
	close(s->lock_fd);
	ctl_paths_release(&s->paths);
	free(s->st);
	free(s);
}
