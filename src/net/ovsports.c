#include "net/ovsports.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/clock.h"
#include "base/xkvm.h"
#include "net/owner.h"
#include "ovsdb/xkovs.h"

struct ovsports {
	struct ovsports_options opt;
	struct xkovs *h;
	bool absent;		/* no Open vSwitch at the remote */
	bool unreadable;	/* its socket refused this unprivileged user */
	char (*ports)[NIC_TAPSIZ];	/* the names of the ports listed */
	size_t n, alloc;
	char *owner;		/* the tag the listed ports carry */
	struct strv mirrors;	/* Mirror rows added (runtime control) */
	bool no_interrupt;	/* waits do not end on a signal */
};

int ovsports_new(const struct ovsports_options *o, struct ovsports **out)
{
	struct ovsports *s = calloc(1, sizeof(*s));

	if (!s) {
		xkvm_error("out of memory");
		return -ENOMEM;
	}
	s->opt = *o;
	*out = s;
	return 0;
}

struct xkovs *ovsports_db(const struct ovsports *s)
{
	return s->absent ? NULL : s->h;
}

/* The judge of xkovs_set_owner_judge(): a well-formed tag whose owner is
 * known to be gone (not another pid namespace's, which we cannot tell). */
static bool owner_is_dead(const char *tag, void *arg)
{
	struct owner o;

	(void)arg;
	return owner_parse(tag, &o) == 0 && owner_alive(&o) == 0;
}

/* At -v: what a wait longer than a second waits for (e.g. ovs-vswitchd
 * working through hundreds of other launches' ports first). */
static void say_slow_wait(void *aux, const char *what)
{
	(void)aux;
	xkvm_debug(1, "%s", what);
}

/* Returns 1 connected, 0 no OVS here, or -errno (printed). */
static int connect_db(struct ovsports *s)
{
	int ret;

	if (s->absent)
		return 0;
	if (!s->h) {
		s->h = xkovs_new(s->opt.ovsdb, s->opt.ovs_timeout_ms);
		if (!s->h) {
			xkvm_error("out of memory");
			return -ENOMEM;
		}
		xkovs_set_owner_judge(s->h, owner_is_dead, NULL);
		if (xkvm_verbosity >= 1)
			xkovs_set_notify(s->h, 1000, say_slow_wait, NULL);
		/* Only this process's ports: K launches, not K^2 updates. */
		xkovs_monitor_own(s->h);
	}
	/* Every time: classifying bridges runs before cleanup_init() made
	 * the self-pipe, and waits after it must end on a signal. */
	xkovs_set_interrupt_fd(s->h, s->no_interrupt ? -1 : cleanup_signal_fd());
	ret = xkovs_connect(s->h);
	if (ret == -ENOENT && !s->opt.ovsdb) {
		s->absent = true;	/* no socket: Linux bridges only */
		return 0;
	}
	if ((ret == -EACCES || ret == -EPERM) && geteuid() != 0) {
		/* An unprivileged dry run on an OVS host: the kernel still
		 * tells kernel-datapath OVS bridges (nics.c). */
		xkvm_debug(1, "%s: telling Open vSwitch bridges from the kernel only",
			   xkovs_error(s->h));
		s->absent = s->unreadable = true;
		return 0;
	}
	if (ret < 0) {
		xkvm_error("%s", xkovs_error(s->h));	/* names the remote */
		return ret;
	}
	return 1;
}

int ovsports_open(const char *remote, int timeout_ms, bool need, struct xkovs **out)
{
	struct xkovs *h = xkovs_new(remote, timeout_ms);
	int ret;

	*out = NULL;
	if (!h) {
		xkvm_error("out of memory");
		return -ENOMEM;
	}
	ret = xkovs_connect(h);
	if (ret == 0) {
		*out = h;
		return 0;
	}
	if (ret == -ENOENT && !need && !remote)
		ret = 0;	/* no socket at the default remote: no OVS here */
	else
		xkvm_error("%s", xkovs_error(h));	/* names the remote */
	xkovs_free(h);
	return ret;
}

