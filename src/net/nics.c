#include "net/nics.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/rundir.h"
#include "base/xkvm.h"
#include "net/owner.h"
#include "net/reap.h"
#include "net/sudo-nics.h"
#include "net/taps.h"
#include "net/tapstate.h"
#include "net/vhostdir.h"
#include "netlink/xknl.h"
#include "ovsdb/xkovs.h"

#define TAP_TEMPLATE "tapvm%d"

struct nics {
	struct nics_options opt;
	struct xknl *nl;
	struct ovsports *ovs;		/* the launch's one OVSDB session */
	struct sudo_nics *sudo;		/* what went through sudo, or NULL */
	struct owner owner;
	char tag[OWNER_TAGSIZ];		/* "" until the owner is known */
	uint32_t group;			/* 0 until chosen */
	struct tap *taps;		/* the taps made and not kept */
	size_t n, alloc;
	char *vhost_dir;		/* the launch's vhost-user sockets, or NULL */
	int pin;			/* nics_move_owned(): the tap's ifindex, else 0 */
};

static void teardown_hook(void *arg)
{
	nics_teardown(arg);
}

int nics_new(const struct nics_options *o, struct nics **out)
{
	struct nics *ns = calloc(1, sizeof(*ns));
	int ret = -ENOMEM;

	if (!ns) {
		xkvm_error("out of memory");
		goto out;
	}
	ns->opt = *o;
	ret = ovsports_new(&o->ovs, &ns->ovs);	/* printed */
	if (ret < 0)
		goto out;
	ret = cleanup_add_hook(teardown_hook, ns);
	if (ret < 0) {
		xkvm_error("out of memory");
		goto out;
	}
	*out = ns;
	ns = NULL;
out:
	if (ns)
		ovsports_free(ns->ovs);
	free(ns);
	return ret;
}

bool nics_privileged(void)
{
	return sudo_nics_privileged();
}

static const char *nl_reason(const struct nics *ns, int err)
{
	const char *s = xknl_strerror(ns->nl);

	return s ? s : strerror(-err);
}

static int open_nl(struct nics *ns)
{
	int ret;

	if (ns->nl)
		return 0;
	ret = xknl_open(&ns->nl);
	if (ret < 0)
		xkvm_error("cannot open an rtnetlink socket: %s", strerror(-ret));
	return ret;
}

/* --- classification ----------------------------------------------------- */

/* Classifies the bridge 'name' (not "user"): an OVS bridge, else a Linux
 * bridge; fills 'n' and, for a Linux bridge, *link.  Returns 0, or prints
 * and returns -errno. */
static int classify_bridge(struct nics *ns, struct nic *n, struct xknl_link *link, bool *dpdk)
{
	const char *name = n->bridge;
	bool netdev_dp = false;
	int ret;

	/* The database first: a netdev-datapath bridge is a "tun" link to the
	 * kernel, and a fake VLAN bridge may be no link at all. */
	ret = ovsports_lookup(ns->ovs, name, &netdev_dp, dpdk);
	if (ret < 0)
		return ret;
	if (ret > 0) {
		n->kind = NIC_OVS;
		n->netdev_dp = netdev_dp;
		return 0;
	}
	ret = xknl_link_get(ns->nl, name, link);
	if (ret == -ENODEV || ret == -ENAMETOOLONG || ret == -EINVAL) {
		xkvm_error("no such bridge '%s'", name);
		return -ENODEV;
	}
	if (ret < 0) {
		xkvm_error("cannot look up bridge '%s': %s", name, nl_reason(ns, ret));
		return ret;
	}
	if (ovsports_unreadable(ns->ovs) && !strcmp(link->kind, "openvswitch")) {
		n->kind = NIC_OVS;	/* a kernel-datapath OVS bridge's own port */
		return 0;
	}
	if (ovsports_unreadable(ns->ovs) && strcmp(link->kind, "bridge")) {
		xkvm_error("cannot tell whether '%s' is an Open vSwitch bridge: the database "
			   "refused this user (run as root)", name);
		return -EACCES;
	}
	if (strcmp(link->kind, "bridge")) {
		xkvm_error("'%s' is not a bridge", name);
		return -EINVAL;
	}
	n->kind = NIC_BRCTL;
	return 0;
}

/* A vhost-user port is a DPDK port: it needs an OVS bridge of the
 * userspace datapath whose ovs-vswitchd has DPDK initialised. */
