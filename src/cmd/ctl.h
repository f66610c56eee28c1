/* ctl: `xkvm ctl NAME COMMAND [ARG...]`, runtime control of a launch
 * started with --name NAME (ctl/server.h). */
#ifndef XKVM_CMD_CTL_H
#define XKVM_CMD_CTL_H

/* argv[0] is "ctl".  Prints the answer's data lines on stdout, an error as
 * one line on stderr.  Returns the exit status: 0, XKVM_EXIT_FAILURE, or
 * XKVM_EXIT_USAGE. */
int ctl_main(int argc, char **argv);

#endif
