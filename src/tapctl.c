/* tapctl: `xkvm tap-control MODE ...`, the privileged half of a launch
 * (run through sudo by an unprivileged xkvm) and a tool of its own. */
#include "tapctl.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "netspec.h"
#include "nics.h"
#include "owner.h"
#include "reap.h"
#include "tapctl-int.h"
#include "xkvm.h"

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

/* cli_parse_seconds(), printing its message.  Returns 0 or -EINVAL. */
static int parse_timeout(const char *opt, const char *arg, int *ms)
{
	char *err = NULL;
	int ret = cli_parse_seconds(opt, arg, ms, &err);

	if (ret < 0)
		xkvm_error("%s", err ? err : "out of memory");
	free(err);
	return ret;
}

/* Parses the options 'current' accepts into *o.  Returns -1 to go on, else
 * an exit status (help printed, or a usage error). */
static int parse_opts(int argc, char **argv, struct tapctl_opts *o)
{
	enum { OPT_OWNER = 256, OPT_OVSDB, OPT_OVS_TIMEOUT, OPT_FORCE, OPT_DATAPATH,
	       OPT_OVS_NO_WAIT, OPT_OVN_TIMEOUT, OPT_OVN_NO_WAIT };
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "owner-pid", required_argument, NULL, OPT_OWNER },
		{ "ovsdb", required_argument, NULL, OPT_OVSDB },
		{ "ovs-timeout", required_argument, NULL, OPT_OVS_TIMEOUT },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "with-datapath", no_argument, NULL, OPT_DATAPATH },
		{ "ovs-no-wait", no_argument, NULL, OPT_OVS_NO_WAIT },
		{ "ovn-timeout", required_argument, NULL, OPT_OVN_TIMEOUT },
		{ "ovn-no-wait", no_argument, NULL, OPT_OVN_NO_WAIT },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long v;
	int c;

	opterr = 0;
	optind = 0;	/* full re-initialization (GNU) */
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		unsigned need = c == OPT_OWNER ? O_OWNER :
				c == OPT_OVSDB || c == OPT_OVS_TIMEOUT ? O_OVSDB :
				c == OPT_FORCE ? O_FORCE :
				c == OPT_DATAPATH ? O_DATAPATH :
				c == OPT_OVS_NO_WAIT || c == OPT_OVN_TIMEOUT ||
				c == OPT_OVN_NO_WAIT ? O_WAITS : 0;

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
		case OPT_OVSDB:
			o->ovsdb = optarg;
			break;
		case OPT_OVS_TIMEOUT:
			if (parse_timeout("--ovs-timeout", optarg, &o->timeout_ms) < 0)
				return XKVM_EXIT_USAGE;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_DATAPATH:
			o->with_datapath = true;
			break;
		case OPT_OVS_NO_WAIT:
			o->ovs_no_wait = true;
			break;
		case OPT_OVN_TIMEOUT:
			if (parse_timeout("--ovn-timeout", optarg, &o->ovn_timeout_ms) < 0)
				return XKVM_EXIT_USAGE;
			break;
		case OPT_OVN_NO_WAIT:
			o->ovn_no_wait = true;
			break;
		case ':':
			xkvm_error("tap-control %s: option '%s' needs an argument", current->name,
				   argv[optind - 1]);
			return XKVM_EXIT_USAGE;
		default:
			xkvm_error("tap-control %s: unknown option '%s'", current->name,
				   argv[optind - 1]);
			return XKVM_EXIT_USAGE;
		}
	}
	return -1;
}

static bool need_root(void)
{
	if (geteuid() == 0)
		return true;
	xkvm_error("must be root for %s", current->name);
	return false;
}

/* The process the taps belong to when no --owner-pid is given: the one that
 * asked for them, i.e. our parent, or sudo's parent when sudo ran us. */
