/* link.c: links over rtnetlink with libnl-route-3. */
#include "xknl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "xknl-int.h"

/* libnl folds the kernel's errno into NLE_* codes; unfold the ones that
 * tell a caller something. */
static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:				return 0;
	case NLE_INTR:			return -EINTR;
	case NLE_BAD_SOCK:		return -EBADF;
	case NLE_AGAIN:			return -EAGAIN;
	case NLE_NOMEM:			return -ENOMEM;
	case NLE_EXIST:			return -EEXIST;
	case NLE_INVAL:			return -EINVAL;
	case NLE_RANGE:			return -ERANGE;
	case NLE_MSGSIZE:		return -EMSGSIZE;
	case NLE_OPNOTSUPP:		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:		return -ENODEV;
	case NLE_NODEV:			return -ENODEV;
	case NLE_NOADDR:		return -EADDRNOTAVAIL;
	case NLE_BUSY:			return -EBUSY;
	case NLE_NOACCESS:		return -EACCES;
	case NLE_PERM:			return -EPERM;
	case NLE_IMMUTABLE:		return -EPERM;
	case NLE_DUMP_INTR:		return -EINTR;
	case NLE_MSG_TRUNC:		return -EMSGSIZE;
	default:			return -EIO;
	}
}

/* Records libnl's code and returns the errno: the kernel's own when it
 * answered with one (libnl folds those it does not list, e.g. EXFULL or
 * ELOOP, into "Unspecific failure"), else libnl's code unfolded. */
static int fail(struct xknl *nl, int nle)
{
	if (nl->kernel_err < 0)
		return nl->kernel_err;	/* xknl_strerror(): NULL, strerror() says it */
	nl->last_nle = nle < 0 ? -nle : nle;
	return nle_to_errno(nle);
}

/* Forgets the last failure before a new request. */
static void begin(struct xknl *nl)
{
	nl->last_nle = 0;
	nl->kernel_err = 0;
}

int xknl_int_fail(struct xknl *nl, int nle)
{
	return fail(nl, nle);
}

void xknl_int_begin(struct xknl *nl)
{
	begin(nl);
}

/* libnl's error callback: keeps the kernel's errno, then stops as libnl's
 * default does (the request fails with the folded NLE_* code). */
static int on_kernel_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct xknl *nl = arg;

	(void)who;
	if (e->error < 0)
		nl->kernel_err = e->error;
	return NL_STOP;
}

int xknl_open(struct xknl **out)
{
	struct xknl *nl = NULL;
	int ret = -ENOMEM, err;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		goto out;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		goto out;
	errno = 0;
	err = nl_connect(nl->sk, NETLINK_ROUTE);
	if (err < 0) {
		/* libnl folds socket()'s EMFILE and ENFILE into "Unspecific
		 * failure" (-EIO here); its errno tells. */
		ret = errno == EMFILE || errno == ENFILE ? -errno : nle_to_errno(err);
		goto out;
	}
	err = nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, on_kernel_error, nl);
	if (err < 0) {
		ret = nle_to_errno(err);
		goto out;
	}
	*out = nl;
	nl = NULL;
	ret = 0;
out:
	xknl_close(nl);
	return ret;
}

void xknl_close(struct xknl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);	/* closes the socket too */
	free(nl);
}

