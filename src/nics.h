/* nics: the launch-level NIC setup shared by `tap-control make-nics` and a
 * launch.  Given bridge names it classifies each ("user", Linux bridge, and
 * later OVS), creates one tap per non-user bridge and attaches it, and
 * tears down everything it made.
 *
 * The module keeps ONE process-wide list of the taps it made.  Before the
 * first tap it registers a teardown hook with cleanup.h; each tap enters the
 * list the moment the kernel made it.  Every tap carries the owner tag of
 * this process (owner.h) in its IFLA_IFALIAS and sits in a netdev group
 * unique to this process, so teardown deletes them all with one request
 * (one RCU grace period) once it verified that the group holds only taps of
 * this list; else it falls back to one request per tap.
 *
 * This module prints its errors (xkvm_error) and returns -errno. */
#ifndef XKVM_NICS_H
#define XKVM_NICS_H

#include <stddef.h>
#include <sys/types.h>

enum nics_type {
	NICS_USER,	/* "user": no tap, qemu's user networking */
	NICS_BRCTL,	/* a Linux bridge */
	NICS_OVS,	/* an Open vSwitch bridge (not supported yet) */
};

struct nics_nic {
	enum nics_type type;
	char tap[16];	/* the tap's name, "" for NICS_USER */
};

/* Returns "brctl", "ovs" or "user". */
const char *nics_type_name(enum nics_type type);

/* Classifies every name in bridges[0..count) before creating anything,
 * then creates and attaches one tap per non-user bridge: owner = the
 * invoking user (SUDO_UID when set), MTU = the bridge's, up, enslaved, with
 * alias tag and netdev group set in the same request.  On success stores a
 * malloc'ed array of 'count' entries, in order, in *out (caller frees) and
 * the taps stay in the list (torn down at exit unless nics_keep()).  On
 * failure prints one error line, removes every tap this call made and
 * returns -errno: -ENODEV for a missing bridge, -EINVAL for a name that is
 * no bridge, else what failed. */
int nics_make(const char *const *bridges, size_t count, struct nics_nic **out);

/* Deletes every tap in the list (a group delete when verified, else one by
 * one; taps already gone are fine), prints a line per failure, and empties
 * the list.  Idempotent; the cleanup hook calls it. */
void nics_teardown(void);

/* Forgets every tap in the list without deleting it: they outlive this
 * process (make-nics succeeded).  Later taps go into a new group. */
void nics_keep(void);

/* `tap-control del-nics`: deletes the taps named in names[0..count) that
 * carry an xkvm owner tag for 'uid'; refuses (prints why) every other name.
 * Taps sharing one group that holds nothing else go in one request.
 * Returns 0 when every name was deleted, else the number of names refused
 * or failed (> 0), or -errno when nothing could be tried. */
int nics_delete_owned(const char *const *names, size_t count, uid_t uid);

#endif
