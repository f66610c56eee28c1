/* mirror.c: OVS Mirror rows for runtime control (`xkvm ctl NAME mirror`):
 * one port's traffic, both directions, copied to another port of its
 * bridge.  Each row carries the owner tag in its external_ids, like the
 * ports, so teardown and the reaper find it. */
#include "xkovs-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smap.h"

struct mirror_ctx {
	const char *bridge, *name, *src, *out, *owner;
	bool out_internal;	/* add: make 'out' as an internal port */
	bool del;
	size_t removed;
};

static const struct ovsrec_port *find_port(const struct ovsrec_bridge *br, const char *name)
{
	for (size_t i = 0; i < br->n_ports; i++)
		if (!strcmp(br->ports[i]->name, name))
			return br->ports[i];
	return NULL;
}

static int build_add(struct xkovs *h, struct ovsdb_idl_txn *txn, void *aux)
{
	struct mirror_ctx *m = aux;
	const struct ovsrec_bridge *br;
	const struct ovsrec_port *src, *out;
	const struct ovsrec_mirror *row;
	struct ovsrec_port *sel[1];
	struct smap ids = SMAP_INITIALIZER(&ids);
	int vlan;

	br = xkovs_resolve_bridge(h->idl, m->bridge, &vlan);
	if (!br)
		return xkovs_fail(h, -ENODEV, "no OVS bridge '%s'", m->bridge);
	for (size_t i = 0; i < br->n_mirrors; i++)
		if (!strcmp(br->mirrors[i]->name, m->name))
			return xkovs_fail(h, -EEXIST, "mirror '%s' exists on '%s'", m->name, br->name);
	src = find_port(br, m->src);
	if (!src)
		return xkovs_fail(h, -ENOENT, "no port '%s' on bridge '%s'", m->src, br->name);
	if (m->out_internal) {
		/* The mirror's own output: an internal port (a tap of
		 * ovs-vswitchd's on the userspace datapath) to capture on. */
		struct ovsrec_interface *iface;
		struct smap tag = SMAP_INITIALIZER(&tag);
		struct ovsrec_port *p;

		if (find_port(br, m->out))
			return xkovs_fail(h, -EEXIST, "port '%s' exists on '%s'", m->out, br->name);
		iface = ovsrec_interface_insert(txn);
		ovsrec_interface_set_name(iface, m->out);
		ovsrec_interface_set_type(iface, "internal");
		smap_add(&tag, XKOVS_OWNER_KEY, m->owner);
		ovsrec_interface_set_external_ids(iface, &tag);
		smap_destroy(&tag);
		p = CONST_CAST(struct ovsrec_port *, ovsrec_port_insert(txn));
		ovsrec_port_set_name(p, m->out);
		ovsrec_port_set_interfaces(p, &iface, 1);
		ovsrec_bridge_update_ports_addvalue(br, p);
		out = p;
	} else {
		out = find_port(br, m->out);
		if (!out)
			return xkovs_fail(h, -ENOENT, "no port '%s' on bridge '%s'", m->out,
					  br->name);
	}
	row = ovsrec_mirror_insert(txn);
	ovsrec_mirror_set_name(row, m->name);
	sel[0] = CONST_CAST(struct ovsrec_port *, src);
	ovsrec_mirror_set_select_src_port(row, sel, 1);
	ovsrec_mirror_set_select_dst_port(row, sel, 1);
	ovsrec_mirror_set_output_port(row, out);
	smap_add(&ids, XKOVS_OWNER_KEY, m->owner);
	ovsrec_mirror_set_external_ids(row, &ids);
	smap_destroy(&ids);
	ovsrec_bridge_update_mirrors_addvalue(br, row);
	return 0;
}

