/* conn.c: the xkovs handle, the connection to ovsdb-server, the bounded
 * poll loop, and keeping libopenvswitch quiet (no logging, no signal
 * handlers, no inherited descriptors, no SIGPIPE). */
#include "xkovs-int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fatal-signal.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "timeval.h"

#define DEFAULT_RUNDIR "/var/run/openvswitch"

/* OVS's fatal-signal module installs handlers for these the first time any
 * poll_block() runs (lib/fatal-signal.c, fatal_signals[]). */
static const int ovs_fatal_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGALRM, SIGSEGV };

/* Once per process: logging off everywhere (console, syslog, file), and the
 * fatal-signal module initialized now, with every disposition it changed
 * put back.  Once initialized it never touches signals again, and its
 * self-pipe, never written by a handler of its own, stays silent. */
static void quiet_ovs(void)
{
	static bool done;
	struct sigaction old[sizeof ovs_fatal_signals / sizeof ovs_fatal_signals[0]];
	size_t i;

	if (done)
		return;
	done = true;
	vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_OFF);
	for (i = 0; i < sizeof old / sizeof old[0]; i++)
		sigaction(ovs_fatal_signals[i], NULL, &old[i]);
	fatal_signal_init();
	for (i = 0; i < sizeof old / sizeof old[0]; i++)
		sigaction(ovs_fatal_signals[i], &old[i], NULL);
}

/* Descriptors OVS may open in one call: its fatal-signal pipe, the seq
 * and latch pipes of its threads, /dev/urandom for its first UUID, the
 * session's socket, a reconnection's; with room to spare. */
#define OVS_FDS_NEEDED 8

/* Whether OVS_FDS_NEEDED more descriptors can be opened.  OVS does not
 * fail gracefully without them: it aborts the process ("failed to create
 * pipe", "/dev/urandom: read error").  A cheap probe (one open, dups,
 * closes).  Returns 0, -EMFILE or -ENFILE (or another -errno). */
static int fds_free(void)
{
	int fds[OVS_FDS_NEEDED], n = 0, ret = 0;

	fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fds[0] < 0)
		return -errno;
	for (n = 1; n < OVS_FDS_NEEDED; n++) {
		fds[n] = fcntl(fds[0], F_DUPFD_CLOEXEC, 0);
		if (fds[n] < 0) {
			ret = -errno;
			break;
		}
	}
	while (n > 0)
		close(fds[--n]);
	return ret;
}

#define FD_BITS (8 * sizeof(unsigned long))
#define FD_MAX (sizeof(((struct xkovs_call *)0)->fds) * 8)

/* One descriptor of scan_fds(): records it in 'set' when it lacks
 * FD_CLOEXEC, or, with 'before', makes it close-on-exec unless 'before'
 * holds it. */
static void visit_fd(int fd, unsigned long *set, const unsigned long *before)
{
	unsigned long bit = 1UL << (fd % FD_BITS);
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0 || (fl & FD_CLOEXEC))
		return;
	if (!before)
		set[fd / FD_BITS] |= bit;
	else if (!(before[fd / FD_BITS] & bit))
		fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

/* Records in 'set' the descriptors below FD_MAX that lack FD_CLOEXEC (the
 * caller's, inheritable on purpose), or, with 'before' given, makes every
 * other one close-on-exec: OVS opens its sockets and pipes without
 * O_CLOEXEC, and a reconnection may reopen one under a number the call
 * began with (as a close-on-exec descriptor, so not in 'before').  Without
 * /proc, every number below FD_MAX is tried. */
static void scan_fds(unsigned long *set, const unsigned long *before)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d) {
		for (int fd = 0; fd < (int)FD_MAX; fd++)
			visit_fd(fd, set, before);
		return;
	}
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || fd < 0 || fd == dirfd(d))
			continue;
		if ((size_t)fd >= FD_MAX)
			continue;	/* untracked: cannot tell new from old */
		visit_fd((int)fd, set, before);
	}
	closedir(d);
}

