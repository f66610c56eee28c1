/* nics: one launch's NICs on the host, shared by a launch and by
 * `tap-control make-nics`.  A 'struct nics' classifies each NIC's bridge
 * ("user", Linux bridge, Open vSwitch), creates one tap per bridge NIC and
 * attaches it (an OVS port for OVS bridges), and tears down everything it
 * made; without CAP_NET_ADMIN it does the same through
 * `sudo xkvm tap-control` (net/sudo-nics.h).  It owns the launch's one
 * OVSDB session (net/ovsports.h), which the reaper borrows.
 *
 * Taps enter its list the moment the kernel made them, and become
 * persistent only once they carry the owner tag (net/owner.h) in
 * IFLA_IFALIAS and sit in a netdev group unique to this process (xkvm
 * SIGKILLed before that: the kernel removes them), so whatever a killed
 * xkvm leaves is tagged.  Teardown deletes the group with one request (one
 * RCU grace period) once verified to hold only our taps (net/taps.h).
 *
 * From nics_new() to nics_free() a hook registered with base/cleanup.h
 * tears everything down on exit() and on a terminating signal.
 * This module prints its errors (xkvm_error) and returns -errno. */
#ifndef XKVM_NET_NICS_H
#define XKVM_NET_NICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/nic.h"
#include "base/xkvm.h"
#include "net/ovsports.h"
#include "net/tapstate.h"

/* How to reach Open vSwitch, whom the taps belong to, how verbose. */
struct nics_options {
	struct ovsports_options ovs;
	pid_t owner_pid;	/* the process the tags name; 0: this one */
	int verbosity;		/* -v count, passed on to sudo make-nics */
	/* When set, nics_make() (privileged) calls taps_begin(taps_arg) after
	 * the bridges' lookup, right before making the taps (an error stops
	 * it: no tap is made), and then, once the taps exist, tagged, or
	 * their making failed, taps_end(taps_arg): before the OVS ports and
	 * the wait for ovs-vswitchd.  tap-control counts a user's taps under
	 * a lock between the two. */
	int (*taps_begin)(void *arg);
	void (*taps_end)(void *arg);
	void *taps_arg;
};
#define NICS_OPTIONS_INIT \
	{ { NULL, XKVM_OVS_TIMEOUT_MS, true, true, XKVM_OVN_TIMEOUT_MS, false }, 0, 0, \
	  NULL, NULL, NULL }

struct nics;

/* Stores a new, empty setup with a copy of 'o' (its strings must outlive
 * it) in *out and registers its teardown hook.  Touches nothing on the
 * host yet.  Returns 0, or prints and returns -errno. */
int nics_new(const struct nics_options *o, struct nics **out);

/* Returns true when this process makes taps itself (CAP_NET_ADMIN), false
 * when nics_make() goes through sudo. */
bool nics_privileged(void);

/* Classifies the bridge of every NIC of nics[0..n) still unclassified,
 * changing nothing on the host: an OVS bridge (from the database, when one
 * answers at the configured remote; the first call opens the session),
 * else a Linux bridge (from the kernel).  Sets kind and netdev_dp.  An
 * ovs-* token on anything but an OVS bridge is an error.  Returns 0, or
 * prints one line and returns -ENODEV (missing bridge), -EINVAL (not a
 * bridge, or ovs-* token on a Linux bridge or user networking), or what
 * failed. */
int nics_classify(struct nics *ns, struct nic *nics, size_t n);

/* Removes what dead xkvm processes left (net/reap.h), through the session
 * nics_classify() opened, unless another launch of this network namespace
 * is reaping at that moment (reap_trylock()); without CAP_NET_ADMIN the
 * user's own, through `sudo xkvm tap-control gc`.  Never fails for the launch but when
 * descriptors ran out: returns how many taps and ports went (0 through
 * sudo), or -EMFILE/-ENFILE (printed). */
int nics_reap(struct nics *ns);

/* Creates the NICs of nics[0..n): privileged, it classifies those not yet
 * classified, then makes one tap per bridge NIC, owned by the invoking
 * user (SUDO_UID when set), tagged, in this setup's group, up; on a Linux
 * bridge with the bridge's MTU and enslaved in the same request; on OVS
 * bridges added as ports, all in ONE OVSDB transaction, then (options)
 * waited for until ovs-vswitchd applied them and OVN bound every
 * ovs-iface-id port.  A vhost-user NIC gets no tap: the launch makes its
 * socket directory (net/vhostdir.h) and sets vhost_sock, the privileged
 * side checks that path and adds a dpdkvhostuserclient port named
 * "vhu<owner pid>-<index>" (in 'tap').  Unprivileged, `sudo xkvm tap-control make-nics` does
 * all of that.  Sets each NIC's kind, netdev_dp and tap.  Everything is
 * listed for teardown the moment it exists.  Returns 0; on failure prints
 * one line, removes everything this call made and returns -errno; when a
 * terminating signal is pending (base/cleanup.h) it runs the teardown
 * hooks and dies by the signal instead of returning. */
int nics_make(struct nics *ns, struct nic *nics, size_t n);

