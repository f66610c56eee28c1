#include "ctl/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/rundir.h"
#include "base/xkvm.h"

#define WAIT_TRIES 1000	/* a name's lock held by no launch: tries, WAIT_US apart */
#define WAIT_US 2000

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
	ret = rundir_get(&p->dir);
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

/* The pid of the launch holding the lock file open as 'f', or 0: a
 * launch writes its pid there once it holds the lock, a reaper empties
 * it.  A pid that names no process (another pid namespace, a launch
 * killed and its file just taken by a reaper) counts as no launch. */
static pid_t launch_pid(int f)
{
	char buf[24], *end;
	ssize_t n = pread(f, buf, sizeof(buf) - 1, 0);
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || *end != '\n' || pid <= 0 || pid > INT_MAX)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM ? (pid_t)pid : 0;
}

/* Whether the file open as 'f' is a regular file of this euid (a lock
 * file a launch of ours made). */
static bool own_regular(int f)
{
	struct stat st;

	return fstat(f, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid();
}

/* ctl_name_lock(), or with 'reaping' the reaper's take of a name: no
 * file made and nothing but our own regular file taken (-ENOENT: none
 * such), no directory made, no patience with a holder (-EADDRINUSE at
 * once), and the file emptied once ours (whoever waits knows it is no
 * launch). */
static int name_lock(const struct ctl_paths *p, int *fd, bool reaping)
{
	for (int tries = 0; tries < 100; tries++) {
		struct stat held, now;
		int f, ret;

		f = open(p->lock, reaping ? O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW
					  : O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (f < 0 && errno == ENOENT && p->dir && !reaping) {
			/* The last launch removed the empty directory. */
			ret = ctl_rundir_make(p);
			if (ret < 0)
				return ret;
			continue;
		}
		if (f < 0)	/* a symlink, socket, directory: no lock of ours */
			return reaping && (errno == ELOOP || errno == ENXIO || errno == EISDIR ||
					   errno == EACCES) ? -ENOENT : -errno;
		if (reaping && !own_regular(f)) {
			close(f);
			return -ENOENT;
		}
		/* A live launch holds its lock for its whole life and says so
		 * in the file; any other holder (a reaper removing a dead
		 * launch's files, a launch in its first moments) is waited
		 * for, within a bound.  A live pid is believed when seen on
		 * two tries in a row: a reaper empties the file it took just
		 * after taking it, and the dead launch's pid may name another
		 * process by then. */
		for (int i = 0, live = 0;; i++) {
			if (flock(f, LOCK_EX | LOCK_NB) == 0) {
				ret = 0;
				break;
			}
			ret = errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
			if (ret != -EADDRINUSE || reaping || i >= WAIT_TRIES)
				break;
			live = launch_pid(f) ? live + 1 : 0;
			if (live >= 2)
				break;
			usleep(WAIT_US);
		}
		if (ret < 0) {
			close(f);
			return ret;
		}
		/* The holder before us may have unlinked the file after we
		 * opened it: our lock would then be on a dead inode. */
		if (fstat(f, &held) == 0 && stat(p->lock, &now) == 0 &&
		    held.st_dev == now.st_dev && held.st_ino == now.st_ino) {
			char pid[24];
			int len = reaping ? 0 : snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
			int r = ftruncate(f, 0);

			/* A pid not written reads as none: a waiter waits out
			 * its bound, no harm. */
			if (r == 0 && len > 0 && pwrite(f, pid, (size_t)len, 0) != len)
				r = ftruncate(f, 0);
			(void)r;
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
	/* Only when no other launch uses it; never root's /run/xkvm, where
	 * others keep files (locks, vhost-user directories). */
	if (p->dir && strcmp(p->dir, XKVM_ROOT_RUN_DIR) != 0)
		rmdir(p->dir);
}

/* Opens the caller's run directory for reading: stores its path (owned)
 * in *dir and the stream in *d.  Returns 0 (*d NULL when there is none,
 * or none for this user), -EPERM when it is not private as
 * ctl_rundir_make() wants (no launch could have used it), or -errno. */
static int open_run_dir(char **dir, DIR **d)
{
	int ret = rundir_get(dir);

	*d = NULL;
	if (ret == 0)
		ret = rundir_check(*dir);
	if (ret == 0) {
		*d = opendir(*dir);
		if (!*d)
			ret = -errno;
	}
	return ret == -ENOENT ? 0 : ret;
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

	ret = open_run_dir(&dir, &d);
	while (d && (e = readdir(d))) {
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
	if (d)
		closedir(d);
	free(dir);
	return ret < 0 ? ret : n;
}

struct running {
	char name[CTL_NAME_MAX + 1];
	pid_t pid;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct running *)a)->name, ((const struct running *)b)->name);
}

/* Stores in *pid the live launch holding the lock file 'path', or 0
 * (free: a dead launch's; held by no launch: a reaper, a launch
 * starting).  The same live pid must be seen twice, WAIT_US apart (as
 * name_lock() believes it).  Returns 0 or -errno. */
static int running_pid(const char *path, pid_t *pid)
{
	int f = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	pid_t first;

	*pid = 0;
	if (f < 0)	/* gone, a symlink, a socket: no launch */
		return errno == ENOENT || errno == ELOOP || errno == ENXIO ? 0 : -errno;
	if (own_regular(f) && flock(f, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK &&
	    (first = launch_pid(f))) {
		usleep(WAIT_US);
		if (flock(f, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK &&
		    launch_pid(f) == first)
			*pid = first;
	}
	close(f);	/* a shared lock we took goes with it */
	return 0;
}

int ctl_names_running(void (*found)(const char *name, pid_t pid, void *arg), void *arg)
{
	struct running *v = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *e;
	char *dir = NULL;
	DIR *d = NULL;
	int ret;

	ret = open_run_dir(&dir, &d);
	if (ret < 0)
		goto out;
	while (d && (e = readdir(d))) {
		char name[CTL_NAME_MAX + 1], *path;
		pid_t pid;
		int r;

		if (!lock_file_name(e->d_name, name))
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
			ret = -ENOMEM;
			goto out;
		}
		r = running_pid(path, &pid);
		free(path);
		if (r < 0 && ret == 0)
			ret = r;	/* go on with the others; say the first */
		if (!pid)
			continue;
		if (n == alloc) {
			struct running *nv = reallocarray(v, alloc ? alloc * 2 : 8, sizeof(*v));

			if (!nv) {
				ret = -ENOMEM;
				goto out;
			}
			v = nv;
			alloc = alloc ? alloc * 2 : 8;
		}
		memcpy(v[n].name, name, sizeof(name));
		v[n++].pid = pid;
	}
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	for (size_t i = 0; i < n; i++)
		found(v[i].name, v[i].pid, arg);
	if (ret == 0)
		ret = (int)n;
out:
	if (d)
		closedir(d);
	free(dir);
	free(v);
	return ret;
}
