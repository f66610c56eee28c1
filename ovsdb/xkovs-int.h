/* xkovs-int.h: what the files of ovsdb/ share behind xkovs.h.  Private to
 * ovsdb/: it includes OVS headers. */
#ifndef XKVM_XKOVS_INT_H
#define XKVM_XKOVS_INT_H

#include <config.h>

#include <signal.h>
#include <sys/types.h>
#include <stdbool.h>

#include "ovsdb-idl.h"
#include "sset.h"
#include "vswitch-idl.h"

#include "xkovs.h"

struct xkovs {
	char *remote;
	int timeout_ms;
	int cur_timeout_ms;	/* the timeout of the wait under way */
	int intr_fd;		/* -1: none */
	struct ovsdb_idl *idl;	/* NULL until xkovs_connect() */
	xkovs_notify_fn *notify;	/* see xkovs_set_notify(); NULL: none */
	void *notify_aux;
	int notify_ms;
	long long phase_start;	/* time_msec() when the wait under way began */
	bool phase_told;	/* 'notify' was called for it */
	bool narrow;		/* xkovs_monitor_own(): replicate only 'own' */
	struct sset own;	/* the Port/Interface names of our calls */
	bool bridges_on;	/* narrow, yet replicating the Bridges */
	xkovs_owner_dead_fn *judge;	/* XKOVS_REAP_STALE's; NULL: none */
	void *judge_aux;
	char err[1024];
};

/* The state a public call saves on entry and restores on exit: SIGPIPE
 * blocked, and the inheritable descriptors open before (the caller's), so
 * that every other one left inheritable at the end, which OVS opened
 * during the call, can be made close-on-exec. */
struct xkovs_call {
	sigset_t oldmask;
	bool pipe_pending;	/* SIGPIPE was pending before the call */
	unsigned long fds[1024 / (8 * sizeof(unsigned long))];
};

/* Enters and leaves a public call (see struct xkovs_call); clears h->err. */
void xkovs_call_begin(struct xkovs *h, struct xkovs_call *c);
void xkovs_call_end(struct xkovs_call *c);

