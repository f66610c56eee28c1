/* cleanup: the process-wide teardown path (after OVS's lib/fatal-signal.c).
 *
 * An owner of host resources (a launch's struct nics: taps, OVS ports)
 * keeps its own list of what exists and registers ONE hook here before it
 * creates the first resource (and may unregister it once it tore down
 * itself); it adds each resource to its list the moment it exists.
 * Hooks run last-registered first, each at most once, from exactly one of:
 * cleanup_run() called by src/, exit() (atexit), or a terminating signal
 * noticed in normal context: every signal whose default action ends the
 * process (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
 * SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPOLL, SIGPWR, SIGSTKFLT, the
 * real-time ones) but SIGKILL and the faults (SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGABRT, SIGTRAP, SIGSYS: a bug keeps its core dump).
 *
 * Signals.  The handler only records the first terminating signal (a
 * sig_atomic_t) and writes a byte to a non-blocking O_CLOEXEC self-pipe;
 * it preserves errno and never runs hooks.  Hooks run in normal context
 * when the program notices the signal:
 *   - during setup (before qemu runs) callers MUST call
 *     cleanup_check_signal() between steps (after each tap, each OVS
 *     transaction, ...): it runs the hooks and kills the process with the
 *     signal if one arrived, else returns at once;
 *   - while qemu runs, supervise_run() polls the self-pipe itself and
 *     returns the signal to its caller (see supervise.h).
 * After the hooks ran for a signal the signal is re-raised with SIG_DFL
 * (and unblocked), so the exit status is an honest 128+N.
 * A signal that was ignored (SIG_IGN) when cleanup_init() ran, e.g. SIGHUP
 * under nohup, stays ignored, as in OVS.  SIGPIPE is ignored (when it was
 * at its default) so that a write to a dead ovsdb socket fails with EPIPE
 * instead of killing xkvm without teardown.
 *
 * Re-entry.  Each hook is removed from the registry before it is called,
 * so no hook runs twice: a hook that calls exit() or cleanup_run() only
 * lets the remaining hooks run from there.  A second signal arriving while
 * hooks run is only recorded; the process then dies by the first one.  A
 * hook may register hooks; they run in the same pass, before the hooks
 * registered earlier (last registered first).
 *
 * Fork.  A forked child inherits the registry.  A child that may return to
 * normal code or call exit() must call cleanup_forget_in_child() right
 * after fork(); a child that only execs or _exit()s is safe anyway (exec
 * drops the atexit hook, _exit skips it), but should still call it so that
 * a signal between fork and exec cannot write to the parent's self-pipe.
 *
 * Not thread-safe: call from the main thread only. */
#ifndef XKVM_CLEANUP_H
#define XKVM_CLEANUP_H

/* Installs the signal handlers, ignores SIGPIPE, creates the self-pipe and
 * registers the atexit hook.  Idempotent.  Returns 0 or -errno. */
int cleanup_init(void);

/* Registers 'fn(arg)' to run at teardown.  'arg' stays owned by the
 * caller (the hook may free it).  Works before cleanup_init() too (then
 * only cleanup_run() runs it).  Returns 0 or -ENOMEM. */
int cleanup_add_hook(void (*fn)(void *arg), void *arg);

/* Unregisters the hook 'fn(arg)' registered last, if it has not run: for
 * an owner that tears down and frees its resources itself.  Never fails. */
void cleanup_remove_hook(void (*fn)(void *arg), void *arg);

/* Runs every registered hook not run yet, last registered first, and frees
 * the registry.  Safe to call any number of times, from a hook too. */
void cleanup_run(void);

/* Returns the first terminating signal recorded since cleanup_init(), or 0.
 * The record is never cleared (the process is going to die by it). */
int cleanup_pending_signal(void);

/* Returns the read end of the self-pipe that becomes readable when a
 * terminating signal arrives (for poll()), or -1 before cleanup_init().
 * The fd stays owned by this module. */
int cleanup_signal_fd(void);

/* Reads away every byte waiting in the self-pipe (it is non-blocking).
 * Call after poll() reported it readable.  Never fails. */
void cleanup_drain(void);

/* Async-signal-safe: writes one byte to the self-pipe, preserving errno,
 * to wake a poll() on cleanup_signal_fd().  For other signal handlers
 * (supervise.c's SIGCHLD fallback).  Does nothing before cleanup_init(). */
void cleanup_wake(void);

/* If a terminating signal was recorded: runs the hooks and re-raises the
 * signal with its default action, so the exit status is honest.  Returns
 * only when no signal is pending.  Call it between setup steps. */
void cleanup_check_signal(void);

/* Runs the hooks, flushes stdio and kills the process with 'sig' at its
 * default action (unblocked); if 'sig' does not kill (a caller bug),
 * _exit(128 + sig).  Never returns. */
void cleanup_die(int sig) __attribute__((noreturn));

/* In a child right after fork(): drops the inherited hooks without running
 * them (the parent owns those resources), restores the dispositions
 * cleanup_init() changed (our handlers and the SIGPIPE ignore) to what
 * the process inherited, and closes the child's copy of the self-pipe.
 * Async-signal-safe (no malloc/free), so usable between fork and exec. */
void cleanup_forget_in_child(void);

#endif
