#include "ovsports.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "xkvm.h"
#include "xkovs.h"

struct listed_port {
	char *bridge;
	char name[16];
};

static struct {
	struct nics_options opt;
	bool configured;
	struct xkovs *h;
	bool absent;		/* no Open vSwitch at the remote */
	bool unreadable;	/* its socket refused this unprivileged user */
	struct listed_port *ports;
	size_t n, alloc;
	char *owner;		/* the tag the listed ports carry */
} st;

struct xkovs *ovsports_db(void)
{
	return st.absent ? NULL : st.h;
}

void ovsports_configure(const struct nics_options *o)
{
	st.opt = *o;
	st.configured = true;
}

/* At -v: what a wait longer than a second waits for (e.g. ovs-vswitchd
 * working through hundreds of other launches' ports first). */
static void say_slow_wait(void *aux, const char *what)
{
	(void)aux;
	xkvm_debug(1, "%s", what);
}

/* Returns 1 connected, 0 no OVS here, or -errno (printed). */
static int connect_db(void)
{
	int ret;

	if (st.absent)
		return 0;
	if (!st.h) {
		if (!st.configured) {
			struct nics_options def = NICS_OPTIONS_INIT;

			st.opt = def;
			st.configured = true;
		}
		st.h = xkovs_new(st.opt.ovsdb, st.opt.ovs_timeout_ms);
		if (!st.h) {
			xkvm_error("out of memory");
			return -ENOMEM;
		}
		if (xkvm_verbosity >= 1)
			xkovs_set_notify(st.h, 1000, say_slow_wait, NULL);
		/* Only this process's ports: K launches, not K^2 updates. */
		xkovs_monitor_own(st.h);
	}
	/* Every time: classifying bridges runs before cleanup_init() made
	 * the self-pipe, and waits after it must end on a signal. */
	xkovs_set_interrupt_fd(st.h, cleanup_signal_fd());
	ret = xkovs_connect(st.h);
	if (ret == -ENOENT && !st.opt.ovsdb) {
		st.absent = true;	/* no socket: Linux bridges only */
		return 0;
	}
	if ((ret == -EACCES || ret == -EPERM) && geteuid() != 0) {
		/* An unprivileged dry run on an OVS host: the kernel still
		 * tells kernel-datapath OVS bridges (nics.c). */
		xkvm_debug(1, "%s: telling Open vSwitch bridges from the kernel only",
			   xkovs_error(st.h));
		st.absent = st.unreadable = true;
		return 0;
	}
	if (ret < 0) {
		xkvm_error("%s", xkovs_error(st.h));	/* names the remote */
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

bool ovsports_unreadable(void)
{
	return st.unreadable;
}

int ovsports_lookup(const char *name, struct ovsports_bridge *out)
{
	struct xkovs_bridge b = { 0 };
	int ret;

	ret = connect_db();
	if (ret <= 0)
		return ret;
	ret = xkovs_bridge_get(st.h, name, &b);
	if (ret == -ENODEV)
		return 0;
	if (ret < 0) {
		xkvm_error("cannot look up bridge '%s' in the Open vSwitch database: %s",
			   name, xkovs_error(st.h));
		return ret;
	}
	out->netdev_dp = b.datapath_type && !strcmp(b.datapath_type, "netdev");
	xkovs_bridge_release(&b);
	return 1;
}

static int list_port(const char *bridge, const char *name)
{
	struct listed_port *p;

	if (st.n == st.alloc) {
		size_t alloc = st.alloc ? 2 * st.alloc : 8;

		p = realloc(st.ports, alloc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		st.ports = p;
		st.alloc = alloc;
	}
	p = &st.ports[st.n];
	p->bridge = strdup(bridge);
	if (!p->bridge)
		return -ENOMEM;
	snprintf(p->name, sizeof(p->name), "%s", name);
	st.n++;
	return 0;
}

/* Removes listed ports [from, st.n) in one transaction. */
static void remove_from(size_t from)
{
	struct xkovs_port *ports;
	size_t n = st.n - from;
	int ret;

	if (n == 0 || !st.h)
		goto out;
	ports = calloc(n, sizeof(*ports));
	if (!ports) {
		xkvm_error("out of memory removing Open vSwitch ports");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ports[i].bridge = NULL;	/* wherever it is: a fake bridge's port sits on its parent */
		ports[i].name = st.ports[from + i].name;
		ports[i].tag = -1;
	}
	/* A signal now must not cut the removal short. */
	xkovs_set_interrupt_fd(st.h, -1);
	ret = xkovs_del_ports(st.h, ports, n, st.owner, 0);
	xkovs_set_interrupt_fd(st.h, cleanup_signal_fd());
	if (ret == -EPERM)	/* another owner's: never added by us (e.g. the name was taken) */
		xkvm_debug(1, "left alone: %s", xkovs_error(st.h));
	else if (ret < 0)
		xkvm_error("cannot remove Open vSwitch ports: %s", xkovs_error(st.h));
	else
		xkvm_debug(1, "removed %zu Open vSwitch port(s)", n);
	free(ports);
out:
	for (size_t i = from; i < st.n; i++)
		free(st.ports[i].bridge);
	st.n = from;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits for every ovs-iface-id port, all within ONE --ovn-timeout. */
static int wait_ovn(const struct nics_req *reqs, const char (*taps)[16],
		    const size_t *idx, size_t n)
{
	long long deadline = now_ms() + st.opt.ovn_timeout_ms;

	for (size_t k = 0; k < n; k++) {
		const struct nics_req *r = &reqs[idx[k]];
		long long left = deadline - now_ms();
		int ret;

		if (!r->ovs_iface_id)
			continue;
		/* Past the deadline, one short look still finds a bound port. */
		ret = xkovs_wait_ovn_installed(st.h, taps[idx[k]], left > 1 ? (int)left : 1);
		if (ret == -ETIMEDOUT) {
			xkvm_error("logical port '%s' was not bound on this chassis within %g s: "
				   "does it exist in the northbound database?",
				   r->ovs_iface_id, st.opt.ovn_timeout_ms / 1000.0);
			return ret;
		}
		if (ret < 0) {
			xkvm_error("cannot wait for logical port '%s': %s", r->ovs_iface_id,
				   xkovs_error(st.h));
			return ret;
		}
		xkvm_debug(1, "logical port %s bound to %s", r->ovs_iface_id, taps[idx[k]]);
	}
	return 0;
}

int ovsports_add(const struct nics_req *reqs, const char (*taps)[16],
		 const size_t *idx, size_t n, const char *owner)
{
	struct xkovs_port *ports = NULL;
	size_t from = st.n;
	int ret;

	if (n == 0)
		return 0;
	ret = connect_db();
	if (ret == 0 && st.unreadable) {
		/* Bridges told from the kernel (CAP_NET_ADMIN without root). */
		xkvm_error("cannot add ports to '%s': the Open vSwitch database refused this user "
			   "(run as root)", reqs[idx[0]].bridge);
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
	if (!st.owner && !(st.owner = strdup(owner)))
		goto nomem;
	ports = calloc(n, sizeof(*ports));
	if (!ports)
		goto nomem;
	for (size_t k = 0; k < n; k++) {
		const struct nics_req *r = &reqs[idx[k]];
		struct xkovs_port *p = &ports[k];

		p->bridge = r->bridge;
		p->name = taps[idx[k]];
		p->tag = r->ovs_tag;
		p->trunks = r->ovs_trunks;
		p->iface_id = r->ovs_iface_id;
		p->attached_mac = r->mac;
		p->vm_id = r->ovs_vm_id;
		p->ext = r->ovs_ext;
		p->ofport = -1;
		if (list_port(r->bridge, p->name) < 0)	/* listed before it exists */
			goto nomem;
	}
	ret = xkovs_add_ports(st.h, ports, n, owner, st.opt.ovs_wait ? 0 : XKOVS_NO_WAIT);
	if (ret < 0) {
		if (ret == -EINTR)
			xkvm_error("interrupted while adding Open vSwitch ports");
		else
			xkvm_error("%s", xkovs_error(st.h));
		goto out;
	}
	for (size_t k = 0; k < n; k++)
		xkvm_debug(1, "added %s to %s (ofport %lld)", ports[k].name, ports[k].bridge,
			   (long long)ports[k].ofport);
	if (st.opt.ovn_wait) {
		ret = wait_ovn(reqs, taps, idx, n);
		if (ret < 0)
			goto out;
	}
	ret = 0;
	goto out;
nomem:
	xkvm_error("out of memory");
out:
	if (ret < 0)
		remove_from(from);
	free(ports);
	return ret;
}

void ovsports_teardown(void)
{
	remove_from(0);
}

void ovsports_keep(void)
{
	for (size_t i = 0; i < st.n; i++)
		free(st.ports[i].bridge);
	st.n = 0;
}

void ovsports_release(void)
{
	ovsports_keep();
	free(st.ports);
	st.ports = NULL;
	st.alloc = 0;
	free(st.owner);
	st.owner = NULL;
	xkovs_free(st.h);
	st.h = NULL;
	st.absent = st.unreadable = false;
}
