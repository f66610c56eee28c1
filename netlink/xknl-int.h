/* xknl-int.h: what the files of netlink/ share behind xknl.h.  Private to
 * netlink/. */
#ifndef XKVM_XKNL_INT_H
#define XKVM_XKNL_INT_H

#include <netlink/socket.h>

#include "xknl.h"

struct xknl {
	struct nl_sock *sk;
	int last_nle;	/* libnl's code for the last failure, 0 after success */
	int kernel_err;	/* the kernel's -errno for the last request, 0 if none */
};

/* Forgets the last failure before a new request. */
void xknl_int_begin(struct xknl *nl);

/* Records libnl's code 'nle' of a failed request and returns the errno
 * (the kernel's own when it sent one). */
int xknl_int_fail(struct xknl *nl, int nle);

#endif
