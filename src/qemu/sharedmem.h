/* sharedmem: guest memory a vhost-user switch can map.
 *
 * A vhost-user backend (ovs-vswitchd) reads and writes the guest's
 * buffers directly, so guest RAM must be a shareable memory backend:
 * "-object memory-backend-memfd,id=xkvm-mem,size=SIZE,share=on -machine
 * memory-backend=xkvm-mem", SIZE the guest's -m.  A user who configured
 * memory backends (-object memory-backend-*, -numa ...,memdev=, -machine
 * memory-backend=) keeps them: theirs must then be shared.  Pure logic. */
#ifndef XKVM_QEMU_SHAREDMEM_H
#define XKVM_QEMU_SHAREDMEM_H

#include <stdbool.h>

#include "base/strv.h"

/* qemu's RAM when -m is absent (the x86 machines' default). */
#define SHAREDMEM_DEFAULT_BYTES (128ull << 20)

/* The backend's id xkvm adds. */
#define SHAREDMEM_ID "xkvm-mem"

/* Reads qemu's passthrough arguments 'args': *user_backend is set when
 * they configure a memory backend themselves, *bytes to the RAM size of
 * the last -m (forms "512", "512M", "1G", "1.5G", "size=2G,slots=2,
 * maxmem=4G"; no suffix means MiB, as in qemu), or
 * SHAREDMEM_DEFAULT_BYTES.  Returns 0, or -EINVAL with *bad pointing at
 * the -m value it cannot read (owned by 'args'). */
int sharedmem_scan(const struct strv *args, unsigned long long *bytes, bool *user_backend,
		   const char **bad);

/* Appends the two options above for 'bytes' to 'argv'.  Returns 0 or
 * -ENOMEM. */
int sharedmem_argv(unsigned long long bytes, struct strv *argv);

#endif
