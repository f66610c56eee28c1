/* cleanup: the process-wide teardown path.
 *
 * Modules that create host resources (taps, OVS ports) keep their own list
 * of what exists and register ONE hook here before creating the first
 * resource; they add each resource to their list the moment it exists.
 * Hooks run last-registered first, each at most once, from exactly one of:
 * cleanup_run() called by src/, exit() (atexit), or a terminating signal
 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT) noticed in normal context.  The signal
 * handler only records the signal and writes to a self-pipe. */
#ifndef XKVM_CLEANUP_H
#define XKVM_CLEANUP_H

/* Installs the signal handlers and the atexit hook.  Idempotent.
 * Returns 0 or -errno. */
int cleanup_init(void);

/* Registers 'fn(arg)' to run at teardown.  Returns 0 or -ENOMEM. */
int cleanup_add_hook(void (*fn)(void *arg), void *arg);

/* Runs every registered hook not run yet, last registered first.
 * Safe to call any number of times. */
void cleanup_run(void);

/* Returns the first terminating signal recorded since cleanup_init(), or 0. */
int cleanup_pending_signal(void);

/* Returns the read end of the self-pipe that becomes readable when a
 * terminating signal arrives (for poll()), or -1 before cleanup_init(). */
int cleanup_signal_fd(void);

/* If a terminating signal was recorded: runs the hooks and re-raises the
 * signal with its default action, so the exit status is honest.  Returns
 * only when no signal is pending.  Call it between setup steps. */
void cleanup_check_signal(void);

#endif
