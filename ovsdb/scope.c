/* scope.c: conditional monitoring, so that K launches on one host do not
 * cost K^2 updates.  A handle in "own" scope replicates only the
 * Open_vSwitch row, the fake-bridge Ports, and the Ports and Interfaces
 * named in its own add/remove calls; every other launch's ports stay on
 * the server.  The Bridges are replicated only from a lookup until the
 * transaction that needs them is committed: each port added anywhere
 * changes its Bridge's ports, and a launch waiting for ovs-vswitchd or
 * running qemu need not hear of it.  Calls that need whole tables
 * (xkovs_list_owned()) widen the scope for their duration. */
#include "xkovs-int.h"

#include <errno.h>
#include <string.h>

#include "openvswitch/poll-loop.h"

/* Sends the conditions of the current scope.  Returns the condition seqno
 * that says the server applied them (see ovsdb_idl_set_condition()). */
static unsigned int apply(struct xkovs *h, bool wide)
{
	struct ovsdb_idl_condition port = OVSDB_IDL_CONDITION_INIT(&port);
	struct ovsdb_idl_condition iface = OVSDB_IDL_CONDITION_INIT(&iface);
	struct ovsdb_idl_condition bridge = OVSDB_IDL_CONDITION_INIT(&bridge);
	const char *name;
	unsigned int seqno;

	if (wide || !h->narrow || h->bridges_on)
		ovsdb_idl_condition_add_clause_true(&bridge);
	if (wide || !h->narrow) {
		ovsdb_idl_condition_add_clause_true(&port);
		ovsdb_idl_condition_add_clause_true(&iface);
	} else {
		/* Fake bridges are Ports: every lookup may need them. */
		ovsrec_port_add_clause_fake_bridge(&port, OVSDB_F_EQ, true);
		SSET_FOR_EACH (name, &h->own) {
			ovsrec_port_add_clause_name(&port, OVSDB_F_EQ, name);
			ovsrec_interface_add_clause_name(&iface, OVSDB_F_EQ, name);
		}
		/* No clause is "false": no Interface at all. */
	}
	/* Each returns when its own table is up to date: the last of them. */
	seqno = ovsrec_bridge_set_condition(h->idl, &bridge);
	seqno = MAX(seqno, ovsrec_port_set_condition(h->idl, &port));
	seqno = MAX(seqno, ovsrec_interface_set_condition(h->idl, &iface));
	ovsdb_idl_condition_destroy(&bridge);
	ovsdb_idl_condition_destroy(&port);
	ovsdb_idl_condition_destroy(&iface);
	return seqno;
}

/* Sends the conditions (wide or not) and waits until the server applied
 * them: the replica then holds exactly the rows they select.  The
 * expected condition seqno is asked again at each turn (setting the same
 * condition again changes nothing): a reconnection may send the
 * conditions with the new monitor request, which acknowledges them
 * without counting a seqno.  Returns 0, -ETIMEDOUT, -EINTR or -ECONNRESET
 * with h->err set. */
static int apply_wait(struct xkovs *h, bool wide, long long deadline)
{
	for (;;) {
		int ret = xkovs_run(h);

		if (ret < 0)
			return ret;
		if (ovsdb_idl_get_condition_seqno(h->idl) == apply(h, wide))
			return 0;
		/* After a reconnection the IDL sends a pending condition
		 * change only from its next run, and nothing wakes it for
		 * that: run again soon. */
		poll_timer_wait(50);
		ret = xkovs_block(h, deadline, "the OVSDB server to send the rows asked for");
		if (ret < 0)
			return ret;
	}
}

void xkovs_monitor_own(struct xkovs *h)
{
	h->narrow = true;
	if (h->idl)
		apply(h, false);
}

void xkovs_scope_init(struct xkovs *h)
{
	if (h->narrow)
		apply(h, false);
}

void xkovs_scope_note(struct xkovs *h, const struct xkovs_port *ports, size_t n)
{
	for (size_t i = 0; h->narrow && i < n; i++)
		if (ports[i].name)
			sset_add(&h->own, ports[i].name);
}

int xkovs_scope_add(struct xkovs *h, const struct xkovs_port *ports, size_t n,
		    long long deadline)
{
	bool changed = false;

	if (!h->narrow)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ports[i].name && sset_add(&h->own, ports[i].name))
			changed = true;
	if (!changed)
		return 0;
	return apply_wait(h, false, deadline);
}

int xkovs_scope_bridges(struct xkovs *h, bool on, long long deadline)
{
	if (!h->narrow)
		return 0;
	h->bridges_on = on;
	if (!h->idl)
		return 0;
	if (!on) {
		apply(h, false);
		return 0;
	}
	return apply_wait(h, false, deadline);
}

int xkovs_scope_widen(struct xkovs *h, long long deadline)
{
	if (!h->narrow)
		return 0;
	return apply_wait(h, true, deadline);
}

void xkovs_scope_narrow(struct xkovs *h)
{
	h->bridges_on = false;
	if (h->narrow && h->idl)
		apply(h, false);
}
