/* lockfile: a lock that is an flock on a file of a private directory
 * (mode 0700, ours), the file removed when the lock is released, so that
 * no file is left behind.  Taking checks that the file locked is still the
 * one the name gives (a releaser may have removed it meanwhile).  Library
 * style: returns 0/1 or -errno, prints nothing. */
#ifndef XKVM_BASE_LOCKFILE_H
#define XKVM_BASE_LOCKFILE_H

#include <stdbool.h>

/* Takes the lock DIR/NAME, making DIR (0700) when missing; DIR must be a
 * directory of this euid writable by no one else.  With 'wait' blocks
 * until it is free.  Stores the descriptor in *fd.  Returns 1 (taken), 0
 * (busy, without 'wait'; *fd is -1), -EPERM (DIR is not private), or
 * -errno. */
int lockfile_take(const char *dir, const char *name, bool wait, int *fd);

/* Releases a lock lockfile_take() took: removes the file and closes 'fd'.
 * DIR stays (others may be making files there: named launches' sockets in
 * /run/xkvm).  Accepts -1. */
void lockfile_release(const char *dir, const char *name, int fd);

/* Removes DIR/NAME when it is a lock file of this euid that no one holds:
 * what a holder killed with SIGKILL leaves (its flock goes with it, the
 * file stays).  Taking it first keeps lockfile_take()'s promise to anyone
 * opening it meanwhile.  Returns 1 (removed), 0 (held, gone, or not such
 * a file: left alone), -EPERM (DIR is not private), or -errno. */
int lockfile_remove_stale(const char *dir, const char *name);

#endif
