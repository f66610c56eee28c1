/* tap-control's runtime modes: what `xkvm ctl` asks of a running guest's
 * taps when its launch has no CAP_NET_ADMIN (link, netem, capture,
 * move-nic), each held to the caller's own taps and, for a move, to the
 * ACL as make-nics is.  Root may name any tap xkvm made. */
#include "cmd/tapctl-int.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/nic.h"
#include "base/xkvm.h"
#include "cmd/options.h"
#include "net/capture.h"
#include "net/nics.h"
#include "net/tapstate.h"

/* Whether the caller may touch 'tap': one xkvm made, and (through sudo)
 * for the caller; the link checked goes into *ifindex (act on it, not on
 * the name).  Prints the refusal. */
static bool own_tap(const struct tapctl_opts *o, const char *tap, const char *mode,
		    int *ifindex)
{
	char why[256] = "";
	uid_t uid;
	int r = tapstate_owner(tap, &uid, ifindex, why, sizeof(why));

	if (r == -ENODEV)
		xkvm_error("no such tap '%s'", tap);
	else if (r == -EPERM)
		xkvm_error("refusing %s on '%s': not a tap made by xkvm", mode, tap);
	else if (r < 0)
		xkvm_error("cannot look up tap '%s': %s", tap, why);
	else if (o->caller.sudo && uid != o->caller.uid)
		xkvm_error("refusing %s on '%s': it belongs to uid %u", mode, tap, (unsigned)uid);
	else
		return true;
	return false;
}

/* The mode's words after the options: exactly 'want' of them. */
static bool words(int argc, int want, const char *usage)
{
	if (argc - optind == want)
		return true;
	xkvm_error("usage: xkvm tap-control %s", usage);
	return false;
}

int tapctl_cmd_link(int argc, char **argv, const struct tapctl_opts *o)
{
	const char *tap, *state;
	char why[512];
	int ifindex;

	if (!words(argc, 2, "link TAP up|down"))
		return XKVM_EXIT_USAGE;
	tap = argv[optind];
	state = argv[optind + 1];
	if (strcmp(state, "up") && strcmp(state, "down")) {
		xkvm_error("link: '%s' is neither up nor down", state);
		return XKVM_EXIT_USAGE;
	}
	if (!tapctl_need_root("link") || !own_tap(o, tap, "link", &ifindex))
		return XKVM_EXIT_FAILURE;
	if (nics_set_link(NULL, tap, ifindex, !strcmp(state, "up"), why, sizeof(why)) < 0) {
		xkvm_error("%s", why);
		return XKVM_EXIT_FAILURE;
	}
	return 0;
}

int tapctl_cmd_netem(int argc, char **argv, const struct tapctl_opts *o)
{
	struct tapstate_netem e;
	const char *tap;
	char why[512] = "";
	bool off;
	int r, ifindex;

	if (!words(argc, 2, "netem TAP SPEC|off"))
		return XKVM_EXIT_USAGE;
	tap = argv[optind];
	r = tapstate_netem_parse(argv[optind + 1], &e, &off, why, sizeof(why));
	if (r < 0) {
		xkvm_error("%s", r == -ENOMEM ? "out of memory" : why);
		return r == -EINVAL ? XKVM_EXIT_USAGE : XKVM_EXIT_FAILURE;
	}
	if (!tapctl_need_root("netem") || !own_tap(o, tap, "netem", &ifindex))
		return XKVM_EXIT_FAILURE;
	if (nics_netem(NULL, tap, ifindex, off ? NULL : &e, why, sizeof(why)) < 0) {
		xkvm_error("%s", why);
		return XKVM_EXIT_FAILURE;
	}
	return 0;
}