bool ovsports_unreadable(const struct ovsports *s)
{
	return s->unreadable;
}

int ovsports_lookup(struct ovsports *s, const char *name, bool *netdev_dp, bool *dpdk)
{
	struct xkovs_bridge b = { 0 };
	int ret;

	ret = connect_db(s);
	if (ret <= 0)
		return ret;
	ret = xkovs_bridge_get(s->h, name, &b);
	if (ret == -ENODEV)
		return 0;
	if (ret < 0) {
		xkvm_error("cannot look up bridge '%s' in the Open vSwitch database: %s",
			   name, xkovs_error(s->h));
		return ret;
	}
	*netdev_dp = b.datapath_type && !strcmp(b.datapath_type, "netdev");
	*dpdk = b.dpdk_initialized;
	xkovs_bridge_release(&b);
	return 1;
}

static int list_port(struct ovsports *s, const char *name)
{
	if (s->n == s->alloc) {
		size_t alloc = s->alloc ? 2 * s->alloc : 8;
		char (*p)[NIC_TAPSIZ] = realloc(s->ports, alloc * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->ports = p;
		s->alloc = alloc;
	}
	snprintf(s->ports[s->n++], NIC_TAPSIZ, "%s", name);
	return 0;
}

/* Removes listed ports [from, s->n) in one transaction. */
static void remove_from(struct ovsports *s, size_t from)
{
	struct xkovs_port *ports;
	size_t n = s->n - from;
	int ret;

	if (n == 0 || !s->h)
		goto out;
	ports = calloc(n, sizeof(*ports));
	if (!ports) {
		xkvm_error("out of memory removing Open vSwitch ports");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct xkovs_port p = XKOVS_PORT_INIT;

		p.name = s->ports[from + i];	/* any bridge: a fake one's port sits on its parent */
		ports[i] = p;
	}
	/* A signal now must not cut the removal short. */
	xkovs_set_interrupt_fd(s->h, -1);
	ret = xkovs_del_ports(s->h, ports, n, s->owner, 0);
	xkovs_set_interrupt_fd(s->h, cleanup_signal_fd());
	if (ret == -EPERM)	/* another owner's: never added by us (e.g. the name was taken) */
		xkvm_debug(1, "left alone: %s", xkovs_error(s->h));
	else if (ret < 0)
		xkvm_error("cannot remove Open vSwitch ports: %s", xkovs_error(s->h));
	else
		xkvm_debug(1, "removed %zu Open vSwitch port(s)", n);
	free(ports);
out:
	s->n = from;
}

/* Waits for every ovs-iface-id port of nics[], all within ONE
 * --ovn-timeout. */
static int wait_ovn(struct ovsports *s, const struct nic *nics, size_t n)
{
	int64_t deadline = clock_now_ms() + s->opt.ovn_timeout_ms;

	for (size_t i = 0; i < n; i++) {
		const char *iface_id = nic_ovs_get(&nics[i], "iface-id");
		int64_t left = deadline - clock_now_ms();
		int ret;

		if (nics[i].kind != NIC_OVS || !iface_id)
			continue;
		/* Past the deadline, one short look still finds a bound port. */
		ret = xkovs_wait_ovn_installed(s->h, nics[i].tap, left > 1 ? (int)left : 1);
		if (ret == -ETIMEDOUT) {
			xkvm_error("logical port '%s' was not bound on this chassis within %g s: "
				   "does it exist in the northbound database?",
				   iface_id, s->opt.ovn_timeout_ms / 1000.0);
			return ret;
		}
		if (ret < 0) {
			xkvm_error("cannot wait for logical port '%s': %s", iface_id,
				   xkovs_error(s->h));
			return ret;
		}
		xkvm_debug(1, "logical port %s bound to %s", iface_id, nics[i].tap);
	}
	return 0;
}

/* Open vSwitch 3.x polices a tap with tc, which a userspace datapath does
 * not pass through (it reads the tap from a packet socket, before the tc
 * ingress hook): the column is set, the rate is not enforced.  Say so
 * rather than let a lab believe its link is slow. */
static void warn_unpoliced(const struct nic *nics, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *rate = nic_ovs_get(&nics[i], "ingress-rate");

		if (nics[i].kind == NIC_OVS && nics[i].netdev_dp && !nics[i].vhost_user && rate &&
		    strcmp(rate, "0"))
			xkvm_error("warning: ovs-ingress-rate on '%s' has no effect: Open vSwitch "
				   "does not police taps on a userspace-datapath bridge ('%s')",
				   nics[i].tap, nics[i].bridge);
	}
}

