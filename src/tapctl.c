/* tapctl: `xkvm tap-control MODE ...`, the privileged half of a launch
 * (run through sudo by an unprivileged xkvm) and a tool of its own. */
#include "tapctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "nics.h"
#include "owner.h"
#include "xkvm.h"

struct mode {
	const char *name;
	int (*run)(int argc, char **argv);	/* argv[0] is the mode */
	const char *usage;			/* after "tap-control " */
	const char *help;
};

static const struct mode *current;

static void usage(FILE *f)
{
	fprintf(f, "Usage: xkvm tap-control %s\n%s", current->usage, current->help);
}

/* Parses -v/--verbose and -h/--help.  Returns -1 to go on, else an exit
 * status. */
static int parse_common(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;	/* full re-initialization (GNU) */
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			xkvm_verbosity++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return XKVM_EXIT_USAGE;
		}
	}
	return -1;
}

static int flush_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		xkvm_error("cannot write to stdout: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

static int cmd_make_nics(int argc, char **argv)
{
	struct nics_nic *nics = NULL;
	size_t count;
	int ret, status;

	status = parse_common(argc, argv);
	if (status >= 0)
		return status;
	if (optind >= argc) {
		usage(stderr);
		xkvm_error("must give bridge");
		return XKVM_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		xkvm_error("must be root for make-nics");
		return XKVM_EXIT_FAILURE;
	}
	count = (size_t)(argc - optind);
	ret = nics_make((const char *const *)argv + optind, count, &nics);
	if (ret < 0)
		return XKVM_EXIT_FAILURE;
	for (size_t i = 0; i < count; i++) {
		if (nics[i].type == NICS_USER)
			printf("skip\n");
		else
			printf("%s:%s\n", nics[i].tap, nics_type_name(nics[i].type));
	}
	free(nics);
	/* The caller learns the names only from stdout: keep the taps only
	 * when it got them. */
	if (flush_stdout() < 0) {
		nics_teardown();
		return XKVM_EXIT_FAILURE;
	}
	nics_keep();
	return 0;
}

static int cmd_del_nics(int argc, char **argv)
{
	uid_t uid;
	int ret, status;

	status = parse_common(argc, argv);
	if (status >= 0)
		return status;
	if (optind >= argc) {
		usage(stderr);
		xkvm_error("must give tap");
		return XKVM_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		xkvm_error("must be root for del-nics");
		return XKVM_EXIT_FAILURE;
	}
	if (owner_invoking_uid(&uid) < 0) {
		xkvm_error("invalid SUDO_UID '%s'", getenv("SUDO_UID"));
		return XKVM_EXIT_FAILURE;
	}
	ret = nics_delete_owned((const char *const *)argv + optind,
				(size_t)(argc - optind), uid);
	return ret == 0 ? 0 : XKVM_EXIT_FAILURE;
}

static const struct mode modes[] = {
	{ "make-nics", cmd_make_nics, "make-nics [options] bridge [bridge [..]]",
	  "\n   make a tap device on each of bridges requested\n"
	  "   outputs: 'tapname:type' for each input, or 'skip' if nothing needed.\n"
	  "\n   type is one of 'brctl' or 'ovs'\n" },
	{ "del-nics", cmd_del_nics, "del-nics [options] tap [tap [..]]",
	  "\n   delete taps that xkvm made for the invoking user (SUDO_UID when\n"
	  "   run through sudo); refuses any other interface.\n" },
	/* ovs-cleanup: added with the Open vSwitch support. */
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

int tapctl_main(int argc, char **argv)
{
	int ret;

	if (argc < 2) {
		xkvm_error("must give mode to tap-control");
		return XKVM_EXIT_USAGE;
	}
	for (size_t i = 0; i < N_MODES; i++) {
		if (strcmp(argv[1], modes[i].name))
			continue;
		current = &modes[i];
		ret = cleanup_init();
		if (ret < 0) {
			xkvm_error("cannot set up cleanup: %s", strerror(-ret));
			return XKVM_EXIT_FAILURE;
		}
		ret = modes[i].run(argc - 1, argv + 1);
		cleanup_run();
		return ret;
	}
	bad_mode();
	return XKVM_EXIT_USAGE;
}
