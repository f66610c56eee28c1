#include "net/sudo-nics.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/errmsg.h"
#include "base/spawn.h"
#include "base/strv.h"
#include "base/xkvm.h"

/* What to undo: the taps, and "BRIDGE:TAP" for the OVS ones; how to:
 * xkvm's path and the OVSDB options make-nics had. */
struct sudo_nics {
	struct strv taps;
	struct strv ovs;
	struct strv ovs_opts;
	char *self;
};

bool sudo_nics_privileged(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return geteuid() == 0;
	return data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32));
}

int sudo_nics_new(struct sudo_nics **out)
{
	struct sudo_nics *s = calloc(1, sizeof(*s));
	char buf[4096];
	ssize_t len;

	if (!s) {
		xkvm_error("out of memory");
		return -ENOMEM;
	}
	len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (len < 0) {
		int err = -errno;

		xkvm_error("cannot find xkvm's own path (/proc/self/exe): %s", strerror(-err));
		free(s);
		return err;
	}
	buf[len] = '\0';
	if (!(s->self = strdup(buf))) {
		xkvm_error("out of memory");
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

/* sudo SELF tap-control MODE OPTS... -- ITEMS... (a bridge may begin
 * with '-'): spawn_run() with 'flags' and 'out', or with 'out_fd' >= 0
 * spawn_run_to() that descriptor. */
static int sudo_tapctl_to(struct sudo_nics *s, const char *mode, const struct strv *opts,
			  const struct strv *items, unsigned flags, char **out, int out_fd)
{
	struct strv argv = STRV_INIT;
	int ret = strv_push(&argv, "sudo");

	if (ret == 0)
		ret = strv_push(&argv, s->self);
	if (ret == 0)
		ret = strv_push(&argv, "tap-control");
	if (ret == 0)
		ret = strv_push(&argv, mode);
	if (ret == 0 && opts)
		ret = strv_extend(&argv, opts);
	if (ret == 0)
		ret = strv_push(&argv, "--");
	if (ret == 0)
		ret = strv_extend(&argv, items);
	if (ret == 0) {
		xkvm_debug(1, "running sudo %s tap-control %s", s->self, mode);
		ret = out_fd >= 0 ? spawn_run_to(argv.v, flags, out_fd) : spawn_run(argv.v, flags, out);
	}
	strv_release(&argv);
	return ret;
}

static int sudo_tapctl(struct sudo_nics *s, const char *mode, const struct strv *opts,
		       const struct strv *items, unsigned flags, char **out)
{
	return sudo_tapctl_to(s, mode, opts, items, flags, out, -1);
}

void sudo_nics_teardown(struct sudo_nics *s)
{
	int ret;

	if (!s)
		return;
	if (s->ovs.n) {
		ret = sudo_tapctl(s, "ovs-cleanup", &s->ovs_opts, &s->ovs, 0, NULL);
		if (ret != 0)
			xkvm_error("failed removal of Open vSwitch ports (sudo tap-control ovs-cleanup: %s)",
				   ret < 0 ? strerror(-ret) : "failed");
	}
	if (s->taps.n) {
		ret = sudo_tapctl(s, "del-nics", NULL, &s->taps, 0, NULL);
		if (ret != 0)
			xkvm_error("failed removal of taps (sudo tap-control del-nics: %s)",
				   ret < 0 ? strerror(-ret) : "failed");
	}
	strv_release(&s->ovs);
	strv_release(&s->taps);
}

void sudo_nics_free(struct sudo_nics *s)
{
	if (!s)
		return;
	strv_release(&s->ovs);
	strv_release(&s->taps);
	strv_release(&s->ovs_opts);
	free(s->self);
	free(s);
}

int sudo_nics_gc(struct sudo_nics *s, const struct ovsports_options *o)
{
	struct strv opts = STRV_INIT, none = STRV_INIT;
	char *text = NULL;
	int ret = 0;

	if (o->ovsdb)
		ret = strv_pushf(&opts, "--ovsdb=%s", o->ovsdb);
	if (ret == 0)
		ret = strv_pushf(&opts, "--ovs-timeout=%d.%03d", o->ovs_timeout_ms / 1000,
				 o->ovs_timeout_ms % 1000);
	if (ret == 0)
		ret = sudo_tapctl(s, "gc", &opts, &none, 0, &text);
	if (text && *text)
		xkvm_debug(1, "sudo tap-control gc: %.*s", (int)strcspn(text, "\n"), text);
	free(text);
	strv_release(&opts);
	return ret < 0 ? ret : ret > 0 ? -EIO : 0;
}

/* Reads the reply, one line a NIC, into nics[] and the teardown lists. */
static int parse_reply(struct sudo_nics *s, char *text, struct nic *nics, size_t n)
{
	char *save = NULL, *line = strtok_r(text, "\n", &save);

	for (size_t i = 0; i < n; i++, line = strtok_r(NULL, "\n", &save)) {
		if (!line || nic_wire_parse_reply(line, &nics[i]) < 0)
			return -EPROTO;
		if (nics[i].kind == NIC_USER)
			continue;
		/* a vhost-user NIC's is a port, no tap: ovs-cleanup only */
		if ((!nics[i].vhost_user && strv_push(&s->taps, nics[i].tap) < 0) ||
		    (nics[i].kind == NIC_OVS &&
		     strv_pushf(&s->ovs, "%s:%s", nics[i].bridge, nics[i].tap) < 0))
			return -ENOMEM;
	}
	return 0;
}

/* The make-nics options: the owner, the reply format, 'o' and -v. */
static int push_options(struct sudo_nics *s, struct strv *args,
			const struct ovsports_options *o, int verbosity)
{
	/* ovs-cleanup at teardown must reach the same database. */
	strv_release(&s->ovs_opts);
	if ((o->ovsdb && strv_pushf(&s->ovs_opts, "--ovsdb=%s", o->ovsdb) < 0) ||
	    strv_pushf(&s->ovs_opts, "--ovs-timeout=%d.%03d", o->ovs_timeout_ms / 1000,
		       o->ovs_timeout_ms % 1000) < 0)
		return -ENOMEM;
	if (strv_pushf(args, "--owner-pid=%d", (int)getpid()) < 0 ||
	    strv_push(args, "--with-datapath") < 0 || strv_extend(args, &s->ovs_opts) < 0)
		return -ENOMEM;
	for (int i = 0; i < verbosity - 1; i++)
		if (strv_push(args, "-v") < 0)
			return -ENOMEM;
	if (strv_pushf(args, "--ovn-timeout=%d.%03d", o->ovn_timeout_ms / 1000,
		       o->ovn_timeout_ms % 1000) < 0 ||
	    (!o->ovs_wait && strv_push(args, "--ovs-no-wait") < 0) ||
	    (!o->ovn_wait && strv_push(args, "--ovn-no-wait") < 0) ||
	    (o->iface_steal && strv_push(args, "--ovs-iface-steal") < 0))
		return -ENOMEM;
	return 0;
}

int sudo_nics_make(struct sudo_nics *s, struct nic *nics, size_t n,
		   const struct ovsports_options *o, int verbosity)
{
	struct strv args = STRV_INIT, specs = STRV_INIT;
	char *text = NULL, *copy = NULL, *spec;
	int ret = -ENOMEM;

	if (push_options(s, &args, o, verbosity) < 0)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if (nic_wire_format(&nics[i], &spec) < 0 || strv_push_owned(&specs, spec) < 0)
			goto nomem;
	ret = sudo_tapctl(s, "make-nics", &args, &specs, 0, &text);
	if (ret < 0) {
		xkvm_error("cannot run sudo: %s", strerror(-ret));
		goto out;
	}
	if (ret > 0) {
		/* make-nics said why on stderr and removed what it made. */
		xkvm_error("failed to make-nics (sudo tap-control make-nics exited %d)", ret);
		ret = -EIO;
		goto out;
	}
	copy = strdup(text);	/* parse_reply() cuts 'text' up */
	if (!copy)
		goto nomem;
	ret = parse_reply(s, text, nics, n);
	if (ret == -EPROTO) {
		char *msg = NULL;	/* errmsg keeps the quoted output on one line */

		if (errmsg(&msg, "unexpected output from sudo tap-control make-nics: '%s'",
			   copy) == -ENOMEM)
			goto nomem;
		xkvm_error("%s", msg);
		free(msg);
	} else if (ret < 0) {
		goto nomem;
	}
	goto out;
nomem:
	xkvm_error("out of memory");
	ret = -ENOMEM;
out:
	if (ret < 0)
		sudo_nics_teardown(s);	/* whatever was parsed already */
	strv_release(&args);
	strv_release(&specs);
	free(text);
	free(copy);
	return ret;
}

/* --- runtime control ------------------------------------------------------ */

/* The first "xkvm: " line of 'text' (what tap-control said), without the
 * prefix, into 'why'; else its first line; else that 'mode' exited 'status'. */
static void said(const char *text, const char *mode, int status, char *why, size_t whysize)
{
	const char *line = NULL;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, "xkvm: ", 6)) {
			line = l + 6;
			break;
		}
	if (!line)
		line = text && *text ? text : NULL;
	if (line)
		snprintf(why, whysize, "%.*s", (int)strcspn(line, "\n"), line);
	else
		snprintf(why, whysize, "sudo tap-control %s exited %d", mode, status);
}

