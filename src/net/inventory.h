/* inventory: what xkvm made on this host, as `tap-control list` shows it:
 * every tap whose alias is an xkvm owner tag, then every OVS port whose
 * Interface carries one.  Read only. */
#ifndef XKVM_NET_INVENTORY_H
#define XKVM_NET_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum inventory_kind { INVENTORY_TAP, INVENTORY_PORT };

/* One thing found.  Strings are borrowed for the callback's duration. */
struct inventory_item {
	enum inventory_kind kind;
	const char *name;
	const char *owner;	/* the owner tag (net/owner.h) */
	/* taps */
	int master_ifindex;	/* 0: none */
	bool up;
	uint32_t group;
	/* ports */
	const char *bridge;
	const char *iface_id;	/* external_ids:iface-id, or NULL */
	bool ovn_installed;
	long long ofport;	/* OpenFlow port, -1 for none */
	const char *vhost_socket;	/* a vhost-user port's socket, or NULL */
};

/* Calls emit(item, arg) for every tagged tap in this network namespace,
 * then for every tagged port of the database at 'ovsdb' (NULL: the default
 * remote; a missing default socket means no OVS, not an error) within
 * 'timeout_ms'.  Returns 0, or prints and returns -errno. */
int inventory_walk(const char *ovsdb, int timeout_ms,
		   void (*emit)(const struct inventory_item *item, void *arg), void *arg);

/* A bridge a NIC can go on, as inventory_bridges() finds it.  Strings
 * borrowed for the callback's duration. */
struct inventory_bridge {
	const char *kind;	/* "linux", "ovs" or "ovs-fake" */
	const char *name;
	bool up;		/* linux */
	unsigned mtu;		/* linux */
	const char *parent;	/* ovs-fake: the real bridge */
	int vlan;		/* ovs-fake: its VLAN, else -1 */
	const char *datapath;	/* ovs, ovs-fake: "system", "netdev", ... */
};

/* Calls emit(bridge, arg) for every Linux bridge of this network namespace,
 * then for every OVS bridge, real and fake, of the database at 'ovsdb'
 * (NULL: the default remote; a missing default socket means no OVS) within
 * 'timeout_ms'.  Returns 0, or prints and returns -errno (the Linux
 * bridges were emitted then already). */
int inventory_bridges(const char *ovsdb, int timeout_ms,
		      void (*emit)(const struct inventory_bridge *b, void *arg), void *arg);

/* Counts the taps in this network namespace whose owner tag names 'uid'
 * into *n.  Returns 0 or -errno (nothing printed). */
int inventory_count_taps(uid_t uid, unsigned long *n);

#endif
