/* launch: the reference's main(): parse, build qemu's argv, report it,
 * run qemu under supervision (or stop there with --dry-run). */
#include "cmd/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/nic.h"
#include "base/version.h"
#include "base/xkvm.h"
#include "cmd/options.h"
#include "base/clock.h"
#include "ctl/rundir.h"
#include "ctl/server.h"
#include "net/nics.h"
#include "net/owner.h"
#include "net/vhostdir.h"
#include "plan/arch.h"
#include "plan/cli.h"
#include "plan/devopts.h"
#include "plan/diskspec.h"
#include "plan/firmware.h"
#include "plan/netspec.h"
#include "qemu/qemuargv.h"
#include "qemu/quote.h"
#include "qemu/sharedmem.h"
#include "qemu/supervise.h"

#define DEF_BRIDGE "virbr0"

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

/* Everything a launch holds from parsing to exit; launch_release() frees
 * it.  Zero-initialized (STRV_INIT is all zeroes). */
struct launch {
	struct xkvm_config cfg;
	struct arch_info arch;
	struct firmware fw;
	struct devopts dev;
	struct strv qemu;	/* the qemu command words */
	struct strv cmd;	/* qemu's whole argv */
	struct strv conns;	/* the bridge of every NIC, for the report */
	struct nic *nics;	/* n_nics parsed (cfg.netdevs.n allocated) */
	struct diskspec *disks;	/* n_disks parsed */
	size_t n_nics, n_disks;
	struct nics *net;	/* the NICs on the host, once a bridge is used */
	struct ctl_server *ctl;	/* --name: the control socket, or NULL */
	struct ctl_paths dry_paths;	/* --name with --dry-run: where it would be */
	bool enable_kvm;
	bool need_taps;		/* some NIC is on a bridge */
	bool vhost_user;	/* some NIC is vhost-user */
	unsigned long long shared_mem;	/* the shared guest RAM to add, or 0 */
	int64_t vhost_start, vhost_deadline;	/* the connection check (ms) */
};

/* The launch steps below return 0 to go on, else the exit status (>0)
 * after printing why. */

static int nomem(void)
{
	xkvm_error("out of memory");
	return XKVM_EXIT_FAILURE;
}

/* The qemu command: --kvm split on blanks, else the architecture's
 * qemu-system-* (which must be in $PATH); and whether to add -enable-kvm. */
static int launch_qemu_command(struct launch *l)
{
	const struct xkvm_config *cfg = &l->cfg;

	if (arch_detect(&l->arch) < 0) {
		xkvm_error("cannot determine the machine architecture");
		return XKVM_EXIT_FAILURE;
	}
	if (cfg->kvm && *cfg->kvm) {
		if (qemuargv_split_words(&l->qemu, cfg->kvm) < 0)
			return nomem();
		if (l->qemu.n == 0) {
			xkvm_error("invalid --kvm '%s': no command", cfg->kvm);
			return XKVM_EXIT_USAGE;
		}
	} else {
		if (strv_push(&l->qemu, l->arch.qemu) < 0)
			return nomem();
		if (!in_path(l->arch.qemu)) {
			if (l->arch.pkg)
				xkvm_error("'%s' not found: install package %s", l->arch.qemu,
					   l->arch.pkg);
			else
				xkvm_error("'%s' not found: install qemu for this machine, or use --kvm",
					   l->arch.qemu);
			return XKVM_EXIT_FAILURE;
		}
	}
	l->enable_kvm = cfg->accel == ACCEL_KVM || (cfg->accel == ACCEL_AUTO && kvm_usable());
	return 0;
}

/* The nvram copy (checked, or made) failed with 'r': says so, for exit 1. */
static int nvram_copy_failed(const struct launch *l, int r)
{
	xkvm_error("cannot copy '%s' to '%s': %s", l->fw.nvram_src, l->fw.nvram, strerror(-r));
	return XKVM_EXIT_FAILURE;
}

/* --bios / --uefi / --uefi-nvram: decides the pflash drives and checks
 * that the nvram copy can be made (nothing is copied yet). */
