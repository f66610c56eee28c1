#include "base/nic.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errmsg.h"
#include "base/mac.h"

#define IFNAME_MAX_LEN 15	/* IFNAMSIZ - 1 */

const struct nic_opt nic_ovs_options[] = {
	{ "tag", NIC_OPT_VLAN, 0, 0 },
	{ "trunks", NIC_OPT_VLANS, 0, 0 },
	{ "iface-id", NIC_OPT_NAME, 0, 0 },
	{ "vm-id", NIC_OPT_NAME, 0, 0 },
	{ "ext:", NIC_OPT_KV, 0, 0 },
	/* 65279 = OFPP_MAX: above it OpenFlow's reserved ports begin */
	{ "ofport", NIC_OPT_INT, 1, 65279 },
	/* kbit/s and kbit, as Interface.ingress_policing_rate/_burst */
	{ "ingress-rate", NIC_OPT_INT, 0, 4294967295LL },
	{ "ingress-burst", NIC_OPT_INT, 0, 4294967295LL },
	{ NULL, 0, 0, 0 },
};

#define OWNER_KEY "xkvm-owner"	/* ovsdb/xkovs.h's XKOVS_OWNER_KEY */
#define MTU_MIN 68		/* IPv4's minimum */
#define MTU_MAX 65535
#define QUEUES_MAX 256		/* the kernel's MAX_TAP_QUEUES */

void nic_init(struct nic *n, unsigned index)
{
	memset(n, 0, sizeof(*n));
	n->index = index;
}

void nic_release(struct nic *n)
{
	if (!n)
		return;
	free(n->spec);
	free(n->bridge);
	free(n->model);
	free(n->mac);
	strv_release(&n->tokens);
	strv_release(&n->devopts);
	strv_release(&n->netopts);
	strv_release(&n->ovs);
	free(n->vhost_sock);
	nic_init(n, n->index);
}

bool nic_valid_ifname(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > IFNAME_MAX_LEN || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	return true;
}

bool nic_valid_mac(const char *mac)
{
	if (strlen(mac) != NIC_MACSIZ - 1)
		return false;
	for (int i = 0; i < NIC_MACSIZ - 1; i++) {
		char c = mac[i];

		if (i % 3 == 2 ? c != ':' : !isdigit((unsigned char)c) && (c < 'a' || c > 'f'))
			return false;
	}
	return true;
}

int nic_set_bridge(struct nic *n, const char *name)
{
	bool user = !strcmp(name, "user");
	char *copy;

	if (!user && !nic_valid_ifname(name))
		return -EINVAL;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	free(n->bridge);
	n->bridge = copy;
	n->kind = user ? NIC_USER : NIC_UNCLASSIFIED;
	return 0;
}

const char *nic_kind_name(enum nic_kind kind)
{
	switch (kind) {
	case NIC_USER:		return "user";
	case NIC_BRCTL:		return "brctl";
	case NIC_OVS:		return "ovs";
	default:		return "";
	}
}

/* A VLAN id: decimal 0..4095 spanning [s, s+len). */
static bool valid_vlan(const char *s, size_t len)
{
	unsigned v = 0;

	if (len == 0 || len > 4)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= 4095;
}

/* A decimal without sign, blanks or leading zeros (but "0") in
 * [min, max], into *v. */
static bool valid_int(const char *s, long long min, long long max, long long *v)
{
	long long x = 0;

	if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 18)
		return false;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		x = x * 10 + (*p - '0');
	}
	*v = x;
	return x >= min && x <= max;
}

/* mtu=N and queues=N: returns 1 (mtu) or 2 (queues, also for qemu), 0 when
 * 'tok' is neither, or -EINVAL/-ENOMEM as nic_take_token(). */
static int take_nic_token(struct nic *n, const char *tok, const char *spec, char **err)
{
	long long v;

	if (!strncmp(tok, "mtu=", 4)) {
		if (!valid_int(tok + 4, MTU_MIN, MTU_MAX, &v))
			return errmsg(err, "invalid mtu '%s' in --netdev %s: want %d..%d", tok + 4,
				      spec, MTU_MIN, MTU_MAX);
		n->mtu = (unsigned)v;
		return 1;
	}
	if (!strncmp(tok, "queues=", 7)) {
		if (!valid_int(tok + 7, 1, QUEUES_MAX, &v))
			return errmsg(err, "invalid queues '%s' in --netdev %s: want 1..%d", tok + 7,
				      spec, QUEUES_MAX);
		n->queues = (unsigned)v;
		return 2;
	}
	return 0;
}

