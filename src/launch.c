/* launch: the reference's main(): parse, build qemu's argv, report it,
 * run qemu under supervision (or stop there with --dry-run). */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "cleanup.h"
#include "cli.h"
#include "devopts.h"
#include "diskspec.h"
#include "firmware.h"
#include "netspec.h"
#include "nics.h"
#include "qemuargv.h"
#include "quote.h"
#include "ovsports.h"
#include "reap.h"
#include "sudo-nics.h"
#include "supervise.h"
#include "xkvm.h"

#define DEF_BRIDGE "virbr0"

/* Fills reqs[i] from NIC i (pointers into nics[]; ovs_ext borrowed). */
static void fill_reqs(const struct netspec *nics, const char *const *specs, size_t n,
		      struct nics_req *reqs)
{
	for (size_t i = 0; i < n; i++) {
		struct nics_req r = NICS_REQ_INIT;

		r.bridge = nics[i].bridge;
		r.spec = specs[i];
		r.mac = nics[i].mac;
		r.ovs_tag = nics[i].ovs_tag;
		r.ovs_trunks = nics[i].ovs_trunks;
		r.ovs_iface_id = nics[i].ovs_iface_id;
		r.ovs_vm_id = nics[i].ovs_vm_id;
		r.ovs_ext = nics[i].ovs_ext.n ? (const char *const *)nics[i].ovs_ext.v : NULL;
		reqs[i] = r;
	}
}

/* The userspace datapath hands the guest's offloaded checksums on
 * unfinished: TCP between guests fails while ping works.  A tap without
 * vnet_hdr makes qemu finish them. */
static int add_vnet_hdr_off(struct netspec *ns, const struct nics_nic *nic)
{
	if (nic->type != NICS_OVS || !nic->netdev_dp || ns->sets_vnet_hdr)
		return 0;
	return strv_push(&ns->netopts, "vnet_hdr=off");
}

/* Fills reqs[] from the NICs and hands the OVS options to nics.  Returns
 * the array (caller frees) or NULL on -ENOMEM (printed). */
static struct nics_req *launch_reqs(const struct xkvm_config *cfg, const struct netspec *nics,
				    size_t n)
{
	struct nics_options opt = NICS_OPTIONS_INIT;
	struct nics_req *reqs = calloc(n, sizeof(*reqs));

	if (!reqs) {
		xkvm_error("out of memory");
		return NULL;
	}
	fill_reqs(nics, (const char *const *)cfg->netdevs.v, n, reqs);
	opt.ovsdb = cfg->ovsdb;
	opt.ovs_timeout_ms = cfg->ovs_timeout_ms;
	opt.ovs_wait = cfg->ovs_wait;
	opt.ovn_wait = cfg->ovn_wait;
	opt.ovn_timeout_ms = cfg->ovn_timeout_ms;
	nics_configure(&opt);
	return reqs;
}

/* Unless 'dry_run', creates one tap per bridge NIC of reqs[] (classified
 * already), attached to its bridge (OVS ports in one transaction), each
 * registered for teardown the moment it exists.  Stores in taps[i] the tap
 * name of NIC i (NULL for user NICs; "dryruntapN" in a dry run; caller
 * frees each) and adds vnet_hdr=off where the datapath needs it.  Returns
 * 0 or -errno (message printed). */
