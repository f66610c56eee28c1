#include "base/rundir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/xkvm.h"

const char *rundir_env(const char **name)
{
	static const char *const vars[] = { "XKVM_RUN_DIR", "XKVM_RUNDIR" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v) {
			*name = vars[i];
			return v;
		}
	}
	return NULL;
}

int rundir_get(char **out)
{
	const char *name, *env = rundir_env(&name), *xdg = getenv("XDG_RUNTIME_DIR");
	char dir[64];
	int r;

	*out = NULL;
	if (env && *env != '/')
		return -EINVAL;	/* socket paths must not depend on the cwd */
	if (env) {
		r = asprintf(out, "%s", env);
	} else if (geteuid() == 0) {
		r = asprintf(out, "%s", XKVM_ROOT_RUN_DIR);
	} else if (xdg && *xdg == '/') {
		r = asprintf(out, "%s/xkvm", xdg);
	} else {
		snprintf(dir, sizeof(dir), "/run/user/%u", (unsigned)geteuid());
		/* access() checks the real uid: xkvm is not setuid, so
		 * it is the effective one (faccessat2's AT_EACCESS meets
		 * seccomp filters that refuse it outright) */
		if (access(dir, W_OK | X_OK) < 0)
			return -ENOENT;
		r = asprintf(out, "%s/xkvm", dir);
	}
	if (r < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}