static int launch_firmware(struct launch *l)
{
	const struct xkvm_config *cfg = &l->cfg;
	int r;

	if (cfg->bios && *cfg->bios && cfg->uefi) {
		xkvm_error("--uefi (or --uefi-nvram) is incompatible with --bios");
		return XKVM_EXIT_USAGE;
	}
	r = firmware_resolve(cfg->bios && *cfg->bios ? cfg->bios : NULL, cfg->uefi,
			     cfg->uefi_nvram, &l->fw);
	if (r == -ENOENT) {
		xkvm_error("uefi support requires ovmf firmware: install package ovmf");
		return XKVM_EXIT_FAILURE;
	} else if (r < 0) {
		return nomem();
	}
	if (l->fw.guessed) {
		xkvm_say("WARN: nvram given, but did not find expected ovmf files.");
		xkvm_say("      assuming this is code and vars (OVMF.fd)");
	}
	if (l->fw.no_persist)
		xkvm_debug(1, "uefi without --uefi-nvram storage. nvram settings likely will not persist.");
	if (l->fw.readonly)
		xkvm_debug(1, "nvram file %s is readonly", l->fw.nvram);
	if (geteuid() == 0) {	/* a root qemu writes the nvram file */
		char *err = NULL;
		uid_t uid;

		if (owner_invoking_uid(&uid) < 0)
			uid = 0;
		r = firmware_check_trust(&l->fw, cfg->uefi_nvram, uid, &err);
		if (r < 0) {
			xkvm_error("%s", err ? err : "out of memory");
			free(err);
			return XKVM_EXIT_FAILURE;
		}
	}
	r = firmware_check_copy(&l->fw);	/* fail before anything exists */
	if (r < 0)
		return nvram_copy_failed(l, r);
	return 0;
}

/* Parses and builds every --disk (probing -device options through l->dev,
 * which this step initializes). */
static int launch_disks(struct launch *l)
{
	const struct xkvm_config *cfg = &l->cfg;
	int r, locking = LOCKING_UNKNOWN;
	const char *env;
	char *err = NULL;

	if (devopts_init(&l->dev, &l->qemu) < 0)
		return nomem();
	env = getenv("_QEMU_SUPPORTS_FILE_LOCKING");
	if (env && *env)
		locking = !strcmp(env, "true") ? LOCKING_YES : LOCKING_NO;

	l->disks = calloc(cfg->disks.n ? cfg->disks.n : 1, sizeof(*l->disks));
	if (!l->disks)
		return nomem();
	for (size_t i = 0; i < cfg->disks.n; i++) {
		r = diskspec_parse(cfg->disks.v[i], (unsigned)i, cfg->def_disk_driver,
				   &l->disks[i], &err);
		if (r < 0)
			return report(r, err, XKVM_EXIT_USAGE);
		l->n_disks++;
		r = diskspec_build(&l->disks[i], &l->dev, &locking, &err);
		if (r < 0)
			return report(r, err, XKVM_EXIT_FAILURE);
	}
	return 0;
}

/* vhost-user: ovs-vswitchd maps the guest's RAM, so it must be a shared
 * backend, sized from the passthrough -m, unless the user made their own. */
static int launch_shared_mem(struct launch *l)
{
	const char *bad = NULL;
	bool user_backend;

	if (sharedmem_scan(&l->cfg.passthrough, &l->shared_mem, &user_backend, &bad) < 0) {
		xkvm_error("invalid -m '%s': want a size such as 512, 512M, 1G or size=1G", bad);
		return XKVM_EXIT_USAGE;
	}
	if (user_backend) {
		xkvm_debug(1, "vhost-user: using the memory backend given to qemu (it must have "
			   "share=on)");
		l->shared_mem = 0;
	}
	return 0;
}

/* --name: takes the name (a running launch of that name is an error) and
 * opens the control socket, before anything exists on the host; with
 * --dry-run only checks the name and says where the sockets would be. */
static int launch_control(struct launch *l)
{
	const char *name = l->cfg.name;
	char *err = NULL;
	int r;

	if (!name)
		return 0;
	if (!ctl_name_valid(name)) {
		xkvm_error("invalid --name '%s': 1 to %d letters, digits, '_', '.' or '-', "
			   "not starting with '.' or '-'", name, CTL_NAME_MAX);
		return XKVM_EXIT_USAGE;
	}
	if (l->cfg.dry_run) {
		r = ctl_paths_get(name, &l->dry_paths);
		if (r == -ENOMEM)
			return nomem();
		if (r < 0) {
			xkvm_error("--name '%s': %s", name, r == -ENOENT
				   ? "needs a run directory (set XDG_RUNTIME_DIR or XKVM_RUN_DIR)"
				   : strerror(-r));
			return XKVM_EXIT_FAILURE;
		}
		return 0;
	}
	r = cleanup_init();	/* its hook removes the sockets on a signal */
	if (r < 0) {
		xkvm_error("cannot set up cleanup: %s", strerror(-r));
		return XKVM_EXIT_FAILURE;
	}
	r = ctl_server_new(name, &l->ctl, &err);
	if (r < 0)
		return report(r == -EINVAL ? r : -EIO, err, XKVM_EXIT_USAGE);
	return 0;
}

