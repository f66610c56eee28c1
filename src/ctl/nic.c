/* nic.c: `nic add NETDEV-SPEC` and `nic del NIC` of a running launch.
 *
 * A NIC added at runtime is a NIC of the launch like the others: parsed by
 * the --netdev parser, its tap and OVS port made by the launch's own
 * 'struct nics' (so they sit in its cleanup lists, its netdev group and
 * carry its owner tag: every exit path, SIGKILL + gc included, removes
 * them), its record appended to the launch's array.  Then qemu gets it:
 * netdev_add and device_add (device id = the netdev id, netNN).  Removal
 * is the reverse, device_del waiting (bounded) for the guest to let go. */
#include "ctl/server-int.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/strv.h"
#include "net/nics.h"
#include "ovsdb/xkqmp.h"
#include "plan/netspec.h"
#include "qemu/qemuargv.h"

#define DEL_TIMEOUT_MS 10000	/* how long the guest has to release a NIC */

/* Keys whose values are strings even when they look like numbers. */
static const char *const string_keys[] = {
	"id", "netdev", "mac", "ifname", "script", "downscript", "fd", "fds", "vhostfd",
	"vhostfds", "br", "helper", "addr", "romfile", "bus", "serial", "driver", NULL,
};

static bool is_string_key(const char *key, size_t len)
{
	for (size_t i = 0; string_keys[i]; i++)
		if (strlen(string_keys[i]) == len && !strncmp(string_keys[i], key, len))
			return true;
	return false;
}

/* Appends the QMP argument for one "KEY=VALUE" option of qemu's command
 * line: QMP is typed where the command line is not, so on/off (and the
 * like) become booleans and digits integers, unless the key is a string's. */
static int push_typed(struct strv *args, const char *opt, size_t len)
{
	const char *eq = memchr(opt, '=', len);
	const char *v;
	size_t klen, vlen;
	char *arg;
	int ret;

	if (!eq)	/* a bare flag: qemu reads it as on */
		return asprintf(&arg, "%.*s:bool=true", (int)len, opt) < 0 ? -ENOMEM
			: strv_push_owned(args, arg);
	klen = (size_t)(eq - opt);
	v = eq + 1;
	vlen = len - klen - 1;
	if (!is_string_key(opt, klen) && vlen &&
	    ((vlen == 2 && !strncmp(v, "on", 2)) || (vlen == 3 && !strncmp(v, "yes", 3)) ||
	     (vlen == 4 && !strncmp(v, "true", 4))))
		ret = asprintf(&arg, "%.*s:bool=true", (int)klen, opt);
	else if (!is_string_key(opt, klen) && vlen &&
		 ((vlen == 3 && !strncmp(v, "off", 3)) || (vlen == 2 && !strncmp(v, "no", 2)) ||
		  (vlen == 5 && !strncmp(v, "false", 5))))
		ret = asprintf(&arg, "%.*s:bool=false", (int)klen, opt);
	else if (!is_string_key(opt, klen) && vlen && strspn(v, "0123456789") == vlen)
		ret = asprintf(&arg, "%.*s:int=%.*s", (int)klen, opt, (int)vlen, v);
	else
		ret = asprintf(&arg, "%.*s", (int)len, opt);
	return ret < 0 ? -ENOMEM : strv_push_owned(args, arg);
}

/* Splits qemu's "A,K=V,K=V" (",," is a literal comma: kept whole, such a
 * value is passed as it is) into QMP arguments; with 'driver' the first
 * element is the device model ("driver=A"). */
