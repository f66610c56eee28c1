#include "qemu/supervise.h"
#include "base/cleanup.h"
#include "base/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_KILL_TIMEOUT_MS 10000

#define MAX_WATCHES 64

static int kill_timeout_ms = DEFAULT_KILL_TIMEOUT_MS;
static bool no_pidfd;

/* The extra descriptors the loop watches (control clients, QMP). */
static struct watch {
	int fd;			/* -1: a free slot */
	short events;
	supervise_fn *fn;
	void *arg;
} watches[MAX_WATCHES];
static size_t n_watches;	/* slots in use or freed during a dispatch */

/* The child while wait_child() runs (0: none), and a stop asked for. */
static pid_t child;
static int64_t stop_deadline;	/* kill at this time (0: none) */
static bool stop_asked;

int supervise_watch(int fd, short events, supervise_fn *fn, void *arg)
{
	size_t i;

	if (fd < 0 || !fn)
		return -EINVAL;
	for (i = 0; i < n_watches && watches[i].fd >= 0; i++)
		;
	if (i == MAX_WATCHES)
		return -ENOSPC;
	watches[i] = (struct watch){ fd, events, fn, arg };
	if (i == n_watches)
		n_watches++;
	return 0;
}

void supervise_unwatch(int fd)
{
	for (size_t i = 0; i < n_watches; i++)
		if (watches[i].fd == fd)
			watches[i].fd = -1;
	while (n_watches && watches[n_watches - 1].fd < 0)
		n_watches--;
}

int supervise_signal_child(int sig)
{
	if (!child)
		return -ESRCH;
	return kill(child, sig) < 0 ? -errno : 0;
}

void supervise_kill_after(int ms)
{
	int64_t when = clock_now_ms() + (ms < 0 ? 0 : ms);

	if (!stop_asked || when < stop_deadline)
		stop_deadline = when;
	stop_asked = true;
	cleanup_wake();	/* the loop recomputes its timeout */
}

void supervise_set_kill_timeout(int ms)
{
	kill_timeout_ms = ms < 0 ? DEFAULT_KILL_TIMEOUT_MS : ms;
}

