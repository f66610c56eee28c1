/* nic-wire: the sudo wire format of base/nic.h, both directions, each
 * formatter beside its parser. */
#include "base/nic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


int nic_wire_format(const struct nic *n, char **out)
{
	struct strv tok = STRV_INIT;
	int ret = strv_push(&tok, n->bridge);

	if (ret == 0 && n->mac)
		ret = strv_pushf(&tok, "mac=%s", n->mac);
	if (ret == 0 && n->mtu)
		ret = strv_pushf(&tok, "mtu=%u", n->mtu);
	if (ret == 0 && n->queues)
		ret = strv_pushf(&tok, "queues=%u", n->queues);
	if (ret == 0 && n->vhost_user)
		ret = n->vhost_sock ? strv_pushf(&tok, NIC_VHOST_USER "=%s", n->vhost_sock)
				    : strv_push(&tok, NIC_VHOST_USER);
	for (size_t i = 0; ret == 0 && i < n->ovs.n; i++)
		ret = strv_pushf(&tok, "ovs-%s", n->ovs.v[i]);
	if (ret == 0) {
		*out = strv_join(&tok, ",");
		ret = *out ? 0 : -ENOMEM;
	}
	strv_release(&tok);
	return ret;
}

int nic_wire_parse(const char *arg, unsigned index, struct nic *n, char **err)
{
	return nic_parse(arg, index, "virtio-net-pci", true, n, err);
}

int nic_wire_reply(const struct nic *n, bool with_datapath, char **out)
{
	int r;

	if (n->kind == NIC_USER)
		r = asprintf(out, "skip");
	else if (with_datapath && n->kind == NIC_OVS)
		r = asprintf(out, "%s:ovs:%s", n->tap, n->netdev_dp ? "netdev" : "system");
	else
		r = asprintf(out, "%s:%s", n->tap, nic_kind_name(n->kind));
	if (r < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int nic_wire_parse_reply(const char *line, struct nic *n)
{
	const char *type = strchr(line, ':'), *dp;
	size_t len;

	if (!strcmp(line, "skip")) {
		n->kind = NIC_USER;
		return 0;
	}
	if (!type)
		return -EPROTO;
	len = (size_t)(type - line);
	type++;
	dp = strchr(type, ':');
	if (len == 0 || len >= sizeof(n->tap))
		return -EPROTO;
	if (!strcmp(type, "brctl")) {
		n->kind = NIC_BRCTL;
		n->netdev_dp = false;
	} else if (!strncmp(type, "ovs", 3) && (!type[3] || (dp && dp == type + 3 &&
			(!strcmp(dp + 1, "netdev") || !strcmp(dp + 1, "system"))))) {
		n->kind = NIC_OVS;
		n->netdev_dp = dp && !strcmp(dp + 1, "netdev");
	} else {
		return -EPROTO;
	}
	memcpy(n->tap, line, len);
	n->tap[len] = '\0';
	return 0;
}
