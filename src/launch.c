#include "launch.h"
#include "xkvm.h"

/* Placeholder until the core CLI lands. */
int launch_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	xkvm_error("not implemented yet");
	return XKVM_EXIT_FAILURE;
}
