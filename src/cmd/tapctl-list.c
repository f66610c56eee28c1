/* tap-control list: what xkvm made, one JSON object a line. */
#include "cmd/tapctl-int.h"

#include <stdio.h>

#include "base/json.h"
#include "net/inventory.h"
#include "net/owner.h"

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

static void print_item(const struct inventory_item *it, void *arg)
{
	(void)arg;
	if (it->kind == INVENTORY_TAP) {
		printf("{\"kind\":\"tap\",\"name\":");
		json_put_str(stdout, it->name);
		printf(",\"master_ifindex\":%d,\"up\":%s,\"group\":%u,", it->master_ifindex,
		       it->up ? "true" : "false", (unsigned)it->group);
	} else {
		printf("{\"kind\":\"ovs-port\",\"name\":");
		json_put_str(stdout, it->name);
		printf(",\"bridge\":");
		json_put_str(stdout, it->bridge);
		printf(",\"iface_id\":");
		if (it->iface_id)
			json_put_str(stdout, it->iface_id);
		else
			printf("null");
		printf(",\"ofport\":");
		if (it->ofport >= 0)
			printf("%lld", it->ofport);
		else
			printf("null");
		printf(",\"ovn_installed\":%s,", it->ovn_installed ? "true" : "false");
	}
	json_owner(it->owner);
	if (it->vhost_socket) {
		printf(",\"vhost_socket\":");
		json_put_str(stdout, it->vhost_socket);
	}
	printf("}\n");
}

int tapctl_list(const struct tapctl_opts *o)
{
	return inventory_walk(o->ovs.ovsdb, o->ovs.ovs_timeout_ms, print_item, NULL);
}
