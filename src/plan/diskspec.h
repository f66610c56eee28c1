/* diskspec: one --disk DISK spec, parsed (the reference's grammar).
 *
 * DISK is ','-separated tokens (bash IFS=, splitting): a bare token naming
 * an existing regular file is the file unless one was already named;
 * file=, driver=, if=virtio|scsi|pflash, id=, fmt=/format=, serial=, wwn=,
 * bus=, unit=, index=; every other token goes to -device when the driver
 * accepts it (devopts.h), else to -drive.  file.locking= is dropped when
 * qemu lacks file locking. */
#ifndef XKVM_DISKSPEC_H
#define XKVM_DISKSPEC_H

#include "base/strv.h"

struct devopts;

struct diskspec {
	unsigned index;		/* disk number: default id disk%02d and index= */
	char *spec;		/* the --disk argument as given */
	struct strv tokens;	/* all its tokens */
	char *file;		/* never empty after a successful parse */
	char *id, *driver, *fmt, *serial, *bus, *unit, *dindex;
	char *drive;		/* -drive argument, after diskspec_build() */
	char *device;		/* -device argument, after diskspec_build() */
};

/* File locking support, the reference's _QEMU_SUPPORTS_FILE_LOCKING. */
enum diskspec_locking { LOCKING_UNKNOWN = -1, LOCKING_NO = 0, LOCKING_YES = 1 };

/* Parses 'spec' for disk number 'index' into 'ds' (caller releases with
 * diskspec_release()).  'def_driver' is used when no driver=/if= names
 * one.  Reads the file system (is a bare token a regular file?) and, when
 * the file exists and no fmt= is given, its header (diskfmt_probe()).
 * Returns 0, or -EINVAL with *err set (a one-line message naming the bad
 * token and the spec; caller frees), -ENOMEM with *err NULL, or another
 * -errno with *err set.  On failure 'ds' holds nothing to free. */
int diskspec_parse(const char *spec, unsigned index, const char *def_driver,
		   struct diskspec *ds, char **err);

/* Builds ds->drive and ds->device, probing the driver's options through
 * 'd'.  '*locking' is the cached file-locking answer, probed (virtio-blk
 * share-rw) and stored when LOCKING_UNKNOWN and a file.locking= token needs
 * it.  Returns 0, -ENOMEM with *err NULL, or another -errno with *err set
 * (caller frees). */
int diskspec_build(struct diskspec *ds, struct devopts *d, int *locking, char **err);

/* Frees what 'ds' holds and zeroes it.  Accepts NULL. */
void diskspec_release(struct diskspec *ds);

#endif