void xkovs_call_begin(struct xkovs *h, struct xkovs_call *c)
{
	sigset_t pipe, pending;

	h->err[0] = '\0';
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &c->oldmask);
	sigpending(&pending);
	c->pipe_pending = sigismember(&pending, SIGPIPE) == 1;
	memset(c->fds, 0, sizeof c->fds);
	scan_fds(c->fds, NULL);
}

void xkovs_call_end(struct xkovs_call *c)
{
	sigset_t pipe, pending;

	scan_fds(NULL, c->fds);
	/* A SIGPIPE raised by OVS's send() on a dead socket is ours: drain it
	 * before unblocking, so it cannot kill the caller. */
	sigpending(&pending);
	if (!c->pipe_pending && sigismember(&pending, SIGPIPE) == 1) {
		struct timespec zero = { 0, 0 };

		sigemptyset(&pipe);
		sigaddset(&pipe, SIGPIPE);
		sigtimedwait(&pipe, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &c->oldmask, NULL);
}

int xkovs_fail(struct xkovs *h, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof h->err, fmt, ap);
	va_end(ap);
	return ret;
}

struct xkovs *xkovs_new(const char *remote, int timeout_ms)
{
	struct xkovs *h = calloc(1, sizeof *h);
	struct xkovs_call c;

	if (!h)
		return NULL;
	if (remote) {
		h->remote = strdup(remote);
	} else {
		const char *dir = getenv("OVS_RUNDIR");

		if (!dir || !*dir)
			dir = DEFAULT_RUNDIR;
		if (asprintf(&h->remote, "unix:%s/db.sock", dir) < 0)
			h->remote = NULL;
	}
	if (!h->remote) {
		free(h);
		return NULL;
	}
	h->timeout_ms = timeout_ms > 0 ? timeout_ms : XKOVS_DEFAULT_TIMEOUT_MS;
	h->cur_timeout_ms = h->timeout_ms;
	h->intr_fd = -1;
	sset_init(&h->own);
	xkovs_call_begin(h, &c);
	if (fds_free() == 0)
		quiet_ovs();	/* else on the first call that can */
	xkovs_call_end(&c);
	return h;
}

static void disconnect(struct xkovs *h)
{
	if (h->idl) {
		ovsdb_idl_destroy(h->idl);
		h->idl = NULL;
	}
}

void xkovs_free(struct xkovs *h)
{
	struct xkovs_call c;

	if (!h)
		return;
	xkovs_call_begin(h, &c);
	disconnect(h);
	xkovs_call_end(&c);
	sset_destroy(&h->own);
	free(h->remote);
	free(h);
}

void xkovs_set_interrupt_fd(struct xkovs *h, int fd)
{
	h->intr_fd = fd;
}

void xkovs_set_notify(struct xkovs *h, int after_ms, xkovs_notify_fn *fn, void *aux)
{
	h->notify = fn;
	h->notify_aux = aux;
	h->notify_ms = after_ms > 0 ? after_ms : 0;
}

void xkovs_set_owner_judge(struct xkovs *h, xkovs_owner_dead_fn *fn, void *aux)
{
	h->judge = fn;
	h->judge_aux = aux;
}

const char *xkovs_remote(const struct xkovs *h)
{
	return h->remote;
}

const char *xkovs_error(const struct xkovs *h)
{
	return h->err;
}

long long xkovs_deadline(struct xkovs *h, int timeout_ms)
{
	h->cur_timeout_ms = timeout_ms > 0 ? timeout_ms : h->timeout_ms;
	h->phase_start = time_msec();
	h->phase_told = false;
	return h->phase_start + h->cur_timeout_ms;
}

/* Calls the notification once the wait under way lasted its delay, or
 * makes the poll loop wake up then. */
