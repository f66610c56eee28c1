/* firmware: --bios, --uefi split/joined/guessed, nvram copy; firmware
 * trees are made in a temp dir and selected with XKVM_OVMF_DIR. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "scratch.h"
#include "plan/firmware.h"

/* The firmware's drives joined by ' ', with scratch_dir shown as '@'. */
static char *drives(const struct firmware *fw)
{
	static char buf[2048];
	struct strv sv = STRV_INIT;
	char *s;

	CHECK_INT(0, firmware_argv(fw, &sv));
	s = strv_join(&sv, " ");
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	strv_release(&sv);
	scratch_hide(buf);
	return buf;
}

/* firmware_check_trust(fw, given, 4242) on a firmware whose nvram is
 * 'name' (under scratch_dir): its return, and the message in *msg (scratch_dir as '@'). */
static int trust(const char *name, char *msg, size_t size)
{
	struct firmware t = { .nvram = path(name) };
	char *err = NULL;
	int r = firmware_check_trust(&t, t.nvram, 4242, &err);

	snprintf(msg, size, "%s", err ? err : "");
	scratch_hide(msg);
	free(err);
	return r;
}

/* As root: the StrictModes rule for --uefi-nvram (invoker uid 4242). */
static void test_trust(void)
{
	struct firmware none = { .nvram = path("x"), .no_persist = true };
	char msg[512], *err = NULL;

	CHECK_INT(0, firmware_check_trust(&none, NULL, 4242, &err));	/* the template */
	CHECK(err == NULL);
	put("own.fd", "x", 0644);
	CHECK_INT(0, trust("own.fd", msg, sizeof(msg)));
	CHECK_INT(0, trust("absent.fd", msg, sizeof(msg)));
	CHECK_INT(0, trust("nodir/x.fd", msg, sizeof(msg)));	/* the copy check says it */
	CHECK_INT(0, symlink(path("own.fd"), path("link.fd")));
	CHECK_INT(-ELOOP, trust("link.fd", msg, sizeof(msg)));
	CHECK_STR("refusing --uefi-nvram '@/link.fd': '@/link.fd' is a symbolic link", msg);
	/* a directory link of another user on the way; root's is fine */
	CHECK_INT(0, mkdir(path("d"), 0755));
	CHECK_INT(0, symlink(path("d"), path("dlink")));
	CHECK_INT(0, trust("dlink/x.fd", msg, sizeof(msg)));
	CHECK_INT(0, lchown(path("dlink"), 65534, 65534));
	CHECK_INT(-ELOOP, trust("dlink/x.fd", msg, sizeof(msg)));
	CHECK_STR("refusing --uefi-nvram '@/dlink/x.fd': '@/dlink' is a symbolic link of another user",
		  msg);
	CHECK_INT(0, lchown(path("dlink"), 4242, 4242));	/* the invoker's */
	CHECK_INT(0, trust("dlink/x.fd", msg, sizeof(msg)));
	/* writable by others: refused unless sticky and the entry trusted */
	CHECK_INT(0, chmod(path("d"), 0777));
	CHECK_INT(-EPERM, trust("d/x.fd", msg, sizeof(msg)));
	CHECK_STR("refusing --uefi-nvram '@/d/x.fd': directory '@/d' is writable by other users "
		  "(as root, use a directory only you can write)", msg);
	CHECK_INT(0, chmod(path("d"), 0775));
	CHECK_INT(-EPERM, trust("d/x.fd", msg, sizeof(msg)));
	CHECK_INT(0, chmod(path("d"), 01777));
	CHECK_INT(0, trust("d/x.fd", msg, sizeof(msg)));	/* made with O_EXCL */
	put("d/x.fd", "x", 0644);
	CHECK_INT(0, trust("d/x.fd", msg, sizeof(msg)));
	CHECK_INT(0, chown(path("d/x.fd"), 65534, 65534));
	CHECK_INT(-EPERM, trust("d/x.fd", msg, sizeof(msg)));
	CHECK_STR("refusing --uefi-nvram '@/d/x.fd': it belongs to another user (as root, it must "
		  "be root's or yours)", msg);
	CHECK_INT(0, chown(path("d/x.fd"), 4242, 4242));
	CHECK_INT(0, trust("d/x.fd", msg, sizeof(msg)));
	/* a directory of another user (even one only they can write) */
	CHECK_INT(0, chmod(path("d"), 0755));
	CHECK_INT(0, chown(path("d"), 65534, 65534));
	CHECK_INT(-EPERM, trust("d/x.fd", msg, sizeof(msg)));
	CHECK_STR("refusing --uefi-nvram '@/d/x.fd': directory '@/d' belongs to uid 65534 (as root, "
		  "it must be root's or yours)", msg);
	CHECK_INT(0, chown(path("d"), 4242, 4242));
	CHECK_INT(0, trust("d/x.fd", msg, sizeof(msg)));
	/* a hard link (to root's file, say), a non-regular file */
	CHECK_INT(0, link(path("own.fd"), path("hard.fd")));
	CHECK_INT(-EPERM, trust("hard.fd", msg, sizeof(msg)));
	CHECK_STR("refusing --uefi-nvram '@/hard.fd': it has other hard links", msg);
	CHECK_INT(-EPERM, trust("d", msg, sizeof(msg)));
	CHECK_STR("refusing --uefi-nvram '@/d': not a regular file", msg);
	/* the copy: never through a link, mode 0600 */
	{
		struct firmware c = { .nvram = path("copy.fd"), .nvram_src = path("own.fd"),
				      .copy = true };
		struct stat st;

		CHECK_INT(0, symlink(path("own.fd"), path("copy.fd")));
		CHECK_INT(-EEXIST, firmware_copy_nvram(&c));
		CHECK_INT(0, unlink(path("copy.fd")));
		CHECK_INT(0, firmware_copy_nvram(&c));
		CHECK_INT(0, stat(path("copy.fd"), &st));
		CHECK_INT(0600, st.st_mode & 07777);
		unlink(path("copy.fd"));
	}
	unlink(path("d/x.fd"));
	rmdir(path("d"));
	unlink(path("dlink"));
	unlink(path("link.fd"));
	unlink(path("hard.fd"));
	unlink(path("own.fd"));
}

