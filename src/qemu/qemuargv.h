/* qemuargv: qemu's argv in the reference's order: QEMU [-enable-kvm]
 * ARCHOPTS BIOS BUS RNG (-device X -netdev Y per NIC) (-drive -device per
 * disk) PASSTHROUGH. */
#ifndef XKVM_QEMUARGV_H
#define XKVM_QEMUARGV_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strv.h"

struct arch_info;
struct firmware;
struct netspec;
struct diskspec;

struct qemu_plan {
	const struct strv *qemu;		/* command words (--kvm split) */
	bool enable_kvm;			/* add -enable-kvm */
	const struct arch_info *arch;
	const struct firmware *fw;		/* may be NULL */
	const struct netspec *nics;		/* classified (netspec_classify) */
	size_t n_nics;
	const char *const *taps;		/* per NIC tap name, NULL for user
						 * NICs; the array may be NULL */
	const struct diskspec *disks;		/* built (diskspec_build) */
	size_t n_disks;
	const struct strv *passthrough;
};

/* Appends the whole qemu argv described by 'p' to 'argv'.  Returns 0 or
 * -ENOMEM (argv may hold a prefix then; release it). */
int qemuargv_build(const struct qemu_plan *p, struct strv *argv);

/* Splits 's' on blanks (space, tab, newline) as bash splits an unquoted
 * $var, appending the words to 'sv'.  Returns 0 or -ENOMEM. */
int qemuargv_split_words(struct strv *sv, const char *s);

#endif
