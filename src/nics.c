#include "nics.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovsports.h"
#include "owner.h"
#include "xkvm.h"
#include "xknl.h"

#define TAP_TEMPLATE "tapvm%d"

struct tap {
	char name[XKNL_IFNAMSIZ];
	int ifindex;		/* 0 until known */
};

/* The process-wide state: one list, one owner tag, one group. */
static struct {
	struct xknl *nl;
	struct owner owner;
	char tag[OWNER_TAGSIZ];	/* "" until the owner is known */
	uint32_t group;		/* 0 until chosen */
	struct tap *taps;
	size_t n, alloc;
	bool hooked;
	struct nics_options opt;
} st = { .opt = NICS_OPTIONS_INIT };

void nics_configure(const struct nics_options *o)
{
	st.opt = *o;
	ovsports_configure(o);
}

const char *nics_type_name(enum nics_type type)
{
	switch (type) {
	case NICS_BRCTL:	return "brctl";
	case NICS_OVS:		return "ovs";
	default:		return "user";
	}
}

static const char *nl_reason(int err)
{
	const char *s = xknl_strerror(st.nl);

	return s ? s : strerror(-err);
}

static int open_nl(void)
{
	int ret;

	if (st.nl)
		return 0;
	ret = xknl_open(&st.nl);
	if (ret < 0)
		xkvm_error("cannot open an rtnetlink socket: %s", strerror(-ret));
	return ret;
}

/* --- group selection ---------------------------------------------------- */

struct group_probe {
	uint32_t group;
	bool used;
};

static int probe_group(const struct xknl_link *l, void *arg)
{
	struct group_probe *p = arg;

	if (l->group == p->group) {
		p->used = true;
		return 1;
	}
	return 0;
}

/* A group from [2^30, 2^31), far above anything configured by hand (and
 * still positive where ip(8) prints groups as int):
 * bit 30, the pid (unique among live processes, pid_max <= 2^22), and a
 * random byte against pid reuse; checked to be empty now. */
static int choose_group(void)
{
	for (int tries = 0; tries < 16; tries++) {
		struct group_probe p = { 0, false };
		uint8_t r;
		int ret;

		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
			r = (uint8_t)(time(NULL) ^ tries);
		p.group = 0x40000000u | (((uint32_t)getpid() << 8) & 0x3fffff00u) | r;
		ret = xknl_link_foreach(st.nl, probe_group, &p);
		if (ret < 0) {
			xkvm_error("cannot list links: %s", nl_reason(ret));
			return ret;
		}
		if (!p.used) {
			st.group = p.group;
			return 0;
		}
	}
	xkvm_error("cannot find a free netdev group");
	return -EADDRINUSE;
}

static int ensure_owner(void)
{
	uid_t uid;
	int ret;

	if (st.tag[0])
		return 0;
	ret = owner_invoking_uid(&uid);
	if (ret < 0) {
		xkvm_error("invalid SUDO_UID '%s'", getenv("SUDO_UID"));
		return ret;
	}
	ret = st.opt.owner_pid ? owner_of(st.opt.owner_pid, uid, &st.owner)
			       : owner_self(&st.owner, uid);
	if (ret == 0)
		ret = owner_format(&st.owner, st.tag, sizeof(st.tag));
	if (ret < 0) {
		st.tag[0] = '\0';
		xkvm_error("cannot build the owner tag: %s", strerror(-ret));
	}
	return ret;
}

/* --- teardown ----------------------------------------------------------- */

/* Which links of 'group' exist, and whether each is one of ours. */
struct group_check {
	uint32_t group;
	const struct tap *taps;
	size_t n;
	const char *tag;	/* required alias, or NULL for any xkvm tag */
	size_t members;		/* links in the group */
	bool foreign;		/* a member that is not in taps[] or not tagged */
};

static bool in_taps(const struct group_check *c, const struct xknl_link *l)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->taps[i].ifindex == l->ifindex)
			return true;
	return false;
}

