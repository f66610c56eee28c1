/* owned.c: reading back what xkvm added: the ports carrying an owner tag
 * (for a reaper), and an Interface's OVN binding. */
#include "xkovs-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smap.h"

void xkovs_owned_free(struct xkovs_owned *owned, size_t n)
{
	size_t i;

	if (!owned)
		return;
	for (i = 0; i < n; i++) {
		free(owned[i].bridge);
		free(owned[i].port);
		free(owned[i].owner);
		free(owned[i].iface_id);
		free(owned[i].vhost_socket);
	}
	free(owned);
}

static int cmp_owned(const void *a, const void *b)
{
	return strcmp(((const struct xkovs_owned *)a)->port,
		      ((const struct xkovs_owned *)b)->port);
}

int xkovs_list_owned(struct xkovs *h, struct xkovs_owned **out, size_t *n_out)
{
	const struct ovsrec_bridge *br;
	struct xkovs_owned *v = NULL;
	struct xkovs_call c;
	size_t n = 0, cap = 0, i, j;
	int ret;

	xkovs_call_begin(h, &c);
	ret = xkovs_ensure(h);
	if (ret == 0)
		ret = xkovs_scope_widen(h, xkovs_deadline(h, 0));
	if (ret < 0)
		goto out;
	OVSREC_BRIDGE_FOR_EACH (br, h->idl) {
		for (i = 0; i < br->n_ports; i++) {
			const struct ovsrec_port *port = br->ports[i];
			const struct ovsrec_port *fake = NULL;
			const struct ovsrec_interface *iface = NULL;
			const char *owner = NULL, *iface_id, *vhost;
			struct xkovs_owned *e;

			for (j = 0; !owner && j < port->n_interfaces; j++) {
				iface = port->interfaces[j];
				owner = smap_get(&iface->external_ids, XKOVS_OWNER_KEY);
			}
			if (!owner)
				continue;
			if (n == cap) {
				struct xkovs_owned *nv;

				cap = cap ? 2 * cap : 8;
				nv = realloc(v, cap * sizeof *nv);
				if (!nv) {
					ret = xkovs_fail(h, -ENOMEM, "out of memory");
					goto out;
				}
				v = nv;
			}
			if (!port->fake_bridge && port->n_tag == 1)
				fake = xkovs_find_fake(br, port->tag[0]);
			e = &v[n++];
			e->bridge = strdup(fake ? fake->name : br->name);
			e->port = strdup(port->name);
			e->owner = strdup(owner);
			iface_id = smap_get(&iface->external_ids, "iface-id");
			e->iface_id = iface_id ? strdup(iface_id) : NULL;
			e->ofport = iface->n_ofport == 1 ? iface->ofport[0] : -1;
			e->ovn_installed = smap_get_bool(&iface->external_ids,
							 "ovn-installed", false);
			vhost = !strcmp(iface->type, "dpdkvhostuserclient")
				? smap_get(&iface->options, "vhost-server-path") : NULL;
			e->vhost_socket = vhost ? strdup(vhost) : NULL;
			if (!e->bridge || !e->port || !e->owner ||
			    (iface_id && !e->iface_id) || (vhost && !e->vhost_socket)) {
				ret = xkovs_fail(h, -ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	if (n)
		qsort(v, n, sizeof *v, cmp_owned);
	*out = v;
	*n_out = n;
	v = NULL;
	n = 0;
	ret = 0;
out:
	if (h->idl)
		xkovs_scope_narrow(h);
	xkovs_owned_free(v, n);
	xkovs_call_end(&c);
	return ret;
}

static const struct ovsrec_interface *find_iface(struct ovsdb_idl *idl, const char *name)
{
	const struct ovsrec_interface *iface;

	OVSREC_INTERFACE_FOR_EACH (iface, idl)
		if (!strcmp(iface->name, name))
			return iface;
	return NULL;
}

int xkovs_vhost_connected(struct xkovs *h, const char *iface_name)
{
	const struct ovsrec_interface *iface;
	struct xkovs_call c;
	int ret;

	xkovs_call_begin(h, &c);
	ret = xkovs_ensure(h);	/* connected: one non-blocking run of the IDL */
	if (ret < 0)
		goto out;
	iface = find_iface(h->idl, iface_name);
	if (!iface)
		ret = xkovs_fail(h, -ENODEV, "no OVS interface '%s'", iface_name);
	else
		ret = !strcmp(smap_get_def(&iface->status, "status", ""), "connected");
out:
	xkovs_call_end(&c);
	return ret;
}

int xkovs_wait_ovn_installed(struct xkovs *h, const char *iface_name, int timeout_ms)
{
	struct xkovs_port wanted = { .name = iface_name };
	struct xkovs_call c;
	long long deadline;
	int ret;

	xkovs_call_begin(h, &c);
	ret = xkovs_ensure(h);
	if (ret < 0)
		goto out;
	deadline = xkovs_deadline(h, timeout_ms);
	ret = xkovs_scope_add(h, &wanted, 1, deadline);	/* replicate it */
	if (ret < 0)
		goto out;
	for (;;) {
		const struct ovsrec_interface *iface;

		ret = xkovs_run(h);
		if (ret < 0)
			goto out;
		iface = find_iface(h->idl, iface_name);
		if (!iface) {
			ret = xkovs_fail(h, -ENODEV, "no OVS interface '%s'", iface_name);
			goto out;
		}
		if (smap_get_bool(&iface->external_ids, "ovn-installed", false))
			goto out;
		ret = xkovs_block(h, deadline, "OVN to install the port");
		if (ret < 0) {
			if (ret == -ETIMEDOUT)
				xkovs_fail(h, ret, "OVN did not install '%s' within %d ms",
					   iface_name, h->cur_timeout_ms);
			goto out;
		}
	}
out:
	xkovs_call_end(&c);
	return ret;
}
