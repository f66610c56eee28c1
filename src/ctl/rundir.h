/* rundir: where a named launch keeps its sockets, and the rule that two
 * live launches cannot share a name.
 *
 * The run directory is base/rundir.h's ($XKVM_RUN_DIR, else /run/xkvm for
 * root, else $XDG_RUNTIME_DIR/xkvm ...), mode 0700 and owned by the caller
 * (an existing one with another owner or group/other access is refused).
 * A launch named NAME holds there:
 *   NAME.lock   flock()ed by the launch for its whole life (O_CLOEXEC: qemu
 *               does not inherit it), so the kernel releases it when the
 *               launch dies, SIGKILL included;
 *   NAME.sock   the control socket (net/ctl server);
 *   NAME.qmp    qemu's QMP socket.
 * A second launch finds the lock taken and fails; a stale .sock/.qmp of a
 * dead launch is replaced once the lock is ours, and removed by the next
 * named launch of the directory or by root's gc in its own directory
 * (ctl_names_reap()).  The lock file is unlinked by its holder at
 * teardown, while still locked: a launch that opened the old file
 * meanwhile finds, once it gets the lock, that the path no longer names
 * the inode it locked, and starts over (no two holders).
 * Library code: returns 0 or -errno, never prints. */
#ifndef XKVM_CTL_RUNDIR_H
#define XKVM_CTL_RUNDIR_H

#include <stdbool.h>
#include <sys/types.h>

#define CTL_NAME_MAX 32

/* Returns true when 'name' is a launch name: 1..32 characters of
 * [A-Za-z0-9_.-], not starting with '.' or '-'. */
bool ctl_name_valid(const char *name);

/* The paths of one named launch (all owned, free with ctl_paths_release()). */
struct ctl_paths {
	char *dir;	/* the run directory */
	char *lock;	/* DIR/NAME.lock */
	char *sock;	/* DIR/NAME.sock */
	char *qmp;	/* DIR/NAME.qmp */
};

/* Fills 'p' for launch 'name' (valid) of the calling user, or, when 'name'
 * contains a '/', for the control socket path 'name' itself (only p->sock
 * is set then: for `xkvm ctl` reaching another user's launch as root).
 * Returns 0, -EINVAL for a bad name (or a relative $XKVM_RUN_DIR, which
 * the commands refuse first), -ENOENT when a user has no run directory,
 * -ENAMETOOLONG when a socket path would not fit a unix address, or
 * -ENOMEM.  'p' is zeroed first; release it in every case. */
int ctl_paths_get(const char *name, struct ctl_paths *p);

/* Frees what 'p' holds and zeroes it.  Accepts NULL. */
void ctl_paths_release(struct ctl_paths *p);

/* Creates p->dir (0700) unless it exists, and checks an existing one: a
 * directory, not a symlink, owned by the effective uid, no group or other
 * access.  Returns 0, -EPERM for an unsafe directory, or -errno. */
int ctl_rundir_make(const struct ctl_paths *p);

/* Takes the name: creates and locks p->lock, retrying when the file was
 * replaced under us, and writes this process's pid into it (a live
 * launch's mark).  A holder that left no live pid there (a reaper
 * removing a dead launch's files, a launch in its first moments) is
 * waited for, up to 2 s.  Stores the locked O_CLOEXEC descriptor in *fd.
 * Returns 0, -EADDRINUSE when a live launch holds the name, or -errno. */
int ctl_name_lock(const struct ctl_paths *p, int *fd);

/* Removes the sockets, the lock file (the caller still holds the lock and
 * closes it afterwards) and the run directory when that left it empty
 * (never root's /run/xkvm, which others share; a launch creating it anew
 * meanwhile retries in ctl_name_lock()).  Idempotent, async-safe enough
 * for a cleanup hook.  Never fails. */
void ctl_name_unlink(const struct ctl_paths *p);

/* Removes what dead launches left in the caller's run directory (the one
 * ctl_paths_get() uses, never made): for each NAME.lock that no live
 * launch holds (a regular file of ours), NAME.sock, NAME.qmp and the lock
 * file, taking the name first as a launch would (emptied, so that a
 * launch waiting for it waits on); the directory goes when that empties
 * it.  Calls 'removed' (when not NULL) with each NAME.  Returns how many
 * names were freed, or -errno: -EPERM when the directory is not private
 * as ctl_rundir_make() wants (no launch could have used it; nothing is
 * done), else the first error among the names (the others are still
 * done).  A missing directory, or none for this user, frees none. */
int ctl_names_reap(void (*removed)(const char *name, void *arg), void *arg);

/* The running launches of the caller's run directory (checked as
 * ctl_names_reap() does): calls 'found' with each NAME and the pid its
 * lock names, sorted by name.  A dead launch's leftovers, and a launch in
 * its first moments (no pid in its lock yet), are not running.  Returns
 * how many, or -errno (-EPERM: the directory is not private; else the
 * first error among the names, the others still listed).  No run
 * directory, or none for this user: none.  Its short shared lock on a
 * dead launch's file may make a reaper pass that name over once. */
int ctl_names_running(void (*found)(const char *name, pid_t pid, void *arg), void *arg);

#endif
