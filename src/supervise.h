/* supervise: run qemu as a child and stay its parent until it ends.
 * Terminal signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT) are forwarded to qemu;
 * qemu gets PR_SET_PDEATHSIG so it does not outlive a SIGKILLed xkvm. */
#ifndef XKVM_SUPERVISE_H
#define XKVM_SUPERVISE_H

/* Runs argv[0] (searched in PATH) with argv and waits for it.  On success
 * returns 0 and stores in *status the exit status xkvm should return:
 * qemu's own status, or 128+N when qemu died of signal N.  Returns -errno
 * when qemu could not be started (-ENOENT: not found); nothing is left
 * running then.  argv stays owned by the caller. */
int supervise_run(char *const argv[], int *status);

#endif