static void notify_slow(struct xkovs *h, const char *what)
{
	long long when = h->phase_start + h->notify_ms;
	char line[sizeof h->err];

	if (!h->notify || h->phase_told)
		return;
	if (time_msec() < when) {
		poll_timer_wait_until(when);
		return;
	}
	h->phase_told = true;
	snprintf(line, sizeof line, "waiting for %s", what);
	h->notify(h->notify_aux, line);
}

static bool interrupted(const struct xkovs *h)
{
	struct pollfd p = { .fd = h->intr_fd, .events = POLLIN };

	return h->intr_fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

int xkovs_block(struct xkovs *h, long long deadline, const char *what)
{
	if (interrupted(h))
		return xkovs_fail(h, -EINTR, "interrupted while waiting for %s", what);
	if (time_msec() >= deadline)
		return xkovs_fail(h, -ETIMEDOUT, "timed out after %d ms waiting for %s",
				  h->cur_timeout_ms, what);
	notify_slow(h, what);
	ovsdb_idl_wait(h->idl);
	poll_timer_wait_until(deadline);
	if (h->intr_fd >= 0)
		poll_fd_wait(h->intr_fd, POLLIN);
	poll_block();
	return 0;
}

/* A jsonrpc error code: a positive errno, or EOF. */
static const char *conn_strerror(int err)
{
	return err == EOF ? "connection closed by the server" : strerror(err);
}

int xkovs_run(struct xkovs *h)
{
	ovsdb_idl_run(h->idl);
	if (!ovsdb_idl_is_alive(h->idl)) {
		int err = ovsdb_idl_get_last_error(h->idl);

		return xkovs_fail(h, -ECONNRESET, "connection to OVSDB at '%s' failed: %s",
				  h->remote, err ? conn_strerror(err) : "unknown error");
	}
	return 0;
}

/* The columns read or written; writing an unmonitored column of an
 * existing row is silently dropped by the IDL (see PLATFORM-NOTES).
 * Open_vSwitch next_cfg is only incremented (ovsdb_idl_txn_increment()
 * reads the new value from the reply), not monitored: every launch's
 * commit changes it, and hearing of each would cost K launches K^2
 * wake-ups, as ovs-vsctl avoids too. */
static void monitor(struct ovsdb_idl *idl)
{
	static const struct ovsdb_idl_column *const cols[] = {
		&ovsrec_open_vswitch_col_bridges,
		&ovsrec_open_vswitch_col_cur_cfg,
		&ovsrec_open_vswitch_col_dpdk_initialized,
		&ovsrec_bridge_col_name,
		&ovsrec_bridge_col_ports,
		&ovsrec_bridge_col_datapath_type,
		&ovsrec_port_col_name,
		&ovsrec_port_col_interfaces,
		&ovsrec_port_col_tag,
		&ovsrec_port_col_trunks,
		&ovsrec_port_col_fake_bridge,
		&ovsrec_interface_col_name,
		&ovsrec_interface_col_external_ids,
		&ovsrec_interface_col_ofport,
		&ovsrec_interface_col_ofport_request,
		&ovsrec_interface_col_mtu,
		&ovsrec_interface_col_mtu_request,
		&ovsrec_interface_col_ingress_policing_rate,
		&ovsrec_interface_col_ingress_policing_burst,
		&ovsrec_interface_col_error,
		&ovsrec_interface_col_type,		/* vhost-user ports */
		&ovsrec_interface_col_options,
		&ovsrec_interface_col_status,
		/* runtime control's mirrors (ovsdb/mirror.c) */
		&ovsrec_bridge_col_mirrors,
		&ovsrec_mirror_col_name,
		&ovsrec_mirror_col_select_src_port,
		&ovsrec_mirror_col_select_dst_port,
		&ovsrec_mirror_col_output_port,
		&ovsrec_mirror_col_external_ids,
	};
	size_t i;

	ovsdb_idl_add_table(idl, &ovsrec_table_open_vswitch);
	for (i = 0; i < sizeof cols / sizeof cols[0]; i++)
		ovsdb_idl_add_column(idl, cols[i]);
}

/* Whether every part of 'remote' (OVS splits it at ',') is an active
 * remote.  A passive one (punix:, ptcp:, pssl:) would make OVS bind: for a
 * unix socket it first unlinks whatever has the name, as root through
 * sudo.  src/remote.c says the same to the user before we get here. */
static bool active_remote(const char *remote)
{
	static const char *const active[] = { "unix:", "tcp:", "ssl:" };

	for (const char *s = remote;; s++) {
		size_t len = strcspn(s, ","), i;

		for (i = 0; i < sizeof active / sizeof active[0]; i++)
			if (len > strlen(active[i]) && !strncmp(s, active[i], strlen(active[i])))
				break;
		if (i == sizeof active / sizeof active[0])
			return false;
		s += len;
		if (!*s)
			return true;
	}
}

int xkovs_ensure(struct xkovs *h)
{
	long long deadline;
	int ret = fds_free();

	if (ret < 0)
		return xkovs_fail(h, ret, "cannot talk to OVSDB at '%s': %s (Open vSwitch needs "
				  "%d free descriptors)", h->remote, strerror(-ret), OVS_FDS_NEEDED);
	quiet_ovs();
	if (h->idl && ovsdb_idl_has_ever_connected(h->idl))
		return xkovs_run(h);
	if (!active_remote(h->remote))
		return xkovs_fail(h, -EINVAL, "refusing OVSDB remote '%s': xkvm connects only "
				  "to unix:PATH, tcp:IP:PORT or ssl:IP:PORT (never passive)",
				  h->remote);

	if (!strncmp(h->remote, "unix:", 5)) {
		struct stat st;

		if (stat(h->remote + 5, &st) < 0) {
			ret = -errno;
			if (ret == -ENOENT)
				return xkovs_fail(h, ret, "no Open vSwitch database socket '%s'",
						  h->remote + 5);
			return xkovs_fail(h, ret, "cannot use OVSDB socket '%s': %s",
					  h->remote + 5, strerror(-ret));
		}
	}

	if (!h->idl) {
		h->idl = ovsdb_idl_create_unconnected(&ovsrec_idl_class, false);
		ovsdb_idl_set_remote(h->idl, h->remote, true);
		ovsdb_idl_set_db_change_aware(h->idl, false);
		monitor(h->idl);
		xkovs_scope_init(h);
	}
	deadline = xkovs_deadline(h, 0);
	for (;;) {
		int err;

		ret = xkovs_run(h);
		if (ret < 0)
			goto out;
		if (ovsdb_idl_has_ever_connected(h->idl)) {
			ret = 0;
			goto out;
		}
		/* The session retries forever: a refused or failed connection
		 * before the first contents is a verdict, not a hiccup. */
		err = ovsdb_idl_get_last_error(h->idl);
		if (err && !ovsdb_idl_is_connected(h->idl)) {
			ret = xkovs_fail(h, err == EOF ? -ECONNRESET : -err,
					 "cannot connect to OVSDB at '%s': %s",
					 h->remote, conn_strerror(err));
			goto out;
		}
		ret = xkovs_block(h, deadline, "the OVSDB server");
		if (ret < 0) {
			if (ret == -ETIMEDOUT)
				xkovs_fail(h, ret, "OVSDB server at '%s' did not answer within %d ms",
					   h->remote, h->cur_timeout_ms);
			goto out;
		}
	}
out:
	if (ret < 0)
		disconnect(h);
	return ret;
}

int xkovs_connect(struct xkovs *h)
{
	struct xkovs_call c;
	int ret;

	xkovs_call_begin(h, &c);
	ret = xkovs_ensure(h);
	xkovs_call_end(&c);
	return ret;
}