int sudo_nics_tap(struct sudo_nics *s, const char *mode, const char *tap, const char *arg,
		  char *why, size_t whysize)
{
	struct strv items = STRV_INIT;
	char *text = NULL;
	int ret = strv_push(&items, tap);

	if (ret == 0)
		ret = strv_push(&items, arg);
	if (ret == 0)
		ret = sudo_tapctl(s, mode, NULL, &items, SPAWN_STDERR | SPAWN_NO_STDIN, &text);
	if (ret < 0) {
		snprintf(why, whysize, "cannot run sudo: %s", strerror(-ret));
	} else if (ret > 0) {
		said(text, mode, ret, why, whysize);
		ret = -EIO;
	}
	free(text);
	strv_release(&items);
	return ret;
}

/* The index in s->ovs of "BRIDGE:TAP", or s->ovs.n. */
static size_t ovs_entry(const struct sudo_nics *s, const char *tap)
{
	size_t i;

	for (i = 0; i < s->ovs.n; i++) {
		const char *colon = strrchr(s->ovs.v[i], ':');

		if (colon && !strcmp(colon + 1, tap))
			break;
	}
	return i;
}

/* Drops entry i of 'sv'. */
static void strv_drop(struct strv *sv, size_t i)
{
	free(sv->v[i]);
	memmove(sv->v + i, sv->v + i + 1, (sv->n - i) * sizeof(*sv->v));	/* with the NULL */
	sv->n--;
}

