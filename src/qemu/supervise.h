/* supervise: run qemu as a child and stay its parent until it ends.
 *
 * qemu stays in xkvm's process group (and so in the terminal's foreground
 * group): -curses/-nographic keep the terminal, and a terminal ^C reaches
 * qemu directly as well as xkvm.  In the child: PR_SET_PDEATHSIG(SIGKILL)
 * (then getppid() is checked, for a parent that died before), the
 * dispositions cleanup.c changed are restored, SIGCHLD is reset and the
 * signal mask is emptied before execvp().  PDEATHSIG fires when the thread
 * that forked exits: call supervise_run() from the main thread.
 *
 * While qemu runs, a terminating signal received by xkvm (recorded by
 * cleanup.c) is forwarded once to qemu (SIGINT, SIGHUP, SIGQUIT as they
 * are, any other as SIGTERM, which qemu handles; for a terminal ^C
 * qemu already had its own copy, and a second SIGINT/SIGQUIT only repeats
 * the shutdown request qemu is processing).  xkvm then waits for qemu at
 * most the kill timeout, SIGKILLs it, reaps it and returns: the caller
 * tears down (taps, OVS ports) only once qemu no longer holds them.
 *
 * The wait is poll() on cleanup's self-pipe plus a pidfd (pidfd_open,
 * Linux >= 5.3); without pidfd a SIGCHLD handler writes to the same
 * self-pipe.  No busy loop, no sleep polling. */
#ifndef XKVM_SUPERVISE_H
#define XKVM_SUPERVISE_H

#include <stdbool.h>

/* Runs argv[0] (searched in PATH) with argv and waits for it.  Calls
 * cleanup_init() (idempotent) first.  argv stays owned by the caller.
 *
 * Returns 0 once qemu is gone (reaped) and stores in *status the exit
 * status xkvm should return: qemu's own code, or 128+N when qemu died of
 * signal N (after a forced SIGKILL: 137).
 * Returns -errno when qemu could not be started (-ENOENT: not found,
 * -EACCES, ...); nothing is left running then and *status is untouched.
 * Returns -EINTR without starting qemu when a terminating signal was
 * already pending.
 *
 * In every case, if 'signal_received' is not NULL, stores in it the
 * terminating signal xkvm received (0: none).  When it is non-zero the
 * caller must tear down and then die by that signal: cleanup_die(sig), or
 * simply cleanup_check_signal() (the signal stays recorded in cleanup.c),
 * so xkvm's own exit status is 128+N like the reference's.  As
 * cmd/launch.c does:
 *
 *	r = supervise_run(argv, &status, &sig);
 *	if (sig)
 *		cleanup_die(sig);	(hooks run now, qemu is gone; 128+N)
 *	if (r < 0)
 *		xkvm_error("cannot run '%s': %s", argv[0], strerror(-r));
 *	return r < 0 ? XKVM_EXIT_FAILURE : status;	(then the taps go) */
int supervise_run(char *const argv[], int *status, int *signal_received);

/* A check the supervisor runs while qemu runs, from its poll loop (so it
 * must not block: it looks and returns).  fn is first called once qemu was
 * exec'd, then again after the number of milliseconds it returned; a
 * negative return ends the checks.  Not called once a terminating signal
 * was forwarded. */
struct supervise_tick {
	int (*fn)(void *arg);
	void *arg;
};

/* supervise_run() with 'tick' (NULL: none) run while qemu runs. */
int supervise_run_ticking(char *const argv[], int *status, int *signal_received,
			  const struct supervise_tick *tick);

/* Sets how long supervise_run() waits for qemu after forwarding a signal
 * before it SIGKILLs it, in milliseconds (default 10000; < 0: default). */
void supervise_set_kill_timeout(int ms);

/* The supervising loop is the launch's one event loop: besides the
 * signal self-pipe and qemu's pidfd it polls the descriptors registered
 * here (a control socket, its clients, qemu's QMP socket) and calls
 * fn(fd, revents, arg) in normal context when one is ready.  A callback
 * may watch and unwatch descriptors (its own too); a descriptor
 * unwatched during a round is not called in that round.  The fds stay
 * owned by the caller, who unwatches before closing. */
typedef void supervise_fn(int fd, short revents, void *arg);

/* Adds 'fd' for 'events' (POLLIN...).  Returns 0, -EINVAL, or -ENOSPC
 * when 64 descriptors are watched already. */
int supervise_watch(int fd, short events, supervise_fn *fn, void *arg);

/* Removes every watch of 'fd'.  Never fails. */
void supervise_unwatch(int fd);

/* From a callback: sends 'sig' to qemu.  Returns 0, -ESRCH when qemu is
 * not running under supervise_run(), or -errno. */
int supervise_signal_child(int sig);

/* From a callback: SIGKILL qemu if it is still there 'ms' from now (an
 * earlier deadline, e.g. a forwarded signal's, stays).  Never fails. */
void supervise_kill_after(int ms);

/* Test hook: when 'on', supervise_run() does not use pidfd_open() and
 * waits through the SIGCHLD fallback instead.  Default off. */
void supervise_set_no_pidfd(bool on);

#endif
