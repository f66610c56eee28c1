/* nics: the launch-level NIC setup shared by `tap-control make-nics` and a
 * launch.  Given bridge names it classifies each ("user", Linux bridge, and
 * Open vSwitch), creates one tap per non-user bridge and attaches it (an
 * OVS port for OVS bridges), and tears down everything it made.
 *
 * The module keeps ONE process-wide list of the taps it made.  Before the
 * first tap it registers a teardown hook with cleanup.h; each tap enters the
 * list the moment the kernel made it, and becomes persistent only once it
 * carries its owner tag and group (xkvm SIGKILLed before that: the kernel
 * removes it), so whatever a killed xkvm leaves is tagged.  Every tap carries the owner tag of
 * this process (owner.h) in its IFLA_IFALIAS and sits in a netdev group
 * unique to this process, so teardown deletes them all with one request
 * (one RCU grace period) once it verified that the group holds only taps of
 * this list; else it falls back to one request per tap.
 *
 * This module prints its errors (xkvm_error) and returns -errno. */
#ifndef XKVM_NICS_H
#define XKVM_NICS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum nics_type {
	NICS_USER,	/* "user": no tap, qemu's user networking */
	NICS_BRCTL,	/* a Linux bridge */
	NICS_OVS,	/* an Open vSwitch bridge (real or fake VLAN bridge) */
};

/* One NIC to set up.  Pointers are borrowed for the duration of a call. */
struct nics_req {
	const char *bridge;		/* "user" or a bridge name */
	const char *spec;		/* the --netdev spec, for messages, or NULL */
	const char *mac;		/* the NIC's MAC (attached-mac), or NULL */
	int ovs_tag;			/* access VLAN, -1 for none */
	const char *ovs_trunks;		/* "N:M:...", or NULL */
	const char *ovs_iface_id;	/* external_ids:iface-id, or NULL */
	const char *ovs_vm_id;		/* external_ids:vm-id, or NULL */
	const char *const *ovs_ext;	/* NULL-terminated "KEY=VALUE", or NULL */
};
#define NICS_REQ_INIT { .ovs_tag = -1 }

struct nics_nic {
	enum nics_type type;
	char tap[16];		/* the tap's name, "" for NICS_USER */
	bool netdev_dp;		/* an OVS bridge on the userspace datapath */
};

/* How to reach Open vSwitch and whom the taps belong to; set once before
 * nics_make() (the defaults: unix:$OVS_RUNDIR/db.sock, 5 s, wait for
 * ovs-vswitchd, wait 10 s for OVN bindings, owner = this process). */
struct nics_options {
	const char *ovsdb;	/* OVSDB remote, NULL for the default */
	int ovs_timeout_ms;	/* bound of every OVSDB wait (> 0) */
	bool ovs_wait;		/* wait until ovs-vswitchd applied the ports */
	bool ovn_wait;		/* wait for ovn-installed on ovs-iface-id ports */
	int ovn_timeout_ms;	/* bound of that wait (> 0) */
	pid_t owner_pid;	/* the process the tags name; 0: this one */
};
#define NICS_OPTIONS_INIT { NULL, 5000, true, true, 10000, 0 }

/* Copies 'o' (the strings must outlive the module's use). */
void nics_configure(const struct nics_options *o);

/* Returns "brctl", "ovs" or "user". */
const char *nics_type_name(enum nics_type type);

/* Classifies every request without changing anything on the host (for
 * --dry-run, and the first step of nics_make()): "user", an OVS bridge
 * (from the database, when one answers at the configured remote), a Linux
 * bridge (from the kernel).  Fills out[0..count) (tap names empty).  An
 * ovs-* token on anything but an OVS bridge is an error.  Returns 0, or
 * prints one error line and returns -ENODEV (missing bridge), -EINVAL (not
 * a bridge, or ovs-* token on a Linux bridge), or what failed. */
int nics_classify(const struct nics_req *reqs, size_t count, struct nics_nic *out);

/* Classifies (as above) before creating anything, then creates one tap per
 * non-user NIC: owner = the invoking user (SUDO_UID when set), tagged,
 * in this process's netdev group, up; on a Linux bridge with the bridge's
 * MTU and enslaved in the same request; on OVS bridges added as ports, all
 * of them in ONE OVSDB transaction, then (options) waited for until
 * ovs-vswitchd applied them and until OVN bound every ovs-iface-id port.
 * Every tap and port is listed for teardown the moment it exists.  On
 * success stores a malloc'ed array of 'count' entries, in order, in *out
 * (caller frees); the taps stay listed (torn down at exit unless
 * nics_keep()).  On failure prints one error line, removes everything this
 * call made and returns -errno; when a terminating signal is pending
 * (cleanup.h: it cut a step short, or arrived between taps) it runs the
 * teardown hooks and dies by the signal instead of returning. */
int nics_make(const struct nics_req *reqs, size_t count, struct nics_nic **out);

/* Removes every OVS port (one transaction, not waiting for ovs-vswitchd)
 * and then every tap in the list (a group delete when verified, else one
 * by one; things already gone are fine), prints a line per failure, and
 * empties the list.  Idempotent; the cleanup hook calls it. */
void nics_teardown(void);

/* Forgets every tap and port in the list without deleting it: they outlive
 * this process (make-nics succeeded).  Later taps go into a new group. */
void nics_keep(void);

/* `tap-control del-nics`: deletes the taps named in names[0..count) that
 * carry an xkvm owner tag for 'uid'; refuses (prints why) every other name.
 * Taps sharing one group that holds nothing else go in one request.
 * Returns 0 when every name was deleted, else the number of names refused
 * or failed (> 0), or -errno when nothing could be tried. */
int nics_delete_owned(const char *const *names, size_t count, uid_t uid);

#endif
