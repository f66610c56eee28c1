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
 * with '-'). */
static int sudo_tapctl(struct sudo_nics *s, const char *mode, const struct strv *opts,
		       const struct strv *items, char **out)
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
		ret = spawn_run(argv.v, 0, out);
	}
	strv_release(&argv);
	return ret;
}

void sudo_nics_teardown(struct sudo_nics *s)
{
	int ret;

	if (!s)
		return;
	if (s->ovs.n) {
		ret = sudo_tapctl(s, "ovs-cleanup", &s->ovs_opts, &s->ovs, NULL);
		if (ret != 0)
			xkvm_error("failed removal of Open vSwitch ports (sudo tap-control ovs-cleanup: %s)",
				   ret < 0 ? strerror(-ret) : "failed");
	}
	if (s->taps.n) {
		ret = sudo_tapctl(s, "del-nics", NULL, &s->taps, NULL);
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
		ret = sudo_tapctl(s, "gc", &opts, &none, &text);
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
	ret = sudo_tapctl(s, "make-nics", &args, &specs, &text);
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
