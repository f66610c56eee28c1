/* tapctl: `xkvm tap-control MODE ...`, the privileged half of a launch
 * (run through sudo by an unprivileged xkvm) and a tool of its own. */
#include "cmd/tapctl.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/nic.h"
#include "base/xkvm.h"
#include "cmd/options.h"
#include "cmd/tapctl-int.h"
#include "ctl/rundir.h"
#include "net/nics.h"
#include "net/ovsclean.h"
#include "net/owner.h"
#include "net/reap.h"
#include "plan/cli.h"

/* Options a mode accepts (struct mode.opts). */
#define O_OWNER   (1u << 0)	/* --owner-pid PID */
#define O_OVSDB   (1u << 1)	/* --ovsdb REMOTE, --ovs-timeout SEC */
#define O_FORCE   (1u << 2)	/* --force */
#define O_DATAPATH (1u << 3)	/* --with-datapath */
#define O_WAITS   (1u << 4)	/* --ovs-no-wait, --ovn-timeout SEC, --ovn-no-wait */

struct mode {
	const char *name;
	int (*run)(int argc, char **argv, const struct tapctl_opts *o);
	unsigned opts;
	const char *usage;	/* after "tap-control " */
	const char *help;
};

static const struct mode *current;

static void usage(FILE *f)
{
	fprintf(f, "Usage: xkvm tap-control %s\n%s", current->usage, current->help);
}

/* Parses the options 'current' accepts into *o.  Returns -1 to go on, else
 * an exit status (help printed, or a usage error). */
static int parse_opts(int argc, char **argv, struct tapctl_opts *o)
{
	enum { OPT_OWNER = 256, OPT_FORCE, OPT_DATAPATH };
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "owner-pid", required_argument, NULL, OPT_OWNER },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "with-datapath", no_argument, NULL, OPT_DATAPATH },
		CLI_OVS_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	char *end, *err = NULL;
	long v;
	int c, r;

	opterr = 0;
	optind = 0;	/* full re-initialization (GNU) */
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		unsigned need = c == OPT_OWNER ? O_OWNER :
				c == CLI_OVSDB || c == CLI_OVS_TIMEOUT ? O_OVSDB :
				c == OPT_FORCE ? O_FORCE :
				c == OPT_DATAPATH ? O_DATAPATH :
				c == CLI_OVS_NO_WAIT || c == CLI_OVN_TIMEOUT ||
				c == CLI_OVN_NO_WAIT || c == CLI_OVS_IFACE_STEAL ? O_WAITS : 0;

		if (need && !(current->opts & need))
			c = '?';
		switch (c) {
		case 'v':
			xkvm_verbosity++;
			break;
		case 'h':
			usage(stdout);
			return xkvm_flush_stdout() < 0 ? XKVM_EXIT_FAILURE : 0;
		case OPT_OWNER:
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v <= 0 || v > INT_MAX) {
				xkvm_error("invalid --owner-pid '%s'", optarg);
				return XKVM_EXIT_USAGE;
			}
			o->owner_pid = (pid_t)v;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_DATAPATH:
			o->with_datapath = true;
			break;
		case CLI_OVSDB: case CLI_OVS_TIMEOUT: case CLI_OVS_NO_WAIT:
		case CLI_OVN_TIMEOUT: case CLI_OVN_NO_WAIT: case CLI_OVS_IFACE_STEAL:
			r = cli_ovs_option(&o->ovs, c, optarg, &err);
			if (r < 0) {
				xkvm_error("%s", err ? err : "out of memory");
				free(err);
				return r == -EINVAL ? XKVM_EXIT_USAGE : XKVM_EXIT_FAILURE;
			}
			break;
		case ':':
			xkvm_error("tap-control %s: option '%s' needs an argument", current->name,
				   argv[optind - 1]);
			return XKVM_EXIT_USAGE;
		default:
			if (optopt > 0 && optopt < 256)	/* a short option, maybe among others */
				xkvm_error("tap-control %s: unknown option '-%c'", current->name,
					   optopt);
			else
				xkvm_error("tap-control %s: unknown option '%s'", current->name,
					   argv[optind - 1]);
			return XKVM_EXIT_USAGE;
		}
	}
	return -1;
}

