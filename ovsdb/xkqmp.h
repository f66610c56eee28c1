/* xkqmp: a client of qemu's QMP monitor (one unix socket), behind the OVS
 * wall because it parses and writes JSON with libopenvswitch's json.h.
 *
 * Why not jsonrpc.h: QMP is not JSON-RPC.  Its replies are {"return": ..}
 * or {"error": ..}, its events {"event": ..}; jsonrpc_recv() rejects every
 * one of them as a malformed JSON-RPC message (EPROTO).  So the socket is
 * ours (O_CLOEXEC, non-blocking) and each message goes through OVS's
 * incremental json_parser.
 *
 * Every call returns 0 (or a count) or -errno, never prints or exits; the
 * text of the last failure (qemu's own "desc" when qemu refused) stays in
 * the handle for xkqmp_error().  Every wait is bounded by the handle's
 * timeout.  Events that arrive while a command waits for its reply are
 * queued, in order, for xkqmp_next_event().  Not thread-safe. */
#ifndef XKVM_XKQMP_H
#define XKVM_XKQMP_H

#include <stdbool.h>

struct xkqmp;

/* Connects to the QMP socket at 'path', reads qemu's greeting and
 * negotiates capabilities ("qmp_capabilities"), each step bounded by
 * 'timeout_ms' (<= 0: 5000).  Stores the handle in *out (free with
 * xkqmp_close()).  Returns 0, -ENOENT or -ECONNREFUSED when nobody listens
 * there (yet), -ETIMEDOUT, -EPROTO for a peer that does not speak QMP,
 * -ENAMETOOLONG for a path longer than a unix socket takes, or -errno;
 * on failure *out is untouched and *err, when 'err' is not NULL, gets a
 * one-line reason (caller frees; NULL when out of memory). */
int xkqmp_open(const char *path, int timeout_ms, struct xkqmp **out, char **err);

/* Closes the socket and frees 'q' and its queued events.  Accepts NULL. */
void xkqmp_close(struct xkqmp *q);

/* Returns the socket, for poll() (readable: events or EOF; then call
 * xkqmp_read()).  Owned by 'q'. */
int xkqmp_fd(const struct xkqmp *q);

/* Returns the reason of the last failure (owned by 'q', valid until the
 * next call), or "". */
const char *xkqmp_error(const struct xkqmp *q);

/* Runs QMP command 'cmd' with the arguments 'args' (NULL-terminated
 * "KEY=VALUE" strings, or NULL for none): VALUE is a JSON string, or, when
 * KEY ends in ":bool" ("up:bool=false") a boolean, in ":int" an integer
 * (the suffix is not part of the name qemu sees).  Waits for the reply with
 * this command's id, queuing the events that come first.  On success stores
 * the reply's "return" value as JSON text in *ret when 'ret' is not NULL
 * (caller frees).  Returns 0; -EREMOTEIO when qemu answered with an error
 * (xkqmp_error() is qemu's "desc"); -EINVAL for a malformed argument;
 * -ETIMEDOUT; -ECONNRESET when qemu closed the socket; or -errno. */
int xkqmp_execute(struct xkqmp *q, const char *cmd, const char *const *args, char **ret);

/* Reads, without blocking, whatever qemu has sent and queues its events.
 * Returns the number of events queued now (>= 0), -ECONNRESET when qemu
 * closed the socket, -EPROTO for data that is not JSON, or -errno. */
int xkqmp_read(struct xkqmp *q);

/* Pops the oldest queued event: stores its name in *name and its "data"
 * as JSON text (or "{}") in *data, both for the caller to free.  Returns
 * 1 when an event was popped, 0 when none is queued, -ENOMEM. */
int xkqmp_next_event(struct xkqmp *q, char **name, char **data);

/* Returns the string member 'key' of the JSON object text 'json' in *out
 * (caller frees).  For reading event data and replies without a JSON
 * parser outside this wall.  Returns 0, -ENOENT when there is no such
 * string member, -EPROTO when 'json' is not an object. */
int xkqmp_json_get_string(const char *json, const char *key, char **out);

/* Stores in *out a NULL-terminated array of the string member 'key' of
 * every object of the JSON array text 'json' that has one (free with
 * xkqmp_strings_free()).  For replies such as qom-list's.  Returns the
 * count (>= 0), -EPROTO when 'json' is not an array, or -ENOMEM. */
int xkqmp_json_array_strings(const char *json, const char *key, char ***out);

/* Frees an array from xkqmp_json_array_strings().  Accepts NULL. */
void xkqmp_strings_free(char **v);

#endif
