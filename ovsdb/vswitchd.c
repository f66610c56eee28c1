/* vswitchd.c: whether the ovs-vswitchd that serves a database is busy,
 * read from /proc: the wait for cur_cfg (txn.c) tells a daemon working
 * through a long reconfiguration (running, or blocked in the kernel behind
 * other processes' rtnl work) from one that is idle, stopped or gone. */
#include "xkovs-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUSY_SAMPLES 5
#define BUSY_SAMPLE_GAP_NS (20 * 1000 * 1000)

/* Reads at most size-1 bytes of 'path' into buf, NUL-terminated.  Returns
 * the length or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {	/* a FIFO would block */
		close(fd);
		return -EINVAL;
	}
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

pid_t xkovs_vswitchd_pid(const char *remote)
{
	char path[4096], buf[64], *end;
	const char *sock, *slash;
	long pid;

	if (!remote || strncmp(remote, "unix:", 5) || strchr(remote, ','))
		return -ENOENT;
	sock = remote + 5;
	slash = strrchr(sock, '/');
	if (!slash || snprintf(path, sizeof(path), "%.*s/ovs-vswitchd.pid",
			       (int)(slash - sock), sock) >= (int)sizeof(path))
		return -ENOENT;
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	errno = 0;
	pid = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || pid <= 0 || pid > 4194304)
		return -ENOENT;
	/* A stale pidfile's number may be another process's now. */
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 || strcmp(buf, "ovs-vswitchd\n"))
		return -ENOENT;
	return (pid_t)pid;
}

/* The state letter of pid's main thread ('R', 'D', 'S', ...), or 0. */
static char main_thread_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');	/* the name may hold anything */
	return p && p[1] == ' ' ? p[2] : 0;
}

bool xkovs_vswitchd_busy(pid_t pid)
{
	for (int i = 0; i < BUSY_SAMPLES; i++) {
		char st = main_thread_state(pid);

		if (st == 'R' || st == 'D')
			return true;
		if (!st)
			return false;	/* gone */
		if (i + 1 < BUSY_SAMPLES)
			nanosleep(&(struct timespec){ 0, BUSY_SAMPLE_GAP_NS }, NULL);
	}
	return false;
}
