/* xkvm: launch qemu with tap NICs on Linux and Open vSwitch bridges.
 * The entry point only dispatches: `xkvm tap-control MODE ...` or a launch. */
#include <string.h>

#include "launch.h"
#include "tapctl.h"

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "tap-control"))
		return tapctl_main(argc - 1, argv + 1);
	return launch_main(argc, argv);
}
