#include "base/nic.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errmsg.h"

#define IFNAME_MAX_LEN 15	/* IFNAMSIZ - 1 */

const struct nic_opt nic_ovs_options[] = {
	{ "tag", NIC_OPT_VLAN },
	{ "trunks", NIC_OPT_VLANS },
	{ "iface-id", NIC_OPT_NAME },
	{ "vm-id", NIC_OPT_NAME },
	{ "ext:", NIC_OPT_KV },
	{ NULL, 0 },
};

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
		return 0;
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
		break;
	}
	return record(n, o, key, klen, val) < 0 ? -ENOMEM : 1;
}

bool nic_has_ovs(const struct nic *n)
{
	return n->ovs.n > 0;
}

const char *nic_ovs_get(const struct nic *n, const char *key)
{
	long at = find_key(n, key);

	return at < 0 ? NULL : n->ovs.v[at] + strlen(key) + 1;
}
