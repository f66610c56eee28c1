#include "cmd/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/xkvm.h"
#include "cmd/options.h"
#include "ctl/client.h"
#include "ctl/rundir.h"
#include "net/capture.h"
#include "net/nics.h"
#include "net/sudo-nics.h"

#define END_SLACK_MS 30000
#define PCAP_WHY 512	/* after the stop bound: teardown, reaping qemu */

static void usage(FILE *f)
{
	fputs("Usage: xkvm ctl NAME COMMAND [ARG...]\n"
	      "       xkvm ctl               the running launches of yours, one JSON\n"
	      "                              object a line (name, pid, socket)\n"
	      "   NAME: the --name of a running launch of yours (or, as root, the path\n"
	      "   of a control socket).  A NIC is its netdev id (net00), tap or MAC.\n"
	      "      list | show [NIC]      the NICs, one JSON object a line\n"
	      "      link NIC up|down       set the link of a NIC (guest and host tap)\n"
	      "      nic add NETDEV-SPEC    hot-add a NIC (as --netdev); prints its id\n"
	      "      nic del NIC            hot-remove a NIC, then its tap and port\n"
	      "      netem NIC delay=MS[,jitter=MS] loss=PCT rate=KBIT | netem NIC off\n"
	      "                             impair what the host sends into the NIC\n"
	      "      nic move NIC BRIDGE[,ovs-...]  re-attach the NIC's tap elsewhere\n"
	      "      capture NIC [-w FILE|-] [-c COUNT]  pcap of the NIC's traffic\n"
	      "      mirror NIC [--to NIC2] | mirror NIC off   an OVS mirror of NIC to NIC2\n"
	      "                             or to a port of its own (printed)\n"
	      "      stop [SECONDS]         ACPI power-down; qemu is killed after\n"
	      "                             SECONDS (default 10); returns at the end\n"
	      "      kill                   kill qemu now; returns at the end\n", f);
}

/* Returns the tap named in a list/show line (caller frees), or NULL. */
static char *tap_of(const char *line)
{
	const char *p = strstr(line, "\"tap\":\"");
	size_t n;

	if (!p)
		return NULL;
	p += 7;
	n = strcspn(p, "\"");
	return strndup(p, n);
}

/* Runs `sudo xkvm tap-control capture -- TAP COUNT` into 'file' ("-":
 * stdout), which this user opens.  Returns the exit status (it says what
 * it captured, or why not). */
static int capture_through_sudo(const char *tap, const char *file, long count)
{
	struct sudo_nics *s = NULL;
	int fd = STDOUT_FILENO, r;

	if (strcmp(file, "-")) {
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
		if (fd < 0) {
			xkvm_error("capture: cannot open '%s': %s", file, strerror(errno));
			return XKVM_EXIT_FAILURE;
		}
	}
	r = sudo_nics_new(&s);	/* printed */
	if (r == 0)
		r = sudo_nics_capture(s, tap, count, fd);
	if (r < 0)
		xkvm_error("cannot run sudo: %s", strerror(-r));
	sudo_nics_free(s);
	if (fd != STDOUT_FILENO)
		close(fd);
	return r < 0 ? XKVM_EXIT_FAILURE : r;
}

/* `capture NIC [-w FILE|-] [-c COUNT]`: the tap comes from the launch, the
 * capture runs here (libpcap needs CAP_NET_RAW: root), or through sudo. */
