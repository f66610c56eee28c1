#include "ctl/rundir.h"

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

int ctl_paths_get(const char *name, struct ctl_paths *p)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *own = getenv("XKVM_RUN_DIR");

	memset(p, 0, sizeof(*p));
	if (name && strchr(name, '/')) {
		if (!fits_unix(name))
			return -ENAMETOOLONG;
		p->sock = strdup(name);
		return p->sock ? 0 : -ENOMEM;
	}
	if (!ctl_name_valid(name))
		return -EINVAL;
	if (own && own[0] == '/') {
		p->dir = strdup(own);
	} else if (geteuid() == 0) {
		p->dir = strdup(XKVM_ROOT_RUN_DIR);
	} else {
		if (!xdg || xdg[0] != '/')
			return -ENOENT;
		if (asprintf(&p->dir, "%s/xkvm", xdg) < 0)
			p->dir = NULL;
	}
	if (!p->dir || asprintf(&p->lock, "%s/%s.lock", p->dir, name) < 0 ||
	    asprintf(&p->sock, "%s/%s.sock", p->dir, name) < 0 ||
	    asprintf(&p->qmp, "%s/%s.qmp", p->dir, name) < 0)
		return -ENOMEM;
	if (!fits_unix(p->sock) || !fits_unix(p->qmp))
		return -ENAMETOOLONG;
	return 0;
}

int ctl_rundir_make(const struct ctl_paths *p)
{
	struct stat st;

	if (mkdir(p->dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(p->dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return -EPERM;
	return 0;
}

int ctl_name_lock(const struct ctl_paths *p, int *fd)
{
	for (int tries = 0; tries < 100; tries++) {
		struct stat held, now;
		int f, ret;

		f = open(p->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (f < 0 && errno == ENOENT && p->dir) {
			/* The last launch removed the empty directory. */
			ret = ctl_rundir_make(p);
			if (ret < 0)
				return ret;
			continue;
		}
		if (f < 0)
			return -errno;
		if (flock(f, LOCK_EX | LOCK_NB) < 0) {
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
