/* NETDEV parsing; the device/netdev split uses the real installed qemu. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plan/devopts.h"
#include "plan/netspec.h"
#include "qemu/qemuargv.h"

static struct devopts dev;

/* Parses and classifies; returns "DEVICE NETDEV" or "ERR: message". */
static char *nic(const char *spec, unsigned index, const char *tap)
{
	static char buf[1024];
	struct nic ns;
	char *err = NULL, *d = NULL, *n = NULL;
	int r = netspec_parse(spec, index, "virtio-net-pci", &ns, &err);

	if (r == 0)
		r = netspec_classify(&ns, &dev, &err);
	if (r < 0) {
		snprintf(buf, sizeof(buf), "ERR: %s", err ? err : strerror(-r));
		free(err);
		nic_release(&ns);
		return buf;
	}
	if (tap) {	/* what net/ would have set */
		ns.kind = NIC_BRCTL;
		snprintf(ns.tap, sizeof(ns.tap), "%s", tap);
	}
	d = qemuargv_device_arg(&ns, true);
	n = qemuargv_netdev_arg(&ns);
	snprintf(buf, sizeof(buf), "%s %s", d, n);
	free(d);
	free(n);
	nic_release(&ns);
	return buf;
}

int main(void)
{
	struct strv qemu = STRV_INIT;
	struct nic ns;
	char *err, *d;

	CHECK_INT(0, strv_push(&qemu, "qemu-system-x86_64"));
	CHECK_INT(0, devopts_init(&dev, &qemu));

	CHECK_STR("virtio-net-pci,netdev=net00 type=user,id=net00", nic("user", 0, NULL));
	CHECK_STR("virtio-net-pci,netdev=net01 type=tap,id=net01,script=no,downscript=no,ifname=tapvm1",
		  nic("br0", 1, "tapvm1"));
	CHECK_STR("virtio-net-pci,netdev=net00,mac=52:54:00:12:34:05 type=user,id=net00",
		  nic("user,mac=:05", 0, NULL));
	CHECK_STR("virtio-net-pci,netdev=net03,mac=52:54:00:12:34:03 type=user,id=net03",
		  nic("user,mac=", 3, NULL));
	CHECK_STR("virtio-net-pci,netdev=net00 type=user,id=net00", nic("user,mac=auto", 0, NULL));
	CHECK_STR("virtio-net-pci,netdev=net00,mac=52:54:00:12:34:02 type=user,id=net00",
		  nic("user,mac=01,macaddr=02", 0, NULL));
	CHECK_STR("e1000,netdev=net00,romfile=,mac=52:54:00:12:34:07 type=user,id=net00,hostfwd=tcp::22-:22",
		  nic("user,mac=7,model=e1000,romfile=,hostfwd=tcp::22-:22", 0, NULL));
	CHECK_STR("virtio-net-pci,netdev=net00 type=user,id=net00", nic("user,model=e1000,model=virtio", 0, NULL));
	/* device vs netdev: mq and host_mtu are virtio-net-pci properties */
	/* ... queues=N also gives the device the vectors it needs (issue 14) */
	CHECK_STR("virtio-net-pci,netdev=net00,mq=on,host_mtu=1400,vectors=6 type=tap,id=net00,script=no,downscript=no,vhost=on,queues=2",
		  nic("br0,mq=on,vhost=on,host_mtu=1400,queues=2", 0, NULL));
	/* xkvm's mtu= and queues=: what the device gets, unless given */
	CHECK_STR("virtio-net-pci,netdev=net00,host_mtu=9000 type=tap,id=net00,script=no,downscript=no",
		  nic("br0,mtu=9000", 0, NULL));
	CHECK_STR("virtio-net-pci,netdev=net00,host_mtu=1400 type=tap,id=net00,script=no,downscript=no",
		  nic("br0,host_mtu=1400,mtu=9000", 0, NULL));
	CHECK_STR("e1000,netdev=net00 type=tap,id=net00,script=no,downscript=no,queues=4",
		  nic("br0,model=e1000,mtu=9000,queues=4", 0, NULL));
	CHECK_STR("virtio-net-pci,netdev=net00,mq=on,vectors=10 type=tap,id=net00,script=no,downscript=no,queues=4",
		  nic("br0,queues=4", 0, NULL));
	CHECK_STR("virtio-net-pci,netdev=net00,vectors=3,mq=on type=tap,id=net00,script=no,downscript=no,queues=4",
		  nic("br0,vectors=3,queues=4", 0, NULL));
	CHECK_STR("virtio-net-pci,netdev=net00,mq=off,vectors=0 type=tap,id=net00,script=no,downscript=no,queues=4",
		  nic("br0,mq=off,queues=4,vectors=0", 0, NULL));
	CHECK_STR("virtio-net-pci,netdev=net00 type=tap,id=net00,script=no,downscript=no,queues=1",
		  nic("br0,queues=1", 0, NULL));
	CHECK_STR("virtio-net-pci,netdev=net00 type=user,id=net00,queues=4", nic("user,queues=4", 0, NULL));
	CHECK_STR("ERR: invalid mtu 'x' in --netdev br0,mtu=x: want 68..65535", nic("br0,mtu=x", 0, NULL));
	CHECK_STR("ERR: invalid queues '300' in --netdev br0,queues=300: want 1..256",
		  nic("br0,queues=300", 0, NULL));
	/* the sed quirk: 'addr' is lost to its description's '.' */
	CHECK_STR("virtio-net-pci,netdev=net00 type=user,id=net00,addr=0x5", nic("user,addr=0x5", 0, NULL));
	/* empty tokens go to -netdev as the reference does; trailing ',' ignored */
	CHECK_STR("virtio-net-pci,netdev=net00 type=user,id=net00,", nic("user,,", 0, NULL));

	/* ovs-* tokens are consumed and stored */
	err = NULL;
	CHECK_INT(0, netspec_parse("br-int,ovs-tag=10,ovs-trunks=1:20:4095,ovs-iface-id=lp-1,"
				   "ovs-vm-id=vm9,ovs-ext:a=b,ovs-ext:c=,vnet_hdr=off,mac=:09",
				   2, "virtio-net-pci", &ns, &err));
	CHECK_INT(0, netspec_classify(&ns, &dev, &err));
	CHECK_STR("br-int", ns.bridge);
	CHECK_INT(NIC_UNCLASSIFIED, ns.kind);
	CHECK_INT(6, ns.ovs.n);
	CHECK_STR("tag=10", ns.ovs.v[0]);
	CHECK_STR("trunks=1:20:4095", ns.ovs.v[1]);
	CHECK_STR("iface-id=lp-1", ns.ovs.v[2]);
	CHECK_STR("vm-id=vm9", ns.ovs.v[3]);
	CHECK_STR("ext:a=b", ns.ovs.v[4]);
	CHECK_STR("ext:c=", ns.ovs.v[5]);
	CHECK_STR("lp-1", nic_ovs_get(&ns, "iface-id"));
	CHECK_STR("b", nic_ovs_get(&ns, "ext:a"));
	CHECK(nic_ovs_get(&ns, "tags") == NULL);
	CHECK(nic_has_ovs(&ns));
	CHECK(ns.sets_vnet_hdr);
	CHECK_STR("52:54:00:12:34:09", ns.mac);
	/* the user's vnet_hdr= stays, and no second one is added */
	ns.kind = NIC_OVS;
	ns.netdev_dp = true;
	snprintf(ns.tap, sizeof(ns.tap), "t0");
	d = qemuargv_netdev_arg(&ns);
	CHECK_STR("type=tap,id=net02,script=no,downscript=no,vnet_hdr=off,ifname=t0", d);
	free(d);
	nic_release(&ns);
	/* single-valued options: the last wins, in the first one's place;
	 * leading zeros of a tag go */
	CHECK_INT(0, netspec_parse("br0,ovs-tag=0010,ovs-ext:k=1,ovs-tag=20,ovs-ext:k=2", 0,
				   "virtio-net-pci", &ns, &err));
	CHECK_INT(3, ns.ovs.n);
	CHECK_STR("tag=20", ns.ovs.v[0]);
	CHECK_STR("ext:k=1", ns.ovs.v[1]);
	CHECK_STR("ext:k=2", ns.ovs.v[2]);
	nic_release(&ns);
	CHECK_INT(0, netspec_parse("br0,ovs-tag=0010", 0, "virtio-net-pci", &ns, &err));
	CHECK_STR("tag=10", ns.ovs.v[0]);
	/* the datapath fact makes vnet_hdr=off; the spec is not changed */
	CHECK_INT(0, netspec_classify(&ns, &dev, &err));
	ns.kind = NIC_OVS;
	ns.netdev_dp = true;
	snprintf(ns.tap, sizeof(ns.tap), "t1");
	d = qemuargv_netdev_arg(&ns);
	CHECK_STR("type=tap,id=net00,script=no,downscript=no,vnet_hdr=off,ifname=t1", d);
	free(d);
	CHECK_INT(0, ns.netopts.n);
	ns.netdev_dp = false;	/* the kernel datapath finishes checksums itself */
	d = qemuargv_netdev_arg(&ns);
	CHECK_STR("type=tap,id=net00,script=no,downscript=no,ifname=t1", d);
	free(d);
	nic_release(&ns);
	CHECK_INT(0, netspec_parse("user", 0, "virtio-net-pci", &ns, &err));
	CHECK_INT(0, ns.ovs.n);
	CHECK(!nic_has_ovs(&ns));
	CHECK_INT(NIC_USER, ns.kind);
	CHECK(!ns.sets_vnet_hdr);
	nic_release(&ns);
	nic_release(NULL);

	/* random MACs */
	CHECK_INT(0, netspec_parse("user,mac=random", 0, "virtio-net-pci", &ns, &err));
	CHECK(ns.mac && !strncmp(ns.mac, "52:54:00:", 9) && strlen(ns.mac) == 17);
	nic_release(&ns);

	/* errors */
	CHECK_STR("ERR: invalid MAC 'zz:zz' in --netdev user,mac=zz:zz", nic("user,mac=zz:zz", 0, NULL));
	/* messages stay one line whatever the spec holds (found by test-fuzz-parsers) */
	CHECK_STR("ERR: invalid bridge name 'b?r' in --netdev b?r,x=?", nic("b\nr,x=\r", 0, NULL));
	CHECK_STR("ERR: invalid MAC '?' in --netdev user,mac=?", nic("user,mac=\n", 0, NULL));
	CHECK_STR("ERR: invalid MAC '1:2:3:4:5:6:7' in --netdev user,macaddr=1:2:3:4:5:6:7",
		  nic("user,macaddr=1:2:3:4:5:6:7", 0, NULL));
	CHECK_STR("ERR: invalid MAC '1ff' in --netdev br0,mac=1ff", nic("br0,mac=1ff", 0, NULL));
	CHECK_STR("ERR: invalid MAC '12::34' in --netdev br0,mac=12::34", nic("br0,mac=12::34", 0, NULL));
	CHECK_STR("ERR: empty bridge name in --netdev ',mac=1'", nic(",mac=1", 0, NULL));
	CHECK_STR("ERR: empty bridge name in --netdev ''", nic("", 0, NULL));
	CHECK_STR("ERR: invalid bridge name 'abcdefghijklmnop' in --netdev abcdefghijklmnop",
		  nic("abcdefghijklmnop", 0, NULL));
	CHECK_STR("virtio-net-pci,netdev=net00 type=tap,id=net00,script=no,downscript=no",
		  nic("abcdefghijklmno", 0, NULL));
	CHECK_STR("ERR: invalid bridge name 'br/0' in --netdev br/0", nic("br/0", 0, NULL));
	CHECK_STR("ERR: invalid bridge name 'br 0' in --netdev br 0", nic("br 0", 0, NULL));
	CHECK_STR("ERR: invalid bridge name 'br:0' in --netdev br:0", nic("br:0", 0, NULL));
	CHECK_STR("ERR: invalid bridge name '..' in --netdev ..", nic("..", 0, NULL));
	CHECK_STR("ERR: invalid ovs-tag '4096' in --netdev br0,ovs-tag=4096: want 0..4095",
		  nic("br0,ovs-tag=4096", 0, NULL));
	CHECK_STR("ERR: invalid ovs-tag '' in --netdev br0,ovs-tag=: want 0..4095",
		  nic("br0,ovs-tag=", 0, NULL));
	CHECK_STR("ERR: invalid ovs-trunks '1::2' in --netdev br0,ovs-trunks=1::2: want N:M:... each 0..4095",
		  nic("br0,ovs-trunks=1::2", 0, NULL));
	CHECK_STR("ERR: invalid ovs-trunks '5000' in --netdev br0,ovs-trunks=5000: want N:M:... each 0..4095",
		  nic("br0,ovs-trunks=5000", 0, NULL));
	CHECK_STR("ERR: empty ovs-iface-id in --netdev br0,ovs-iface-id=", nic("br0,ovs-iface-id=", 0, NULL));
	CHECK_STR("ERR: empty ovs-vm-id in --netdev br0,ovs-vm-id=", nic("br0,ovs-vm-id=", 0, NULL));
	CHECK_STR("ERR: invalid token 'ovs-ext:a' in --netdev br0,ovs-ext:a: want ovs-ext:KEY=VALUE",
		  nic("br0,ovs-ext:a", 0, NULL));
	CHECK_STR("ERR: unknown token 'ovs-tags=1' in --netdev br0,ovs-tags=1", nic("br0,ovs-tags=1", 0, NULL));
	CHECK_STR("ERR: invalid token 'vhost-user=/s' in --netdev br0,vhost-user=/s: vhost-user takes "
		  "no value (xkvm makes the socket)", nic("br0,vhost-user=/s", 0, NULL));
	/* the flag is xkvm's: never a token for qemu */
	CHECK_STR("virtio-net-pci,netdev=net00 type=vhost-user,id=net00,chardev=c00",
		  nic("br0,vhost-user", 0, NULL));
	CHECK_STR("ERR: empty model in --netdev user,model=", nic("user,model=", 0, NULL));
	CHECK_STR("ERR: bad device model 'no-such-nic'", nic("user,model=no-such-nic,x=1", 0, NULL));
	CHECK_STR("ERR: bad device model 'no?such'", nic("user,model=no\nsuch,x=1", 0, NULL));
	/* no token to classify: no probe, no error (as the reference) */
	CHECK_STR("no-such-nic,netdev=net00 type=user,id=net00", nic("user,model=no-such-nic", 0, NULL));

	/* the sed transformation, on canned output (the cache is used first) */
	CHECK_INT(0, devopts_add_output(&dev, "fake-nic",
					"fake-nic options:\n"
					"  alpha=<bool>   - on/off (default: true)\n"
					"  beta=<int32>   - Slot, example: 06.0 or 06 (default: -1)\n"
					"fake-nic.gamma=uint32\n"
					"\tdelta\tepsilon=x\n"
					"no-newline-at-end"));
	CHECK_INT(1, devopts_accepts(&dev, "fake-nic", "alpha=on"));
	CHECK_INT(0, devopts_accepts(&dev, "fake-nic", "beta=1"));	/* lost to the '.' */
	CHECK_INT(1, devopts_accepts(&dev, "fake-nic", "0"));		/* "0 or 06 (default: -1)" */
	CHECK_INT(1, devopts_accepts(&dev, "fake-nic", "or"));
	CHECK_INT(1, devopts_accepts(&dev, "fake-nic", "gamma=7"));
	CHECK_INT(1, devopts_accepts(&dev, "fake-nic", "delta"));
	CHECK_INT(1, devopts_accepts(&dev, "fake-nic", "epsilon"));
	CHECK_INT(1, devopts_accepts(&dev, "fake-nic", "options:"));
	CHECK_INT(1, devopts_accepts(&dev, "fake-nic", "no-newline-at-end=1"));
	CHECK_INT(0, devopts_accepts(&dev, "fake-nic", ""));
	CHECK_INT(0, devopts_accepts(&dev, "fake-nic", "alph"));
	CHECK_INT(0, devopts_accepts(&dev, "fake-nic", "x"));

	devopts_release(&dev);
	strv_release(&qemu);

	/* a probe command that fails */
	CHECK_INT(0, strv_push(&qemu, "false"));
	CHECK_INT(0, devopts_init(&dev, &qemu));
	CHECK_STR("ERR: bad device model 'virtio-net-pci'", nic("user,x=1", 0, NULL));
	devopts_release(&dev);
	strv_release(&qemu);
	CHECK_INT(0, strv_push(&qemu, "/nonexistent/qemu"));
	CHECK_INT(0, devopts_init(&dev, &qemu));
	CHECK_STR("ERR: bad device model 'virtio-net-pci'", nic("user,x=1", 0, NULL));
	devopts_release(&dev);
	strv_release(&qemu);
	return check_summary("test-netspec");
}
