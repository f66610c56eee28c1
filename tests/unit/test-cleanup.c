/* The cleanup registry: order, once-only, hooks added while running, runs
 * after a partial setup, at exit, for a signal (with an honest 128+N
 * death), a second signal during the hooks, and a forked child that
 * forgets the registry; hooks removed before they ran.  Signal and exit cases run in forked children. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "base/cleanup.h"

static char trace[64];
static size_t n_trace;
static int out_fd = -1;	/* in children: where hooks report */

static void note(void *arg)
{
	char c = (char)(long)arg;

	if (n_trace < sizeof(trace) - 1)
		trace[n_trace++] = c;
	if (out_fd >= 0)
		(void)!write(out_fd, &c, 1);
}

static void reset_trace(void)
{
	n_trace = 0;
	trace[0] = '\0';
}

static const char *get_trace(void)
{
	trace[n_trace] = '\0';
	return trace;
}

static void adds_two(void *arg)
{
	note(arg);
	cleanup_add_hook(note, (void *)'x');
	cleanup_add_hook(note, (void *)'y');
}

static void nested_run(void *arg)
{
	note(arg);
	cleanup_run();
}

static void raises_sigint(void *arg)
{
	note(arg);
	raise(SIGINT);	/* only recorded: SIGTERM came first */
}

static void calls_exit(void *arg)
{
	note(arg);
	exit(0);
}

/* Runs 'body' in a child whose hooks write to a pipe; returns the wait
 * status and stores what the hooks wrote in 'out'. */
static int in_child(void (*body)(void), char *out, size_t size)
{
	int fds[2], wstatus = -1;
	ssize_t n, total = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		out_fd = fds[1];
		body();
		_exit(100);
	}
	close(fds[1]);
	while (total < (ssize_t)size - 1 &&
	       (n = read(fds[0], out + total, size - 1 - total)) > 0)
		total += n;
	out[total] = '\0';
	close(fds[0]);
	waitpid(pid, &wstatus, 0);
	return wstatus;
}

static void body_exit(void)
{
	cleanup_init();
	cleanup_add_hook(note, (void *)'a');
	cleanup_add_hook(note, (void *)'b');
	exit(0);
}

static void body_signal(void)
{
	struct pollfd pfd;

	cleanup_init();
	cleanup_add_hook(note, (void *)'a');
	cleanup_add_hook(note, (void *)'b');
	cleanup_check_signal();	/* nothing pending: returns */
	raise(SIGTERM);
	pfd.fd = cleanup_signal_fd();
	pfd.events = POLLIN;
	if (cleanup_pending_signal() != SIGTERM || poll(&pfd, 1, 0) != 1)
		_exit(101);
	cleanup_drain();
	if (poll(&pfd, 1, 0) != 0)
		_exit(102);
	cleanup_check_signal();
	_exit(103);
}

/* Each terminating signal but the faults is handled like SIGTERM (the
 * hooks run, then death by it). */
static int body_sig;

