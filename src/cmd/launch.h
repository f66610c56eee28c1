/* launch: `xkvm [options] -- qemu-args`: parse, set up NICs and disks,
 * assemble qemu's argv, run and supervise qemu, tear down. */
#ifndef XKVM_LAUNCH_H
#define XKVM_LAUNCH_H

/* Runs a launch with the whole command line (argv[0] is xkvm's name).
 * Returns the process exit status: qemu's own status, 128+N when qemu died
 * of signal N, XKVM_EXIT_USAGE for usage errors, XKVM_EXIT_FAILURE else. */
int launch_main(int argc, char **argv);

#endif
