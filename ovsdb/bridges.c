/* bridges.c: which names are OVS bridges, read from the database: real
 * bridges (Bridge rows) and fake VLAN bridges (a Port with fake_bridge=true
 * and a tag, whose parent is the bridge holding it), as ovs-vsctl sees them. */
#include "xkovs-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_fake(const struct ovsrec_port *p)
{
	return p->fake_bridge && p->n_tag == 1 && p->tag[0] >= 0 && p->tag[0] <= 4095;
}

const struct ovsrec_bridge *xkovs_find_bridge(struct ovsdb_idl *idl, const char *name)
{
	const struct ovsrec_bridge *br;

	OVSREC_BRIDGE_FOR_EACH (br, idl)
		if (!strcmp(br->name, name))
			return br;
	return NULL;
}

const struct ovsrec_port *xkovs_find_fake(const struct ovsrec_bridge *br, int64_t vlan)
{
	size_t i;

	for (i = 0; i < br->n_ports; i++)
		if (is_fake(br->ports[i]) && br->ports[i]->tag[0] == vlan)
			return br->ports[i];
	return NULL;
}

const struct ovsrec_bridge *xkovs_resolve_bridge(struct ovsdb_idl *idl, const char *name,
						 int *vlan)
{
	const struct ovsrec_bridge *br = xkovs_find_bridge(idl, name);
	size_t i;

	if (br) {
		*vlan = -1;
		return br;
	}
	OVSREC_BRIDGE_FOR_EACH (br, idl) {
		for (i = 0; i < br->n_ports; i++) {
			const struct ovsrec_port *p = br->ports[i];

			if (is_fake(p) && !strcmp(p->name, name)) {
				*vlan = (int)p->tag[0];
				return br;
			}
		}
	}
	return NULL;
}

void xkovs_bridge_release(struct xkovs_bridge *b)
{
	if (!b)
		return;
	free(b->name);
	free(b->parent);
	free(b->datapath_type);
	b->name = b->parent = b->datapath_type = NULL;
	b->vlan = -1;
}

int xkovs_bridge_get(struct xkovs *h, const char *name, struct xkovs_bridge *out)
{
	struct xkovs_bridge b = { .vlan = -1 };
	const struct ovsrec_bridge *br;
	struct xkovs_call c;
	int vlan;
	int ret;

	xkovs_call_begin(h, &c);
	ret = xkovs_ensure(h);
	if (ret == 0)
		ret = xkovs_scope_bridges(h, true, xkovs_deadline(h, 0));
	if (ret < 0)
		goto out;
	br = xkovs_resolve_bridge(h->idl, name, &vlan);
	if (!br) {
		ret = xkovs_fail(h, -ENODEV, "'%s' is not an OVS bridge", name);
		goto out;
	}
	b.name = strdup(name);
	b.parent = strdup(br->name);
	b.datapath_type = strdup(br->datapath_type ? br->datapath_type : "");
	b.vlan = vlan;
	{
		const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(h->idl);

		b.dpdk_initialized = ovs && ovs->dpdk_initialized;
	}
	if (!b.name || !b.parent || !b.datapath_type) {
		ret = xkovs_fail(h, -ENOMEM, "out of memory");
		goto out;
	}
	*out = b;
	b = (struct xkovs_bridge){ .vlan = -1 };
	ret = 0;
out:
	xkovs_bridge_release(&b);
	xkovs_call_end(&c);
	return ret;
}

bool xkovs_is_bridge(struct xkovs *h, const char *name)
{
	struct xkovs_bridge b = { .vlan = -1 };

	if (xkovs_bridge_get(h, name, &b) < 0)
		return false;
	xkovs_bridge_release(&b);
	return true;
}

void xkovs_names_free(char **names)
{
	size_t i;

	if (!names)
		return;
	for (i = 0; names[i]; i++)
		free(names[i]);
	free(names);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push(char ***v, size_t *n, size_t *cap, const char *s)
{
	if (*n + 2 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		char **nv = realloc(*v, ncap * sizeof *nv);

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[*n] = strdup(s);
	if (!(*v)[*n])
		return -ENOMEM;
	(*v)[++*n] = NULL;
	return 0;
}

int xkovs_list_bridges(struct xkovs *h, char ***names)
{
	const struct ovsrec_bridge *br;
	struct xkovs_call c;
	char **v = NULL;
	size_t n = 0, cap = 0, i;
	int ret;

	xkovs_call_begin(h, &c);
	ret = xkovs_ensure(h);
	if (ret == 0)
		ret = xkovs_scope_bridges(h, true, xkovs_deadline(h, 0));
	if (ret < 0)
		goto out;
	v = calloc(1, sizeof *v);	/* an empty list is still terminated */
	cap = 1;
	ret = v ? 0 : -ENOMEM;
	OVSREC_BRIDGE_FOR_EACH (br, h->idl) {
		if (!ret)
			ret = push(&v, &n, &cap, br->name);
		for (i = 0; !ret && i < br->n_ports; i++)
			if (is_fake(br->ports[i]))
				ret = push(&v, &n, &cap, br->ports[i]->name);
	}
	if (ret < 0) {
		ret = xkovs_fail(h, ret, "out of memory");
		goto out;
	}
	qsort(v, n, sizeof *v, cmp_str);
	*names = v;
	v = NULL;
	ret = 0;
out:
	xkovs_names_free(v);
	xkovs_call_end(&c);
	return ret;
}
