#include "cmd/ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xkvm.h"
#include "ctl/client.h"
#include "ctl/rundir.h"

#define END_SLACK_MS 30000	/* after the stop bound: teardown, reaping qemu */

static void usage(FILE *f)
{
	fputs("Usage: xkvm ctl NAME COMMAND [ARG...]\n"
	      "   NAME: the --name of a running launch of yours (or, as root, the path\n"
	      "   of a control socket).  A NIC is its netdev id (net00), tap or MAC.\n"
	      "      list | show [NIC]      the NICs, one JSON object a line\n"
	      "      link NIC up|down       set the link of a NIC (guest and host tap)\n"
	      "      nic add NETDEV-SPEC    hot-add a NIC (as --netdev); prints its id\n"
	      "      nic del NIC            hot-remove a NIC, then its tap and port\n"
	      "      stop [SECONDS]         ACPI power-down; qemu is killed after\n"
	      "                             SECONDS (default 10); returns at the end\n"
	      "      kill                   kill qemu now; returns at the end\n", f);
}

int ctl_main(int argc, char **argv)
{
	struct ctl_paths p;
	int ret, r, wait_ms = 0;
	char *err = NULL;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return xkvm_flush_stdout() < 0 ? XKVM_EXIT_FAILURE : 0;
	}
	if (argc < 3) {
		xkvm_error("ctl: %s (see 'xkvm ctl --help')",
			   argc < 2 ? "missing NAME" : "missing COMMAND");
		return XKVM_EXIT_USAGE;
	}
	r = ctl_paths_get(argv[1], &p);
	if (r < 0) {
		if (r == -EINVAL)
			xkvm_error("ctl: invalid name '%s'", argv[1]);
		else if (r == -ENOENT)
			xkvm_error("ctl: no $XDG_RUNTIME_DIR: give the control socket's path");
		else
			xkvm_error("ctl: '%s': %s", argv[1], strerror(-r));
		ret = r == -EINVAL ? XKVM_EXIT_USAGE : XKVM_EXIT_FAILURE;
		goto out;
	}
	if (!strcmp(argv[2], "stop") || !strcmp(argv[2], "kill")) {
		long secs = argc > 3 ? strtol(argv[3], NULL, 10) : 10;

		wait_ms = (int)(secs > 0 && secs <= 3600 ? secs : 10) * 1000 + END_SLACK_MS;
	}
	r = ctl_client_request(p.sock, argc - 2, argv + 2, stdout, wait_ms > 0, wait_ms, &err);
	ret = 0;
	if (r == -ENOENT || r == -ECONNREFUSED) {
		xkvm_error("no such launch '%s'", argv[1]);
		ret = XKVM_EXIT_FAILURE;
	} else if (r == -EACCES) {
		xkvm_error("not yours: launch '%s' (%s)", argv[1], strerror(-r));
		ret = XKVM_EXIT_FAILURE;
	} else if (r == -EREMOTEIO) {
		xkvm_error("%s", err ? err : "out of memory");
		ret = strncmp(err ? err : "", "usage:", 6) ? XKVM_EXIT_FAILURE : XKVM_EXIT_USAGE;
	} else if (r == -EINVAL) {
		xkvm_error("ctl: an argument holds a tab or newline, or is empty");
		ret = XKVM_EXIT_USAGE;
	} else if (r == -EPROTO) {
		xkvm_error("launch '%s' closed the connection without an answer", argv[1]);
		ret = XKVM_EXIT_FAILURE;
	} else if (r < 0) {
		xkvm_error("cannot talk to launch '%s': %s", argv[1], strerror(-r));
		ret = XKVM_EXIT_FAILURE;
	}
	if (xkvm_flush_stdout() < 0)
		ret = XKVM_EXIT_FAILURE;
out:
	free(err);
	ctl_paths_release(&p);
	return ret;
}
