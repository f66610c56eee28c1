/* The whole qemu argv in the reference's order, with the real qemu probe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/arch.h"
#include "check.h"
#include "plan/devopts.h"
#include "plan/diskspec.h"
#include "plan/firmware.h"
#include "plan/netspec.h"
#include "qemu/qemuargv.h"
#include "qemu/quote.h"

static char *words(const char *s)
{
	static char buf[256];
	struct strv sv = STRV_INIT;
	char *j;

	CHECK_INT(0, qemuargv_split_words(&sv, s));
	j = strv_join(&sv, "|");
	snprintf(buf, sizeof(buf), "%s", j);
	free(j);
	strv_release(&sv);
	return buf;
}

int main(void)
{
	struct arch_info arch;
	struct firmware fw;
	struct devopts dev;
	struct strv qemu = STRV_INIT, pt = STRV_INIT, argv = STRV_INIT;
	struct nic nics[2];
	struct diskspec disk;
	char *err = NULL, *line;
	int locking = LOCKING_UNKNOWN;

	CHECK_STR("qemu|-M|q35", words("  qemu -M\tq35\n"));
	CHECK_STR("", words(" \t"));

	/* the architecture table */
	CHECK_INT(0, arch_lookup("i686", &arch));
	CHECK_STR("qemu-system-i386", arch.qemu);
	CHECK_STR("qemu-system-x86", arch.pkg);
	arch_release(&arch);
	CHECK_INT(0, arch_lookup("s390x", &arch));
	CHECK_STR("qemu-system-s390x", arch.qemu);
	CHECK_STR("virtio-net-ccw", arch.netmodel);
	CHECK_STR("virtio-scsi-ccw", arch.scsi_bus);
	CHECK_STR("virtio-rng-ccw", arch.rng);
	arch_release(&arch);
	CHECK_INT(0, arch_lookup("ppc64le", &arch));
	CHECK_STR("qemu-system-ppc64", arch.qemu);
	CHECK_INT(4, arch.archopts.n);
	CHECK_STR("pseries,usb=off", arch.archopts.v[1]);
	arch_release(&arch);
	CHECK_INT(0, arch_lookup("riscv64", &arch));
	CHECK_STR("qemu-system-riscv64", arch.qemu);
	arch_release(&arch);
	CHECK_INT(0, arch_lookup("x86_64", &arch));
	CHECK_STR("qemu-system-x86_64", arch.qemu);
	CHECK_STR("virtio-net-pci", arch.netmodel);

	CHECK_INT(0, strv_push(&qemu, "qemu-system-x86_64"));
	CHECK_INT(0, devopts_init(&dev, &qemu));
	CHECK_INT(0, firmware_resolve("/b.fd", false, NULL, &fw));
	CHECK_INT(0, netspec_parse("br0,mac=:05,vhost=on,bootindex=1", 0, arch.netmodel, &nics[0], &err));
	CHECK_INT(0, netspec_classify(&nics[0], &dev, &err));
	nics[0].kind = NIC_BRCTL;	/* what net/ would have found */
	snprintf(nics[0].tap, sizeof(nics[0].tap), "tapvm0");
	CHECK_INT(0, netspec_parse("user,model=e1000", 1, arch.netmodel, &nics[1], &err));
	CHECK_INT(0, netspec_classify(&nics[1], &dev, &err));
	CHECK_INT(0, diskspec_parse("file=/no/such/d.img,cache=none", 0, "virtio-blk", &disk, &err));
	CHECK_INT(0, diskspec_build(&disk, &dev, &locking, &err));
	CHECK_INT(0, strv_push(&pt, "-append"));
	CHECK_INT(0, strv_push(&pt, "console=ttyS0 quiet"));
	{
		struct qemu_plan plan = {
			.qemu = &qemu, .enable_kvm = true, .arch = &arch, .fw = &fw,
			.nics = nics, .n_nics = 2,
			.disks = &disk, .n_disks = 1, .passthrough = &pt,
		};

		CHECK_INT(0, qemuargv_build(&plan, &argv));
	}
	line = quote_cmd(&argv);
	CHECK_STR(" qemu-system-x86_64 -enable-kvm"
		  " -drive if=pflash,format=raw,file=/b.fd"
		  " -device virtio-scsi-pci,id=virtio-scsi-xkvm"
		  " -object rng-random,filename=/dev/urandom,id=objrng0"
		  " -device virtio-rng-pci,rng=objrng0,id=rng0"
		  " -device virtio-net-pci,netdev=net00,bootindex=1,mac=52:54:00:12:34:05"
		  " -netdev type=tap,id=net00,script=no,downscript=no,vhost=on,ifname=tapvm0"
		  " -device e1000,netdev=net01 -netdev type=user,id=net01"
		  " -drive file=/no/such/d.img,id=disk00,if=none,format=raw,index=0,cache=none"
		  " -device virtio-blk,drive=disk00,serial=d.img"
		  " -append \"console=ttyS0 quiet\"", line);
	free(line);
	strv_release(&argv);

	/* no kvm, no firmware, no NICs/disks */
	{
		struct qemu_plan plan = { .qemu = &qemu, .arch = &arch };

		CHECK_INT(0, qemuargv_build(&plan, &argv));
	}
	line = quote_cmd(&argv);
	CHECK_STR(" qemu-system-x86_64 -device virtio-scsi-pci,id=virtio-scsi-xkvm"
		  " -object rng-random,filename=/dev/urandom,id=objrng0"
		  " -device virtio-rng-pci,rng=objrng0,id=rng0", line);
	free(line);
	strv_release(&argv);

	/* --name: QMP before the pass-through, a ',' in the path doubled */
	{
		struct qemu_plan plan = { .qemu = &qemu, .arch = &arch, .passthrough = &pt,
					  .qmp = "/run/a,b/lab1.qmp", .root_ports = 2 };

		CHECK_INT(0, qemuargv_build(&plan, &argv));
	}
	line = quote_cmd(&argv);
	CHECK_STR(" qemu-system-x86_64 -device virtio-scsi-pci,id=virtio-scsi-xkvm"
		  " -object rng-random,filename=/dev/urandom,id=objrng0"
		  " -device virtio-rng-pci,rng=objrng0,id=rng0"
		  " -qmp unix:/run/a,,b/lab1.qmp,server=on,wait=off"
		  " -device pcie-root-port,id=xkvm-rp0,chassis=200,slot=0"
		  " -device pcie-root-port,id=xkvm-rp1,chassis=201,slot=0"
		  " -append \"console=ttyS0 quiet\"", line);
	free(line);

	strv_release(&argv);
	strv_release(&pt);
	strv_release(&qemu);
	nic_release(&nics[0]);
	nic_release(&nics[1]);
	diskspec_release(&disk);
	firmware_release(&fw);
	devopts_release(&dev);
	arch_release(&arch);
	return check_summary("test-qemuargv");
}