static int check_member(const struct xknl_link *l, void *arg)
{
	struct group_check *c = arg;
	struct owner o;

	if (l->group != c->group)
		return 0;
	c->members++;
	if (!in_taps(c, l) || strcmp(l->kind, "tun") ||
	    (c->tag ? strcmp(l->alias, c->tag) : owner_parse(l->alias, &o) < 0)) {
		c->foreign = true;
		return 1;
	}
	return 0;
}

/* Deletes taps[0..n): first every member of 'group' in one request when
 * the group holds only taps of taps[] carrying the right tag ('tag', or any
 * xkvm tag when NULL), then one request per tap, by index, which finds
 * those the group took gone (-ENODEV costs no grace period).  A tap whose
 * index is unknown never joined the group and goes by name.  Returns the
 * number of taps that could not be removed. */
static size_t delete_taps(struct tap *taps, size_t n, uint32_t group, const char *tag)
{
	struct group_check c = { group, taps, n, tag, 0, false };
	size_t failed = 0;
	int ret;

	if (n == 0)
		return 0;
	if (group && n > 1 && xknl_link_foreach(st.nl, check_member, &c) >= 0 &&
	    !c.foreign && c.members > 0) {
		ret = xknl_group_del(st.nl, group);
		if (ret < 0 && ret != -ENODEV)
			xkvm_debug(1, "group delete failed: %s", nl_reason(ret));
	}
	for (size_t i = 0; i < n; i++) {
		ret = xknl_link_del(st.nl, taps[i].ifindex, taps[i].name);
		if (ret < 0 && ret != -ENODEV) {
			xkvm_error("failed removal of '%s': %s", taps[i].name,
				   nl_reason(ret));
			failed++;
		}
	}
	return failed;
}

/* Deletes the list from index 'from' on and shortens it. */
static void teardown_from(size_t from)
{
	if (from >= st.n)
		return;
	if (!st.nl && open_nl() < 0)
		return;	/* nothing we can do; the reaper will find the tags */
	xkvm_debug(1, "removing %zu tap(s)", st.n - from);
	delete_taps(st.taps + from, st.n - from, from == 0 ? st.group : 0, st.tag);
	st.n = from;
}

void nics_teardown(void)
{
	ovsports_teardown();	/* the ports before the taps they name */
	teardown_from(0);
}

static void release(void)
{
	free(st.taps);
	st.taps = NULL;
	st.n = st.alloc = 0;
	xknl_close(st.nl);
	st.nl = NULL;
	ovsports_release();
}

static void teardown_hook(void *arg)
{
	(void)arg;
	nics_teardown();
	release();
	st.hooked = false;
}

void nics_keep(void)
{
	ovsports_keep();
	st.n = 0;
	st.group = 0;	/* the kept taps keep theirs: a later group is new */
}

/* --- setup -------------------------------------------------------------- */

static int reserve_tap(void)
{
	if (st.n == st.alloc) {
		size_t alloc = st.alloc ? 2 * st.alloc : 8;
		struct tap *t = realloc(st.taps, alloc * sizeof(*t));

		if (!t) {
			xkvm_error("out of memory");
			return -ENOMEM;
		}
		st.taps = t;
		st.alloc = alloc;
	}
	return 0;
}

struct bridge {
	enum nics_type type;
	bool netdev_dp;
	struct xknl_link link;
};

static bool has_ovs_tokens(const struct nics_req *r)
{
	return r->ovs_tag >= 0 || r->ovs_trunks || r->ovs_iface_id || r->ovs_vm_id ||
	       (r->ovs_ext && r->ovs_ext[0]);
}

/* Fills 'b' (zeroed) for the bridge 'name': an OVS bridge, else a Linux
 * bridge.  Returns 0, or prints and returns -errno. */