/* Parses and classifies every --netdev (virbr0 when none is given). */
static int launch_parse_nics(struct launch *l)
{
	struct xkvm_config *cfg = &l->cfg;
	char *err = NULL;
	int r;

	if (cfg->netdevs.n == 0 && strv_push(&cfg->netdevs, DEF_BRIDGE) < 0)
		return nomem();
	l->nics = calloc(cfg->netdevs.n, sizeof(*l->nics));
	if (!l->nics)
		return nomem();
	for (size_t i = 0; i < cfg->netdevs.n; i++) {
		struct nic *ns = &l->nics[i];

		r = netspec_parse(cfg->netdevs.v[i], (unsigned)i,
				  cfg->def_netmodel ? cfg->def_netmodel : l->arch.netmodel, ns, &err);
		if (r < 0)
			return report(r, err, XKVM_EXIT_USAGE);
		l->n_nics++;
		r = netspec_classify(ns, &l->dev, &err);
		if (r < 0)
			return report(r, err, XKVM_EXIT_FAILURE);
		if (strv_push(&l->conns, ns->bridge) < 0)
			return nomem();
		if (ns->kind != NIC_USER)
			l->need_taps = true;
		r = nic_check_ovs_place(ns, &err);	/* user networking: known now */
		if (r < 0)
			return report(r, err, XKVM_EXIT_FAILURE);
		l->vhost_user |= ns->vhost_user;
	}
	return l->vhost_user ? launch_shared_mem(l) : 0;
}

/* The dry run's stand-in for the tap of every bridge NIC (a million
 * NICs do not fit in ARG_MAX: the name cannot repeat). */
static void dry_run_taps(struct launch *l)
{
	char *dir = NULL;

	for (size_t i = 0; i < l->n_nics; i++) {
		struct nic *n = &l->nics[i];

		if (n->kind == NIC_USER)
			continue;
		snprintf(n->tap, sizeof(n->tap), "dryrun%s%u", n->vhost_user ? "vhu" : "tap",
			 (unsigned)(i % 1000000));
		/* where the socket would be: the launch directory's name is
		 * random (mkdtemp) */
		if (n->vhost_user && !n->vhost_sock && (dir || vhostdir_template(&dir) == 0))
			(void)vhostdir_socket(dir, n->index, &n->vhost_sock);
	}
	free(dir);
}

/* When a NIC is on a bridge: classifies the bridges, reaps what dead
 * launches left, and creates the taps (or, with --dry-run, reports what
 * would be done).  'argv0' is xkvm's name, for the dry-run report. */
static int launch_setup_nics(struct launch *l, const char *argv0)
{
	const struct xkvm_config *cfg = &l->cfg;
	struct nics_options opt = cmd_nics_options(&cfg->ovs, 0, cfg->verbosity);
	int ret = XKVM_EXIT_FAILURE, r;
	char *line = NULL;

	if (!l->need_taps)
		return 0;
	line = strv_join(&l->conns, " ");
	if (!line)
		return nomem();
	/* Before the first OVSDB connection: it takes the self-pipe as
	 * its interrupt fd, so a signal cuts an OVS wait short. */
	if (!cfg->dry_run) {
		r = cleanup_init();
		if (r < 0) {
			xkvm_error("cannot set up cleanup: %s", strerror(-r));
			goto out;
		}
	}
	if (nics_new(&opt, &l->net) < 0)
		goto out;
	/* Every bridge is looked at before anything is created (without
	 * the privilege, `sudo xkvm tap-control make-nics` does it). */
	if ((cfg->dry_run || nics_privileged()) && nics_classify(l->net, l->nics, l->n_nics) < 0)
		goto out;
	if (!cfg->dry_run && cfg->reap) {
		/* fatal only when descriptors ran out: the taps could not be
		 * made either (said there) */
		r = nics_reap(l->net);
		if (r == -EMFILE || r == -ENFILE)
			goto out;
		cleanup_check_signal();
	}
	xkvm_say("creating tap devices: %s", line);
	if (cfg->dry_run) {
		char vflag[64] = "";

		for (int i = 0; i < cfg->verbosity - 1 && i < 60; i++) {
			if (i == 0)
				strcat(vflag, " -");
			strcat(vflag, "v");
		}
		xkvm_say("sudo %s tap-control make-nics%s %s", argv0, vflag, line);
		dry_run_taps(l);
	} else if (nics_make(l->net, l->nics, l->n_nics) < 0) {
		goto out;
	}
	for (size_t i = 0; i < l->n_nics; i++)
		if (l->nics[i].kind != NIC_USER)
			xkvm_debug(2, "nic %zu: %s:%s on %s", i, l->nics[i].tap,
				   nic_kind_name(l->nics[i].kind), l->nics[i].bridge);
	ret = 0;
out:
	free(line);
	return ret;
}

