/* cli: xkvm's launch command line (the reference's options plus xkvm's),
 * parsed with getopt_long: abbreviations of long options work, non-option
 * arguments are permuted to the qemu pass-through as GNU getopt does. */
#ifndef XKVM_CLI_H
#define XKVM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "strv.h"

enum cli_accel { ACCEL_KVM, ACCEL_TCG, ACCEL_AUTO };

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
	char *ovsdb;			/* --ovsdb REMOTE, NULL for the default */
	int ovs_timeout_ms;		/* --ovs-timeout, default 5 s */
	bool ovs_wait;			/* wait for ovs-vswitchd (--ovs-no-wait: false) */
	int ovn_timeout_ms;		/* --ovn-timeout, default 10 s */
	bool ovn_wait;			/* wait for OVN bindings (--ovn-no-wait: false) */
	bool reap;			/* reap dead launches first (--skip-reap: false) */
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
