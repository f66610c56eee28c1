/* fake-sudo: a sudo stand-in for tests only (installed setuid root into a
 * test's temporary directory): records the caller as SUDO_UID/SUDO_GID,
 * becomes root and runs the command, as `sudo CMD...` with NOPASSWD does. */
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
