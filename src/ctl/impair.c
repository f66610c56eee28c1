/* impair.c: what runtime control does to a NIC's host side without the
 * guest noticing anything but the network: netem impairments on the tap
 * and `nic move` to another bridge or VLAN. */
#include "ctl/server-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strv.h"
#include "net/nics.h"
#include "net/tapstate.h"
#include "plan/netspec.h"

int ctl_cmd_netem(struct ctl_server *s, struct client *c, int argc, char **argv,
		  struct reply *rep)
{
	struct tapstate_netem e;
	struct ctl_nic_state *st;
	struct strv words = STRV_INIT;
	char why[512] = "", *spec;
	bool off;
	struct nic *n;
	int ret;

	(void)c;
	n = ctl_find_nic(s, argv[1], rep);
	if (!n)
		return -ENODEV;
	st = &s->st[n - NICS(s)];
	for (int i = 2; i < argc; i++)
		if (strv_push(&words, argv[i]) < 0) {
			strv_release(&words);
			return ctl_rfail(rep, -ENOMEM, "out of memory");
		}
	spec = strv_join(&words, ",");	/* "delay=200 loss=1" as "delay=200,loss=1" */
	strv_release(&words);
	if (!spec)
		return ctl_rfail(rep, -ENOMEM, "out of memory");
	ret = tapstate_netem_parse(spec, &e, &off, why, sizeof(why));
	free(spec);
	if (ret < 0)
		return ctl_rfail(rep, ret, "%s", ret == -ENOMEM ? "out of memory" : why);
	if (!n->tap[0] || n->vhost_user)
		return ctl_rfail(rep, -EINVAL, "netem: %s has no tap (%s)", argv[1],
				 n->tap[0] ? "vhost-user" : "user networking");
	ret = s->l.net ? nics_netem(s->l.net, n->tap, 0, off ? NULL : &e, why, sizeof(why)) : -ENODEV;
	if (ret < 0)
		return ctl_rfail(rep, ret, "%s", why);
	if (off)
		st->netem[0] = '\0';
	else
		snprintf(st->netem, sizeof(st->netem),
			 "{\"delay_ms\":%llu,\"jitter_ms\":%llu,\"loss_pct\":%g,\"rate_kbit\":%llu}",
			 (unsigned long long)e.delay_ms, (unsigned long long)e.jitter_ms,
			 e.loss_pct, (unsigned long long)e.rate_kbit);
	return 0;
}

int ctl_nic_move(struct ctl_server *s, const char *what, const char *spec, struct reply *rep)
{
	struct nic to, *n;
	char *err = NULL;
	struct strv ovs;
	int ret;

	n = ctl_find_nic(s, what, rep);
	if (!n)
		return -ENODEV;
	if (!n->tap[0] || n->vhost_user)
		return ctl_rfail(rep, -EINVAL, "nic move: %s has no tap (%s)", what,
				 n->tap[0] ? "vhost-user" : "user networking");
	ret = netspec_parse(spec, n->index, s->l.def_model, &to, &err);
	if (ret < 0) {
		ctl_rfail(rep, ret, "%s", err ? err : "out of memory");
		free(err);
		return ret;
	}
	if (to.tokens.n || to.mac || to.kind == NIC_USER) {
		ret = ctl_rfail(rep, -EINVAL, "nic move: only the bridge and ovs-* options can "
				"change, in '%s'", spec);
		goto out;
	}
	ret = s->l.net ? nics_move(s->l.net, n, &to) : -ENODEV;
	if (ret == -EPERM) {
		ctl_rfail(rep, ret, "nic move: this launch has no tap made through sudo");
		goto out;
	}
	if (ret < 0) {
		ctl_rfail(rep, ret, "cannot move %s to '%s' (the launch's stderr says why)",
			  what, to.bridge);
		goto out;
	}
	/* The record follows the tap: its bridge, kind and OVS options. */
	{
		char *b = n->bridge;

		n->bridge = to.bridge;
		to.bridge = b;
	}
	ovs = n->ovs;
	n->ovs = to.ovs;
	to.ovs = ovs;
	n->kind = to.kind;
	n->netdev_dp = to.netdev_dp;
out:
	nic_release(&to);
	return ret;
}

int ctl_cmd_mirror(struct ctl_server *s, struct client *c, int argc, char **argv,
		   struct reply *rep)
{
	struct nic *src, *out = NULL;
	char port[NIC_TAPSIZ] = "";
	int ret;

	(void)c;
	src = ctl_find_nic(s, argv[1], rep);
	if (!src)
		return -ENODEV;
	if (argc == 3 && !strcmp(argv[2], "off")) {
		ret = s->l.net ? nics_mirror(s->l.net, src, NULL, true, port) : -ENOENT;
		if (ret == -ENOENT)
			return ctl_rfail(rep, ret, "mirror: %s has no mirror", argv[1]);
		return ret < 0 ? ctl_rfail(rep, ret, "cannot remove the mirror of %s (the "
					   "launch's stderr says why)", argv[1]) : 0;
	}
	if (argc == 4 && !strcmp(argv[2], "--to")) {
		out = ctl_find_nic(s, argv[3], rep);
		if (!out)
			return -ENODEV;
	} else if (argc != 2) {
		return ctl_rfail(rep, -EINVAL, "usage: mirror NIC [--to NIC2] | mirror NIC off");
	}
	if (src->kind != NIC_OVS || (out && (out->kind != NIC_OVS || out == src)))
		return ctl_rfail(rep, -EINVAL, out ? "mirror: %s and %s must be two NICs on Open vSwitch"
						   : "mirror: %s is not on Open vSwitch%s",
				 argv[1], out ? argv[3] : "");
	ret = nics_mirror(s->l.net, src, out, false, port);
	if (ret == -EPERM)
		return ctl_rfail(rep, ret, "mirror needs CAP_NET_ADMIN: this launch runs without "
				 "it (capture works through sudo)");
	if (ret < 0)
		return ctl_rfail(rep, ret, "cannot mirror %s (the launch's stderr says why)", argv[1]);
	fprintf(rep->f, "%s\n", port);	/* where the copies go */
	return 0;
}
