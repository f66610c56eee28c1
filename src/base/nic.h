/* nic: the one record a NIC is, from the --netdev spec to teardown.
 *
 * plan/ fills the spec part (plan/netspec.c from --netdev, or
 * nic_wire_parse() from a make-nics argument); net/ fills the host facts
 * (classification, datapath, tap) and never changes the spec part;
 * qemu/ reads both to build -device and -netdev.  Plain data plus the
 * grammar of xkvm's own tokens: nothing here touches the host.
 *
 * xkvm's Open vSwitch tokens travel as one list, 'ovs', of "KEY=VALUE"
 * strings: the token without its "ovs-" prefix ("tag=10", "trunks=10:20",
 * "iface-id=web1", "vm-id=vm7", "ext:owner=alice", "ofport=5",
 * "ingress-rate=1000", "ingress-burst=100").  Two more tokens are xkvm's
 * for any bridge: mtu=N (the tap's MTU, Interface.mtu_request on OVS, and
 * host_mtu=N for the guest) and queues=N (a multi-queue tap; the token
 * also stays for qemu's -netdev, as in the reference).  The token table in
 * nic.c validates them; ovsdb/ gives them their columns.  So a new
 * per-NIC OVS column is a row in that table and its handling in ovsdb/,
 * and nothing in between copies fields. */
#ifndef XKVM_BASE_NIC_H
#define XKVM_BASE_NIC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strv.h"

#define NIC_TAPSIZ 16		/* IFNAMSIZ */
#define NIC_MACSIZ 18		/* "xx:xx:xx:xx:xx:xx" + NUL */

/* What the NIC's bridge turned out to be (net/ classifies). */
enum nic_kind {
	NIC_UNCLASSIFIED,	/* a bridge not looked at yet */
	NIC_USER,		/* "user": qemu's user networking, no tap */
	NIC_BRCTL,		/* a Linux bridge */
	NIC_OVS,		/* an Open vSwitch bridge (real or fake VLAN bridge) */
};

struct nic {
	/* The spec: set by the parser, read-only afterwards. */
	unsigned index;		/* NIC number: id net%02u, default MAC octet */
	char *spec;		/* the argument it was parsed from, for messages */
	char *bridge;		/* "user" or a bridge name (never empty) */
	char *model;		/* qemu -device model (NULL from the wire) */
	char *mac;		/* full lower-case MAC, or NULL for qemu's */
	struct strv tokens;	/* tokens left for qemu, in spec order */
	struct strv devopts;	/* ... those for -device (plan/netspec.c) */
	struct strv netopts;	/* ... those for -netdev */
	bool sets_vnet_hdr;	/* a vnet_hdr= token went to -netdev */
	unsigned mtu;		/* mtu=N (68..65535), 0 when not given */
	unsigned queues;	/* queues=N (1..256), 0 when not given */
	struct strv ovs;	/* OVS options, "KEY=VALUE" (see above) */
	bool vhost_user;	/* token "vhost-user": a dpdkvhostuserclient port,
				 * no tap (needs an OVS bridge with DPDK) */

	/* Host facts: set by net/ (NIC_USER already by the parser). */
	enum nic_kind kind;
	bool netdev_dp;		/* an OVS bridge on the userspace datapath */
	char tap[NIC_TAPSIZ];	/* the tap's name, "" while it has none; for
				 * vhost-user the OVS port's */
	char *vhost_sock;	/* vhost-user: the socket qemu serves and the
				 * port connects to (net/vhostdir.h), or NULL */
};

/* Parses a NIC spec, the grammar of --netdev (see plan/netspec.h) and of
 * the make-nics argument: FIRST[,TOKEN...] split at every ',' like bash
 * with IFS=, (empty tokens kept, one trailing ',' ignored); FIRST 'user'
 * or a bridge name; mac=/macaddr= (auto, random, full or partial MAC, empty
 * = NIC index; last wins) and model= (virtio = virtio-net-pci; last wins),
 * default 'def_model'; xkvm's own tokens (nic_take_token()); anything else
 * goes to n->tokens for qemu, or with 'wire' (a make-nics argument) is an
 * error.  'n' is initialized here as NIC 'index'; the caller owns it on
 * success (nic_release()).  Returns 0, or -EINVAL with *err set to a
 * one-line message naming the bad token and the spec (caller frees), or
 * -ENOMEM (*err NULL); on error 'n' holds nothing to free. */
int nic_parse(const char *spec, unsigned index, const char *def_model, bool wire,
	      struct nic *n, char **err);

/* Initializes 'n' as NIC number 'index' with nothing set.  Never fails. */
void nic_init(struct nic *n, unsigned index);

/* Frees what 'n' holds and re-initializes it (same index).  Accepts NULL. */
void nic_release(struct nic *n);

