#include "net/taps.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/xkvm.h"
#include "net/owner.h"

/* Which links of 'group' exist, and whether each is one of taps[]. */
struct group_check {
	uint32_t group;
	const struct tap *taps;
	size_t n;
	const char *tag;
	size_t members;
	bool foreign;
};

static bool listed(const struct group_check *c, const struct xknl_link *l)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->taps[i].ifindex && c->taps[i].ifindex == l->ifindex)
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
	if (!listed(c, l) || strcmp(l->kind, "tun") ||
	    (c->tag ? strcmp(l->alias, c->tag) : owner_parse(l->alias, &o) < 0)) {
		c->foreign = true;
		return 1;
	}
	return 0;
}

/* libnl's text for the request just failed with 'err', else strerror. */
static const char *reason(struct xknl *nl, int err)
{
	const char *s = xknl_strerror(nl);

	return s ? s : strerror(-err);
}

static bool first_of_group(const struct tap *taps, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (taps[j].group == taps[i].group)
			return false;
	return true;
}

size_t taps_delete(struct xknl *nl, struct tap *taps, size_t n, const char *tag)
{
	size_t failed = 0;

	for (size_t i = 0; n > 1 && i < n; i++) {
		struct group_check c = { taps[i].group, taps, n, tag, 0, false };

		if (!c.group || !first_of_group(taps, i))
			continue;
		/* Under heavy churn no dump is whole: one request a tap then. */
		if (xknl_link_foreach(nl, XKNL_DUMP_CONSISTENT, check_member, &c) >= 0 &&
		    !c.foreign && c.members > 1) {
			int ret = xknl_group_del(nl, c.group);

			/* the loop below still removes each tap it left */
			if (ret < 0 && ret != -ENODEV)
				xkvm_debug(1, "group delete failed: %s", reason(nl, ret));
		}
	}
	for (size_t i = 0; i < n; i++) {
		int ret = xknl_link_del(nl, taps[i].ifindex, taps[i].name);

		taps[i].err = ret == -ENODEV ? 0 : ret;
		taps[i].why[0] = '\0';
		if (taps[i].err < 0) {
			snprintf(taps[i].why, sizeof(taps[i].why), "%s", reason(nl, ret));
			failed++;
		}
	}
	return failed;
}
