/* rundir: the caller's run directory, where xkvm keeps what lives as long
 * as a launch: a named launch's sockets (ctl/rundir.h) and the launches'
 * vhost-user socket directories (net/vhostdir.h).  It is
 *
 *	$XKVM_RUN_DIR             when set (an absolute path; the older
 *	                          spelling XKVM_RUNDIR is still read)
 *	/run/xkvm                 for root
 *	$XDG_RUNTIME_DIR/xkvm     for other users (else /run/user/UID/xkvm)
 *
 * tap-control drops both variables when run through sudo.
 * Library code: returns 0 or -errno, prints nothing. */
#ifndef XKVM_BASE_RUNDIR_H
#define XKVM_BASE_RUNDIR_H

/* The variable that chooses the run directory, when one is set and not
 * empty (XKVM_RUN_DIR first): stores its name (a constant) in *name and
 * returns its value (the environment's own string); else returns NULL. */
const char *rundir_env(const char **name);

/* Stores the caller's run directory (see above; caller frees) in *out.
 * Returns 0, -EINVAL when the variable is not an absolute path, -ENOENT
 * when a user other than root has no runtime directory, or -ENOMEM
 * (*out is NULL on failure). */
int rundir_get(char **out);

#endif