static int to_args(const char *opts, bool driver, struct strv *args)
{
	const char *p = opts;
	bool first = true;

	while (*p) {
		size_t len = 0;
		int ret;

		while (p[len] && (p[len] != ',' || p[len + 1] == ','))
			len += p[len] == ',' ? 2 : 1;
		if (first && driver) {
			char *arg;

			if (asprintf(&arg, "driver=%.*s", (int)len, p) < 0)
				return -ENOMEM;
			ret = strv_push_owned(args, arg);
		} else {
			ret = push_typed(args, p, len);
		}
		if (ret < 0)
			return ret;
		first = false;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int run_opts(struct ctl_server *s, struct reply *rep, const char *cmd, const char *opts,
		    bool driver, const char *extra1, const char *extra2)
{
	struct strv args = STRV_INIT;
	int ret = to_args(opts, driver, &args);

	if (ret == 0 && extra1)
		ret = strv_push(&args, extra1);
	if (ret == 0 && extra2)
		ret = strv_push(&args, extra2);
	if (ret < 0) {
		strv_release(&args);
		return ctl_rfail(rep, -ENOMEM, "out of memory");
	}
	ret = ctl_qmp_run(s, rep, cmd, (const char *const *)args.v);
	strv_release(&args);
	return ret;
}

/* Waits for the QMP event 'name' whose data names 'device' (as its
 * "device" or its "path"), dropping the others, until the deadline. */
static int wait_event(struct ctl_server *s, const char *name, const char *device,
		      const char *path, int64_t deadline)
{
	for (;;) {
		char *ev = NULL, *data = NULL;
		struct pollfd p;
		int64_t left;
		int r;

		while ((r = xkqmp_next_event(s->qmp, &ev, &data)) > 0) {
			char *dev = NULL, *qpath = NULL;
			bool match = !strcmp(ev, name) &&
				((xkqmp_json_get_string(data, "device", &dev) == 0 &&
				  !strcmp(dev, device)) ||
				 (path && xkqmp_json_get_string(data, "path", &qpath) == 0 &&
				  !strcmp(qpath, path)));

			free(dev);
			free(qpath);
			free(ev);
			free(data);
			if (match)
				return 0;
		}
		if (r < 0)
			return r;
		left = deadline - clock_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		p = (struct pollfd){ .fd = xkqmp_fd(s->qmp), .events = POLLIN };
		if (poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left) > 0) {
			r = xkqmp_read(s->qmp);
			if (r < 0)
				return r;
		}
	}
}

/* The pcie-root-port for a NIC added to a q35 machine: the first one no
 * hot-added NIC holds.  Returns its number, or -ENOSPC. */
static int free_root_port(struct ctl_server *s)
{
	for (unsigned k = 0; k < s->l.root_ports; k++) {
		bool used = false;

		for (size_t i = 0; i < N_NICS(s) && !used; i++)
			used = s->st[i].root_port == (int)k;
		if (!used)
			return (int)k;
	}
	return -ENOSPC;
}

/* Makes room for one more NIC in the launch's array and ours. */
static int grow(struct ctl_server *s)
{
	size_t n = N_NICS(s) + 1;
	struct nic *v = realloc(NICS(s), n * sizeof(*v));
	struct ctl_nic_state *st;

	if (!v)
		return -ENOMEM;
	NICS(s) = v;
	st = realloc(s->st, n * sizeof(*st));
	if (!st)
		return -ENOMEM;
	s->st = st;
	return 0;
}

/* Drops NIC i from the arrays (its record released). */
static void forget(struct ctl_server *s, size_t i)
{
	size_t tail = N_NICS(s) - i - 1;

	nic_release(&NICS(s)[i]);
	memmove(&NICS(s)[i], &NICS(s)[i + 1], tail * sizeof(NICS(s)[0]));
	memmove(&s->st[i], &s->st[i + 1], tail * sizeof(s->st[0]));
	N_NICS(s)--;
}

static int nic_add(struct ctl_server *s, const char *spec, struct reply *rep)
{
	char id[16], idarg[32], busarg[40], *err = NULL, *dev = NULL, *net = NULL;
	bool netdev_added = false;
	struct nic *n;
	size_t i;
	int ret, port = -1;

	ret = ctl_qmp_ensure(s, rep);	/* qemu first: nothing made if it is not there */
	if (ret < 0)
		return ret;
	if (s->l.q35) {
		port = free_root_port(s);
		if (port < 0)
			return ctl_rfail(rep, port, "no free pcie-root-port left for a new NIC (%u "
					 "reserved: see --hotplug-ports)", s->l.root_ports);
	}
	if (grow(s) < 0)
		return ctl_rfail(rep, -ENOMEM, "out of memory");
	i = N_NICS(s);
	n = &NICS(s)[i];
	ret = netspec_parse(spec, s->next_index, s->l.def_model, n, &err);
	if (ret < 0) {
		ctl_rfail(rep, ret, "%s", err ? err : "out of memory");
		free(err);
		return ret;
	}
	ret = netspec_classify(n, s->l.dev, &err);
	if (ret < 0) {
		ctl_rfail(rep, ret, "%s", err ? err : "out of memory");
		free(err);
		nic_release(n);
		return ret;
	}
	if (n->kind != NIC_USER) {
		ret = s->l.net ? nics_make(s->l.net, n, 1) : -ENODEV;
		if (ret < 0) {
			ctl_rfail(rep, ret, "cannot attach a NIC to '%s' (the launch's stderr "
				  "says why)", n->bridge);
			nic_release(n);
			return ret;
		}
	}
	/* From here on the NIC is the launch's: its teardown covers it. */
	N_NICS(s)++;
	s->next_index++;
	memset(&s->st[i], 0, sizeof(s->st[i]));
	s->st[i].root_port = port;
	ctl_nic_id(n, id, sizeof(id));
	snprintf(idarg, sizeof(idarg), "id=%s", id);
	snprintf(busarg, sizeof(busarg), "bus=xkvm-rp%d", port);
	net = qemuargv_netdev_arg(n);
	dev = qemuargv_device_arg(n, s->l.enable_kvm);
	if (!net || !dev) {
		ret = ctl_rfail(rep, -ENOMEM, "out of memory");
		goto fail;
	}
	ret = run_opts(s, rep, "netdev_add", net, false, NULL, NULL);
	if (ret < 0)
		goto fail;
	netdev_added = true;
	ret = run_opts(s, rep, "device_add", dev, true, idarg, port >= 0 ? busarg : NULL);
	if (ret < 0)
		goto fail;
	fprintf(rep->f, "%s\n", id);
	ret = 0;
	goto out;
fail:
	if (netdev_added) {
		struct reply ignore = { 0 };
		const char *args[] = { idarg, NULL };

		(void)ctl_qmp_run(s, &ignore, "netdev_del", args);
	}
	if (n->tap[0] && s->l.net)
		(void)nics_remove(s->l.net, n->tap);
	forget(s, i);
out:
	free(net);
	free(dev);
	return ret;
}

int ctl_find_anon_device(struct ctl_server *s, const char *id, char *path, size_t size,
			 struct reply *rep)
{
	const char *list[] = { "path=/machine/peripheral-anon", NULL };
	char **names = NULL, want[32];
	int ret, found = -ENOENT;

	ret = ctl_qmp_ensure(s, rep);
	if (ret < 0)
		return ret;
	{
		char *json = NULL;

		ret = xkqmp_execute(s->qmp, "qom-list", list, &json);
		if (ret < 0)
			return ctl_rfail(rep, ret, "qemu refused: %s", xkqmp_error(s->qmp));
		ret = xkqmp_json_array_strings(json, "name", &names);
		free(json);
		if (ret < 0)
			return ctl_rfail(rep, ret, "cannot read qemu's device list");
	}
	snprintf(want, sizeof(want), "\"%s\"", id);
	for (size_t i = 0; names[i] && found == -ENOENT; i++) {
		char patharg[160], *val = NULL;
		const char *get[] = { patharg, "property=netdev", NULL };

		if (strncmp(names[i], "device[", 7))
			continue;
		snprintf(path, size, "/machine/peripheral-anon/%s", names[i]);
		snprintf(patharg, sizeof(patharg), "path=%s", path);
		if (xkqmp_execute(s->qmp, "qom-get", get, &val) == 0 && !strcmp(val, want))
			found = 0;
		free(val);
	}
	xkqmp_strings_free(names);
	return found;
}

static int nic_del(struct ctl_server *s, const char *what, struct reply *rep)
{
	char id[16], idarg[32], path[128], patharg[160], tap[NIC_TAPSIZ];
	const char *args[] = { idarg, NULL };
	bool anon = false;
	struct nic *n;
	size_t i;
	int ret;

	n = ctl_find_nic(s, what, rep);
	if (!n)
		return -ENODEV;
	i = (size_t)(n - NICS(s));
	ctl_nic_id(n, id, sizeof(id));
	snprintf(idarg, sizeof(idarg), "id=%s", id);
	ret = ctl_qmp_ensure(s, rep);
	if (ret < 0)
		return ret;
	ret = xkqmp_execute(s->qmp, "device_del", args, NULL);
	if (ret == -EREMOTEIO && strstr(xkqmp_error(s->qmp), "not found")) {
		/* One of the command line's NICs: found by its netdev. */
		ret = ctl_find_anon_device(s, id, path, sizeof(path), rep);
		if (ret == -ENOENT)
			return ctl_rfail(rep, ret, "qemu has no device for %s", id);
		if (ret < 0)
			return ret;
		anon = true;
		snprintf(patharg, sizeof(patharg), "id=%s", path);
		{
			const char *pargs[] = { patharg, NULL };

			ret = xkqmp_execute(s->qmp, "device_del", pargs, NULL);
		}
	}
	if (ret == -EREMOTEIO)
		return ctl_rfail(rep, ret, "qemu refused: %s", xkqmp_error(s->qmp));
	if (ret < 0)
		return ctl_rfail(rep, ret, "qemu's monitor: %s", xkqmp_error(s->qmp));
	ret = wait_event(s, "DEVICE_DELETED", anon ? "" : id, anon ? path : NULL,
			 clock_now_ms() + DEL_TIMEOUT_MS);
	if (ret == -ETIMEDOUT)
		return ctl_rfail(rep, ret, "the guest did not release %s within %d s (does it "
				 "take hot-unplug?)", id, DEL_TIMEOUT_MS / 1000);
	if (ret < 0)
		return ctl_rfail(rep, ret, "qemu's monitor: %s", xkqmp_error(s->qmp));
	ret = ctl_qmp_run(s, rep, "netdev_del", args);
	if (ret < 0)
		return ret;
	memcpy(tap, n->tap, sizeof(tap));
	if (tap[0]) {
		ret = s->l.net ? nics_remove(s->l.net, tap) : -ENOENT;
		if (ret < 0) {
			forget(s, i);	/* qemu let it go: the teardown gets the tap */
			return ctl_rfail(rep, ret, "%s is gone from the guest, but its tap '%s' "
					 "stays until the launch ends: %s", id, tap, strerror(-ret));
		}
	}
	forget(s, i);
	return 0;
}

int ctl_cmd_nic(struct ctl_server *s, struct client *c, int argc, char **argv,
		struct reply *rep)
{
	(void)c;
	if (!strcmp(argv[1], "add") && argc == 3)
		return nic_add(s, argv[2], rep);
	if (!strcmp(argv[1], "del") && argc == 3)
		return nic_del(s, argv[2], rep);
	if (!strcmp(argv[1], "move") && argc == 4)
		return ctl_nic_move(s, argv[2], argv[3], rep);
	return ctl_rfail(rep, -EINVAL,
			 "usage: nic add NETDEV-SPEC | nic del NIC | nic move NIC BRIDGE[,ovs-...]");
}
