#include "plan/firmware.h"

#include "base/errmsg.h"
#include "base/fs.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>


#define PFLASH "if=pflash,format=raw"

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static char *path_join(const char *dir, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

int firmware_resolve(const char *bios, bool uefi, const char *nvram, struct firmware *fw)
{
	const char *dir = getenv("XKVM_OVMF_DIR");
	char *code = NULL, *vars = NULL, *joined = NULL;
	struct utsname u;
	bool aarch64, split = false;
	int ret = -ENOMEM;

	memset(fw, 0, sizeof(*fw));
	if (bios && uefi)
		return -EINVAL;
	if (bios) {
		fw->bios = strdup(bios);
		return fw->bios ? 0 : -ENOMEM;
	}
	if (!uefi)
		return 0;
	if (!dir || !*dir)
		dir = "/usr/share";
	aarch64 = uname(&u) == 0 && !strcmp(u.machine, "aarch64");
	code = path_join(dir, aarch64 ? "AAVMF/AAVMF_CODE.fd" : "OVMF/OVMF_CODE.fd");
	vars = path_join(dir, aarch64 ? "AAVMF/AAVMF_VARS.fd" : "OVMF/OVMF_VARS.fd");
	joined = path_join(dir, "ovmf/OVMF.fd");
	if (!code || !vars || !joined)
		goto out;
	if (exists(code) || exists(vars)) {
		split = true;
		fw->nvram_src = vars;
		vars = NULL;
	} else if (!aarch64 && exists(joined)) {
		fw->nvram_src = joined;
		joined = NULL;
	} else if (nvram && *nvram && exists(nvram)) {
		fw->guessed = true;
	} else {
		ret = -ENOENT;
		goto out;
	}
	if (nvram && *nvram) {
		if (!(fw->nvram = strdup(nvram)))
			goto out;
		fw->copy = !fs_is_regular(nvram);
		if (fw->copy && !fw->nvram_src) {
			ret = -ENOENT;
			goto out;
		}
	} else {
		fw->no_persist = true;
		if (!(fw->nvram = strdup(fw->nvram_src)))
			goto out;
	}
	if (fw->copy)	/* a copy we make is writable, made or not */
		fw->readonly = false;
	else
		fw->readonly = faccessat(AT_FDCWD, fw->nvram, W_OK, AT_EACCESS) != 0;
	if (split) {
		fw->code = code;
		code = NULL;
	}
	ret = 0;
out:
	free(code);
	free(vars);
	free(joined);
	if (ret < 0)
		firmware_release(fw);
	return ret;
}

int firmware_check_copy(const struct firmware *fw)
{
	char *dir;
	int ret = 0;

	if (!fw->copy)
		return 0;
	if (access(fw->nvram_src, R_OK) < 0)
		return -errno;
	dir = strdup(fw->nvram);
	if (!dir)
		return -ENOMEM;
	if (access(dirname(dir), W_OK | X_OK) < 0)
		ret = -errno;
	free(dir);
	return ret;
}

static bool trusted_uid(uid_t uid, uid_t invoker)
{
	return uid == 0 || uid == invoker;
}

/* The StrictModes rule for directory 'dir' holding 'child' (NULL: not yet
 * there, made later with O_EXCL): 'dir' is root's or the invoker's, and
 * writable by no one else, unless it is sticky (/tmp) and 'child' is
 * absent or root's or the invoker's (no one else may rename or remove it). */
static int check_dir(const char *path, const char *dir, const struct stat *d,
		     const struct stat *child, uid_t invoker, char **err)
{
	if (!S_ISDIR(d->st_mode))
		return errmsg_code(err, -ENOTDIR, "refusing --uefi-nvram '%s': '%s' is no directory",
				   path, dir);
	if (!trusted_uid(d->st_uid, invoker))
		return errmsg_code(err, -EPERM, "refusing --uefi-nvram '%s': directory '%s' belongs "
				   "to uid %u (as root, it must be root's or yours)", path, dir,
				   (unsigned)d->st_uid);
	if ((d->st_mode & (S_IWGRP | S_IWOTH)) &&
	    !((d->st_mode & S_ISVTX) && (!child || trusted_uid(child->st_uid, invoker))))
		return errmsg_code(err, -EPERM, "refusing --uefi-nvram '%s': directory '%s' is "
				   "writable by other users (as root, use a directory only you "
				   "can write)", path, dir);
	return 0;
}

int firmware_check_trust(const struct firmware *fw, const char *given, uid_t invoker,
			 char **err)
{
	char *abs = NULL, *real = NULL, *p;
	struct stat st, file, below;
	const struct stat *child;
	bool exists;
	int ret = -ENOMEM;

	*err = NULL;
	if (!fw->nvram || fw->no_persist || !given)
		return 0;	/* the system's template, with snapshot=on */
	if (given[0] == '/') {
		abs = strdup(given);
	} else {
		char *cwd = getcwd(NULL, 0);

		if (cwd && asprintf(&abs, "%s/%s", cwd, given) < 0)
			abs = NULL;
		free(cwd);
	}
	if (!abs)
		goto out;
	/* No symbolic link on the way that someone else could turn, and
	 * none at the end: qemu (root) opens the path again later. */
	for (p = abs + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (lstat(abs, &st) == 0 && S_ISLNK(st.st_mode) &&
		    (!c || !trusted_uid(st.st_uid, invoker))) {
			ret = errmsg_code(err, -ELOOP, "refusing --uefi-nvram '%s': '%s' is a "
					  "symbolic link%s", given, abs, c ? " of another user" : "");
			goto out;
		}
		*p = c;
		if (!c)
			break;
	}
	exists = lstat(abs, &file) == 0;
	if (exists && (!S_ISREG(file.st_mode) || !trusted_uid(file.st_uid, invoker) ||
		       file.st_nlink != 1)) {
		ret = errmsg_code(err, -EPERM, "refusing --uefi-nvram '%s': %s", given,
				  !S_ISREG(file.st_mode) ? "not a regular file" :
				  file.st_nlink != 1 ? "it has other hard links" :
				  "it belongs to another user (as root, it must be root's or yours)");
		goto out;
	}
	/* Every directory from the file up to '/', as resolved. */
	p = strrchr(abs, '/');
	*p = '\0';
	real = realpath(*abs ? abs : "/", NULL);
	if (!real && (errno == ENOENT || errno == ENOTDIR)) {
		ret = 0;	/* no directory: the copy fails, firmware_check_copy() says why */
		goto out;
	}
	if (!real) {
		ret = -errno;
		ret = errmsg_code(err, ret, "refusing --uefi-nvram '%s': %s", given,
				  strerror(-ret));
		goto out;
	}
	child = exists ? &file : NULL;
	for (;;) {
		if (stat(real, &st) < 0) {
			ret = -errno;
			ret = errmsg_code(err, ret, "refusing --uefi-nvram '%s': cannot look at "
					  "'%s': %s", given, real, strerror(-ret));
			goto out;
		}
		ret = check_dir(given, real, &st, child, invoker, err);
		if (ret < 0)
			goto out;
		if (!strcmp(real, "/"))
			break;
		below = st;
		child = &below;
		p = strrchr(real, '/');
		if (p == real)
			p[1] = '\0';	/* "/x" -> "/" */
		else
			*p = '\0';
	}
	ret = 0;
out:
	free(abs);
	free(real);
	return ret;
}

int firmware_copy_nvram(const struct firmware *fw)
{
	int in = -1, out = -1, ret = 0;
	char buf[65536];

	if (!fw->copy)
		return 0;
	in = open(fw->nvram_src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	/* Never through a link (O_EXCL fails on one anyway), only ours to read:
	 * UEFI variables may hold secrets. */
	out = open(fw->nvram, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf)), off = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		while (off < n) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				ret = -errno;
				break;
			}
			off += w;
		}
		if (ret < 0)
			break;
	}
	if (close(out) < 0 && ret == 0)
		ret = -errno;
	out = -1;
	if (ret < 0)
		unlink(fw->nvram);