static int build_del(struct xkovs *h, struct ovsdb_idl_txn *txn, void *aux)
{
	struct mirror_ctx *m = aux;
	const struct ovsrec_bridge *br;

	(void)txn;
	m->removed = 0;
	OVSREC_BRIDGE_FOR_EACH (br, h->idl) {
		for (size_t i = 0; i < br->n_mirrors; i++) {
			const struct ovsrec_mirror *row = br->mirrors[i];
			const char *o = smap_get(&row->external_ids, XKOVS_OWNER_KEY);

			if (strcmp(row->name, m->name))
				continue;
			if (!o || strcmp(o, m->owner))
				return xkovs_fail(h, -EPERM, "mirror '%s' is not ours", m->name);
			ovsrec_bridge_update_mirrors_delvalue(br, row);
			/* its own output port goes with it */
			if (row->output_port && row->output_port->n_interfaces == 1) {
				const struct ovsrec_port *p = row->output_port;
				const struct ovsrec_interface *i0 = p->interfaces[0];
				const char *po = smap_get(&i0->external_ids, XKOVS_OWNER_KEY);

				if (!strcmp(i0->type, "internal") && po && !strcmp(po, m->owner)) {
					ovsrec_bridge_update_ports_delvalue(br, p);
					ovsrec_interface_delete(i0);
					ovsrec_port_delete(p);
				}
			}
			ovsrec_mirror_delete(row);
			m->removed++;
		}
	}
	return 0;
}

static int run(struct xkovs *h, struct mirror_ctx *m)
{
	struct ovsdb_idl_txn *txn = NULL;
	struct xkovs_call c;
	int64_t next_cfg = 0;
	int ret;

	xkovs_call_begin(h, &c);
	ret = xkovs_ensure(h);
	/* Bridges and other launches' ports: whole tables for this call
	 * (a launch replicates only its own rows, ovsdb/scope.c). */
	if (ret == 0)
		ret = xkovs_scope_widen(h, xkovs_deadline(h, 0));
	if (ret == 0)
		ret = xkovs_commit(h, xkovs_deadline(h, 0),
				   m->del ? "xkvm: remove mirror" : "xkvm: add mirror",
				   m->del ? build_del : build_add, m, &txn, m->del ? NULL : &next_cfg);
	xkovs_scope_narrow(h);
	/* A mirror is copying once the command returns: ovs-vswitchd applied it. */
	if (ret == 0 && !m->del)
		ret = xkovs_wait_cur_cfg(h, next_cfg, NULL, NULL);
	if (txn)
		ovsdb_idl_txn_destroy(txn);
	xkovs_call_end(&c);
	return ret;
}

int xkovs_mirror_add(struct xkovs *h, const char *bridge, const char *name, const char *src,
		     const char *out, bool out_internal, const char *owner)
{
	struct mirror_ctx m = { bridge, name, src, out, owner, out_internal, false, 0 };

	return run(h, &m);
}

int xkovs_mirror_del(struct xkovs *h, const char *name, const char *owner)
{
	struct mirror_ctx m = { NULL, name, NULL, NULL, owner, false, true, 0 };

	return run(h, &m);
}

int xkovs_list_owned_mirrors(struct xkovs *h, struct xkovs_owned **out, size_t *n_out)
{
	const struct ovsrec_bridge *br;
	struct xkovs_owned *v = NULL;
	struct xkovs_call c;
	size_t n = 0;
	int ret;

	xkovs_call_begin(h, &c);
	ret = xkovs_ensure(h);
	if (ret == 0)
		ret = xkovs_scope_widen(h, xkovs_deadline(h, 0));	/* as run() */
	if (ret < 0)
		goto out;
	OVSREC_BRIDGE_FOR_EACH (br, h->idl) {
		for (size_t i = 0; i < br->n_mirrors; i++) {
			const char *o = smap_get(&br->mirrors[i]->external_ids, XKOVS_OWNER_KEY);
			struct xkovs_owned *nv;

			if (!o)
				continue;
			nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv) {
				ret = xkovs_fail(h, -ENOMEM, "out of memory");
				goto out;
			}
			v = nv;
			memset(&v[n], 0, sizeof(v[n]));
			v[n].bridge = strdup(br->name);
			v[n].port = strdup(br->mirrors[i]->name);
			v[n].owner = strdup(o);
			n++;
			if (!v[n - 1].bridge || !v[n - 1].port || !v[n - 1].owner) {
				ret = xkovs_fail(h, -ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	*out = v;
	*n_out = n;
	v = NULL;
	n = 0;
	ret = 0;
out:
	xkovs_scope_narrow(h);
	xkovs_owned_free(v, n);
	xkovs_call_end(&c);
	return ret;
}
