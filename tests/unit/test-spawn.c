/* spawn_run (base/spawn.h): exit statuses, signals, output with and
 * without stderr, stdin from /dev/null, default signal dispositions and an
 * empty mask in the child, a program that cannot run, and a big output
 * read to its end. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/spawn.h"

static int sh(const char *script, unsigned flags, char **out)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };

	return spawn_run(argv, flags, out);
}

int main(void)
{
	char *out = NULL;
	sigset_t block;

	CHECK_INT(0, sh("exit 0", 0, NULL));
	CHECK_INT(3, sh("exit 3", 0, NULL));
	CHECK_INT(128 + SIGTERM, sh("kill -TERM $$", 0, NULL));

	CHECK_INT(0, sh("echo out; echo err >&2", 0, &out));
	CHECK_STR("out\n", out);
	free(out);
	CHECK_INT(0, sh("echo out; echo err >&2", SPAWN_STDERR, &out));
	CHECK_STR("out\nerr\n", out);
	free(out);
	CHECK_INT(0, sh("exit 0", 0, &out));
	CHECK_STR("", out);
	free(out);

	/* stdin: /dev/null with the flag (read gets EOF at once) */
	CHECK_INT(0, sh("cat; echo end", SPAWN_NO_STDIN, &out));
	CHECK_STR("end\n", out);
	free(out);

	/* The child starts with default dispositions and an empty mask,
	 * whatever the parent has: an ignored, blocked SIGTERM kills it. */
	signal(SIGTERM, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	CHECK_INT(128 + SIGTERM, sh("kill -TERM $$; exit 9", 0, NULL));
	/* ... and no standard signal (1..31) blocked or ignored in what it
	 * runs (libc's own real-time signals may stay ignored) */
	{
		char *argv[] = { "cat", "/proc/self/status", NULL };
		unsigned long long blk = 1, ign = 1;
		const char *p;

		CHECK_INT(0, spawn_run(argv, 0, &out));
		if ((p = strstr(out, "\nSigBlk:")))
			blk = strtoull(p + 8, NULL, 16);
		if ((p = strstr(out, "\nSigIgn:")))
			ign = strtoull(p + 8, NULL, 16);
		CHECK_INT(0, blk & 0x7fffffffULL);	/* bit N-1: signal N */
		CHECK_INT(0, ign & 0x7fffffffULL);
		free(out);
	}
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	signal(SIGTERM, SIG_DFL);

	/* A program that cannot run: -errno, *out untouched */
	{
		char *argv[] = { "/nonexistent/prog", NULL };

		int r;

		out = (char *)"keep";
		r = spawn_run(argv, 0, &out);
		if (r == 127) {	/* a libc that cannot report exec failures (valgrind) */
			CHECK_STR("", out);
			free(out);
		} else {
			CHECK_INT(-ENOENT, r);
			CHECK_STR("keep", out);
		}
	}

	/* A big output (4 MiB) is read to its end: the child never blocks. */
	CHECK_INT(0, sh("head -c 4194304 /dev/zero | tr '\\0' x", 0, &out));
	CHECK_INT(4194304, strlen(out));
	CHECK(out[0] == 'x' && out[4194303] == 'x');
	free(out);
	return check_summary("test-spawn");
}
