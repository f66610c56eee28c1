/* priv: who runs `xkvm tap-control`, as the privilege boundary sees it.
 *
 * A caller "through sudo" is one whose real uid is 0 and whose SUDO_UID
 * names another user: a user with the sudoers grant of docs/security.md,
 * held to /etc/xkvm/acl.conf and to their own taps and ports.  Root (run
 * directly, or sudo run by root) is not limited.  /proc readers; nothing
 * prints. */
#ifndef XKVM_PRIV_H
#define XKVM_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct priv_caller {
	bool sudo;		/* through sudo: held to the ACL and own resources */
	uid_t uid;		/* the invoking user (SUDO_UID, else getuid()) */
	gid_t gid;		/* its primary group (SUDO_GID, else getgid()) */
	char *name;		/* its login name, or its uid in decimal */
	gid_t *groups;		/* every group of the user (the primary one too) */
	size_t n_groups;
};

/* Fills *c (release with priv_caller_release()).  Returns 0, -EINVAL for a
 * SUDO_UID or SUDO_GID that is no id, or -ENOMEM. */
int priv_caller_get(struct priv_caller *c);

/* Frees what *c holds.  Accepts NULL. */
void priv_caller_release(struct priv_caller *c);

/* The process that asked for this one: our parent, skipping every process
 * that runs the sudo binary (with `Defaults use_pty` sudo forks a monitor
 * between the caller and us).  Stores it in *pid.  Returns 0 or -errno. */
int priv_default_owner(pid_t *pid);

/* Whether 'pid' may own taps made for c: for a caller through sudo, a
 * running process (no zombie) whose real uid is c->uid, in our pid
 * namespace (which is sudo's, and the caller's); anything live for root.
 * Returns 0; -ESRCH (gone or a zombie), -EPERM (another user's), -EXDEV
 * (another pid namespace), or -errno. */
int priv_check_owner(const struct priv_caller *c, pid_t pid);

#endif
