/* fds.h: descriptor checks shared by unit tests and test helpers. */
#ifndef XKVM_TEST_FDS_H
#define XKVM_TEST_FDS_H

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>

/* Returns how many open descriptors lack FD_CLOEXEC, besides 0-2 (some may
 * come from whoever started us: compare before and after). */
static inline int inheritable_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
			continue;
		if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

#endif
