/* tapctl-int.h: what the tap-control modes share (src/tapctl*.c only). */
#ifndef XKVM_TAPCTL_INT_H
#define XKVM_TAPCTL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tapctl_opts {
	pid_t owner_pid;	/* --owner-pid, 0 when not given */
	const char *ovsdb;	/* --ovsdb, NULL for the default remote */
	int timeout_ms;		/* --ovs-timeout, 0 for the default */
	bool force;		/* --force */
	bool with_datapath;	/* --with-datapath */
	bool ovs_no_wait;	/* --ovs-no-wait */
	bool ovn_no_wait;	/* --ovn-no-wait */
	int ovn_timeout_ms;	/* --ovn-timeout, 0 for the default */
};

/* `ovs-cleanup BRIDGE:PORT...`: removes, in one transaction, the ports
 * that carry an xkvm owner tag of the invoking user (SUDO_UID when set);
 * every other existing port is refused (printed) unless o->force.  Ports
 * that do not exist are fine.  Returns 0, or -errno after printing. */
int tapctl_ovs_cleanup(const char *const *items, size_t n, const struct tapctl_opts *o);

/* `list`: prints one JSON object a line for every tagged tap and OVS port.
 * Returns 0, or -errno after printing. */
int tapctl_list(const struct tapctl_opts *o);

/* `bridges` (src/tapctl-bridges.c): prints one JSON object a line for
 * every Linux bridge of this namespace and every OVS bridge, real and
 * fake, of the database (none when there is no socket at the default
 * remote).  Needs no root.  Returns the exit status, after printing. */
int tapctl_cmd_bridges(int argc, char **argv, const struct tapctl_opts *o);

#endif
