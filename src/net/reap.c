#include "net/reap.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/lockfile.h"

#include "net/ovsports.h"
#include "net/owner.h"
#include "net/taps.h"
#include "net/vhostdir.h"
#include "netlink/xknl.h"
#include "ovsdb/xkovs.h"
#include "base/xkvm.h"

struct scan {
	struct tap *v;
	pid_t *pids;		/* each tap's owner */
	size_t n, alloc;
	int err;
	const uid_t *uid;	/* only this user's, when set */
};

/* 1 when 'tag' names an owner that is gone (and, with 'uid', was that
 * user's), 0 otherwise (live, not ours, or cannot tell). */
static int owner_dead(const char *tag, const uid_t *uid, pid_t *pid)
{
	struct owner o;

	if (owner_parse(tag, &o) < 0 || (uid && o.uid != *uid))
		return 0;
	*pid = o.pid;
	return owner_alive(&o) == 0;
}

static int collect_tap(const struct xknl_link *l, void *arg)
{
	struct scan *s = arg;
	pid_t pid;

	if (strcmp(l->kind, "tun") || !owner_dead(l->alias, s->uid, &pid))
		return 0;
	if (s->n == s->alloc) {
		size_t alloc = s->alloc ? 2 * s->alloc : 16;
		struct tap *v = realloc(s->v, alloc * sizeof(*v));
		pid_t *pids = v ? realloc(s->pids, alloc * sizeof(*pids)) : NULL;

		if (v)
			s->v = v;
		if (!pids) {
			s->err = -ENOMEM;
			return 1;
		}
		s->pids = pids;
		s->alloc = alloc;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
	s->v[s->n].ifindex = l->ifindex;
	s->v[s->n].group = l->group;
	memcpy(s->v[s->n].name, l->name, sizeof(s->v[s->n].name));
	s->pids[s->n] = pid;
	s->n++;
	return 0;
}

static void reap_taps(struct xknl *nl, struct scan *s, bool report, struct reap_result *res)
{
	/* Only dead owners' taps are listed: a group of them goes at once. */
	taps_delete(nl, s->v, s->n, NULL);
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].err < 0) {
			xkvm_error("cannot remove tap '%s': %s", s->v[i].name, s->v[i].why);
			res->failed++;
			continue;
		}
		res->taps++;
		if (report)
			printf("removed tap %s (owner pid %d)\n", s->v[i].name, (int)s->pids[i]);
	}
}

/* A dead owner's vhost-user port named its socket: its launch directory
 * goes with the port (nothing else records where it is). */
static void reap_vhost_dir(const char *sock, uid_t uid, bool report, struct reap_result *res)
{
	int r = vhostdir_reap(sock, uid);

	if (r < 0) {
		xkvm_error("cannot remove the directory of vhost-user socket '%s': %s", sock,
			   strerror(-r));
		res->failed++;
	} else if (r > 0) {
		res->dirs++;
		if (report)
			printf("removed vhost-user socket directory of %s\n", sock);
	}
}

/* Removes the dead ports of one owner, 'tag', checked against the tag
 * inside the transaction: a port of that name that meanwhile belongs to
 * someone else (reaped by another xkvm, the name reused by a live launch)
 * is refused, never removed.  On a refusal, one port at a time to know
 * which went. */
static void reap_owner_ports(struct xkovs *h, const char *tag, struct xkovs_port *ports,
			     const char *const *socks, size_t n, bool report,
			     struct reap_result *res)
{
	int ret = xkovs_del_ports(h, ports, n, tag, 0);
	struct owner o;

	if (owner_parse(tag, &o) < 0)
		return;	/* cannot be: only dead owners' tags come here */

	for (size_t i = 0; i < n; i++) {
		int r = ret;

		if (ret == -EPERM)
			r = xkovs_del_ports(h, &ports[i], 1, tag, 0);
		if (r == -EPERM)
			continue;	/* not the dead owner's any more */
		if (r < 0) {
			xkvm_error("cannot remove Open vSwitch port '%s': %s", ports[i].name,
				   xkovs_error(h));
			res->failed++;
			continue;
		}
		res->ports++;
		if (report)
			printf("removed port %s from %s\n", ports[i].name, ports[i].bridge);
		if (socks[i])
			reap_vhost_dir(socks[i], o.uid, report, res);
	}
}