/* The supervisor's tick while qemu runs: has every vhost-user port
 * connected to qemu (Interface status)?  Looks without waiting, every
 * 50 ms, until all are or the --ovs-timeout passed (a warning: a slow
 * guest is not a failure).  Returns the next delay, or -1 when done. */
static int vhost_tick(void *arg)
{
	struct launch *l = arg;
	const char *first = NULL;
	int64_t now = clock_now_ms();
	int r = nics_vhost_pending(l->net, l->nics, l->n_nics, &first);

	if (r == 0) {
		xkvm_debug(1, "vhost-user port(s) connected to qemu after %lld ms",
			   (long long)(now - l->vhost_start));
		return -1;
	}
	if (r == -ENOTCONN) {
		xkvm_debug(1, "vhost-user connection not checked: the ports were made through sudo");
		return -1;
	}
	if (r < 0) {
		xkvm_error("warning: cannot check vhost-user ports: %s", nics_db_error(l->net));
		return -1;
	}
	if (now >= l->vhost_deadline) {
		xkvm_error("warning: vhost-user port '%s' not connected to qemu within %g s "
			   "(Interface status): the guest may have no network yet", first,
			   l->cfg.ovs.ovs_timeout_ms / 1000.0);
		return -1;
	}
	return 50;
}

#define DEF_HOTPLUG_PORTS 4

/* Whether qemu's own arguments choose a q35 machine (-M/-machine q35,
 * pc-q35-*, or type=...). */
static bool machine_is_q35(const struct strv *pt)
{
	for (size_t i = 0; i + 1 < pt->n; i++) {
		const char *a = pt->v[i + 1], *t;

		if (strcmp(pt->v[i], "-M") && strcmp(pt->v[i], "-machine"))
			continue;
		t = strstr(a, "type=");
		t = t ? t + 5 : a;
		if (!strncmp(t, "q35", 3) || !strncmp(t, "pc-q35", 6))
			return true;
	}
	return false;
}

/* How many free pcie-root-ports a launch reserves for `nic add`: only with
 * --name on a q35 machine (i440fx has ACPI hotplug on its root bus). */
static unsigned launch_root_ports(const struct launch *l)
{
	if (!l->cfg.name || !machine_is_q35(&l->cfg.passthrough))
		return 0;
	return l->cfg.hotplug_ports < 0 ? DEF_HOTPLUG_PORTS : (unsigned)l->cfg.hotplug_ports;
}

/* --name: serves the control socket from supervise's loop.  A launch
 * without bridge NICs gets its (empty) host NIC state now, for nic add. */
static int launch_control_start(struct launch *l)
{
	const struct xkvm_config *cfg = &l->cfg;
	struct ctl_launch cl = {
		.nics = &l->nics, .n = &l->n_nics, .dev = &l->dev,
		.def_model = cfg->def_netmodel ? cfg->def_netmodel : l->arch.netmodel,
		.root_ports = launch_root_ports(l),
	};

	if (!l->net) {
		struct nics_options opt = cmd_nics_options(&cfg->ovs, 0, cfg->verbosity);

		if (nics_new(&opt, &l->net) < 0)
			return XKVM_EXIT_FAILURE;
	}
	cl.net = l->net;
	cl.q35 = machine_is_q35(&cfg->passthrough);
	cl.enable_kvm = l->enable_kvm;
	if (ctl_server_start(l->ctl, &cl) < 0)
		return nomem();
	return 0;
}

/* Builds and reports qemu's command line; unless --dry-run, copies the
 * nvram template and runs qemu under supervision.  Returns the exit
 * status: 0 for a dry run, else qemu's (or XKVM_EXIT_FAILURE); dies by a
 * terminating signal received meanwhile, after the teardown. */
