#include "tapctl.h"
#include "xkvm.h"

/* Placeholder until the netlink issue lands. */
int tapctl_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	xkvm_error("tap-control: not implemented yet");
	return XKVM_EXIT_FAILURE;
}
