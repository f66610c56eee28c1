/* ovsports: one launch's Open vSwitch session and ports, on top of
 * ovsdb/xkovs.h.
 *
 * A 'struct ovsports' holds one connection (opened on first use) and the
 * list of the ports it added, each listed BEFORE the transaction that adds
 * it is sent, so a signal or a crash in between still finds it (removing a
 * port that was never added is a no-op).  Prints its errors (xkvm_error)
 * and returns -errno. */
#ifndef XKVM_NET_OVSPORTS_H
#define XKVM_NET_OVSPORTS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/nic.h"

/* How to reach Open vSwitch and what to wait for. */
struct ovsports_options {
	const char *ovsdb;	/* OVSDB remote, NULL for the default */
	int ovs_timeout_ms;	/* bound of an OVSDB wait without progress */
	bool ovs_wait;		/* wait until ovs-vswitchd applied the ports */
	bool ovn_wait;		/* wait for ovn-installed on ovs-iface-id ports */
	int ovn_timeout_ms;	/* bound of that wait (> 0) */
	bool iface_steal;	/* take an ovs-iface-id from a live or foreign port */
};

struct ovsports;
struct xkovs;

/* Stores a new session with a copy of 'o' in *out (the strings must outlive
 * it); connects lazily.  Returns 0 or -ENOMEM (printed). */
int ovsports_new(const struct ovsports_options *o, struct ovsports **out);

/* Returns the session's database connection when one is open (owned by
 * 's'), or NULL: for the reaper, which then needs no connection of its own. */
struct xkovs *ovsports_db(const struct ovsports *s);

/* Opens a connection of the caller's own (free with xkovs_free()) to
 * 'remote' (NULL: the default) bounded by 'timeout_ms'.  Returns 0 with
 * *out set; 0 with *out NULL when no socket exists at the default remote
 * and 'need' is false (no Open vSwitch here); else prints one line and
 * returns -errno. */
int ovsports_open(const char *remote, int timeout_ms, bool need, struct xkovs **out);

/* Looks 'name' up among the OVS bridges (real and fake).  Returns 1 and
 * sets *netdev_dp (datapath_type=netdev) and *dpdk (its ovs-vswitchd has
 * DPDK initialised: it can have vhost-user ports) when it is one; 0 when it is not,
 * or when no Open vSwitch runs here (no socket at the DEFAULT remote; with
 * an explicit remote a missing socket is an error); prints and returns
 * -errno when the database cannot be asked (e.g. -ETIMEDOUT, -ENOENT). */
int ovsports_lookup(struct ovsports *s, const char *name, bool *netdev_dp, bool *dpdk);

/* Returns true when the database socket exists but refused this
 * unprivileged process (then lookups answer "not OVS" and the caller must
 * tell OVS bridges some other way). */
bool ovsports_unreadable(const struct ovsports *s);

/* Adds one port for every NIC of nics[0..n) of kind NIC_OVS (its tap as the
 * name, its bridge, MAC, MTU and OVS options; a vhost-user NIC's port is a
 * dpdkvhostuserclient of its vhost_sock), tagged with 'owner', in ONE
 * transaction; an ovs-iface-id held by a dead xkvm's port (or, with
 * iface_steal, by any port) is taken over in the same transaction; waits
 * for ovs-vswitchd and OVN as configured.  Returns 0,
 * or prints one line and returns -errno (the ports of this call are
 * removed again).  'taken', when not NULL, is n flags: when a Port or
 * Interface that is not this owner's (nor a dead xkvm's) bears the tap name
 * of a NIC, its flag is set and the call returns -EEXIST unprinted, having
 * committed nothing (the caller picks other tap names for those NICs). */
int ovsports_add(struct ovsports *s, const struct nic *nics, size_t n, const char *owner,
		 bool *taken);

/* Looks, without waiting, whether the vhost-user port 'name' is connected
 * to qemu (Interface status:status=connected).  Returns 1 connected, 0 not
 * yet, -ENOTCONN when this session has no database (the ports went
 * through sudo), or another -errno (not printed: the caller decides how
 * loud to be; ovsports_error() says why). */
int ovsports_vhost_connected(struct ovsports *s, const char *name);

/* Returns the message of the session's last failed database call (owned
 * by 's'), or "". */
const char *ovsports_error(const struct ovsports *s);

/* Removes every listed port in one transaction (not waiting for
 * ovs-vswitchd) and empties the list.  Idempotent. */
void ovsports_teardown(struct ovsports *s);

/* Runtime control (nic del): removes the listed port 'name' in its own
 * transaction (not waiting for ovs-vswitchd) and unlists it.  Returns 0,
 * -ENOENT when it is not one of ours, or prints and returns -errno. */
int ovsports_remove(struct ovsports *s, const char *name);

/* Whether the session's waits end when a terminating signal is pending
 * (the default); off for a rollback that must finish.  Prints nothing. */
void ovsports_set_interruptible(struct ovsports *s, bool on);

/* `tap-control move-nic`: removes the port 'name' that another process
 * of the same owner made (not listed here) if its Interface carries the
 * owner tag 'owner' (connecting first).  A missing port is fine.  Returns
 * 0, or prints and returns -errno (-EPERM: another owner's). */
int ovsports_remove_tagged(struct ovsports *s, const char *name, const char *owner);

/* Runtime control (mirror): with 'bridge' set, adds Mirror 'name' on it
 * copying port 'src' (both directions) to port 'out' (with 'out_internal'
 * a new internal port of that name, removed with the mirror), tagged with this
 * session's owner and listed for teardown (which removes mirrors before
 * ports); with 'bridge' NULL removes the listed mirror 'name'.  Returns
 * 0, -ENOENT (no ports of ours yet, or no such mirror listed), or prints
 * and returns -errno. */
int ovsports_mirror(struct ovsports *s, const char *bridge, const char *name, const char *src,
		    const char *out, bool out_internal);

/* Forgets the listed ports without removing them. */
void ovsports_keep(struct ovsports *s);

/* Closes the connection and frees 's' (listed ports stay: tear down or
 * keep first).  Accepts NULL. */
void ovsports_free(struct ovsports *s);

#endif
