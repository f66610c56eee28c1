#include "net/tapstate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errmsg.h"
#include "net/owner.h"
#include "netlink/xknl.h"

#define NETEM_MAX_MS 3600000ull		/* an hour */
#define NETEM_MAX_KBIT 100000000ull	/* 100 Gbit/s */

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

/* open_link(), or with 'ifindex' > 0 that link itself, unlooked-up: only
 * l->ifindex is set then. */
static int open_index(const char *name, int ifindex, struct xknl **nl, struct xknl_link *l)
{
	int ret;

	if (ifindex <= 0)
		return open_link(name, nl, l);
	ret = xknl_open(nl);
	l->ifindex = ifindex;
	return ret;
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

int tapstate_set_up(const char *name, int ifindex, bool up, char *why, size_t whysize)
{
	struct xknl_change c = { 0 };
	struct xknl *nl = NULL;
	struct xknl_link l;
	int ret;

	ret = open_index(name, ifindex, &nl, &l);
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

int tapstate_netem(const char *name, int ifindex, const struct tapstate_netem *e, char *why,
		   size_t whysize)
{
	struct xknl *nl = NULL;
	struct xknl_link l;
	int ret;

	ret = open_index(name, ifindex, &nl, &l);
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

int tapstate_owner(const char *name, uid_t *uid, int *ifindex, char *why, size_t whysize)
{
	struct xknl *nl = NULL;
	struct xknl_link l;
	struct owner o;
	int ret;

	ret = open_link(name, &nl, &l);
	if (ret == -ENAMETOOLONG || ret == -EINVAL)
		ret = -ENODEV;	/* no link can bear such a name */
	if (ret < 0)
		set_why(why, whysize, nl, ret);
	else if (strcmp(l.kind, "tun") || owner_parse(l.alias, &o) < 0)
		ret = -EPERM;
	else {
		*uid = o.uid;
		*ifindex = l.ifindex;
	}
	xknl_close(nl);
	return ret;
}

static int parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

/* One "KEY=VALUE" of a netem spec into 'e'. */
static int netem_token(const char *tok, struct tapstate_netem *e, char *why, size_t whysize)
{
	const char *v = strchr(tok, '=');
	const char *unit = NULL;
	char *end;

	if (!v) {
		snprintf(why, whysize, "netem: '%s' is not KEY=VALUE", tok);
		return -EINVAL;
	}
	v++;
	if (!strncmp(tok, "delay=", 6)) {
		if (parse_u64(v, NETEM_MAX_MS, &e->delay_ms) < 0)
			unit = "milliseconds";
	} else if (!strncmp(tok, "jitter=", 7)) {
		if (parse_u64(v, NETEM_MAX_MS, &e->jitter_ms) < 0)
			unit = "milliseconds";
	} else if (!strncmp(tok, "rate=", 5)) {
		if (parse_u64(v, NETEM_MAX_KBIT, &e->rate_kbit) < 0)
			unit = "kbit/s";
	} else if (!strncmp(tok, "loss=", 5)) {
		errno = 0;
		e->loss_pct = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(e->loss_pct) || e->loss_pct < 0 ||
		    e->loss_pct > 100 || !strchr("0123456789.", *v) ||
		    strspn(v, "0123456789.eE+-") != strlen(v))	/* decimal: no hex, no inf */
			unit = "percent, 0 to 100";
	} else {
		snprintf(why, whysize, "netem: unknown '%.*s' (delay, jitter, loss, rate)",
			 (int)(v - tok - 1), tok);
		return -EINVAL;
	}
	if (unit) {
		snprintf(why, whysize, "netem: bad %.*s '%s' (%s)", (int)(v - tok - 1), tok, v, unit);
		return -EINVAL;
	}
	return 0;
}

int tapstate_netem_parse(const char *spec, struct tapstate_netem *e, bool *off, char *why,
			 size_t whysize)
{
	char *copy, *save = NULL;
	int ret = 0, tokens = 0;

	memset(e, 0, sizeof(*e));
	*off = false;
	if (!strcmp(spec, "off")) {
		*off = true;
		return 0;
	}
	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, ",", &save); t && ret == 0; t = strtok_r(NULL, ",", &save)) {
		ret = netem_token(t, e, why, whysize);
		tokens++;
	}
	free(copy);
	if (ret == 0 && e->jitter_ms && !e->delay_ms) {
		snprintf(why, whysize, "netem: jitter needs a delay");
		ret = -EINVAL;
	}
	if (ret == 0 && !tokens) {
		snprintf(why, whysize, "netem: nothing to set (delay, jitter, loss, rate, or off)");
		ret = -EINVAL;
	}
	if (ret == -EINVAL && whysize)
		errmsg_one_line(why);
	return ret;
}

int tapstate_netem_format(const struct tapstate_netem *e, char *buf, size_t size)
{
	int len = snprintf(buf, size, "delay=%llu,jitter=%llu,loss=%.17g,rate=%llu",
			   (unsigned long long)e->delay_ms, (unsigned long long)e->jitter_ms,
			   e->loss_pct, (unsigned long long)e->rate_kbit);

	return len < 0 || (size_t)len >= size ? -ENOSPC : 0;
}
