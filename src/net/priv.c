#include "net/priv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/owner.h"

/* A decimal id below (id_t)-1, no sign, no blanks.  Returns 0 or -EINVAL. */
static int parse_id(const char *s, unsigned *out)
{
	unsigned long long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v >= 0xffffffffULL)
			return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

int priv_caller_get(struct priv_caller *c)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	struct priv_caller r = { 0 };
	struct passwd pw, *pwp = NULL;
	char buf[4096];
	unsigned v;
	int n = 16, ret = -ENOMEM;

	r.uid = getuid();
	r.gid = getgid();
	if (r.uid == 0 && su && *su) {
		if (parse_id(su, &v) < 0)
			return -EINVAL;
		r.uid = v;
		if (sg && *sg) {
			if (parse_id(sg, &v) < 0)
				return -EINVAL;
			r.gid = v;
		}
		r.sudo = r.uid != 0;
	}
	if (getpwuid_r(r.uid, &pw, buf, sizeof(buf), &pwp) == 0 && pwp) {
		r.name = strdup(pw.pw_name);
		if (!su || !*su || !sg || !*sg)
			r.gid = pw.pw_gid;
	} else if (asprintf(&r.name, "%u", (unsigned)r.uid) < 0) {
		r.name = NULL;
	}
	if (!r.name)
		goto out;
	for (;;) {
		gid_t *g = realloc(r.groups, (size_t)n * sizeof(*g));
		int want = n;

		if (!g)
			goto out;
		r.groups = g;
		if (!pwp) {
			r.groups[0] = r.gid;
			n = 1;
			break;
		}
		if (getgrouplist(pw.pw_name, r.gid, r.groups, &want) >= 0) {
			n = want;
			break;
		}
		if (want <= n || want > 65536)
			goto out;
		n = want;
	}
	r.n_groups = (size_t)n;
	*c = r;
	return 0;
out:
	priv_caller_release(&r);
	return ret;
}

void priv_caller_release(struct priv_caller *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->groups);
	memset(c, 0, sizeof(*c));
}

/* Reads "PPid:" and the real "Uid:" of /proc/PID/status. */
static int read_status(pid_t pid, pid_t *ppid, uid_t *ruid)
{
	char path[64], line[256];
	bool got_ppid = false, got_uid = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		int p;
		unsigned u;

		if (sscanf(line, "PPid: %d", &p) == 1) {
			*ppid = p;
			got_ppid = true;
		} else if (sscanf(line, "Uid: %u", &u) == 1) {
			*ruid = u;
			got_uid = true;
		}
	}
	fclose(f);
	return got_ppid && got_uid ? 0 : -EINVAL;
}

/* Whether 'pid' runs the sudo binary: its executable (which the process
 * cannot forge, unlike its comm) is a set-user-ID root file named sudo. */
static bool runs_sudo(pid_t pid)
{
	char path[64], exe[PATH_MAX];
	const char *base;
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	return !strcmp(base, "sudo") && stat(path, &st) == 0 && st.st_uid == 0 &&
	       (st.st_mode & S_ISUID);
}

int priv_default_owner(pid_t *out)
{
	pid_t pid = getppid();

	/* sudo, then its monitor (use_pty), perhaps sudo run by sudo: a
	 * handful at most; the bound stops a loop on a racing /proc. */
	for (int i = 0; i < 16 && pid > 1 && runs_sudo(pid); i++) {
		uid_t ruid;
		pid_t ppid;
		int ret = read_status(pid, &ppid, &ruid);

		if (ret < 0)
			return ret;
		pid = ppid;
	}
	if (pid <= 0)
		return -ESRCH;
	*out = pid;
	return 0;
}

int priv_check_owner(const struct priv_caller *c, pid_t pid)
{
	unsigned long long start, ns, own;
	pid_t ppid;
	uid_t ruid;
	int ret;

	ret = owner_running(pid, &start);
	if (ret == -ENOENT)
		return -ESRCH;
	if (ret < 0 || !c->sudo)
		return ret;
	ret = read_status(pid, &ppid, &ruid);
	if (ret < 0)
		return ret == -ENOENT ? -ESRCH : ret;
	if (ruid != c->uid)
		return -EPERM;
	ret = owner_pidns(pid, &ns);
	if (ret == 0)
		ret = owner_pidns(0, &own);
	if (ret < 0)
		return ret == -ENOENT ? -ESRCH : ret;
	return ns == own ? 0 : -EXDEV;
}
