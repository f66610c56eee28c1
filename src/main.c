/* xkvm: launch qemu with tap NICs on Linux and Open vSwitch bridges.
 * The entry point only dispatches: `xkvm tap-control MODE ...`, `xkvm ctl NAME ...`
 * or a launch. */
#include <signal.h>
#include <string.h>

#include "cmd/ctl.h"
#include "cmd/launch.h"
#include "cmd/tapctl.h"

int main(int argc, char **argv)
{
	/* xkvm waits for every child it starts (sudo, qemu, qemu's device
	 * probes): an inherited SIGCHLD=SIG_IGN would have the kernel reap
	 * them first, and waitpid() fail with ECHILD. */
	signal(SIGCHLD, SIG_DFL);
	if (argc > 1 && !strcmp(argv[1], "tap-control"))
		return tapctl_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return ctl_main(argc - 1, argv + 1);
	return launch_main(argc, argv);
}