static int launch_setup_bridge_taps(const struct xkvm_config *cfg, const struct nics_req *reqs,
				    struct nics_nic *classes, struct netspec *nics, size_t n,
				    char **taps)
{
	struct nics_nic *made = NULL, *out = classes;
	bool dry_run = cfg->dry_run;
	int ret;

	if (!dry_run) {
		if (sudo_nics_privileged()) {
			ret = nics_make(reqs, n, &made);
		} else {
			struct nics_options opt = NICS_OPTIONS_INIT;

			opt.ovsdb = cfg->ovsdb;
			opt.ovs_timeout_ms = cfg->ovs_timeout_ms;
			opt.ovs_wait = cfg->ovs_wait;
			opt.ovn_wait = cfg->ovn_wait;
			opt.ovn_timeout_ms = cfg->ovn_timeout_ms;
			ret = sudo_nics_make(reqs, n, &opt, cfg->verbosity, &made);
		}
		if (ret < 0)
			return ret;
		out = made;
	}
	ret = -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int r;

		if (out[i].type == NICS_USER)
			continue;
		if (add_vnet_hdr_off(&nics[i], &out[i]) < 0)
			goto out;
		if (dry_run)
			r = asprintf(&taps[i], "dryruntap%zu", i);
		else
			r = (taps[i] = strdup(out[i].tap)) ? 0 : -1;
		if (r < 0) {
			taps[i] = NULL;
			goto out;
		}
		xkvm_debug(2, "nic %zu: %s:%s on %s", i, taps[i], nics_type_name(out[i].type),
			   nics[i].bridge);
	}
	ret = 0;
out:
	if (ret == -ENOMEM)
		xkvm_error("out of memory");
	free(made);
	return ret;
}

/* Removes what dead xkvm processes left (cheap: one link dump, one
 * database read).  Only with the privilege to do it; never fatal. */
static void reap_leftovers(const struct xkvm_config *cfg)
{
	struct reap_result res;

	if (!cfg->reap || geteuid() != 0)
		return;
	/* The connection the bridges were looked up with: no second session. */
	if (reap_dead(ovsports_db(), cfg->ovsdb, cfg->ovs_timeout_ms, false, &res) == 0 &&
	    (res.taps || res.ports))
		xkvm_debug(1, "removed %zu tap(s) and %zu port(s) left by dead xkvm processes",
			   res.taps, res.ports);
}

/* true when 'name' is an executable file in $PATH (or a path to one). */
static bool in_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	if (!path || !(copy = strdup(path)))
		return false;
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *full;

		if (asprintf(&full, "%s/%s", *dir ? dir : ".", name) < 0)
			break;
		found = access(full, X_OK) == 0;
		free(full);
	}
	free(copy);
	return found;
}

static bool kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int report(int r, char *err, int usage_status)
{
	if (err)
		xkvm_error("%s", err);
	else if (r == -ENOMEM)
		xkvm_error("out of memory");
	free(err);
	return r == -EINVAL ? usage_status : XKVM_EXIT_FAILURE;
}

