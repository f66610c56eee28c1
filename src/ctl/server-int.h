/* server-int.h: what the files of ctl/'s server share (server.c: socket,
 * clients, QMP, the simple commands; nic.c: nic add / nic del).  Private to
 * ctl/. */
#ifndef XKVM_CTL_SERVER_INT_H
#define XKVM_CTL_SERVER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "base/nic.h"
#include "ctl/rundir.h"
#include "ctl/server.h"

#define MAX_CLIENTS 16
#define REQ_MAX 4096
#define MAX_WORDS 16
#define QMP_TIMEOUT_MS 5000
#define QMP_APPEAR_MS 5000	/* how long a request waits for qemu's socket */
#define STOP_DEFAULT_S 10

struct client {
	int fd;
	char buf[REQ_MAX];
	size_t len;
	bool until_exit;	/* answered; kept open until the launch ends */
};

/* What runtime control did to one NIC. */
struct ctl_nic_state {
	bool link_down;		/* set_link down asked */
	int root_port;		/* the xkvm-rpN it was added on (q35), or -1 */
	char netem[96];		/* the netem in place, as JSON text, "" for none */
	char mac[NIC_MACSIZ];	/* qemu's MAC for a NIC the spec gave none, once read */
};

struct ctl_server {
	struct ctl_paths paths;
	int lock_fd;
	int listen_fd;
	uid_t owner;
	struct client *clients[MAX_CLIENTS];
	struct xkqmp *qmp;
	struct ctl_launch l;	/* the launch's NICs (nic add grows them) */
	struct ctl_nic_state *st;	/* per NIC, in step with the launch's array */
	unsigned next_index;	/* the index (netNN) of the next NIC added */
	bool serving;
};

/* One request's answer: data lines, then the status. */
struct reply {
	char *data;
	size_t size;
	FILE *f;
	char err[600];		/* "" for ok */
};


#define NICS(s) (*(s)->l.nics)	/* the launch's NICs now */
#define N_NICS(s) (*(s)->l.n)

/* Sets the request's error message; returns 'ret' for chaining. */
int ctl_rfail(struct reply *r, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Connects to qemu's monitor unless connected, waiting a bounded time for
 * qemu to create its socket.  Returns 0 or -errno (message set). */
int ctl_qmp_ensure(struct ctl_server *s, struct reply *rep);

/* Closes the QMP connection (qemu went away, or a broken exchange). */
void ctl_qmp_close(struct ctl_server *s);

/* Runs a QMP command; a refusal becomes "qemu refused: DESC".  Returns 0
 * or -errno (message set). */
int ctl_qmp_run(struct ctl_server *s, struct reply *rep, const char *cmd,
		const char *const *args);

/* Finds the NIC named by its netdev id, its tap or its MAC; NULL with the
 * message "no such NIC" set. */
struct nic *ctl_find_nic(struct ctl_server *s, const char *what, struct reply *rep);

/* Writes the NIC's netdev id "netNN" into buf. */
void ctl_nic_id(const struct nic *n, char *buf, size_t size);

/* A NIC of qemu's command line has no device id: its QOM path under
 * /machine/peripheral-anon is the device whose "netdev" is 'id'.  Stores
 * it in 'path'.  Returns 0, -ENOENT, or -errno (message set). */
int ctl_find_anon_device(struct ctl_server *s, const char *id, char *path, size_t size,
			 struct reply *rep);

/* nic.c: `nic add SPEC` and `nic del NIC` (argv[1] is add or del). */
int ctl_cmd_nic(struct ctl_server *s, struct client *c, int argc, char **argv,
		struct reply *rep);

/* impair.c: `netem NIC SPEC...|off`, `nic move NIC SPEC`, `mirror`. */
int ctl_cmd_netem(struct ctl_server *s, struct client *c, int argc, char **argv,
		  struct reply *rep);
int ctl_nic_move(struct ctl_server *s, const char *what, const char *spec, struct reply *rep);
/* `mirror NIC --to NIC2 | mirror NIC off`: an OVS Mirror row. */
int ctl_cmd_mirror(struct ctl_server *s, struct client *c, int argc, char **argv,
		   struct reply *rep);

#endif