static bool valid_vlans(const char *s)
{
	for (;;) {
		size_t len = strcspn(s, ":");

		if (!valid_vlan(s, len))
			return false;
		if (!s[len])
			return true;
		s += len + 1;
	}
}

/* Where the entry for single-valued 'key' sits in n->ovs, or -1. */
static long find_key(const struct nic *n, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = n->ovs.n; i-- > 0;)
		if (!strncmp(n->ovs.v[i], key, klen) && n->ovs.v[i][klen] == '=')
			return (long)i;
	return -1;
}

/* Records "KEY=VALUE": replaces the entry of a single-valued key. */
static int record(struct nic *n, const struct nic_opt *o, const char *key, size_t klen,
		  const char *val)
{
	long at = o->type == NIC_OPT_KV ? -1 : find_key(n, o->key);
	char *entry;

	if (asprintf(&entry, "%.*s=%s", (int)klen, key, val) < 0)
		return -ENOMEM;
	if (at < 0)
		return strv_push_owned(&n->ovs, entry);
	free(n->ovs.v[at]);
	n->ovs.v[at] = entry;
	return 0;
}

int nic_take_token(struct nic *n, const char *tok, char **err)
{
	const char *key, *eq, *val, *spec = n->spec ? n->spec : tok;
	const struct nic_opt *o;
	size_t klen;

	*err = NULL;
	if (!strcmp(tok, NIC_VHOST_USER)) {
		n->vhost_user = true;
		return 1;
	}
	if (!strncmp(tok, NIC_VHOST_USER "=", sizeof(NIC_VHOST_USER)))
		return errmsg(err, "invalid token '%s' in --netdev %s: vhost-user takes no value "
			      "(xkvm makes the socket)", tok, spec);
	if (strncmp(tok, "ovs-", 4))
		return take_nic_token(n, tok, spec, err);
	key = tok + 4;
	eq = strchr(key, '=');
	val = eq ? eq + 1 : NULL;
	klen = eq ? (size_t)(eq - key) : strlen(key);
	for (o = nic_ovs_options; o->key; o++) {
		size_t len = strlen(o->key);

		if (o->type == NIC_OPT_KV ? !strncmp(key, o->key, len)
					  : klen == len && !strncmp(key, o->key, len) && val)
			break;
	}
	if (!o->key)
		return errmsg(err, "unknown token '%s' in --netdev %s", tok, spec);
	switch (o->type) {
	case NIC_OPT_INT:
		{
			long long v;
			char num[24];

			if (!valid_int(val, o->min, o->max, &v))
				return errmsg(err, "invalid ovs-%s '%s' in --netdev %s: want %lld..%lld",
					      o->key, val, spec, o->min, o->max);
			snprintf(num, sizeof(num), "%lld", v);
			return record(n, o, key, klen, num) < 0 ? -ENOMEM : 1;
		}
	case NIC_OPT_VLAN:
		if (!valid_vlan(val, strlen(val)))
			return errmsg(err, "invalid ovs-%s '%s' in --netdev %s: want 0..4095",
				      o->key, val, spec);
		{
			char num[8];

			snprintf(num, sizeof(num), "%d", atoi(val));	/* "010" is 10 */
			return record(n, o, key, klen, num) < 0 ? -ENOMEM : 1;
		}
	case NIC_OPT_VLANS:
		if (!valid_vlans(val))
			return errmsg(err, "invalid ovs-%s '%s' in --netdev %s: want N:M:... each 0..4095",
				      o->key, val, spec);
		break;
	case NIC_OPT_NAME:
		if (!*val)
			return errmsg(err, "empty ovs-%s in --netdev %s", o->key, spec);
		break;
	case NIC_OPT_KV:
		if (!val || klen == strlen(o->key))
			return errmsg(err, "invalid token '%s' in --netdev %s: want ovs-%sKEY=VALUE",
				      tok, spec, o->key);
		/* ovsdb/'s XKOVS_OWNER_KEY: the owner tag is xkvm's to write */
		if (klen - strlen(o->key) == strlen(OWNER_KEY) &&
		    !strncmp(key + strlen(o->key), OWNER_KEY, strlen(OWNER_KEY)))
			return errmsg(err, "invalid token '%s' in --netdev %s: '%s' is xkvm's own key",
				      tok, spec, OWNER_KEY);
		break;
	}
	return record(n, o, key, klen, val) < 0 ? -ENOMEM : 1;
}

