/* xkvm.h: what every part of src/ shares: exit statuses and the user-facing
 * error printer.  Only src/ prints; library modules return 0 or -errno. */
#ifndef XKVM_XKVM_H
#define XKVM_XKVM_H

#define XKVM_EXIT_FAILURE 1	/* a runtime failure (nothing left behind) */
#define XKVM_EXIT_USAGE   2	/* bad command line or spec */

/* Root's run directory (0700): root's named launches' sockets, root's
 * vhost-user socket directories, and the locks of base/lockfile.h that
 * tap-control and the reaper take (dot-files: no launch name begins with
 * '.'). */
#define XKVM_ROOT_RUN_DIR "/run/xkvm"

/* The defaults of --ovs-timeout and --ovn-timeout, launch and tap-control. */
#define XKVM_OVS_TIMEOUT_MS 5000
#define XKVM_OVN_TIMEOUT_MS 10000

/* Verbosity from -v (repeatable); 0 by default. */
extern int xkvm_verbosity;

/* Prints "xkvm: <message>\n" to stderr.  Never fails. */
void xkvm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the message to stderr when -v was given at least 'level' times. */
void xkvm_debug(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the raw line to stderr (no prefix), as the reference's error(). */
void xkvm_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Flushes stdout and checks it for write errors (git's rule: a full disk or
 * a closed pipe must not pass for success).  Returns 0, or prints
 * "xkvm: cannot write to stdout: REASON" and returns -errno (-EIO when an
 * earlier write failed). */
int xkvm_flush_stdout(void);

#endif
