/* tapctl-int.h: what the tap-control modes share (src/cmd/tapctl*.c only). */
#ifndef XKVM_TAPCTL_INT_H
#define XKVM_TAPCTL_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/nic.h"
#include "net/priv.h"
#include "plan/cli.h"

struct tapctl_opts {
	pid_t owner_pid;	/* --owner-pid, 0 when not given */
	struct cli_ovs ovs;	/* --ovsdb, --ovs-timeout, --ovs-no-wait, --ovn-* */
	bool force;		/* --force */
	bool with_datapath;	/* --with-datapath */
	struct priv_caller caller;	/* who asked (tapctl_priv_init()) */
};

/* The privilege boundary (tapctl-priv.c); each prints its refusal.
 * tapctl_priv_init(): fills o->caller; through sudo, drops OVS_* and XKVM_*
 * from the environment (the default remote is /var/run/openvswitch's then,
 * the run directory /run/xkvm); else refuses a relative $XKVM_RUN_DIR
 * (-EINVAL).  Returns 0 or -errno.  priv_caller_release(&o->caller) frees it. */
int tapctl_priv_init(struct tapctl_opts *o);

/* For a caller through sudo, checks against the ACL (XKVM_SYSCONFDIR
 * "/xkvm/acl.conf") the --ovsdb remote, --ovs-iface-steal (refused) and,
 * with 'nics', each NIC (its bridge, VLANs, OpenFlow port, ovs-iface-id,
 * ovs-vm-id, ovs-ext keys).  With 'max_taps' (make-nics; not a move),
 * stores there how many taps the ACL lets the caller have (ULONG_MAX for
 * root), for tapctl_priv_count().  No file grants nothing; a broken one,
 * nothing either.  Root is not limited.  Returns 0 or -errno (printed). */
int tapctl_priv_acl(const struct tapctl_opts *o, const struct nic *nics, size_t n,
		    unsigned long *max_taps);

/* Through sudo: whether the caller may have 'want' more taps than the
 * owner tags of this network namespace give them, within 'max' (from
 * tapctl_priv_acl()).  Call it holding tapctl_priv_lock() until the new
 * taps exist.  Returns 0, -EDQUOT (printed: the ACL line to add), or
 * -errno (printed). */
int tapctl_priv_count(const struct tapctl_opts *o, unsigned long want, unsigned long max);

/* --force through sudo: refused.  Returns 0 or -EPERM. */
int tapctl_priv_force(const struct tapctl_opts *o, const char *mode);

/* The owner of the taps make-nics makes: --owner-pid, else the process
 * that ran us (past sudo's own processes).  Through sudo it must be a live
 * process of the caller in our pid namespace; a zombie never owns.  Stores
 * it in *owner.  Returns 0 or -errno. */
int tapctl_priv_owner(const struct tapctl_opts *o, pid_t *owner);

/* Through sudo: takes the caller's lock (an flock on a file of root's
 * LOCK_DIR), held by del-nics, ovs-cleanup and move-nic, so that a user's
 * removal cannot free a tap's name while move-nic works on it (the name
 * would go to another user's next tap), and by make-nics from its count of
 * the caller's taps until the new ones exist (max-taps).  With
 * 'interruptible' (make-nics) a pending signal ends the wait, by death;
 * without (a launch's teardown: del-nics, ovs-cleanup) the wait goes on.
 * Stores the descriptor in *fd (-1 for root itself).  Returns 0 or -errno
 * (printed). */
int tapctl_priv_lock(const struct tapctl_opts *o, bool interruptible, int *fd);

/* Releases tapctl_priv_lock()'s lock (its file goes).  Accepts -1. */
void tapctl_priv_unlock(int fd);

/* The only uid gc may reap (the caller's through sudo), or NULL: all. */
const uid_t *tapctl_priv_uid(const struct tapctl_opts *o);

/* Whether we run as root; else prints "must be root for MODE". */
bool tapctl_need_root(const char *mode);

/* The runtime modes (cmd/tapctl-runtime.c), for `xkvm ctl` of a launch
 * without CAP_NET_ADMIN: `link TAP up|down`, `netem TAP SPEC|off`,
 * `capture TAP [COUNT]` (the pcap on stdout) and `move-nic TAP FROM TO`
 * (wire specs; prints the make-nics reply line of TO).  Each refuses a tap
 * xkvm did not make and, through sudo, another user's.  Return the exit
 * status, after printing. */
int tapctl_cmd_link(int argc, char **argv, const struct tapctl_opts *o);
int tapctl_cmd_netem(int argc, char **argv, const struct tapctl_opts *o);
int tapctl_cmd_capture(int argc, char **argv, const struct tapctl_opts *o);
int tapctl_cmd_move_nic(int argc, char **argv, const struct tapctl_opts *o);

/* `list`: prints one JSON object a line for every tagged tap and OVS port.
 * Returns 0, or -errno after printing. */
int tapctl_list(const struct tapctl_opts *o);

/* `bridges` (cmd/tapctl-bridges.c): prints one JSON object a line for
 * every Linux bridge of this namespace and every OVS bridge, real and
 * fake, of the database (none when there is no socket at the default
 * remote).  Needs no root.  Returns the exit status, after printing. */
int tapctl_cmd_bridges(int argc, char **argv, const struct tapctl_opts *o);

#endif
