/* tapctl-int.h: what the tap-control modes share (src/tapctl*.c only). */
#ifndef XKVM_TAPCTL_INT_H
#define XKVM_TAPCTL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "priv.h"

struct tapctl_opts {
	pid_t owner_pid;	/* --owner-pid, 0 when not given */
	const char *ovsdb;	/* --ovsdb, NULL for the default remote */
	int timeout_ms;		/* --ovs-timeout, 0 for the default */
	bool force;		/* --force */
	bool with_datapath;	/* --with-datapath */
	bool ovs_no_wait;	/* --ovs-no-wait */
	bool ovn_no_wait;	/* --ovn-no-wait */
	int ovn_timeout_ms;	/* --ovn-timeout, 0 for the default */
	struct priv_caller caller;	/* who asked (tapctl_priv_init()) */
};

struct netspec;

/* The privilege boundary (tapctl-priv.c); each prints its refusal.
 * tapctl_priv_init(): fills o->caller; through sudo, drops OVS_* from the
 * environment (the default remote is /var/run/openvswitch's then).
 * Returns 0 or -errno.  priv_caller_release(&o->caller) frees it. */
int tapctl_priv_init(struct tapctl_opts *o);

/* For a caller through sudo, checks against the ACL (XKVM_SYSCONFDIR
 * "/xkvm/acl.conf") the --ovsdb remote and, with 'specs', each NIC (its
 * bridge, VLANs, ovs-iface-id, ovs-vm-id, ovs-ext keys) and the number of
 * taps the user would have (counted from the owner tags in this network
 * namespace).  No file grants nothing; a broken one, nothing either.
 * Root is not limited.  Returns 0 or -errno. */
int tapctl_priv_acl(const struct tapctl_opts *o, const struct netspec *specs, size_t n);

/* --force through sudo: refused.  Returns 0 or -EPERM. */
int tapctl_priv_force(const struct tapctl_opts *o, const char *mode);

/* The owner of the taps make-nics makes: --owner-pid, else the process
 * that ran us (past sudo's own processes).  Through sudo it must be a live
 * process of the caller in our pid namespace; a zombie never owns.  Stores
 * it in *owner.  Returns 0 or -errno. */
int tapctl_priv_owner(const struct tapctl_opts *o, pid_t *owner);

/* The only uid gc may reap (the caller's through sudo), or NULL: all. */
const uid_t *tapctl_priv_uid(const struct tapctl_opts *o);

/* `ovs-cleanup BRIDGE:PORT...`: removes, in one transaction, the ports
 * that carry an xkvm owner tag of the invoking user (SUDO_UID when set);
 * every other existing port is refused (printed) unless o->force.  Ports
 * that do not exist are fine.  Returns 0, or -errno after printing. */
int tapctl_ovs_cleanup(const char *const *items, size_t n, const struct tapctl_opts *o);

/* `list`: prints one JSON object a line for every tagged tap and OVS port.
 * Returns 0, or -errno after printing. */
int tapctl_list(const struct tapctl_opts *o);

#endif
