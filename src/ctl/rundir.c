#include "ctl/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/xkvm.h"

#define BUSY_TRIES 100	/* a name's lock found held: tries, BUSY_US apart */
#define BUSY_US 2000

bool ctl_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > CTL_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_.-") == n;
}

void ctl_paths_release(struct ctl_paths *p)
{
	if (!p)
		return;
	free(p->dir);
	free(p->lock);
	free(p->sock);
	free(p->qmp);
	memset(p, 0, sizeof(*p));
}

static bool fits_unix(const char *path)
{
	return strlen(path) < sizeof(((struct sockaddr_un *)0)->sun_path);
}

/* The caller's run directory into *dir (owned): 0, -ENOENT (a user
 * without $XDG_RUNTIME_DIR) or -ENOMEM. */
static int run_dir(char **dir)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *own = getenv("XKVM_RUN_DIR");

	if (own && own[0] == '/') {
		*dir = strdup(own);
	} else if (geteuid() == 0) {
		*dir = strdup(XKVM_ROOT_RUN_DIR);
	} else {
		if (!xdg || xdg[0] != '/')
			return -ENOENT;
		if (asprintf(dir, "%s/xkvm", xdg) < 0)
			*dir = NULL;
	}
	return *dir ? 0 : -ENOMEM;
}

int ctl_paths_get(const char *name, struct ctl_paths *p)
{
	int ret;

	memset(p, 0, sizeof(*p));
	if (name && strchr(name, '/')) {
		if (!fits_unix(name))
			return -ENAMETOOLONG;
		p->sock = strdup(name);
		return p->sock ? 0 : -ENOMEM;
	}
	if (!ctl_name_valid(name))
		return -EINVAL;
	ret = run_dir(&p->dir);
	if (ret < 0)
		return ret;
	if (asprintf(&p->lock, "%s/%s.lock", p->dir, name) < 0 ||
	    asprintf(&p->sock, "%s/%s.sock", p->dir, name) < 0 ||
	    asprintf(&p->qmp, "%s/%s.qmp", p->dir, name) < 0)
		return -ENOMEM;
	if (!fits_unix(p->sock) || !fits_unix(p->qmp))
		return -ENAMETOOLONG;
	return 0;
}

/* 0 when 'dir' is a directory of this euid without group or other access
 * (not a symlink), -EPERM when it is not, or -errno. */
static int rundir_check(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return -EPERM;
	return 0;
}

int ctl_rundir_make(const struct ctl_paths *p)
{
	if (mkdir(p->dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return rundir_check(p->dir);
}

/* ctl_name_lock(), or with 'reaping' the reaper's take of a name: no
 * file made (-ENOENT when there is none), no directory made, no patience
 * with a holder (-EADDRINUSE at once). */
static int name_lock(const struct ctl_paths *p, int *fd, bool reaping)
{
	for (int tries = 0; tries < 100; tries++) {
		struct stat held, now;
		int f, ret;

		f = open(p->lock, O_RDWR | (reaping ? 0 : O_CREAT) | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (f < 0 && errno == ENOENT && p->dir && !reaping) {
			/* The last launch removed the empty directory. */
			ret = ctl_rundir_make(p);
			if (ret < 0)
				return ret;
			continue;
		}
		if (f < 0)
			return -errno;
		/* A live launch holds its lock for its whole life; a reaper
		 * for the moment of removing a dead one's files: a little
		 * patience tells the two apart. */
		for (int i = 0; (ret = flock(f, LOCK_EX | LOCK_NB)) < 0 && errno == EWOULDBLOCK &&
				!reaping && i < BUSY_TRIES; i++)
			usleep(BUSY_US);
		if (ret < 0) {
			ret = errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
			close(f);
			return ret;
		}
		/* The holder before us may have unlinked the file after we
		 * opened it: our lock would then be on a dead inode. */
		if (fstat(f, &held) == 0 && stat(p->lock, &now) == 0 &&
		    held.st_dev == now.st_dev && held.st_ino == now.st_ino) {
			*fd = f;
			return 0;
		}
		close(f);
	}
	return -EAGAIN;
}

int ctl_name_lock(const struct ctl_paths *p, int *fd)
{
	return name_lock(p, fd, false);
}

void ctl_name_unlink(const struct ctl_paths *p)
{
	if (p->sock)
		unlink(p->sock);
	if (p->qmp)
		unlink(p->qmp);
	if (p->lock)
		unlink(p->lock);
	if (p->dir)
		rmdir(p->dir);	/* only when no other launch uses it */
}

/* When 'file' is NAME.lock for a valid NAME, copies NAME into 'name'
 * (CTL_NAME_MAX + 1 bytes) and returns true. */
static bool lock_file_name(const char *file, char *name)
{
	size_t n = strlen(file);

	if (n <= 5 || n - 5 > CTL_NAME_MAX || strcmp(file + n - 5, ".lock") != 0)
		return false;
	memcpy(name, file, n - 5);
	name[n - 5] = '\0';
	return ctl_name_valid(name);
}

int ctl_names_reap(void (*removed)(const char *name, void *arg), void *arg)
{
	struct dirent *e;
	char *dir = NULL;
	DIR *d = NULL;
	int ret, n = 0;

	ret = run_dir(&dir);
	if (ret == 0)
		ret = rundir_check(dir);
	if (ret == -ENOENT) {
		ret = 0;	/* no run directory: nothing was left */
		goto out;
	}
	if (ret < 0)
		goto out;
	d = opendir(dir);
	if (!d) {
		ret = errno == ENOENT ? 0 : -errno;
		goto out;
	}
	while ((e = readdir(d))) {
		char name[CTL_NAME_MAX + 1];
		struct ctl_paths p;
		int fd = -1, r;

		if (!lock_file_name(e->d_name, name))
			continue;
		r = ctl_paths_get(name, &p);
		if (r == 0)
			r = name_lock(&p, &fd, true);
		if (r == 0) {
			/* Ours now: the launch that held it is dead. */
			ctl_name_unlink(&p);
			close(fd);
			n++;
			if (removed)
				removed(name, arg);
		} else if (r != -EADDRINUSE && r != -ENOENT && r != -ENAMETOOLONG && ret == 0) {
			ret = r;	/* go on with the others; say the first */
		}
		ctl_paths_release(&p);
	}
out:
	if (d)
		closedir(d);
	free(dir);
	return ret < 0 ? ret : n;
}
