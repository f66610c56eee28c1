/* fake-sudo: a sudo stand-in for tests only (installed setuid root into a
 * test's temporary directory, executable by group 65534 alone): records the
 * caller as SUDO_UID/SUDO_GID, becomes root and runs the command, as
 * `sudo CMD...` with NOPASSWD does.  Only uid 65534 (the tests' unprivileged
 * user) and root may use it: nobody else on the machine gets root by it. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char uid[32], gid[32];

	if (argc < 2) {
		fprintf(stderr, "usage: sudo CMD [ARG...]\n");
		return 1;
	}
	if (getuid() != 65534 && getuid() != 0) {
		fprintf(stderr, "fake-sudo: only for uid 65534\n");
		return 1;
	}
	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());
	snprintf(gid, sizeof(gid), "%u", (unsigned)getgid());
	if (setenv("SUDO_UID", uid, 1) || setenv("SUDO_GID", gid, 1) ||
	    setgid(0) || setuid(0)) {
		perror("fake-sudo");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
