/* delports.c: teardown, all given ports in ONE transaction, confirmed by the
 * server; ports of other owners are refused, missing ones skipped. */
#include "xkovs-int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/shash.h"
#include "smap.h"
#include "sset.h"

struct del_ctx {
	const struct xkovs_port *ports;
	size_t n;
	const char *owner;
	bool force;
	struct ds refused;	/* "'p' (why), ..." */
	int refused_ret;	/* -EPERM (owner) over -EINVAL (bridge), or 0 */
	size_t removed;
};

static void refuse(struct del_ctx *d, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void refuse(struct del_ctx *d, int ret, const char *fmt, ...)
{
	va_list ap;

	if (d->refused.length)
		ds_put_cstr(&d->refused, ", ");
	va_start(ap, fmt);
	ds_put_format_valist(&d->refused, fmt, ap);
	va_end(ap);
	if (d->refused_ret != -EPERM)
		d->refused_ret = ret;
}

/* The name ovs-vsctl would call the port's bridge: the fake bridge whose
 * VLAN the port carries, else the real one. */
static const char *port_bridge_name(const struct ovsrec_bridge *br,
				    const struct ovsrec_port *port)
{
	const struct ovsrec_port *fake;

	if (port->fake_bridge || port->n_tag != 1)
		return br->name;
	fake = xkovs_find_fake(br, port->tag[0]);
	return fake ? fake->name : br->name;
}

/* Whether 'port' is the bridge's own (local) port: named as the bridge, or
 * holding the bridge's internal interface. */
static bool own_port(const struct ovsrec_bridge *br, const struct ovsrec_port *port)
{
	size_t i;

	if (!strcmp(port->name, br->name))
		return true;
	for (i = 0; i < port->n_interfaces; i++)
		if (!strcmp(port->interfaces[i]->name, br->name))
			return true;
	return false;
}

/* Returns true when every Interface of 'port' carries d->owner. */
static bool owned(struct del_ctx *d, const struct ovsrec_port *port)
{
	size_t i;

	for (i = 0; i < port->n_interfaces; i++) {
		const char *o = smap_get(&port->interfaces[i]->external_ids, XKOVS_OWNER_KEY);

		if (!o) {
			refuse(d, -EPERM, "'%s' (no owner tag)", port->name);
			return false;
		}
		if (!d->owner || strcmp(o, d->owner)) {
			refuse(d, -EPERM, "'%s' (owner '%s')", port->name, o);
			return false;
		}
	}
	return true;
}

static int build_del(struct xkovs *h, struct ovsdb_idl_txn *txn, void *aux)
{
	struct del_ctx *d = aux;
	struct shash where = SHASH_INITIALIZER(&where);	/* port name -> bridge */
	struct sset done = SSET_INITIALIZER(&done);
	const struct ovsrec_bridge *br;
	size_t i, j;

	(void)txn;	/* the rows below belong to the current transaction */
	ds_clear(&d->refused);
	d->refused_ret = 0;
	d->removed = 0;
	OVSREC_BRIDGE_FOR_EACH (br, h->idl)
		for (j = 0; j < br->n_ports; j++)
			shash_add_once(&where, br->ports[j]->name, br);

	for (i = 0; i < d->n; i++) {
		const struct xkovs_port *ref = &d->ports[i];
		const struct ovsrec_port *port = NULL;
		const char *shown;

		if (!ref->name || !sset_add(&done, ref->name))
			continue;
		br = shash_find_data(&where, ref->name);
		for (j = 0; br && j < br->n_ports; j++)
			if (!strcmp(br->ports[j]->name, ref->name))
				port = br->ports[j];
		if (!port)
			continue;	/* already gone: teardown is idempotent */
		if (port->fake_bridge) {
			refuse(d, -EINVAL, "'%s' (a fake bridge)", port->name);
			continue;
		}
		if (own_port(br, port)) {
			/* Its removal cuts the bridge's host side: never, even forced. */
			refuse(d, -EINVAL, "'%s' (the own port of bridge '%s')", port->name,
			       br->name);
			continue;
		}
		shown = port_bridge_name(br, port);
		if (ref->bridge && strcmp(ref->bridge, br->name) && strcmp(ref->bridge, shown)) {
			refuse(d, -EINVAL, "'%s' (on bridge '%s', not '%s')", port->name,
			       shown, ref->bridge);
			continue;
		}
		if (!d->force && !owned(d, port))
			continue;
		ovsrec_bridge_update_ports_delvalue(br, port);
		for (j = 0; j < port->n_interfaces; j++)
			ovsrec_interface_delete(port->interfaces[j]);
		ovsrec_port_delete(port);
		d->removed++;
	}
	shash_destroy(&where);
	sset_destroy(&done);
	return 0;
}

int xkovs_remove(struct xkovs *h, const struct xkovs_port *ports, size_t n,
		 const char *owner, unsigned flags)
{
	struct del_ctx d = {
		.ports = ports, .n = n, .owner = owner,
		.force = flags & XKOVS_FORCE, .refused = DS_EMPTY_INITIALIZER,
	};
	bool wait = flags & XKOVS_WAIT;
	char *comment = xkovs_comment("remove", owner, ports, n);
	struct ovsdb_idl_txn *txn = NULL;
	int64_t next_cfg = 0;
	long long deadline;
	int ret;

	if (!comment) {
		ret = xkovs_fail(h, -ENOMEM, "out of memory");
		goto out;
	}
	deadline = xkovs_deadline(h, 0);
	ret = xkovs_scope_bridges(h, true, deadline);
	if (ret == 0)
		ret = xkovs_scope_add(h, ports, n, deadline);
	if (ret < 0)
		goto out;
	ret = xkovs_commit(h, deadline, comment, build_del, &d, &txn,
			   wait ? &next_cfg : NULL);
	xkovs_scope_bridges(h, false, 0);
	if (ret < 0)
		goto out;
	if (wait && next_cfg) {
		ret = xkovs_wait_cur_cfg(h, next_cfg, NULL, NULL);
		if (ret < 0)
			goto out;
	}
	ret = d.refused_ret;
	if (ret < 0)
		xkovs_fail(h, ret, "refusing to remove %s", ds_cstr(&d.refused));
out:
	if (txn)
		ovsdb_idl_txn_destroy(txn);
	ds_destroy(&d.refused);
	free(comment);
	return ret;
}

int xkovs_del_ports(struct xkovs *h, const struct xkovs_port *ports, size_t n,
		    const char *owner, unsigned flags)
{
	struct xkovs_call c;
	int ret;

	xkovs_call_begin(h, &c);
	ret = n ? xkovs_ensure(h) : 0;
	if (ret == 0 && n)
		ret = xkovs_remove(h, ports, n, owner, flags);
	xkovs_call_end(&c);
	return ret;
}
