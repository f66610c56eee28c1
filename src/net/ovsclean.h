/* ovsclean: `tap-control ovs-cleanup BRIDGE:PORT...`, the removal of the
 * OVS ports a launch made, by name. */
#ifndef XKVM_NET_OVSCLEAN_H
#define XKVM_NET_OVSCLEAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Removes, in one transaction, the ports named by items[0..n) ("BRIDGE:PORT",
 * split at the last ':' as the reference does) that carry an xkvm owner tag
 * of 'uid'; every other existing port is refused (printed) unless 'force'.
 * Ports that do not exist are fine.  The database is 'ovsdb' (NULL: the
 * default remote), each wait bounded by 'timeout_ms'.  Returns 0, or -errno
 * after printing. */
int ovs_cleanup(const char *const *items, size_t n, uid_t uid, bool force, const char *ovsdb,
		int timeout_ms);

#endif