/* Launch directories no port names and whose owner is gone (a launch
 * killed before its port existed); 'socks' are every owned port's. */
static void reap_orphan_dirs(const char *const *socks, size_t n, bool report,
			     struct reap_result *res)
{
	size_t before = res->dirs;
	int r = vhostdir_reap_orphans(socks, n, &res->dirs);

	if (r < 0)
		xkvm_error("cannot look for vhost-user socket directories: %s", strerror(-r));
	if (report && res->dirs > before)
		printf("removed %zu vhost-user socket directory(ies) of dead launches\n",
		       res->dirs - before);
}

/* The Mirror rows of dead owners (`xkvm ctl NAME mirror`): their ports
 * going leaves them empty, so they go too.  Failures are printed only. */
static void reap_mirrors(struct xkovs *h, const uid_t *uid, bool report)
{
	struct xkovs_owned *m = NULL;
	size_t n = 0;
	pid_t pid;

	if (xkovs_list_owned_mirrors(h, &m, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!owner_dead(m[i].owner, uid, &pid))
			continue;
		if (xkovs_mirror_del(h, m[i].port, m[i].owner) < 0)
			xkvm_error("cannot remove mirror '%s': %s", m[i].port, xkovs_error(h));
		else if (report)
			printf("removed mirror %s from %s\n", m[i].port, m[i].bridge);
	}
	xkovs_owned_free(m, n);
}

static int reap_ports(struct xkovs *db, const char *ovsdb, int timeout_ms, bool report,
		      const uid_t *uid, struct reap_result *res)
{
	struct xkovs *own = NULL, *h = db;
	struct xkovs_owned *owned = NULL;
	struct xkovs_port *ports = NULL;
	const char **socks = NULL;
	size_t n_owned = 0;
	bool *done = NULL;
	int ret = 0;

	if (!h) {
		ret = ovsports_open(ovsdb, timeout_ms, false, &own);
		if (ret == 0 && !own)
			reap_orphan_dirs(NULL, 0, report, res);	/* no Open vSwitch here */
		if (ret < 0 || !own)
			return ret;	/* printed, or no Open vSwitch here */
		h = own;
	}
	ret = xkovs_list_owned(h, &owned, &n_owned);
	if (ret < 0) {
		xkvm_error("%s", xkovs_error(h));
		goto out;
	}
	ports = calloc(n_owned ? n_owned : 1, sizeof(*ports));
	done = calloc(n_owned ? n_owned : 1, sizeof(*done));
	socks = calloc(n_owned ? n_owned : 1, sizeof(*socks));
	if (!ports || !done || !socks) {
		ret = -ENOMEM;
		goto out;
	}
	/* One transaction per dead owner (usually one or none). */
	for (size_t i = 0; i < n_owned; i++) {
		size_t n = 0;
		pid_t pid;

		if (done[i] || !owner_dead(owned[i].owner, uid, &pid))
			continue;
		for (size_t k = i; k < n_owned; k++) {
			if (done[k] || strcmp(owned[k].owner, owned[i].owner))
				continue;
			done[k] = true;
			ports[n] = (struct xkovs_port)XKOVS_PORT_INIT;
			ports[n].bridge = owned[k].bridge;
			ports[n].name = owned[k].port;
			socks[n] = owned[k].vhost_socket;
			n++;
		}
		reap_owner_ports(h, owned[i].owner, ports, socks, n, report, res);
	}
	for (size_t i = 0; i < n_owned; i++)
		socks[i] = owned[i].vhost_socket;	/* every port's, dead or alive */
	reap_orphan_dirs(socks, n_owned, report, res);
	reap_mirrors(h, uid, report);
	ret = 0;
out:
	if (ret == -ENOMEM)
		xkvm_error("out of memory");
	free(done);
	free(socks);
	free(ports);
	xkovs_owned_free(owned, n_owned);
	xkovs_free(own);
	return ret;
}

