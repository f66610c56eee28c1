/* server: the control socket of a named launch (`xkvm --name NAME`), served
 * from the supervising loop (qemu/supervise.h), and its qemu's QMP monitor.
 *
 * Protocol (one request per connection, `xkvm ctl` speaks it): the client
 * sends one line, the words of the command separated by tabs; the server
 * answers zero or more data lines (JSON objects for list/show, the new
 * NIC's id...) and then one status line, "ok" or "error MESSAGE".  After
 * "ok" to stop or kill the server keeps the connection open until the
 * launch ends, so the client can wait for the end (EOF).
 *
 * Only the launching uid (the real uid of xkvm) and root may talk to it:
 * SO_PEERCRED is checked on every connection ("error not yours").  The
 * socket sits in the 0700 run directory (ctl/rundir.h) with mode 0600.
 *
 * This module prints nothing on the request path (errors go back to the
 * client); ctl_server_new() returns its reason in *err. */
#ifndef XKVM_CTL_SERVER_H
#define XKVM_CTL_SERVER_H

#include <stddef.h>

#include "base/nic.h"

struct nics;

struct ctl_server;

/* Takes the launch name 'name' (ctl/rundir.h: the run directory, the lock,
 * a fresh control socket bound and listening; a stale one of a dead launch
 * is replaced) and registers a cleanup hook that removes those files on
 * every exit path.  Stores the server in *out.  Returns 0; -EINVAL (bad
 * name), -EADDRINUSE (a live launch has that name), or -errno, with *err a
 * one-line message (caller frees; NULL when out of memory), nothing left. */
int ctl_server_new(const char *name, struct ctl_server **out, char **err);

/* Returns the path of qemu's QMP socket, for its command line (owned by
 * 's'). */
const char *ctl_server_qmp_path(const struct ctl_server *s);

/* What the control requests act on: the launch's NICs.  All borrowed;
 * they must outlive the server's serving (until ctl_server_free()). */
struct ctl_launch {
	struct nic **nics;	/* the launch's array of *n NICs: `nic add`
				 * reallocates it and counts the new NIC in *n
				 * (the launch releases every one), `nic del`
				 * releases one and closes the gap */
	size_t *n;
	struct nics *net;	/* their host side (taps, ports) */
	struct devopts *dev;	/* the -device option probe (plan/devopts.h) */
	const char *def_model;	/* the NIC model when a spec names none */
	bool q35;		/* pcie-root-ports xkvm-rp0.. were reserved */
	bool enable_kvm;	/* qemu runs with KVM (qemuargv_device_arg()) */
	unsigned root_ports;	/* how many */
};

/* Starts serving from the supervising loop (see struct ctl_launch).
 * Returns 0 or -errno (-ENOSPC: too many watches). */
int ctl_server_start(struct ctl_server *s, const struct ctl_launch *l);

/* Stops serving, closes every client (a waiting `ctl stop` sees the end),
 * the QMP connection and the socket, removes the files, releases the name
 * and frees 's'.  Accepts NULL. */
void ctl_server_free(struct ctl_server *s);

#endif
