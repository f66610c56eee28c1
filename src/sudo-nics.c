#include "sudo-nics.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "errmsg.h"
#include "strv.h"
#include "xkvm.h"

extern char **environ;

/* What to undo: the taps, and "BRIDGE:TAP" for the OVS ones; how to:
 * xkvm's path (read once: the file may be replaced while qemu runs) and
 * the OVSDB options make-nics had. */
static struct {
	struct strv taps;
	struct strv ovs;
	struct strv ovs_opts;
	char *self;
	bool hooked;
} st;

bool sudo_nics_privileged(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return geteuid() == 0;
	return data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32));
}

/* Runs argv (PATH searched) with default signal handling and an empty
 * mask; with 'out', collects its stdout there (caller frees).  Returns its
 * exit status (128+N for signal N), or -errno when it could not run. */
static int run(char *const argv[], char **out)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int pipefd[2] = { -1, -1 }, ret, status;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	pid_t pid;

	if (out && pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (out)
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	ret = -posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (out)
		close(pipefd[1]);
	if (ret < 0)
		goto out;
	while (out) {
		ssize_t r;

		if (len + 512 > cap) {
			char *b = realloc(buf, cap = cap ? 2 * cap : 4096);

			if (!b) {
				ret = -ENOMEM;
				break;
			}
			buf = b;
		}
		r = read(pipefd[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			ret = -errno;
			goto out;
		}
	if (ret == 0)
		ret = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
out:
	if (out && ret >= 0) {
		if (!buf)
			buf = calloc(1, 1);
		else
			buf[len] = '\0';
		*out = buf;
		buf = NULL;
	}
	free(buf);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	return ret;
}

static int self_path(char **path)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*path = strdup(buf);
	return *path ? 0 : -ENOMEM;
}

/* sudo SELF tap-control MODE OPTS... -- ITEMS... (a bridge may begin
 * with '-'). */
static int sudo_tapctl(const char *mode, const struct strv *opts, const struct strv *items,
		       char **out)
{
	struct strv argv = STRV_INIT;
	int ret = st.self ? 0 : -ENOENT;

	if (ret == 0)
		ret = strv_push(&argv, "sudo");
	if (ret == 0)
		ret = strv_push(&argv, st.self);
	if (ret == 0)
		ret = strv_push(&argv, "tap-control");
	if (ret == 0)
		ret = strv_push(&argv, mode);
	if (ret == 0 && opts)
		ret = strv_extend(&argv, opts);
	if (ret == 0)
		ret = strv_push(&argv, "--");
	if (ret == 0)
		ret = strv_extend(&argv, items);
	if (ret == 0) {
		xkvm_debug(1, "running sudo %s tap-control %s", st.self, mode);
		ret = run(argv.v, out);
	}
	strv_release(&argv);
	return ret;
}

static void teardown(void *arg)
{
	int ret;

	(void)arg;
	if (st.ovs.n) {
		ret = sudo_tapctl("ovs-cleanup", &st.ovs_opts, &st.ovs, NULL);
		if (ret != 0)
			xkvm_error("failed removal of Open vSwitch ports (sudo tap-control ovs-cleanup: %s)",
				   ret < 0 ? strerror(-ret) : "failed");
	}
	if (st.taps.n) {
		ret = sudo_tapctl("del-nics", NULL, &st.taps, NULL);
		if (ret != 0)
			xkvm_error("failed removal of taps (sudo tap-control del-nics: %s)",
				   ret < 0 ? strerror(-ret) : "failed");
	}
	strv_release(&st.ovs);
	strv_release(&st.taps);
	strv_release(&st.ovs_opts);
	free(st.self);
	st.self = NULL;
	st.hooked = false;
}

int sudo_nics_gc(const char *ovsdb, int ovs_timeout_ms)
{
	struct strv opts = STRV_INIT, none = STRV_INIT;
	bool own = !st.self;
	char *text = NULL;
	int ret = 0;

	if (own)
		ret = self_path(&st.self);
	if (ret == 0 && ovsdb)
		ret = strv_pushf(&opts, "--ovsdb=%s", ovsdb);
	if (ret == 0)
		ret = strv_pushf(&opts, "--ovs-timeout=%d.%03d", ovs_timeout_ms / 1000,
				 ovs_timeout_ms % 1000);
	if (ret == 0)
		ret = sudo_tapctl("gc", &opts, &none, &text);
	if (text && *text)
		xkvm_debug(1, "sudo tap-control gc: %.*s", (int)strcspn(text, "\n"), text);
	free(text);
	if (own) {
		free(st.self);
		st.self = NULL;
	}
	strv_release(&opts);
	return ret < 0 ? ret : ret > 0 ? -EIO : 0;
}

/* "BRIDGE[,mac=MAC][,ovs-...]" for make-nics. */
static int push_spec(struct strv *args, const struct nics_req *r)
{
	struct strv tok = STRV_INIT;
	char *s;
	int ret = strv_push(&tok, r->bridge);

	if (ret == 0 && r->mac)
		ret = strv_pushf(&tok, "mac=%s", r->mac);
	if (ret == 0 && r->ovs_tag >= 0)
		ret = strv_pushf(&tok, "ovs-tag=%d", r->ovs_tag);
	if (ret == 0 && r->ovs_trunks)
		ret = strv_pushf(&tok, "ovs-trunks=%s", r->ovs_trunks);
	if (ret == 0 && r->ovs_iface_id)
		ret = strv_pushf(&tok, "ovs-iface-id=%s", r->ovs_iface_id);
	if (ret == 0 && r->ovs_vm_id)
		ret = strv_pushf(&tok, "ovs-vm-id=%s", r->ovs_vm_id);
	for (size_t i = 0; ret == 0 && r->ovs_ext && r->ovs_ext[i]; i++)
		ret = strv_pushf(&tok, "ovs-ext:%s", r->ovs_ext[i]);
	if (ret == 0) {
		s = strv_join(&tok, ",");
		ret = s ? strv_push_owned(args, s) : -ENOMEM;
	}
	strv_release(&tok);
	return ret;
}

/* Parses make-nics --with-datapath output: one line a request, "skip" or
 * "TAP:TYPE" or "TAP:ovs:DATAPATH". */
static int parse_output(char *text, const struct nics_req *reqs, size_t count,
			struct nics_nic *nics)
{
	char *save = NULL, *line = strtok_r(text, "\n", &save);

	for (size_t i = 0; i < count; i++, line = strtok_r(NULL, "\n", &save)) {
		char *type, *dp;

		if (!line)
			return -EPROTO;
		if (!strcmp(line, "skip")) {
			nics[i].type = NICS_USER;
			continue;
		}
		type = strchr(line, ':');
		if (!type || (size_t)(type - line) >= sizeof(nics[i].tap))
			return -EPROTO;
		*type++ = '\0';
		dp = strchr(type, ':');
		if (dp)
			*dp++ = '\0';
		snprintf(nics[i].tap, sizeof(nics[i].tap), "%s", line);
		if (strv_push(&st.taps, line) < 0)
			return -ENOMEM;
		if (!strcmp(type, "ovs")) {
			nics[i].type = NICS_OVS;
			nics[i].netdev_dp = dp && !strcmp(dp, "netdev");
			if (strv_pushf(&st.ovs, "%s:%s", reqs[i].bridge, line) < 0)
				return -ENOMEM;
		} else {
			nics[i].type = NICS_BRCTL;
		}
	}
	return 0;
}

int sudo_nics_make(const struct nics_req *reqs, size_t count, const struct nics_options *o,
		   int verbosity, struct nics_nic **out)
{
	struct strv args = STRV_INIT, specs = STRV_INIT;
	struct nics_nic *nics = calloc(count ? count : 1, sizeof(*nics));
	char *text = NULL, *copy = NULL;
	int ret = -ENOMEM;

	if (!nics)
		goto nomem;
	if (!st.hooked) {
		if (cleanup_add_hook(teardown, NULL) < 0)
			goto nomem;
		st.hooked = true;
	}
	if (!st.self) {
		ret = self_path(&st.self);
		if (ret < 0) {
			xkvm_error("cannot find xkvm's own path (/proc/self/exe): %s",
				   strerror(-ret));
			goto out;
		}
	}
	/* ovs-cleanup at teardown must reach the same database. */
	strv_release(&st.ovs_opts);
	if ((o->ovsdb && strv_pushf(&st.ovs_opts, "--ovsdb=%s", o->ovsdb) < 0) ||
	    strv_pushf(&st.ovs_opts, "--ovs-timeout=%d.%03d", o->ovs_timeout_ms / 1000,
		       o->ovs_timeout_ms % 1000) < 0)
		goto nomem;
	if (strv_pushf(&args, "--owner-pid=%d", (int)getpid()) < 0 ||
	    strv_push(&args, "--with-datapath") < 0 || strv_extend(&args, &st.ovs_opts) < 0)
		goto nomem;
	for (int i = 0; i < verbosity - 1; i++)
		if (strv_push(&args, "-v") < 0)
			goto nomem;
	if (strv_pushf(&args, "--ovn-timeout=%d.%03d", o->ovn_timeout_ms / 1000,
		       o->ovn_timeout_ms % 1000) < 0 ||
	    (!o->ovs_wait && strv_push(&args, "--ovs-no-wait") < 0) ||
	    (!o->ovn_wait && strv_push(&args, "--ovn-no-wait") < 0))
		goto nomem;
	for (size_t i = 0; i < count; i++)
		if (push_spec(&specs, &reqs[i]) < 0)
			goto nomem;
	ret = sudo_tapctl("make-nics", &args, &specs, &text);
	if (ret < 0) {
		xkvm_error("cannot run sudo: %s", strerror(-ret));
		goto out;
	}
	if (ret > 0) {
		/* make-nics said why on stderr and removed what it made. */
		xkvm_error("failed to make-nics (sudo tap-control make-nics exited %d)", ret);
		ret = -EIO;
		goto out;
	}
	copy = strdup(text);	/* parse_output() cuts 'text' up */
	if (!copy)
		goto nomem;
	ret = parse_output(text, reqs, count, nics);
	if (ret == -EPROTO) {
		char *msg = NULL;	/* errmsg keeps the quoted output on one line */

		if (errmsg(&msg, "unexpected output from sudo tap-control make-nics: '%s'",
			   copy) == -ENOMEM)
			goto nomem;
		xkvm_error("%s", msg);
		free(msg);
	} else if (ret < 0) {
		goto nomem;
	}
	if (ret < 0)
		goto out;
	*out = nics;
	nics = NULL;
	goto out;
nomem:
	xkvm_error("out of memory");
	ret = -ENOMEM;
out:
	if (ret < 0)
		teardown(NULL);	/* whatever was parsed already */
	strv_release(&args);
	strv_release(&specs);
	free(text);
	free(copy);
	free(nics);
	return ret;
}
