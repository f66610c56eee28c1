#include "net/inventory.h"

#include <errno.h>
#include <string.h>

#include "base/xkvm.h"
#include "net/ovsports.h"
#include "net/owner.h"
#include "netlink/xknl.h"
#include "ovsdb/xkovs.h"

struct walk {
	void (*emit)(const struct inventory_item *item, void *arg);
	void *arg;
};

static int visit_tap(const struct xknl_link *l, void *arg)
{
	struct walk *w = arg;
	struct inventory_item it = { INVENTORY_TAP, l->name, l->alias, l->master, l->up,
				     l->group, NULL, NULL, false, -1, NULL };
	struct owner o;

	if (!strcmp(l->kind, "tun") && owner_parse(l->alias, &o) == 0)
		w->emit(&it, w->arg);
	return 0;
}

int inventory_walk(const char *ovsdb, int timeout_ms,
		   void (*emit)(const struct inventory_item *item, void *arg), void *arg)
{
	struct walk w = { emit, arg };
	struct xknl *nl = NULL;
	struct xkovs *h = NULL;
	struct xkovs_owned *owned = NULL;
	size_t n_owned = 0;
	int ret;

	ret = xknl_open(&nl);
	if (ret < 0) {
		xkvm_error("cannot open an rtnetlink socket: %s", strerror(-ret));
		goto out;
	}
	ret = xknl_link_foreach(nl, 0, visit_tap, &w);
	if (ret < 0) {
		xkvm_error("cannot list links: %s", strerror(-ret));
		goto out;
	}
	ret = ovsports_open(ovsdb, timeout_ms, false, &h);
	if (ret < 0 || !h)
		goto out;	/* printed, or no Open vSwitch here */
	ret = xkovs_list_owned(h, &owned, &n_owned);
	if (ret < 0) {
		xkvm_error("cannot read the Open vSwitch database: %s", xkovs_error(h));
		goto out;
	}
	for (size_t i = 0; i < n_owned; i++) {
		struct inventory_item it = { INVENTORY_PORT, owned[i].port, owned[i].owner, 0,
					     false, 0, owned[i].bridge, owned[i].iface_id,
					     owned[i].ovn_installed, (long long)owned[i].ofport,
					     owned[i].vhost_socket };

		emit(&it, arg);
	}
out:
	xkovs_owned_free(owned, n_owned);
	xkovs_free(h);
	xknl_close(nl);
	return ret;
}

struct count {
	uid_t uid;
	unsigned long n;
};

static int count_tap(const struct xknl_link *l, void *arg)
{
	struct count *c = arg;
	struct owner o;

	if (!strcmp(l->kind, "tun") && owner_parse(l->alias, &o) == 0 && o.uid == c->uid)
		c->n++;
	return 0;
}

int inventory_count_taps(uid_t uid, unsigned long *n)
{
	struct count c = { uid, 0 };
	struct xknl *nl = NULL;
	int ret = xknl_open(&nl);

	if (ret == 0)
		ret = xknl_link_foreach(nl, XKNL_DUMP_CONSISTENT, count_tap, &c);
	xknl_close(nl);
	if (ret == 0)
		*n = c.n;
	return ret < 0 ? ret : 0;
}

struct bridge_walk {
	void (*emit)(const struct inventory_bridge *b, void *arg);
	void *arg;
};

static int visit_bridge(const struct xknl_link *l, void *arg)
{
	struct bridge_walk *w = arg;
	struct inventory_bridge b = { "linux", l->name, l->up, l->mtu, NULL, -1, NULL };

	if (!strcmp(l->kind, "bridge"))
		w->emit(&b, w->arg);
	return 0;
}

/* Emits the OVS bridges of 'h'.  Returns 0, or -errno after printing. */
static int emit_ovs(struct xkovs *h, struct bridge_walk *w)
{
	char **names = NULL;
	int ret;

	ret = xkovs_list_bridges(h, &names);
	if (ret < 0) {
		xkvm_error("cannot read the Open vSwitch database: %s", xkovs_error(h));
		goto out;
	}
	for (size_t i = 0; names[i]; i++) {
		struct xkovs_bridge x = { .vlan = -1 };
		struct inventory_bridge b;

		ret = xkovs_bridge_get(h, names[i], &x);
		if (ret == -ENODEV)
			continue;	/* deleted since the list was read */
		if (ret < 0) {
			xkvm_error("cannot look up bridge '%s' in the Open vSwitch database: %s",
				   names[i], xkovs_error(h));
			goto out;
		}
		b = (struct inventory_bridge){ x.vlan < 0 ? "ovs" : "ovs-fake", x.name, false, 0,
					       x.parent, x.vlan,
					       *x.datapath_type ? x.datapath_type : "system" };
		w->emit(&b, w->arg);
		xkovs_bridge_release(&x);
	}
	ret = 0;
out:
	xkovs_names_free(names);
	return ret;
}

int inventory_bridges(const char *ovsdb, int timeout_ms,
		      void (*emit)(const struct inventory_bridge *b, void *arg), void *arg)
{
	struct bridge_walk w = { emit, arg };
	struct xknl *nl = NULL;
	struct xkovs *h = NULL;
	int ret;

	ret = xknl_open(&nl);
	if (ret < 0) {
		xkvm_error("cannot open an rtnetlink socket: %s", strerror(-ret));
		goto out;
	}
	ret = xknl_link_foreach(nl, 0, visit_bridge, &w);
	if (ret < 0) {
		xkvm_error("cannot list links: %s", strerror(-ret));
		goto out;
	}
	/* No socket at the default remote: no Open vSwitch here, Linux
	 * bridges only.  An --ovsdb that cannot be read is an error. */
	ret = ovsports_open(ovsdb, timeout_ms, false, &h);
	if (ret < 0 || !h)
		goto out;
	ret = emit_ovs(h, &w);
out:
	xkovs_free(h);
	xknl_close(nl);
	return ret;
}
