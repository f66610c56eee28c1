/* addports.c: all of one launch's ports in ONE transaction, then (by
 * default) the wait for ovs-vswitchd and the check that each Interface got
 * an OpenFlow port; anything added is removed again on failure. */
#include "xkovs-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "smap.h"
#include "sset.h"

/* A port's OVS options (xkovs_port.opts), parsed; pointers into them. */
struct add_item {
	int tag;		/* -1 for none */
	int64_t ofport;		/* ofport_request, -1 for none */
	int64_t rate, burst;	/* ingress policing, -1 for none */
	int64_t *trunks;
	size_t n_trunks;
	const char *iface_id;
	const char *vm_id;
	const char **ext;	/* "KEY=VALUE", in order */
	size_t n_ext;
	struct uuid iface;	/* the Interface's temporary uuid in the txn */
	bool adopted;		/* already there with our owner: 'iface' is its real uuid */
};

struct add_ctx {
	struct xkovs_port *ports;
	size_t n;
	const char *owner;
	unsigned flags;
	struct add_item *items;
	char *comment;		/* the transaction's, for the database log */
	struct ovsdb_idl_txn *txn;	/* committed, while waiting for ovs-vswitchd */
};

/* Parses "10,20" or "10:20:30" into VLAN ids.  Returns 0 or -EINVAL. */
static int parse_trunks(const char *s, int64_t **out, size_t *n_out)
{
	size_t cap = strlen(s) / 2 + 1, n = 0;
	int64_t *v = calloc(cap, sizeof *v);
	const char *p = s;
	int ret = -EINVAL;

	if (!v)
		return -ENOMEM;
	for (;;) {
		char *end;
		long x;

		if (*p < '0' || *p > '9')
			goto out;
		x = strtol(p, &end, 10);
		if (x > 4095 || n == cap)
			goto out;
		v[n++] = x;
		if (!*end)
			break;
		if (*end != ',' && *end != ':')
			goto out;
		p = end + 1;
	}
	*out = v;
	*n_out = n;
	v = NULL;
	ret = 0;
out:
	free(v);
	return ret;
}

