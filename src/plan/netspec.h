/* netspec: one --netdev NETDEV spec, parsed.
 *
 * Grammar (the reference's): FIRST[,TOKEN...] split at every ',' like bash
 * with IFS=, (empty tokens kept, one trailing ',' ignored).  FIRST is 'user'
 * or a bridge name; TOKEN is mac=/macaddr= (auto, random, full or partial
 * MAC, empty = NIC index; last wins), model= (virtio = virtio-net-pci; last
 * wins), one of xkvm's own ovs-* tokens (consumed, never passed to qemu), or
 * anything else, which goes to -device when the model accepts it (see
 * devopts.h) and to -netdev otherwise. */
#ifndef XKVM_NETSPEC_H
#define XKVM_NETSPEC_H

#include <stdbool.h>

#include "plan/mac.h"
#include "base/strv.h"

struct devopts;

struct netspec {
	unsigned index;		/* NIC number: id net%02d, default MAC octet */
	char *bridge;		/* "user" or the bridge name (never empty) */
	bool user;		/* bridge == "user" */
	char *model;		/* qemu -device model, e.g. virtio-net-pci */
	char *mac;		/* full lower-case MAC, or NULL for auto */
	struct strv tokens;	/* the tokens left for qemu, in spec order */
	struct strv devopts;	/* tokens for -device, in spec order */
	struct strv netopts;	/* tokens for -netdev, in spec order */
	bool sets_vnet_hdr;	/* a vnet_hdr= token went to -netdev */

	/* SDN tokens, consumed by xkvm (OVS bridges only). */
	int ovs_tag;		/* ovs-tag=N (0..4095), -1 when absent */
	char *ovs_trunks;	/* ovs-trunks=N:M:... (each 0..4095), or NULL */
	char *ovs_iface_id;	/* ovs-iface-id=NAME, or NULL */
	char *ovs_vm_id;	/* ovs-vm-id=ID, or NULL */
	struct strv ovs_ext;	/* ovs-ext:KEY=VALUE, as "KEY=VALUE" */
};

/* Parses 'spec' (the --netdev argument) of NIC number 'index' with the
 * default model 'def_model' into 'ns' (which the caller then owns: release
 * with netspec_release()).  Resolves the MAC (mac=random draws it now).
 * Does not classify tokens: see netspec_classify().  Returns 0, or -EINVAL
 * with *err set to a one-line message naming the bad token and the spec
 * (caller frees; no "xkvm: " prefix), or -ENOMEM (*err NULL).  On error
 * 'ns' holds nothing to free. */
int netspec_parse(const char *spec, unsigned index, const char *def_model,
		  struct netspec *ns, char **err);

/* Splits ns->tokens into ns->devopts / ns->netopts with the isdevopt probe
 * 'd'.  Returns 0, the probe's -errno with *err set (caller frees), or
 * -ENOMEM with *err NULL.  On failure the tokens classified so far stay
 * in 'ns' (netspec_release() frees them). */
int netspec_classify(struct netspec *ns, struct devopts *d, char **err);

/* Returns the -device argument "MODEL,netdev=netNN[,DEVOPTS][,mac=MAC]"
 * (caller frees), NULL on -ENOMEM. */
char *netspec_device_arg(const struct netspec *ns);

/* Returns the -netdev argument "type=user|tap,id=netNN[,script=no,
 * downscript=no][,NETOPTS][,ifname=TAP]" (caller frees), NULL on -ENOMEM.
 * 'tap' is NULL for user NICs. */
char *netspec_netdev_arg(const struct netspec *ns, const char *tap);

/* Returns true when 'name' is a name the kernel accepts for a link: 1..15
 * bytes, not "." or "..", no '/', ':' or whitespace. */
bool netspec_valid_ifname(const char *name);

/* Returns true when the spec has any ovs-* token (they need an OVS bridge). */
bool netspec_has_ovs_tokens(const struct netspec *ns);

/* Frees what 'ns' holds and zeroes it.  Accepts NULL. */
void netspec_release(struct netspec *ns);

#endif
