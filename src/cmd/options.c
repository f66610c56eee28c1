#include "cmd/options.h"

#include "base/rundir.h"
#include "base/xkvm.h"

struct nics_options cmd_nics_options(const struct cli_ovs *o, pid_t owner_pid, int verbosity)
{
	struct nics_options n = NICS_OPTIONS_INIT;

	n.ovs.ovsdb = o->ovsdb;
	n.ovs.ovs_timeout_ms = o->ovs_timeout_ms;
	n.ovs.ovs_wait = o->ovs_wait;
	n.ovs.ovn_wait = o->ovn_wait;
	n.ovs.ovn_timeout_ms = o->ovn_timeout_ms;
	n.ovs.iface_steal = o->iface_steal;
	n.owner_pid = owner_pid;
	n.verbosity = verbosity;
	return n;
}

bool cmd_run_dir_env_bad(void)
{
	const char *var, *env = rundir_env(&var);

	if (!env || *env == '/')
		return false;
	xkvm_error("invalid %s '%s': want an absolute path", var, env);
	return true;
}