out:
	if (in >= 0)
		close(in);
	return ret;
}

int firmware_argv(const struct firmware *fw, struct strv *argv)
{
	if (fw->bios)
		return strv_push(argv, "-drive") < 0 ||
		       strv_pushf(argv, PFLASH ",file=%s", fw->bios) < 0 ? -ENOMEM : 0;
	if (!fw->nvram)
		return 0;
	if (fw->code && (strv_push(argv, "-drive") < 0 ||
			 strv_pushf(argv, PFLASH ",file=%s,readonly=on", fw->code) < 0))
		return -ENOMEM;
	/* Without --uefi-nvram the vars drive is the system's template: the
	 * reference let a root guest write into it; snapshot=on keeps the
	 * guest's writes in a temporary overlay. */
	if (strv_push(argv, "-drive") < 0 ||
	    strv_pushf(argv, PFLASH ",file=%s%s", fw->nvram,
		       fw->readonly ? ",readonly=on" : fw->no_persist ? ",snapshot=on" : "") < 0)
		return -ENOMEM;
	return 0;
}

void firmware_release(struct firmware *fw)
{
	if (!fw)
		return;
	free(fw->code);
	free(fw->nvram);
	free(fw->nvram_src);
	free(fw->bios);
	memset(fw, 0, sizeof(*fw));
}