static pid_t default_owner(void)
{
	pid_t ppid = getppid();
	char path[64], comm[32] = "", line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)ppid);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	if (strcmp(comm, "sudo\n"))
		return ppid;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)ppid);
	f = fopen(path, "re");
	if (!f)
		return ppid;
	while (fgets(line, sizeof(line), f)) {
		int p;

		if (sscanf(line, "PPid: %d", &p) == 1 && p > 0) {
			ppid = p;
			break;
		}
	}
	fclose(f);
	return ppid;
}

/* A make-nics argument: a bridge name, or (from a launch run through sudo)
 * "BRIDGE[,mac=MAC][,ovs-TOKEN...]".  Fills *r with pointers into *ns. */
static int parse_nic_arg(const char *arg, unsigned index, struct netspec *ns,
			 struct nics_req *r)
{
	char *err = NULL;
	int ret = netspec_parse(arg, index, "virtio-net-pci", ns, &err);

	if (ret == 0 && ns->tokens.n) {
		xkvm_error("invalid '%s': make-nics takes BRIDGE[,mac=MAC][,ovs-*...]", arg);
		return -EINVAL;
	}
	if (ret < 0) {
		xkvm_error("%s", err ? err : "out of memory");
		free(err);
		return ret;
	}
	r->bridge = ns->bridge;
	r->spec = strchr(arg, ',') ? arg : NULL;
	r->mac = ns->mac;
	r->ovs_tag = ns->ovs_tag;
	r->ovs_trunks = ns->ovs_trunks;
	r->ovs_iface_id = ns->ovs_iface_id;
	r->ovs_vm_id = ns->ovs_vm_id;
	r->ovs_ext = ns->ovs_ext.n ? (const char *const *)ns->ovs_ext.v : NULL;
	return 0;
}

static int cmd_make_nics(int argc, char **argv, const struct tapctl_opts *o)
{
	struct nics_options nopt = NICS_OPTIONS_INIT;
	struct nics_nic *nics = NULL;
	struct nics_req *reqs = NULL;
	struct netspec *specs = NULL;
	size_t count;
	int ret = XKVM_EXIT_FAILURE;

	if (optind >= argc) {
		usage(stderr);
		xkvm_error("must give bridge");
		return XKVM_EXIT_USAGE;
	}
	count = (size_t)(argc - optind);
	reqs = calloc(count, sizeof(*reqs));
	specs = calloc(count, sizeof(*specs));
	if (!reqs || !specs) {
		xkvm_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		struct nics_req r = NICS_REQ_INIT;

		reqs[i] = r;
		if (parse_nic_arg(argv[optind + (int)i], (unsigned)i, &specs[i], &reqs[i]) < 0) {
			ret = XKVM_EXIT_USAGE;
			goto out;
		}
	}
	if (!need_root())
		goto out;
	nopt.ovsdb = o->ovsdb;
	if (o->timeout_ms)
		nopt.ovs_timeout_ms = o->timeout_ms;
	nopt.ovs_wait = !o->ovs_no_wait;
	nopt.ovn_wait = !o->ovn_no_wait;
	if (o->ovn_timeout_ms)
		nopt.ovn_timeout_ms = o->ovn_timeout_ms;
	nopt.owner_pid = o->owner_pid ? o->owner_pid : default_owner();
	nics_configure(&nopt);
	if (nics_make(reqs, count, &nics) < 0)
		goto out;
	for (size_t i = 0; i < count; i++) {
		if (nics[i].type == NICS_USER)
			printf("skip\n");
		else if (o->with_datapath && nics[i].type == NICS_OVS)
			printf("%s:ovs:%s\n", nics[i].tap, nics[i].netdev_dp ? "netdev" : "system");
		else
			printf("%s:%s\n", nics[i].tap, nics_type_name(nics[i].type));
	}
	/* The caller learns the names only from stdout: keep the taps only
	 * when it got them. */
	if (xkvm_flush_stdout() < 0) {
		nics_teardown();
		goto out;
	}
	nics_keep();
	ret = 0;
out:
	for (size_t i = 0; specs && i < count; i++)
		netspec_release(&specs[i]);
	free(specs);
	free(nics);
	free(reqs);
	return ret;
}