static int classify_bridge(const char *name, struct bridge *b)
{
	struct ovsports_bridge ob;
	int ret;

	/* The database first: a netdev-datapath bridge is a "tun" link to the
	 * kernel, and a fake VLAN bridge may be no link at all. */
	ret = ovsports_lookup(name, &ob);
	if (ret < 0)
		return ret;
	if (ret > 0) {
		b->type = NICS_OVS;
		b->netdev_dp = ob.netdev_dp;
		return 0;
	}
	ret = xknl_link_get(st.nl, name, &b->link);
	if (ret == -ENODEV || ret == -ENAMETOOLONG || ret == -EINVAL) {
		xkvm_error("no such bridge '%s'", name);
		return -ENODEV;
	}
	if (ret < 0) {
		xkvm_error("cannot look up bridge '%s': %s", name, nl_reason(ret));
		return ret;
	}
	if (ovsports_unreadable() && !strcmp(b->link.kind, "openvswitch")) {
		b->type = NICS_OVS;	/* a kernel-datapath OVS bridge's own port */
		return 0;
	}
	if (ovsports_unreadable() && strcmp(b->link.kind, "bridge")) {
		xkvm_error("cannot tell whether '%s' is an Open vSwitch bridge: the database "
			   "refused this user (run as root)", name);
		return -EACCES;
	}
	if (strcmp(b->link.kind, "bridge")) {
		xkvm_error("'%s' is not a bridge", name);
		return -EINVAL;
	}
	b->type = NICS_BRCTL;
	return 0;
}

static int classify(const struct nics_req *r, struct bridge *b)
{
	const char *name = r->bridge;
	int ret;

	memset(b, 0, sizeof(*b));
	if (!strcmp(name, "user")) {
		b->type = NICS_USER;
	} else {
		ret = classify_bridge(name, b);
		if (ret < 0 || b->type == NICS_OVS)
			return ret;
	}
	if (has_ovs_tokens(r)) {
		if (r->spec)
			xkvm_error("ovs-* options need an Open vSwitch bridge: '%s' is %s in --netdev %s",
				   name, b->type == NICS_USER ? "user networking" : "a Linux bridge",
				   r->spec);
		else
			xkvm_error("ovs-* options need an Open vSwitch bridge: '%s' is not one", name);
		return -EINVAL;
	}
	return 0;
}

int nics_classify(const struct nics_req *reqs, size_t count, struct nics_nic *out)
{
	int ret = open_nl();

	for (size_t i = 0; ret == 0 && i < count; i++) {
		struct bridge b;

		ret = classify(&reqs[i], &b);
		if (ret == 0) {
			memset(&out[i], 0, sizeof(out[i]));
			out[i].type = b.type;
			out[i].netdev_dp = b.netdev_dp;
		}
	}
	return ret;
}

/* The tap stays non-persistent (it goes with 'fd' when xkvm is killed)
 * until it carries the owner tag and sits in the group: a tap left behind
 * is always tagged, so `tap-control gc` finds it. */
static int make_one(const char *bridge, const struct bridge *b, struct nics_nic *nic)
{
	struct xknl_change c;
	struct xknl_link tap;
	struct tap *t;
	int ret, fd = -1;

	ret = reserve_tap();
	if (ret < 0)
		return ret;
	t = &st.taps[st.n];
	memset(t, 0, sizeof(*t));
	ret = xknl_tap_open(TAP_TEMPLATE, st.owner.uid, t->name, &fd);
	if (ret < 0) {
		xkvm_error("failed to create tap '%s' for uid %u: %s", TAP_TEMPLATE,
			   (unsigned)st.owner.uid, ret == -EADDRNOTAVAIL ?
			   "no free " TAP_TEMPLATE " name" : strerror(-ret));
		return ret;
	}
	st.n++;	/* listed the moment it exists */
	memcpy(nic->tap, t->name, sizeof(nic->tap));
	nic->type = b->type;
	nic->netdev_dp = b->netdev_dp;
	ret = xknl_link_get(st.nl, t->name, &tap);
	if (ret < 0) {
		xkvm_error("cannot look up tap '%s': %s", t->name, nl_reason(ret));
		goto out;
	}
	t->ifindex = tap.ifindex;
	memset(&c, 0, sizeof(c));
	c.ifindex = tap.ifindex;
	c.alias = st.tag;
	c.set_group = true;
	c.group = st.group;
	c.up = true;
	if (b->type == NICS_BRCTL) {
		c.mtu = b->link.mtu;
		c.master = b->link.ifindex;
	}
	ret = xknl_link_change(st.nl, &c);
	if (ret < 0) {
		xkvm_error("failed to add tap '%s' to '%s': %s", t->name, bridge,
			   nl_reason(ret));
		goto out;
	}
	ret = xknl_tap_persist(fd);
	if (ret < 0) {
		xkvm_error("cannot make tap '%s' persistent: %s", t->name, strerror(-ret));
		goto out;
	}
	xkvm_debug(1, "created %s:%s on %s", t->name, nics_type_name(b->type), bridge);
out:
	close(fd);	/* on failure the tap goes with it (teardown finds it gone) */
	return ret;
}

