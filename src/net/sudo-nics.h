/* sudo-nics: NIC setup for an xkvm without CAP_NET_ADMIN, through
 * `sudo xkvm tap-control make-nics` as the reference does, the matching
 * teardown (`sudo xkvm tap-control ovs-cleanup` and `del-nics`), and the
 * runtime control of such a launch's taps (link, netem, move-nic, capture).
 * The requests and replies use the wire format of base/nic.h.  sudo of
 * xkvm itself is the only program besides qemu that a launch ever runs.
 * Used by net/nics.c, which registers the teardown, and by `xkvm ctl`'s
 * capture (cmd/ctl.c). */
#ifndef XKVM_NET_SUDO_NICS_H
#define XKVM_NET_SUDO_NICS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/nic.h"
#include "net/ovsports.h"

struct sudo_nics;

/* Returns true when this process may create taps and change links itself
 * (CAP_NET_ADMIN in its effective set). */
bool sudo_nics_privileged(void);

/* Stores a new, empty state in *out, with xkvm's own path read now (the
 * file may be replaced while qemu runs).  Returns 0, or prints and returns
 * -errno. */
int sudo_nics_new(struct sudo_nics **out);

/* Runs `sudo SELF tap-control make-nics --owner-pid PID --with-datapath
 * [-v...] [--ovsdb R] --ovs-timeout S --ovn-timeout S [--ovs-no-wait]
 * [--ovn-no-wait] -- SPEC...` ('o', 'verbosity') with one wire SPEC per
 * NIC of nics[0..n), PID being this process, reads the reply and fills each
 * NIC's kind, datapath and tap.  What was made is remembered for
 * sudo_nics_teardown().  Returns 0, or prints and returns -errno
 * (make-nics removed what it made). */
int sudo_nics_make(struct sudo_nics *s, struct nic *nics, size_t n,
		   const struct ovsports_options *o, int verbosity);

/* Runs `sudo SELF tap-control gc [--ovsdb R] --ovs-timeout S` ('o'):
 * through sudo, gc removes only what the invoking user's dead launches
 * left (a SIGKILLed xkvm, say).  What it removed is said with -v; its
 * errors go to stderr.  Returns 0, -EIO when gc failed (it said why), or
 * -errno when sudo could not run. */
int sudo_nics_gc(struct sudo_nics *s, const struct ovsports_options *o);

/* Removes what sudo_nics_make() made (its OVS ports, then its taps) through
 * `sudo xkvm tap-control ovs-cleanup` and `del-nics`, printing a line per
 * failure, and forgets it.  Idempotent. */
void sudo_nics_teardown(struct sudo_nics *s);

/* Runtime control: runs `sudo SELF tap-control MODE -- TAP ARG` (link TAP
 * up|down, netem TAP SPEC|off), collecting what it prints.  Returns 0;
 * -EIO when it failed, with what it said (its first "xkvm: " line, without
 * the prefix) in 'why'; or -errno when sudo could not run ('why' says so). */
int sudo_nics_tap(struct sudo_nics *s, const char *mode, const char *tap, const char *arg,
		  char *why, size_t whysize);

/* Runtime control (nic del): removes the OVS port of 'tap' (`ovs-cleanup
 * BRIDGE:TAP`), then the tap (`del-nics TAP`), made by sudo_nics_make(),
 * and forgets them.  Returns 0, -ENOENT when 'tap' is not listed, -EIO
 * when tap-control failed (it said why on stderr; what stays is still
 * listed), or -errno when sudo could not run. */
int sudo_nics_remove(struct sudo_nics *s, const char *tap);

/* Runtime control (nic move): runs `sudo SELF tap-control move-nic
 * --owner-pid PID [--ovsdb R] --ovs-timeout S -- TAP FROM TO` (the wire
 * specs of 'from', the NIC as it is, and 'to', classified there), reads
 * the reply into to's kind, datapath and tap, and moves the teardown's
 * entry with the tap.  Returns 0; -EIO when move-nic failed (it said why
 * on stderr and put the tap back where it could); or prints and returns
 * -errno. */
int sudo_nics_move(struct sudo_nics *s, const struct nic *from, struct nic *to);

/* `xkvm ctl NAME capture` without CAP_NET_RAW: runs `sudo SELF tap-control
 * capture -- TAP COUNT` with its stdout (the pcap) on 'out_fd' and its
 * stderr on ours.  Returns its exit status, or -errno when it could not
 * run. */
int sudo_nics_capture(struct sudo_nics *s, const char *tap, long count, int out_fd);

/* Frees 's' (tear down first).  Accepts NULL. */
void sudo_nics_free(struct sudo_nics *s);

#endif
