/* qemuargv: qemu's argv in the reference's order: QEMU [-enable-kvm]
 * ARCHOPTS BIOS BUS RNG [SHARED-MEMORY] ([-chardev C] -device X -netdev Y
 * per NIC) (-drive -device per disk) PASSTHROUGH.  SHARED-MEMORY and
 * -chardev only with vhost-user NICs. */
#ifndef XKVM_QEMUARGV_H
#define XKVM_QEMUARGV_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strv.h"

struct arch_info;
struct firmware;
struct nic;
struct diskspec;

struct qemu_plan {
	const struct strv *qemu;		/* command words (--kvm split) */
	bool enable_kvm;			/* add -enable-kvm */
	const struct arch_info *arch;
	const struct firmware *fw;		/* may be NULL */
	const struct nic *nics;			/* tokens classified (netspec_classify),
						 * bridge NICs with their tap and kind */
	size_t n_nics;
	const struct diskspec *disks;		/* built (diskspec_build) */
	size_t n_disks;
	const struct strv *passthrough;
	unsigned long long shared_mem;		/* > 0: add a shared memory backend
						 * of this size (qemu/sharedmem.h);
						 * only with a vhost-user NIC */
	const char *qmp;			/* QMP socket path (--name), or NULL */
	unsigned root_ports;			/* free pcie-root-ports xkvm-rp0.. (q35) */
};

/* Appends the whole qemu argv described by 'p' to 'argv'.  Returns 0 or
 * -ENOMEM (argv may hold a prefix then; release it). */
int qemuargv_build(const struct qemu_plan *p, struct strv *argv);

/* Returns the -device argument "MODEL,netdev=netNN[,DEVOPTS][,mac=MAC]"
 * (caller frees), NULL on -ENOMEM.  A vhost-user NIC without KVM gets
 * vectors=0 unless DEVOPTS set vectors: qemu 7.2 under TCG segfaults in
 * msix_set_vector_notifiers otherwise (docs/compat.md). */
char *qemuargv_device_arg(const struct nic *n, bool enable_kvm);

/* Returns the -chardev argument of a vhost-user NIC, "socket,id=cNN,
 * path=SOCK,server=on" (qemu serves, ovs-vswitchd connects; qemu waits
 * for that connection before the guest starts), caller frees; NULL on
 * -ENOMEM. */
char *qemuargv_chardev_arg(const struct nic *n);

/* Returns the -netdev argument; for a vhost-user NIC "type=vhost-user,
 * id=netNN,chardev=cNN[,NETOPTS]", else "type=user|tap,id=netNN[,script=no,
 * downscript=no][,NETOPTS][,vnet_hdr=off][,ifname=TAP]" (caller frees), NULL
 * on -ENOMEM: vnet_hdr=off for a tap on an OVS bridge of the userspace
 * datapath unless the spec set vnet_hdr itself, ifname= once the NIC has a
 * tap. */
char *qemuargv_netdev_arg(const struct nic *n);

/* Splits 's' on blanks (space, tab, newline) as bash splits an unquoted
 * $var, appending the words to 'sv'.  Returns 0 or -ENOMEM. */
int qemuargv_split_words(struct strv *sv, const char *s);

#endif