/* Sets n->bridge (and kind NIC_USER for "user") from 'name', which must be
 * "user" or a name the kernel accepts for a link.  Returns 0, -EINVAL
 * (bad name; nothing set) or -ENOMEM. */
int nic_set_bridge(struct nic *n, const char *name);

/* Returns true when 'name' is a name the kernel accepts for a link: 1..15
 * bytes, not "." or "..", no '/', ':' or whitespace. */
bool nic_valid_ifname(const char *name);

/* Returns true when 'mac' is a full lower-case MAC "xx:xx:xx:xx:xx:xx". */
bool nic_valid_mac(const char *mac);

/* Takes one of xkvm's own tokens: the flag "vhost-user" (sets
 * n->vhost_user), "mtu=", "queues=", or an "ovs-..." one: validates it and
 * records it (an ovs- one in n->ovs, where a later value of a
 * single-valued key replaces the earlier and ovs-ext: entries accumulate;
 * the last mtu= and queues= win).  Messages quote n->spec.  Returns 1 when
 * the token was taken, 2 when it was recorded and must still go to qemu
 * (queues=), 0 when it is none of xkvm's tokens (n unchanged), -EINVAL
 * with *err set to a one-line message (caller frees), or -ENOMEM (*err
 * NULL). */
int nic_take_token(struct nic *n, const char *tok, char **err);

/* The flag token of a vhost-user NIC. */
#define NIC_VHOST_USER "vhost-user"

/* Returns true when the NIC has any OVS option (they need an OVS bridge). */
bool nic_has_ovs(const struct nic *n);

/* The one check that OVS options and vhost-user sit on an OVS bridge:
 * returns 0 when the NIC has neither, or is on an OVS bridge or not
 * classified yet; else -EINVAL with *err set to a one-line message naming
 * the bridge and the spec (caller frees), or -ENOMEM. */
int nic_check_ovs_place(const struct nic *n, char **err);

/* Returns the value of OVS option 'key' ("iface-id", "tag", ...), the last
 * one given, or NULL.  Owned by 'n'. */
const char *nic_ovs_get(const struct nic *n, const char *key);

/* Returns "brctl", "ovs" or "user" (the make-nics output words), "" for
 * NIC_UNCLASSIFIED. */
const char *nic_kind_name(enum nic_kind kind);

/* The kinds of value an OVS option takes, for nic_ovs_options[]. */
enum nic_opt_type {
	NIC_OPT_INT,		/* a decimal in [min, max] */
	NIC_OPT_VLAN,		/* 0..4095 */
	NIC_OPT_VLANS,		/* N:M:... each 0..4095 */
	NIC_OPT_NAME,		/* a non-empty string */
	NIC_OPT_KV,		/* KEY=VALUE, KEY non-empty (key is a prefix) */
};

struct nic_opt {
	const char *key;	/* "tag"; for NIC_OPT_KV the prefix "ext:" */
	enum nic_opt_type type;
	long long min, max;	/* NIC_OPT_INT's range */
};

/* Every OVS option xkvm knows, terminated by { NULL }. */
extern const struct nic_opt nic_ovs_options[];

/* --- the sudo wire format ---------------------------------------------
 * What an unprivileged launch passes to `sudo xkvm tap-control make-nics`
 * and reads back.  Request: one argument a NIC, "BRIDGE[,mac=MAC]
 * [,mtu=N][,queues=N][,vhost-user[=SOCKET]][,ovs-KEY=VALUE...]" (the
 * formatter writes these forms; the parser, nic_parse(), takes the whole
 * --netdev grammar but tokens for qemu, plus vhost-user=SOCKET: n->vhost_sock,
 * an absolute path without ','; make-nics checks where it lies).  Reply:
 * one line a NIC, "skip" (user networking),
 * "TAP:brctl", "TAP:ovs", or with --with-datapath "TAP:ovs:netdev" or
 * "TAP:ovs:system".  The formatter and the parser of each direction sit
 * side by side in nic-wire.c. */

/* Stores the request argument for 'n' in *out (caller frees).  Returns 0
 * or -ENOMEM. */
int nic_wire_format(const struct nic *n, char **out);

/* Parses a request argument with nic_parse() in its 'wire' mode: the
 * --netdev grammar without tokens for qemu (model= is taken and has no
 * effect).  Returns as nic_parse(). */
int nic_wire_parse(const char *arg, unsigned index, struct nic *n, char **err);

/* Stores the reply line for the made NIC 'n' (no newline) in *out (caller
 * frees).  Returns 0 or -ENOMEM. */
int nic_wire_reply(const struct nic *n, bool with_datapath, char **out);

/* Parses one reply line into n->kind, n->netdev_dp and n->tap (the spec
 * part is untouched).  Returns 0 or -EPROTO (n unchanged). */
int nic_wire_parse_reply(const char *line, struct nic *n);

#endif
