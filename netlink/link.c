/* link.c: links over rtnetlink with libnl-route-3. */
#include "xknl.h"

#include <errno.h>
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

int xknl_link_foreach(struct xknl *nl,
		      int (*fn)(const struct xknl_link *link, void *arg), void *arg)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	struct xknl_link link;
	int ret, err;

	begin(nl);
	/* A link added or removed during the dump (other xkvm processes at
	 * work) makes the kernel flag it inconsistent: dump again. */
	for (int tries = 0; tries < 16; tries++) {
		err = rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &cache);
		if (err != -NLE_DUMP_INTR)
			break;
		cache = NULL;
	}
	if (err < 0) {
		ret = fail(nl, err);
		goto out;
	}
	ret = 0;
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		fill_link((struct rtnl_link *)obj, &link);
		ret = fn(&link, arg);
		if (ret)
			break;
	}
out:
	if (cache)
		nl_cache_free(cache);
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
