/* owner: the tag xkvm puts on every tap it creates (IFLA_IFALIAS), saying
 * whose it is: "xkvm:pid=P,start=T,uid=U,pidns=N,boot=BOOTID".  P and T
 * (field 22 of /proc/P/stat, clock ticks since boot) name one process for the
 * life of one boot, as seen from the pid namespace whose inode is N (a
 * container sharing the host's network, say); U is the invoking user;
 * BOOTID is /proc/sys/kernel/random/boot_id.
 * Pure logic plus /proc; nothing prints. */
#ifndef XKVM_OWNER_H
#define XKVM_OWNER_H

#include <stddef.h>
#include <sys/types.h>

#define OWNER_BOOTSIZ 37	/* a boot id is a 36-character UUID */
#define OWNER_TAGSIZ 160	/* enough for any tag (IFALIASZ is 256) */

struct owner {
	pid_t pid;
	unsigned long long start;
	uid_t uid;
	unsigned long long pidns;	/* inode of the owner's /proc/PID/ns/pid */
	char boot[OWNER_BOOTSIZ];
};

/* Fills *out with this process and 'uid'.  Returns 0 or -errno. */
int owner_self(struct owner *out, uid_t uid);

/* Fills *out with the live process 'pid' and 'uid' (e.g. the unprivileged
 * xkvm a `sudo xkvm tap-control make-nics --owner-pid` works for).
 * Returns 0, -ENOENT when there is no such process, -ESRCH for a zombie, or
 * -errno. */
int owner_of(pid_t pid, uid_t uid, struct owner *out);

/* The invoking user: SUDO_UID when set (run through sudo), else getuid().
 * Stores it in *uid.  Returns 0, or -EINVAL for a SUDO_UID that is no uid. */
int owner_invoking_uid(uid_t *uid);

/* Writes the tag into buf.  Returns 0 or -ENOSPC. */
int owner_format(const struct owner *o, char *buf, size_t size);

/* Parses a tag exactly as owner_format() writes it.  Fills *out only on
 * success.  Returns 0 or -EINVAL (not an xkvm tag, or malformed). */
int owner_parse(const char *tag, struct owner *out);

/* Reads field 22 (starttime) of /proc/PID/stat.  Returns 0, -ENOENT when
 * there is no such process, or -errno. */
int owner_start_time(pid_t pid, unsigned long long *start);

/* Reads this boot's id into boot.  Returns 0 or -errno. */
int owner_boot_id(char boot[OWNER_BOOTSIZ]);

/* owner_start_time() of a process that runs: -ESRCH for a zombie (state
 * Z or X), which counts as dead.  Returns 0, -ENOENT, -ESRCH or -errno. */
int owner_running(pid_t pid, unsigned long long *start);

/* Reads the inode of /proc/PID/ns/pid (pid 0: this process).  Returns 0 or
 * -errno. */
int owner_pidns(pid_t pid, unsigned long long *ino);

/* Whether the owner still runs: same boot, /proc/PID exists and is no
 * zombie, same start time.  Returns 1 (alive), 0 (gone) or -errno when that cannot be told:
 * -EXDEV when the owner lives in another pid namespace (its pid means
 * nothing here), so a reaper leaves it alone. */
int owner_alive(const struct owner *o);

#endif