int nics_make(const struct nics_req *reqs, size_t count, struct nics_nic **out)
{
	struct bridge *b = NULL;
	struct nics_nic *nics = NULL;
	char (*taps)[16] = NULL;
	size_t *ovs_idx = NULL, n_ovs = 0, from = st.n;
	int ret = -ENOMEM;

	b = calloc(count ? count : 1, sizeof(*b));
	nics = calloc(count ? count : 1, sizeof(*nics));
	taps = calloc(count ? count : 1, sizeof(*taps));
	ovs_idx = calloc(count ? count : 1, sizeof(*ovs_idx));
	if (!b || !nics || !taps || !ovs_idx) {
		xkvm_error("out of memory");
		goto out;
	}
	ret = open_nl();
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < count; i++) {
		ret = classify(&reqs[i], &b[i]);
		if (ret < 0)
			goto out;
	}
	ret = ensure_owner();
	if (ret < 0)
		goto out;
	if (!st.group) {
		ret = choose_group();
		if (ret < 0)
			goto out;
	}
	if (!st.hooked) {
		ret = cleanup_add_hook(teardown_hook, NULL);
		if (ret < 0) {
			xkvm_error("out of memory");
			goto out;
		}
		st.hooked = true;
	}
	for (size_t i = 0; i < count; i++) {
		if (b[i].type == NICS_USER)
			continue;
		ret = make_one(reqs[i].bridge, &b[i], &nics[i]);
		if (ret < 0)
			goto out;
		memcpy(taps[i], nics[i].tap, sizeof(taps[i]));
		if (b[i].type == NICS_OVS)
			ovs_idx[n_ovs++] = i;
		cleanup_check_signal();
	}
	ret = ovsports_add(reqs, (const char (*)[16])taps, ovs_idx, n_ovs, st.tag);
	if (ret < 0)
		goto out;
	cleanup_check_signal();
	*out = nics;
	nics = NULL;
	ret = 0;
out:
	if (ret < 0) {
		teardown_from(from);
		cleanup_check_signal();	/* the failure was a signal: die by it */
	}
	free(ovs_idx);
	free(taps);
	free(nics);
	free(b);
	return ret;
}

/* --- del-nics ----------------------------------------------------------- */

int nics_delete_owned(const char *const *names, size_t count, uid_t uid)
{
	struct tap *taps = NULL;
	size_t n = 0, bad = 0;
	uint32_t group = 0;
	bool one_group = true;
	int ret;

	ret = open_nl();
	if (ret < 0)
		return ret;
	taps = calloc(count ? count : 1, sizeof(*taps));
	if (!taps) {
		xkvm_error("out of memory");
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		struct xknl_link l;
		struct owner o;

		ret = xknl_link_get(st.nl, names[i], &l);
		if (ret == -ENODEV || ret == -ENAMETOOLONG || ret == -EINVAL) {
			xkvm_error("no such tap '%s'", names[i]);
			bad++;
			continue;
		}
		if (ret < 0) {
			xkvm_error("cannot look up tap '%s': %s", names[i], nl_reason(ret));
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
		if (n == 0)
			group = l.group;
		else if (l.group != group)
			one_group = false;
		memcpy(taps[n].name, l.name, sizeof(taps[n].name));
		taps[n].ifindex = l.ifindex;
		n++;
	}
	bad += delete_taps(taps, n, one_group ? group : 0, NULL);
	ret = bad > (size_t)INT32_MAX ? INT32_MAX : (int)bad;
out:
	free(taps);
	xknl_close(st.nl);
	st.nl = NULL;
	return ret;
}
