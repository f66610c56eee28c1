/* ovsports: this process's Open vSwitch ports, on top of ovsdb/xkovs.h.
 *
 * One process-wide connection (opened on first use) and one list of the
 * ports this process added, each listed BEFORE the transaction that adds it
 * is sent, so a signal or a crash in between still finds it (removing a
 * port that was never added is a no-op).  Prints its errors (xkvm_error)
 * and returns -errno. */
#ifndef XKVM_OVSPORTS_H
#define XKVM_OVSPORTS_H

#include <stdbool.h>
#include <stddef.h>

#include "net/nics.h"

/* What an OVS bridge name stands for (plain data, the caller's). */
struct ovsports_bridge {
	bool netdev_dp;		/* datapath_type=netdev (userspace datapath) */
};

struct xkovs;

/* Returns the module's database connection when one is open (owned by the
 * module, valid until ovsports_release()), or NULL. */
struct xkovs *ovsports_db(void);

/* Opens a connection of the caller's own (free with xkovs_free()) to
 * 'remote' (NULL: the default) bounded by 'timeout_ms'.  Returns 0 with
 * *out set; 0 with *out NULL when no socket exists at the default remote
 * and 'need' is false (no Open vSwitch here); else prints one line and
 * returns -errno. */
int ovsports_open(const char *remote, int timeout_ms, bool need, struct xkovs **out);

/* Sets the remote, timeouts and waits (see struct nics_options). */
void ovsports_configure(const struct nics_options *o);

/* Looks 'name' up among the OVS bridges (real and fake).  Returns 1 and
 * fills *out when it is one; 0 when it is not, or when no Open vSwitch
 * runs here (no socket at the DEFAULT remote; with an explicit --ovsdb
 * remote a missing socket is an error); prints and returns -errno when the
 * database cannot be asked (e.g. -ETIMEDOUT, -ENOENT). */
int ovsports_lookup(const char *name, struct ovsports_bridge *out);

/* Returns true when the database socket exists but refused this
 * unprivileged process (then lookups answer "not OVS" and the caller must
 * tell OVS bridges some other way). */
bool ovsports_unreadable(void);

/* Adds one port per i in idx[0..n) with tap name taps[i] on reqs[i].bridge,
 * tagged with 'owner', in ONE transaction; waits for ovs-vswitchd and OVN
 * as configured.  Returns 0, or prints one line and returns -errno (the
 * ports of this call are removed again). */
int ovsports_add(const struct nics_req *reqs, const char (*taps)[16],
		 const size_t *idx, size_t n, const char *owner);

/* Removes every listed port in one transaction (not waiting for
 * ovs-vswitchd) and empties the list.  Idempotent. */
void ovsports_teardown(void);

/* Forgets the listed ports without removing them. */
void ovsports_keep(void);

/* Closes the connection and frees the list (after teardown or keep).
 * Idempotent. */
void ovsports_release(void);

#endif
