/* tap-control's privilege boundary: what a caller through sudo may do
 * (docs/security.md).  One call per check from tapctl.c; each prints its
 * refusal. */
#include "cmd/tapctl-int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/lockfile.h"
#include "base/xkvm.h"
#include "cmd/options.h"
#include "gen/sysconfdir.h"	/* generated: XKVM_SYSCONFDIR, `make SYSCONFDIR=...` */
#include "net/inventory.h"
#include "net/priv.h"
#include "plan/acl.h"

extern char **environ;

/* Through sudo the environment is the caller's to choose (whatever sudoers
 * lets through): the default OVSDB remote must not follow OVS_RUNDIR, nor
 * root's run directories XKVM_RUN_DIR or XKVM_RUNDIR.  The entries go
 * from environ itself (whatever their length, with or without '='). */
static void drop_caller_env(void)
{
	size_t w = 0;

	if (!environ)
		return;
	for (size_t r = 0; environ[r]; r++)
		if (strncmp(environ[r], "OVS_", 4) && strncmp(environ[r], "XKVM_", 5))
			environ[w++] = environ[r];
	environ[w] = NULL;
}

int tapctl_priv_init(struct tapctl_opts *o)
{
	int ret = priv_caller_get(&o->caller);

	if (ret == 0 && o->caller.sudo)
		drop_caller_env();
	else if (ret == 0 && cmd_run_dir_env_bad())
		return -EINVAL;
	if (ret == -EINVAL)
		xkvm_error("invalid SUDO_UID '%s' or SUDO_GID '%s'",
			   getenv("SUDO_UID") ? getenv("SUDO_UID") : "",
			   getenv("SUDO_GID") ? getenv("SUDO_GID") : "");
	else if (ret < 0)
		xkvm_error("cannot tell the invoking user: %s", strerror(-ret));
	return ret;
}

int tapctl_priv_force(const struct tapctl_opts *o, const char *mode)
{
	if (!o->force || !o->caller.sudo)
		return 0;
	xkvm_error("tap-control %s: --force is for root alone (not through sudo)", mode);
	return -EPERM;
}

int tapctl_priv_owner(const struct tapctl_opts *o, pid_t *owner)
{
	pid_t pid = o->owner_pid;
	int ret;

	if (!pid) {
		ret = priv_default_owner(&pid);
		if (ret < 0) {
			xkvm_error("cannot find the process that ran tap-control: %s",
				   strerror(-ret));
			return ret;
		}
	}
	ret = priv_check_owner(&o->caller, pid);
	if (ret == -ESRCH && !o->owner_pid)
		xkvm_error("the process that ran tap-control (pid %d) is gone", (int)pid);
	else if (ret == -ESRCH && !o->caller.sudo)
		xkvm_error("invalid --owner-pid '%d': no such process (or a zombie)", (int)pid);
	else if (ret == -ESRCH || ret == -EPERM || ret == -EXDEV)
		xkvm_error("invalid --owner-pid '%d': not a live process of user '%s' in its "
			   "pid namespace", (int)pid, o->caller.name);
	else if (ret < 0)
		xkvm_error("cannot look at process %d: %s", (int)pid, strerror(-ret));
	if (ret < 0)
		return ret;
	*owner = pid;
	return 0;
}

static char lock_name[40];	/* ".tapctl-UID.lock" in XKVM_ROOT_RUN_DIR */
#define LOCK_POLL_US 5000	/* the caller's lock found held: tries this far apart */

int tapctl_priv_lock(const struct tapctl_opts *o, bool interruptible, int *fd)
{
	int ret;

	*fd = -1;
	if (!o->caller.sudo)
		return 0;
	snprintf(lock_name, sizeof(lock_name), ".tapctl-%u.lock", (unsigned)o->caller.uid);
	if (!interruptible) {
		ret = lockfile_take(XKVM_ROOT_RUN_DIR, lock_name, true, fd);
	} else {
		/* Not a blocking flock: a signal sudo passes on (the user's
		 * ^C) must end the wait, and the handlers only record. */
		while ((ret = lockfile_take(XKVM_ROOT_RUN_DIR, lock_name, false, fd)) == 0) {
			cleanup_check_signal();
			usleep(LOCK_POLL_US);
		}
		if (ret > 0)
			cleanup_check_signal();	/* one that came during the last sleep */
	}
	if (ret == -EPERM)
		xkvm_error("cannot lock: %s is not root's private directory", XKVM_ROOT_RUN_DIR);
	else if (ret < 0)
		xkvm_error("cannot lock %s/%s: %s", XKVM_ROOT_RUN_DIR, lock_name, strerror(-ret));
	return ret < 0 ? ret : 0;
}

