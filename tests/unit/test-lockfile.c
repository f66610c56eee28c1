/* base/lockfile: taken and released, busy without waiting, the file gone
 * after release (the directory stays), a directory others may write refused,
 * a waiter that wakes on a released (removed) file takes the new one, and
 * a stale file (its holder gone) removed while a held one stays. */
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "base/lockfile.h"
#include "scratch.h"

int main(void)
{
	struct stat st;
	char dir[512];
	int fd, fd2, ret;

	CHECK_INT(0, scratch_make("lockfile"));
	snprintf(dir, sizeof(dir), "%s", path("locks"));

	CHECK_INT(1, lockfile_take(dir, "a.lock", false, &fd));
	CHECK(fd >= 0);
	CHECK_INT(0, stat(dir, &st));
	CHECK_INT(0700, st.st_mode & 0777);
	CHECK_INT(0, lockfile_take(dir, "a.lock", false, &fd2));	/* busy */
	CHECK_INT(-1, fd2);
	CHECK_INT(1, lockfile_take(dir, "b.lock", false, &fd2));	/* another name */
	lockfile_release(dir, "b.lock", fd2);
	CHECK(access(path("locks/b.lock"), F_OK) < 0);
	CHECK_INT(0, access(dir, F_OK));	/* a.lock is still there */

	/* A waiter in a child: blocks until we release, then holds the new
	 * file (ours was removed), and says so by its exit status. */
	pid_t pid = fork();

	if (pid == 0) {
		struct stat s1, s2;
		int f, r;

		close(fd);	/* the parent's: the same open file, lock and all */
		r = lockfile_take(dir, "a.lock", true, &f);
		_exit(r == 1 && fstat(f, &s1) == 0 && stat(path("locks/a.lock"), &s2) == 0 &&
		      s1.st_ino == s2.st_ino ? 0 : 1);
	}
	usleep(100 * 1000);
	lockfile_release(dir, "a.lock", fd);
	CHECK_INT(0, waitpid(pid, &ret, 0) == pid ? WEXITSTATUS(ret) : -1);

	/* the child died holding it: the file stays, the lock is free */
	CHECK_INT(1, lockfile_take(dir, "a.lock", false, &fd));
	lockfile_release(dir, "a.lock", fd);
	CHECK(access(path("locks/a.lock"), F_OK) < 0 && errno == ENOENT);

	/* Stale: a child takes a lock and dies holding it (SIGKILL). */
	pid = fork();
	if (pid == 0) {
		int f;

		if (lockfile_take(dir, "s.lock", false, &f) == 1)
			kill(getpid(), SIGKILL);
		_exit(1);
	}
	CHECK_INT(SIGKILL, waitpid(pid, &ret, 0) == pid && WIFSIGNALED(ret) ? WTERMSIG(ret) : -1);
	CHECK_INT(0, access(path("locks/s.lock"), F_OK));	/* left behind */
	CHECK_INT(1, lockfile_take(dir, "h.lock", false, &fd));
	CHECK_INT(0, lockfile_remove_stale(dir, "h.lock"));	/* held: stays */
	CHECK_INT(0, access(path("locks/h.lock"), F_OK));
	CHECK_INT(1, lockfile_remove_stale(dir, "s.lock"));
	CHECK(access(path("locks/s.lock"), F_OK) < 0 && errno == ENOENT);
	CHECK_INT(0, lockfile_remove_stale(dir, "s.lock"));	/* gone: nothing to do */
	CHECK_INT(0, mkdir(path("locks/d.lock"), 0700));	/* not a lock file */
	CHECK_INT(0, lockfile_remove_stale(dir, "d.lock"));
	CHECK_INT(0, rmdir(path("locks/d.lock")));
	{	/* nor is a socket */
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int so = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path("locks/u.lock"));
		CHECK_INT(0, bind(so, (struct sockaddr *)&sa, sizeof(sa)));
		CHECK_INT(0, lockfile_remove_stale(dir, "u.lock"));
		CHECK_INT(0, access(path("locks/u.lock"), F_OK));
		CHECK_INT(0, unlink(path("locks/u.lock")));
		close(so);
	}
	CHECK_INT(0, symlink("h.lock", path("locks/l.lock")));	/* nor is a symlink */
	CHECK_INT(0, lockfile_remove_stale(dir, "l.lock"));
	CHECK_INT(0, unlink(path("locks/l.lock")));
	lockfile_release(dir, "h.lock", fd);
	CHECK_INT(0, rmdir(dir));	/* no file left: empty */

	/* a directory others may write is refused */
	CHECK_INT(0, mkdir(dir, 0777));
	CHECK_INT(0, chmod(dir, 0777));
	CHECK_INT(-EPERM, lockfile_take(dir, "a.lock", true, &fd));
	CHECK_INT(-1, fd);
	CHECK_INT(-EPERM, lockfile_remove_stale(dir, "a.lock"));
	CHECK_INT(0, rmdir(dir));
	CHECK_INT(0, rmdir(scratch_dir));
	return check_summary("test-lockfile");
}