static int launch_run(struct launch *l)
{
	struct qemu_plan plan = {
		.qemu = &l->qemu, .enable_kvm = l->enable_kvm, .arch = &l->arch, .fw = &l->fw,
		.nics = l->nics, .n_nics = l->n_nics,
		.disks = l->disks, .n_disks = l->n_disks, .passthrough = &l->cfg.passthrough,
		.shared_mem = l->shared_mem,
		.qmp = l->ctl ? ctl_server_qmp_path(l->ctl) : l->dry_paths.qmp,
		.root_ports = launch_root_ports(l),
	};
	struct supervise_tick tick = { vhost_tick, l };
	int r, status, sig = 0;
	char *line;

	if (qemuargv_build(&plan, &l->cmd) < 0)
		return nomem();
	line = quote_cmd(&l->cmd);
	if (!line)
		return nomem();
	xkvm_say("%s", line);
	free(line);
	if (l->cfg.dry_run)
		return 0;

	r = firmware_copy_nvram(&l->fw);
	if (r < 0)
		return nvram_copy_failed(l, r);
	if (l->fw.copy)
		xkvm_debug(1, "copied %s to %s", l->fw.nvram_src, l->fw.nvram);
	if (l->ctl) {
		r = launch_control_start(l);
		if (r)
			return r;
	}
	cleanup_check_signal();	/* a signal during setup: unwind, die by it */
	l->vhost_start = clock_now_ms();
	l->vhost_deadline = l->vhost_start + l->cfg.ovs.ovs_timeout_ms;
	r = supervise_run_ticking(l->cmd.v, &status, &sig, l->vhost_user ? &tick : NULL);
	if (sig) {
		/* qemu is gone: tear down, then die by the same signal. */
		cleanup_die(sig);
	}
	if (r < 0) {
		xkvm_error("cannot run '%s': %s", l->cmd.v[0], strerror(-r));
		if (r == -ENOENT && l->arch.pkg && !strcmp(l->cmd.v[0], l->arch.qemu))
			xkvm_say("install package %s", l->arch.pkg);
		return XKVM_EXIT_FAILURE;
	}
	return status;
}

/* Frees what 'l' holds.  Accepts NULL. */
static void launch_release(struct launch *l)
{
	if (!l)
		return;
	nics_free(l->net);	/* tears down what it made: qemu is gone */
	ctl_server_free(l->ctl);	/* then a waiting `ctl stop` returns */
	ctl_paths_release(&l->dry_paths);
	for (size_t i = 0; i < l->n_nics; i++)
		nic_release(&l->nics[i]);
	for (size_t i = 0; i < l->n_disks; i++)
		diskspec_release(&l->disks[i]);
	free(l->nics);
	free(l->disks);
	strv_release(&l->qemu);
	strv_release(&l->cmd);
	strv_release(&l->conns);
	devopts_release(&l->dev);
	firmware_release(&l->fw);
	arch_release(&l->arch);
	cli_release(&l->cfg);
}

int launch_main(int argc, char **argv)
{
	struct launch l = { 0 };
	char *err = NULL;
	int ret, r;

	r = cli_parse(argc, argv, &l.cfg, &err);
	if (r < 0) {
		ret = report(r, err, XKVM_EXIT_USAGE);
		goto out;
	}
	if (l.cfg.help) {
		cli_usage(stdout, argv[0]);
		ret = xkvm_flush_stdout() < 0 ? XKVM_EXIT_FAILURE : 0;
		goto out;
	}
	if (l.cfg.version) {
		printf("xkvm %s\n", xkvm_version());
		ret = xkvm_flush_stdout() < 0 ? XKVM_EXIT_FAILURE : 0;
		goto out;
	}
	xkvm_verbosity = l.cfg.verbosity;
	if (cmd_run_dir_env_bad()) {
		ret = XKVM_EXIT_FAILURE;
		goto out;
	}

	ret = launch_qemu_command(&l);
	if (ret)
		goto out;
	ret = launch_firmware(&l);
	if (ret)
		goto out;
	ret = launch_disks(&l);
	if (ret)
		goto out;
	ret = launch_control(&l);
	if (ret)
		goto out;
	ret = launch_parse_nics(&l);
	if (ret)
		goto out;
	ret = launch_setup_nics(&l, argv[0]);
	if (ret)
		goto out;
	ret = launch_run(&l);
out:
	/* A failure a signal caused (an interrupted OVS wait): tear down and
	 * die by the signal, 128+N, not 1. */
	cleanup_check_signal();
	launch_release(&l);
	return ret;
}