int sudo_nics_remove(struct sudo_nics *s, const char *tap)
{
	struct strv one = STRV_INIT;
	size_t i = ovs_entry(s, tap), t;
	int ret = 0;

	for (t = 0; t < s->taps.n && strcmp(s->taps.v[t], tap); t++)
		;
	if (i == s->ovs.n && t == s->taps.n)
		return -ENOENT;
	if (i < s->ovs.n) {	/* the port before its tap */
		ret = strv_push(&one, s->ovs.v[i]);
		if (ret == 0)
			ret = sudo_tapctl(s, "ovs-cleanup", &s->ovs_opts, &one, SPAWN_NO_STDIN, NULL);
		strv_release(&one);
		if (ret != 0)
			return ret < 0 ? ret : -EIO;	/* said; listed still: the teardown retries */
		strv_drop(&s->ovs, i);
	}
	if (t < s->taps.n) {
		ret = strv_push(&one, tap);
		if (ret == 0)
			ret = sudo_tapctl(s, "del-nics", NULL, &one, SPAWN_NO_STDIN, NULL);
		strv_release(&one);
		if (ret != 0)
			return ret < 0 ? ret : -EIO;
		strv_drop(&s->taps, t);
	}
	return 0;
}

int sudo_nics_move(struct sudo_nics *s, const struct nic *from, struct nic *to)
{
	struct strv args = STRV_INIT, items = STRV_INIT;
	char *text = NULL, *spec;
	size_t i;
	int ret = -ENOMEM;

	if (strv_pushf(&args, "--owner-pid=%d", (int)getpid()) < 0 ||
	    strv_extend(&args, &s->ovs_opts) < 0 || strv_push(&items, from->tap) < 0)
		goto out;
	if (nic_wire_format(from, &spec) < 0 || strv_push_owned(&items, spec) < 0)
		goto out;
	if (nic_wire_format(to, &spec) < 0 || strv_push_owned(&items, spec) < 0)
		goto out;
	ret = sudo_tapctl(s, "move-nic", &args, &items, SPAWN_NO_STDIN, &text);
	if (ret < 0) {
		xkvm_error("cannot run sudo: %s", strerror(-ret));
		goto out;
	}
	if (ret > 0) {	/* it said why, and put the tap back when it could */
		ret = -EIO;
		goto out;
	}
	text[strcspn(text, "\n")] = '\0';
	if (nic_wire_parse_reply(text, to) < 0 || strcmp(to->tap, from->tap)) {
		xkvm_error("unexpected output from sudo tap-control move-nic: '%s'", text);
		ret = -EPROTO;
		goto out;
	}
	/* The teardown follows the tap: its port is where it went now (the
	 * new entry first: out of memory, the old one still names it). */
	i = ovs_entry(s, from->tap);
	ret = to->kind == NIC_OVS ? strv_pushf(&s->ovs, "%s:%s", to->bridge, to->tap) : 0;
	if (ret == 0 && i < s->ovs.n)
		strv_drop(&s->ovs, i);
out:
	free(text);
	strv_release(&args);
	strv_release(&items);
	return ret;
}

int sudo_nics_capture(struct sudo_nics *s, const char *tap, long count, int out_fd)
{
	struct strv items = STRV_INIT;
	int ret = -ENOMEM;

	if (strv_push(&items, tap) == 0 && strv_pushf(&items, "%ld", count) == 0)
		ret = sudo_tapctl_to(s, "capture", NULL, &items, SPAWN_NO_STDIN, NULL, out_fd);
	strv_release(&items);
	return ret;
}
