/* tap-control's privilege boundary: what a caller through sudo may do
 * (docs/security.md).  One call per check from tapctl.c; each prints its
 * refusal. */
#include "tapctl-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "netspec.h"
#include "owner.h"
#include "priv.h"
#include "sysconfdir.h"	/* generated: XKVM_SYSCONFDIR, `make SYSCONFDIR=...` */
#include "xknl.h"
#include "xkvm.h"

extern char **environ;

/* Through sudo the environment is the caller's to choose (whatever sudoers
 * lets through): the default OVSDB remote must not follow OVS_RUNDIR. */
static void drop_ovs_env(void)
{
	for (size_t i = 0; environ && environ[i];) {
		char name[64];

		if (strncmp(environ[i], "OVS_", 4)) {
			i++;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(environ[i], "="), environ[i]);
		if (unsetenv(name) < 0)
			i++;	/* too long for 'name': cannot be ours; skip it */
	}
}

int tapctl_priv_init(struct tapctl_opts *o)
{
	int ret = priv_caller_get(&o->caller);

	if (ret == 0 && o->caller.sudo)
		drop_ovs_env();
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
	const char *remote = c->o->ovsdb;
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

static int check_nic(const struct ctx *c, const struct netspec *ns)
{
	struct acl_where where = { NULL, 0 };
	const char *b = ns->bridge;
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
	if (ns->ovs_tag >= 0 && check_vlan(c, b, ns->ovs_tag) < 0)
		return -EACCES;
	/* "N:M:..." (netspec checked each is 0..4095) */
	for (const char *t = ns->ovs_trunks; t && *t; t += strcspn(t, ":"), t += *t == ':')
		if (check_vlan(c, b, atoi(t)) < 0)
			return -EACCES;
	if (ns->ovs_iface_id && check_name(c, b, "iface-id", ns->ovs_iface_id) < 0)
		return -EACCES;
	if (ns->ovs_vm_id && check_name(c, b, "vm-id", ns->ovs_vm_id) < 0)
		return -EACCES;
	for (size_t i = 0; i < ns->ovs_ext.n; i++) {
		const char *kv = ns->ovs_ext.v[i], *eq = strchr(kv, '=');
		char key[256];

		snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - kv) : (int)strlen(kv), kv);
		/* the same external_ids as ovs-iface-id and ovs-vm-id set */
		if (!strcmp(key, "iface-id") || !strcmp(key, "vm-id"))
			r = check_name(c, b, key, eq ? eq + 1 : "");
		else
			r = check_name(c, b, "ovs-ext", key);
		if (r < 0)
			return r;
	}
	return 0;
}

struct count {
	uid_t uid;
	unsigned long n;
};

static int count_tap(const struct xknl_link *l, void *arg)
{
	struct count *c = arg;
	struct owner ow;

	if (!strcmp(l->kind, "tun") && owner_parse(l->alias, &ow) == 0 && ow.uid == c->uid)
		c->n++;
	return 0;
}

/* The taps of 'uid' in this network namespace (their owner tags say). */
static int count_taps(uid_t uid, unsigned long *n)
{
	struct count c = { uid, 0 };
	struct xknl *nl = NULL;
	int ret = xknl_open(&nl);

	if (ret == 0)
		ret = xknl_link_foreach(nl, count_tap, &c);
	xknl_close(nl);
	if (ret < 0)
		xkvm_error("cannot count the taps of uid %u: %s", (unsigned)uid, strerror(-ret));
	else
		*n = c.n;
	return ret < 0 ? ret : 0;
}

int tapctl_priv_acl(const struct tapctl_opts *o, const struct netspec *specs, size_t n)
{
	struct ctx c = { o, o->caller.name, NULL,
			 { o->caller.uid, o->caller.groups, o->caller.n_groups } };
	unsigned long have = 0, want = 0, max;
	char *err = NULL;
	int ret;

	if (!o->caller.sudo)
		return 0;	/* root itself is not limited */
	if (!o->ovsdb && !specs)
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
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (specs[i].user)
			continue;
		ret = check_nic(&c, &specs[i]);
		want++;
	}
	if (ret == 0 && want) {
		max = acl_max_taps(c.acl, &c.w);
		ret = count_taps(o->caller.uid, &have);
		if (ret == 0 && have + want > max) {
			xkvm_error("user '%s' may not have %lu taps (%lu exist, %lu asked; %s "
				   "allows %lu: add 'max-taps %lu user=%s')", c.user, have + want,
				   have, want, acl_path, max, have + want, c.user);
			ret = -EDQUOT;
		}
	}
	acl_free(c.acl);
	return ret;
}