void tapctl_priv_unlock(int fd)
{
	lockfile_release(XKVM_ROOT_RUN_DIR, lock_name, fd);
}

const uid_t *tapctl_priv_uid(const struct tapctl_opts *o)
{
	return o->caller.sudo ? &o->caller.uid : NULL;
}

/* ---- the ACL ------------------------------------------------------------ */

static const char acl_path[] = XKVM_SYSCONFDIR "/xkvm/acl.conf";

struct ctx {
	const struct tapctl_opts *o;
	const char *user;
	struct acl *acl;	/* NULL: no file (nothing is granted) */
	struct acl_who w;
};

/* Says that 'rule' (the line to add) is missing. */
static void missing(const struct ctx *c, const char *what, const char *rule)
{
	if (!c->acl)
		xkvm_error("user '%s' may not %s (no %s: add '%s user=%s' there)", c->user,
			   what, acl_path, rule, c->user);
	else
		xkvm_error("user '%s' may not %s (not allowed by %s: add '%s user=%s')",
			   c->user, what, acl_path, rule, c->user);
}

static int check_remote(const struct ctx *c)
{
	const char *remote = c->o->ovs.ovsdb;
	char what[600], rule[600];

	if (!remote || (c->acl && acl_remote(c->acl, &c->w, remote) == 0))
		return 0;
	snprintf(what, sizeof(what), "use OVSDB remote '%s'", remote);
	snprintf(rule, sizeof(rule), "ovsdb %s", remote);
	missing(c, what, rule);
	return -EACCES;
}

static int check_vlan(const struct ctx *c, const char *bridge, int vlan)
{
	char what[300], rule[300];

	if (c->acl && acl_vlan(c->acl, &c->w, bridge, vlan) == 0)
		return 0;
	snprintf(what, sizeof(what), "use VLAN %d on bridge '%s'", vlan, bridge);
	snprintf(rule, sizeof(rule), "vlan %s %d", bridge, vlan);
	missing(c, what, rule);
	return -EACCES;
}

/* An ovs-iface-id / ovs-vm-id value or an ovs-ext key: 'kind' is
 * "iface-id", "vm-id" or "ovs-ext". */
static int check_name(const struct ctx *c, const char *bridge, const char *kind,
		      const char *value)
{
	char what[600], rule[600];
	int r = -EACCES;

	if (c->acl && !strcmp(kind, "iface-id"))
		r = acl_iface_id(c->acl, &c->w, bridge, value);
	else if (c->acl && !strcmp(kind, "vm-id"))
		r = acl_vm_id(c->acl, &c->w, bridge, value);
	else if (c->acl)
		r = acl_ovs_ext(c->acl, &c->w, bridge, value);
	if (r == 0)
		return 0;
	if (!strcmp(kind, "ovs-ext"))
		snprintf(what, sizeof(what), "set ovs-ext:%s on bridge '%s'", value, bridge);
	else
		snprintf(what, sizeof(what), "use ovs-%s '%s' on bridge '%s'", kind, value, bridge);
	snprintf(rule, sizeof(rule), "%s %s %s", kind, bridge, value);
	missing(c, what, rule);
	return -EACCES;
}

/* An OpenFlow port number: flows elsewhere may send to it (output:N). */
static int check_ofport(const struct ctx *c, const char *bridge, const char *value)
{
	char what[300], rule[300];
	long port = atol(value);	/* the token table checked 1..65279 */

	if (c->acl && acl_ofport(c->acl, &c->w, bridge, port) == 0)
		return 0;
	snprintf(what, sizeof(what), "use OpenFlow port %ld on bridge '%s'", port, bridge);
	snprintf(rule, sizeof(rule), "ofport %s %ld", bridge, port);
	missing(c, what, rule);
	return -EACCES;
}

/* One OVS option of a NIC ("KEY=VALUE", base/nic.h): its ACL rule.
 * Ingress policing limits the user's own traffic only: no rule. */