static int check_vhost(const struct nics *ns, const struct nic *n, bool dpdk)
{
	if (n->kind != NIC_OVS) {
		xkvm_error("vhost-user needs an Open vSwitch bridge with DPDK: '%s' is %s in "
			   "--netdev %s", n->bridge,
			   n->kind == NIC_USER ? "user networking" : "a Linux bridge", n->spec);
		return -EINVAL;
	}
	if (ovsports_unreadable(ns->ovs)) {
		xkvm_error("cannot tell whether bridge '%s' has DPDK: the Open vSwitch database "
			   "refused this user (run as root) in --netdev %s", n->bridge, n->spec);
		return -EACCES;
	}
	if (!dpdk) {
		xkvm_error("vhost-user needs DPDK: the ovs-vswitchd of bridge '%s' has not "
			   "initialised it (Open_vSwitch dpdk_initialized is not true) in "
			   "--netdev %s", n->bridge, n->spec);
		return -EINVAL;
	}
	if (!n->netdev_dp) {
		xkvm_error("vhost-user needs a userspace-datapath bridge: '%s' is not "
			   "datapath_type=netdev in --netdev %s", n->bridge, n->spec);
		return -EINVAL;
	}
	return 0;
}

static int classify(struct nics *ns, struct nic *n)
{
	struct xknl_link link;
	char *err = NULL;
	bool dpdk = false;
	int ret;

	if (n->kind == NIC_UNCLASSIFIED) {
		ret = classify_bridge(ns, n, &link, &dpdk);
		if (ret < 0)
			return ret;
	} else if (n->vhost_user && n->kind == NIC_OVS) {
		bool netdev_dp;

		/* classified before (make-nics classifies again): ask anew */
		ret = ovsports_lookup(ns->ovs, n->bridge, &netdev_dp, &dpdk);
		if (ret < 0)
			return ret;
	}
	ret = nic_check_ovs_place(n, &err);
	if (ret < 0) {
		xkvm_error("%s", err ? err : "out of memory");
		free(err);
		return ret;
	}
	return n->vhost_user ? check_vhost(ns, n, dpdk) : 0;
}

int nics_classify(struct nics *ns, struct nic *nics, size_t n)
{
	int ret = open_nl(ns);

	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = classify(ns, &nics[i]);
	return ret;
}

int nics_reap(struct nics *ns)
{
	struct reap_result res;
	int ret, lock, lock_fd;

	if (!nics_privileged()) {
		/* The user's own leftovers, through sudo (gc reaps only the
		 * caller's there); never fatal. */
		ret = ns->sudo ? 0 : sudo_nics_new(&ns->sudo);
		if (ret == 0)
			ret = sudo_nics_gc(ns->sudo, &ns->opt.ovs);
		if (ret < 0)
			xkvm_debug(1, "sudo tap-control gc failed: going on");
		return 0;
	}
	lock = reap_trylock(&lock_fd);
	if (lock == 0) {
		xkvm_debug(1, "another launch is reaping dead launches' leftovers now");
		return 0;
	}
	/* The session the bridges were looked up with: no second one. */
	ret = reap_dead(ovsports_db(ns->ovs), ns->opt.ovs.ovsdb, ns->opt.ovs.ovs_timeout_ms,
			false, &res);
	reap_unlock(lock_fd);
	if (ret == -EMFILE || ret == -ENFILE)
		return ret;	/* said; nothing else could be done either */
	if (ret < 0)
		return 0;	/* said; never fatal */
	if (res.taps || res.ports)
		xkvm_debug(1, "removed %zu tap(s) and %zu port(s) left by dead xkvm processes",
			   res.taps, res.ports);
	return (int)(res.taps + res.ports);
}

/* --- group and owner ---------------------------------------------------- */

/* A group from [2^30, 2^31), far above anything configured by hand (and
 * still positive where ip(8) prints groups as int): bit 30, the pid
 * (unique among live processes of our pid namespace, pid_max <= 2^22)
 * mixed with a hash of that namespace (containers sharing the network
 * reuse pids), and a random byte against pid reuse.  Not probed (a dump of
 * every link, per launch, is what hundreds of launches at once cannot
 * afford): the teardown deletes the group at once only when it holds
 * nothing but our taps (net/taps.c). */
static void choose_group(struct nics *ns)
{
	unsigned long long pidns = 0;
	uint32_t mix;
	uint8_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint8_t)(time(NULL) ^ clock());
	(void)owner_pidns(getpid(), &pidns);
	mix = (uint32_t)((pidns * 0x9e3779b97f4a7c15ull) >> 42);	/* 22 bits */
	ns->group = 0x40000000u | ((((uint32_t)getpid() ^ mix) << 8) & 0x3fffff00u) | r;
}

