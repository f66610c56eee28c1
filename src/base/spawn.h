/* spawn: run a program and collect what it prints, for the two programs
 * xkvm runs besides qemu itself: qemu's `-device MODEL,?` probe
 * (plan/devopts.c) and `sudo xkvm tap-control` (net/sudo-nics.c). */
#ifndef XKVM_BASE_SPAWN_H
#define XKVM_BASE_SPAWN_H

#define SPAWN_STDERR	(1u << 0)	/* collect stderr too (2>&1) */
#define SPAWN_NO_STDIN	(1u << 1)	/* stdin from /dev/null */

/* Runs argv[0] (searched in PATH) with argv, default signal dispositions
 * and an empty signal mask, and waits for it.  With 'out', collects its
 * stdout (and stderr with SPAWN_STDERR) into a NUL-terminated string
 * stored in *out (caller frees; set only when the program ran); the pipe
 * is drained to the end even when memory runs out, so the child never
 * blocks.  Returns its exit status (128+N when killed by signal N), or
 * -errno when it could not run (-ENOMEM: out of memory; a program that
 * cannot be executed gives -ENOENT and the like, or exit status 127 where
 * the C library cannot tell, as under valgrind). */
int spawn_run(char *const argv[], unsigned flags, char **out);

/* spawn_run() with the child's stdout on 'out_fd' (the caller keeps it;
 * e.g. a capture's file) and its stderr on ours; SPAWN_STDERR is ignored.
 * Same returns. */
int spawn_run_to(char *const argv[], unsigned flags, int out_fd);

#endif
