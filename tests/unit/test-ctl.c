/* Unit tests of runtime control's pure parts and of the QMP client (ovsdb/
 * xkqmp.h) against a scripted QMP peer in a child process: greeting and
 * capabilities, typed arguments, events queued while a reply is awaited, a
 * stale reply skipped, qemu's error text, a timeout, EOF.  And the name
 * rules and lock of ctl/rundir.h in a temporary run directory. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ctl/rundir.h"
#include "ovsdb/xkqmp.h"

static char dir[] = "/tmp/xkt-ctl-unit.XXXXXX";

/* The peer: reads one line (a command), returns its id, or -1 at EOF. */
static int read_cmd(int fd, char *line, size_t size)
{
	size_t n = 0;
	char *id;

	while (n + 1 < size && read(fd, line + n, 1) == 1 && line[n] != '\n')
		n++;
	line[n] = '\0';
	if (!n)
		return -1;
	id = strstr(line, "\"id\":");
	return id ? atoi(id + 5) : -1;
}

static void say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(void)!write(fd, buf, (size_t)n);
}

/* The scripted peer; exits 0 when every request looked as expected. */
static void __attribute__((noreturn)) peer(int lfd)
{
	char line[1024];
	int fd = accept(lfd, NULL, NULL), id, bad = 0;

	say(fd, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n");
	id = read_cmd(fd, line, sizeof(line));
	bad |= !strstr(line, "\"execute\":\"qmp_capabilities\"");
	say(fd, "{\"return\": {}, \"id\": %d}\r\n", id);

	id = read_cmd(fd, line, sizeof(line));
	bad |= !strstr(line, "\"execute\":\"set_link\"") || !strstr(line, "\"up\":false") ||
	       !strstr(line, "\"name\":\"net00\"") || !strstr(line, "\"n\":5") ||
	       !strstr(line, "\"s\":\"a\\\"b\"");
	say(fd, "{\"event\": \"NIC_RX_FILTER_CHANGED\", \"data\": {\"name\": \"net00\"}}\r\n");
	say(fd, "{\"return\": {}, \"id\": 999}\r\n");	/* stale */
	/* the reply in two pieces */
	say(fd, "{\"return\": {\"x\":");
	usleep(20000);
	say(fd, " 1}, \"id\": %d}\r\n", id);

	id = read_cmd(fd, line, sizeof(line));
	say(fd, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Device 'x' not found\"}, "
		"\"id\": %d}\r\n", id);

	(void)read_cmd(fd, line, sizeof(line));	/* no answer: the client times out */
	usleep(500000);
	say(fd, "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true}}\r\n");
	close(fd);
	_exit(bad);
}

static void test_qmp(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xkqmp *q = NULL;
	char *err = NULL, *ret = NULL, *name = NULL, *data = NULL, *s = NULL;
	const char *args[] = { "name=net00", "up:bool=false", "n:int=5", "s=a\"b", NULL };
	const char *badb[] = { "up:bool=maybe", NULL }, *badi[] = { "n:int=5x", NULL };
	const char *nokey[] = { "=x", NULL };
	int lfd, status = -1;
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/q.sock", dir);
	CHECK_INT(-ENOENT, xkqmp_open(sa.sun_path, 500, &q, &err));
	CHECK(err && strstr(err, "cannot connect"));
	free(err);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_INT(0, bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK_INT(0, listen(lfd, 1));
	pid = fork();
	if (pid == 0)
		peer(lfd);
	close(lfd);

	CHECK_INT(0, xkqmp_open(sa.sun_path, 300, &q, &err));
	CHECK(q && xkqmp_fd(q) >= 0 && (fcntl(xkqmp_fd(q), F_GETFD) & FD_CLOEXEC));
	if (!q)
		goto out;
	CHECK_INT(-EINVAL, xkqmp_execute(q, "set_link", badb, NULL));
	CHECK_STR("bad boolean in QMP argument 'up:bool=maybe'", xkqmp_error(q));
	CHECK_INT(-EINVAL, xkqmp_execute(q, "set_link", badi, NULL));
	CHECK_INT(-EINVAL, xkqmp_execute(q, "set_link", nokey, NULL));
	CHECK_INT(0, xkqmp_execute(q, "set_link", args, &ret));
	CHECK_STR("{\"x\":1}", ret);
	CHECK_INT(1, xkqmp_next_event(q, &name, &data));
	CHECK_STR("NIC_RX_FILTER_CHANGED", name);
	CHECK_INT(0, xkqmp_json_get_string(data, "name", &s));
	CHECK_STR("net00", s);
	CHECK_INT(-ENOENT, xkqmp_json_get_string(data, "nope", &s));
	CHECK_INT(-EPROTO, xkqmp_json_get_string("[1]", "name", &s));
	free(s);
	free(name);
	free(data);
	CHECK_INT(0, xkqmp_next_event(q, &name, &data));
	CHECK_INT(-EREMOTEIO, xkqmp_execute(q, "device_del", NULL, NULL));
	CHECK_STR("Device 'x' not found", xkqmp_error(q));
	CHECK_INT(-ETIMEDOUT, xkqmp_execute(q, "slow", NULL, NULL));
	/* the peer sends an event and closes */
	usleep(400000);
	CHECK_INT(-ECONNRESET, xkqmp_read(q));
	CHECK_INT(1, xkqmp_next_event(q, &name, &data));
	CHECK_STR("SHUTDOWN", name);
	CHECK_STR("{\"guest\":true}", data);
	free(name);
	free(data);
out:
	free(ret);
	xkqmp_close(q);
	xkqmp_close(NULL);
	waitpid(pid, &status, 0);
	CHECK_INT(0, status);	/* the peer saw the requests it expected */
	unlink(sa.sun_path);
}

static void test_names(void)
{
	static const char *good[] = { "a", "lab1", "R2-d2_x.y", "abcdefghijabcdefghijabcdefghij12" };
	static const char *bad[] = { "", ".x", "-x", "a/b", "a b", "é", "a:b",
				     "abcdefghijabcdefghijabcdefghij123" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(ctl_name_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!ctl_name_valid(bad[i]));
	CHECK(!ctl_name_valid(NULL));
}

static void test_lock(void)
{
	struct ctl_paths p, p2;
	char run[512];
	int fd = -1, fd2 = -1;

	snprintf(run, sizeof(run), "%s/run", dir);
	setenv("XKVM_RUN_DIR", run, 1);
	CHECK_INT(-EINVAL, ctl_paths_get("a b", &p));
	ctl_paths_release(&p);
	CHECK_INT(0, ctl_paths_get("/some/where.sock", &p));
	CHECK_STR("/some/where.sock", p.sock);
	CHECK(!p.dir && !p.lock && !p.qmp);
	ctl_paths_release(&p);

	CHECK_INT(0, ctl_paths_get("lab", &p));
	CHECK_STR("lab.qmp", strrchr(p.qmp, '/') + 1);
	CHECK_INT(0, ctl_rundir_make(&p));
	CHECK_INT(0, ctl_name_lock(&p, &fd));
	CHECK_INT(0, ctl_paths_get("lab", &p2));
	CHECK_INT(-EADDRINUSE, ctl_name_lock(&p2, &fd2));
	ctl_name_unlink(&p);
	close(fd);
	CHECK_INT(-1, access(run, F_OK));	/* the empty directory went too */
	CHECK_INT(0, ctl_name_lock(&p2, &fd2));	/* makes the directory again */
	ctl_name_unlink(&p2);
	close(fd2);
	/* an unsafe directory is refused */
	CHECK_INT(0, mkdir(run, 0755));
	CHECK_INT(-EPERM, ctl_rundir_make(&p));
	rmdir(run);
	ctl_paths_release(&p);
	ctl_paths_release(&p2);
	unsetenv("XKVM_RUN_DIR");
}

static int reaped;

/* "PID\n" (a static buffer) */
static const char *pid_line(pid_t pid)
{
	static char buf[24];

	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	return buf;
}

/* The first bytes of 'path' (a static buffer; "" when unreadable). */
static const char *file_text(const char *path)
{
	static char buf[64];
	int f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = f < 0 ? 0 : read(f, buf, sizeof(buf) - 1);

	if (f >= 0)
		close(f);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void count_reaped(const char *name, void *arg)
{
	CHECK_STR("dead", name);
	(void)arg;
	reaped++;
}

static int running;

static void count_running(const char *name, pid_t pid, void *arg)
{
	CHECK_STR("live", name);
	CHECK_INT(getpid(), pid);
	(void)arg;
	running++;
}

/* A name whose launch was SIGKILLed: its lock, socket and QMP files are
 * there, the lock held by no one. */
static void dead_name(const char *name)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct ctl_paths p;
		int fd;

		if (ctl_paths_get(name, &p) == 0 && ctl_rundir_make(&p) == 0 &&
		    ctl_name_lock(&p, &fd) == 0 && close(open(p.sock, O_CREAT | O_WRONLY, 0600)) == 0 &&
		    close(open(p.qmp, O_CREAT | O_WRONLY, 0600)) == 0)
			kill(getpid(), SIGKILL);
		_exit(1);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
}

/* ctl_names_reap(): a dead launch's three files go, a live one's and files
 * of other names stay; a name freed by a reaper within moments is taken. */
static void test_reap(void)
{
	struct ctl_paths live, dead;
	char run[512], other[600];
	int fd = -1, fd2 = -1, sync[2], st;
	pid_t pid;

	snprintf(run, sizeof(run), "%s/run", dir);
	setenv("XKVM_RUN_DIR", run, 1);
	CHECK_INT(0, ctl_names_reap(count_reaped, NULL));	/* no directory: none */
	CHECK_INT(0, ctl_paths_get("live", &live));
	CHECK_INT(0, ctl_paths_get("dead", &dead));
	CHECK_INT(0, ctl_rundir_make(&live));
	CHECK_INT(0, ctl_name_lock(&live, &fd));
	dead_name("dead");
	CHECK_INT(0, access(dead.sock, F_OK));
	snprintf(other, sizeof(other), "%s/.reap-1.lock", run);	/* not a launch's */
	CHECK_INT(0, close(open(other, O_CREAT | O_WRONLY, 0600)));
	CHECK_INT(1, ctl_names_running(count_running, NULL));	/* not the dead one */
	CHECK_INT(1, running);
	CHECK_INT(1, ctl_names_reap(count_reaped, NULL));
	CHECK_INT(1, reaped);
	CHECK(access(dead.lock, F_OK) < 0 && access(dead.sock, F_OK) < 0 &&
	      access(dead.qmp, F_OK) < 0);
	CHECK_INT(0, access(live.lock, F_OK));
	CHECK_INT(0, access(other, F_OK));
	CHECK_INT(0, ctl_names_reap(count_reaped, NULL));	/* the live one stays */
	CHECK_INT(0, unlink(other));

	/* A live launch's lock names its pid. */
	CHECK_STR(pid_line(getpid()), file_text(live.lock));

	/* A holder that leaves no live pid in the lock (a reaper, here one
	 * slow to let go) is waited for; the name is then ours. */
	dead_name("dead");
	CHECK_INT(0, pipe(sync));
	pid = fork();
	if (pid == 0) {
		struct ctl_paths p;
		int f = open(dead.lock, O_RDWR | O_CLOEXEC);

		/* the dead launch's pid stays in the file: it names no one */
		if (f < 0 || flock(f, LOCK_EX) < 0 || write(sync[1], "x", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		if (ctl_paths_get("dead", &p) < 0)
			_exit(1);
		ctl_name_unlink(&p);
		_exit(0);
	}
	close(sync[1]);
	CHECK_INT(1, read(sync[0], (char[1]){ 0 }, 1));
	close(sync[0]);
	CHECK_INT(0, ctl_name_lock(&dead, &fd2));
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_STR(pid_line(getpid()), file_text(dead.lock));
	ctl_name_unlink(&dead);
	close(fd2);
	/* ... while a live pid's is refused at once: its holder lets go
	 * after a second, which a wait would have seen. */
	pid = fork();
	if (pid == 0) {
		int f;

		if (ctl_name_lock(&dead, &f) < 0)
			_exit(1);
		usleep(1000 * 1000);
		_exit(0);	/* dies without its teardown: the files stay */
	}
	for (int i = 0; i < 500 && strcmp(file_text(dead.lock), pid_line(pid)); i++)
		usleep(10 * 1000);
	CHECK_INT(-EADDRINUSE, ctl_name_lock(&dead, &fd2));
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* a reaper empties what it takes (seen through a descriptor of ours:
	 * the file is gone by then), then removes it */
	fd2 = open(dead.lock, O_RDONLY | O_CLOEXEC);
	CHECK(fd2 >= 0);
	CHECK_INT(1, ctl_names_reap(NULL, NULL));
	CHECK(access(dead.lock, F_OK) < 0);
	CHECK_INT(0, (int)lseek(fd2, 0, SEEK_END));
	close(fd2);
	/* a directory named like a lock is no launch's: passed over */
	CHECK_INT(0, mkdir(dead.lock, 0700));
	CHECK_INT(0, ctl_names_reap(NULL, NULL));
	CHECK_INT(0, rmdir(dead.lock));

	/* an unsafe directory is refused */
	CHECK_INT(0, chmod(run, 0755));
	CHECK_INT(-EPERM, ctl_names_reap(count_reaped, NULL));
	CHECK_INT(-EPERM, ctl_names_running(count_running, NULL));
	CHECK_INT(0, chmod(run, 0700));
	ctl_name_unlink(&live);
	close(fd);
	CHECK_INT(-1, access(run, F_OK));
	ctl_paths_release(&live);
	ctl_paths_release(&dead);
	unsetenv("XKVM_RUN_DIR");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_names();
	test_qmp();
	test_lock();
	test_reap();
	rmdir(dir);
	return check_summary("test-ctl");
}
