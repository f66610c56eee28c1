/* remote: which OVSDB remotes xkvm accepts.  xkvm is a client: only the
 * active remotes unix:PATH, tcp:IP:PORT and ssl:IP:PORT (a comma-separated
 * list of them, as OVS takes).  A passive remote (punix:, ptcp:, pssl:)
 * would make OVS bind a socket, unlinking whatever file has the name first:
 * run through sudo, that deletes any file as root.  Pure logic. */
#ifndef XKVM_REMOTE_H
#define XKVM_REMOTE_H

/* Checks the --ovsdb argument 'remote'.  Returns 0 when it is a list of
 * active remotes; -EPERM with *err set when one is passive; -EINVAL with
 * *err set when one is anything else (empty included).  *err is one line
 * naming the option and the argument, no "xkvm: " prefix (caller frees);
 * -ENOMEM leaves *err NULL. */
int remote_check(const char *remote, char **err);

#endif