int ovsports_add(struct ovsports *s, const struct nic *nics, size_t n, const char *owner,
		 bool *taken)
{
	struct xkovs_port *ports = NULL;
	const char *first = NULL;
	size_t from = s->n, k = 0;
	int ret;

	for (size_t i = 0; i < n && !first; i++)
		if (nics[i].kind == NIC_OVS)
			first = nics[i].bridge;
	if (!first)
		return 0;
	ret = connect_db(s);
	if (ret == 0 && s->unreadable) {
		/* Bridges told from the kernel (CAP_NET_ADMIN without root). */
		xkvm_error("cannot add ports to '%s': the Open vSwitch database refused this user "
			   "(run as root)", first);
		return -EACCES;
	}
	if (ret <= 0) {
		if (ret == 0) {
			xkvm_error("no Open vSwitch database at the configured remote");
			ret = -ENOENT;
		}
		return ret;
	}
	ret = -ENOMEM;
	if (!s->owner && !(s->owner = strdup(owner)))
		goto nomem;
	ports = calloc(n, sizeof(*ports));
	if (!ports)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		struct xkovs_port p = XKOVS_PORT_INIT;

		if (nics[i].kind != NIC_OVS)
			continue;
		p.bridge = nics[i].bridge;
		p.name = nics[i].tap;
		p.attached_mac = nics[i].mac;
		p.opts = (const char *const *)nics[i].ovs.v;
		p.mtu = nics[i].mtu;
		p.vhost_socket = nics[i].vhost_user ? nics[i].vhost_sock : NULL;
		ports[k++] = p;
		if (list_port(s, p.name) < 0)	/* listed before it exists */
			goto nomem;
	}
	/* A dead launch's row bearing a new tap's name is replaced. */
	ret = xkovs_add_ports(s->h, ports, k, owner, (s->opt.ovs_wait ? 0 : XKOVS_NO_WAIT) |
			      (s->opt.iface_steal ? XKOVS_STEAL_IFACE_ID : 0) | XKOVS_REAP_STALE);
	if (ret == -EEXIST && taken) {
		bool any = false;

		for (size_t i = 0, j = 0; i < n; i++) {
			if (nics[i].kind != NIC_OVS)
				continue;
			taken[i] = ports[j++].taken;	/* ports[] holds the OVS NICs in order */
			any |= taken[i];
		}
		if (any) {	/* the caller renames; nothing was committed */
			s->n = from;
			goto out;
		}
	}
	if (ret < 0) {
		if (ret == -EINTR)
			xkvm_error("interrupted while adding Open vSwitch ports");
		else if (ret == -EBUSY)	/* a live or foreign holder of an iface-id */
			xkvm_error("%s: --ovs-iface-steal takes it over", xkovs_error(s->h));
		else
			xkvm_error("%s", xkovs_error(s->h));
		goto out;
	}
	for (size_t i = 0; i < k; i++)
		xkvm_debug(1, "added %s to %s (ofport %lld)", ports[i].name, ports[i].bridge,
			   (long long)ports[i].ofport);
	warn_unpoliced(nics, n);
	if (s->opt.ovn_wait) {
		ret = wait_ovn(s, nics, n);
		if (ret < 0)
			goto out;
	}
	ret = 0;
	goto out;
nomem:
	xkvm_error("out of memory");
out:
	if (ret < 0)
		remove_from(s, from);	/* a no-op when unlisted already */
	free(ports);
	return ret;
}