int reap_dead(struct xkovs *db, const char *ovsdb, int timeout_ms, bool report,
	      struct reap_result *res)
{
	return reap_dead_of(db, ovsdb, timeout_ms, report, NULL, res);
}

int reap_dead_of(struct xkovs *db, const char *ovsdb, int timeout_ms, bool report,
		 const uid_t *uid, struct reap_result *res)
{
	struct xknl *nl = NULL;
	struct scan s = { NULL, NULL, 0, 0, 0, uid };
	int ret;

	memset(res, 0, sizeof(*res));
	ret = xknl_open(&nl);
	if (ret < 0) {
		xkvm_error("cannot open an rtnetlink socket: %s", strerror(-ret));
		goto out;
	}
	/* The taps are looked at before the ports and removed after them: an
	 * owner dead when its taps were listed is dead when its ports are,
	 * so a tap is never removed while its port stays (the port's name
	 * would be free in the kernel and taken in the database). */
	ret = xknl_link_foreach(nl, 0, collect_tap, &s);
	if (ret >= 0 && s.err)
		ret = s.err;	/* collect_tap() stopped the walk (1) on ENOMEM */
	if (ret < 0) {
		xkvm_error("cannot list links: %s", strerror(-ret));
		goto out;
	}
	ret = reap_ports(db, ovsdb, timeout_ms, report, uid, res);
	if (ret < 0)
		goto out;
	reap_taps(nl, &s, report, res);
out:
	free(s.v);
	free(s.pids);
	xknl_close(nl);
	return ret;
}

static char lock_name[48];

int reap_trylock(int *fd)
{
	struct stat ns;

	*fd = -1;
	if (geteuid() != 0 || stat("/proc/self/ns/net", &ns) < 0)
		return -EPERM;
	snprintf(lock_name, sizeof(lock_name), ".reap-%llu.lock", (unsigned long long)ns.st_ino);
	return lockfile_take(XKVM_ROOT_RUN_DIR, lock_name, false, fd);
}

void reap_unlock(int fd)
{
	lockfile_release(XKVM_ROOT_RUN_DIR, lock_name, fd);
}

/* 1 when 'name' is PREFIX, decimal digits, ".lock". */
static int lock_named(const char *name, const char *prefix)
{
	size_t p = strlen(prefix), d;

	if (strncmp(name, prefix, p) != 0)
		return 0;
	d = strspn(name + p, "0123456789");
	return d > 0 && strcmp(name + p + d, ".lock") == 0;
}

int reap_stale_locks(const uid_t *uid, struct reap_result *res)
{
	char own[40];
	struct dirent *e;
	DIR *d;
	int ret = 0;

	snprintf(own, sizeof(own), ".tapctl-%u.lock", uid ? (unsigned)*uid : 0u);
	d = opendir(XKVM_ROOT_RUN_DIR);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		xkvm_error("cannot read %s: %s", XKVM_ROOT_RUN_DIR, strerror(-ret));
		return ret;
	}
	while ((e = readdir(d))) {
		int r;

		if (uid ? strcmp(e->d_name, own) != 0
			: !lock_named(e->d_name, ".reap-") && !lock_named(e->d_name, ".tapctl-"))
			continue;
		r = lockfile_remove_stale(XKVM_ROOT_RUN_DIR, e->d_name);
		if (r < 0) {
			xkvm_error("cannot remove the stale lock %s/%s: %s", XKVM_ROOT_RUN_DIR,
				   e->d_name, r == -EPERM ? "not root's private directory"
							 : strerror(-r));
			res->failed++;
			if (r == -EPERM)
				break;
		} else if (r > 0) {
			res->locks++;
			xkvm_debug(1, "removed stale lock %s/%s", XKVM_ROOT_RUN_DIR, e->d_name);
		}
	}
	closedir(d);
	return ret;
}