const char *xknl_strerror(const struct xknl *nl)
{
	return nl && nl->last_nle ? nl_geterror(nl->last_nle) : NULL;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void fill_link(struct rtnl_link *l, struct xknl_link *out)
{
	memset(out, 0, sizeof(*out));
	out->ifindex = rtnl_link_get_ifindex(l);
	copy_str(out->name, sizeof(out->name), rtnl_link_get_name(l));
	copy_str(out->kind, sizeof(out->kind), rtnl_link_get_type(l));
	copy_str(out->alias, sizeof(out->alias), rtnl_link_get_ifalias(l));
	out->mtu = rtnl_link_get_mtu(l);
	out->group = rtnl_link_get_group(l);
	out->master = rtnl_link_get_master(l);
	out->up = !!(rtnl_link_get_flags(l) & IFF_UP);
	out->carrier = rtnl_link_get_carrier(l) != 0;
	out->rx_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
	out->tx_packets = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
	out->rx_bytes = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
	out->tx_bytes = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
}

int xknl_link_get(struct xknl *nl, const char *name, struct xknl_link *out)
{
	struct rtnl_link *l = NULL;
	int ret, err;

	begin(nl);
	if (!name || !*name)
		return -EINVAL;
	if (strlen(name) >= XKNL_IFNAMSIZ)
		return -ENAMETOOLONG;
	err = rtnl_link_get_kernel(nl->sk, 0, name, &l);
	if (err < 0) {
		ret = fail(nl, err);
		goto out;
	}
	fill_link(l, out);
	ret = 0;
out:
	if (l)
		rtnl_link_put(l);
	return ret;
}

/* The links of one dump, as they came. */
struct dump {
	struct xknl_link *v;
	size_t n, alloc;
	int err;		/* -ENOMEM */
	bool interrupted;	/* a message bore NLM_F_DUMP_INTR */
};

/* NL_CB_DUMP_INTR: noted here, so that libnl does not turn a real error of
 * the same dump into -NLE_DUMP_INTR; the message is still read. */
static int on_interrupted(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct dump *)arg)->interrupted = true;
	return NL_OK;
}

static void copy_attr(char *dst, size_t size, const struct nlattr *a)
{
	if (a)
		nla_strlcpy(dst, a, size);
}

/* NL_CB_VALID: one RTM_NEWLINK of the dump into d->v; only what struct
 * xknl_link holds is parsed (no libnl object, no cache). */
static int on_link(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct dump *d = arg;
	struct ifinfomsg *ifi;
	struct xknl_link *l;

	if (h->nlmsg_type != RTM_NEWLINK || d->err ||
	    nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return NL_SKIP;
	if (d->n == d->alloc) {
		size_t alloc = d->alloc ? 2 * d->alloc : 64;
		struct xknl_link *v = realloc(d->v, alloc * sizeof(*v));

		if (!v) {
			d->err = -ENOMEM;	/* drain the rest */
			return NL_SKIP;
		}
		d->v = v;
		d->alloc = alloc;
	}
	ifi = nlmsg_data(h);
	l = &d->v[d->n++];
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->up = !!(ifi->ifi_flags & IFF_UP);
	copy_attr(l->name, sizeof(l->name), tb[IFLA_IFNAME]);
	copy_attr(l->alias, sizeof(l->alias), tb[IFLA_IFALIAS]);
	if (tb[IFLA_MTU])
		l->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_GROUP])
		l->group = nla_get_u32(tb[IFLA_GROUP]);
	if (tb[IFLA_MASTER])
		l->master = (int)nla_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_CARRIER])
		l->carrier = nla_get_u8(tb[IFLA_CARRIER]) != 0;
	if (tb[IFLA_LINKINFO] &&
	    nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) == 0)
		copy_attr(l->kind, sizeof(l->kind), info[IFLA_INFO_KIND]);
	return NL_OK;
}

/* One RTM_GETLINK dump into *d, without the counters (the kernel skips
 * them: RTEXT_FILTER_SKIP_STATS).  Returns 0, -EINTR when the kernel
 * flagged it interrupted by a concurrent change (*d holds what came), or
 * -errno. */
static int dump_links(struct xknl *nl, struct dump *d)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_DUMP);
	struct nl_cb *cb = NULL;
	int err;

	d->n = 0;
	d->interrupted = false;
	if (!msg)
		return -ENOMEM;
	err = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (err == 0)
		err = nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (err == 0) {
		struct nl_cb *sock_cb = nl_socket_get_cb(nl->sk);	/* a reference */

		cb = nl_cb_clone(sock_cb);	/* the error callback too */
		nl_cb_put(sock_cb);
		err = cb ? nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_link, d) : -NLE_NOMEM;
		if (err == 0)
			err = nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_interrupted, d);
	}
	if (err == 0)
		err = nl_send_auto(nl->sk, msg);
	if (err >= 0)
		err = nl_recvmsgs(nl->sk, cb);
	nlmsg_free(msg);
	nl_cb_put(cb);
	if (err < 0)
		return fail(nl, err);
	if (d->err)
		return d->err;
	return d->interrupted ? -EINTR : 0;
}

