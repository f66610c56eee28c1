/* scratch.h: a unit test's scratch directory and the files in it. */
#ifndef XKVM_TEST_SCRATCH_H
#define XKVM_TEST_SCRATCH_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char scratch_dir[64];

/* Makes /tmp/xkt-TAG.XXXXXX as scratch_dir.  Returns 0 or -1 (errno). */
static inline int scratch_make(const char *tag)
{
	snprintf(scratch_dir, sizeof(scratch_dir), "/tmp/xkt-%s.XXXXXX", tag);
	return mkdtemp(scratch_dir) ? 0 : -1;
}

/* Returns scratch_dir/NAME in one of four rotating static buffers. */
static inline char *path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", scratch_dir, name);
	return buf[i];
}

/* Writes 'text' to scratch_dir/NAME (made or truncated) with 'mode'. */
static inline void put(const char *name, const char *text, mode_t mode)
{
	int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	CHECK(fd >= 0);
	CHECK_INT((long)strlen(text), write(fd, text, strlen(text)));
	CHECK_INT(0, fchmod(fd, mode));
	close(fd);
}

/* Replaces each scratch_dir in 's' by '@' (messages compare the same
 * whatever the directory's name). */
static inline void scratch_hide(char *s)
{
	size_t n = strlen(scratch_dir);

	for (char *p; (p = strstr(s, scratch_dir));)
		memmove(p + 1, p + n, strlen(p + n) + 1), *p = '@';
}

#endif
