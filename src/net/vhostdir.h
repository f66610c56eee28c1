/* vhostdir: where a launch's vhost-user sockets live.
 *
 * qemu is the vhost-user server (it creates the socket); ovs-vswitchd
 * connects as the client to the path the port's options:vhost-server-path
 * names.  Every launch with a vhost-user NIC gets a directory of its own,
 * made fresh (mkdtemp, 0700, owned by the user qemu runs as) in the run
 * directory (base/rundir.h), named "vhost.<pid>.<start>.<pidns>.XXXXXX"
 * (the launch's owner, as in net/owner.h), with one socket per NIC,
 * "netNN.sock".  A fresh directory means a socket a dead launch left is
 * never reused.  The launch removes it at teardown; after a SIGKILL the
 * reaper finds it through the dead owner's port (its vhost-server-path:
 * vhostdir_reap()), and a directory no port names yet (killed before its
 * port existed) by its name in the reaper's own run directory
 * (vhostdir_reap_orphans()).  Root's Open vSwitch reaches a user's 0700
 * directory; an ovs-vswitchd running as another user would not.
 * Library code: returns 0 or -errno, prints nothing. */
#ifndef XKVM_NET_VHOSTDIR_H
#define XKVM_NET_VHOSTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The longest socket path a unix socket address holds (sun_path - 1). */
#define VHOSTDIR_SOCK_MAX 107

/* Stores in *out the path a launch directory of this process would have,
 * ending in the "XXXXXX" mkdtemp() replaces (a dry run shows it; caller
 * frees).  Returns 0, -ENAMETOOLONG (the sockets' paths would not fit a
 * socket address), -EINVAL (a ',' in it, or $XKVM_RUN_DIR not absolute),
 * -ENOENT (no run directory) or another -errno. */
int vhostdir_template(char **out);

/* Makes the run directory (0700, when missing; its parent must exist) and
 * a fresh launch directory in it for this process; stores the latter's
 * path in *out (caller frees).  Returns 0 or -errno (-ENAMETOOLONG when
 * the sockets' paths would not fit a socket address). */
int vhostdir_make(char **out);

/* Stores "DIR/netNN.sock" for NIC 'index' in *out (caller frees).  Returns
 * 0, -ENAMETOOLONG or -ENOMEM. */
int vhostdir_socket(const char *dir, unsigned index, char **out);

/* Removes the launch directory 'dir': the sockets in it, then the
 * directory (never following a symlink).  A missing 'dir' is fine.
 * Returns 0 or -errno (-ENOTEMPTY when something else is in it). */
int vhostdir_remove(const char *dir);

/* Checks a socket path given to `tap-control make-nics` before Open
 * vSwitch is pointed at it: absolute, no "." or ".." component, short
 * enough, nothing there yet, in a launch directory ("vhost.*", a real
 * directory, not a symlink) owned by 'uid' with no access for others.
 * Returns 0, -EINVAL (not such a path), -ENAMETOOLONG, -EEXIST (a socket
 * or file is there: never reuse one), -EPERM (the directory is not
 * 'uid''s alone), or the -errno of looking at it. */
int vhostdir_check_socket(const char *sock, uid_t uid);

/* For the reaper: removes the socket 'sock' of a dead owner's port and its
 * launch directory, if that directory is a launch directory ("vhost.*")
 * owned by 'uid'.  Returns 1 when the directory went, 0 when there was
 * nothing to remove or it is not one to touch, or -errno. */
int vhostdir_reap(const char *sock, uid_t uid);

/* For the reaper: removes the launch directories in this process's run
 * directory whose owner (named in the directory's name) is gone, in this
 * pid namespace, and which no socket of referenced[0..n) lies in (an Open
 * vSwitch port still names it).  Adds how many went to *removed.  Returns
 * 0 or -errno (the run directory could not be read; a missing one is
 * fine). */
int vhostdir_reap_orphans(const char *const *referenced, size_t n, size_t *removed);

#endif
