/* netspec: one --netdev NETDEV spec, parsed.
 *
 * Grammar (the reference's): FIRST[,TOKEN...] where FIRST is 'user' or a
 * bridge name; TOKEN is mac=/macaddr= (auto, random, full or partial MAC,
 * empty = NIC index), model= (virtio = virtio-net-pci), one of xkvm's own
 * ovs-* tokens (consumed, never passed to qemu), or anything else, which goes
 * to -device when the model accepts it (see devopts.h) and to -netdev
 * otherwise. */
#ifndef XKVM_NETSPEC_H
#define XKVM_NETSPEC_H

#include <stdbool.h>

#include "strv.h"

struct devopts;

struct netspec {
	char *bridge;		/* "user" or the bridge name (never empty) */
	bool user;		/* bridge == "user" */
	char *model;		/* qemu -device model, e.g. virtio-net-pci */
	char *mac;		/* full lower-case MAC, or NULL for auto */
	struct strv devopts;	/* tokens for -device, in spec order */
	struct strv netopts;	/* tokens for -netdev, in spec order */
	bool sets_vnet_hdr;	/* a vnet_hdr= token went to -netdev */

	/* SDN-lab tokens, consumed by xkvm (OVS bridges only). */
	int ovs_tag;		/* ovs-tag=N, -1 when absent */
	char *ovs_trunks;	/* ovs-trunks=N:M:..., NULL when absent */
	char *ovs_iface_id;	/* ovs-iface-id=NAME */
	char *ovs_vm_id;	/* ovs-vm-id=ID */
	struct strv ovs_ext;	/* ovs-ext:KEY=VALUE, as "KEY=VALUE" */
};

#endif
