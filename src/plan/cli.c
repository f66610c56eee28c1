#include "plan/cli.h"

#include "base/errmsg.h"
#include "plan/remote.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* One row per option: add new options here and handle them in apply(). */
enum opt_id {
	OPT_HELP = 'h', OPT_DISK = 'd', OPT_NETDEV = 'n', OPT_VERBOSE = 'v', OPT_VERSION = 'V',
	OPT_BIOS = 256, OPT_DOWAIT, OPT_DRY_RUN, OPT_KVM, OPT_NO_DOWAIT,
	OPT_UEFI, OPT_UEFI_NVRAM, OPT_ACCEL, OPT_NO_REAP, OPT_NAME, OPT_HOTPLUG_PORTS,
	/* the CLI_OVS_* ids of cli.h */
};

static const struct option options[] = {
	{ "accel",	required_argument, NULL, OPT_ACCEL },
	{ "bios",	required_argument, NULL, OPT_BIOS },
	{ "help",	no_argument,       NULL, OPT_HELP },
	{ "dowait",	no_argument,       NULL, OPT_DOWAIT },
	{ "disk",	required_argument, NULL, OPT_DISK },
	{ "dry-run",	no_argument,       NULL, OPT_DRY_RUN },
	{ "kvm",	required_argument, NULL, OPT_KVM },
	{ "no-dowait",	no_argument,       NULL, OPT_NO_DOWAIT },
	{ "netdev",	required_argument, NULL, OPT_NETDEV },
	{ "name",	required_argument, NULL, OPT_NAME },
	{ "hotplug-ports", required_argument, NULL, OPT_HOTPLUG_PORTS },
	/* xkvm's own long options start with "ovs", "ovn" or "skip", so the
	 * reference's abbreviations (--no for --no-dowait) stay unambiguous. */
	{ "skip-reap",	no_argument,       NULL, OPT_NO_REAP },
	CLI_OVS_LONGOPTS,
	{ "uefi",	no_argument,       NULL, OPT_UEFI },
	{ "uefi-nvram",	required_argument, NULL, OPT_UEFI_NVRAM },
	{ "verbose",	no_argument,       NULL, OPT_VERBOSE },
	/* --version is matched whole in cli_parse(), not here: in this table
	 * it would make the reference's --v, --ve and --ver (abbreviations of
	 * --verbose) ambiguous. */
	{ NULL, 0, NULL, 0 },
};

/* Leading ':' reports a missing argument as ':' (no getopt messages). */
static const char short_options[] = ":hd:n:vV";

