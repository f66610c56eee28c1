/* vhost-user NICs in qemu's argv: the guest RAM size read from -m
 * (qemu/sharedmem.h), the shared backend, -chardev/-netdev/-device and
 * the TCG workaround vectors=0 (qemu/qemuargv.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/nic.h"
#include "plan/arch.h"
#include "qemu/qemuargv.h"
#include "qemu/sharedmem.h"

/* The size -m ARGS gives ("a b c" split on blanks), or -1 on error; *user
 * set when they configure a backend. */
static long long scan(const char *args, bool *user)
{
	struct strv sv = STRV_INIT;
	unsigned long long bytes = 0;
	const char *bad = NULL;
	bool u = false;
	int r;

	CHECK_INT(0, qemuargv_split_words(&sv, args));
	r = sharedmem_scan(&sv, &bytes, &u, &bad);
	strv_release(&sv);
	if (user)
		*user = u;
	return r < 0 ? -1 : (long long)bytes;
}

int main(void)
{
	struct strv argv = STRV_INIT, qemu = STRV_INIT;
	struct nic n;
	char *s, *err = NULL;
	bool user;

	/* -m forms; qemu's default without one; the last -m counts */
	CHECK_INT(128ll << 20, scan("-nographic", &user));
	CHECK(!user);
	CHECK_INT(512ll << 20, scan("-m 512", NULL));
	CHECK_INT(512ll << 20, scan("-m 512M", NULL));
	CHECK_INT(512ll << 20, scan("-m 512m", NULL));
	CHECK_INT(1ll << 30, scan("-m 1G", NULL));
	CHECK_INT(1536ll << 20, scan("-m 1.5G", NULL));
	CHECK_INT(2ll << 30, scan("--m size=2G,slots=2,maxmem=4G", NULL));
	CHECK_INT(1ll << 30, scan("-m 256 -m 1024", NULL));
	CHECK_INT(-1, scan("-m lots", NULL));
	CHECK_INT(-1, scan("-m 1X", NULL));
	CHECK_INT(-1, scan("-m slots=2", NULL));
	CHECK_INT(-1, scan("-m 0", NULL));
	/* a backend of the user's own, in each form */
	scan("-object memory-backend-file,id=m,size=1G,mem-path=/dev/shm/x,share=on", &user);
	CHECK(user);
	scan("-numa node,memdev=m", &user);
	CHECK(user);
	scan("-machine q35,memory-backend=m", &user);
	CHECK(user);
	scan("-object rng-random,filename=/dev/urandom,id=r", &user);
	CHECK(!user);

	CHECK_INT(0, sharedmem_argv(512ull << 20, &argv));
	s = strv_join(&argv, " ");
	CHECK_STR("-object memory-backend-memfd,id=xkvm-mem,size=512M,share=on "
		  "-machine memory-backend=xkvm-mem", s);
	free(s);
	strv_release(&argv);

	/* one vhost-user NIC: chardev, device (vectors=0 without KVM only,
	 * and never over the user's own), netdev */
	nic_init(&n, 3);
	CHECK_INT(0, nic_set_bridge(&n, "brd"));
	CHECK_INT(1, nic_take_token(&n, "vhost-user", &err));
	n.model = strdup("virtio-net-pci");
	n.vhost_sock = strdup("/run/xkvm/vhost.1.abcdef/net03.sock");
	n.kind = NIC_OVS;
	n.netdev_dp = true;
	snprintf(n.tap, sizeof(n.tap), "vhu1-3");
	s = qemuargv_chardev_arg(&n);
	CHECK_STR("socket,id=c03,path=/run/xkvm/vhost.1.abcdef/net03.sock,server=on", s);
	free(s);
	s = qemuargv_netdev_arg(&n);
	CHECK_STR("type=vhost-user,id=net03,chardev=c03", s);	/* no vnet_hdr, no ifname */
	free(s);
	s = qemuargv_device_arg(&n, false);
	CHECK_STR("virtio-net-pci,netdev=net03,vectors=0", s);
	free(s);
	s = qemuargv_device_arg(&n, true);
	CHECK_STR("virtio-net-pci,netdev=net03", s);
	free(s);
	strv_push(&n.devopts, "vectors=4");
	s = qemuargv_device_arg(&n, false);
	CHECK_STR("virtio-net-pci,netdev=net03,vectors=4", s);
	free(s);

	/* the whole argv: the backend once, before the NIC's -chardev */
	{
		struct arch_info arch;
		struct qemu_plan p = { .qemu = &qemu, .nics = &n, .n_nics = 1,
				       .shared_mem = 256ull << 20 };
		const char *want = "-object memory-backend-memfd,id=xkvm-mem,size=256M,share=on "
				   "-machine memory-backend=xkvm-mem -chardev socket,id=c03,"
				   "path=/run/xkvm/vhost.1.abcdef/net03.sock,server=on -device "
				   "virtio-net-pci,netdev=net03,vectors=4 -netdev "
				   "type=vhost-user,id=net03,chardev=c03";

		CHECK_INT(0, arch_lookup("x86_64", &arch));
		CHECK_INT(0, strv_push(&qemu, "qemu"));
		p.arch = &arch;
		CHECK_INT(0, qemuargv_build(&p, &argv));
		s = strv_join(&argv, " ");
		if (!strstr(s, want))
			fprintf(stderr, "argv: %s\n", s);
		CHECK(strstr(s, want) != NULL);
		free(s);
		strv_release(&argv);
		/* shared_mem 0 (the user's backend): none added */
		p.shared_mem = 0;
		CHECK_INT(0, qemuargv_build(&p, &argv));
		s = strv_join(&argv, " ");
		CHECK(strstr(s, "memory-backend") == NULL);
		free(s);
		strv_release(&argv);
		arch_release(&arch);
	}
	nic_release(&n);
	strv_release(&qemu);
	return check_summary("test-vhost-user");
}
