/* options: what a launch and tap-control both hand to net/. */
#ifndef XKVM_CMD_OPTIONS_H
#define XKVM_CMD_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>

#include "net/nics.h"
#include "plan/cli.h"

/* Returns the NIC options for the OVS options 'o' (its strings borrowed),
 * the owner 'owner_pid' (0: this process) and 'verbosity'. */
struct nics_options cmd_nics_options(const struct cli_ovs *o, pid_t owner_pid, int verbosity);

/* True, having said so in one line, when $XKVM_RUN_DIR (or XKVM_RUNDIR)
 * is set but not an absolute path (base/rundir.h): the caller exits 1
 * before anything exists. */
bool cmd_run_dir_env_bad(void);

#endif
