/* xkovs: Open vSwitch bridges and ports through the OVSDB IDL.
 *
 * The only door to libopenvswitch: nothing outside ovsdb/ includes an OVS
 * header.  One 'struct xkovs' is one connection to the Open_vSwitch
 * database, monitoring only the columns this module reads or writes.
 *
 * Every call that talks to the server is bounded: each of its phases
 * (connecting; a commit; removing again after a failure) gets the
 * handle's timeout.  The wait for ovs-vswitchd to apply a change is
 * bounded by lack of progress instead: it goes on while ovs-vswitchd
 * advances Open_vSwitch cur_cfg (working through the changes queued
 * before ours, which takes long when hundreds of launches start at once)
 * or the call's own rows change, and fails once neither happened for the
 * timeout.  Calls return 0 or
 * -errno; on failure a one-line message (lowercase, subjects quoted,
 * OVSDB's own text kept) is left in the handle for xkovs_error().
 * Messages already name the remote, bridge or port concerned.
 * Nothing here prints, exits, or leaves signal handlers behind: the first
 * xkovs_new() silences OVS's logging and undoes the handlers OVS's
 * fatal-signal module installs; SIGPIPE is blocked only while a call runs;
 * descriptors OVS opens during a call are made close-on-exec.
 *
 * Not thread-safe: use one handle from one thread. */
#ifndef XKVM_XKOVS_H
#define XKVM_XKOVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The Interface external_ids key holding the owner string of ports we add. */
#define XKOVS_OWNER_KEY "xkvm-owner"
#define XKOVS_DEFAULT_TIMEOUT_MS 5000

struct xkovs;

/* Returns a new handle for the database at 'remote' (an OVSDB remote such as
 * "unix:/run/ovs/db.sock"; NULL means unix:$OVS_RUNDIR/db.sock, OVS_RUNDIR
 * defaulting to /var/run/openvswitch, as ovs-vsctl does).  'timeout_ms'
 * bounds every later call (<= 0: XKOVS_DEFAULT_TIMEOUT_MS).  Does no I/O.
 * Returns NULL only when out of memory.  Free with xkovs_free(). */
struct xkovs *xkovs_new(const char *remote, int timeout_ms);

/* Closes the connection, if any, and frees 'h'.  Accepts NULL. */
void xkovs_free(struct xkovs *h);

/* Makes waits give up with -EINTR as soon as 'fd' is readable (e.g. the
 * cleanup self-pipe), since OVS's poll loop restarts on EINTR.  -1: none.
 * The caller keeps owning 'fd'. */
void xkovs_set_interrupt_fd(struct xkovs *h, int fd);

/* Called once per wait that lasts longer than the delay given to
 * xkovs_set_notify(), with a line such as "waiting for ovs-vswitchd to
 * apply the change (it applied configuration 12, ours is 40)" (valid
 * during the call).  Called from inside an xkovs call: it must not call
 * into 'h'. */
typedef void xkovs_notify_fn(void *aux, const char *what);

/* Sets (or, with 'fn' NULL, removes) the notification of long waits:
 * 'fn'(aux, ...) once a wait lasted 'after_ms'.  For the caller to report
 * (xkovs itself never prints). */
void xkovs_set_notify(struct xkovs *h, int after_ms, xkovs_notify_fn *fn, void *aux);

/* Narrows what the handle replicates to what one launch needs: the
 * Open_vSwitch row, the Bridges, the fake-bridge Ports, and the Ports and
 * Interfaces named in this handle's own xkovs_add_ports() and
 * xkovs_del_ports() calls (conditional monitoring).  Without it every
 * handle replicates whole tables, so each of K concurrent launches hears
 * of every other's ports: K^2 updates.  Calls that need whole tables
 * (xkovs_list_owned()) fetch them for their duration, then narrow again.
 * Call once, at any time; cannot be undone. */
void xkovs_monitor_own(struct xkovs *h);

/* Returns the handle's remote (owned by 'h'). */
const char *xkovs_remote(const struct xkovs *h);

/* Returns the message of the last failed call (owned by 'h', valid until the
 * next call), or "" when there was none. */