bool tapctl_need_root(const char *mode)
{
	if (geteuid() == 0)
		return true;
	xkvm_error("must be root for %s", mode);
	return false;
}

static bool need_root(void)
{
	return tapctl_need_root(current->name);
}

/* make-nics' count of the caller's taps (max-taps), under the caller's
 * lock from just before its taps are made until they exist, tagged. */
struct tap_count {
	const struct tapctl_opts *o;
	unsigned long want, max;
	int lock;
};

static int count_begin(void *arg)
{
	struct tap_count *c = arg;
	int ret = tapctl_priv_lock(c->o, true, &c->lock);

	if (ret == 0)
		ret = tapctl_priv_count(c->o, c->want, c->max);
	return ret;
}

static void count_end(void *arg)
{
	struct tap_count *c = arg;

	tapctl_priv_unlock(c->lock);
	c->lock = -1;
}

static int cmd_make_nics(int argc, char **argv, const struct tapctl_opts *o)
{
	struct nics_options nopt;
	pid_t owner;
	struct nics *ns = NULL;
	struct nic *nics = NULL;
	size_t count, parsed = 0;
	char *err = NULL, *line;
	struct tap_count tc = { o, 0, ULONG_MAX, -1 };
	int ret = XKVM_EXIT_FAILURE;

	if (optind >= argc) {
		usage(stderr);
		xkvm_error("must give bridge");
		return XKVM_EXIT_USAGE;
	}
	count = (size_t)(argc - optind);
	nics = calloc(count, sizeof(*nics));
	if (!nics) {
		xkvm_error("out of memory");
		goto out;
	}
	/* A bridge name, or (from a launch run through sudo) the wire format
	 * of base/nic.h. */
	for (; parsed < count; parsed++) {
		int r = nic_wire_parse(argv[optind + (int)parsed], (unsigned)parsed,
				       &nics[parsed], &err);

		if (r < 0) {
			xkvm_error("%s", err ? err : "out of memory");
			free(err);
			parsed++;	/* released below */
			ret = r == -EINVAL ? XKVM_EXIT_USAGE : XKVM_EXIT_FAILURE;
			goto out;
		}
	}
	if (!need_root() || tapctl_priv_acl(o, nics, count, &tc.max) < 0 ||
	    tapctl_priv_owner(o, &owner) < 0)
		goto out;
	for (size_t i = 0; i < count; i++)
		tc.want += nics[i].kind != NIC_USER;
	nopt = cmd_nics_options(&o->ovs, owner, xkvm_verbosity);
	/* Through sudo the caller's taps are counted under their lock, held
	 * until the new ones exist: two calls at once cannot both pass
	 * max-taps (the bridges' lookup and the OVS ports run unlocked). */
	nopt.taps_begin = count_begin;
	nopt.taps_end = count_end;
	nopt.taps_arg = &tc;
	if (nics_new(&nopt, &ns) < 0 || nics_make(ns, nics, count) < 0)
		goto out;
	for (size_t i = 0; i < count; i++) {
		if (nic_wire_reply(&nics[i], o->with_datapath, &line) < 0) {
			xkvm_error("out of memory");
			goto out;	/* nics_free() removes them */
		}
		printf("%s\n", line);
		free(line);
	}
	/* The caller learns the names only from stdout: keep the taps only
	 * when it got them. */
	if (xkvm_flush_stdout() < 0)
		goto out;
	nics_keep(ns);
	ret = 0;
out:
	tapctl_priv_unlock(tc.lock);
	nics_free(ns);
	for (size_t i = 0; i < parsed; i++)
		nic_release(&nics[i]);
	free(nics);
	return ret;
}

/* del-nics' and ovs-cleanup's common start: at least one item, root,
 * the ACL's force rule and the invoking uid in *uid.  Returns 0 or the
 * exit status (said). */