void supervise_set_no_pidfd(bool on)
{
	no_pidfd = on;
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static void sigchld_handler(int sig)
{
	(void)sig;
	cleanup_wake();
}

/* Whether this kernel has pidfd_open (probed on ourselves). */
static bool have_pidfd(void)
{
	int fd;

	if (no_pidfd)
		return false;
	fd = pidfd_open_(getpid());
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The child between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
exec_child(char *const argv[], int err_fd, pid_t parent)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int err;

	cleanup_forget_in_child();
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		goto fail;
	/* The parent may have died before prctl: we would never get it. */
	if (getppid() != parent)
		_exit(128 + SIGKILL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(argv[0], argv);
fail:
	err = errno;
	(void)!write(err_fd, &err, sizeof(err));
	_exit(127);
}

/* Reads the exec result: 0 when the exec succeeded (EOF), else -errno. */
static int read_exec_result(int fd)
{
	int err = 0;
	ssize_t n;

	do
		n = read(fd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(err) ? -err : 0;
}

static int reap(pid_t pid, int *wstatus)
{
	while (waitpid(pid, wstatus, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Waits for 'pid', forwarding the first terminating signal and SIGKILLing
 * after the timeout.  Returns 0 with *wstatus, or -errno. */
static int wait_child(pid_t pid, int pidfd, int *wstatus, const struct supervise_tick *tick)
{
	struct pollfd fds[2 + MAX_WATCHES];
	struct watch seen[MAX_WATCHES];
	bool forwarded = false, killed = false;
	int64_t deadline = 0, next_tick = tick ? clock_now_ms() : -1;

	for (;;) {
		int timeout = -1, sig, nfds = 0, nw = 0;
		pid_t r;

		/* Only reached on a wakeup (or the first time): not a busy loop. */
		r = waitpid(pid, wstatus, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		sig = cleanup_pending_signal();
		if (sig && !forwarded) {
			/* qemu knows INT, TERM, HUP (QUIT dumps a core); any other
			 * terminating signal is a SIGTERM to it, as to us. */
			kill(pid, sig == SIGINT || sig == SIGHUP || sig == SIGQUIT ? sig : SIGTERM);
			forwarded = true;
			deadline = clock_now_ms() + kill_timeout_ms;
		}
		/* A stop asked through supervise_kill_after(): the earlier
		 * of the two deadlines. */
		if (stop_asked && (!forwarded || stop_deadline < deadline))
			deadline = stop_deadline;
		if ((forwarded || stop_asked) && !killed) {
			int64_t left = deadline - clock_now_ms();

			if (left <= 0) {
				kill(pid, SIGKILL);
				killed = true;
			} else {
				timeout = left > INT32_MAX ? INT32_MAX : (int)left;
			}
		}
		/* The caller's periodic check (supervise_run_ticking()), until
		 * it says done or qemu is being stopped. */
		if (forwarded || stop_asked)
			next_tick = -1;
		if (next_tick >= 0 && clock_now_ms() >= next_tick) {
			int ms = tick->fn(tick->arg);

			next_tick = ms < 0 ? -1 : clock_now_ms() + ms;
		}
		if (next_tick >= 0) {
			int64_t left = next_tick - clock_now_ms();
			int t = left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;

			timeout = timeout < 0 || t < timeout ? t : timeout;
		}
		fds[nfds++] = (struct pollfd){ .fd = cleanup_signal_fd(), .events = POLLIN };
		if (pidfd >= 0)
			fds[nfds++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		/* A callback may add or remove watches: dispatch from a copy,
		 * skipping a slot whose fd was unwatched meanwhile. */
		for (size_t i = 0; i < n_watches; i++) {
			if (watches[i].fd < 0)
				continue;
			seen[nw] = watches[i];
			fds[nfds + nw] = (struct pollfd){ .fd = watches[i].fd,
							  .events = watches[i].events };
			nw++;
		}
		if (poll(fds, (nfds_t)(nfds + nw), timeout) < 0) {
			if (errno != EINTR)
				return -errno;
			continue;
		}
		if (fds[0].revents)
			cleanup_drain();
		for (int i = 0; i < nw; i++) {
			bool live = false;

			if (!fds[nfds + i].revents)
				continue;
			for (size_t j = 0; j < n_watches && !live; j++)
				live = watches[j].fd == seen[i].fd && watches[j].fn == seen[i].fn &&
				       watches[j].arg == seen[i].arg;
			if (live)
				seen[i].fn(seen[i].fd, fds[nfds + i].revents, seen[i].arg);
		}
	}
}

int supervise_run(char *const argv[], int *status, int *signal_received)
{
	return supervise_run_ticking(argv, status, signal_received, NULL);
}

int supervise_run_ticking(char *const argv[], int *status, int *signal_received,
			  const struct supervise_tick *tick)
{
	struct sigaction chld = { .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	struct sigaction old_chld;
	sigset_t all, old_mask;
	int err_pipe[2] = { -1, -1 }, pidfd = -1, wstatus = 0, ret;
	bool use_pidfd, chld_set = false;
	pid_t parent = getpid(), pid;

	ret = cleanup_init();
	if (ret < 0)
		goto out;
	if (cleanup_pending_signal()) {
		ret = -EINTR;
		goto out;
	}
	stop_asked = false;
	use_pidfd = have_pidfd();
	/* SIGCHLD must not be SIG_IGN (children would be auto-reaped); in the
	 * fallback its handler wakes the poll through the self-pipe. */
	chld.sa_handler = use_pidfd ? SIG_DFL : sigchld_handler;
	sigemptyset(&chld.sa_mask);
	if (sigaction(SIGCHLD, &chld, &old_chld) < 0) {
		ret = -errno;
		goto out;
	}
	chld_set = true;
	if (pipe2(err_pipe, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}

	/* No handler may run in the child before it reset the dispositions:
	 * it would write to our self-pipe. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old_mask);
	pid = fork();
	if (pid == 0)
		exec_child(argv, err_pipe[1], parent);
	ret = pid < 0 ? -errno : 0;
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (ret < 0)
		goto out;
	close(err_pipe[1]);
	err_pipe[1] = -1;

	ret = read_exec_result(err_pipe[0]);
	if (ret < 0) {
		reap(pid, &wstatus);
		goto out;
	}
	if (use_pidfd) {
		pidfd = pidfd_open_(pid);
		if (pidfd < 0) {
			/* Rare (EMFILE...): fall back, the loop's first
			 * waitpid covers a child that already exited. */
			chld.sa_handler = sigchld_handler;
			sigaction(SIGCHLD, &chld, NULL);
		}
	}
	child = pid;
	ret = wait_child(pid, pidfd, &wstatus, tick);
	child = 0;
	if (ret < 0) {
		/* Cannot happen short of a bug; never leave qemu behind. */
		kill(pid, SIGKILL);
		reap(pid, &wstatus);
		goto out;
	}
	*status = WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
out:
	if (signal_received)
		*signal_received = cleanup_pending_signal();
	if (pidfd >= 0)
		close(pidfd);
	if (err_pipe[0] >= 0)
		close(err_pipe[0]);
	if (err_pipe[1] >= 0)
		close(err_pipe[1]);
	if (chld_set)
		sigaction(SIGCHLD, &old_chld, NULL);
	return ret;
}