const char *xkovs_error(const struct xkovs *h);

/* Connects and waits for the database contents.  Idempotent once connected.
 * Returns 0; -ENOENT when the remote is a unix socket that does not exist
 * (no Open vSwitch on this host: callers treat it as "Linux bridges only",
 * not as an error); -EINVAL when the remote is not a list of unix:, tcp:
 * or ssl: remotes (a passive one, punix: say, would bind a socket and unlink
 * its path first); -ETIMEDOUT when the server does not answer within the
 * timeout; -ECONNREFUSED or another -errno when the connection fails;
 * -EINTR when the interrupt fd became readable; -EMFILE or -ENFILE when
 * too few descriptors are free for OVS, which would abort the process
 * (every call checks before it calls into OVS). */
int xkovs_connect(struct xkovs *h);

/* What a bridge name stands for. */
struct xkovs_bridge {
	char *name;		/* the name asked for */
	char *parent;		/* the real bridge: 'name' itself unless fake */
	int vlan;		/* a fake bridge's VLAN tag, -1 for a real bridge */
	char *datapath_type;	/* the real bridge's ("" = the default, system) */
	bool dpdk_initialized;	/* Open_vSwitch dpdk_initialized: this
				 * ovs-vswitchd runs DPDK (vhost-user ports) */
};

/* The calls below connect first when needed, failing with xkovs_connect()'s
 * codes (-ENOENT: no OVS on this host). */

/* Looks 'name' up among the OVS bridges, fake VLAN bridges included (a Port
 * with fake_bridge=true and a tag, on its parent bridge).  Returns 0 and
 * fills *out (release with xkovs_bridge_release()); -ENODEV when 'name' is
 * not an OVS bridge (*out untouched). */
int xkovs_bridge_get(struct xkovs *h, const char *name, struct xkovs_bridge *out);

/* Frees the strings of 'b' and clears it.  Accepts NULL and cleared ones. */
void xkovs_bridge_release(struct xkovs_bridge *b);

/* Returns true when 'name' is an OVS bridge, real or fake; false when it is
 * not or the database cannot be read (see xkovs_error()). */
bool xkovs_is_bridge(struct xkovs *h, const char *name);

/* Stores in *names a NULL-terminated, sorted array of every bridge name,
 * real and fake (free with xkovs_names_free()).  Returns 0 or -errno. */
int xkovs_list_bridges(struct xkovs *h, char ***names);

/* Frees an array from xkovs_list_bridges().  Accepts NULL. */
void xkovs_names_free(char **names);

/* One port to add (or, with only 'bridge' and 'name' read, to remove).
 * Every pointer is borrowed for the duration of the call.
 *
 * 'opts' are xkvm's OVS options as the user wrote them, without "ovs-"
 * (src/base/nic.h): "tag=N" (access VLAN 0..4095), "trunks=N:M" or
 * "trunks=N,M" (VLANs), "iface-id=X", "vm-id=X" (external_ids) and
 * "ext:KEY=VALUE" (any other external_ids key but XKOVS_OWNER_KEY),
 * "ofport=N" (Interface.ofport_request, 1..65279; a waited add fails unless
 * ovs-vswitchd gave exactly N), "ingress-rate=KBPS" and "ingress-burst=KB"
 * (Interface.ingress_policing_rate/_burst); a later single-valued option
 * replaces an earlier one. */
struct xkovs_port {
	const char *bridge;	/* an OVS bridge, real or fake */
	const char *name;	/* the Port's and its Interface's name (the tap) */
	const char *attached_mac; /* external_ids:attached-mac, or NULL */
	const char *const *opts; /* NULL-terminated OVS options, or NULL */
	unsigned mtu;		/* Interface.mtu_request (a waited add checks it), 0: none */
	const char *vhost_socket; /* non-NULL: a vhost-user port, Interface
				 * type=dpdkvhostuserclient connecting to this
				 * socket (options:vhost-server-path), which qemu
				 * serves; NULL: a system port (the tap) */
	int64_t ofport;		/* out: OpenFlow port after a waited add, or -1 */
	bool taken;		/* out: the add failed (-EEXIST) because a Port or
				 * Interface of this name exists that is not ours
				 * and was not reaped (XKOVS_REAP_STALE) */
};
#define XKOVS_PORT_INIT { .ofport = -1 }

