/* inventory: what xkvm made on this host, as `tap-control list` shows it:
 * every tap whose alias is an xkvm owner tag, then every OVS port whose
 * Interface carries one.  Read only. */
#ifndef XKVM_NET_INVENTORY_H
#define XKVM_NET_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>

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
	const char *vhost_socket;	/* a vhost-user port's socket, or NULL */
};

/* Calls emit(item, arg) for every tagged tap in this network namespace,
 * then for every tagged port of the database at 'ovsdb' (NULL: the default
 * remote; a missing default socket means no OVS, not an error) within
 * 'timeout_ms'.  Returns 0, or prints and returns -errno. */
int inventory_walk(const char *ovsdb, int timeout_ms,
		   void (*emit)(const struct inventory_item *item, void *arg), void *arg);

#endif
