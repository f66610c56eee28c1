/* arch: what the reference's `case $(uname -m)` decides per architecture. */
#ifndef XKVM_ARCH_H
#define XKVM_ARCH_H

#include "base/strv.h"

struct arch_info {
	char *qemu;		/* default qemu binary, e.g. qemu-system-x86_64 */
	const char *pkg;	/* Debian package holding it, NULL if unknown */
	const char *netmodel;	/* default NIC model (DEF_NETMODEL overrides) */
	const char *scsi_bus;	/* virtio-scsi bus device */
	const char *rng;	/* virtio rng device */
	struct strv archopts;	/* extra qemu options (ppc64: -machine ...) */
};

/* Fills 'a' for the machine name 'machine' (uname -m): i?86, x86_64,
 * s390x, ppc64*, else qemu-system-MACHINE.  Returns 0 (release with
 * arch_release()) or -ENOMEM ('a' then holds nothing to free). */
int arch_lookup(const char *machine, struct arch_info *a);

/* Like arch_lookup() with uname(2)'s machine.  Returns 0 or -errno. */
int arch_detect(struct arch_info *a);

/* Frees what arch_lookup() allocated.  Accepts NULL. */
void arch_release(struct arch_info *a);

#endif
