/* test-ovsdb-xkovs: the parts of ovsdb/xkovs.h that need no running OVS: the
 * connection verdicts (no socket, refused, silent server, interrupted),
 * port spec validation, and that libopenvswitch leaves the process alone
 * (signal dispositions, SIGPIPE, close-on-exec descriptors). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fds.h"
#include "base/nic.h"
#include "ovsdb/xkovs.h"

static char dir[] = "/tmp/xkt-xkovs.XXXXXX";

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A unix socket at 'path', listening or merely bound (refusing). */
static int unix_socket(const char *path, int listening)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0 ||
	    (listening && listen(fd, 8) < 0)) {
		perror("unix socket");
		exit(2);
	}
	return fd;
}

static void test_default_remote(void)
{
	struct xkovs *h;
	char want[256];

	setenv("OVS_RUNDIR", dir, 1);
	h = xkovs_new(NULL, 0);
	snprintf(want, sizeof want, "unix:%s/db.sock", dir);
	CHECK_STR(want, xkovs_remote(h));
	CHECK_INT(-ENOENT, xkovs_connect(h));
	CHECK(strstr(xkovs_error(h), "no Open vSwitch database socket") != NULL);
	CHECK(!xkovs_is_bridge(h, "br0"));
	xkovs_free(h);

	unsetenv("OVS_RUNDIR");
	h = xkovs_new(NULL, 0);
	CHECK_STR("unix:/var/run/openvswitch/db.sock", xkovs_remote(h));
	xkovs_free(h);
	xkovs_free(NULL);
}

static void test_refused(void)
{
	char path[128], remote[160];
	struct xkovs *h;
	int fd;

	snprintf(path, sizeof path, "%s/refused.sock", dir);
	snprintf(remote, sizeof remote, "unix:%s", path);
	fd = unix_socket(path, 0);
	h = xkovs_new(remote, 2000);
	CHECK_INT(-ECONNREFUSED, xkovs_connect(h));
	CHECK(strstr(xkovs_error(h), "cannot connect to OVSDB") != NULL);
	xkovs_free(h);
	close(fd);
}

static void test_silent_server(void)
{
	char path[128], remote[160];
	struct xkovs_port p = XKOVS_PORT_INIT;
	struct xkovs *h;
	double t0, ms;
	int fd, pfd[2];

	snprintf(path, sizeof path, "%s/silent.sock", dir);
	snprintf(remote, sizeof remote, "unix:%s", path);
	fd = unix_socket(path, 1);	/* accepts into the backlog, never answers */
	h = xkovs_new(remote, 300);
	t0 = now_ms();
	CHECK_INT(-ETIMEDOUT, xkovs_connect(h));
	ms = now_ms() - t0;
	CHECK(ms >= 290 && ms < 3000);
	CHECK(strstr(xkovs_error(h), "did not answer within 300 ms") != NULL);

	p.bridge = "br0";
	p.name = "tap0";
	t0 = now_ms();
	CHECK_INT(-ETIMEDOUT, xkovs_add_ports(h, &p, 1, "me", 0));
	CHECK(now_ms() - t0 < 3000);

	xkovs_free(h);

	/* A readable interrupt fd ends the wait long before the timeout
	 * (10 s; the bound leaves room for valgrind on a busy machine). */
	if (pipe2(pfd, O_CLOEXEC) < 0)
		exit(2);
	CHECK_INT(1, write(pfd[1], "x", 1));
	h = xkovs_new(remote, 10000);
	xkovs_set_interrupt_fd(h, pfd[0]);
	t0 = now_ms();
	CHECK_INT(-EINTR, xkovs_connect(h));
	CHECK(now_ms() - t0 < 5000);
	xkovs_free(h);
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
}