int tapctl_cmd_capture(int argc, char **argv, const struct tapctl_opts *o)
{
	char why[512] = "", *end;
	const char *tap;
	long count = 0, written = 0;
	int r, ifindex;

	if (argc - optind != 1 && !words(argc, 2, "capture TAP [COUNT]"))
		return XKVM_EXIT_USAGE;
	if (argc - optind == 2) {
		count = strtol(argv[optind + 1], &end, 10);
		if (*end || end == argv[optind + 1] || count < 0) {
			xkvm_error("capture: bad count '%s' (packets, 0: until stopped)",
				   argv[optind + 1]);
			return XKVM_EXIT_USAGE;
		}
	}
	tap = argv[optind];
	if (isatty(STDOUT_FILENO)) {
		xkvm_error("capture: stdout is a terminal: the pcap goes there (redirect it)");
		return XKVM_EXIT_USAGE;
	}
	if (!tapctl_need_root("capture") || !own_tap(o, tap, "capture", &ifindex))
		return XKVM_EXIT_FAILURE;
	r = capture_run(tap, ifindex, "-", count, cleanup_signal_fd(), &written, why,
			sizeof(why));
	if (r < 0) {
		xkvm_error("cannot capture on '%s': %s", tap, why[0] ? why : strerror(-r));
		return XKVM_EXIT_FAILURE;
	}
	xkvm_say("%ld packet(s) captured on %s", written, tap);
	return 0;
}

int tapctl_cmd_move_nic(int argc, char **argv, const struct tapctl_opts *o)
{
	struct nic nics[2] = { 0 };	/* from, to */
	struct nics_options nopt;
	struct nics *ns = NULL;
	size_t parsed = 0;
	char *err = NULL, *line = NULL;
	int ret = XKVM_EXIT_USAGE, lock = -1;
	pid_t owner;

	if (!words(argc, 3, "move-nic [options] TAP FROM TO"))
		return XKVM_EXIT_USAGE;
	for (; parsed < 2; parsed++) {
		int r = nic_wire_parse(argv[optind + 1 + (int)parsed], 0, &nics[parsed], &err);

		if (r < 0) {
			xkvm_error("%s", err ? err : "out of memory");
			free(err);
			parsed++;
			ret = r == -EINVAL ? XKVM_EXIT_USAGE : XKVM_EXIT_FAILURE;
			goto out;
		}
		if (snprintf(nics[parsed].tap, sizeof(nics[parsed].tap), "%s", argv[optind]) >=
		    (int)sizeof(nics[parsed].tap)) {
			xkvm_error("no such tap '%s'", argv[optind]);
			parsed++;
			ret = XKVM_EXIT_FAILURE;
			goto out;
		}
	}
	ret = XKVM_EXIT_FAILURE;
	if (nics[0].kind == NIC_USER || nics[1].kind == NIC_USER || nics[1].mac ||
	    nics[0].vhost_user || nics[1].vhost_user) {
		xkvm_error("move-nic: FROM and TO are bridges of a tap (no vhost-user); TO changes "
			   "no MAC");
		ret = XKVM_EXIT_USAGE;
		goto out;
	}
	if (!tapctl_need_root("move-nic"))
		goto out;
	if (!nics_privileged()) {
		xkvm_error("move-nic needs CAP_NET_ADMIN");
		goto out;
	}
	/* Both ends: the way back of a failed move is a move too.  The lock
	 * keeps the caller's del-nics from freeing the name meanwhile. */
	if (tapctl_priv_acl(o, nics, 2, NULL) < 0 || tapctl_priv_owner(o, &owner) < 0 ||
	    tapctl_priv_lock(o, false, &lock) < 0)
		goto out;
	nopt = cmd_nics_options(&o->ovs, owner, xkvm_verbosity);
	if (nics_new(&nopt, &ns) < 0 || nics_move_owned(ns, &nics[0], &nics[1]) < 0)
		goto out;
	if (nic_wire_reply(&nics[1], true, &line) < 0) {
		xkvm_error("out of memory");
		goto out;
	}
	printf("%s\n", line);
	ret = xkvm_flush_stdout() < 0 ? XKVM_EXIT_FAILURE : 0;
out:
	free(line);
	nics_free(ns);
	tapctl_priv_unlock(lock);
	for (size_t i = 0; i < parsed; i++)
		nic_release(&nics[i]);
	return ret;
}
