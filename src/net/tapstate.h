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
#include <sys/types.h>

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
 * flap); with 'ifindex' > 0 exactly that link, whatever bears the name now
 * (tap-control checked its owner).  Needs CAP_NET_ADMIN.  Returns 0, -ENODEV, -EPERM, or -errno. */
int tapstate_set_up(const char *name, int ifindex, bool up, char *why, size_t whysize);

/* A netem impairment of what the host sends into the guest; zero: off. */
struct tapstate_netem {
	uint64_t delay_ms, jitter_ms, rate_kbit;
	double loss_pct;
};

/* Parses a netem spec, comma-separated KEY=VALUE tokens: delay=MS,
 * jitter=MS (needs a delay), loss=PCT (0 to 100), rate=KBIT; or "off"
 * alone (*off set, *e zero).  Fills *e (zeroed first).  Returns 0, or
 * -EINVAL with one line in 'why' naming what is wrong ("netem: bad delay
 * 'x' (milliseconds)"; control characters of the input quoted as '?'), or
 * -ENOMEM. */
int tapstate_netem_parse(const char *spec, struct tapstate_netem *e, bool *off, char *why,
			 size_t whysize);

/* Writes 'e' as a spec tapstate_netem_parse() reads back exactly
 * ("delay=200,jitter=0,loss=0.5,rate=0") into buf.  Returns 0, or -ENOSPC
 * when it does not fit. */
int tapstate_netem_format(const struct tapstate_netem *e, char *buf, size_t size);

/* Stores in *uid the user of tap 'name' by its xkvm owner tag (ifalias),
 * and in *ifindex the link that bears it: act on that index, not the name,
 * which the next moment may be another user's tap.  Returns 0, -ENODEV (no
 * such link), -EPERM (not a tap xkvm made: not a tun link or no owner
 * tag), or -errno. */
int tapstate_owner(const char *name, uid_t *uid, int *ifindex, char *why, size_t whysize);

/* Puts netem 'e' on tap 'name' (with 'ifindex' > 0: on that link) as its
 * root qdisc (replacing one there), or with 'e' NULL removes it.  Needs CAP_NET_ADMIN.  Returns 0, -ENODEV,
 * -EPERM, -ENOENT (no sch_netem in this kernel), or -errno. */
int tapstate_netem(const char *name, int ifindex, const struct tapstate_netem *e, char *why,
		   size_t whysize);

/* Moves tap 'name' onto the Linux bridge 'bridge' (its MTU too), or with
 * 'bridge' NULL off any Linux bridge.  Returns 0, -ENODEV (no such tap or
 * bridge), or -errno. */
int tapstate_set_master(const char *name, const char *bridge, char *why, size_t whysize);

#endif
