/* txn.c: one OVSDB transaction, bounded: build, commit, wait for the
 * outcome, retry on TXN_TRY_AGAIN (ovs-vsctl's loop, without its blocking
 * ovsdb_idl_txn_commit_block()), and TXN_* statuses turned into -errno.
 * Also the wait for ovs-vswitchd's cur_cfg. */
#include "xkovs-int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeval.h"

/* Waits until the IDL's contents change from 'seqno' (TXN_TRY_AGAIN means
 * our view was stale or the connection dropped). */
static int wait_change(struct xkovs *h, long long deadline, unsigned int seqno)
{
	int ret;

	for (;;) {
		ret = xkovs_run(h);
		if (ret < 0 || ovsdb_idl_get_seqno(h->idl) != seqno)
			return ret;
		ret = xkovs_block(h, deadline, "the OVSDB server to resend the database");
		if (ret < 0)
			return ret;
	}
}

static int status_to_errno(struct xkovs *h, struct ovsdb_idl_txn *txn,
			   enum ovsdb_idl_txn_status status)
{
	switch (status) {
	case TXN_SUCCESS:
	case TXN_UNCHANGED:
		return 0;
	case TXN_ERROR:
		return xkovs_fail(h, -EIO, "OVSDB transaction on '%s' failed: %s",
				  h->remote, ovsdb_idl_txn_get_error(txn));
	case TXN_ABORTED:
		return xkovs_fail(h, -ECANCELED, "OVSDB transaction on '%s' aborted", h->remote);
	case TXN_NOT_LOCKED:
		return xkovs_fail(h, -ENOLCK, "OVSDB transaction on '%s': database not locked",
				  h->remote);
	default:
		return xkovs_fail(h, -EPROTO, "OVSDB transaction on '%s': unexpected status %s",
				  h->remote, ovsdb_idl_txn_status_to_string(status));
	}
}

int xkovs_commit(struct xkovs *h, long long deadline, const char *comment,
		 xkovs_build_fn *build, void *aux, struct ovsdb_idl_txn **txnp,
		 int64_t *next_cfg)
{
	for (;;) {
		const struct ovsrec_open_vswitch *ovs;
		enum ovsdb_idl_txn_status status;
		struct ovsdb_idl_txn *txn;
		unsigned int seqno;
		int ret, intr_fd;

		ret = xkovs_run(h);
		if (ret < 0)
			return ret;
		seqno = ovsdb_idl_get_seqno(h->idl);
		ovs = ovsrec_open_vswitch_first(h->idl);
		if (!ovs && next_cfg)
			return xkovs_fail(h, -ENODEV, "OVSDB at '%s' is not initialized "
					  "(no Open_vSwitch row)", h->remote);

		txn = ovsdb_idl_txn_create(h->idl);
		ovsdb_idl_txn_add_comment(txn, "%s", comment);
		ret = build(h, txn, aux);
		if (ret < 0) {
			ovsdb_idl_txn_destroy(txn);	/* aborts it */
			return ret;
		}
		if (next_cfg)
			ovsdb_idl_txn_increment(txn, &ovs->header_,
						&ovsrec_open_vswitch_col_next_cfg, false);

		/* Not interruptible: a transaction abandoned on a signal may
		 * still be applied after the caller's removal was built from a
		 * replica without its rows (a port left behind).  The outcome
		 * comes within milliseconds, or the deadline; a later wait
		 * (ovs-vswitchd) sees the signal. */
		intr_fd = h->intr_fd;
		h->intr_fd = -1;
		while ((status = ovsdb_idl_txn_commit(txn)) == TXN_INCOMPLETE) {
			ovsdb_idl_run(h->idl);
			ovsdb_idl_txn_wait(txn);
			ret = xkovs_block(h, deadline, "the OVSDB server to commit");
			if (ret < 0) {
				h->intr_fd = intr_fd;
				/* The server may still apply it later: owner
				 * tags let a reaper find what it adds.  Destroy
				 * alone: an abort first would make it skip
				 * forgetting the outstanding request, leaving
				 * the IDL a dangling pointer. */
				ovsdb_idl_txn_destroy(txn);
				return ret;
			}
		}
		h->intr_fd = intr_fd;
		if (status == TXN_TRY_AGAIN) {
			ovsdb_idl_txn_destroy(txn);
			ret = wait_change(h, deadline, seqno);
			if (ret < 0)
				return ret;
			continue;
		}
		ret = status_to_errno(h, txn, status);
		if (ret < 0) {
			ovsdb_idl_txn_destroy(txn);
			return ret;
		}
		if (next_cfg)
			*next_cfg = status == TXN_SUCCESS
				? ovsdb_idl_txn_get_increment_new_value(txn) : 0;
		*txnp = txn;
		return 0;
	}
}

