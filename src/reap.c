#include "reap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "owner.h"
#include "xknl.h"
#include "xkovs.h"
#include "xkvm.h"

struct dead_tap {
	int ifindex;
	uint32_t group;
	char name[XKNL_IFNAMSIZ];
	pid_t pid;
};

struct scan {
	struct dead_tap *v;
	size_t n, alloc;
	int err;
};

/* 1 when 'tag' names an owner that is gone, 0 otherwise (live, not ours,
 * or cannot tell). */
static int owner_dead(const char *tag, pid_t *pid)
{
	struct owner o;

	if (owner_parse(tag, &o) < 0)
		return 0;
	*pid = o.pid;
	return owner_alive(&o) == 0;
}

static int collect_tap(const struct xknl_link *l, void *arg)
{
	struct scan *s = arg;
	pid_t pid;

	if (strcmp(l->kind, "tun") || !owner_dead(l->alias, &pid))
		return 0;
	if (s->n == s->alloc) {
		size_t alloc = s->alloc ? 2 * s->alloc : 16;
		struct dead_tap *v = realloc(s->v, alloc * sizeof(*v));

		if (!v) {
			s->err = -ENOMEM;
			return 1;
		}
		s->v = v;
		s->alloc = alloc;
	}
	s->v[s->n].ifindex = l->ifindex;
	s->v[s->n].group = l->group;
	s->v[s->n].pid = pid;
	memcpy(s->v[s->n].name, l->name, sizeof(s->v[s->n].name));
	s->n++;
	return 0;
}

/* Whether every link of 'group' is in s->v (then one request takes them). */
struct group_only {
	const struct scan *s;
	uint32_t group;
	bool foreign;
};

static int check_group(const struct xknl_link *l, void *arg)
{
	struct group_only *g = arg;

	if (l->group != g->group)
		return 0;
	for (size_t i = 0; i < g->s->n; i++)
		if (g->s->v[i].ifindex == l->ifindex)
			return 0;
	g->foreign = true;
	return 1;
}

static void reap_taps(struct xknl *nl, struct scan *s, bool report, struct reap_result *res)
{
	for (size_t i = 0; i < s->n; i++) {
		struct group_only g = { s, s->v[i].group, false };
		bool first = true;

		/* One group delete per group made only of dead taps. */
		for (size_t j = 0; j < i; j++)
			if (s->v[j].group == g.group)
				first = false;
		if (!first || g.group == 0)
			continue;
		if (xknl_link_foreach(nl, check_group, &g) >= 0 && !g.foreign)
			(void)xknl_group_del(nl, g.group);
	}
	for (size_t i = 0; i < s->n; i++) {
		int ret = xknl_link_del(nl, s->v[i].ifindex, s->v[i].name);

		if (ret < 0 && ret != -ENODEV) {
			const char *why = xknl_strerror(nl);

			xkvm_error("cannot remove tap '%s': %s", s->v[i].name,
				   why ? why : strerror(-ret));
			res->failed++;
			continue;
		}
		res->taps++;
		if (report)
			printf("removed tap %s (owner pid %d)\n", s->v[i].name, (int)s->v[i].pid);
	}
}

static int reap_ports(const char *ovsdb, int timeout_ms, bool report, struct reap_result *res)
{
	struct xkovs *h = xkovs_new(ovsdb, timeout_ms);
	struct xkovs_owned *owned = NULL;
	struct xkovs_port *ports = NULL;
	size_t n_owned = 0, n = 0;
	int ret = -ENOMEM;

	if (!h)
		goto out;
	ret = xkovs_connect(h);
	if (ret == -ENOENT && !ovsdb) {
		ret = 0;	/* no Open vSwitch here */
		goto out;
	}
	if (ret == 0)
		ret = xkovs_list_owned(h, &owned, &n_owned);
	if (ret < 0) {
		xkvm_error("%s", xkovs_error(h));
		goto out;
	}
	ports = calloc(n_owned ? n_owned : 1, sizeof(*ports));
	if (!ports) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_owned; i++) {
		pid_t pid;

		if (!owner_dead(owned[i].owner, &pid))
			continue;
		ports[n].bridge = owned[i].bridge;
		ports[n].name = owned[i].port;
		ports[n].tag = -1;
		n++;
	}
	ret = n ? xkovs_del_ports(h, ports, n, NULL, XKOVS_FORCE) : 0;
	if (ret < 0) {
		xkvm_error("cannot remove Open vSwitch ports: %s", xkovs_error(h));
		res->failed += n;
		goto out;
	}
	res->ports += n;
	for (size_t i = 0; report && i < n; i++)
		printf("removed port %s from %s\n", ports[i].name, ports[i].bridge);
out:
	if (ret == -ENOMEM)
		xkvm_error("out of memory");
	free(ports);
	xkovs_owned_free(owned, n_owned);
	xkovs_free(h);
	return ret;
}

int reap_dead(const char *ovsdb, int timeout_ms, bool report, struct reap_result *res)
{
	struct xknl *nl = NULL;
	struct scan s = { NULL, 0, 0, 0 };
	int ret;

	memset(res, 0, sizeof(*res));
	ret = reap_ports(ovsdb, timeout_ms, report, res);
	if (ret < 0)
		goto out;
	ret = xknl_open(&nl);
	if (ret < 0) {
		xkvm_error("cannot open an rtnetlink socket: %s", strerror(-ret));
		goto out;
	}
	ret = xknl_link_foreach(nl, collect_tap, &s);
	if (ret == 0)
		ret = s.err;
	if (ret < 0) {
		xkvm_error("cannot list links: %s", strerror(-ret));
		goto out;
	}
	reap_taps(nl, &s, report, res);
out:
	free(s.v);
	xknl_close(nl);
	return ret;
}
