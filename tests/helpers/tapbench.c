/* tapbench: times the tap lifecycle through the xknl wall, in the current
 * network namespace.  Usage: tapbench N BRIDGE
 * Prints three lines, milliseconds:
 *   create+setup N   (TUNSETIFF.. then one RTM_NEWLINK each: mtu, up,
 *                     master, alias, group)
 *   delete one-by-one N  (one RTM_DELLINK per tap)
 *   delete group N       (one RTM_DELLINK on IFLA_GROUP) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netlink/xknl.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int make(struct xknl *nl, const struct xknl_link *br, int n, uint32_t group,
		int *idx)
{
	for (int i = 0; i < n; i++) {
		char name[XKNL_IFNAMSIZ];
		struct xknl_link l;
		struct xknl_change c = { 0 };
		int ret;

		ret = xknl_tap_create("xbench%d", getuid(), name);
		if (ret == 0)
			ret = xknl_link_get(nl, name, &l);
		if (ret < 0)
			return ret;
		idx[i] = l.ifindex;
		c.ifindex = l.ifindex;
		c.mtu = br->mtu;
		c.master = br->ifindex;
		c.up = true;
		c.alias = "xkvm-bench";
		c.set_group = true;
		c.group = group;
		ret = xknl_link_change(nl, &c);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct xknl *nl = NULL;
	struct xknl_link br;
	int n, *idx = NULL, ret = 1, err;
	uint32_t group = 0x7e000000u | ((uint32_t)getpid() & 0xffffff);
	double t;

	if (argc != 3 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: tapbench N BRIDGE\n");
		return 2;
	}
	idx = calloc((size_t)n, sizeof(*idx));
	if (!idx || xknl_open(&nl) < 0 || xknl_link_get(nl, argv[2], &br) < 0) {
		fprintf(stderr, "tapbench: setup failed\n");
		goto out;
	}
	t = now_ms();
	err = make(nl, &br, n, group, idx);
	if (err < 0)
		goto fail;
	printf("create+setup %d: %.1f\n", n, now_ms() - t);
	t = now_ms();
	for (int i = 0; i < n; i++)
		if ((err = xknl_link_del(nl, idx[i], NULL)) < 0)
			goto fail;
	printf("delete one-by-one %d: %.1f\n", n, now_ms() - t);
	err = make(nl, &br, n, group, idx);
	if (err < 0)
		goto fail;
	t = now_ms();
	if ((err = xknl_group_del(nl, group)) < 0)
		goto fail;
	printf("delete group %d: %.1f\n", n, now_ms() - t);
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "tapbench: %s\n", strerror(-err));
	xknl_group_del(nl, group);
out:
	xknl_close(nl);
	free(idx);
	return ret;
}