/* Flags for xkovs_add_ports() and xkovs_del_ports(). */
#define XKOVS_NO_WAIT	(1u << 0)	/* add: do not wait for ovs-vswitchd */
#define XKOVS_WAIT	(1u << 1)	/* del: wait for ovs-vswitchd too */
#define XKOVS_FORCE	(1u << 2)	/* del: remove ports of other owners */
#define XKOVS_REAP_STALE (1u << 3)	/* add: see xkovs_set_owner_judge() */
#define XKOVS_STEAL_IFACE_ID (1u << 4)	/* add: remove any other port holding
					 * an iface-id being added */

/* Returns true when the xkvm process 'owner' (an XKOVS_OWNER_KEY value)
 * is gone, false when it lives or cannot be judged. */
typedef bool xkovs_owner_dead_fn(const char *owner, void *aux);

/* Sets the judge xkovs_add_ports() asks about the owners of rows in its
 * way (NULL, the default: none counts as dead).  With XKOVS_REAP_STALE it
 * removes, in its own transaction, each Port bearing one of the new names
 * whose every Interface carries an owner tag 'fn' judges dead (a row a
 * crashed xkvm left, whose name the kernel has given to a new tap); the
 * transaction also checks those tags are unchanged when it commits.  And
 * a port of a dead owner holding an OVN logical port being added is
 * removed (see xkovs_add_ports()).  The caller keeps owning 'aux'. */
void xkovs_set_owner_judge(struct xkovs *h, xkovs_owner_dead_fn *fn, void *aux);

/* Adds the 'n' ports in ONE transaction: an Interface and a Port row each,
 * added to its bridge's ports by a mutation (a fake bridge's port goes to
 * the parent with the fake bridge's tag, as ovs-vsctl does).  Each
 * Interface gets external_ids XKOVS_OWNER_KEY=owner plus attached-mac and
 * what its options say.  Unless XKOVS_NO_WAIT, then waits until
 * ovs-vswitchd applied it (Open_vSwitch cur_cfg reaching the next_cfg the
 * transaction incremented; bounded by lack of progress, see above), fills
 * each port's 'ofport', and fails when an Interface got none.  On any
 * failure after the commit it removes everything it added (best effort,
 * without waiting).
 * A port that exists already on its bridge with this owner's tag (a commit
 * whose reply a reconnection lost, seen applied by the retry) is taken as
 * added; with XKOVS_REAP_STALE one of a dead owner is replaced (see
 * xkovs_set_owner_judge()).  Any other row bearing a new name fails the
 * call with -EEXIST before anything is committed, with 'taken' set on each
 * such port (so the caller can pick other names for those alone).  An OVN
 * logical port ("iface-id=X") held by another port of the host is taken
 * over in the same transaction (that port removed) when its owner is dead
 * or with XKOVS_STEAL_IFACE_ID; else the call fails with -EBUSY naming the
 * holder.  An "ofport=N" held by another Interface of the bridge fails
 * with -EADDRINUSE naming it.
 * Returns 0; -EINVAL (bad spec, option or owner), -ENODEV (no such bridge),
 * -EEXIST (name taken), -EBUSY, -EADDRINUSE (also when ovs-vswitchd gave
 * another OpenFlow port), -ETIMEDOUT, -EIO (ovs-vswitchd could not add a
 * port or set its MTU, or a transaction error), or another -errno.  The removal after a failure has
 * its own timeout; a commit that timed out is not undone (the server may
 * still apply it: the owner tag lets a reaper find such ports). */
int xkovs_add_ports(struct xkovs *h, struct xkovs_port *ports, size_t n,
		    const char *owner, unsigned flags);

