/* tap-control's Open vSwitch modes (ovs-cleanup) and the listing. */
#include "tapctl-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ovsports.h"
#include "owner.h"
#include "xknl.h"
#include "xkovs.h"
#include "xkvm.h"

#define DEFAULT_TIMEOUT_MS 5000

/* Connects to the database (see ovsports_open()). */
static int open_db(const struct tapctl_opts *o, bool need, struct xkovs **out)
{
	return ovsports_open(o->ovsdb, o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS,
			     need, out);
}

int tapctl_ovs_cleanup(const char *const *items, size_t n, const struct tapctl_opts *o)
{
	struct xkovs *h = NULL;
	struct xkovs_owned *owned = NULL;
	struct xkovs_port *mine = NULL, *other = NULL;
	char **bridges = NULL;
	size_t n_owned = 0, n_mine = 0, n_other = 0;
	uid_t uid;
	int ret = -ENOMEM, r;

	if (owner_invoking_uid(&uid) < 0) {
		xkvm_error("invalid SUDO_UID '%s'", getenv("SUDO_UID"));
		return -EINVAL;
	}
	mine = calloc(n, sizeof(*mine));
	other = calloc(n, sizeof(*other));
	bridges = calloc(n, sizeof(*bridges));
	if (!mine || !other || !bridges)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		/* The reference's split: bridge=${item%:*}, port=${item#*:} */
		const char *last = strrchr(items[i], ':');

		if (!last || last == items[i] || !strchr(items[i], ':')[1]) {
			xkvm_error("invalid '%s': want BRIDGE:PORT", items[i]);
			ret = -EINVAL;
			goto out;
		}
		bridges[i] = strndup(items[i], (size_t)(last - items[i]));
		if (!bridges[i])
			goto nomem;
	}
	ret = open_db(o, true, &h);
	if (ret < 0)
		goto out;
	ret = xkovs_list_owned(h, &owned, &n_owned);
	if (ret < 0) {
		xkvm_error("cannot read the Open vSwitch database: %s", xkovs_error(h));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *port = strchr(items[i], ':') + 1;
		struct xkovs_port p = XKOVS_PORT_INIT;
		bool ours = false;

		for (size_t j = 0; j < n_owned; j++) {
			struct owner ow;

			if (strcmp(owned[j].port, port))
				continue;
			ours = owner_parse(owned[j].owner, &ow) == 0 && ow.uid == uid;
		}
		p.bridge = bridges[i];
		p.name = port;
		if (ours || o->force)
			mine[n_mine++] = p;
		else
			other[n_other++] = p;
	}
	ret = 0;
	if (n_mine) {
		r = xkovs_del_ports(h, mine, n_mine, NULL, XKOVS_FORCE);
		if (r == -EINVAL) {	/* "refusing to remove 'p' (on bridge ...)" */
			xkvm_error("%s", xkovs_error(h));
			ret = r;
		} else if (r < 0) {
			xkvm_error("cannot remove Open vSwitch ports: %s", xkovs_error(h));
			ret = r;
		}
	}
	if (n_other) {
		/* An owner no port has: every existing one is refused, listed. */
		r = xkovs_del_ports(h, other, n_other, "", 0);
		if (r == -EPERM) {
			xkvm_error("%s: not made by xkvm for uid %u (use --force)",
				   xkovs_error(h), (unsigned)uid);
			ret = r;
		} else if (r == -EINVAL) {
			xkvm_error("%s", xkovs_error(h));
			ret = r;
		} else if (r < 0) {
			xkvm_error("cannot remove Open vSwitch ports: %s", xkovs_error(h));
			ret = r;
		}
	}
	goto out;
nomem:
	xkvm_error("out of memory");
out:
	for (size_t i = 0; bridges && i < n; i++)
		free(bridges[i]);
	free(bridges);
	free(mine);
	free(other);
	xkovs_owned_free(owned, n_owned);
	xkovs_free(h);
	return ret;
}

static void json_owner(const char *tag)
{
	struct owner o;

	if (owner_parse(tag, &o) < 0) {
		printf("\"owner\":null");
		return;
	}
	printf("\"owner_pid\":%d,\"uid\":%u,\"alive\":%s", (int)o.pid, (unsigned)o.uid,
	       owner_alive(&o) == 1 ? "true" : "false");
}

static int print_tap(const struct xknl_link *l, void *arg)
{
	struct owner o;

	(void)arg;
	if (strcmp(l->kind, "tun") || owner_parse(l->alias, &o) < 0)
		return 0;
	printf("{\"kind\":\"tap\",\"name\":");
	json_put_str(stdout, l->name);
	printf(",\"master_ifindex\":%d,\"up\":%s,\"group\":%u,", l->master,
	       l->up ? "true" : "false", (unsigned)l->group);
	json_owner(l->alias);
	printf("}\n");
	return 0;
}

int tapctl_list(const struct tapctl_opts *o)
{
	struct xknl *nl = NULL;
	struct xkovs *h = NULL;
	struct xkovs_owned *owned = NULL;
	size_t n_owned = 0;
	int ret;

	ret = xknl_open(&nl);
	if (ret < 0) {
		xkvm_error("cannot open an rtnetlink socket: %s", strerror(-ret));
		goto out;
	}
	ret = xknl_link_foreach(nl, print_tap, NULL);
	if (ret < 0) {
		xkvm_error("cannot list links: %s", strerror(-ret));
		goto out;
	}
	ret = open_db(o, false, &h);
	if (ret < 0 || !h)
		goto out;	/* printed, or no Open vSwitch here */
	ret = xkovs_list_owned(h, &owned, &n_owned);
	if (ret < 0) {
		xkvm_error("cannot read the Open vSwitch database: %s", xkovs_error(h));
		goto out;
	}
	for (size_t i = 0; i < n_owned; i++) {
		printf("{\"kind\":\"ovs-port\",\"name\":");
		json_put_str(stdout, owned[i].port);
		printf(",\"bridge\":");
		json_put_str(stdout, owned[i].bridge);
		printf(",\"iface_id\":");
		if (owned[i].iface_id)
			json_put_str(stdout, owned[i].iface_id);
		else
			printf("null");
		printf(",\"ovn_installed\":%s,", owned[i].ovn_installed ? "true" : "false");
		json_owner(owned[i].owner);
		printf("}\n");
	}
out:
	xkovs_owned_free(owned, n_owned);
	xkovs_free(h);
	xknl_close(nl);
	return ret;
}