static void test_validation(void)
{
	static const char *const bad_ext[] = { "ext:novalue", NULL };
	static const char *const owner_ext[] = { "ext:" XKOVS_OWNER_KEY "=x", NULL };
	static const char *const tag_4096[] = { "tag=4096", NULL };
	static const char *const trunks_x[] = { "tag=4095", "trunks=10,x", NULL };
	static const char *const trunks_big[] = { "trunks=10:4096", NULL };
	static const char *const trunks_empty[] = { "trunks=", NULL };
	static const char *const unknown[] = { "tags=1", NULL };
	static const char *const good[] = { "tag=4095", "trunks=10,20:30", "ext:k=v", NULL };
	struct xkovs_port p[2] = { XKOVS_PORT_INIT, XKOVS_PORT_INIT };
	struct xkovs *h = xkovs_new("unix:/nonexistent/db.sock", 0);

	p[0].bridge = p[1].bridge = "br0";
	p[0].name = "tap0";
	p[1].name = "tap1";
	/* Spec errors come before any connection attempt. */
	CHECK_INT(-EINVAL, xkovs_add_ports(h, p, 2, NULL, 0));
	CHECK(strstr(xkovs_error(h), "owner") != NULL);
	CHECK_INT(-EINVAL, xkovs_add_ports(h, p, 2, "", 0));
	p[1].name = "tap0";
	CHECK_INT(-EINVAL, xkovs_add_ports(h, p, 2, "me", 0));
	CHECK_STR("port 'tap0' given twice", xkovs_error(h));
	p[1].name = "tap1";
	p[1].opts = tag_4096;
	CHECK_INT(-EINVAL, xkovs_add_ports(h, p, 2, "me", 0));
	CHECK_STR("invalid VLAN tag '4096' for port 'tap1'", xkovs_error(h));
	p[1].opts = trunks_x;
	CHECK_INT(-EINVAL, xkovs_add_ports(h, p, 2, "me", 0));
	CHECK_STR("invalid VLAN trunks '10,x' for port 'tap1'", xkovs_error(h));
	p[1].opts = trunks_big;
	CHECK_INT(-EINVAL, xkovs_add_ports(h, p, 2, "me", 0));
	p[1].opts = trunks_empty;
	CHECK_INT(-EINVAL, xkovs_add_ports(h, p, 2, "me", 0));
	p[1].opts = unknown;
	CHECK_INT(-EINVAL, xkovs_add_ports(h, p, 2, "me", 0));
	CHECK_STR("unknown OVS option 'tags=1' for port 'tap1'", xkovs_error(h));
	p[1].opts = bad_ext;
	CHECK_INT(-EINVAL, xkovs_add_ports(h, p, 2, "me", 0));
	CHECK_STR("invalid external_ids 'novalue' for port 'tap1' (want KEY=VALUE)",
		  xkovs_error(h));
	p[1].opts = owner_ext;
	CHECK_INT(-EINVAL, xkovs_add_ports(h, p, 2, "me", 0));
	p[1].opts = good;
	p[1].bridge = NULL;
	CHECK_INT(-EINVAL, xkovs_add_ports(h, p, 2, "me", 0));
	p[1].bridge = "br0";
	/* A valid spec gets as far as the (absent) database. */
	CHECK_INT(-ENOENT, xkovs_add_ports(h, p, 2, "me", 0));
	CHECK_INT(0, xkovs_add_ports(h, p, 0, "me", 0));
	CHECK_INT(0, xkovs_del_ports(h, p, 0, "me", 0));
	CHECK_INT(-ENOENT, xkovs_del_ports(h, p, 2, "me", 0));

	/* Every OVS option of the token table (base/nic.c) has its column
	 * here: a valid value passes the validation, up to the database. */
	for (const struct nic_opt *o = nic_ovs_options; o->key; o++) {
		char opt[64];
		const char *opts[2] = { opt, NULL };
		struct xkovs_port q = XKOVS_PORT_INIT;
		int r;

		switch (o->type) {
		case NIC_OPT_INT: snprintf(opt, sizeof(opt), "%s=%lld", o->key, o->max); break;
		case NIC_OPT_VLAN: snprintf(opt, sizeof(opt), "%s=4095", o->key); break;
		case NIC_OPT_VLANS: snprintf(opt, sizeof(opt), "%s=1:4095", o->key); break;
		case NIC_OPT_NAME: snprintf(opt, sizeof(opt), "%s=x", o->key); break;
		case NIC_OPT_KV: snprintf(opt, sizeof(opt), "%sk=v", o->key); break;
		}
		q.bridge = "br0";
		q.name = "tap0";
		q.opts = opts;
		r = xkovs_add_ports(h, &q, 1, "me", 0);
		if (r != -ENOENT)
			fprintf(stderr, "option '%s': %s\n", opt, xkovs_error(h));
		CHECK_INT(-ENOENT, r);
	}
	xkovs_free(h);
}

int main(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGALRM, SIGPIPE };
	struct sigaction sa[5];
	sigset_t before, after;
	int inheritable;
	size_t i;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	for (i = 0; i < 5; i++)
		sigaction(sigs[i], NULL, &sa[i]);
	sigprocmask(SIG_BLOCK, NULL, &before);
	inheritable = inheritable_fds();

	test_default_remote();
	test_refused();
	test_silent_server();
	test_validation();

	/* OVS's fatal-signal module ran (poll_block) and must have left no
	 * handler behind; SIGPIPE neither blocked nor ignored afterwards. */
	for (i = 0; i < 5; i++) {
		struct sigaction now;

		sigaction(sigs[i], NULL, &now);
		CHECK(now.sa_handler == sa[i].sa_handler);
	}
	sigprocmask(SIG_BLOCK, NULL, &after);
	CHECK(sigismember(&after, SIGPIPE) == sigismember(&before, SIGPIPE));
	CHECK_INT(inheritable, inheritable_fds());

	for (i = 0; i < 2; i++) {
		char path[128];

		snprintf(path, sizeof path, "%s/%s", dir, i ? "silent.sock" : "refused.sock");
		unlink(path);
	}
	rmdir(dir);
	return check_summary("test-ovsdb-xkovs");
}