static int removal_start(int argc, const struct tapctl_opts *o, const char *item, uid_t *uid)
{
	if (optind >= argc) {
		usage(stderr);
		xkvm_error("must give %s", item);
		return XKVM_EXIT_USAGE;
	}
	if (!need_root() || tapctl_priv_force(o, current->name) < 0)
		return XKVM_EXIT_FAILURE;
	if (owner_invoking_uid(uid) < 0) {
		xkvm_error("invalid SUDO_UID '%s'", getenv("SUDO_UID"));
		return XKVM_EXIT_FAILURE;
	}
	return 0;
}

static int cmd_del_nics(int argc, char **argv, const struct tapctl_opts *o)
{
	uid_t uid;
	int lock = -1, ret = removal_start(argc, o, "tap", &uid);

	if (ret)
		return ret;
	if (tapctl_priv_lock(o, false, &lock) < 0)
		return XKVM_EXIT_FAILURE;
	ret = nics_delete_owned((const char *const *)argv + optind,
				(size_t)(argc - optind), uid);
	tapctl_priv_unlock(lock);
	return ret == 0 ? 0 : XKVM_EXIT_FAILURE;
}

static int cmd_ovs_cleanup(int argc, char **argv, const struct tapctl_opts *o)
{
	uid_t uid;
	int lock = -1, ret = removal_start(argc, o, "bridge:port", &uid);

	if (ret)
		return ret;
	if (tapctl_priv_lock(o, false, &lock) < 0)
		return XKVM_EXIT_FAILURE;
	ret = ovs_cleanup((const char *const *)argv + optind, (size_t)(argc - optind), uid,
			  o->force, o->ovs.ovsdb, o->ovs.ovs_timeout_ms);
	tapctl_priv_unlock(lock);
	return ret < 0 ? XKVM_EXIT_FAILURE : 0;
}

static void said_name(const char *name, void *arg)
{
	(void)arg;
	printf("removed the control sockets of dead launch '%s'\n", name);
}

static int cmd_gc(int argc, char **argv, const struct tapctl_opts *o)
{
	struct reap_result res;
	int r;

	(void)argv;
	if (optind < argc) {
		usage(stderr);
		xkvm_error("gc takes no arguments");
		return XKVM_EXIT_USAGE;
	}
	if (!need_root())
		return XKVM_EXIT_FAILURE;
	if (reap_dead_of(NULL, o->ovs.ovsdb, o->ovs.ovs_timeout_ms, true, tapctl_priv_uid(o),
			 &res) < 0 ||
	    reap_stale_locks(tapctl_priv_uid(o), &res) < 0)
		return XKVM_EXIT_FAILURE;
	/* Dead named launches' sockets in root's run directory (a user's own
	 * go at their next named launch: root does not walk a user's). */
	r = tapctl_priv_uid(o) ? 0 : ctl_names_reap(said_name, NULL);
	if (r == -EPERM) {
		xkvm_debug(1, "not looking for dead launches' sockets in a run directory that "
			   "is not root's private one (no launch can use it)");
	} else if (r < 0) {
		xkvm_error("cannot remove dead launches' control sockets: %s", strerror(-r));
		res.failed++;
	}
	xkvm_debug(1, "gc: removed %zu tap(s), %zu port(s), %zu socket dir(s), %zu lock(s), "
		   "%d name(s), %zu failed", res.taps, res.ports, res.dirs, res.locks,
		   r > 0 ? r : 0, res.failed);
	if (xkvm_flush_stdout() < 0)
		return XKVM_EXIT_FAILURE;
	return res.failed ? XKVM_EXIT_FAILURE : 0;
}

static int cmd_list(int argc, char **argv, const struct tapctl_opts *o)
{
	(void)argv;
	if (optind < argc) {
		usage(stderr);
		xkvm_error("list takes no arguments");
		return XKVM_EXIT_USAGE;
	}
	if (tapctl_list(o) < 0)
		return XKVM_EXIT_FAILURE;
	return xkvm_flush_stdout() < 0 ? XKVM_EXIT_FAILURE : 0;
}

#define OVSDB_OPTIONS_HELP \
	"           --ovsdb REMOTE  OVSDB remote (default unix:$OVS_RUNDIR/db.sock)\n" \
	"           --ovs-timeout S seconds an OVSDB wait may go without\n" \
	"                           progress (default 5)\n"

