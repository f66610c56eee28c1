#include "net/tapstate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "netlink/xknl.h"

static void set_why(char *why, size_t size, const struct xknl *nl, int err)
{
	const char *s = nl ? xknl_strerror(nl) : NULL;

	if (why && size)
		snprintf(why, size, "%s", s ? s : strerror(-err));
}

/* Opens a netlink socket in *nl (closed by the caller, also on failure)
 * and looks the link 'name' up in *l. */
static int open_link(const char *name, struct xknl **nl, struct xknl_link *l)
{
	int ret = xknl_open(nl);

	return ret < 0 ? ret : xknl_link_get(*nl, name, l);
}

int tapstate_get(const char *name, struct tapstate *out, char *why, size_t whysize)
{
	struct xknl *nl = NULL;
	struct xknl_link l;
	int ret;

	ret = open_link(name, &nl, &l);
	if (ret < 0) {
		set_why(why, whysize, nl, ret);
		goto out;
	}
	out->up = l.up;
	out->carrier = l.carrier;
	out->master = l.master;
	out->rx_packets = l.rx_packets;
	out->tx_packets = l.tx_packets;
	out->rx_bytes = l.rx_bytes;
	out->tx_bytes = l.tx_bytes;
out:
	xknl_close(nl);
	return ret;
}

int tapstate_set_up(const char *name, bool up, char *why, size_t whysize)
{
	struct xknl_change c = { 0 };
	struct xknl *nl = NULL;
	struct xknl_link l;
	int ret;

	ret = open_link(name, &nl, &l);
	if (ret == 0) {
		c.ifindex = l.ifindex;
		c.up = up;
		c.down = !up;
		ret = xknl_link_change(nl, &c);
	}
	if (ret < 0)
		set_why(why, whysize, nl, ret);
	xknl_close(nl);
	return ret;
}

int tapstate_netem(const char *name, const struct tapstate_netem *e, char *why, size_t whysize)
{
	struct xknl *nl = NULL;
	struct xknl_link l;
	int ret;

	ret = open_link(name, &nl, &l);
	if (ret == 0 && e) {
		struct xknl_netem n = {
			.delay_us = e->delay_ms * 1000, .jitter_us = e->jitter_ms * 1000,
			.loss_pct = e->loss_pct, .rate_kbit = e->rate_kbit,
		};

		ret = xknl_netem_set(nl, l.ifindex, &n);
	} else if (ret == 0) {
		ret = xknl_netem_del(nl, l.ifindex);
	}
	if (ret < 0)
		set_why(why, whysize, nl, ret);
	xknl_close(nl);
	return ret;
}

int tapstate_set_master(const char *name, const char *bridge, char *why, size_t whysize)
{
	struct xknl_change c = { 0 };
	struct xknl_link l, br;
	struct xknl *nl = NULL;
	int ret;

	ret = open_link(name, &nl, &l);
	if (ret == 0 && bridge)
		ret = xknl_link_get(nl, bridge, &br);
	if (ret == 0) {
		c.ifindex = l.ifindex;
		if (bridge) {
			c.master = br.ifindex;
			c.mtu = br.mtu;
		} else {
			c.nomaster = true;
		}
		ret = xknl_link_change(nl, &c);
	}
	if (ret < 0)
		set_why(why, whysize, nl, ret);
	xknl_close(nl);
	return ret;
}
