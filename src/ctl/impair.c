/* impair.c: what runtime control does to a NIC's host side without the
 * guest noticing anything but the network: netem impairments on the tap
 * and `nic move` to another bridge or VLAN. */
#include "ctl/server-int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/nics.h"
#include "net/tapstate.h"
#include "plan/netspec.h"

#define NETEM_MAX_MS 3600000ull		/* an hour */
#define NETEM_MAX_KBIT 100000000ull	/* 100 Gbit/s */

static int parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

/* One "KEY=VALUE" of a netem spec into 'e'. */
static int netem_token(const char *tok, struct tapstate_netem *e, struct reply *rep)
{
	const char *v = strchr(tok, '=');
	char *end;

	if (!v)
		return ctl_rfail(rep, -EINVAL, "netem: '%s' is not KEY=VALUE", tok);
	v++;
	if (!strncmp(tok, "delay=", 6)) {
		if (parse_u64(v, NETEM_MAX_MS, &e->delay_ms) < 0)
			return ctl_rfail(rep, -EINVAL, "netem: bad delay '%s' (milliseconds)", v);
	} else if (!strncmp(tok, "jitter=", 7)) {
		if (parse_u64(v, NETEM_MAX_MS, &e->jitter_ms) < 0)
			return ctl_rfail(rep, -EINVAL, "netem: bad jitter '%s' (milliseconds)", v);
	} else if (!strncmp(tok, "rate=", 5)) {
		if (parse_u64(v, NETEM_MAX_KBIT, &e->rate_kbit) < 0)
			return ctl_rfail(rep, -EINVAL, "netem: bad rate '%s' (kbit/s)", v);
	} else if (!strncmp(tok, "loss=", 5)) {
		errno = 0;
		e->loss_pct = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(e->loss_pct) || e->loss_pct < 0 ||
		    e->loss_pct > 100 || *v < '0' || *v > '9')
			return ctl_rfail(rep, -EINVAL, "netem: bad loss '%s' (percent, 0 to 100)", v);
	} else {
		return ctl_rfail(rep, -EINVAL, "netem: unknown '%.*s' (delay, jitter, loss, rate)",
				 (int)(v - tok - 1), tok);
	}
	return 0;
}

int ctl_cmd_netem(struct ctl_server *s, struct client *c, int argc, char **argv,
		  struct reply *rep)
{
	struct tapstate_netem e = { 0 };
	struct ctl_nic_state *st;
	bool off = false;
	char why[256];
	struct nic *n;
	int ret;

	(void)c;
	n = ctl_find_nic(s, argv[1], rep);
	if (!n)
		return -ENODEV;
	st = &s->st[n - NICS(s)];
	for (int i = 2; i < argc; i++) {
		char *copy = strdup(argv[i]), *save = NULL;

		if (!copy)
			return ctl_rfail(rep, -ENOMEM, "out of memory");
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (!strcmp(t, "off") && argc == 3) {
				off = true;
				continue;
			}
			ret = netem_token(t, &e, rep);
			if (ret < 0) {
				free(copy);
				return ret;
			}
		}
		free(copy);
	}
	if (!n->tap[0])
		return ctl_rfail(rep, -EINVAL, "netem: %s has no tap (user networking)", argv[1]);
	if (!nics_privileged())
		return ctl_rfail(rep, -EPERM, "netem needs CAP_NET_ADMIN: this launch runs "
				 "without it");
	if (e.jitter_ms && !e.delay_ms)
		return ctl_rfail(rep, -EINVAL, "netem: jitter needs a delay");
	ret = tapstate_netem(n->tap, off ? NULL : &e, why, sizeof(why));
	if (ret < 0)
		return ctl_rfail(rep, ret, "cannot %s netem on '%s': %s", off ? "remove" : "set",
				 n->tap, ret == -ENOENT ? "the kernel has no netem (sch_netem)" : why);
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
	if (!n->tap[0])
		return ctl_rfail(rep, -EINVAL, "nic move: %s has no tap (user networking)", what);
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
		ctl_rfail(rep, ret, "nic move needs CAP_NET_ADMIN: this launch runs without it");
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
	if (ret < 0)
		return ctl_rfail(rep, ret, "cannot mirror %s (the launch's stderr says why)", argv[1]);
	fprintf(rep->f, "%s\n", port);	/* where the copies go */
	return 0;
}
