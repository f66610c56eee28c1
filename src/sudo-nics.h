/* sudo-nics: NIC setup for an xkvm without CAP_NET_ADMIN, through
 * `sudo xkvm tap-control make-nics` as the reference does, and the
 * matching teardown (`sudo xkvm tap-control ovs-cleanup` and `del-nics`)
 * registered with cleanup.h the moment the taps exist.  sudo of xkvm
 * itself is the only program besides qemu that xkvm ever runs. */
#ifndef XKVM_SUDO_NICS_H
#define XKVM_SUDO_NICS_H

#include <stdbool.h>
#include <stddef.h>

#include "nics.h"

/* Returns true when this process may create taps and change links itself
 * (CAP_NET_ADMIN in its effective set). */
bool sudo_nics_privileged(void);

/* Runs `sudo SELF tap-control make-nics --owner-pid PID --with-datapath
 * [-v...] [--ovsdb R] --ovs-timeout S --ovn-timeout S [--ovs-no-wait]
 * [--ovn-no-wait] SPEC...` (from 'o') where SELF is this
 * program (/proc/self/exe) and each SPEC is the request's bridge with its
 * MAC and ovs-* tokens, and reads the taps it made.  The taps carry this
 * process as their owner.  On success stores a malloc'ed array of 'count'
 * entries in *out (caller frees) and registers their teardown.  Returns 0,
 * or prints and returns -errno (make-nics removed what it made). */
int sudo_nics_make(const struct nics_req *reqs, size_t count, const struct nics_options *o,
		   int verbosity, struct nics_nic **out);

/* Runs `sudo SELF tap-control gc [--ovsdb R] --ovs-timeout S`: through
 * sudo, gc removes only what the invoking user's dead launches left (a
 * SIGKILLed xkvm, say).  What it removed is said with -v; its errors go
 * to stderr.  Returns 0, -EIO when gc failed (it said why), or -errno when
 * sudo could not run. */
int sudo_nics_gc(const char *ovsdb, int ovs_timeout_ms);

#endif