/* For the launch once qemu runs: counts the vhost-user NICs of nics[0..n)
 * whose port is not connected to qemu yet, looking without waiting
 * (Interface status:status); *first names the first of them (owned by
 * nics[]).  Returns that count (0: all connected), -ENOTCONN when this
 * process has no database session (the ports went through sudo), or
 * another -errno (not printed; nics_db_error() says why). */
int nics_vhost_pending(struct nics *ns, const struct nic *nics, size_t n, const char **first);

/* Returns the message of the last failed database call ("" if none). */
const char *nics_db_error(const struct nics *ns);

/* Removes every OVS port (one transaction, not waiting for ovs-vswitchd)
 * and then every tap made, printing a line per failure, and empties the
 * lists, then the launch's vhost-user socket directory.  Idempotent. */
void nics_teardown(struct nics *ns);

/* Forgets every tap and port made without deleting them: they outlive
 * this process (make-nics succeeded).  Later taps go into a new group. */
void nics_keep(struct nics *ns);

/* Tears down what is still listed, unregisters the hook and frees 'ns'.
 * Accepts NULL. */
void nics_free(struct nics *ns);

/* `tap-control del-nics`: deletes the taps named in names[0..count) that
 * carry an xkvm owner tag for 'uid'; refuses (prints why) every other name.
 * Taps sharing one group that holds nothing else go in one request.
 * Returns 0 when every name was deleted, else the number of names refused
 * or failed (> 0), or -errno when nothing could be tried. */
int nics_delete_owned(const char *const *names, size_t count, uid_t uid);

/* Runtime control (nic del): removes the OVS port (if any) and then the
 * tap 'tap' that this setup made, and unlists them; without CAP_NET_ADMIN
 * through `sudo xkvm tap-control ovs-cleanup` and `del-nics`.  Returns 0,
 * -ENOENT when the tap is not one of this setup's, or prints (or sudo's
 * tap-control prints) and returns -errno. */
int nics_remove(struct nics *ns, const char *tap);

/* Runtime control (nic move): moves the tap of 'n' (made by this setup)
 * to the bridge of 'to' (a spec: bridge and OVS options; classified here,
 * its tap set from n's): off its Linux bridge or OVS port, onto the new
 * Linux bridge (its MTU) or as an OVS port with to's options, owner tag
 * and all.  The guest is not touched.  On failure the tap goes back where
 * it was when it can.  The caller then updates n's record from 'to'.
 * Without CAP_NET_ADMIN, `sudo xkvm tap-control move-nic` does it (held to
 * the ACL there).  Returns 0, -EPERM without CAP_NET_ADMIN when no tap went
 * through sudo, -EINVAL for "user", or prints (or sudo's tap-control
 * prints) and returns -errno. */
int nics_move(struct nics *ns, const struct nic *n, struct nic *to);

/* `tap-control move-nic`: nics_move() of the tap from->tap, made by this
 * setup's owner (nics_options.owner_pid: its owner tag must be exactly
 * the tap's), from where 'from' says it is (a Linux bridge's member must
 * be there) to 'to'; both are wire specs, classified here.  What is made
 * is kept (it is the owner's).  Returns 0, -ENODEV (no such tap), -EPERM
 * (not the owner's tap), or prints and returns -errno. */
int nics_move_owned(struct nics *ns, struct nic *from, struct nic *to);

/* Runtime control (link): sets tap 'tap' (with 'ifindex' > 0: that link,
 * see tapstate.h) administratively up or down; without CAP_NET_ADMIN
 * through `sudo xkvm tap-control link` ('ns' NULL: refused then).  Prints
 * nothing: one line saying what failed goes into 'why'.  Returns 0 or
 * -errno. */
int nics_set_link(struct nics *ns, const char *tap, int ifindex, bool up, char *why,
		  size_t whysize);

/* Runtime control (netem): puts netem 'e' on tap 'tap' (NULL: removes
 * it), as nics_set_link() does its change (`tap-control netem`).  Returns
 * 0, -ENOENT (privileged, no sch_netem in this kernel), or -errno; 'why'
 * says what failed in one line. */
int nics_netem(struct nics *ns, const char *tap, int ifindex, const struct tapstate_netem *e,
	       char *why, size_t whysize);

/* Runtime control (mirror): an OVS Mirror "xkvm-TAP" copying the traffic
 * of src's port (an OVS NIC of this setup) to out's (on the same bridge),
 * or, with 'out' NULL, to an internal port of its own "xkmN" (set up, for
 * tcpdump -i), whose name is stored in 'port'; removed at teardown and
 * reaped with the ports.  With 'off' removes src's mirror (and its own
 * port).  Returns 0, -ENOENT, -EPERM without CAP_NET_ADMIN (a Mirror row
 * needs root's session), or prints and returns -errno. */
int nics_mirror(struct nics *ns, const struct nic *src, const struct nic *out, bool off,
		char port[NIC_TAPSIZ]);

/* Runtime control: stores in *ofport the OpenFlow port of the OVS port
 * 'tap' through the launch's OVSDB session (-1: none yet).  Prints
 * nothing.  Returns 0, -ENOENT (no session or no such port), or -errno. */
int nics_ofport(struct nics *ns, const char *tap, int64_t *ofport);

#endif
