#include "net/vhostdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREFIX "vhost."
#define SOCK_NAME_MAX sizeof("net4294967295.sock")

int vhostdir_root(char **out)
{
	const char *env = getenv("XKVM_RUNDIR"), *xdg = getenv("XDG_RUNTIME_DIR");
	int r;

	if (env && *env)
		r = asprintf(out, "%s", env);
	else if (geteuid() == 0)
		r = asprintf(out, "/run/xkvm");
	else if (xdg && *xdg == '/')
		r = asprintf(out, "%s/xkvm", xdg);
	else {
		char dir[64];

		snprintf(dir, sizeof(dir), "/run/user/%u", (unsigned)geteuid());
		if (access(dir, W_OK | X_OK) < 0)
			return -ENOENT;
		r = asprintf(out, "%s/xkvm", dir);
	}
	if (r < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int vhostdir_make(pid_t pid, char **out)
{
	char *root = NULL, *dir = NULL;
	int ret = vhostdir_root(&root);

	if (ret < 0)
		goto out;
	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		ret = -errno;
		goto out;
	}
	if (asprintf(&dir, "%s/" PREFIX "%d.XXXXXX", root, (int)pid) < 0) {
		dir = NULL;
		ret = -ENOMEM;
		goto out;
	}
	if (strlen(dir) + 1 + SOCK_NAME_MAX - 1 > VHOSTDIR_SOCK_MAX || strchr(dir, ',')) {
		/* ',' would end the path in qemu's -chardev and on the wire */
		ret = strchr(dir, ',') ? -EINVAL : -ENAMETOOLONG;
		goto out;
	}
	if (!mkdtemp(dir)) {	/* 0700, new: nothing stale in it */
		ret = -errno;
		goto out;
	}
	*out = dir;
	dir = NULL;
	ret = 0;
out:
	free(root);
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