static void body_any_signal(void)
{
	struct sigaction sa;

	/* SIGSEGV's default stays (not checked here: ASan installs its own) */
	cleanup_init();
	cleanup_add_hook(note, (void *)'a');
	if (sigaction(body_sig, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		_exit(105);	/* not handled */
	raise(body_sig);
	if (cleanup_pending_signal() != body_sig)
		_exit(101);
	cleanup_check_signal();
	_exit(103);
}

static void body_second_signal(void)
{
	cleanup_init();
	cleanup_add_hook(note, (void *)'a');
	cleanup_add_hook(raises_sigint, (void *)'b');
	cleanup_add_hook(note, (void *)'c');
	raise(SIGTERM);
	cleanup_check_signal();
	_exit(103);
}

static void body_exit_in_hook(void)
{
	cleanup_init();
	cleanup_add_hook(note, (void *)'a');
	cleanup_add_hook(calls_exit, (void *)'b');
	cleanup_add_hook(note, (void *)'c');
	cleanup_run();
	_exit(104);
}

static void body_forget(void)
{
	pid_t pid;
	int wstatus;

	cleanup_init();
	cleanup_add_hook(note, (void *)'p');
	pid = fork();
	if (pid == 0) {
		cleanup_forget_in_child();
		cleanup_add_hook(note, (void *)'k');	/* the child's own */
		if (cleanup_signal_fd() != -1)
			_exit(3);
		exit(0);			/* runs 'k' only */
	}
	waitpid(pid, &wstatus, 0);
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		_exit(4);
	exit(0);				/* runs 'p' */
}

static void body_ignored(void)
{
	/* SIGHUP ignored before init (nohup) stays ignored. */
	signal(SIGHUP, SIG_IGN);
	cleanup_init();
	cleanup_add_hook(note, (void *)'h');
	raise(SIGHUP);
	if (cleanup_pending_signal() != 0)
		_exit(5);
	raise(SIGPIPE);			/* ignored by cleanup_init */
	exit(0);
}

int main(void)
{
	char out[64];
	int ws;

	/* Order and once-only, without cleanup_init (no signals). */
	cleanup_add_hook(note, (void *)'a');
	cleanup_add_hook(note, (void *)'b');
	cleanup_add_hook(note, (void *)'c');
	cleanup_run();
	CHECK_STR("cba", get_trace());
	cleanup_run();
	CHECK_STR("cba", get_trace());

	/* Removal: only the named hook with that argument, once; removing
	 * one that already ran, or was never there, changes nothing. */
	reset_trace();
	cleanup_add_hook(note, (void *)'a');
	cleanup_add_hook(note, (void *)'b');
	cleanup_add_hook(note, (void *)'c');
	cleanup_add_hook(adds_two, (void *)'b');
	cleanup_remove_hook(note, (void *)'b');
	cleanup_remove_hook(note, (void *)'z');
	cleanup_remove_hook(nested_run, (void *)'a');
	cleanup_run();
	CHECK_STR("byxca", get_trace());	/* adds_two ran (with 'b'), note 'b' did not */
	cleanup_remove_hook(note, (void *)'a');	/* ran already: nothing to do */
	cleanup_run();
	CHECK_STR("byxca", get_trace());

	/* Partial setup: run with nothing, then with what exists so far. */
	reset_trace();
	cleanup_run();
	CHECK_STR("", get_trace());
	cleanup_add_hook(note, (void *)'1');
	cleanup_run();
	cleanup_add_hook(note, (void *)'2');
	cleanup_run();
	CHECK_STR("12", get_trace());

	/* Hooks added by a hook run in the same pass, newest first. */
	reset_trace();
	cleanup_add_hook(note, (void *)'a');
	cleanup_add_hook(adds_two, (void *)'b');
	cleanup_run();
	CHECK_STR("byxa", get_trace());

	/* A nested cleanup_run() continues; nothing runs twice. */
	reset_trace();
	cleanup_add_hook(note, (void *)'a');
	cleanup_add_hook(nested_run, (void *)'b');
	cleanup_add_hook(note, (void *)'c');
	cleanup_run();
	cleanup_run();
	CHECK_STR("cba", get_trace());

	CHECK_INT(0, cleanup_pending_signal());

	/* At exit. */
	ws = in_child(body_exit, out, sizeof(out));
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	CHECK_STR("ba", out);

	/* A signal: recorded, self-pipe readable, hooks, death by SIGTERM. */
	ws = in_child(body_signal, out, sizeof(out));
	CHECK(WIFSIGNALED(ws));
	CHECK_INT(SIGTERM, WIFSIGNALED(ws) ? WTERMSIG(ws) : -WEXITSTATUS(ws));
	CHECK_STR("ba", out);

	{
		const int sigs[] = { SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU,
				     SIGXFSZ, SIGPOLL, SIGPWR, SIGSTKFLT, SIGRTMIN, SIGRTMAX - 1 };

		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			struct sigaction sa;

			/* (SIGRTMAX - 1: valgrind keeps SIGRTMAX for itself) */
			CHECK_INT(0, sigaction(sigs[i], NULL, &sa));
			body_sig = sigs[i];
			ws = in_child(body_any_signal, out, sizeof(out));
			/* Death by the signal, or (valgrind does not emulate every
			 * default action) cleanup_die()'s fallback exit 128+N. */
			CHECK_INT(sigs[i], WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws) - 128);
			CHECK_STR("a", out);
		}
	}

	/* A second signal while hooks run: no re-entry, dies by the first. */
	ws = in_child(body_second_signal, out, sizeof(out));
	CHECK_INT(SIGTERM, WIFSIGNALED(ws) ? WTERMSIG(ws) : -WEXITSTATUS(ws));
	CHECK_STR("cba", out);

	/* exit() inside a hook: the atexit pass finishes the rest once. */
	ws = in_child(body_exit_in_hook, out, sizeof(out));
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	CHECK_STR("cba", out);

	/* A forked child forgets the parent's hooks. */
	ws = in_child(body_forget, out, sizeof(out));
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	CHECK_STR("kp", out);

	/* An inherited SIG_IGN is kept; SIGPIPE does not kill. */
	ws = in_child(body_ignored, out, sizeof(out));
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	CHECK_STR("h", out);

	return check_summary("test-cleanup");
}
