/* cli: xkvm's launch command line (the reference's options plus xkvm's),
 * parsed with getopt_long: abbreviations of long options work, non-option
 * arguments are permuted to the qemu pass-through as GNU getopt does. */
#ifndef XKVM_CLI_H
#define XKVM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "base/strv.h"
#include "base/xkvm.h"

enum cli_accel { ACCEL_KVM, ACCEL_TCG, ACCEL_AUTO };

/* The Open vSwitch options a launch and tap-control share: one table
 * fragment, one parser. */
struct cli_ovs {
	char *ovsdb;		/* --ovsdb REMOTE, NULL for the default */
	int ovs_timeout_ms;	/* --ovs-timeout */
	bool ovs_wait;		/* false with --ovs-no-wait */
	int ovn_timeout_ms;	/* --ovn-timeout */
	bool ovn_wait;		/* false with --ovn-no-wait */
	bool iface_steal;	/* --ovs-iface-steal */
};
#define CLI_OVS_INIT { NULL, XKVM_OVS_TIMEOUT_MS, true, XKVM_OVN_TIMEOUT_MS, true, false }

/* Their getopt_long ids and table rows (xkvm's own long options start with
 * "ovs" or "ovn", so the reference's abbreviations stay unambiguous). */
enum { CLI_OVSDB = 0x1000, CLI_OVS_TIMEOUT, CLI_OVS_NO_WAIT, CLI_OVN_TIMEOUT, CLI_OVN_NO_WAIT,
       CLI_OVS_IFACE_STEAL };
#define CLI_OVS_LONGOPTS \
	{ "ovsdb",	 required_argument, NULL, CLI_OVSDB }, \
	{ "ovs-timeout", required_argument, NULL, CLI_OVS_TIMEOUT }, \
	{ "ovs-no-wait", no_argument,	    NULL, CLI_OVS_NO_WAIT }, \
	{ "ovn-timeout", required_argument, NULL, CLI_OVN_TIMEOUT }, \
	{ "ovn-no-wait", no_argument,	    NULL, CLI_OVN_NO_WAIT }, \
	{ "ovs-iface-steal", no_argument,   NULL, CLI_OVS_IFACE_STEAL }

/* Returns true when 'id' is one of the CLI_OVS_* ids. */
bool cli_is_ovs_option(int id);

/* Applies the OVS option 'id' with 'arg' to 'o'.  Returns 0, -EINVAL with
 * *err set to a one-line message naming the option (caller frees), or
 * -ENOMEM. */
int cli_ovs_option(struct cli_ovs *o, int id, const char *arg, char **err);

/* Frees what 'o' holds and resets it to CLI_OVS_INIT.  Accepts NULL. */
void cli_ovs_release(struct cli_ovs *o);

struct xkvm_config {
	const char *prog;		/* argv[0] (not owned) */
	struct strv netdevs;		/* --netdev specs, in order */
	struct strv disks;		/* --disk specs, in order */
	struct strv passthrough;	/* qemu arguments after '--' */
	char *kvm;			/* --kvm value, NULL when not given */
	char *bios;			/* --bios FILE, NULL when not given */
	char *uefi_nvram;		/* --uefi-nvram FILE, or NULL */
	bool uefi;			/* --uefi or --uefi-nvram */
	bool dry_run;			/* --dry-run */
	bool help;			/* -h/--help was given */
	bool version;			/* -V/--version was given */
	int verbosity;			/* -v count */
	enum cli_accel accel;		/* --accel, default kvm */
	char *def_disk_driver;		/* $DEF_DISK_DRIVER or virtio-blk */
	char *def_netmodel;		/* $DEF_NETMODEL or NULL (arch default) */
	struct cli_ovs ovs;		/* --ovsdb, --ovs-*, --ovn-* */
	bool reap;			/* reap dead launches first (--skip-reap: false) */
	char *name;			/* --name NAME (runtime control), or NULL */
	int hotplug_ports;		/* --hotplug-ports N, -1: the default */
};

/* Parses argv (argv[0] is the program name; getopt_long may permute argv)
 * and the environment (DEF_DISK_DRIVER, DEF_NETMODEL) into 'cfg'.
 * Returns 0 (check cfg->help and cfg->version), -EINVAL with *err set to a one-line
 * message naming the bad argument (caller frees), or -ENOMEM.  'cfg' must
 * be released with cli_release() in every case. */
int cli_parse(int argc, char **argv, struct xkvm_config *cfg, char **err);

/* Parses the timeout 'arg' of option 'opt': seconds, decimal digits and
 * one '.' (no blanks, signs, hex or exponents), more than 0 and at most
 * 3600, into *ms (at least 1).  Returns 0, or -EINVAL with *err set to a
 * one-line message naming the option and the value (caller frees). */
int cli_parse_seconds(const char *opt, const char *arg, int *ms, char **err);

/* Writes the --help text to 'f' (the caller's stream; the caller checks
 * it for write errors).  The only output of this module. */
void cli_usage(FILE *f, const char *prog);

/* Frees what 'cfg' holds and zeroes it.  Accepts NULL. */
void cli_release(struct xkvm_config *cfg);

#endif