int main(void)
{
	struct firmware fw;
	char buf[64] = "";
	int fd;

	CHECK_INT(0, scratch_make("firmware"));
	CHECK_INT(0, mkdir(path("OVMF"), 0755));
	CHECK_INT(0, mkdir(path("ovmf"), 0755));
	setenv("XKVM_OVMF_DIR", scratch_dir, 1);

	CHECK_INT(0, firmware_resolve(NULL, false, NULL, &fw));
	CHECK_STR("", drives(&fw));
	firmware_release(&fw);
	CHECK_INT(0, firmware_resolve("/x/bios.fd", false, NULL, &fw));
	CHECK_STR("-drive if=pflash,format=raw,file=/x/bios.fd", drives(&fw));
	firmware_release(&fw);
	CHECK_INT(-EINVAL, firmware_resolve("/x/bios.fd", true, NULL, &fw));
	firmware_release(&fw);

	/* nothing installed */
	CHECK_INT(-ENOENT, firmware_resolve(NULL, true, NULL, &fw));
	CHECK_INT(-ENOENT, firmware_resolve(NULL, true, path("none.fd"), &fw));
	/* nvram given and present, no OVMF: used as code and vars */
	put("mine.fd", "MINE", 0644);
	CHECK_INT(0, firmware_resolve(NULL, true, path("mine.fd"), &fw));
	CHECK(fw.guessed);
	CHECK_STR("-drive if=pflash,format=raw,file=@/mine.fd", drives(&fw));
	firmware_release(&fw);

	/* joined OVMF.fd */
	put("ovmf/OVMF.fd", "JOINED", 0644);
	CHECK_INT(0, firmware_resolve(NULL, true, NULL, &fw));
	CHECK(fw.no_persist);
	/* the template itself: the guest's writes go to a snapshot overlay */
	CHECK_STR("-drive if=pflash,format=raw,file=@/ovmf/OVMF.fd,snapshot=on", drives(&fw));
	firmware_release(&fw);

	/* split: code read-only, then vars */
	put("OVMF/OVMF_VARS.fd", "VARS", 0644);
	CHECK_INT(0, firmware_resolve(NULL, true, NULL, &fw));
	CHECK_STR("-drive if=pflash,format=raw,file=@/OVMF/OVMF_CODE.fd,readonly=on "
		  "-drive if=pflash,format=raw,file=@/OVMF/OVMF_VARS.fd,snapshot=on", drives(&fw));
	firmware_release(&fw);
	put("OVMF/OVMF_CODE.fd", "CODE", 0644);
	CHECK_INT(0, firmware_resolve(NULL, true, path("mine.fd"), &fw));
	CHECK(!fw.copy);
	CHECK_STR("-drive if=pflash,format=raw,file=@/OVMF/OVMF_CODE.fd,readonly=on "
		  "-drive if=pflash,format=raw,file=@/mine.fd", drives(&fw));
	firmware_release(&fw);

	/* absent nvram: a dry run plans the copy but makes none */
	CHECK_INT(0, firmware_resolve(NULL, true, path("new.fd"), &fw));
	CHECK(fw.copy);
	CHECK(!fw.readonly);
	CHECK_STR("-drive if=pflash,format=raw,file=@/OVMF/OVMF_CODE.fd,readonly=on "
		  "-drive if=pflash,format=raw,file=@/new.fd", drives(&fw));
	CHECK(access(path("new.fd"), F_OK) != 0);
	/* the copy can be made (into a missing directory it cannot: below) */
	CHECK_INT(0, firmware_check_copy(&fw));
	/* the real copy, once */
	CHECK_INT(0, firmware_copy_nvram(&fw));
	fd = open(path("new.fd"), O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK_INT(4, read(fd, buf, sizeof(buf)));
	close(fd);
	CHECK_STR("VARS", buf);
	CHECK_INT(-EEXIST, firmware_copy_nvram(&fw));
	firmware_release(&fw);
	firmware_release(NULL);
	CHECK_INT(0, firmware_resolve(NULL, true, path("no/such/dir.fd"), &fw));
	CHECK(fw.copy);
	CHECK_INT(-ENOENT, firmware_check_copy(&fw));
	firmware_release(&fw);

	/* an nvram we cannot write is passed readonly=on; root bypasses mode
	 * bits, so as root a child that became uid 65534 looks */
	CHECK_INT(0, chmod(path("mine.fd"), 0444));
	CHECK_INT(0, chmod(scratch_dir, 0755));
	if (geteuid() != 0) {
		CHECK_INT(0, firmware_resolve(NULL, true, path("mine.fd"), &fw));
		CHECK(fw.readonly);
		firmware_release(&fw);
	} else {
		pid_t pid = fork();
		int status = -1;

		if (pid == 0) {
			int ok = setgid(65534) == 0 && setuid(65534) == 0 &&
				 firmware_resolve(NULL, true, path("mine.fd"), &fw) == 0 &&
				 fw.readonly;
			_exit(ok ? 0 : 1);
		}
		CHECK(pid > 0);
		CHECK_INT(pid, waitpid(pid, &status, 0));
		CHECK_INT(0, status);	/* exited 0: readonly as uid 65534 */
	}

	if (geteuid() == 0)
		test_trust();
	unlink(path("OVMF/OVMF_CODE.fd"));
	unlink(path("OVMF/OVMF_VARS.fd"));
	unlink(path("ovmf/OVMF.fd"));
	unlink(path("mine.fd"));
	unlink(path("new.fd"));
	rmdir(path("OVMF"));
	rmdir(path("ovmf"));
	CHECK_INT(0, rmdir(scratch_dir));
	return check_summary("test-firmware");
}