int launch_main(int argc, char **argv)
{
	struct xkvm_config cfg;
	struct arch_info arch = { 0 };
	struct firmware fw = { 0 };
	struct devopts dev = { 0 };
	struct strv qemu = STRV_INIT, cmd = STRV_INIT, conns = STRV_INIT;
	struct netspec *nics = NULL;
	struct diskspec *disks = NULL;
	size_t n_nics = 0, n_disks = 0;
	char **taps = NULL, *err = NULL, *line = NULL;
	struct nics_req *reqs = NULL;
	struct nics_nic *classes = NULL;
	int ret = XKVM_EXIT_FAILURE, r, locking = LOCKING_UNKNOWN, status, sig = 0;
	bool need_taps = false, enable_kvm;
	const char *env;

	r = cli_parse(argc, argv, &cfg, &err);
	if (r < 0) {
		ret = report(r, err, XKVM_EXIT_USAGE);
		goto out;
	}
	if (cfg.help) {
		cli_usage(stdout, argv[0]);
		ret = fflush(stdout) == 0 && !ferror(stdout) ? 0 : XKVM_EXIT_FAILURE;
		goto out;
	}
	xkvm_verbosity = cfg.verbosity;

	if (arch_detect(&arch) < 0) {
		xkvm_error("cannot determine the machine architecture");
		goto out;
	}
	if (cfg.kvm && *cfg.kvm) {
		if (qemuargv_split_words(&qemu, cfg.kvm) < 0)
			goto nomem;
		if (qemu.n == 0) {
			xkvm_error("invalid --kvm '%s': no command", cfg.kvm);
			ret = XKVM_EXIT_USAGE;
			goto out;
		}
	} else {
		if (strv_push(&qemu, arch.qemu) < 0)
			goto nomem;
		if (!in_path(arch.qemu)) {
			if (arch.pkg)
				xkvm_error("'%s' not found: install package %s", arch.qemu, arch.pkg);
			else
				xkvm_error("'%s' not found: install qemu for this machine, or use --kvm",
					   arch.qemu);
			goto out;
		}
	}
	enable_kvm = cfg.accel == ACCEL_KVM || (cfg.accel == ACCEL_AUTO && kvm_usable());

	if (cfg.bios && *cfg.bios && cfg.uefi) {
		xkvm_error("--uefi (or --uefi-nvram) is incompatible with --bios");
		ret = XKVM_EXIT_USAGE;
		goto out;
	}
	r = firmware_resolve(cfg.bios && *cfg.bios ? cfg.bios : NULL, cfg.uefi,
			     cfg.uefi_nvram, cfg.dry_run, &fw);
	if (r == -ENOENT) {
		xkvm_error("uefi support requires ovmf firmware: install package ovmf");
		goto out;
	} else if (r < 0) {
		goto nomem;
	}
	if (fw.guessed) {
		xkvm_say("WARN: nvram given, but did not find expected ovmf files.");
		xkvm_say("      assuming this is code and vars (OVMF.fd)");
	}
	if (fw.no_persist)
		xkvm_debug(1, "uefi without --uefi-nvram storage. nvram settings likely will not persist.");
	if (fw.readonly)
		xkvm_debug(1, "nvram file %s is readonly", fw.nvram);

	if (devopts_init(&dev, &qemu) < 0)
		goto nomem;
	env = getenv("_QEMU_SUPPORTS_FILE_LOCKING");
	if (env && *env)
		locking = !strcmp(env, "true") ? LOCKING_YES : LOCKING_NO;

	disks = calloc(cfg.disks.n ? cfg.disks.n : 1, sizeof(*disks));
	if (!disks)
		goto nomem;
	for (size_t i = 0; i < cfg.disks.n; i++) {
		r = diskspec_parse(cfg.disks.v[i], (unsigned)i, cfg.def_disk_driver, &disks[i], &err);
		if (r < 0) {
			ret = report(r, err, XKVM_EXIT_USAGE);
			goto out;
		}
		n_disks++;
		r = diskspec_build(&disks[i], &dev, &locking, &err);
		if (r < 0) {
			ret = report(r, err, XKVM_EXIT_FAILURE);
			goto out;
		}
	}

	if (cfg.netdevs.n == 0 && strv_push(&cfg.netdevs, DEF_BRIDGE) < 0)
		goto nomem;
	nics = calloc(cfg.netdevs.n, sizeof(*nics));
	taps = calloc(cfg.netdevs.n, sizeof(*taps));
	if (!nics || !taps)
		goto nomem;
	for (size_t i = 0; i < cfg.netdevs.n; i++) {
		r = netspec_parse(cfg.netdevs.v[i], (unsigned)i,
				  cfg.def_netmodel ? cfg.def_netmodel : arch.netmodel, &nics[i], &err);
		if (r < 0) {
			ret = report(r, err, XKVM_EXIT_USAGE);
			goto out;
		}
		n_nics++;
		r = netspec_classify(&nics[i], &dev, &err);
		if (r < 0) {
			ret = report(r, err, XKVM_EXIT_FAILURE);
			goto out;
		}
		if (strv_push(&conns, nics[i].bridge) < 0)
			goto nomem;
		if (!nics[i].user)
			need_taps = true;
		else if (nics[i].ovs_tag >= 0 || nics[i].ovs_trunks || nics[i].ovs_iface_id ||
			 nics[i].ovs_vm_id || nics[i].ovs_ext.n) {
			xkvm_error("ovs-* options need an Open vSwitch bridge: 'user' is user networking in --netdev %s",
				   cfg.netdevs.v[i]);
			goto out;
		}
	}

	if (need_taps) {
		reqs = launch_reqs(&cfg, nics, n_nics);
		classes = calloc(n_nics, sizeof(*classes));
		line = strv_join(&conns, " ");
		if (!reqs || !classes || !line)
			goto nomem;
		/* Before the first OVSDB connection: it takes the self-pipe as
		 * its interrupt fd, so a signal cuts an OVS wait short. */
		if (!cfg.dry_run) {
			r = cleanup_init();
			if (r < 0) {
				xkvm_error("cannot set up cleanup: %s", strerror(-r));
				goto out;
			}
		}
		/* Every bridge is looked at before anything is created (without
		 * the privilege, `sudo xkvm tap-control make-nics` does it). */
		if ((cfg.dry_run || sudo_nics_privileged()) &&
		    nics_classify(reqs, n_nics, classes) < 0)
			goto out;
		if (!cfg.dry_run) {
			reap_leftovers(&cfg);
			cleanup_check_signal();
		}
		xkvm_say("creating tap devices: %s", line);
		if (cfg.dry_run) {
			char vflag[64] = "";

			for (int i = 0; i < cfg.verbosity - 1 && i < 60; i++) {
				if (i == 0)
					strcat(vflag, " -");
				strcat(vflag, "v");
			}
			xkvm_say("sudo %s tap-control make-nics%s %s", argv[0], vflag, line);
		}
		if (launch_setup_bridge_taps(&cfg, reqs, classes, nics, n_nics, taps) < 0)
			goto out;
		free(line);
		line = NULL;
	}

	{
		struct qemu_plan plan = {
			.qemu = &qemu, .enable_kvm = enable_kvm, .arch = &arch, .fw = &fw,
			.nics = nics, .n_nics = n_nics, .taps = (const char *const *)taps,
			.disks = disks, .n_disks = n_disks, .passthrough = &cfg.passthrough,
		};

		if (qemuargv_build(&plan, &cmd) < 0)
			goto nomem;
	}
	line = quote_cmd(&cmd);
	if (!line)
		goto nomem;
	xkvm_say("%s", line);
	if (cfg.dry_run) {
		ret = 0;
		goto out;
	}

	r = firmware_copy_nvram(&fw);
	if (r < 0) {
		xkvm_error("cannot copy '%s' to '%s': %s", fw.nvram_src, fw.nvram, strerror(-r));
		goto out;
	}
	if (fw.copy)
		xkvm_debug(1, "copied %s to %s", fw.nvram_src, fw.nvram);
	cleanup_check_signal();	/* a signal during setup: unwind, die by it */
	r = supervise_run(cmd.v, &status, &sig);
	if (sig) {
		/* qemu is gone: tear down, then die by the same signal. */
		cleanup_die(sig);
	}
	if (r < 0) {
		xkvm_error("cannot run '%s': %s", cmd.v[0], strerror(-r));
		if (r == -ENOENT && arch.pkg && !strcmp(cmd.v[0], arch.qemu))
			xkvm_say("install package %s", arch.pkg);
		goto out;
	}
	ret = status;
	goto out;
nomem:
	xkvm_error("out of memory");
	ret = XKVM_EXIT_FAILURE;
out:
	/* A failure a signal caused (an interrupted OVS wait): tear down and
	 * die by the signal, 128+N, not 1. */
	cleanup_check_signal();
	for (size_t i = 0; i < n_nics; i++)
		netspec_release(&nics[i]);
	for (size_t i = 0; taps && i < cfg.netdevs.n; i++)
		free(taps[i]);
	for (size_t i = 0; i < n_disks; i++)
		diskspec_release(&disks[i]);
	free(nics);
	free(taps);
	free(reqs);
	free(classes);
	free(disks);
	free(line);
	strv_release(&qemu);
	strv_release(&cmd);
	strv_release(&conns);
	devopts_release(&dev);
	firmware_release(&fw);
	arch_release(&arch);
	cli_release(&cfg);
	return ret;
}
