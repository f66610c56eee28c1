/* xknl: the netlink wall.  Taps through /dev/net/tun, links through
 * rtnetlink (libnl-route-3).  Nothing outside netlink/ includes libnl or the
 * kernel's netlink/tun headers; this header is all src/ sees.
 *
 * Every function returns 0 (or a count) or -errno; libnl's NLE_* codes are
 * translated at the wall, and libnl's text for the last failure on a socket
 * stays available through xknl_strerror().  Nothing here prints or exits. */
#ifndef XKVM_XKNL_H
#define XKVM_XKNL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define XKNL_IFNAMSIZ 16	/* IFNAMSIZ, including the terminator */
#define XKNL_ALIASSIZ 256	/* IFALIASZ */

struct xknl;	/* an rtnetlink socket */

/* What src/ needs to know about one link. */
struct xknl_link {
	int ifindex;
	char name[XKNL_IFNAMSIZ];
	char kind[32];			/* IFLA_INFO_KIND ("bridge", "tun"), or "" */
	char alias[XKNL_ALIASSIZ];	/* IFLA_IFALIAS, or "" */
	unsigned int mtu;
	uint32_t group;			/* netdev group (IFLA_GROUP) */
	int master;			/* ifindex of the master, 0 when none */
	bool up;			/* IFF_UP */
	bool carrier;			/* IFLA_CARRIER (a tap: a process holds it) */
	uint64_t rx_packets, tx_packets;	/* IFLA_STATS64, as the kernel counts */
	uint64_t rx_bytes, tx_bytes;
};

/* One RTM_NEWLINK on an existing link: every field that is set goes into
 * the same message, so the kernel applies them together. */
struct xknl_change {
	int ifindex;		/* the link to change (required, > 0) */
	unsigned int mtu;	/* 0: leave */
	int master;		/* ifindex of the new master, 0: leave */
	bool nomaster;		/* with master 0: leave the current master */
	bool up;		/* set IFF_UP */
	bool down;		/* clear IFF_UP (ignored when 'up' is set) */
	const char *alias;	/* NULL: leave */
	bool set_group;
	uint32_t group;
};

/* Opens an rtnetlink socket in the current network namespace.  On success
 * stores it in *out (free with xknl_close()).  Returns 0, -ENOMEM or the
 * socket error. */
int xknl_open(struct xknl **out);

/* Closes the socket and frees it.  Accepts NULL. */
void xknl_close(struct xknl *nl);

/* Returns libnl's text for the last failure on 'nl' (static storage), or
 * NULL when the last call succeeded or failed before reaching libnl. */
const char *xknl_strerror(const struct xknl *nl);

/* Looks link 'name' up in the kernel.  Fills *out only on success.
 * Returns 0, -ENODEV when there is no such link, -EINVAL for an empty name,
 * -ENAMETOOLONG, or -errno. */
int xknl_link_get(struct xknl *nl, const char *name, struct xknl_link *out);

#define XKNL_DUMP_CONSISTENT (1u << 0)	/* every link, or fail */
#define XKNL_DUMP_TRIES 4		/* dumps taken for a consistent one */

/* Calls fn(link, arg) for every link in the namespace, from one dump (no
 * counters: they read 0), until fn returns non-zero.  A dump the kernel
 * flags interrupted by a concurrent change may miss links: with
 * XKNL_DUMP_CONSISTENT it is taken again (XKNL_DUMP_TRIES in all, then
 * -EINTR: under heavy churn the caller had better do without),
 * without it what came is visited (reaping, counting: a link missed now
 * is seen next time).  Returns 0, fn's non-zero value, or -errno. */
int xknl_link_foreach(struct xknl *nl, unsigned flags,
		      int (*fn)(const struct xknl_link *link, void *arg), void *arg);

/* Applies 'c' in one RTM_NEWLINK.  Returns 0 or -errno (-ENODEV when the
 * link is gone, -EINVAL for a bad change). */
int xknl_link_change(struct xknl *nl, const struct xknl_change *c);

/* Deletes the link with index 'ifindex' (> 0), else the one named 'name'.
 * Returns 0, -ENODEV when it does not exist, -EINVAL when neither names a
 * link (ifindex <= 0 and an empty or too long name), or -errno. */
int xknl_link_del(struct xknl *nl, int ifindex, const char *name);

/* Deletes every link in netdev group 'group' (!= 0) with one RTM_DELLINK:
 * one RCU grace period for the lot.  The caller verifies first that the
 * group holds only links it may delete.  Returns 0 or -errno (-ENODEV when
 * the group is empty, -EINVAL for group 0, which holds every other link). */
int xknl_group_del(struct xknl *nl, uint32_t group);

/* Creates a persistent tap (IFF_TAP|IFF_NO_PI) through /dev/net/tun, named
 * by the kernel from 'template' ("tapvm%d": no check-then-create race),
 * owned by 'owner' (TUNSETOWNER).  Stores the name the kernel chose in
 * 'name'.  If setting the owner or persistence fails, the tap vanishes with
 * the file descriptor.  Returns 0, -EINVAL for a bad template (see
 * xknl_tap_open()), or -errno. */
int xknl_tap_create(const char *template, uid_t owner, char name[XKNL_IFNAMSIZ]);

#define XKNL_TAP_MULTI_QUEUE (1u << 0)	/* IFF_MULTI_QUEUE, for qemu's queues=N */

/* Like xknl_tap_create() but NOT persistent yet, and with 'flags'
 * (XKNL_TAP_*): the tap lives only while
 * the O_CLOEXEC descriptor stored in *fd is open (caller closes it), so a
 * process killed before it tagged and configured the tap leaves nothing.
 * Make it outlive the descriptor with xknl_tap_persist().  On failure
 * nothing exists and *fd is untouched.  Returns 0, -EINVAL for a template
 * that is too long or has not exactly one "%d" (without it the kernel
 * would attach to an existing tap), -EADDRNOTAVAIL when no name of the
 * template is free (the kernel's ENFILE: it numbers up to 32767), or
 * -errno. */
int xknl_tap_open(const char *template, uid_t owner, unsigned flags, char name[XKNL_IFNAMSIZ],
		  int *fd);

/* Makes the tap of 'fd' (from xknl_tap_open()) persistent: it stays when
 * fd is closed.  Returns 0 or -errno. */
int xknl_tap_persist(int fd);

/* A netem qdisc (delay, jitter, loss, rate) as the tap's root qdisc: it
 * shapes what the host sends into the guest.  Zero fields are off. */
struct xknl_netem {
	uint64_t delay_us;
	uint64_t jitter_us;
	double loss_pct;	/* 0..100 */
	uint64_t rate_kbit;	/* 0: unlimited */
};

/* Replaces the root qdisc of link 'ifindex' with netem 'e' (one
 * RTM_NEWQDISC; libnl-route-3's netem object has no rate and no 64-bit
 * delays, so the message is built with libnl's message API).  Returns 0,
 * -EINVAL, -ENODEV, -ENOENT when the kernel has no netem (sch_netem), or
 * -errno. */
int xknl_netem_set(struct xknl *nl, int ifindex, const struct xknl_netem *e);

/* Removes the root qdisc of link 'ifindex' (the kernel's default comes
 * back).  Returns 0 (also when there was none of ours), or -errno. */
int xknl_netem_del(struct xknl *nl, int ifindex);

#endif
