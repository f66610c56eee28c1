#include "net/inventory.h"

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
				     l->group, NULL, NULL, false, NULL };
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
	ret = xknl_link_foreach(nl, visit_tap, &w);
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
					     owned[i].ovn_installed, owned[i].vhost_socket };

		emit(&it, arg);
	}
out:
	xkovs_owned_free(owned, n_owned);
	xkovs_free(h);
	xknl_close(nl);
	return ret;
}
