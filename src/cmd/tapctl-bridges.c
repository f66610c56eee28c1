/* tap-control bridges: every bridge a NIC can go on, one JSON object a line,
 * for people and for the shell completion (net/inventory.c finds them). */
#include "cmd/tapctl-int.h"

#include <getopt.h>
#include <stdio.h>

#include "base/json.h"
#include "base/xkvm.h"
#include "net/inventory.h"

static void print_bridge(const struct inventory_bridge *b, void *arg)
{
	(void)arg;
	printf("{\"kind\":\"%s\",\"name\":", b->kind);
	json_put_str(stdout, b->name);
	if (b->datapath) {
		if (b->vlan >= 0) {
			printf(",\"parent\":");
			json_put_str(stdout, b->parent);
			printf(",\"vlan\":%d", b->vlan);
		}
		printf(",\"datapath\":");
		json_put_str(stdout, b->datapath);
	} else {
		printf(",\"up\":%s,\"mtu\":%u", b->up ? "true" : "false", b->mtu);
	}
	printf("}\n");
}

int tapctl_cmd_bridges(int argc, char **argv, const struct tapctl_opts *o)
{
	if (optind < argc) {
		xkvm_error("bridges takes no arguments ('%s')", argv[optind]);
		return XKVM_EXIT_USAGE;
	}
	if (inventory_bridges(o->ovs.ovsdb, o->ovs.ovs_timeout_ms, print_bridge, NULL) < 0)
		return XKVM_EXIT_FAILURE;
	return xkvm_flush_stdout() < 0 ? XKVM_EXIT_FAILURE : 0;
}
