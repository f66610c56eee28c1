/* qdisc.c: a netem qdisc on a link (runtime control's impairments). */
#include "xknl-int.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#define NETEM_LIMIT 1000	/* packets queued, tc's default */

int xknl_netem_set(struct xknl *nl, int ifindex, const struct xknl_netem *e)
{
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
		.tcm_handle = 0, .tcm_parent = TC_H_ROOT,
	};
	struct tc_netem_qopt q = { .limit = NETEM_LIMIT };
	struct nl_msg *msg = NULL;
	struct nlattr *opts;
	int ret = -ENOMEM, err;

	xknl_int_begin(nl);
	if (ifindex <= 0 || e->loss_pct < 0 || e->loss_pct > 100 ||
	    e->delay_us > INT64_MAX / 1000 || e->jitter_us > INT64_MAX / 1000)
		return -EINVAL;
	q.loss = (uint32_t)(e->loss_pct / 100.0 * UINT32_MAX);
	msg = nlmsg_alloc_simple(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE);
	if (!msg)
		goto out;
	ret = -EMSGSIZE;
	if (nlmsg_append(msg, &tcm, sizeof(tcm), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, TCA_KIND, "netem") < 0)
		goto out;
	/* netem's options: the struct first, then attributes (not a plain
	 * nest; the kernel reads them after the struct). */
	opts = nla_nest_start(msg, TCA_OPTIONS);
	if (!opts || nlmsg_append(msg, &q, sizeof(q), NLMSG_ALIGNTO) < 0 ||
	    nla_put_s64(msg, TCA_NETEM_LATENCY64, (int64_t)(e->delay_us * 1000)) < 0 ||
	    nla_put_s64(msg, TCA_NETEM_JITTER64, (int64_t)(e->jitter_us * 1000)) < 0)
		goto out;
	if (e->rate_kbit) {
		struct tc_netem_rate r = { 0 };
		uint64_t bytes = e->rate_kbit * 1000 / 8;

		r.rate = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
		if (nla_put(msg, TCA_NETEM_RATE, sizeof(r), &r) < 0 ||
		    (bytes >= UINT32_MAX && nla_put_u64(msg, TCA_NETEM_RATE64, bytes) < 0))
			goto out;
	}
	nla_nest_end(msg, opts);
	err = nl_send_sync(nl->sk, msg);	/* frees msg */
	msg = NULL;
	ret = err < 0 ? xknl_int_fail(nl, err) : 0;
out:
	nlmsg_free(msg);
	return ret;
}

int xknl_netem_del(struct xknl *nl, int ifindex)
{
	struct tcmsg tcm = {
		.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = TC_H_ROOT,
	};
	struct nl_msg *msg;
	int err;

	xknl_int_begin(nl);
	if (ifindex <= 0)
		return -EINVAL;
	msg = nlmsg_alloc_simple(RTM_DELQDISC, 0);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &tcm, sizeof(tcm), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = nl_send_sync(nl->sk, msg);	/* frees msg */
	if (err < 0) {
		err = xknl_int_fail(nl, err);
		/* no root qdisc of ours: the default one is there */
		return err == -ENOENT || err == -EINVAL ? 0 : err;
	}
	return 0;
}