int ovsports_vhost_connected(struct ovsports *s, const char *name)
{
	if (!s->h || s->absent)
		return -ENOTCONN;
	return xkovs_vhost_connected(s->h, name);
}

const char *ovsports_error(const struct ovsports *s)
{
	return s->h ? xkovs_error(s->h) : "";
}

int ovsports_remove(struct ovsports *s, const char *name)
{
	size_t i;
	int ret;

	for (i = 0; i < s->n && strcmp(s->ports[i], name); i++)
		;
	if (i == s->n || !s->h)
		return -ENOENT;
	ret = ovsports_remove_tagged(s, name, s->owner);
	if (ret < 0)
		return ret;
	memmove(s->ports + i, s->ports + i + 1, (s->n - i - 1) * sizeof(*s->ports));
	s->n--;
	return 0;
}

void ovsports_set_interruptible(struct ovsports *s, bool on)
{
	s->no_interrupt = !on;
	if (s->h)
		xkovs_set_interrupt_fd(s->h, on ? cleanup_signal_fd() : -1);
}

int ovsports_remove_tagged(struct ovsports *s, const char *name, const char *owner)
{
	struct xkovs_port p = XKOVS_PORT_INIT;
	int ret = connect_db(s);

	if (ret <= 0)
		return ret;	/* no Open vSwitch: no port */
	p.name = name;
	ret = xkovs_del_ports(s->h, &p, 1, owner, 0);
	if (ret < 0)
		xkvm_error("cannot remove Open vSwitch port '%s': %s", name, xkovs_error(s->h));
	return ret;
}

int ovsports_mirror(struct ovsports *s, const char *bridge, const char *name, const char *src,
		    const char *out, bool out_internal)
{
	int ret;

	if (!s->h || !s->owner)
		return -ENOENT;
	if (!bridge) {
		for (size_t i = 0; i < s->mirrors.n; i++) {
			if (strcmp(s->mirrors.v[i], name))
				continue;
			ret = xkovs_mirror_del(s->h, name, s->owner);
			if (ret < 0) {
				xkvm_error("cannot remove mirror '%s': %s", name, xkovs_error(s->h));
				return ret;
			}
			free(s->mirrors.v[i]);
			memmove(s->mirrors.v + i, s->mirrors.v + i + 1,
				(s->mirrors.n - i) * sizeof(*s->mirrors.v));	/* with the NULL */
			s->mirrors.n--;
			return 0;
		}
		return -ENOENT;
	}
	if (strv_push(&s->mirrors, name) < 0)	/* listed before it exists */
		return -ENOMEM;
	ret = xkovs_mirror_add(s->h, bridge, name, src, out, out_internal, s->owner);
	if (ret < 0) {
		xkvm_error("cannot add mirror '%s': %s", name, xkovs_error(s->h));
		free(s->mirrors.v[--s->mirrors.n]);
		s->mirrors.v[s->mirrors.n] = NULL;
	}
	return ret;
}

/* Removes the mirrors listed (before the ports they name). */
static void remove_mirrors(struct ovsports *s)
{
	if (s->h && s->owner) {
		xkovs_set_interrupt_fd(s->h, -1);
		for (size_t i = 0; i < s->mirrors.n; i++)
			if (xkovs_mirror_del(s->h, s->mirrors.v[i], s->owner) < 0)
				xkvm_error("cannot remove mirror '%s': %s", s->mirrors.v[i],
					   xkovs_error(s->h));
		xkovs_set_interrupt_fd(s->h, cleanup_signal_fd());
	}
	strv_release(&s->mirrors);
}

void ovsports_teardown(struct ovsports *s)
{
	remove_mirrors(s);
	remove_from(s, 0);
}

void ovsports_keep(struct ovsports *s)
{
	strv_release(&s->mirrors);
	s->n = 0;
}

void ovsports_free(struct ovsports *s)
{
	if (!s)
		return;
	free(s->ports);
	free(s->owner);
	strv_release(&s->mirrors);
	xkovs_free(s->h);
	free(s);
}