static int cmd_del_nics(int argc, char **argv, const struct tapctl_opts *o)
{
	uid_t uid;
	int ret;

	(void)o;
	if (optind >= argc) {
		usage(stderr);
		xkvm_error("must give tap");
		return XKVM_EXIT_USAGE;
	}
	if (!need_root())
		return XKVM_EXIT_FAILURE;
	if (owner_invoking_uid(&uid) < 0) {
		xkvm_error("invalid SUDO_UID '%s'", getenv("SUDO_UID"));
		return XKVM_EXIT_FAILURE;
	}
	ret = nics_delete_owned((const char *const *)argv + optind,
				(size_t)(argc - optind), uid);
	return ret == 0 ? 0 : XKVM_EXIT_FAILURE;
}

static int cmd_ovs_cleanup(int argc, char **argv, const struct tapctl_opts *o)
{
	if (optind >= argc) {
		usage(stderr);
		xkvm_error("must give bridge:port");
		return XKVM_EXIT_USAGE;
	}
	if (!need_root())
		return XKVM_EXIT_FAILURE;
	return tapctl_ovs_cleanup((const char *const *)argv + optind,
				  (size_t)(argc - optind), o) < 0 ? XKVM_EXIT_FAILURE : 0;
}

static int cmd_gc(int argc, char **argv, const struct tapctl_opts *o)
{
	struct reap_result res;

	(void)argv;
	if (optind < argc) {
		usage(stderr);
		xkvm_error("gc takes no arguments");
		return XKVM_EXIT_USAGE;
	}
	if (!need_root())
		return XKVM_EXIT_FAILURE;
	if (reap_dead(NULL, o->ovsdb, o->timeout_ms ? o->timeout_ms : 5000, true, &res) < 0)
		return XKVM_EXIT_FAILURE;
	xkvm_debug(1, "gc: removed %zu tap(s), %zu port(s), %zu failed", res.taps, res.ports,
		   res.failed);
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
	"           --ovs-timeout S bound of every OVSDB wait (default 5)\n"

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
	  "\n   A bridge may carry the NIC's MAC and ovs-* tokens as in --netdev:\n"
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
	  "           --force         remove ports xkvm did not make too\n"
	  OVSDB_OPTIONS_HELP },
	{ "gc", cmd_gc, O_OVSDB, "gc [options]",
	  "\n   remove every tap and OVS port xkvm made whose owner process is gone\n"
	  "   (another boot, or no process with its pid and start time); prints\n"
	  "   what it removed.  Live owners' and untagged ones are never touched.\n"
	  "\n   options:\n"
	  OVSDB_OPTIONS_HELP },
	{ "list", cmd_list, O_OVSDB, "list [options]",
	  "\n   list the taps and OVS ports xkvm made, one JSON object a line:\n"
	  "   kind, name, bridge, owner pid, uid, whether the owner lives, and for\n"
	  "   OVS ports with an iface-id their OVN binding (ovn-installed).\n"
	  "\n   options:\n"
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
	struct tapctl_opts o = { 0 };
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
			return ret;
		ret = cleanup_init();
		if (ret < 0) {
			xkvm_error("cannot set up cleanup: %s", strerror(-ret));
			return XKVM_EXIT_FAILURE;
		}
		ret = modes[i].run(argc - 1, argv + 1, &o);
		/* A terminating signal during del-nics, ovs-cleanup, gc or list
		 * (make-nics dies by it, removing its taps) lets the bounded
		 * work finish with its own status: they are the teardown of an
		 * unprivileged launch, which a second ^C must not cut short. */
		cleanup_run();
		return ret;
	}
	bad_mode();
	return XKVM_EXIT_USAGE;
}