/* Parses a decimal in [min, max] into *out.  Returns 0 or -EINVAL. */
static int parse_count(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The value of option 'opt' when it is "KEY=VALUE" for 'key', else NULL. */
static const char *opt_value(const char *opt, const char *key)
{
	size_t len = strlen(key);

	return !strncmp(opt, key, len) && opt[len] == '=' ? opt + len + 1 : NULL;
}

/* Parses p->opts into 'it' (see xkovs_port).  Returns 0 or -EINVAL
 * (message set). */
static int parse_opts(struct xkovs *h, const struct xkovs_port *p, struct add_item *it)
{
	size_t n = 0;

	it->tag = -1;
	it->ofport = it->rate = it->burst = -1;
	while (p->opts && p->opts[n])
		n++;
	it->ext = calloc(n ? n : 1, sizeof *it->ext);
	if (!it->ext)
		return xkovs_fail(h, -ENOMEM, "out of memory");
	for (size_t j = 0; j < n; j++) {
		const char *opt = p->opts[j], *v;

		if ((v = opt_value(opt, "tag"))) {
			char *end;
			long tag = strtol(v, &end, 10);

			if (*v < '0' || *v > '9' || *end || tag > 4095)
				return xkovs_fail(h, -EINVAL, "invalid VLAN tag '%s' for port '%s'",
						  v, p->name);
			it->tag = (int)tag;
		} else if ((v = opt_value(opt, "trunks"))) {
			free(it->trunks);
			it->trunks = NULL;
			if (parse_trunks(v, &it->trunks, &it->n_trunks) < 0)
				return xkovs_fail(h, -EINVAL, "invalid VLAN trunks '%s' for port '%s'",
						  v, p->name);
		} else if ((v = opt_value(opt, "ofport"))) {
			if (parse_count(v, 1, 65279, &it->ofport) < 0)
				return xkovs_fail(h, -EINVAL, "invalid OpenFlow port '%s' for port '%s'",
						  v, p->name);
		} else if ((v = opt_value(opt, "ingress-rate"))) {
			if (parse_count(v, 0, UINT32_MAX, &it->rate) < 0)
				return xkovs_fail(h, -EINVAL, "invalid ingress rate '%s' for port '%s'",
						  v, p->name);
		} else if ((v = opt_value(opt, "ingress-burst"))) {
			if (parse_count(v, 0, UINT32_MAX, &it->burst) < 0)
				return xkovs_fail(h, -EINVAL, "invalid ingress burst '%s' for port '%s'",
						  v, p->name);
		} else if ((v = opt_value(opt, "iface-id"))) {
			it->iface_id = v;
		} else if ((v = opt_value(opt, "vm-id"))) {
			it->vm_id = v;
		} else if (!strncmp(opt, "ext:", 4)) {
			const char *kv = opt + 4, *eq = strchr(kv, '=');

			if (!eq || eq == kv)
				return xkovs_fail(h, -EINVAL, "invalid external_ids '%s' for port '%s' "
						  "(want KEY=VALUE)", kv, p->name);
			if ((size_t)(eq - kv) == strlen(XKOVS_OWNER_KEY) &&
			    !strncmp(kv, XKOVS_OWNER_KEY, strlen(XKOVS_OWNER_KEY)))
				return xkovs_fail(h, -EINVAL, "external_ids key '%s' of port '%s' is reserved",
						  XKOVS_OWNER_KEY, p->name);
			it->ext[it->n_ext++] = kv;
		} else {
			return xkovs_fail(h, -EINVAL, "unknown OVS option '%s' for port '%s'",
					  opt, p->name);
		}
	}
	return 0;
}

/* Checks what can be checked without the database. */
static int validate(struct xkovs *h, struct add_ctx *a)
{
	struct sset names = SSET_INITIALIZER(&names);
	size_t i;
	int ret = -EINVAL;

	if (!a->owner || !*a->owner) {
		xkovs_fail(h, ret, "an owner string is required to add OVS ports");
		goto out;
	}
	for (i = 0; i < a->n; i++) {
		struct xkovs_port *p = &a->ports[i];

		p->ofport = -1;
		p->taken = false;
		if (!p->name || !*p->name || !p->bridge || !*p->bridge) {
			ret = xkovs_fail(h, -EINVAL, "OVS port #%zu lacks a name or a bridge", i);
			goto out;
		}
		if (!sset_add(&names, p->name)) {
			ret = xkovs_fail(h, -EINVAL, "port '%s' given twice", p->name);
			goto out;
		}
		ret = parse_opts(h, p, &a->items[i]);
		if (ret < 0)
			goto out;
	}
	ret = 0;
out:
	sset_destroy(&names);
	return ret;
}

static void set_external_ids(const struct ovsrec_interface *iface,
			     const struct xkovs_port *p, const struct add_item *it,
			     const char *owner)
{
	struct smap ids = SMAP_INITIALIZER(&ids);
	size_t j;

	if (it->iface_id)
		smap_replace(&ids, "iface-id", it->iface_id);
	if (p->attached_mac)
		smap_replace(&ids, "attached-mac", p->attached_mac);
	if (it->vm_id)
		smap_replace(&ids, "vm-id", it->vm_id);
	for (j = 0; j < it->n_ext; j++) {
		const char *eq = strchr(it->ext[j], '=');
		char *key = strndup(it->ext[j], (size_t)(eq - it->ext[j]));

		if (key)
			smap_replace(&ids, key, eq + 1);
		free(key);
	}
	smap_replace(&ids, XKOVS_OWNER_KEY, owner);
	ovsrec_interface_set_external_ids(iface, &ids);
	smap_destroy(&ids);
}

/* The Interface columns an option or the MTU asks for. */
static void set_interface_columns(const struct ovsrec_interface *iface,
				  const struct xkovs_port *p, const struct add_item *it)
{
	int64_t mtu = p->mtu;

	if (it->ofport >= 0)
		ovsrec_interface_set_ofport_request(iface, &it->ofport, 1);
	if (p->mtu)
		ovsrec_interface_set_mtu_request(iface, &mtu, 1);
	if (it->rate >= 0)
		ovsrec_interface_set_ingress_policing_rate(iface, it->rate);
	if (it->burst >= 0)
		ovsrec_interface_set_ingress_policing_burst(iface, it->burst);
}

/* The Interface 'name' when it is ours already: carries 'owner' and is the
 * only Interface of a Port of the same name on bridge 'br'.  That is a
 * commit of this very call whose reply a reconnection lost (the retry sees
 * it applied), as owner strings are unique to a process.  NULL otherwise. */
static const struct ovsrec_interface *ours_already(const struct ovsrec_bridge *br,
						   const char *name, const char *owner)
{
	for (size_t i = 0; i < br->n_ports; i++) {
		const struct ovsrec_port *port = br->ports[i];
		const struct ovsrec_interface *iface;
		const char *tag;

		if (strcmp(port->name, name) || port->n_interfaces != 1)
			continue;
		iface = port->interfaces[0];
		tag = smap_get(&iface->external_ids, XKOVS_OWNER_KEY);
		if (!strcmp(iface->name, name) && tag && !strcmp(tag, owner))
			return iface;
	}
	return NULL;
}

/* The owner tag of 'iface' for a message: the tag, or what it lacks. */
static const char *owner_of(const struct ovsrec_interface *iface)
{
	const char *tag = smap_get(&iface->external_ids, XKOVS_OWNER_KEY);

	return tag ? tag : "not made by xkvm";
}

/* The Port holding 'iface' and its bridge, or NULL. */
static const struct ovsrec_port *port_of(struct ovsdb_idl *idl,
					 const struct ovsrec_interface *iface,
					 const struct ovsrec_bridge **br_out)
{
	const struct ovsrec_bridge *br;

	OVSREC_BRIDGE_FOR_EACH (br, idl)
		for (size_t i = 0; i < br->n_ports; i++)
			for (size_t j = 0; j < br->ports[i]->n_interfaces; j++)
				if (br->ports[i]->interfaces[j] == iface) {
					*br_out = br;
					return br->ports[i];
				}
	*br_out = NULL;
	return NULL;
}

/* Whether the owner of 'iface' is gone (the judge's word). */
static bool owner_dead(struct xkovs *h, const struct ovsrec_interface *iface)
{
	const char *tag = smap_get(&iface->external_ids, XKOVS_OWNER_KEY);

	return tag && h->judge && h->judge(tag, h->judge_aux);
}

/* Removes the port holding 'iface' (with all its interfaces) in 'txn'. */
static void remove_holder(const struct ovsrec_bridge *br, const struct ovsrec_port *port)
{
	for (size_t j = 0; j < port->n_interfaces; j++)
		ovsrec_interface_delete(port->interfaces[j]);
	ovsrec_bridge_update_ports_delvalue(br, port);
	ovsrec_port_delete(port);
}

/* The OVN logical port 'iface_id' wanted by port 'p': every other
 * Interface holding it goes in this transaction when its owner is dead or
 * with XKOVS_STEAL_IFACE_ID; else -EBUSY naming it. */
static int take_iface_id(struct xkovs *h, struct add_ctx *a, const struct xkovs_port *p,
			 const char *iface_id)
{
	const struct ovsrec_interface *iface;

	OVSREC_INTERFACE_FOR_EACH (iface, h->idl) {
		const char *held = smap_get(&iface->external_ids, "iface-id");
		const struct ovsrec_bridge *br;
		const struct ovsrec_port *port;

		if (!held || strcmp(held, iface_id) || !strcmp(iface->name, p->name))
			continue;
		port = port_of(h->idl, iface, &br);
		if (port && ((a->flags & XKOVS_STEAL_IFACE_ID) || owner_dead(h, iface))) {
			remove_holder(br, port);
			continue;
		}
		return xkovs_fail(h, -EBUSY, "logical port '%s' for '%s' is held by port '%s' "
				  "on '%s' (owner %s)", iface_id, p->name,
				  port ? port->name : iface->name, br ? br->name : "no bridge",
				  owner_of(iface));
	}
	return 0;
}

/* OpenFlow port 'ofport' on 'br': -EADDRINUSE naming the Interface that has
 * or asked for it, else 0. */
static int ofport_free(struct xkovs *h, const struct ovsrec_bridge *br,
		       const struct xkovs_port *p, int64_t ofport)
{
	for (size_t i = 0; i < br->n_ports; i++)
		for (size_t j = 0; j < br->ports[i]->n_interfaces; j++) {
			const struct ovsrec_interface *f = br->ports[i]->interfaces[j];

			if (!strcmp(f->name, p->name))
				continue;
			if ((f->n_ofport == 1 && f->ofport[0] == ofport) ||
			    (f->n_ofport_request == 1 && f->ofport_request[0] == ofport))
				return xkovs_fail(h, -EADDRINUSE, "cannot give '%s' OpenFlow port "
						  "%lld on '%s': port '%s' holds it (owner %s)",
						  p->name, (long long)ofport, br->name,
						  br->ports[i]->name, owner_of(f));
		}
	return 0;
}

/* With XKOVS_REAP_STALE: removes in this transaction the Port named
 * 'name' when every Interface of it carries the tag of a dead owner, and
 * makes the commit check those tags unchanged.  Returns true when it did
 * (the name is then free for the insert: ovsdb-server collects the old
 * rows before checking the name index). */
static bool reap_stale(struct xkovs *h, struct add_ctx *a, const char *name)
{
	const struct ovsrec_bridge *br;

	if (!(a->flags & XKOVS_REAP_STALE) || !h->judge)
		return false;
	OVSREC_BRIDGE_FOR_EACH (br, h->idl) {
		for (size_t i = 0; i < br->n_ports; i++) {
			const struct ovsrec_port *port = br->ports[i];
			size_t j;

			if (strcmp(port->name, name) || port->fake_bridge || !port->n_interfaces)
				continue;
			for (j = 0; j < port->n_interfaces; j++) {
				const char *o = smap_get(&port->interfaces[j]->external_ids,
							 XKOVS_OWNER_KEY);

				if (!o || !strcmp(o, a->owner) || !h->judge(o, h->judge_aux))
					return false;
			}
			for (j = 0; j < port->n_interfaces; j++) {
				ovsrec_interface_verify_external_ids(port->interfaces[j]);
				ovsrec_interface_delete(port->interfaces[j]);
			}
			ovsrec_bridge_update_ports_delvalue(br, port);
			ovsrec_port_delete(port);
			return true;
		}
	}
	return false;
}

static int build_add(struct xkovs *h, struct ovsdb_idl_txn *txn, void *aux)
{
	struct add_ctx *a = aux;
	struct sset ports = SSET_INITIALIZER(&ports);
	struct sset ifaces = SSET_INITIALIZER(&ifaces);
	const struct ovsrec_interface *ifrow;
	const struct ovsrec_port *prow;
	struct ds taken = DS_EMPTY_INITIALIZER;
	size_t i, n_taken = 0;
	int ret = -1;

	OVSREC_PORT_FOR_EACH (prow, h->idl)
		sset_add(&ports, prow->name);
	OVSREC_INTERFACE_FOR_EACH (ifrow, h->idl)
		sset_add(&ifaces, ifrow->name);

	for (i = 0; i < a->n; i++) {
		const struct xkovs_port *p = &a->ports[i];
		const struct ovsrec_bridge *br;
		struct ovsrec_interface *iface;
		struct ovsrec_port *port;
		int vlan;
		int64_t tag;

		br = xkovs_resolve_bridge(h->idl, p->bridge, &vlan);
		if (!br) {
			ret = xkovs_fail(h, -ENODEV, "cannot add port '%s': '%s' is not an OVS bridge",
					 p->name, p->bridge);
			goto out;
		}
		if (vlan >= 0 && a->items[i].tag >= 0 && a->items[i].tag != vlan) {
			ret = xkovs_fail(h, -EINVAL, "port '%s' on fake bridge '%s' (VLAN %d) "
					 "cannot have VLAN tag %d", p->name, p->bridge, vlan, a->items[i].tag);
			goto out;
		}
		a->items[i].adopted = false;
		a->ports[i].taken = false;
		if (sset_contains(&ports, p->name) || sset_contains(&ifaces, p->name)) {
			const struct ovsrec_interface *mine = ours_already(br, p->name, a->owner);

			if (mine) {
				a->items[i].iface = mine->header_.uuid;
				a->items[i].adopted = true;
				continue;
			}
			if (!reap_stale(h, a, p->name)) {
				/* Every such name is reported, the first in full. */
				a->ports[i].taken = true;
				if (!n_taken++)
					xkovs_fail(h, -EEXIST, "cannot add port '%s' to '%s': a %s of "
						   "that name already exists", p->name, p->bridge,
						   sset_contains(&ports, p->name) ? "port" : "interface");
				else
					ds_put_format(&taken, " %s", p->name);
				continue;
			}
		}

		if (a->items[i].iface_id) {
			ret = take_iface_id(h, a, p, a->items[i].iface_id);
			if (ret < 0)
				goto out;
		}
		if (a->items[i].ofport >= 0) {
			ret = ofport_free(h, br, p, a->items[i].ofport);
			if (ret < 0)
				goto out;
		}

		iface = ovsrec_interface_insert(txn);
		ovsrec_interface_set_name(iface, p->name);
		if (p->vhost_socket) {
			const struct smap opts = SMAP_CONST1(&opts, "vhost-server-path",
							     p->vhost_socket);

			ovsrec_interface_set_type(iface, "dpdkvhostuserclient");
			ovsrec_interface_set_options(iface, &opts);
		}
		set_external_ids(iface, p, &a->items[i], a->owner);
		set_interface_columns(iface, p, &a->items[i]);
		a->items[i].iface = iface->header_.uuid;

		port = ovsrec_port_insert(txn);
		ovsrec_port_set_name(port, p->name);
		ovsrec_port_set_interfaces(port, &iface, 1);
		tag = vlan >= 0 ? vlan : a->items[i].tag;
		if (tag >= 0)
			ovsrec_port_set_tag(port, &tag, 1);
		if (a->items[i].n_trunks)
			ovsrec_port_set_trunks(port, a->items[i].trunks, a->items[i].n_trunks);
		/* A mutation, not a rewrite of the whole set: concurrent
		 * writers of other ports do not make us retry or lose theirs. */
		ovsrec_bridge_update_ports_addvalue(br, port);
	}
	ret = 0;
	if (n_taken) {
		size_t len = strlen(h->err);

		if (n_taken > 1)
			snprintf(h->err + len, sizeof h->err - len, " (and %zu more:%s)",
				 n_taken - 1, ds_cstr(&taken));
		ret = -EEXIST;
	}
out:
	ds_destroy(&taken);
	sset_destroy(&ports);
	sset_destroy(&ifaces);
	return ret;
}

/* An applied Interface got what it asked for: the OpenFlow port of
 * "ofport=N" (-EADDRINUSE naming who holds N), the MTU (-EIO). */
static int check_requests(struct xkovs *h, const struct ovsrec_interface *iface,
			  const struct xkovs_port *p, const struct add_item *it)
{
	if (it->ofport >= 0 && iface->ofport[0] != it->ofport) {
		const struct ovsrec_bridge *br = NULL;
		int ret;

		port_of(h->idl, iface, &br);
		ret = br ? ofport_free(h, br, p, it->ofport) : 0;
		if (ret == 0)
			ret = xkovs_fail(h, -EADDRINUSE, "cannot give '%s' OpenFlow port %lld: "
					 "ovs-vswitchd gave it %lld", p->name,
					 (long long)it->ofport, (long long)iface->ofport[0]);
		return ret;
	}
	if (p->mtu && iface->n_mtu == 1 && iface->mtu[0] != p->mtu)
		return xkovs_fail(h, -EIO, "ovs-vswitchd did not set MTU %u on '%s' (it is %lld%s%s)",
				  p->mtu, p->name, (long long)iface->mtu[0],
				  iface->error && *iface->error ? ": " : "",
				  iface->error ? iface->error : "");
	return 0;
}

/* The Interface row of port i (committed or adopted), or NULL. */
static const struct ovsrec_interface *own_iface(struct xkovs *h, struct ovsdb_idl_txn *txn,
						struct add_ctx *a, size_t i)
{
	const struct uuid *u = a->items[i].adopted ? &a->items[i].iface
			       : ovsdb_idl_txn_get_insert_uuid(txn, &a->items[i].iface);

	return u ? ovsrec_interface_get_for_uuid(h->idl, u) : NULL;
}

/* Progress of our own rows while waiting: how many of our Interfaces got
 * an OpenFlow port or an error. */
static long own_mark(struct xkovs *h, void *aux)
{
	struct add_ctx *a = aux;
	long n = 0;

	for (size_t i = 0; i < a->n; i++) {
		const struct ovsrec_interface *iface = own_iface(h, a->txn, a, i);

		if (iface && (iface->n_ofport || (iface->error && *iface->error)))
			n++;
	}
	return n;
}

/* After ovs-vswitchd applied the transaction: each Interface must have an
 * OpenFlow port, and what it asked for.  Returns 0 or -EIO (-EADDRINUSE)
 * with the first failure's message. */
static int check_ofports(struct xkovs *h, struct ovsdb_idl_txn *txn, struct add_ctx *a)
{
	size_t i, bad = 0;
	int ret = 0;

	for (i = 0; i < a->n; i++) {
		const struct ovsrec_interface *iface = own_iface(h, txn, a, i);
		struct xkovs_port *p = &a->ports[i];

		if (iface && iface->n_ofport == 1 && iface->ofport[0] >= 0) {
			p->ofport = iface->ofport[0];
			if (bad)
				continue;
			ret = check_requests(h, iface, p, &a->items[i]);
			bad += ret < 0;
			continue;
		}
		if (!bad++)
			ret = xkovs_fail(h, -EIO, "ovs-vswitchd could not add '%s' to '%s': %s",
					 p->name, p->bridge,
					 !iface ? "its Interface row vanished"
					 : iface->error && *iface->error ? iface->error
					 : "no OpenFlow port assigned");
	}
	if (bad > 1) {
		size_t len = strlen(h->err);

		snprintf(h->err + len, sizeof h->err - len, " (and %zu more)", bad - 1);
	}
	return ret;
}

/* Removes what the transaction added, keeping the first error's message. */
static void rollback(struct xkovs *h, struct add_ctx *a)
{
	struct xkovs_port *refs = calloc(a->n, sizeof *refs);
	char saved[sizeof h->err];
	int intr_fd = h->intr_fd;
	size_t i, len;
	int ret;

	/* Undoing must not be cut short by the signal that may be the reason
	 * we undo. */
	h->intr_fd = -1;
	memcpy(saved, h->err, sizeof saved);
	if (refs) {
		for (i = 0; i < a->n; i++)
			refs[i].name = a->ports[i].name;	/* any bridge */
		ret = xkovs_remove(h, refs, a->n, a->owner, 0);
	} else {
		ret = xkovs_fail(h, -ENOMEM, "out of memory");
	}
	free(refs);
	h->intr_fd = intr_fd;
	if (ret < 0) {
		char why[sizeof h->err];

		memcpy(why, h->err, sizeof why);
		memcpy(h->err, saved, sizeof saved);
		len = strlen(h->err);
		snprintf(h->err + len, sizeof h->err - len,
			 "; removing the ports again failed too: %s", why);
	} else {
		memcpy(h->err, saved, sizeof saved);
	}
}

int xkovs_add_ports(struct xkovs *h, struct xkovs_port *ports, size_t n,
		    const char *owner, unsigned flags)
{
	struct add_ctx a = { .ports = ports, .n = n, .owner = owner, .flags = flags };
	bool wait = !(flags & XKOVS_NO_WAIT);
	struct ovsdb_idl_txn *txn = NULL;
	struct xkovs_call c;
	int64_t next_cfg = 0;
	long long deadline;
	bool wide = false;
	size_t i;
	int ret = -ENOMEM;

	xkovs_call_begin(h, &c);
	if (!n) {
		ret = 0;
		goto out;
	}
	a.items = calloc(n, sizeof *a.items);
	if (!a.items) {
		xkovs_fail(h, ret, "out of memory");
		goto out;
	}
	ret = validate(h, &a);
	if (ret < 0)
		goto out;
	a.comment = xkovs_comment("add", owner, ports, n);
	if (!a.comment) {
		ret = xkovs_fail(h, -ENOMEM, "out of memory");
		goto out;
	}
	ret = xkovs_ensure(h);
	if (ret < 0)
		goto out;
	deadline = xkovs_deadline(h, 0);
	/* Rows that bear our names already must be seen, to be refused or
	 * adopted: with conditional monitoring, ask for them first.  Who holds
	 * an OVN logical port or an OpenFlow port we ask for may be any row
	 * of the host: then whole tables, for this call alone. */
	for (i = 0; i < n; i++)
		wide |= a.items[i].iface_id || a.items[i].ofport >= 0;
	if (wide) {
		ret = xkovs_scope_widen(h, deadline);
		xkovs_scope_note(h, ports, n);	/* ours once narrowed again */
	} else {
		ret = xkovs_scope_bridges(h, true, deadline);
		if (ret == 0)
			ret = xkovs_scope_add(h, ports, n, deadline);
	}
	if (ret < 0)
		goto out;
	ret = xkovs_commit(h, deadline, a.comment, build_add, &a, &txn,
			   wait ? &next_cfg : NULL);
	/* Committed or not: other launches' ports need not reach us now
	 * (but who holds a port number we did not get, below). */
	if (!wide)
		xkovs_scope_bridges(h, false, 0);
	if (ret < 0 || !wait)
		goto out;
	a.txn = txn;
	ret = xkovs_wait_cur_cfg(h, next_cfg, own_mark, &a);
	if (ret == 0)
		ret = check_ofports(h, txn, &a);
	if (ret < 0)
		rollback(h, &a);
out:
	if (wide)
		xkovs_scope_narrow(h);
	if (txn)
		ovsdb_idl_txn_destroy(txn);
	for (i = 0; a.items && i < n; i++) {
		free(a.items[i].trunks);
		free(a.items[i].ext);
	}
	free(a.items);
	free(a.comment);
	xkovs_call_end(&c);
	return ret;
}