static int ensure_owner(struct nics *ns)
{
	uid_t uid;
	int ret;

	if (ns->tag[0])
		return 0;
	ret = owner_invoking_uid(&uid);
	if (ret < 0) {
		xkvm_error("invalid SUDO_UID '%s'", getenv("SUDO_UID"));
		return ret;
	}
	ret = ns->opt.owner_pid ? owner_of(ns->opt.owner_pid, uid, &ns->owner)
				: owner_self(&ns->owner, uid);
	if (ret == 0)
		ret = owner_format(&ns->owner, ns->tag, sizeof(ns->tag));
	if (ret < 0) {
		ns->tag[0] = '\0';
		xkvm_error("cannot build the owner tag: %s", strerror(-ret));
	}
	return ret;
}

/* --- teardown ----------------------------------------------------------- */

/* Deletes taps[0..n) (net/taps.h), printing a line per failure.  Returns
 * how many failed. */
static size_t delete_listed(struct xknl *nl, struct tap *taps, size_t n, const char *tag)
{
	size_t failed = taps_delete(nl, taps, n, tag);

	for (size_t i = 0; i < n; i++)
		if (taps[i].err < 0)
			xkvm_error("failed removal of '%s': %s", taps[i].name, taps[i].why);
	return failed;
}

/* Deletes the taps from index 'from' on and shortens the list. */
static void teardown_from(struct nics *ns, size_t from)
{
	if (from >= ns->n)
		return;
	if (!ns->nl && open_nl(ns) < 0)
		return;	/* nothing we can do; the reaper will find the tags */
	xkvm_debug(1, "removing %zu tap(s)", ns->n - from);
	delete_listed(ns->nl, ns->taps + from, ns->n - from, ns->tag);
	ns->n = from;
}

void nics_teardown(struct nics *ns)
{
	int ret;

	ovsports_teardown(ns->ovs);	/* the ports before the taps they name */
	teardown_from(ns, 0);
	sudo_nics_teardown(ns->sudo);
	if (ns->vhost_dir) {	/* after the ports: nothing connects to it any more */
		ret = vhostdir_remove(ns->vhost_dir);
		if (ret < 0)
			xkvm_error("cannot remove vhost-user socket directory '%s': %s",
				   ns->vhost_dir, strerror(-ret));
		else
			xkvm_debug(1, "removed %s", ns->vhost_dir);
		free(ns->vhost_dir);
		ns->vhost_dir = NULL;
	}
}

void nics_keep(struct nics *ns)
{
	ovsports_keep(ns->ovs);
	ns->n = 0;
	ns->group = 0;	/* the kept taps keep theirs: a later group is new */
}

void nics_free(struct nics *ns)
{
	if (!ns)
		return;
	nics_teardown(ns);
	cleanup_remove_hook(teardown_hook, ns);
	ovsports_free(ns->ovs);
	sudo_nics_free(ns->sudo);
	xknl_close(ns->nl);
	free(ns->taps);
	free(ns->vhost_dir);
	free(ns);
}

/* --- setup -------------------------------------------------------------- */

/* Says why vhostdir_make() failed with 'err'. */
static void vhostdir_failed(int err)
{
	const char *var = NULL, *env = rundir_env(&var);
	char *root = NULL;
	int r = rundir_get(&root);

	if (r == -EINVAL) {
		xkvm_error("invalid %s '%s': want an absolute path", var, env);
		return;
	}
	if (r < 0) {
		xkvm_error("cannot make a vhost-user socket directory: %s",
			   r == -ENOENT ? "no run directory (set XDG_RUNTIME_DIR or XKVM_RUN_DIR)"
			   : strerror(-r));
		return;
	}
	xkvm_error("cannot make a vhost-user socket directory in '%s': %s", root,
		   err == -ENAMETOOLONG ? "the socket paths would be too long for a socket address"
		   : err == -EINVAL ? "a ',' in the path cannot reach qemu" : strerror(-err));
	free(root);
}

/* The launch's side of vhost-user NICs: one fresh socket directory for the
 * launch and a socket path for each vhost-user NIC that has none yet (qemu
 * will create it; make-nics only checks the path). */
