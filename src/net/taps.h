/* taps: deleting a set of taps at the cost of as few RCU grace periods as
 * the kernel allows, for the teardown of a launch (net/nics.c) and for the
 * reaper (net/reap.c). */
#ifndef XKVM_NET_TAPS_H
#define XKVM_NET_TAPS_H

#include <stddef.h>
#include <stdint.h>

#include "netlink/xknl.h"

struct tap {
	char name[XKNL_IFNAMSIZ];
	int ifindex;		/* 0 while unknown: then deleted by name */
	uint32_t group;		/* its netdev group, 0 when none of ours */
	int err;		/* out: 0 removed (or already gone), else -errno */
	char why[128];		/* out: the kernel's reason when err < 0 */
};

/* Deletes taps[0..n): for each group of theirs whose every member is one
 * of taps[] and a tun link carrying the owner tag 'tag' (any xkvm owner
 * tag when NULL), first the whole group in one request (one grace period
 * for the lot); then every tap by index, which finds those the group took
 * gone (-ENODEV costs no grace period).  Sets each taps[i].err and, on
 * failure, .why.  Returns how many could not be removed. */
size_t taps_delete(struct xknl *nl, struct tap *taps, size_t n, const char *tag);

#endif
