/* tapctl-int.h: what the tap-control modes share (src/cmd/tapctl*.c only). */
#ifndef XKVM_TAPCTL_INT_H
#define XKVM_TAPCTL_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "plan/cli.h"

struct tapctl_opts {
	pid_t owner_pid;	/* --owner-pid, 0 when not given */
	struct cli_ovs ovs;	/* --ovsdb, --ovs-timeout, --ovs-no-wait, --ovn-* */
	bool force;		/* --force */
	bool with_datapath;	/* --with-datapath */
};

/* `list`: prints one JSON object a line for every tagged tap and OVS port.
 * Returns 0, or -errno after printing. */
int tapctl_list(const struct tapctl_opts *o);

#endif
