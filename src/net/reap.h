/* reap: remove the taps and Open vSwitch ports whose owner process is dead.
 *
 * A resource is a candidate only when it carries a well-formed xkvm owner
 * tag (a tap's IFLA_IFALIAS, an Interface's external_ids:xkvm-owner) whose
 * owner is gone: another boot, no such pid, or a pid whose start time
 * differs (reused).  Live owners' and untagged resources are never touched.
 * OVS ports go first (one transaction), then the taps (one group delete per
 * group that holds only candidates, else one request each).  A removed
 * vhost-user port's socket directory (its vhost-server-path names it) goes
 * with it, when it is a launch directory owned by the tag's uid. */
#ifndef XKVM_REAP_H
#define XKVM_REAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct reap_result {
	size_t taps;	/* taps removed */
	size_t ports;	/* OVS ports removed */
	size_t dirs;	/* vhost-user socket directories removed (net/vhostdir.h) */
	size_t locks;	/* stale lock files removed (reap_stale_locks()) */
	size_t failed;	/* candidates that could not be removed */
};

struct xkovs;

/* Reaps the current network namespace and the Open vSwitch database: 'db'
 * when given (a connection the caller keeps owning), else a connection of
 * its own to 'ovsdb' (NULL: the default remote; a missing default socket
 * means no OVS and is not an error), within 'timeout_ms'.  With 'report', prints one line
 * per removed resource on stdout ("removed tap tapvm3 (owner pid 123)").
 * Fills *res.  Returns 0, or -errno when nothing could be looked at
 * (printed).  Failures to remove single resources are counted, and
 * printed. */
int reap_dead(struct xkovs *db, const char *ovsdb, int timeout_ms, bool report,
	      struct reap_result *res);

/* For a launch's reaping at its start: takes the host's "reaping now"
 * lock of this network namespace (an flock on a file of root's /run/xkvm,
 * named by the namespace's inode) without waiting.  Returns 1 with *fd set
 * (reap, then reap_unlock()), 0 when another launch is reaping right now
 * (skip: hundreds of launches starting at once need one reaper, not one
 * scan of every link each), or -errno when there is no such lock here
 * (not root, no /run: reap anyway).  Prints nothing. */
int reap_trylock(int *fd);

/* Removes the lock file (a reaper that opens it meanwhile just reaps
 * too: reaping twice is harmless) and closes 'fd'.  Accepts -1. */
void reap_unlock(int fd);

/* reap_dead() limited, when 'uid' is given, to what carries that user's
 * uid in its owner tag (gc through sudo: a user reaps only their own). */
int reap_dead_of(struct xkovs *db, const char *ovsdb, int timeout_ms, bool report,
		 const uid_t *uid, struct reap_result *res);

/* Removes the lock files of root's run directory (the reapers' of
 * reap_trylock(), tap-control's per-user ones) that no one holds: what a
 * holder killed by SIGKILL left, whose namespace or user may never come
 * again.  With 'uid', only that user's tap-control lock.  Housekeeping,
 * not a resource: says what it removed only at -v (stdout stays the
 * resources').  Adds to res->locks and res->failed; prints its errors.
 * Returns 0, or -errno when the directory cannot be read (printed). */
int reap_stale_locks(const uid_t *uid, struct reap_result *res);

#endif
