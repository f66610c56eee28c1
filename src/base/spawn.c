#include "base/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Reads 'fd' to its end into *buf.  Returns 0 or -ENOMEM (after draining). */
static int slurp(int fd, char **buf)
{
	size_t len = 0, cap = 0;
	char *b = NULL;
	int ret = 0;

	for (;;) {
		char scratch[4096];
		ssize_t r;

		if (ret == 0 && cap - len < 4096) {
			char *nb = realloc(b, cap + 65536);

			if (nb) {
				b = nb;
				cap += 65536;
			} else {
				ret = -ENOMEM;	/* keep draining: never block the child */
			}
		}
		r = ret < 0 ? read(fd, scratch, sizeof(scratch)) : read(fd, b + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (ret == 0)
			len += (size_t)r;
	}
	if (ret < 0) {
		free(b);
		return ret;
	}
	b[len] = '\0';
	*buf = b;
	return 0;
}

/* spawn_run(), and with 'out_fd' >= 0 the child's stdout on it. */
static int run(char *const argv[], unsigned flags, int out_fd, char **out)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int pipefd[2] = { -1, -1 }, ret, status;
	char *buf = NULL;
	sigset_t none, all;
	pid_t pid;

	if (out && pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	/* Each of these fails only out of memory (posix_spawn(3)); the
	 * child must not run with its output on ours then. */
	if (posix_spawnattr_setsigmask(&attr, &none) ||
	    posix_spawnattr_setsigdefault(&attr, &all) ||
	    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) ||
	    ((flags & SPAWN_NO_STDIN) &&
	     posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0)) ||
	    (out && posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO)) ||
	    (out_fd >= 0 && posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO)) ||
	    (out && (flags & SPAWN_STDERR) &&
	     posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO)))
		ret = -ENOMEM;
	else
		ret = -posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (out)
		close(pipefd[1]);
	if (ret < 0)
		goto out;
	if (out)
		ret = slurp(pipefd[0], &buf);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			ret = -errno;
			goto out;
		}
	if (ret == 0)
		ret = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	if (ret >= 0 && out) {
		*out = buf;
		buf = NULL;
	}
out:
	free(buf);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	return ret;
}

int spawn_run(char *const argv[], unsigned flags, char **out)
{
	return run(argv, flags, -1, out);
}

int spawn_run_to(char *const argv[], unsigned flags, int out_fd)
{
	return run(argv, flags & ~SPAWN_STDERR, out_fd, NULL);
}
