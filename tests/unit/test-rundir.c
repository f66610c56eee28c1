/* base/rundir: which directory, which variable, and what is refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "base/rundir.h"

/* rundir_get()'s answer as "RET DIR" (DIR "-" when none). */
static char *got(void)
{
	char *dir = (char *)1, *s;
	int r = rundir_get(&dir);

	if (asprintf(&s, "%d %s", r, dir ? dir : "-") < 0)
		s = NULL;
	free(dir);
	return s;
}

#define CHECK_GOT(expected) do { char *g_ = got(); CHECK_STR(expected, g_); free(g_); } while (0)

int main(void)
{
	const char *name = NULL;
	char want[128];

	unsetenv("XKVM_RUN_DIR");
	unsetenv("XKVM_RUNDIR");
	CHECK(rundir_env(&name) == NULL);

	/* the variables: XKVM_RUN_DIR first, the older spelling second, empty
	 * ones as if unset; a relative one refused, naming it */
	setenv("XKVM_RUNDIR", "/old", 1);
	CHECK_STR("/old", rundir_env(&name));
	CHECK_STR("XKVM_RUNDIR", name);
	CHECK_GOT("0 /old");
	setenv("XKVM_RUN_DIR", "/new", 1);
	CHECK_STR("/new", rundir_env(&name));
	CHECK_STR("XKVM_RUN_DIR", name);
	CHECK_GOT("0 /new");
	setenv("XKVM_RUN_DIR", "", 1);
	CHECK_GOT("0 /old");
	setenv("XKVM_RUN_DIR", "run", 1);
	CHECK_STR("run", rundir_env(&name));
	CHECK_STR("XKVM_RUN_DIR", name);
	CHECK_GOT("-22 -");
	unsetenv("XKVM_RUN_DIR");
	setenv("XKVM_RUNDIR", "rel/x", 1);
	CHECK_GOT("-22 -");
	unsetenv("XKVM_RUNDIR");

	/* without them: by the effective user */
	setenv("XDG_RUNTIME_DIR", "/xdg", 1);
	if (geteuid() == 0) {
		CHECK_GOT("0 /run/xkvm");
		/* another user: $XDG_RUNTIME_DIR/xkvm, else /run/user/UID/xkvm
		 * when that exists for it, else none */
		CHECK_INT(0, seteuid(65534));
		CHECK_GOT("0 /xdg/xkvm");
		setenv("XDG_RUNTIME_DIR", "xdg", 1);	/* relative: as if unset */
		snprintf(want, sizeof(want), "0 /run/user/65534/xkvm");
		if (access("/run/user/65534", W_OK | X_OK) < 0)
			snprintf(want, sizeof(want), "%d -", -ENOENT);
		CHECK_GOT(want);
		unsetenv("XDG_RUNTIME_DIR");
		CHECK_GOT(want);
		CHECK_INT(0, seteuid(0));
	} else {
		CHECK_GOT("0 /xdg/xkvm");
	}
	return check_summary("test-rundir");
}