static int prepare_vhost(struct nics *ns, struct nic *nics, size_t n)
{
	int ret;

	for (size_t i = 0; i < n; i++) {
		struct nic *v = &nics[i];

		if (!v->vhost_user || v->vhost_sock)
			continue;
		if (ns->opt.owner_pid) {
			xkvm_error("vhost-user NIC without its socket (vhost-user=PATH) in '%s'",
				   v->spec);
			return -EINVAL;
		}
		if (!ns->vhost_dir) {
			ret = vhostdir_make(&ns->vhost_dir);
			if (ret < 0) {
				vhostdir_failed(ret);
				return ret;
			}
			xkvm_debug(1, "made %s", ns->vhost_dir);
		}
		ret = vhostdir_socket(ns->vhost_dir, v->index, &v->vhost_sock);
		if (ret < 0) {
			xkvm_error("cannot name the vhost-user socket of --netdev %s: %s", v->spec,
				   strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Names the OVS port of vhost-user NIC 'n' ("vhu<owner pid>-<index>", unique
 * among live owners; a dead owner's port of that name was reaped) and
 * checks the socket it will connect to.  No tap: qemu and ovs-vswitchd
 * share the socket. */
static int name_vhost_port(struct nics *ns, struct nic *n)
{
	int len, ret;

	if (!n->vhost_sock) {
		xkvm_error("vhost-user NIC without its socket (vhost-user=PATH) in '%s'", n->spec);
		return -EINVAL;
	}
	/* make-nics: the invoking user's launch made it; a launch: we did */
	ret = vhostdir_check_socket(n->vhost_sock, ns->opt.owner_pid ? ns->owner.uid : geteuid());
	if (ret < 0) {
		xkvm_error("refusing vhost-user socket '%s': %s", n->vhost_sock,
			   ret == -EEXIST ? "something is there already (never reused)" :
			   ret == -EPERM ? "its directory is not the user's alone (0700)" :
			   ret == -EINVAL ? "not a socket in an xkvm launch directory (vhost.*)" :
			   strerror(-ret));
		return ret;
	}
	len = snprintf(n->tap, sizeof(n->tap), "vhu%d-%u", (int)ns->owner.pid, n->index);
	if (len < 0 || (size_t)len >= sizeof(n->tap)) {
		n->tap[0] = '\0';
		xkvm_error("too many NICs for a vhost-user port name (NIC %u)", n->index);
		return -E2BIG;
	}
	xkvm_debug(1, "vhost-user port %s on %s, socket %s", n->tap, n->bridge, n->vhost_sock);
	return 0;
}

static int reserve_tap(struct nics *ns)
{
	if (ns->n == ns->alloc) {
		size_t alloc = ns->alloc ? 2 * ns->alloc : 8;
		struct tap *t = realloc(ns->taps, alloc * sizeof(*t));

		if (!t) {
			xkvm_error("out of memory");
			return -ENOMEM;
		}
		ns->taps = t;
		ns->alloc = alloc;
	}
	return 0;
}

/* Makes the tap of 'n' (classified, not user).  The tap stays
 * non-persistent (it goes with 'fd' when xkvm is killed) until it carries
 * the owner tag and sits in the group: a tap left behind is always tagged,
 * so `tap-control gc` finds it. */
static int make_one(struct nics *ns, struct nic *n)
{
	struct xknl_change c;
	struct xknl_link tap, br;
	struct tap *t;
	int ret, fd = -1;

	if (n->kind == NIC_BRCTL) {
		/* The bridge's MTU and index, as they are now. */
		ret = xknl_link_get(ns->nl, n->bridge, &br);
		if (ret < 0) {
			xkvm_error("cannot look up bridge '%s': %s", n->bridge, nl_reason(ns, ret));
			return ret;
		}
	}
	ret = reserve_tap(ns);
	if (ret < 0)
		return ret;
	t = &ns->taps[ns->n];
	memset(t, 0, sizeof(*t));
	ret = xknl_tap_open(TAP_TEMPLATE, ns->owner.uid,
			    n->queues >= 2 ? XKNL_TAP_MULTI_QUEUE : 0, t->name, &fd);
	if (ret < 0) {
		xkvm_error("failed to create tap '%s' for uid %u: %s", TAP_TEMPLATE,
			   (unsigned)ns->owner.uid, ret == -EADDRNOTAVAIL ?
			   "no free " TAP_TEMPLATE " name" : strerror(-ret));
		return ret;
	}
	ns->n++;	/* listed the moment it exists */
	t->group = ns->group;
	memcpy(n->tap, t->name, sizeof(n->tap));
	ret = xknl_link_get(ns->nl, t->name, &tap);
	if (ret < 0) {
		xkvm_error("cannot look up tap '%s': %s", t->name, nl_reason(ns, ret));
		goto out;
	}
	t->ifindex = tap.ifindex;
	memset(&c, 0, sizeof(c));
	c.ifindex = tap.ifindex;
	c.alias = ns->tag;
	c.set_group = true;
	c.group = ns->group;
	c.up = true;
	if (n->kind == NIC_BRCTL) {
		c.mtu = br.mtu;
		c.master = br.ifindex;
	}
	if (n->mtu)
		c.mtu = n->mtu;	/* mtu=N: the tap's, whatever the bridge's */
	ret = xknl_link_change(ns->nl, &c);
	if (ret < 0 && n->mtu) {
		xkvm_error("failed to add tap '%s' with MTU %u to '%s': %s", t->name, n->mtu,
			   n->bridge, nl_reason(ns, ret));
		goto out;
	}
	if (ret < 0) {
		xkvm_error("failed to add tap '%s' to '%s': %s", t->name, n->bridge,
			   nl_reason(ns, ret));
		goto out;
	}
	ret = xknl_tap_persist(fd);
	if (ret < 0) {
		xkvm_error("cannot make tap '%s' persistent: %s", t->name, strerror(-ret));
		goto out;
	}
	xkvm_debug(1, "created %s:%s on %s", t->name, nic_kind_name(n->kind), n->bridge);
out:
	close(fd);	/* on failure the tap goes with it (teardown finds it gone) */
	return ret;
}

/* Removes the listed tap 'name' (found by name) and unlists it.  Returns
 * 0, -ENOENT (not listed) or prints and returns -errno. */
static int drop_tap(struct nics *ns, const char *name)
{
	size_t i;
	int ret;

	for (i = 0; i < ns->n && strcmp(ns->taps[i].name, name); i++)
		;
	if (i == ns->n)
		return -ENOENT;
	if (open_nl(ns) < 0)
		return -EIO;
	ret = xknl_link_del(ns->nl, ns->taps[i].ifindex, ns->taps[i].name);
	if (ret < 0 && ret != -ENODEV) {
		xkvm_error("failed removal of '%s': %s", name, nl_reason(ns, ret));
		return ret;
	}
	memmove(ns->taps + i, ns->taps + i + 1, (ns->n - i - 1) * sizeof(*ns->taps));
	ns->n--;
	return 0;
}

/* How often a launch picks new tap names for ports whose names are taken
 * in the database before it gives up (each round takes a fresh name from
 * the kernel for every clashing NIC). */
#define RENAME_ROUNDS 8

/* Adds the OVS ports of nics[]; a NIC whose tap name a foreign or live row
 * bears gets a new tap (the kernel's next free name) and the add is tried
 * again.  The clashing taps stay until the end so the kernel cannot hand
 * their names out again; then they go.  Returns 0 or -errno (printed). */
static int add_ports(struct nics *ns, struct nic *nics, size_t n)
{
	char (*held)[XKNL_IFNAMSIZ] = NULL;	/* the clashing taps, kept meanwhile */
	size_t nheld = 0;
	bool *taken = calloc(n, sizeof(*taken));
	int ret;

	if (!taken) {
		xkvm_error("out of memory");
		return -ENOMEM;
	}
	ret = ovsports_add(ns->ovs, nics, n, ns->tag, taken);
	for (int round = 1; ret == -EEXIST; round++) {
		bool last = round > RENAME_ROUNDS, any = false;

		for (size_t i = 0; i < n; i++) {
			any |= taken[i];
			last |= taken[i] && nics[i].vhost_user;	/* not a tap: no other name */
		}
		if (!any)
			break;	/* -EEXIST of another kind: said already */
		if (last) {	/* once more, to say which names */
			ret = ovsports_add(ns->ovs, nics, n, ns->tag, NULL);
			break;
		}
		for (size_t i = 0; ret == -EEXIST && i < n; i++) {
			void *more;

			if (!taken[i])
				continue;
			more = realloc(held, (nheld + 1) * sizeof(*held));
			if (!more) {
				xkvm_error("out of memory");
				ret = -ENOMEM;
				break;
			}
			held = more;
			memcpy(held[nheld++], nics[i].tap, sizeof(*held));
			xkvm_debug(1, "tap name %s is taken in the Open vSwitch database: "
				   "making another tap", nics[i].tap);
			if (make_one(ns, &nics[i]) < 0)
				ret = -EIO;	/* printed */
		}
		if (ret == -EEXIST)
			ret = ovsports_add(ns->ovs, nics, n, ns->tag, taken);
	}
	for (size_t i = 0; i < nheld; i++) {
		int r = drop_tap(ns, held[i]);

		if (r < 0 && ret == 0)
			ret = r;
	}
	free(held);
	free(taken);
	return ret;
}

static int make_privileged(struct nics *ns, struct nic *nics, size_t n)
{
	size_t from = ns->n;
	bool began = false;
	int ret;

	ret = nics_classify(ns, nics, n);
	if (ret == 0)
		ret = ensure_owner(ns);
	if (ret == 0 && !ns->group)
		choose_group(ns);
	if (ret == 0 && ns->opt.taps_begin) {
		ret = ns->opt.taps_begin(ns->opt.taps_arg);
		began = true;
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (nics[i].kind == NIC_USER)
			continue;
		ret = nics[i].vhost_user ? name_vhost_port(ns, &nics[i]) : make_one(ns, &nics[i]);
		cleanup_check_signal();
	}
	if (began && ns->opt.taps_end)
		ns->opt.taps_end(ns->opt.taps_arg);
	if (ret == 0)
		ret = add_ports(ns, nics, n);
	if (ret < 0) {
		for (size_t i = 0; i < n; i++)
			nics[i].tap[0] = '\0';
		teardown_from(ns, from);
	}
	return ret;
}

int nics_make(struct nics *ns, struct nic *nics, size_t n)
{
	int ret = prepare_vhost(ns, nics, n);

	if (ret < 0) {
		/* nothing to undo but the directory: teardown removes it */
	} else if (nics_privileged()) {
		ret = make_privileged(ns, nics, n);
	} else {
		ret = ns->sudo ? 0 : sudo_nics_new(&ns->sudo);
		if (ret == 0)
			ret = sudo_nics_make(ns->sudo, nics, n, &ns->opt.ovs, ns->opt.verbosity);
	}
	cleanup_check_signal();	/* a signal cut a step short: die by it */
	return ret;
}

int nics_vhost_pending(struct nics *ns, const struct nic *nics, size_t n, const char **first)
{
	int pending = 0;

	*first = NULL;
	for (size_t i = 0; i < n; i++) {
		int r;

		if (!nics[i].vhost_user || !nics[i].tap[0])
			continue;
		r = ovsports_vhost_connected(ns->ovs, nics[i].tap);
		if (r < 0)
			return r;
		if (r == 0 && !pending++)
			*first = nics[i].tap;
	}
	return pending;
}

const char *nics_db_error(const struct nics *ns)
{
	return ovsports_error(ns->ovs);
}

int nics_remove(struct nics *ns, const char *tap)
{
	int ret;

	if (!nics_privileged())
		return ns->sudo ? sudo_nics_remove(ns->sudo, tap) : -ENOENT;
	ret = ovsports_remove(ns->ovs, tap);	/* the port before its tap */
	if (ret < 0 && ret != -ENOENT)
		return ret;
	return drop_tap(ns, tap);
}

/* With ns->pin: whether the tap's name still names the pinned link (ovs-
 * vswitchd opens a port by name).  Prints why not. */
static bool still_pinned(struct nics *ns, const char *tap)
{
	struct xknl_link l;

	if (!ns->pin || (xknl_link_get(ns->nl, tap, &l) == 0 && l.ifindex == ns->pin))
		return true;
	xkvm_error("tap '%s' changed during the move (it is another link now)", tap);
	return false;
}

/* The tap of 'n' as a link: the pinned one, else looked up by name. */
static int tap_link(struct nics *ns, const struct nic *n, struct xknl_link *l)
{
	if (!ns->pin)
		return xknl_link_get(ns->nl, n->tap, l);
	l->ifindex = ns->pin;
	return 0;
}

/* Attaches the tap of 'n' where 'n' says (a classified bridge). */
static int attach(struct nics *ns, const struct nic *n)
{
	struct xknl_change c = { 0 };
	struct xknl_link tap, br;
	int ret;

	if (n->kind == NIC_OVS) {
		if (!still_pinned(ns, n->tap))
			return -ESTALE;
		ret = ovsports_add(ns->ovs, n, 1, ns->tag, NULL);
		if (ret == 0 && !still_pinned(ns, n->tap)) {
			(void)ovsports_remove(ns->ovs, n->tap);
			ret = -ESTALE;
		}
		return ret;
	}
	ret = tap_link(ns, n, &tap);
	if (ret == 0)
		ret = xknl_link_get(ns->nl, n->bridge, &br);
	if (ret == 0) {
		c.ifindex = tap.ifindex;
		c.master = br.ifindex;
		c.mtu = br.mtu;
		ret = xknl_link_change(ns->nl, &c);
	}
	if (ret < 0)
		xkvm_error("failed to add tap '%s' to '%s': %s", n->tap, n->bridge, nl_reason(ns, ret));
	return ret;
}

/* Takes the tap of 'n' off its bridge. */
static int detach(struct nics *ns, const struct nic *n)
{
	struct xknl_change c = { 0 };
	struct xknl_link tap;
	int ret;

	if (n->kind == NIC_OVS) {
		ret = ovsports_remove(ns->ovs, n->tap);
		if (ret == -ENOENT)	/* tap-control move-nic: the launch made it */
			ret = ovsports_remove_tagged(ns->ovs, n->tap, ns->tag);
		return ret;
	}
	ret = tap_link(ns, n, &tap);
	if (ret == 0) {
		c.ifindex = tap.ifindex;
		c.nomaster = true;
		ret = xknl_link_change(ns->nl, &c);
	}
	if (ret < 0)
		xkvm_error("cannot take tap '%s' off '%s': %s", n->tap, n->bridge, nl_reason(ns, ret));
	return ret;
}

int nics_move(struct nics *ns, const struct nic *n, struct nic *to)
{
	int ret;

	if (!nics_privileged()) {
		if (!ns->sudo)
			return -EPERM;	/* no tap of this launch went through sudo */
		return sudo_nics_move(ns->sudo, n, to);
	}
	ret = open_nl(ns);
	if (ret == 0)
		ret = nics_classify(ns, to, 1);
	if (ret == 0 && to->kind == NIC_USER)
		ret = -EINVAL;
	if (ret < 0)
		return ret;
	memcpy(to->tap, n->tap, sizeof(to->tap));
	ret = detach(ns, n);
	if (ret < 0)
		return ret;
	ret = attach(ns, to);
	if (ret < 0 && ret != -ESTALE) {
		/* Back where it was, if it can: a signal that cut the way
		 * there short must not cut the way back. */
		ovsports_set_interruptible(ns->ovs, false);
		if (attach(ns, n) < 0)
			xkvm_error("tap '%s' is on no bridge now", n->tap);
		ovsports_set_interruptible(ns->ovs, true);
	}
	return ret;
}

int nics_move_owned(struct nics *ns, struct nic *from, struct nic *to)
{
	struct xknl_link l, br;
	int ret;

	ret = ensure_owner(ns);
	if (ret == 0)
		ret = open_nl(ns);
	if (ret < 0)
		return ret;
	ret = xknl_link_get(ns->nl, from->tap, &l);
	if (ret == -ENODEV || ret == -ENAMETOOLONG || ret == -EINVAL) {
		xkvm_error("no such tap '%s'", from->tap);
		return -ENODEV;
	}
	if (ret < 0) {
		xkvm_error("cannot look up tap '%s': %s", from->tap, nl_reason(ns, ret));
		return ret;
	}
	if (strcmp(l.kind, "tun") || strcmp(l.alias, ns->tag)) {
		xkvm_error("refusing to move '%s': not a tap of process %d", from->tap,
			   (int)ns->owner.pid);
		return -EPERM;
	}
	ret = nics_classify(ns, from, 1);
	if (ret < 0)
		return ret;
	if (from->kind == NIC_USER)
		return -EINVAL;
	/* A Linux bridge's member must be where 'from' says (the launch's
	 * teardown and a failed move's way back rely on it). */
	if (from->kind == NIC_BRCTL) {
		ret = xknl_link_get(ns->nl, from->bridge, &br);
		if (ret == 0 && br.ifindex != l.master) {
			xkvm_error("tap '%s' is not on bridge '%s'", from->tap, from->bridge);
			return -EINVAL;
		}
		if (ret < 0) {
			xkvm_error("cannot look up bridge '%s': %s", from->bridge, nl_reason(ns, ret));
			return ret;
		}
	}
	ns->pin = l.ifindex;	/* from here on that link, whatever bears the name */
	ret = nics_move(ns, from, to);
	ns->pin = 0;
	nics_keep(ns);	/* where the tap is now (there, or back) is the launch's */
	return ret;
}

/* The host side of a runtime request without CAP_NET_ADMIN. */
static int tap_through_sudo(struct nics *ns, const char *mode, const char *tap, const char *arg,
			    char *why, size_t whysize)
{
	if (!ns) {
		snprintf(why, whysize, "%s needs CAP_NET_ADMIN", mode);
		return -EPERM;
	}
	if (!ns->sudo && sudo_nics_new(&ns->sudo) < 0) {
		snprintf(why, whysize, "cannot prepare sudo (the launch's stderr says why)");
		return -ENOMEM;
	}
	return sudo_nics_tap(ns->sudo, mode, tap, arg, why, whysize);
}

int nics_set_link(struct nics *ns, const char *tap, int ifindex, bool up, char *why,
		  size_t whysize)
{
	char reason[256];
	int ret;

	if (!nics_privileged())
		return tap_through_sudo(ns, "link", tap, up ? "up" : "down", why, whysize);
	ret = tapstate_set_up(tap, ifindex, up, reason, sizeof(reason));
	if (ret < 0)
		snprintf(why, whysize, "cannot set tap '%s' %s: %s", tap, up ? "up" : "down", reason);
	return ret;
}

int nics_netem(struct nics *ns, const char *tap, int ifindex, const struct tapstate_netem *e,
	       char *why, size_t whysize)
{
	char reason[256], spec[128];
	int ret;

	if (!nics_privileged()) {
		if (e && tapstate_netem_format(e, spec, sizeof(spec)) < 0) {
			snprintf(why, whysize, "netem: the spec is too long");
			return -ENOSPC;
		}
		return tap_through_sudo(ns, "netem", tap, e ? spec : "off", why, whysize);
	}
	ret = tapstate_netem(tap, ifindex, e, reason, sizeof(reason));
	if (ret < 0)
		snprintf(why, whysize, "cannot %s netem on '%s': %s", e ? "set" : "remove", tap,
			 ret == -ENOENT ? "the kernel has no netem (sch_netem)" : reason);
	return ret;
}

int nics_mirror(struct nics *ns, const struct nic *src, const struct nic *out, bool off,
		char port[NIC_TAPSIZ])
{
	char name[64];
	int ret;

	if (!nics_privileged())
		return -EPERM;	/* Mirror rows: root's session alone */

	snprintf(name, sizeof(name), "xkvm-%s", src->tap);
	if (off)
		return ovsports_mirror(ns->ovs, NULL, name, NULL, NULL, false);
	if (out) {
		snprintf(port, NIC_TAPSIZ, "%s", out->tap);
		return ovsports_mirror(ns->ovs, src->bridge, name, src->tap, out->tap, false);
	}
	/* Its own output port, "xkm" + the tap's number: up once ovs-vswitchd
	 * made its device, so that what OVS writes there can be captured. */
	snprintf(port, NIC_TAPSIZ, "xkm%s", src->tap + strcspn(src->tap, "0123456789"));
	ret = ovsports_mirror(ns->ovs, src->bridge, name, src->tap, port, true);
	if (ret < 0 || open_nl(ns) < 0)
		return ret < 0 ? ret : -EIO;
	for (int i = 0; i < 100; i++) {
		struct xknl_change c = { 0 };
		struct xknl_link l;

		if (xknl_link_get(ns->nl, port, &l) == 0) {
			c.ifindex = l.ifindex;
			c.up = true;
			return xknl_link_change(ns->nl, &c) < 0 ? -EIO : 0;
		}
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	xkvm_error("ovs-vswitchd made no device for mirror port '%s' within 2 s", port);
	return -ETIMEDOUT;
}

int nics_ofport(struct nics *ns, const char *tap, int64_t *ofport)
{
	struct xkovs *h = ns ? ovsports_db(ns->ovs) : NULL;

	return h ? xkovs_iface_ofport(h, tap, ofport) : -ENOENT;
}

/* --- del-nics ----------------------------------------------------------- */

int nics_delete_owned(const char *const *names, size_t count, uid_t uid)
{
	struct xknl *nl = NULL;
	struct tap *taps = NULL;
	size_t n = 0, bad = 0;
	int ret;

	ret = xknl_open(&nl);
	if (ret < 0) {
		xkvm_error("cannot open an rtnetlink socket: %s", strerror(-ret));
		return ret;
	}
	taps = calloc(count ? count : 1, sizeof(*taps));
	if (!taps) {
		xkvm_error("out of memory");
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		struct xknl_link l;
		struct owner o;

		ret = xknl_link_get(nl, names[i], &l);
		if (ret == -ENODEV || ret == -ENAMETOOLONG || ret == -EINVAL) {
			xkvm_error("no such tap '%s'", names[i]);
			bad++;
			continue;
		}
		if (ret < 0) {
			const char *why = xknl_strerror(nl);

			xkvm_error("cannot look up tap '%s': %s", names[i], why ? why : strerror(-ret));
			bad++;
			continue;
		}
		if (strcmp(l.kind, "tun") || owner_parse(l.alias, &o) < 0) {
			xkvm_error("refusing to delete '%s': not a tap made by xkvm", names[i]);
			bad++;
			continue;
		}
		if (o.uid != uid) {
			xkvm_error("refusing to delete '%s': it belongs to uid %u",
				   names[i], (unsigned)o.uid);
			bad++;
			continue;
		}
		memcpy(taps[n].name, l.name, sizeof(taps[n].name));
		taps[n].ifindex = l.ifindex;
		taps[n].group = l.group;
		n++;
	}
	/* Any xkvm tag: the callers' taps may come from several launches. */
	bad += delete_listed(nl, taps, n, NULL);
	ret = bad > (size_t)INT32_MAX ? INT32_MAX : (int)bad;
out:
	free(taps);
	xknl_close(nl);
	return ret;
}
