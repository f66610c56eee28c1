/* ovs-client: a test driver over ovsdb/xkovs.h.
 *
 *   ovs-client [-r REMOTE] [-t MS] [-o OWNER] [-n] [-w] [-f] [-T] CMD ARG...
 *     is-bridge NAME     prints "NAME PARENT VLAN DATAPATH_TYPE" (VLAN -1 for
 *                        a real bridge); exit 1 when NAME is no OVS bridge
 *     list-br            every bridge, real and fake, one a line
 *     add-ports SPEC...  SPEC is BR:IF[,tag=N][,trunks=A:B][,iface-id=X]
 *                        [,mac=M][,vm-id=V][,ext=K=V]...; all in one
 *                        transaction; prints "IF OFPORT" for each
 *     del-ports [BR:]IF...
 *     list-owned         prints "BRIDGE PORT OWNER" for each tagged port
 *     wait-ovn IF
 *   -r REMOTE  (default unix:$OVS_RUNDIR/db.sock)   -t timeout in ms (5000)
 *   -o OWNER   owner string (default "ovs-client")  -n add without waiting
 *   -w del waits for ovs-vswitchd   -f del forces   -T prints "time: N ms"
 *                                                   (the command alone)
 *   -W FILE    between connecting and the command, prints "connected" to
 *              stderr and waits (up to 60 s) until FILE exists: the test
 *              creates it once it has done what it wanted meanwhile (stopped
 *              or restarted a daemon)
 *   -N         monitors only its own rows (xkovs_monitor_own()), as a launch
 *              does; $OVS_CLIENT_OPTS in tests/lib/ovs.sh may add it
 *   -D         judges owners whose string begins with "dead" dead
 *              (xkovs_set_owner_judge())   -R  add reaps their ports
 *              (XKOVS_REAP_STALE)
 *   -F         prints "inheritable: N" to stderr at the end: how many more
 *              descriptors above 2 lack FD_CLOEXEC than at the start (want 0)
 * Exit: 0 ok, 1 failure ("ovs-client: MESSAGE [ERRNO-NAME]" on stderr),
 * 2 usage, 3 no OVS on this host (no database socket). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ovsdb/xkovs.h"
#include "../unit/fds.h"

#define MAX_EXT 16

struct spec {
	struct xkovs_port port;
	const char *ext[MAX_EXT + 1];
	char *buf;
};

/* -D's judge: an owner string that begins with "dead" is a dead owner. */
static bool dead_prefix(const char *owner, void *aux)
{
	(void)aux;
	return !strncmp(owner, "dead", 4);
}

static int usage(void)
{
	fprintf(stderr, "usage: ovs-client [-r REMOTE] [-t MS] [-o OWNER] [-n] [-w] [-f] [-T] [-W FILE] [-F] [-N] [-D] [-R] "
		"is-bridge|list-br|add-ports|del-ports|list-owned|wait-ovn ARG...\n");
	return 2;
}

static int failed(struct xkovs *h, int ret)
{
	fprintf(stderr, "ovs-client: %s [%s]\n", xkovs_error(h), strerrorname_np(-ret));
	return 1;
}

/* Parses "BR:IF,opt,..." (or "IF" when !need_bridge) into 's'. */
static int parse_spec(const char *arg, struct spec *s, int need_bridge)
{
	char *colon, *tok, *save = NULL;
	size_t next = 0;

	s->port = (struct xkovs_port)XKOVS_PORT_INIT;
	s->buf = strdup(arg);
	if (!s->buf)
		return -ENOMEM;
	colon = strchr(s->buf, ':');
	if (!colon) {
		if (need_bridge)
			return -EINVAL;
		s->port.name = s->buf;
		return 0;
	}
	*colon = '\0';
	s->port.bridge = s->buf;
	tok = strtok_r(colon + 1, ",", &save);
	if (!tok)
		return -EINVAL;
	s->port.name = tok;
	/* Everything but mac= is an OVS option as xkvm passes them
	 * (ovsdb/xkovs.h), ext=K=V standing for "ext:K=V". */
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strncmp(tok, "mac=", 4)) {
			s->port.attached_mac = tok + 4;
			continue;
		}
		if (next == MAX_EXT)
			return -EINVAL;
		if (!strncmp(tok, "ext=", 4))
			tok[3] = ':';
		s->ext[next++] = tok;
	}
	s->ext[next] = NULL;
	s->port.opts = next ? s->ext : NULL;
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmd_ports(struct xkovs *h, int add, char **argv, int argc,
		     const char *owner, unsigned flags, double *t0)
{
	struct spec *specs = calloc((size_t)argc, sizeof *specs);
	struct xkovs_port *ports = calloc((size_t)argc, sizeof *ports);
	int i, ret = 2;

	if (!specs || !ports) {
		ret = 1;
		goto out;
	}
	for (i = 0; i < argc; i++) {
		if (parse_spec(argv[i], &specs[i], add) < 0) {
			fprintf(stderr, "ovs-client: invalid port spec '%s'\n", argv[i]);
			goto out;
		}
		ports[i] = specs[i].port;
	}
	*t0 = now_ms();
	ret = add ? xkovs_add_ports(h, ports, (size_t)argc, owner, flags)
		  : xkovs_del_ports(h, ports, (size_t)argc, owner, flags);
	if (ret < 0) {
		ret = failed(h, ret);
		goto out;
	}
	for (i = 0; add && i < argc; i++)
		printf("%s %lld\n", ports[i].name, (long long)ports[i].ofport);
	ret = 0;
out:
	for (i = 0; specs && i < argc; i++)
		free(specs[i].buf);
	free(specs);
	free(ports);
	return ret;
}

