#include "net/vhostdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/rundir.h"
#include "base/xkvm.h"
#include "net/owner.h"

#define PREFIX "vhost."
#define SOCK_NAME_MAX sizeof("net4294967295.sock")

int vhostdir_template(char **out)
{
	char *root = NULL, *dir = NULL;
	unsigned long long start, pidns;
	int ret = rundir_get(&root);

	if (ret == 0)
		ret = owner_start_time(getpid(), &start);
	if (ret == 0)
		ret = owner_pidns(0, &pidns);
	if (ret < 0)
		goto out;
	if (asprintf(&dir, "%s/" PREFIX "%d.%llu.%llu.XXXXXX", root, (int)getpid(), start,
		     pidns) < 0) {
		dir = NULL;
		ret = -ENOMEM;
		goto out;
	}
	if (strchr(dir, ',')) {
		ret = -EINVAL;	/* ',' would end the path in -chardev and on the wire */
		goto out;
	}
	if (strlen(dir) + 1 + SOCK_NAME_MAX - 1 > VHOSTDIR_SOCK_MAX) {
		ret = -ENAMETOOLONG;
		goto out;
	}
	*out = dir;
	dir = NULL;
out:
	free(root);
	free(dir);
	return ret;
}

int vhostdir_make(char **out)
{
	char *dir = NULL, *slash;
	int ret = -EAGAIN;

	/* The run directory may go between its mkdir and the mkdtemp (a
	 * named launch's teardown removes an empty one): make it again. */
	for (int tries = 0; ret == -EAGAIN && tries < 100; tries++) {
		free(dir);
		dir = NULL;
		ret = vhostdir_template(&dir);
		if (ret < 0)
			break;
		slash = strrchr(dir, '/');
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			ret = -errno;
			break;
		}
		*slash = '/';
		if (mkdtemp(dir))	/* 0700, new: nothing stale in it */
			ret = 0;
		else
			ret = errno == ENOENT ? -EAGAIN : -errno;
	}
	if (ret == 0) {
		*out = dir;
		dir = NULL;
	}
	free(dir);
	return ret;
}

int vhostdir_socket(const char *dir, unsigned index, char **out)
{
	if (asprintf(out, "%s/net%02u.sock", dir, index) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	if (strlen(*out) > VHOSTDIR_SOCK_MAX) {
		free(*out);
		*out = NULL;
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Removes the sockets in the directory open as 'fd' (closes it), then the
 * directory 'path'. */
static int empty_and_remove(int fd, const char *path)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int ret = 0;

	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISSOCK(st.st_mode) && unlinkat(dirfd(d), e->d_name, 0) < 0 && !ret)
			ret = -errno;
	}
	closedir(d);
	if (rmdir(path) < 0 && errno != ENOENT && !ret)
		ret = -errno;
	return ret;
}

int vhostdir_remove(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	return empty_and_remove(fd, dir);
}

/* Splits 'sock' into its directory (stored in *dir, caller frees) and
 * checks that directory is named like a launch directory.  Returns 0,
 * -EINVAL or -ENOMEM. */
static int launch_dir_of(const char *sock, char **dir)
{
	const char *slash = strrchr(sock, '/'), *base;
	char *d;

	if (sock[0] != '/' || !slash || slash == sock || !slash[1])
		return -EINVAL;
	if (strstr(sock, "/./") || strstr(sock, "/../") || strstr(sock, "//"))
		return -EINVAL;
	d = strndup(sock, (size_t)(slash - sock));
	if (!d)
		return -ENOMEM;
	base = strrchr(d, '/') + 1;
	if (strncmp(base, PREFIX, strlen(PREFIX)) || !base[strlen(PREFIX)]) {
		free(d);
		return -EINVAL;
	}
	*dir = d;
	return 0;
}

int vhostdir_check_socket(const char *sock, uid_t uid)
{
	char *dir = NULL;
	struct stat st;
	int ret;

	if (strlen(sock) > VHOSTDIR_SOCK_MAX)
		return -ENAMETOOLONG;
	ret = launch_dir_of(sock, &dir);
	if (ret < 0)
		return ret;
	if (lstat(dir, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 077)) {
		ret = -EPERM;
		goto out;
	}
	if (lstat(sock, &st) == 0)
		ret = -EEXIST;
	else
		ret = errno == ENOENT ? 0 : -errno;
out:
	free(dir);
	return ret;
}

int vhostdir_reap(const char *sock, uid_t uid)
{
	char *dir = NULL;
	struct stat st;
	int fd = -1, ret;

	ret = launch_dir_of(sock, &dir);
	if (ret < 0)
		return ret == -EINVAL ? 0 : ret;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ret = errno == ENOENT || errno == ELOOP || errno == ENOTDIR ? 0 : -errno;
		goto out;
	}
	if (fstat(fd, &st) < 0 || st.st_uid != uid) {
		close(fd);
		ret = 0;	/* not the owner's: leave it */
		goto out;
	}
	ret = empty_and_remove(fd, dir);
	if (ret == 0)
		ret = 1;
out:
	free(dir);
	return ret;
}

/* Whether the owner a launch directory's name gives is gone: 1 gone, 0
 * alive, another pid namespace's, or not such a name. */
static int orphan_name(const char *name, unsigned long long my_pidns)
{
	unsigned long long start, pidns, now;
	int pid, len = 0;

	if (sscanf(name, PREFIX "%d.%llu.%llu.%n", &pid, &start, &pidns, &len) != 3 || !len ||
	    strlen(name + len) != 6 || pid <= 0 || pidns != my_pidns)
		return 0;
	if (owner_start_time(pid, &now) == -ENOENT)
		return 1;
	return now != start;
}

/* Whether a socket of referenced[] lies in directory 'dir'. */
static bool referenced_dir(const char *dir, const char *const *referenced, size_t n)
{
	size_t len = strlen(dir);

	for (size_t i = 0; i < n; i++)
		if (referenced[i] && !strncmp(referenced[i], dir, len) && referenced[i][len] == '/')
			return true;
	return false;
}

int vhostdir_reap_orphans(const char *const *referenced, size_t n, size_t *removed)
{
	unsigned long long pidns;
	char *root = NULL;
	struct dirent *e;
	DIR *d = NULL;
	int ret = rundir_get(&root);

	if (ret == -ENOENT)
		return 0;	/* no run directory: nothing to look at */
	if (ret == 0)
		ret = owner_pidns(0, &pidns);
	if (ret < 0)
		goto out;
	d = opendir(root);
	if (!d) {
		ret = errno == ENOENT ? 0 : -errno;
		goto out;
	}
	while ((e = readdir(d))) {
		char *path;

		if (!orphan_name(e->d_name, pidns))
			continue;
		if (asprintf(&path, "%s/%s", root, e->d_name) < 0) {
			ret = -ENOMEM;
			goto out;
		}
		if (!referenced_dir(path, referenced, n) && vhostdir_remove(path) == 0)
			++*removed;
		free(path);
	}
	ret = 0;
out:
	if (d)
		closedir(d);
	free(root);
	return ret;
}