/* Removes the 'n' ports (only 'bridge', which may be NULL for any, and
 * 'name' are read) in ONE transaction and returns once the server committed
 * it; XKOVS_WAIT also waits for ovs-vswitchd (~12 ms a port).  Ports that do
 * not exist are skipped.  A port whose Interface's owner tag is not 'owner'
 * is left alone unless XKOVS_FORCE: the others are still removed and the
 * call returns -EPERM with the refused ones in the message.  -EINVAL when a
 * port is on another bridge than the one named, or is a bridge's own port
 * (named as its bridge, or holding its internal interface): never removed,
 * not even with XKOVS_FORCE.  Otherwise like
 * xkovs_add_ports(). */
int xkovs_del_ports(struct xkovs *h, const struct xkovs_port *ports, size_t n,
		    const char *owner, unsigned flags);

/* A port carrying an owner tag, as found by xkovs_list_owned(). */
struct xkovs_owned {
	char *bridge;		/* its bridge (the fake one when it has a fake's tag) */
	char *port;
	int64_t ofport;		/* its Interface's OpenFlow port, -1 for none */
	char *owner;		/* the XKOVS_OWNER_KEY value */
	char *iface_id;		/* the Interface's external_ids:iface-id, or NULL */
	bool ovn_installed;	/* external_ids:ovn-installed=true (set by
				 * ovn-controller once the logical port is bound
				 * here and its flows are installed) */
	char *vhost_socket;	/* a dpdkvhostuserclient's vhost-server-path,
				 * or NULL */
};

/* Stores in *out an array of the *n ports whose Interface carries an
 * XKOVS_OWNER_KEY tag, sorted by port name (free with xkovs_owned_free()).
 * Returns 0 or -errno. */
int xkovs_list_owned(struct xkovs *h, struct xkovs_owned **out, size_t *n);

/* Frees an array from xkovs_list_owned().  Accepts NULL. */
void xkovs_owned_free(struct xkovs_owned *owned, size_t n);

/* Looks, without waiting, whether the vhost-user Interface 'iface' is
 * connected to its socket's server (Interface status:status=connected, set
 * by ovs-vswitchd once qemu accepted it).  Reads what the server sent so
 * far and returns at once: 1 connected, 0 not (yet), -ENODEV when there is
 * no such Interface, or another -errno (connection lost). */
int xkovs_vhost_connected(struct xkovs *h, const char *iface);

/* Waits until Interface 'iface' has external_ids:ovn-installed=true, at most
 * 'timeout_ms' (<= 0: the handle's timeout).  Returns 0, -ETIMEDOUT,
 * -ENODEV when there is no such Interface, -EINTR, or another -errno. */
int xkovs_wait_ovn_installed(struct xkovs *h, const char *iface, int timeout_ms);

/* Stores in *ofport the OpenFlow port of Interface 'name' as the database
 * has it now (-1 while ovs-vswitchd has not given it one, or failed).
 * Returns 0, -ENOENT when there is no such Interface, or -errno. */
int xkovs_iface_ofport(struct xkovs *h, const char *name, int64_t *ofport);

/* Adds Mirror 'name' on the bridge of port 'src' ('bridge', real or fake):
 * src's traffic, both directions, copied to port 'out' of the same bridge,
 * or, with 'out_internal', to a new internal port named 'out' made in the
 * same transaction (its Interface tagged too, so the reaper knows it);
 * external_ids carry XKOVS_OWNER_KEY=owner.  One transaction, not waiting
 * for ovs-vswitchd.  Returns 0, -ENODEV (no such bridge), -ENOENT (a port
 * is not on it), -EEXIST (a mirror or port of that name), or -errno. */
int xkovs_mirror_add(struct xkovs *h, const char *bridge, const char *name, const char *src,
		     const char *out, bool out_internal, const char *owner);

/* Removes every Mirror named 'name' whose owner tag is 'owner' (none
 * there: 0), and the internal output port made for it.  Returns 0, -EPERM (one of that name is someone else's), or
 * -errno. */
int xkovs_mirror_del(struct xkovs *h, const char *name, const char *owner);

/* Like xkovs_list_owned(), for Mirror rows with an owner tag: 'port' holds
 * the mirror's name, 'bridge' its bridge.  Returns 0 or -errno. */
int xkovs_list_owned_mirrors(struct xkovs *h, struct xkovs_owned **out, size_t *n);

#endif