static int run(struct xkovs *h, const char *cmd, char **args, int nargs,
	       const char *owner, unsigned flags, double *t0)
{
	int ret;
	size_t i, n;

	*t0 = now_ms();
	if (!strcmp(cmd, "is-bridge") && nargs == 1) {
		struct xkovs_bridge b;

		ret = xkovs_bridge_get(h, args[0], &b);
		if (ret < 0)
			return failed(h, ret);
		printf("%s %s %d %s\n", b.name, b.parent, b.vlan,
		       *b.datapath_type ? b.datapath_type : "system");
		xkovs_bridge_release(&b);
		return 0;
	}
	if (!strcmp(cmd, "list-br") && nargs == 0) {
		char **names;

		ret = xkovs_list_bridges(h, &names);
		if (ret < 0)
			return failed(h, ret);
		for (i = 0; names[i]; i++)
			printf("%s\n", names[i]);
		xkovs_names_free(names);
		return 0;
	}
	if (!strcmp(cmd, "list-owned") && nargs == 0) {
		struct xkovs_owned *o;

		ret = xkovs_list_owned(h, &o, &n);
		if (ret < 0)
			return failed(h, ret);
		for (i = 0; i < n; i++)
			printf("%s %s %s\n", o[i].bridge, o[i].port, o[i].owner);
		xkovs_owned_free(o, n);
		return 0;
	}
	if (!strcmp(cmd, "wait-ovn") && nargs == 1) {
		ret = xkovs_wait_ovn_installed(h, args[0], 0);
		return ret < 0 ? failed(h, ret) : 0;
	}
	if (!strcmp(cmd, "add-ports") && nargs > 0)
		return cmd_ports(h, 1, args, nargs, owner, flags, t0);
	if (!strcmp(cmd, "del-ports") && nargs > 0)
		return cmd_ports(h, 0, args, nargs, owner, flags, t0);
	return usage();
}

int main(int argc, char **argv)
{
	const char *remote = NULL, *owner = "ovs-client";
	unsigned flags = 0;
	int timeout = 0, timing = 0, fds = 0, narrow = 0, judge = 0, fds0 = inheritable_fds(), opt, ret;
	const char *go = NULL;
	struct xkovs *h;
	double t0, t1;

	while ((opt = getopt(argc, argv, "+r:t:o:nwfTW:FNDR")) != -1) {
		switch (opt) {
		case 'r': remote = optarg; break;
		case 't': timeout = atoi(optarg); break;
		case 'o': owner = optarg; break;
		case 'n': flags |= XKOVS_NO_WAIT; break;
		case 'w': flags |= XKOVS_WAIT; break;
		case 'f': flags |= XKOVS_FORCE; break;
		case 'T': timing = 1; break;
		case 'F': fds = 1; break;
		case 'W': go = optarg; break;
		case 'N': narrow = 1; break;
		case 'D': judge = 1; break;
		case 'R': flags |= XKOVS_REAP_STALE; break;
		default: return usage();
		}
	}
	if (optind >= argc)
		return usage();
	h = xkovs_new(remote, timeout);
	if (!h) {
		fprintf(stderr, "ovs-client: out of memory\n");
		return 1;
	}
	if (narrow)
		xkovs_monitor_own(h);
	if (judge)
		xkovs_set_owner_judge(h, dead_prefix, NULL);
	ret = xkovs_connect(h);
	if (ret == -ENOENT) {
		fprintf(stderr, "ovs-client: no OVS: %s\n", xkovs_error(h));
		ret = 3;
	} else if (ret < 0) {
		ret = failed(h, ret);
	} else {
		if (go) {
			struct timespec tick = { 0, 10 * 1000000L };

			fprintf(stderr, "connected\n");
			for (int i = 0; i < 6000 && access(go, F_OK) != 0; i++)
				nanosleep(&tick, NULL);
		}
		ret = run(h, argv[optind], argv + optind + 1, argc - optind - 1, owner, flags, &t0);
		t1 = now_ms();
		if (timing)
			fprintf(stderr, "time: %.1f ms\n", t1 - t0);
	}
	if (fds)
		fprintf(stderr, "inheritable: %d\n", inheritable_fds() - fds0);
	xkovs_free(h);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ovs-client: cannot write output\n");
		ret = 1;
	}
	return ret;
}