int xkovs_wait_cur_cfg(struct xkovs *h, int64_t next_cfg, xkovs_mark_fn *mark, void *aux)
{
	long long deadline = xkovs_deadline(h, 0), progress = time_msec();
	int64_t seen = INT64_MIN;
	long seen_mark = 0;
	bool busy = false, told_busy = false;
	char what[160];

	for (;;) {
		const struct ovsrec_open_vswitch *ovs;
		int64_t cur;
		long m;
		pid_t pid;
		int ret = xkovs_run(h);

		if (ret < 0)
			return ret;
		ovs = ovsrec_open_vswitch_first(h->idl);
		cur = ovs ? ovs->cur_cfg : -1;
		if (ovs && cur >= next_cfg)
			return 0;
		/* Progress: ovs-vswitchd got through changes queued before
		 * ours, or our own rows moved.  Wait another timeout. */
		m = mark ? mark(h, aux) : 0;
		if (seen != INT64_MIN && (cur != seen || m != seen_mark)) {
			progress = time_msec();
			deadline = progress + h->cur_timeout_ms;
			busy = told_busy = false;
		}
		seen = cur;
		seen_mark = m;
		snprintf(what, sizeof what, "ovs-vswitchd to apply the change (it applied "
			 "configuration %lld, ours is %lld%s)", (long long)cur, (long long)next_cfg,
			 busy ? "; it is busy" : "");
		ret = xkovs_block(h, deadline, what);
		if (ret == -ETIMEDOUT) {
			pid = xkovs_vswitchd_pid(h->remote);
			busy = pid > 0 && xkovs_vswitchd_busy(pid);
		}
		if (ret == -ETIMEDOUT && busy &&
		    time_msec() - progress < XKOVS_BUSY_FACTOR * (long long)h->cur_timeout_ms) {
			/* One reconfiguration can hold it longer than the bound
			 * (hundreds of ports, or the kernel's rtnl lock shared
			 * with hundreds of launches): it is at work, not stuck. */
			deadline = time_msec() + 1000;
			if (!told_busy)
				h->phase_told = false;	/* -v says so, once */
			told_busy = true;
			h->err[0] = '\0';
			continue;
		}
		if (ret == -ETIMEDOUT && busy)
			return xkovs_fail(h, ret, "timed out waiting for ovs-vswitchd to apply the "
					  "change: no progress for %lld ms, busy (it applied "
					  "configuration %lld, ours is %lld)", time_msec() - progress,
					  (long long)cur, (long long)next_cfg);
		if (ret == -ETIMEDOUT)
			return xkovs_fail(h, ret, "timed out waiting for ovs-vswitchd to apply the "
					  "change: no progress for %d ms (it applied configuration "
					  "%lld, ours is %lld)", h->cur_timeout_ms, (long long)cur,
					  (long long)next_cfg);
		if (ret < 0)
			return ret;
	}
}

char *xkovs_comment(const char *verb, const char *owner,
		    const struct xkovs_port *ports, size_t n)
{
	size_t len = strlen(verb) + (owner ? strlen(owner) : 0) + 32, off, i;
	char *s;

	for (i = 0; i < n; i++)
		len += (ports[i].name ? strlen(ports[i].name) : 0) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	off = (size_t)snprintf(s, len, "xkvm (owner %s): %s ports", owner ? owner : "-", verb);
	for (i = 0; i < n; i++)
		if (ports[i].name)
			off += (size_t)snprintf(s + off, len - off, " %s", ports[i].name);
	return s;
}
