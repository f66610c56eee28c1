#include "base/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hook {
	void (*fn)(void *);
	void *arg;
};

/* Every signal whose default action ends the process, except SIGKILL and
 * SIGSTOP (which cannot be caught) and those a fault raises (SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS: a bug, whose core dump
 * is worth more than a tidy exit).  Any of these, from kill(1) or the
 * kernel (SIGXCPU, SIGXFSZ past an rlimit), took xkvm down without
 * removing its taps; the real-time signals are added at run time. */
static const int fatal_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM,
	SIGPROF, SIGXCPU, SIGXFSZ, SIGPOLL, SIGPWR,
#ifdef SIGSTKFLT
	SIGSTKFLT,
#endif
};
#define N_FATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

/* The n-th handled signal (0 <= n < n_handled()). */
static int handled_signal(size_t n)
{
	return n < N_FATAL ? fatal_signals[n] : SIGRTMIN + (int)(n - N_FATAL);
}

static size_t n_handled(void)
{
	return N_FATAL + (size_t)(SIGRTMAX - SIGRTMIN + 1);
}

static struct hook *hooks;
static size_t n_hooks, alloc_hooks;

static bool initialized, atexit_registered;
static bool handler_installed[NSIG];	/* by signal; false: was SIG_IGN (or ours) */
static bool sigpipe_ignored;		/* we set SIGPIPE to SIG_IGN */
static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t pending_signal;

static void write_wakeup(void)
{
	int fd = sig_pipe[1];

	if (fd >= 0) {
		char c = 0;

		/* Non-blocking: a full pipe already wakes the reader. */
		(void)!write(fd, &c, 1);
	}
}

static void fatal_handler(int sig)
{
	int saved_errno = errno;

	/* Our signals are blocked while this runs (sa_mask): no race on the
	 * first-one-wins test. */
	if (!pending_signal)
		pending_signal = sig;
	write_wakeup();
	errno = saved_errno;
}

void cleanup_wake(void)
{
	int saved_errno = errno;

	write_wakeup();
	errno = saved_errno;
}

/* sigaction, unlike signal(), is async-signal-safe. */
static void set_default(int sig)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void run_at_exit(void)
{
	cleanup_run();
}

static int install_handlers(void)
{
	struct sigaction sa = { .sa_handler = fatal_handler, .sa_flags = SA_RESTART };
	struct sigaction old;
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < n_handled(); i++)
		sigaddset(&sa.sa_mask, handled_signal(i));
	for (i = 0; i < n_handled(); i++) {
		int sig = handled_signal(i);

		if (sigaction(sig, NULL, &old) < 0) {
			/* A real-time signal the runtime keeps for itself
			 * (valgrind takes SIGRTMAX): not ours to handle. */
			if (errno == EINVAL && i >= N_FATAL)
				continue;
			return -errno;
		}
		/* Keep an inherited SIG_IGN (nohup) as OVS does. */
		if (old.sa_handler != SIG_DFL)
			continue;
		if (sigaction(sig, &sa, NULL) < 0) {
			if (errno == EINVAL && i >= N_FATAL)
				continue;
			return -errno;
		}
		handler_installed[sig] = true;
	}
	if (sigaction(SIGPIPE, NULL, &old) < 0)
		return -errno;
	if (old.sa_handler == SIG_DFL) {
		if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
			return -errno;
		sigpipe_ignored = true;
	}
	return 0;
}

int cleanup_init(void)
{
	int ret;

	if (initialized)
		return 0;
	if (!atexit_registered) {
		if (atexit(run_at_exit))
			return -ENOMEM;
		atexit_registered = true;
	}
	if (sig_pipe[0] < 0 && pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	ret = install_handlers();
	if (ret < 0)
		return ret;
	initialized = true;
	return 0;
}

int cleanup_add_hook(void (*fn)(void *arg), void *arg)
{
	if (n_hooks == alloc_hooks) {
		size_t alloc = alloc_hooks ? 2 * alloc_hooks : 8;
		struct hook *h = realloc(hooks, alloc * sizeof(*h));

		if (!h)
			return -ENOMEM;
		hooks = h;
		alloc_hooks = alloc;
	}
	hooks[n_hooks].fn = fn;
	hooks[n_hooks].arg = arg;
	n_hooks++;
	return 0;
}

void cleanup_remove_hook(void (*fn)(void *arg), void *arg)
{
	for (size_t i = n_hooks; i-- > 0;) {
		if (hooks[i].fn != fn || hooks[i].arg != arg)
			continue;
		memmove(&hooks[i], &hooks[i + 1], (n_hooks - i - 1) * sizeof(*hooks));
		n_hooks--;
		return;
	}
}

void cleanup_run(void)
{
	/* Pop before calling: a hook that re-enters (exit(), a nested
	 * cleanup_run()) or adds hooks never sees itself again. */
	while (n_hooks > 0) {
		struct hook h = hooks[--n_hooks];

		h.fn(h.arg);
	}
	free(hooks);
	hooks = NULL;
	alloc_hooks = 0;
}

int cleanup_pending_signal(void)
{
	return pending_signal;
}

int cleanup_signal_fd(void)
{
	return initialized ? sig_pipe[0] : -1;
}

void cleanup_drain(void)
{
	char buf[64];

	if (sig_pipe[0] < 0)
		return;
	while (read(sig_pipe[0], buf, sizeof(buf)) > 0)
		;
}

void cleanup_die(int sig)
{
	sigset_t set;

	cleanup_run();
	fflush(NULL);
	set_default(sig);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

void cleanup_check_signal(void)
{
	int sig = pending_signal;

	if (sig)
		cleanup_die(sig);
}

void cleanup_forget_in_child(void)
{
	size_t i;

	/* Keep the array (no free: this may run between fork and exec of a
	 * threaded process); an empty registry runs nothing at exit. */
	n_hooks = 0;
	for (i = 0; i < n_handled(); i++) {
		int sig = handled_signal(i);

		if (handler_installed[sig])
			set_default(sig);
		handler_installed[sig] = false;
	}
	if (sigpipe_ignored)
		set_default(SIGPIPE);
	sigpipe_ignored = false;
	if (sig_pipe[0] >= 0)
		close(sig_pipe[0]);
	if (sig_pipe[1] >= 0)
		close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	pending_signal = 0;
	initialized = false;
}
