/* client: the other end of ctl/server.h's protocol, for `xkvm ctl`. */
#ifndef XKVM_CTL_CLIENT_H
#define XKVM_CTL_CLIENT_H

#include <stdio.h>

/* Sends the request words argv[0..argc) (no tab or newline in any) to the
 * control socket 'sock', copies the data lines of the answer to 'out' as
 * they come, and, when 'wait_end' and the answer was ok, waits until the
 * server closes the connection (the launch ended) at most 'wait_ms'.
 * Returns 0 for "ok"; -ECONNREFUSED or -ENOENT when no launch listens
 * there; -EREMOTEIO for an "error" answer, with *err its message (caller
 * frees); -ETIMEDOUT; -EINVAL for a word with a tab or newline; -EPROTO
 * for a connection closed without a status; or -errno. */
int ctl_client_request(const char *sock, int argc, char **argv, FILE *out, int wait_end,
		       int wait_ms, char **err);

#endif
