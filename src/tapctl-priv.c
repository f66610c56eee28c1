/* tap-control's privilege boundary: what a caller through sudo may do
 * (docs/security.md).  One call per check from tapctl.c; each prints its
 * refusal. */
#include "tapctl-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"
#include "xkvm.h"

int tapctl_priv_init(struct tapctl_opts *o)
{
	int ret = priv_caller_get(&o->caller);

	if (ret == -EINVAL)
		xkvm_error("invalid SUDO_UID '%s' or SUDO_GID '%s'",
			   getenv("SUDO_UID") ? getenv("SUDO_UID") : "",
			   getenv("SUDO_GID") ? getenv("SUDO_GID") : "");
	else if (ret < 0)
		xkvm_error("cannot tell the invoking user: %s", strerror(-ret));
	return ret;
}

int tapctl_priv_force(const struct tapctl_opts *o, const char *mode)
{
	if (!o->force || !o->caller.sudo)
		return 0;
	xkvm_error("tap-control %s: --force is for root alone (not through sudo)", mode);
	return -EPERM;
}

int tapctl_priv_owner(const struct tapctl_opts *o, pid_t *owner)
{
	pid_t pid = o->owner_pid;
	int ret;

	if (!pid) {
		ret = priv_default_owner(&pid);
		if (ret < 0) {
			xkvm_error("cannot find the process that ran tap-control: %s",
				   strerror(-ret));
			return ret;
		}
	}
	ret = priv_check_owner(&o->caller, pid);
	if (ret == -ESRCH && !o->owner_pid)
		xkvm_error("the process that ran tap-control (pid %d) is gone", (int)pid);
	else if (ret == -ESRCH && !o->caller.sudo)
		xkvm_error("invalid --owner-pid '%d': no such process (or a zombie)", (int)pid);
	else if (ret == -ESRCH || ret == -EPERM || ret == -EXDEV)
		xkvm_error("invalid --owner-pid '%d': not a live process of user '%s' in its "
			   "pid namespace", (int)pid, o->caller.name);
	else if (ret < 0)
		xkvm_error("cannot look at process %d: %s", (int)pid, strerror(-ret));
	if (ret < 0)
		return ret;
	*owner = pid;
	return 0;
}

const uid_t *tapctl_priv_uid(const struct tapctl_opts *o)
{
	return o->caller.sudo ? &o->caller.uid : NULL;
}