static const struct mode modes[] = {
	{ "make-nics", cmd_make_nics, O_OWNER | O_OVSDB | O_DATAPATH | O_WAITS,
	  "make-nics [options] bridge [bridge [..]]",
	  "\n   make a tap device on each of bridges requested\n"
	  "   outputs: 'tapname:type' for each input, or 'skip' if nothing needed.\n"
	  "\n   type is one of 'brctl' or 'ovs'\n"
	  "\n   options:\n"
	  "      -v | --verbose       more messages\n"
	  "           --owner-pid PID the process the taps belong to (default: the\n"
	  "                           caller, past sudo); when it is gone, 'gc' and\n"
	  "                           the next launch remove them.  1 keeps them.\n"
	  OVSDB_OPTIONS_HELP
	  "           --with-datapath print 'tapname:ovs:DATAPATH' for OVS bridges\n"
	  "           --ovs-no-wait   do not wait for ovs-vswitchd to apply the ports\n"
	  "           --ovn-timeout S bound of the wait for OVN bindings (default 10)\n"
	  "           --ovn-no-wait   do not wait for OVN bindings\n"
	  "           --ovs-iface-steal  take an ovs-iface-id from the live or\n"
	  "                           foreign port holding it (a dead xkvm's goes\n"
	  "                           anyway)\n"
	  "\n   A bridge may carry the NIC's MAC, mtu=, queues= and ovs-* tokens, as a\n"
	  "   launch's NETDEV does:\n"
	  "   'br0,mac=52:54:00:12:34:01,ovs-tag=10' (what a launch run through sudo\n"
	  "   passes).\n" },
	{ "del-nics", cmd_del_nics, 0, "del-nics [options] tap [tap [..]]",
	  "\n   delete taps that xkvm made for the invoking user (SUDO_UID when\n"
	  "   run through sudo); refuses any other interface.\n" },
	{ "ovs-cleanup", cmd_ovs_cleanup, O_OVSDB | O_FORCE,
	  "ovs-cleanup [options] bridge:port [bridge:port [..]]",
	  "\n   remove OVS ports that xkvm made for the invoking user; refuses\n"
	  "   any other port unless --force.\n"
	  "\n   options:\n"
	  "           --force         remove ports xkvm did not make too (root\n"
	  "                           only, not through sudo; never a bridge's own)\n"
	  OVSDB_OPTIONS_HELP },
	{ "gc", cmd_gc, O_OVSDB, "gc [options]",
	  "\n   remove every tap and OVS port xkvm made whose owner process is gone\n"
	  "   (another boot, or no process with its pid and start time); prints\n"
	  "   what it removed.  Live owners' and untagged ones are never touched;\n"
	  "   through sudo, only the invoking user's.  Also removes the lock\n"
	  "   files in /run/xkvm no one holds (their holder was killed) and, as\n"
	  "   root, dead named launches' control sockets in root's run directory\n"
	  "   ($XKVM_RUN_DIR, else /run/xkvm).\n"
	  "\n   options:\n"
	  OVSDB_OPTIONS_HELP },
	{ "list", cmd_list, O_OVSDB, "list [options]",
	  "\n   list the taps and OVS ports xkvm made, one JSON object a line:\n"
	  "   kind, name, bridge, owner pid, uid, whether the owner lives, for OVS\n"
	  "   ports their OpenFlow port and, with an iface-id, their OVN binding\n"
	  "   (ovn-installed).\n"
	  "\n   options:\n"
	  OVSDB_OPTIONS_HELP },
	{ "link", tapctl_cmd_link, 0, "link [options] TAP up|down",
	  "\n   set a tap xkvm made administratively up or down (the host side of\n"
	  "   `xkvm ctl NAME link`); through sudo only the invoking user's.\n" },
	{ "netem", tapctl_cmd_netem, 0, "netem [options] TAP SPEC|off",
	  "\n   put a netem qdisc on a tap xkvm made (what the host sends into the\n"
	  "   guest), or remove it: SPEC is delay=MS,jitter=MS,loss=PCT,rate=KBIT\n"
	  "   (any of them); through sudo only the invoking user's taps.\n" },
	{ "capture", tapctl_cmd_capture, 0, "capture [options] TAP [COUNT]",
	  "\n   write the traffic of a tap xkvm made as a pcap to stdout (not a\n"
	  "   terminal) until COUNT packets (0 or none: until SIGINT or SIGTERM);\n"
	  "   through sudo only the invoking user's taps.\n" },
	{ "move-nic", tapctl_cmd_move_nic, O_OWNER | O_OVSDB, "move-nic [options] TAP FROM TO",
	  "\n   move a tap of the --owner-pid process (an unprivileged launch)\n"
	  "   from the bridge FROM to TO, each a bridge with its ovs-* options as\n"
	  "   make-nics takes them ('br1,ovs-tag=7'); through sudo both must be\n"
	  "   granted by the ACL.  Prints 'tapname:type[:DATAPATH]'.  On failure\n"
	  "   the tap goes back to FROM when it can.\n"
	  "\n   options:\n"
	  "           --owner-pid PID the launch the tap belongs to (default: the\n"
	  "                           caller, past sudo)\n"
	  OVSDB_OPTIONS_HELP },
	{ "bridges", tapctl_cmd_bridges, O_OVSDB, "bridges [options]",
	  "\n   list the bridges a NIC can go on, one JSON object a line: kind\n"
	  "   'linux' (from the kernel; with up and mtu), 'ovs' (with datapath) or\n"
	  "   'ovs-fake' (a fake VLAN bridge: parent, vlan, datapath), and name.\n"
	  "   Without OVS (no database socket), Linux bridges only.\n"
	  "\n   options:\n"
	  OVSDB_OPTIONS_HELP },
};

