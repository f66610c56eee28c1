/* tapstate: a running launch's taps seen and changed one at a time, for
 * runtime control (ctl/): the kernel's view of a tap (up, carrier, the
 * counters) and its administrative state.  Each call opens its own
 * rtnetlink socket: control requests are rare.
 * Library style: returns 0 or -errno, never prints; the reason of a
 * failure, libnl's text when libnl failed, goes into 'why' (a buffer of
 * the caller's, may be NULL). */
#ifndef XKVM_NET_TAPSTATE_H
#define XKVM_NET_TAPSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tapstate {
	bool up;		/* IFF_UP */
	bool carrier;		/* a process (qemu) holds the tap */
	int master;		/* ifindex of its bridge, 0 when none */
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;	/* host side */
};

/* Reads tap 'name' into *out (untouched on failure).  Returns 0, -ENODEV
 * when there is no such link, or -errno. */
int tapstate_get(const char *name, struct tapstate *out, char *why, size_t whysize);

/* Sets tap 'name' administratively up or down (the host side of a link
 * flap).  Needs CAP_NET_ADMIN.  Returns 0, -ENODEV, -EPERM, or -errno. */
int tapstate_set_up(const char *name, bool up, char *why, size_t whysize);

#endif
