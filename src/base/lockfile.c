#include "base/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRIES 100	/* directories or files removed under us, before giving up */

/* 1 when 'st' is a directory of this euid that no one else can write. */
static int private_dir(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && st->st_uid == geteuid() && !(st->st_mode & 022);
}

int lockfile_take(const char *dir, const char *name, bool wait, int *fd)
{
	char path[PATH_MAX];
	struct stat st, fst;

	*fd = -1;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (int tries = 0; tries < TRIES;) {
		int f, r;

		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		if (lstat(dir, &st) < 0) {
			if (errno != ENOENT)
				return -errno;
			tries++;	/* removed by someone meanwhile */
			continue;
		}
		if (!private_dir(&st))
			return -EPERM;
		f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (f < 0) {
			if (errno != ENOENT)
				return -errno;
			tries++;
			continue;
		}
		while ((r = flock(f, wait ? LOCK_EX : LOCK_EX | LOCK_NB)) < 0 && errno == EINTR)
			;
		if (r < 0) {
			int err = errno;

			close(f);
			return err == EWOULDBLOCK ? 0 : -err;
		}
		/* The holder we waited for removed the file it released: ours
		 * must be the one the name gives now.  Losing that race means
		 * someone else has the lock: not a try spent. */
		if (fstat(f, &fst) == 0 && stat(path, &st) == 0 && st.st_dev == fst.st_dev &&
		    st.st_ino == fst.st_ino) {
			*fd = f;
			return 1;
		}
		close(f);
	}
	return -EAGAIN;
}

void lockfile_release(const char *dir, const char *name, int fd)
{
	char path[PATH_MAX];

	if (fd < 0)
		return;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path))
		unlink(path);	/* still holding it: no one else has this file */
	close(fd);
}

int lockfile_remove_stale(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st, fst;
	int f, r, ret = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (lstat(dir, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!private_dir(&st))
		return -EPERM;
	f = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (f < 0)
		/* gone, a symlink, a socket: no lock file to remove */
		return errno == ENOENT || errno == ELOOP || errno == ENXIO ? 0 : -errno;
	if (fstat(f, &fst) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(fst.st_mode) || fst.st_uid != geteuid())
		goto out;
	while ((r = flock(f, LOCK_EX | LOCK_NB)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		ret = errno == EWOULDBLOCK ? 0 : -errno;
		goto out;
	}
	/* Ours, and still the file the name gives: no one else can hold it. */
	if (stat(path, &st) == 0 && st.st_dev == fst.st_dev && st.st_ino == fst.st_ino) {
		if (unlink(path) < 0)
			ret = errno == ENOENT ? 0 : -errno;
		else
			ret = 1;
	}
out:
	close(f);
	return ret;
}