int cli_parse_seconds(const char *opt, const char *arg, int *ms, char **err)
{
	char *end = NULL;
	double v = 0;

	/* Decimal digits and a '.' only: no blanks, signs, hex or exponents. */
	if (*arg && strspn(arg, "0123456789.") == strlen(arg)) {
		errno = 0;
		v = strtod(arg, &end);
		if (errno || *end)
			v = 0;
	}
	if (!(v > 0 && v <= 3600))
		return errmsg(err, "invalid %s '%s': want seconds, more than 0 and at most 3600",
			      opt, arg);
	*ms = (int)(v * 1000 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

int cli_ovs_option(struct cli_ovs *o, int id, const char *arg, char **err)
{
	switch (id) {
	case CLI_OVSDB:
	{
		int r = remote_check(arg, err);

		if (r < 0)
			return r == -ENOMEM ? r : -EINVAL;	/* passive: a bad argument */
		return str_set(&o->ovsdb, arg);
	}
	case CLI_OVS_TIMEOUT:
		return cli_parse_seconds("--ovs-timeout", arg, &o->ovs_timeout_ms, err);
	case CLI_OVS_NO_WAIT:
		o->ovs_wait = false;
		return 0;
	case CLI_OVN_TIMEOUT:
		return cli_parse_seconds("--ovn-timeout", arg, &o->ovn_timeout_ms, err);
	case CLI_OVN_NO_WAIT:
		o->ovn_wait = false;
		return 0;
	case CLI_OVS_IFACE_STEAL:
		o->iface_steal = true;
		return 0;
	}
	return errmsg(err, "internal error: option %d is no OVS option", id);
}

bool cli_is_ovs_option(int id)
{
	return id >= CLI_OVSDB && id <= CLI_OVS_IFACE_STEAL;
}

void cli_ovs_release(struct cli_ovs *o)
{
	struct cli_ovs init = CLI_OVS_INIT;

	if (!o)
		return;
	free(o->ovsdb);
	*o = init;
}

static int apply(struct xkvm_config *cfg, int id, const char *arg, char **err)
{
	if (cli_is_ovs_option(id))
		return cli_ovs_option(&cfg->ovs, id, arg, err);
	switch (id) {
	case OPT_HELP:
		cfg->help = true;
		return 0;
	case OPT_DISK:
		return strv_push(&cfg->disks, arg);
	case OPT_NETDEV:
		return strv_push(&cfg->netdevs, arg);
	case OPT_VERBOSE:
		cfg->verbosity++;
		return 0;
	case OPT_VERSION:
		cfg->version = true;
		return 0;
	case OPT_DRY_RUN:
		cfg->dry_run = true;
		return 0;
	case OPT_KVM:
		return str_set(&cfg->kvm, arg);
	case OPT_DOWAIT:
	case OPT_NO_DOWAIT:
		return 0;	/* xkvm always supervises qemu */
	case OPT_BIOS:
		return str_set(&cfg->bios, arg);
	case OPT_UEFI:
		cfg->uefi = true;
		return 0;
	case OPT_UEFI_NVRAM:
		cfg->uefi = true;
		return str_set(&cfg->uefi_nvram, arg);
	case OPT_ACCEL:
		if (!strcmp(arg, "kvm"))
			cfg->accel = ACCEL_KVM;
		else if (!strcmp(arg, "tcg"))
			cfg->accel = ACCEL_TCG;
		else if (!strcmp(arg, "auto"))
			cfg->accel = ACCEL_AUTO;
		else
			return errmsg(err, "invalid --accel '%s': want kvm, tcg or auto", arg);
		return 0;
	case OPT_NO_REAP:
		cfg->reap = false;
		return 0;
	case OPT_NAME:
		return str_set(&cfg->name, arg);	/* checked by the launch */
	case OPT_HOTPLUG_PORTS: {
		char *end;
		long v;

		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 0 || v > 32 || arg[0] == '+' || arg[0] == ' ')
			return errmsg(err, "invalid --hotplug-ports '%s': want 0 to 32", arg);
		cfg->hotplug_ports = (int)v;
		return 0;
	}
	}
	return errmsg(err, "internal error: option %d has no handler", id);
}

static const char *optname(int c, char **argv)
{
	static char buf[3];
	const char *arg = argv[optind - 1];

	if (!strncmp(arg, "--", 2))
		return arg;
	if (c > 0 && c < 256) {
		buf[0] = '-';
		buf[1] = (char)c;
		buf[2] = '\0';
		return buf;
	}
	return arg;
}

int cli_parse(int argc, char **argv, struct xkvm_config *cfg, char **err)
{
	const char *env;
	int c, r;

	*err = NULL;
	memset(cfg, 0, sizeof(*cfg));
	cfg->prog = argv[0];
	cfg->accel = ACCEL_KVM;
	cfg->ovs = (struct cli_ovs)CLI_OVS_INIT;
	cfg->reap = true;
	cfg->hotplug_ports = -1;
	env = getenv("DEF_DISK_DRIVER");
	if (str_set(&cfg->def_disk_driver, env && *env ? env : "virtio-blk") < 0)
		return -ENOMEM;
	env = getenv("DEF_NETMODEL");
	if (env && *env && str_set(&cfg->def_netmodel, env) < 0)
		return -ENOMEM;

	opterr = 0;
	optind = 0;	/* full re-initialization (glibc), for repeated calls */
	while ((c = getopt_long(argc, argv, short_options, options, NULL)) != -1) {
		if (c == '?') {
			/* glibc sign-extends a short option byte over 0x7f. */
			int opt = optopt < 0 ? (unsigned char)optopt : optopt;

			/* A short option we know can only come back as '?' from
			 * its long form given an argument it does not take
			 * (':' is no option, though short_options holds it). */
			const char *arg = argv[optind - 1];

			if (!strcmp(arg, "--version")) {
				cfg->version = true;
				continue;
			}
			if (!strncmp(arg, "--version=", 10))
				return errmsg(err, "option '--version' takes no argument (in '%s')", arg);
			if (opt && !strncmp(arg, "--", 2) && strchr(arg, '=')) {
				for (const struct option *o = options; o->name; o++)
					if (o->val == opt && o->has_arg == no_argument)
						return errmsg(err, "option '--%s' takes no argument (in '%s')",
							      o->name, arg);
			}
			if (opt > 0 && opt < 256 && (opt == ':' || !strchr(short_options + 1, opt)))
				return errmsg(err, "unknown option '-%c'", opt);
			return errmsg(err, "unknown or ambiguous option '%s'", arg);
		}
		if (c == ':')
			return errmsg(err, "option '%s' needs an argument", optname(optopt, argv));
		r = apply(cfg, c, optarg, err);
		if (r < 0)
			return r;
	}
	for (int i = optind; i < argc; i++) {
		/* qemu takes both spellings.  A daemonized qemu outlives xkvm,
		 * which then removes the NICs under a running guest. */
		if (!strcmp(argv[i], "-daemonize") || !strcmp(argv[i], "--daemonize"))
			return errmsg(err, "qemu's '%s' is refused: xkvm stays qemu's parent to "
				      "remove its NICs when it ends; run xkvm itself in the "
				      "background instead", argv[i]);
		if (strv_push(&cfg->passthrough, argv[i]) < 0)
			return -ENOMEM;
	}
	return 0;
}

void cli_usage(FILE *f, const char *prog)
{
	const char *name = strrchr(prog, '/');

	name = name ? name + 1 : prog;
	fprintf(f,
"Usage: %s [ options ] -- kvm-args [ ... ]\n"
"       %s tap-control MODE ...\n"
"\n"
"   run qemu (kvm) with tap interfaces on Linux or Open vSwitch bridges.\n"
"\n"
"   options:\n"
"      -n | --netdev NETDEV    netdev can be 'user' or a bridge.\n"
"                              default is to bridge to virbr0\n"
"      -d | --disk  DISK       attach DISK (an image, or a spec, see DISK)\n"
"           --dry-run          only report what would be done; changes\n"
"                              nothing on the host\n"
"           --kvm CMD          the qemu command to run (split on blanks);\n"
"                              default qemu-system-ARCH\n"
"           --accel=MODE       kvm (default): pass -enable-kvm;\n"
"                              tcg: do not; auto: only when /dev/kvm opens\n"
"           --bios FILE        boot with FILE as the pflash bios\n"
"           --uefi             boot with efi (OVMF; AAVMF on aarch64)\n"
"           --uefi-nvram=FILE  boot with efi, using nvram settings in FILE\n"
"                              if FILE not present, copy from defaults.\n"
"      -v | --verbose          more messages (repeatable)\n"
"           --ovsdb REMOTE     the Open vSwitch database (default\n"
"                              unix:$OVS_RUNDIR/db.sock; no socket there\n"
"                              means no OVS on this host)\n"
"           --ovs-timeout SEC  seconds an OVSDB wait may go without\n"
"                              progress (default 5)\n"
"           --ovs-no-wait      do not wait for ovs-vswitchd to apply ports\n"
"           --ovn-timeout SEC  bound of the wait for OVN to bind\n"
"                              ovs-iface-id ports (default 10)\n"
"           --ovn-no-wait      do not wait for OVN bindings\n"
"           --ovs-iface-steal  take an ovs-iface-id over from the live or\n"
"                              foreign port that holds it (a dead xkvm's\n"
"                              port is taken over anyway)\n"
"           --skip-reap        do not first remove taps and ports left by\n"
"                              dead xkvm processes (see tap-control gc)\n"
"           --name NAME        a control socket for `xkvm ctl NAME ...`\n"
"                              (links, NICs, stop, kill: see the man page)\n"
"           --hotplug-ports N  with --name on a q35 machine: free\n"
"                              pcie-root-ports for nic add (default 4)\n"
"           --dowait, --no-dowait\n"
"                              accepted for compatibility: xkvm always\n"
"                              supervises qemu and forwards signals\n"
"      -h | --help             this text\n"
"      -V | --version          print xkvm's version\n"
"\n"
"   Arguments after '--' (and any non-option argument) go to qemu as they are.\n"
"   Environment: DEF_DISK_DRIVER (default virtio-blk), DEF_NETMODEL\n"
"   (default virtio-net-pci; virtio-net-ccw on s390x).\n"
"\n"
"   NETDEV:\n"
"    Above, 'NETDEV' is a comma delimited string\n"
"    The first field must be\n"
"     * bridge name: (br0 or virbr0): attach a device to this bridge,\n"
"       a Linux bridge or an Open vSwitch bridge (real or fake VLAN)\n"
"     * literal 'user': use qemu user networking\n"
"\n"
"    Then optional fields:\n"
"      mac=MAC, macaddr=MAC   'auto' (qemu picks), 'random', a full MAC, or\n"
"                             its last octets (':05' gives 52:54:00:12:34:05);\n"
"                             empty: the NIC's index as last octet\n"
"      model=MODEL            NIC model (virtio = virtio-net-pci)\n"
"      mtu=N                  the tap's MTU (68..65535; on OVS also its\n"
"                             mtu_request); the guest learns it (host_mtu)\n"
"      queues=N               N queues (1..256): a multi-queue tap, and\n"
"                             mq=on,vectors=2N+2 on the device\n"
"      ovs-tag=N              OVS bridges only: access VLAN N (0..4095)\n"
"      ovs-trunks=N:M:...     OVS bridges only: trunk VLANs (each 0..4095)\n"
"      ovs-iface-id=NAME      OVS bridges only: external_ids:iface-id\n"
"      ovs-vm-id=ID           OVS bridges only: external_ids:vm-id\n"
"      ovs-ext:KEY=VALUE      OVS bridges only: external_ids:KEY (repeatable)\n"
"      ovs-ofport=N           OVS bridges only: OpenFlow port N (1..65279);\n"
"                             the launch fails if another port holds it\n"
"      ovs-ingress-rate=KBPS  OVS bridges only: police the guest's traffic\n"
"      ovs-ingress-burst=KB   ... with this burst (Interface columns\n"
"                             ingress_policing_rate and _burst)\n"
"      vhost-user             OVS-DPDK bridges only: a vhost-user port (no tap)\n"
"\n"
"    Other fields can be anything that is acceptable to qemu either as:\n"
"      * '-device MODEL' option (see 'qemu-system-ARCH -device MODEL,?')\n"
"      * '-netdev [user|tap]' option\n"
"\n"
"   DISK:\n"
"    A comma delimited string: an existing file, or file=FILE, then optional\n"
"    driver=DRIVER, if=virtio|scsi|pflash, id=ID (default diskNN),\n"
"    fmt=|format=FMT (default: read from the image; raw if it does not exist),\n"
"    serial=S (default: wwn, else the file's name), wwn=W, bus=B, unit=U,\n"
"    index=I (not with bus/unit).  Other fields go to -device when the\n"
"    driver accepts them, else to -drive.\n"
"\n"
"   Example:\n"
"     * %s --netdev br0,macaddr=:05 -- -drive file=disk.img,if=virtio -curses\n"
"       attach a tap device to bridge 'br0' with mac address\n"
"         '52:54:00:12:34:05'\n"
"\n"
"     * %s --netdev user,mac=random --netdev br1,model=e1000,mac=auto -- -curses\n"
"       attach virtio user networking nic with random mac address\n"
"       attach tap device to br1 bridge as e1000 with unspecified mac\n"
"\n"
"     * %s --disk disk1.img\n"
"\n"
"     * %s -n br-ovs,ovs-tag=10 -n br-int,ovs-iface-id=lp1,mac=:11 -- ...\n"
"       a NIC in VLAN 10 of OVS bridge br-ovs, and one bound to the OVN\n"
"       logical port lp1 (xkvm waits for the binding before starting qemu)\n"
"\n"
"   tap-control MODE (see 'xkvm tap-control MODE --help'):\n"
"      make-nics BRIDGE...        make a tap on each bridge (as the script)\n"
"      del-nics TAP...            remove taps xkvm made for you\n"
"      ovs-cleanup BRIDGE:PORT... remove OVS ports xkvm made for you\n"
"      gc                         remove what dead xkvm processes left\n"
"      list                       list taps and ports xkvm made (JSON lines)\n"
"      link TAP up|down           a tap's host side (for ctl, through sudo)\n"
"      netem TAP SPEC|off         a netem qdisc on a tap (for ctl)\n"
"      capture TAP [COUNT]        pcap of a tap on stdout (for ctl)\n"
"      move-nic TAP FROM TO       move a launch's tap (for ctl nic move)\n"
"      bridges                    list Linux and OVS bridges (JSON lines)\n"
"\n"
"   ctl (no NAME): the running launches of yours, one JSON object a line\n"
"   ctl NAME COMMAND (a launch started with --name NAME):\n"
"      list | show [NIC]          its NICs, one JSON object a line\n"
"      link NIC up|down           carrier of a NIC (guest and host tap)\n"
"      nic add NETDEV | nic del NIC  hot-add (prints its id) or remove a NIC\n"
"      nic move NIC BRIDGE[,ovs-..]  re-attach the NIC's tap elsewhere\n"
"      netem NIC delay=MS loss=PCT rate=KBIT | netem NIC off   impairments\n"
"      capture NIC [-w FILE] [-c N]  pcap of the NIC's traffic (root)\n"
"      mirror NIC [--to NIC2] | mirror NIC off   an OVS mirror (own port: printed)\n"
"      stop [SECONDS] | kill      ACPI power-down, killed after SECONDS (10)\n",
	name, name, name, name, name, name);
}

void cli_release(struct xkvm_config *cfg)
{
	if (!cfg)
		return;
	strv_release(&cfg->netdevs);
	strv_release(&cfg->disks);
	strv_release(&cfg->passthrough);
	free(cfg->kvm);
	free(cfg->bios);
	free(cfg->uefi_nvram);
	free(cfg->name);
	free(cfg->def_disk_driver);
	free(cfg->def_netmodel);
	cli_ovs_release(&cfg->ovs);
	memset(cfg, 0, sizeof(*cfg));
}