#define N_MODES (sizeof(modes) / sizeof(modes[0]))

static void bad_mode(void)
{
	char list[256] = "";
	size_t len = 0;

	for (size_t i = 0; i < N_MODES && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i == 0 ? "" : i + 1 == N_MODES ? " or " : ", ",
					modes[i].name);
	xkvm_error("tap mode must be %s%s", N_MODES == 2 ? "either " : "one of ", list);
}

/* 'tap-control --help': every mode's usage line. */
static int overview(void)
{
	printf("Usage: xkvm tap-control MODE ...\n\n   modes:\n");
	for (size_t i = 0; i < N_MODES; i++)
		printf("      %s\n", modes[i].usage);
	printf("\n   'xkvm tap-control MODE --help' describes each.\n");
	return xkvm_flush_stdout() < 0 ? XKVM_EXIT_FAILURE : 0;
}

int tapctl_main(int argc, char **argv)
{
	struct tapctl_opts o = { .ovs = CLI_OVS_INIT };
	int ret;

	if (argc < 2) {
		xkvm_error("must give mode to tap-control");
		return XKVM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return overview();
	for (size_t i = 0; i < N_MODES; i++) {
		if (strcmp(argv[1], modes[i].name))
			continue;
		current = &modes[i];
		ret = parse_opts(argc - 1, argv + 1, &o);
		if (ret >= 0)
			goto out;
		ret = cleanup_init();
		if (ret < 0) {
			xkvm_error("cannot set up cleanup: %s", strerror(-ret));
			ret = XKVM_EXIT_FAILURE;
			goto out;
		}
		if (tapctl_priv_init(&o) < 0) {
			ret = XKVM_EXIT_FAILURE;
			goto out;
		}
		/* make-nics checks its NICs too, once they are parsed */
		if (tapctl_priv_acl(&o, NULL, 0, NULL) < 0) {
			ret = XKVM_EXIT_FAILURE;
			goto out;
		}
		ret = modes[i].run(argc - 1, argv + 1, &o);
		/* A terminating signal during del-nics, ovs-cleanup, gc or list
		 * (make-nics dies by it, removing its taps) lets the bounded
		 * work finish with its own status: they are the teardown of an
		 * unprivileged launch, which a second ^C must not cut short. */
		cleanup_run();
out:
		priv_caller_release(&o.caller);
		cli_ovs_release(&o.ovs);
		return ret;
	}
	bad_mode();
	return XKVM_EXIT_USAGE;
}