/* Formats the message into h->err.  Returns 'ret' (a -errno) for chaining. */
int xkovs_fail(struct xkovs *h, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Connects if not connected (xkovs_connect()'s codes), with a call open. */
int xkovs_ensure(struct xkovs *h);

/* vswitchd.c: the pid of the ovs-vswitchd serving 'remote', from the
 * pidfile next to a unix: remote's socket (the layout of ovs-ctl and of
 * OVS_RUNDIR), checked against /proc/PID/comm; -ENOENT for any other
 * remote or when there is none. */
pid_t xkovs_vswitchd_pid(const char *remote);

/* Whether the main thread of ovs-vswitchd 'pid' is busy: running or
 * blocked in the kernel (state R or D) in one of a few samples 20 ms
 * apart.  An idle daemon sleeps in poll() (S); a stopped one is T. */
bool xkovs_vswitchd_busy(pid_t pid);

/* Returns the absolute deadline, in OVS's time_msec() clock, 'timeout_ms'
 * from now (<= 0: the handle's timeout), remembers the timeout for
 * messages, and starts a new wait for the notification (xkvm_set_notify). */
long long xkovs_deadline(struct xkovs *h, int timeout_ms);

/* Blocks in OVS's poll loop until the IDL has news, 'deadline' passes or
 * the interrupt fd is readable.  Call after ovsdb_idl_run() and any
 * ovsdb_idl_txn_wait().  Returns 0, -ETIMEDOUT (deadline passed) or -EINTR;
 * on failure h->err says what 'what' was waiting for.  Once the wait begun
 * by the last xkovs_deadline() has lasted the notification delay, calls
 * the notification with "waiting for " 'what' (once per wait). */
int xkovs_block(struct xkovs *h, long long deadline, const char *what);

/* Runs the IDL once and checks the connection.  Returns 0 or -ECONNRESET
 * (message set) when the session died for good. */
int xkovs_run(struct xkovs *h);

/* Builds one transaction's operations; returns 0 to commit, a -errno (with
 * h->err set) to abort.  Called again, on a fresh transaction, after
 * TXN_TRY_AGAIN, so it must start from the IDL's current contents. */
typedef int xkovs_build_fn(struct xkovs *h, struct ovsdb_idl_txn *txn, void *aux);

/* Creates a transaction, lets 'build' fill it, increments
 * Open_vSwitch.next_cfg when 'next_cfg' is non-NULL, commits and waits for
 * the outcome until 'deadline', retrying on TXN_TRY_AGAIN.  On success
 * returns 0 with the committed transaction in *txnp (the caller destroys
 * it) and the new next_cfg in *next_cfg.  Returns a -errno with h->err set:
 * -ETIMEDOUT, -EIO (TXN_ERROR, OVSDB's text kept), -ECANCELED (aborted),
 * -ENOLCK, -ECONNRESET, -EINTR, -ENODEV (database not initialized), or the
 * code 'build' returned. */
int xkovs_commit(struct xkovs *h, long long deadline, const char *comment,
		 xkovs_build_fn *build, void *aux, struct ovsdb_idl_txn **txnp,
		 int64_t *next_cfg);

/* Returns "xkvm (owner O): VERB ports A B ...", the comment the database
 * log keeps for a transaction (caller frees), or NULL when out of memory. */
char *xkovs_comment(const char *verb, const char *owner,
		    const struct xkovs_port *ports, size_t n);

/* A measure of the caller's own rows (e.g. how many of its Interfaces got
 * an OpenFlow port): any change of it counts as progress. */
typedef long xkovs_mark_fn(struct xkovs *h, void *aux);

/* How many timeouts a busy ovs-vswitchd may go without progress. */
#define XKOVS_BUSY_FACTOR 6

/* Waits until ovs-vswitchd reports cur_cfg >= 'next_cfg', for as long as
 * it makes progress: the wait fails only when neither cur_cfg nor 'mark'
 * (NULL: none) changed for the handle's timeout, or, while the local
 * ovs-vswitchd is busy (xkovs_vswitchd_busy()), for XKOVS_BUSY_FACTOR
 * timeouts.  Returns 0, -ETIMEDOUT or -EINTR, with h->err set. */
int xkovs_wait_cur_cfg(struct xkovs *h, int64_t next_cfg, xkovs_mark_fn *mark, void *aux);

/* Conditional monitoring (scope.c).  Each is a no-op on a handle that
 * monitors whole tables (no xkovs_monitor_own()).
 *
 * Sends the handle's conditions to a new IDL (before it connects). */
void xkovs_scope_init(struct xkovs *h);
/* Adds the ports' names to the replicated rows and waits until the server
 * sent them (so that rows already bearing those names are seen).  Returns
 * 0 or -errno with h->err set. */
/* Counts the names of ports[] as this handle's own, without sending the
 * conditions (a widened handle sends them when it narrows again). */
void xkovs_scope_note(struct xkovs *h, const struct xkovs_port *ports, size_t n);
int xkovs_scope_add(struct xkovs *h, const struct xkovs_port *ports, size_t n,
		    long long deadline);
/* Replicates whole tables until xkovs_scope_narrow(), waiting until the
 * server sent them.  Returns 0 or -errno with h->err set. */
int xkovs_scope_widen(struct xkovs *h, long long deadline);
/* Replicates the Bridges ('on', waiting until the server sent them) or
 * stops (not waiting).  Returns 0 or -errno with h->err set. */
int xkovs_scope_bridges(struct xkovs *h, bool on, long long deadline);
void xkovs_scope_narrow(struct xkovs *h);

/* xkovs_del_ports() inside an open call, connected. */
int xkovs_remove(struct xkovs *h, const struct xkovs_port *ports, size_t n,
		 const char *owner, unsigned flags);

/* Bridge lookups over the IDL's current contents.  The rows returned belong
 * to the IDL and are valid until the next ovsdb_idl_run().
 *
 * The real Bridge named 'name', or NULL. */
const struct ovsrec_bridge *xkovs_find_bridge(struct ovsdb_idl *idl, const char *name);
/* The fake-bridge Port on 'br' with VLAN 'vlan', or NULL. */
const struct ovsrec_port *xkovs_find_fake(const struct ovsrec_bridge *br, int64_t vlan);
/* Resolves 'name' (real or fake) to its real bridge and VLAN (-1 if real).
 * Returns the real bridge, or NULL (*vlan untouched) when 'name' is neither. */
const struct ovsrec_bridge *xkovs_resolve_bridge(struct ovsdb_idl *idl, const char *name,
						 int *vlan);

#endif
