#include "net/ovsclean.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/xkvm.h"
#include "net/ovsports.h"
#include "net/owner.h"
#include "ovsdb/xkovs.h"

int ovs_cleanup(const char *const *items, size_t n, uid_t uid, bool force, const char *ovsdb,
		int timeout_ms)
{
	struct xkovs *h = NULL;
	struct xkovs_owned *owned = NULL;
	struct xkovs_port *mine = NULL, *other = NULL;
	char **bridges = NULL;
	size_t n_owned = 0, n_mine = 0, n_other = 0;
	int ret = -ENOMEM, r;

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
	ret = ovsports_open(ovsdb, timeout_ms, true, &h);
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
		if (ours || force)
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

