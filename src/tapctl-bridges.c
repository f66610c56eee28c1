/* tap-control bridges: every bridge a NIC can go on, one JSON object a line,
 * for people and for the shell completion.  Linux bridges come from the
 * kernel (links of kind "bridge"), OVS bridges, real and fake VLAN ones,
 * from the Open vSwitch database. */
#include "tapctl-int.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "ovsports.h"
#include "xknl.h"
#include "xkovs.h"
#include "xkvm.h"

static int print_linux(const struct xknl_link *l, void *arg)
{
	(void)arg;
	if (strcmp(l->kind, "bridge"))
		return 0;
	printf("{\"kind\":\"linux\",\"name\":");
	json_put_str(stdout, l->name);
	printf(",\"up\":%s,\"mtu\":%u}\n", l->up ? "true" : "false", l->mtu);
	return 0;
}

/* Prints the OVS bridges of 'h'.  Returns 0, or -errno after printing. */
static int print_ovs(struct xkovs *h)
{
	char **names = NULL;
	int ret;

	ret = xkovs_list_bridges(h, &names);
	if (ret < 0) {
		xkvm_error("cannot read the Open vSwitch database: %s", xkovs_error(h));
		goto out;
	}
	for (size_t i = 0; names[i]; i++) {
		struct xkovs_bridge b = { .vlan = -1 };

		ret = xkovs_bridge_get(h, names[i], &b);
		if (ret == -ENODEV)
			continue;	/* deleted since the list was read */
		if (ret < 0) {
			xkvm_error("cannot look up bridge '%s' in the Open vSwitch database: %s",
				   names[i], xkovs_error(h));
			goto out;
		}
		printf("{\"kind\":\"%s\",\"name\":", b.vlan < 0 ? "ovs" : "ovs-fake");
		json_put_str(stdout, b.name);
		if (b.vlan >= 0) {
			printf(",\"parent\":");
			json_put_str(stdout, b.parent);
			printf(",\"vlan\":%d", b.vlan);
		}
		printf(",\"datapath\":");
		json_put_str(stdout, *b.datapath_type ? b.datapath_type : "system");
		printf("}\n");
		xkovs_bridge_release(&b);
	}
	ret = 0;
out:
	xkovs_names_free(names);
	return ret;
}

int tapctl_cmd_bridges(int argc, char **argv, const struct tapctl_opts *o)
{
	struct xknl *nl = NULL;
	struct xkovs *h = NULL;
	int ret;

	if (optind < argc) {
		xkvm_error("bridges takes no arguments ('%s')", argv[optind]);
		return XKVM_EXIT_USAGE;
	}
	ret = xknl_open(&nl);
	if (ret < 0) {
		xkvm_error("cannot open an rtnetlink socket: %s", strerror(-ret));
		goto out;
	}
	ret = xknl_link_foreach(nl, print_linux, NULL);
	if (ret < 0) {
		xkvm_error("cannot list links: %s", strerror(-ret));
		goto out;
	}
	/* No socket at the default remote: no Open vSwitch here, Linux
	 * bridges only.  An --ovsdb that cannot be read is an error. */
	ret = ovsports_open(o->ovsdb, o->timeout_ms ? o->timeout_ms : XKOVS_DEFAULT_TIMEOUT_MS,
			    false, &h);
	if (ret < 0 || !h)
		goto out;
	ret = print_ovs(h);
out:
	xkovs_free(h);
	xknl_close(nl);
	if (ret < 0)
		return XKVM_EXIT_FAILURE;
	return xkvm_flush_stdout() < 0 ? XKVM_EXIT_FAILURE : 0;
}
