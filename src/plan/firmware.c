#include "plan/firmware.h"

#include "base/fs.h"

#include <errno.h>
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

int firmware_copy_nvram(const struct firmware *fw)
{
	int in = -1, out = -1, ret = 0;
	char buf[65536];

	if (!fw->copy)
		return 0;
	in = open(fw->nvram_src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(fw->nvram, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
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