static int capture(const char *sock, const char *name, int argc, char **argv)
{
	const char *file = NULL, *nic = NULL;
	char *line = NULL, *err = NULL, *tap = NULL, why[PCAP_WHY] = "";
	char *show[] = { (char *)"show", NULL, NULL };
	size_t size = 0;
	long count = 0, written = 0;
	FILE *f;
	int r, ret = XKVM_EXIT_USAGE;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-w") && i + 1 < argc) {
			file = argv[++i];
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			char *end;

			count = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || count <= 0) {
				xkvm_error("capture: bad -c '%s' (a packet count)", argv[i]);
				return XKVM_EXIT_USAGE;
			}
		} else if (!nic && argv[i][0] != '-') {
			nic = argv[i];
		} else {
			xkvm_error("capture: unexpected '%s' (capture NIC [-w FILE|-] [-c COUNT])",
				   argv[i]);
			return XKVM_EXIT_USAGE;
		}
	}
	if (!nic) {
		xkvm_error("capture: missing NIC (capture NIC [-w FILE|-] [-c COUNT])");
		return XKVM_EXIT_USAGE;
	}
	if (!file || !strcmp(file, "-")) {
		if (isatty(STDOUT_FILENO)) {
			xkvm_error("capture: stdout is a terminal: give -w FILE (or pipe -w - to a reader)");
			return XKVM_EXIT_USAGE;
		}
		file = "-";
	}
	show[1] = (char *)nic;
	f = open_memstream(&line, &size);
	if (!f)
		return XKVM_EXIT_FAILURE;
	r = ctl_client_request(sock, 2, show, f, 0, 0, &err);
	fclose(f);
	ret = XKVM_EXIT_FAILURE;
	if (r == -ENOENT || r == -ECONNREFUSED) {
		xkvm_error("no such launch '%s'", name);
		goto out;
	}
	if (r < 0) {
		xkvm_error("%s", err ? err : strerror(-r));
		goto out;
	}
	tap = tap_of(line);
	if (!tap) {
		xkvm_error("capture: %s has no tap (user networking)", nic);
		goto out;
	}
	r = cleanup_init();	/* ^C ends the capture cleanly */
	if (r == 0 && !nics_privileged()) {
		/* libpcap needs root: tap-control captures through sudo,
		 * into a file this user opened. */
		ret = capture_through_sudo(tap, file, count);
		goto out;
	}
	if (r == 0)
		r = capture_run(tap, 0, file, count, cleanup_signal_fd(), &written, why,
				sizeof(why));
	if (r < 0)
		xkvm_error("cannot capture on '%s': %s", tap, why[0] ? why : strerror(-r));
	else
		xkvm_say("%ld packet(s) captured on %s", written, tap);
	ret = r < 0 ? XKVM_EXIT_FAILURE : 0;
out:
	free(tap);
	free(line);
	free(err);
	return ret;
}

static void print_running(const char *name, pid_t pid, void *arg)
{
	struct ctl_paths p;

	(void)arg;
	if (ctl_paths_get(name, &p) == 0) {
		printf("{\"name\":");
		json_put_str(stdout, name);
		printf(",\"pid\":%d,\"socket\":", (int)pid);
		json_put_str(stdout, p.sock);
		printf("}\n");
	}
	ctl_paths_release(&p);
}

/* `xkvm ctl` alone: the running launches. */
static int list_running(void)
{
	int r = ctl_names_running(print_running, NULL);

	if (r == -EPERM)
		xkvm_error("ctl: the run directory is not a private directory of this user");
	else if (r < 0)
		xkvm_error("ctl: cannot list the running launches: %s", strerror(-r));
	if (xkvm_flush_stdout() < 0)
		return XKVM_EXIT_FAILURE;
	return r < 0 ? XKVM_EXIT_FAILURE : 0;
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
	if (cmd_run_dir_env_bad())
		return XKVM_EXIT_FAILURE;
	if (argc < 2)
		return list_running();
	if (argc < 3) {
		xkvm_error("ctl: missing COMMAND (see 'xkvm ctl --help')");
		return XKVM_EXIT_USAGE;
	}
	r = ctl_paths_get(argv[1], &p);
	if (r < 0) {
		if (r == -EINVAL)
			xkvm_error("ctl: invalid name '%s'", argv[1]);
		else if (r == -ENOENT)
			xkvm_error("ctl: no run directory (set XDG_RUNTIME_DIR or XKVM_RUN_DIR): "
				   "give the control socket's path");
		else
			xkvm_error("ctl: '%s': %s", argv[1], strerror(-r));
		ret = r == -EINVAL ? XKVM_EXIT_USAGE : XKVM_EXIT_FAILURE;
		goto out;
	}
	if (!strcmp(argv[2], "capture")) {
		ret = capture(p.sock, argv[1], argc - 2, argv + 2);
		cleanup_check_signal();	/* ^C: the file is complete; die by it */
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
