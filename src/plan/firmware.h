/* firmware: the pflash drives for --bios and --uefi[-nvram] (the
 * reference's get_bios_opts). */
#ifndef XKVM_FIRMWARE_H
#define XKVM_FIRMWARE_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/strv.h"

struct firmware {
	char *code;		/* read-only code drive (split firmware), or NULL */
	char *nvram;		/* the read-write (vars or joined) drive, or NULL */
	char *nvram_src;	/* template to copy to nvram when it is absent */
	bool copy;		/* nvram must be copied from nvram_src first */
	bool readonly;		/* nvram is not writable: pass readonly=on */
	bool guessed;		/* no OVMF found; the given nvram is used as is */
	bool no_persist;	/* uefi without --uefi-nvram: the template itself,
				 * passed with snapshot=on when writable */
	char *bios;		/* --bios FILE, or NULL */
};

/* Decides the firmware drives.  'bios' (--bios) and 'uefi' are exclusive
 * (-EINVAL).  For uefi, the firmware directory is /usr/share (or
 * $XKVM_OVMF_DIR, a test hook) with OVMF/OVMF_CODE.fd + OVMF/OVMF_VARS.fd
 * (split), else ovmf/OVMF.fd (joined); on aarch64 AAVMF/AAVMF_CODE.fd +
 * AAVMF/AAVMF_VARS.fd.  'nvram' (--uefi-nvram, may be NULL) is used when
 * present, else marked for copying from the template; a copy counts as
 * writable, made yet or not.  Changes nothing
 * on the host.  Returns 0, -EINVAL (bios with uefi), -ENOENT (no firmware
 * found), -ENOMEM; on failure 'fw' holds nothing to free.  On success
 * release with firmware_release(). */
int firmware_resolve(const char *bios, bool uefi, const char *nvram, struct firmware *fw);

/* When fw->copy: checks, changing nothing, that the copy can be made (the
 * template readable, fw->nvram's directory writable), so that a launch
 * fails before it creates anything and a dry run fails as the real run
 * would.  Returns 0 or the -errno the copy would meet. */
int firmware_check_copy(const struct firmware *fw);

/* For a process running as root: whether the --uefi-nvram path 'given'
 * (what fw->nvram came from) is safe to hand to a root qemu read-write, by
 * ssh's StrictModes rule.  Refused: a symbolic link as the file, or one of
 * another user (not root, not 'invoker') on the way; an existing file
 * that is not regular, not root's or the invoker's, or has other hard
 * links; a directory from the file's up to '/' that is not root's or the
 * invoker's, or that others may write, unless it is sticky and the entry
 * in it is root's or the invoker's (or, for the file's own directory, not
 * there yet: the copy is made with O_EXCL|O_NOFOLLOW).  Nothing to check
 * without --uefi-nvram, nor when its directory does not exist (then
 * firmware_check_copy() fails).  Returns 0, or -errno with *err set to one line
 * naming the path and the reason (caller frees; NULL on -ENOMEM). */
int firmware_check_trust(const struct firmware *fw, const char *given, uid_t invoker,
			 char **err);

/* Copies fw->nvram_src to fw->nvram when fw->copy (never overwrites an
 * existing file, never through a symbolic link: -EEXIST, -ELOOP), mode
 * 0600.  Returns 0 or -errno; a partial copy is removed
 * again on failure. */
int firmware_copy_nvram(const struct firmware *fw);

/* Appends the -drive options to 'argv'.  Returns 0 or -ENOMEM. */
int firmware_argv(const struct firmware *fw, struct strv *argv);

/* Frees what 'fw' holds and zeroes it.  Accepts NULL. */
void firmware_release(struct firmware *fw);

#endif
