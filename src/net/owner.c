#include "net/owner.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAG_PREFIX "xkvm:"

/* Reads at most size-1 bytes of 'path' into buf, NUL-terminated. */
static int read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret == 0)
		buf[n] = '\0';
	return ret;
}

static int valid_boot(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= OWNER_BOOTSIZ)
		return 0;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

int owner_boot_id(char boot[OWNER_BOOTSIZ])
{
	char buf[64];
	int ret;

	ret = read_small("/proc/sys/kernel/random/boot_id", buf, sizeof(buf));
	if (ret < 0)
		return ret;
	buf[strcspn(buf, "\n")] = '\0';
	if (!valid_boot(buf))
		return -EINVAL;
	strcpy(boot, buf);
	return 0;
}

/* Reads field 3 (state) and 22 (starttime) of /proc/PID/stat. */
static int read_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p, *end;
	unsigned long long v;
	int ret, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ret = read_small(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	/* comm (field 2) may hold spaces and parentheses: count from the
	 * last ')', after which field 3 begins. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EINVAL;
	p++;
	*state = p[1];
	for (field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	errno = 0;
	v = strtoull(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -EINVAL;
	*start = v;
	return 0;
}

int owner_start_time(pid_t pid, unsigned long long *start)
{
	char state;

	return read_stat(pid, &state, start);
}

int owner_running(pid_t pid, unsigned long long *start)
{
	char state;
	int ret = read_stat(pid, &state, start);

	if (ret < 0)
		return ret;
	/* A zombie (SIGKILLed, not yet reaped by its parent) is dead: it
	 * holds no tap, and its parent may never reap it. */
	return state == 'Z' || state == 'X' ? -ESRCH : 0;
}

int owner_pidns(pid_t pid, unsigned long long *ino)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/pid");
	if (stat(path, &st) < 0)
		return -errno;
	*ino = (unsigned long long)st.st_ino;
	return 0;
}

int owner_self(struct owner *out, uid_t uid)
{
	return owner_of(getpid(), uid, out);
}

int owner_of(pid_t pid, uid_t uid, struct owner *out)
{
	struct owner o;
	int ret;

	memset(&o, 0, sizeof(o));
	o.pid = pid;
	o.uid = uid;
	ret = owner_running(o.pid, &o.start);
	if (ret < 0)
		return ret;
	ret = owner_pidns(o.pid, &o.pidns);
	if (ret < 0)
		return ret;
	ret = owner_boot_id(o.boot);
	if (ret < 0)
		return ret;
	*out = o;
	return 0;
}

/* Parses a decimal number with no sign, no blanks, no leading zeros
 * (except "0"), ending at 'stop'.  Advances *s past it. */
static int parse_num(const char **s, char stop, unsigned long long max,
		     unsigned long long *out)
{
	const char *p = *s;
	unsigned long long v = 0;

	if (!isdigit((unsigned char)*p) || (p[0] == '0' && isdigit((unsigned char)p[1])))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (*p != stop)
		return -EINVAL;
	*s = p + (stop ? 1 : 0);
	*out = v;
	return 0;
}

static int expect(const char **s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*s, word, n))
		return -EINVAL;
	*s += n;
	return 0;
}

int owner_parse(const char *tag, struct owner *out)
{
	unsigned long long pid, start, uid, pidns = 0;
	const char *s = tag;
	struct owner o;

	if (!tag)
		return -EINVAL;
	if (expect(&s, TAG_PREFIX "pid=") || parse_num(&s, ',', INT32_MAX, &pid) ||
	    pid == 0 ||
	    expect(&s, "start=") || parse_num(&s, ',', ULLONG_MAX, &start) ||
	    expect(&s, "uid=") || parse_num(&s, ',', UINT32_MAX, &uid) ||
	    expect(&s, "pidns=") || parse_num(&s, ',', ULLONG_MAX, &pidns) ||
	    expect(&s, "boot=") || !valid_boot(s))
		return -EINVAL;
	memset(&o, 0, sizeof(o));
	o.pid = (pid_t)pid;
	o.start = start;
	o.uid = (uid_t)uid;
	o.pidns = pidns;
	strcpy(o.boot, s);
	*out = o;
	return 0;
}

int owner_format(const struct owner *o, char *buf, size_t size)
{
	int n;

	n = snprintf(buf, size, TAG_PREFIX "pid=%d,start=%llu,uid=%u,pidns=%llu,boot=%s",
		     (int)o->pid, o->start, (unsigned)o->uid, o->pidns, o->boot);
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return 0;
}

int owner_invoking_uid(uid_t *uid)
{
	const char *s = getenv("SUDO_UID");
	unsigned long long v;

	if (!s || !*s) {
		*uid = getuid();
		return 0;
	}
	if (parse_num(&s, '\0', UINT32_MAX - 1, &v))
		return -EINVAL;
	*uid = (uid_t)v;
	return 0;
}

int owner_alive(const struct owner *o)
{
	char boot[OWNER_BOOTSIZ];
	unsigned long long start, pidns = 0;
	int ret;

	ret = owner_boot_id(boot);
	if (ret < 0)
		return ret;
	if (strcmp(boot, o->boot))
		return 0;	/* made before a reboot: its process is gone */
	ret = owner_pidns(0, &pidns);
	if (ret < 0)
		return ret;
	if (pidns != o->pidns)
		return -EXDEV;	/* its pid names another process here, or none */
	ret = owner_running(o->pid, &start);
	if (ret == -ENOENT || ret == -ESRCH)
		return 0;	/* gone, or a zombie */
	if (ret < 0)
		return ret;
	return start == o->start;	/* a different start: pid reused */
}
