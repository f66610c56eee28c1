/* tapctl: `xkvm tap-control MODE [options] ARGS...` (make-nics, del-nics,
 * ovs-cleanup, gc, list), compatible with the reference's tap-control. */
#ifndef XKVM_TAPCTL_H
#define XKVM_TAPCTL_H

/* argv[0] is "tap-control".  Returns the process exit status. */
int tapctl_main(int argc, char **argv);

#endif
