#include "plan/arch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

int arch_lookup(const char *machine, struct arch_info *a)
{
	const char *qemu = NULL;
	int r = 0;

	memset(a, 0, sizeof(*a));
	a->netmodel = "virtio-net-pci";
	a->scsi_bus = "virtio-scsi-pci";
	a->rng = "virtio-rng-pci";
	if (strlen(machine) == 4 && machine[0] == 'i' && !strcmp(machine + 2, "86")) {
		qemu = "qemu-system-i386";
		a->pkg = "qemu-system-x86";
	} else if (!strcmp(machine, "x86_64")) {
		qemu = "qemu-system-x86_64";
		a->pkg = "qemu-system-x86";
	} else if (!strcmp(machine, "s390x")) {
		qemu = "qemu-system-s390x";
		a->pkg = "qemu-system-misc";
		a->netmodel = "virtio-net-ccw";
		a->scsi_bus = "virtio-scsi-ccw";
		a->rng = "virtio-rng-ccw";
	} else if (!strncmp(machine, "ppc64", 5)) {
		qemu = "qemu-system-ppc64";
		a->pkg = "qemu-system-ppc";
		if (strv_push(&a->archopts, "-machine") < 0 ||
		    strv_push(&a->archopts, "pseries,usb=off") < 0 ||
		    strv_push(&a->archopts, "-device") < 0 ||
		    strv_push(&a->archopts, "spapr-vscsi") < 0)
			r = -ENOMEM;
	} else if (!strcmp(machine, "aarch64")) {
		qemu = "qemu-system-aarch64";
		a->pkg = "qemu-system-arm";
	}
	if (qemu)
		a->qemu = strdup(qemu);
	else if (asprintf(&a->qemu, "qemu-system-%s", machine) < 0)
		a->qemu = NULL;
	if (!a->qemu || r < 0) {
		arch_release(a);
		return -ENOMEM;
	}
	return 0;
}

int arch_detect(struct arch_info *a)
{
	struct utsname u;

	if (uname(&u) < 0)
		return -errno;
	return arch_lookup(u.machine, a);
}

void arch_release(struct arch_info *a)
{
	if (!a)
		return;
	free(a->qemu);
	a->qemu = NULL;
	strv_release(&a->archopts);
}