bool nic_has_ovs(const struct nic *n)
{
	return n->ovs.n > 0;
}

int nic_check_ovs_place(const struct nic *n, char **err)
{
	const char *what = n->kind == NIC_USER ? "user networking" : "a Linux bridge";

	*err = NULL;
	if (n->kind == NIC_OVS || n->kind == NIC_UNCLASSIFIED)
		return 0;
	if (nic_has_ovs(n))
		return errmsg(err, "ovs-* options need an Open vSwitch bridge: '%s' is %s in "
			      "--netdev %s", n->bridge, what, n->spec);
	if (n->vhost_user)
		return errmsg(err, "vhost-user needs an Open vSwitch bridge with DPDK: '%s' is %s "
			      "in --netdev %s", n->bridge, what, n->spec);
	return 0;
}

const char *nic_ovs_get(const struct nic *n, const char *key)
{
	long at = find_key(n, key);

	return at < 0 ? NULL : n->ovs.v[at] + strlen(key) + 1;
}

int nic_parse(const char *spec, unsigned index, const char *def_model, bool wire,
	      struct nic *ns, char **err)
{
	struct strv toks = STRV_INIT;
	const char *mac = "auto", *model = def_model;
	char buf[MAC_STRLEN];
	int ret = -ENOMEM;

	*err = NULL;
	nic_init(ns, index);
	if (!(ns->spec = strdup(spec)) || strv_split(&toks, spec, ',') < 0)
		goto out;
	if (toks.n == 0 || !*toks.v[0]) {
		ret = errmsg(err, "empty bridge name in --netdev '%s'", spec);
		goto out;
	}
	ret = nic_set_bridge(ns, toks.v[0]);
	if (ret == -EINVAL)
		ret = errmsg(err, "invalid bridge name '%s' in --netdev %s", toks.v[0], spec);
	if (ret < 0)
		goto out;
	ret = -ENOMEM;
	for (size_t i = 1; i < toks.n; i++) {
		const char *tok = toks.v[i];

		if (!strncmp(tok, "model=", 6)) {
			model = tok + 6;
			if (!strcmp(model, "virtio"))
				model = "virtio-net-pci";
		} else if (!strncmp(tok, "mac=", 4)) {
			mac = tok + 4;
		} else if (!strncmp(tok, "macaddr=", 8)) {
			mac = tok + 8;
		} else {
			if (wire && !strncmp(tok, NIC_VHOST_USER "=", sizeof(NIC_VHOST_USER))) {
				/* the socket a launch made for its vhost-user port
				 * (make-nics checks where it lies) */
				const char *sock = tok + sizeof(NIC_VHOST_USER);

				if (sock[0] != '/') {
					ret = errmsg(err, "invalid vhost-user socket '%s' in '%s': want "
						     "an absolute path", sock, spec);
					goto out;
				}
				if (str_set(&ns->vhost_sock, sock) < 0)
					goto out;
				ns->vhost_user = true;
				continue;
			}
			ret = nic_take_token(ns, tok, err);
			if (ret < 0)
				goto out;
			if (ret == 0 && wire) {
				ret = errmsg(err, "invalid '%s': make-nics takes BRIDGE[,mac=MAC][,mtu=N]"
					     "[,queues=N][,vhost-user[=SOCKET]][,ovs-*...]", spec);
				goto out;
			}
			if (ret != 1 && !wire && strv_push(&ns->tokens, tok) < 0) {
				ret = -ENOMEM;
				goto out;
			}
			ret = -ENOMEM;
		}
	}
	if (!*model) {
		ret = errmsg(err, "empty model in --netdev %s", spec);
		goto out;
	}
	if (!(ns->model = strdup(model)))
		goto out;
	if (strcmp(mac, "auto")) {
		int r = !strcmp(mac, "random") ? mac_random(buf) : mac_pad(mac, index, buf);

		if (r == -EINVAL) {
			ret = errmsg(err, "invalid MAC '%s' in --netdev %s", mac, spec);
			goto out;
		}
		if (r < 0) {
			ret = r;
			goto out;
		}
		if (!(ns->mac = strdup(buf)))
			goto out;
	}
	ret = 0;
out:
	strv_release(&toks);
	if (ret < 0)
		nic_release(ns);
	return ret;
}
