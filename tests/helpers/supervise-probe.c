/* supervise-probe: drives cleanup + supervise like launch.c will.
 *   supervise-probe -m MARKER [-p QEMU_PIDFILE] [-s SETUP_MS] [-r READY]
 *                   [-t KILL_TIMEOUT_MS] [-n] -- QEMU_ARGV...
 * Registers a hook that appends one line to MARKER: "hook qemu=gone" when
 * the pid in QEMU_PIDFILE (first line, written by tests/lib/fake-qemu) no
 * longer exists, "hook qemu=alive" when it does, "hook qemu=unknown" when
 * there is no pidfile.  With -s it then "sets up" for SETUP_MS, calling
 * cleanup_check_signal() as launch.c does between steps (READY is created
 * once the setup began).  Then supervise_run(QEMU_ARGV), cleanup, and
 * exit with qemu's status, or die by the signal received.  A failed
 * supervise_run appends "supervise_run=-E" to MARKER and exits 1.
 * -n forces the SIGCHLD fallback instead of pidfd. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "qemu/supervise.h"

static const char *marker, *pidfile;

static void append_marker(const char *line)
{
	int fd = open(marker, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	(void)!write(fd, line, strlen(line));
	close(fd);
}

static void hook(void *arg)
{
	const char *state = "unknown";
	char buf[64] = "";
	FILE *f;

	(void)arg;
	if (pidfile && (f = fopen(pidfile, "re"))) {
		long pid = 0;

		if (fscanf(f, "%ld", &pid) == 1 && pid > 0)
			state = kill((pid_t)pid, 0) < 0 && errno == ESRCH ? "gone" : "alive";
		fclose(f);
	}
	snprintf(buf, sizeof(buf), "hook qemu=%s\n", state);
	append_marker(buf);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "Setup" steps of 10 ms with a check between each, as launch.c does. */
static void fake_setup(int ms, const char *ready)
{
	int64_t end = now_ms() + ms;

	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
	}
	while (now_ms() < end) {
		struct timespec step = { 0, 10 * 1000000 };

		nanosleep(&step, NULL);
		cleanup_check_signal();
	}
}

int main(int argc, char **argv)
{
	const char *ready = NULL;
	int opt, setup_ms = 0, status = 1, sig = 0, r;
	char buf[64];

	while ((opt = getopt(argc, argv, "+m:p:s:r:t:n")) != -1) {
		switch (opt) {
		case 'm': marker = optarg; break;
		case 'p': pidfile = optarg; break;
		case 's': setup_ms = atoi(optarg); break;
		case 'r': ready = optarg; break;
		case 't': supervise_set_kill_timeout(atoi(optarg)); break;
		case 'n': supervise_set_no_pidfd(true); break;
		default: return 2;
		}
	}
	if (!marker || optind >= argc) {
		fprintf(stderr, "usage: supervise-probe -m MARKER [...] -- ARGV...\n");
		return 2;
	}
	r = cleanup_init();
	if (r < 0 || cleanup_add_hook(hook, NULL) < 0) {
		fprintf(stderr, "supervise-probe: cleanup: %s\n", strerror(-r));
		return 1;
	}
	if (setup_ms > 0)
		fake_setup(setup_ms, ready);
	cleanup_check_signal();
	r = supervise_run(argv + optind, &status, &sig);
	if (r < 0) {
		snprintf(buf, sizeof(buf), "supervise_run=%d\n", r);
		append_marker(buf);
		status = 1;
	}
	if (sig)
		cleanup_die(sig);
	cleanup_run();
	return status;
}