static int check_ovs_option(const struct ctx *c, const char *b, const char *opt)
{
	const char *val = strchr(opt, '=') + 1;	/* the table's: always KEY=VALUE */
	size_t klen = (size_t)(val - 1 - opt);
	int r = 0;

	if (klen == 3 && !strncmp(opt, "tag", 3))
		return check_vlan(c, b, atoi(val));
	if (klen == 6 && !strncmp(opt, "trunks", 6)) {
		/* "N:M:..." (the token table checked each is 0..4095) */
		for (const char *t = val; r == 0 && *t; t += strcspn(t, ":"), t += *t == ':')
			r = check_vlan(c, b, atoi(t));
		return r;
	}
	if (klen == 8 && !strncmp(opt, "iface-id", 8))
		return check_name(c, b, "iface-id", val);
	if (klen == 5 && !strncmp(opt, "vm-id", 5))
		return check_name(c, b, "vm-id", val);
	if (klen == 6 && !strncmp(opt, "ofport", 6))
		return check_ofport(c, b, val);
	if (!strncmp(opt, "ext:", 4)) {
		const char *kv = opt + 4, *eq = strchr(kv, '=');
		char key[256];

		snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
		/* the same external_ids as ovs-iface-id and ovs-vm-id set */
		if (!strcmp(key, "iface-id") || !strcmp(key, "vm-id"))
			return check_name(c, b, key, eq + 1);
		return check_name(c, b, "ovs-ext", key);
	}
	if ((klen == 12 && !strncmp(opt, "ingress-rate", 12)) ||
	    (klen == 13 && !strncmp(opt, "ingress-burst", 13)))
		return 0;
	/* an option the ACL does not know yet is not granted */
	xkvm_error("user '%s' may not set ovs-%.*s (the ACL has no rule for it)", c->user,
		   (int)klen, opt);
	return -EACCES;
}

static int check_nic(const struct ctx *c, const struct nic *n)
{
	struct acl_where where = { NULL, 0 };
	const char *b = n->bridge;
	char what[300], rule[300];
	int r = c->acl ? acl_bridge(c->acl, &c->w, b, &where) : -EACCES;

	if (r == -EPERM) {
		xkvm_error("user '%s' may not use bridge '%s' (denied by %s line %u)", c->user, b,
			   where.file, where.line);
		return r;
	}
	if (r < 0) {
		snprintf(what, sizeof(what), "use bridge '%s'", b);
		snprintf(rule, sizeof(rule), "allow %s", b);
		missing(c, what, rule);
		return r;
	}
	for (size_t i = 0; i < n->ovs.n; i++) {
		r = check_ovs_option(c, b, n->ovs.v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The taps of 'uid' in this network namespace (their owner tags say). */
static int count_taps(uid_t uid, unsigned long *n)
{
	int ret = inventory_count_taps(uid, n);

	if (ret < 0)
		xkvm_error("cannot count the taps of uid %u: %s", (unsigned)uid, strerror(-ret));
	return ret;
}

int tapctl_priv_acl(const struct tapctl_opts *o, const struct nic *nics, size_t n,
		    unsigned long *max_taps)
{
	struct ctx c = { o, o->caller.name, NULL,
			 { o->caller.uid, o->caller.groups, o->caller.n_groups } };
	char *err = NULL;
	int ret;

	if (max_taps)
		*max_taps = ULONG_MAX;
	if (!o->caller.sudo)
		return 0;	/* root itself is not limited */
	if (o->ovs.iface_steal) {
		/* the holder may be another user's live guest */
		xkvm_error("tap-control make-nics: --ovs-iface-steal is for root alone "
			   "(not through sudo)");
		return -EPERM;
	}
	if (!o->ovs.ovsdb && !nics)
		return 0;	/* teardown and listing on the default remote */
	ret = acl_load(acl_path, &c.acl, &err);
	if (ret == -ENOENT) {
		ret = 0;	/* no file: nothing granted */
	} else if (ret < 0) {
		xkvm_error("%s (nothing is allowed through sudo until it is fixed)",
			   err ? err : "out of memory");
		free(err);
		return ret;
	}
	ret = check_remote(&c);
	for (size_t i = 0; ret == 0 && i < n; i++)
		if (nics[i].kind != NIC_USER)
			ret = check_nic(&c, &nics[i]);
	if (ret == 0 && max_taps)
		*max_taps = acl_max_taps(c.acl, &c.w);
	acl_free(c.acl);
	return ret;
}

int tapctl_priv_count(const struct tapctl_opts *o, unsigned long want, unsigned long max)
{
	unsigned long have = 0;
	int ret;

	if (!o->caller.sudo || !want)
		return 0;
	ret = count_taps(o->caller.uid, &have);
	if (ret == 0 && have + want > max) {
		xkvm_error("user '%s' may not have %lu taps (%lu exist, %lu asked; %s "
			   "allows %lu: add 'max-taps %lu user=%s')", o->caller.name, have + want,
			   have, want, acl_path, max, have + want, o->caller.name);
		ret = -EDQUOT;
	}
	return ret;
}