int xknl_link_foreach(struct xknl *nl, unsigned flags,
		      int (*fn)(const struct xknl_link *link, void *arg), void *arg)
{
	struct dump d = { NULL, 0, 0, 0, false };
	int ret;

	begin(nl);
	/* A link added or removed during the dump (other xkvm processes at
	 * work) makes the kernel flag it interrupted: what came is still
	 * each link as it was, but some may be missing; dump again when the
	 * caller needs them all. */
	for (int tries = 0; tries < XKNL_DUMP_TRIES; tries++) {
		ret = dump_links(nl, &d);
		if (ret != -EINTR || !(flags & XKNL_DUMP_CONSISTENT))
			break;
	}
	if (ret == -EINTR && !(flags & XKNL_DUMP_CONSISTENT))
		ret = 0;
	for (size_t i = 0; ret == 0 && i < d.n; i++)
		ret = fn(&d.v[i], arg);
	free(d.v);
	return ret;
}

int xknl_link_change(struct xknl *nl, const struct xknl_change *c)
{
	struct rtnl_link *orig = NULL, *chg = NULL;
	int ret = -ENOMEM, err;

	begin(nl);
	if (c->ifindex <= 0 || (c->alias && strlen(c->alias) >= XKNL_ALIASSIZ))
		return -EINVAL;
	orig = rtnl_link_alloc();
	chg = rtnl_link_alloc();
	if (!orig || !chg)
		goto out;
	rtnl_link_set_ifindex(orig, c->ifindex);
	if (c->mtu)
		rtnl_link_set_mtu(chg, c->mtu);
	if (c->master)
		rtnl_link_set_master(chg, c->master);
	else if (c->nomaster)
		rtnl_link_set_master(chg, 0);
	if (c->up)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (c->down)
		rtnl_link_unset_flags(chg, IFF_UP);
	if (c->alias)
		rtnl_link_set_ifalias(chg, c->alias);
	if (c->set_group)
		rtnl_link_set_group(chg, c->group);
	err = rtnl_link_change(nl->sk, orig, chg, 0);
	ret = err < 0 ? fail(nl, err) : 0;
out:
	if (chg)
		rtnl_link_put(chg);
	if (orig)
		rtnl_link_put(orig);
	return ret;
}

int xknl_link_del(struct xknl *nl, int ifindex, const char *name)
{
	struct rtnl_link *l = NULL;
	int ret = -ENOMEM, err;

	begin(nl);
	if (ifindex <= 0 && (!name || !*name || strlen(name) >= XKNL_IFNAMSIZ))
		return -EINVAL;
	l = rtnl_link_alloc();
	if (!l)
		goto out;
	if (ifindex > 0)
		rtnl_link_set_ifindex(l, ifindex);
	else
		rtnl_link_set_name(l, name);
	err = rtnl_link_delete(nl->sk, l);
	ret = err < 0 ? fail(nl, err) : 0;
out:
	if (l)
		rtnl_link_put(l);
	return ret;
}

/* libnl has no group delete: the kernel deletes every link of IFLA_GROUP
 * when the request names neither an index nor a name. */
int xknl_group_del(struct xknl *nl, uint32_t group)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg = NULL;
	int ret = -ENOMEM, err;

	begin(nl);
	if (group == 0)
		return -EINVAL;	/* the default group: everything */
	msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
	if (!msg)
		goto out;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, IFLA_GROUP, group) < 0) {
		ret = -EMSGSIZE;
		goto out;
	}
	err = nl_send_sync(nl->sk, msg);	/* frees msg */
	msg = NULL;
	ret = err < 0 ? fail(nl, err) : 0;
out:
	nlmsg_free(msg);
	return ret;
}
