#include "plan/diskspec.h"

#include "base/errmsg.h"
#include "base/fs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/devopts.h"
#include "plan/diskfmt.h"

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Empty strings count as unset, as in the reference's [ -n "$x" ]. */
static bool given(const char *s)
{
	return s && *s;
}

int diskspec_parse(const char *spec, unsigned index, const char *def_driver,
		   struct diskspec *ds, char **err)
{
	const char *fmt = NULL, *serial;
	int ret = -ENOMEM;

	*err = NULL;
	memset(ds, 0, sizeof(*ds));
	ds->index = index;
	if (!(ds->spec = strdup(spec)) || strv_split(&ds->tokens, spec, ',') < 0 ||
	    asprintf(&ds->id, "disk%02u", index) < 0) {
		ds->id = NULL;
		goto out;
	}
	for (size_t i = 0; i < ds->tokens.n; i++) {
		const char *tok = ds->tokens.v[i], *eq = strchr(tok, '=');
		const char *val = eq ? eq + 1 : tok;
		char **dst = NULL;

		if (!eq && !given(ds->file) && *tok && fs_is_regular(tok) && str_set(&ds->file, tok) < 0)
			goto out;
		if (!strcmp(tok, "if=sd") || !strcmp(tok, "if=mtd") ||
		    !strcmp(tok, "if=floppy") || !strcmp(tok, "floppy")) {
			ret = errmsg_code(err, -EINVAL, "unsupported disk interface '%s' in --disk %s",
				   tok, spec);
			goto out;
		}
		if (has_prefix(tok, "driver="))
			dst = &ds->driver;
		else if (!strcmp(tok, "if=virtio"))
			val = "virtio-blk", dst = &ds->driver;
		else if (!strcmp(tok, "if=scsi"))
			val = "scsi-hd", dst = &ds->driver;
		else if (!strcmp(tok, "if=pflash"))
			val = "", dst = &ds->driver;
		else if (has_prefix(tok, "id="))
			dst = &ds->id;
		else if (has_prefix(tok, "file="))
			dst = &ds->file;
		else if (has_prefix(tok, "fmt=") || has_prefix(tok, "format="))
			dst = &ds->fmt;
		else if (has_prefix(tok, "serial="))
			dst = &ds->serial;
		else if (has_prefix(tok, "bus="))
			dst = &ds->bus;
		else if (has_prefix(tok, "unit="))
			dst = &ds->unit;
		else if (has_prefix(tok, "index="))
			dst = &ds->dindex;
		if (dst && str_set(dst, val) < 0)
			goto out;
	}
	if (!given(ds->file)) {
		ret = errmsg_code(err, -EINVAL, "no file in --disk '%s'", spec);
		goto out;
	}
	if (!given(ds->fmt) && fs_is_regular(ds->file)) {
		int r = diskfmt_probe(ds->file, &fmt);

		if (r < 0) {
			ret = errmsg_code(err, r, "cannot determine the format of '%s': %s",
				   ds->file, strerror(-r));
			goto out;
		}
	} else if (!given(ds->fmt)) {
		fmt = "raw";
	}
	if (fmt && str_set(&ds->fmt, fmt) < 0)
		goto out;
	if (!given(ds->driver) && str_set(&ds->driver, def_driver) < 0)
		goto out;
	if (!given(ds->serial)) {
		const char *wwn = NULL;

		for (size_t i = 0; i < ds->tokens.n; i++)
			if (has_prefix(ds->tokens.v[i], "wwn="))
				wwn = ds->tokens.v[i] + 4;
		serial = strrchr(ds->file, '/');
		serial = given(wwn) ? wwn : serial ? serial + 1 : ds->file;
		if (str_set(&ds->serial, serial) < 0)
			goto out;
	}
	if ((given(ds->bus) || given(ds->unit)) && given(ds->dindex)) {
		ret = errmsg_code(err, -EINVAL, "bus and index cannot be given together in --disk %s", spec);
		goto out;
	} else if (!given(ds->bus) && !given(ds->unit) && !given(ds->dindex)) {
		free(ds->dindex);
		if (asprintf(&ds->dindex, "%u", index) < 0) {
			ds->dindex = NULL;
			goto out;
		}
	} else if (given(ds->bus) && !given(ds->unit)) {
		free(ds->unit);
		if (asprintf(&ds->unit, "%u", index) < 0) {
			ds->unit = NULL;
			goto out;
		}
	}
	ret = 0;
out:
	if (ret < 0)
		diskspec_release(ds);
	return ret;
}

static bool skipped(const struct diskspec *ds, const char *tok)
{
	static const char *const prefixes[] = {
		"id=", "if=", "driver=", "file=", "fmt=", "format=",
		"serial=", "bus=", "unit=", "index=",
	};

	if (!strcmp(tok, ds->file))
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (has_prefix(tok, prefixes[i]))
			return true;
	return false;
}

static int probe_fail(char **err, int r, const char *model)
{
	if (r == -ENOEXEC)
		return errmsg_code(err, r, "bad device model '%s'", model);
	return errmsg_code(err, r, "cannot probe device model '%s': %s", model, strerror(-r));
}

int diskspec_build(struct diskspec *ds, struct devopts *d, int *locking, char **err)
{
	char *dbuf = NULL, *vbuf = NULL;
	size_t dlen = 0, vlen = 0;
	FILE *drive = NULL, *dev = NULL;
	int ret = -ENOMEM;

	*err = NULL;
	drive = open_memstream(&dbuf, &dlen);
	dev = open_memstream(&vbuf, &vlen);
	if (!drive || !dev)
		goto out;
	fprintf(drive, "file=%s,id=%s,if=none,format=%s,", ds->file, ds->id, ds->fmt);
	if (given(ds->bus))
		fprintf(drive, "bus=%s,unit=%s", ds->bus, ds->unit ? ds->unit : "");
	if (given(ds->dindex))
		fprintf(drive, "index=%s", ds->dindex);
	fprintf(dev, "%s,drive=%s", ds->driver, ds->id);
	if (given(ds->serial))
		fprintf(dev, ",serial=%s", ds->serial);
	for (size_t i = 0; i < ds->tokens.n; i++) {
		const char *tok = ds->tokens.v[i];
		int r;

		if (skipped(ds, tok))
			continue;
		if (has_prefix(tok, "file.locking=")) {
			if (*locking == LOCKING_UNKNOWN) {
				r = devopts_accepts(d, "virtio-blk", "share-rw");
				if (r < 0) {
					ret = probe_fail(err, r, "virtio-blk");
					goto out;
				}
				*locking = r ? LOCKING_YES : LOCKING_NO;
			}
			if (*locking == LOCKING_NO)
				continue;
		}
		r = devopts_accepts(d, ds->driver, tok);
		if (r < 0) {
			ret = probe_fail(err, r, ds->driver);
			goto out;
		}
		fprintf(r ? dev : drive, ",%s", tok);
	}
	if (!strcmp(ds->driver, "virtio-blk-ccw"))
		fputs(",scsi=off", dev);
	ret = 0;
out:
	if (drive && fclose(drive) != 0 && ret == 0)
		ret = -ENOMEM;
	if (dev && fclose(dev) != 0 && ret == 0)
		ret = -ENOMEM;
	if (ret == 0) {
		free(ds->drive);
		free(ds->device);
		ds->drive = dbuf;
		ds->device = vbuf;
	} else {
		free(dbuf);
		free(vbuf);
	}
	return ret;
}

void diskspec_release(struct diskspec *ds)
{
	if (!ds)
		return;
	free(ds->spec);
	strv_release(&ds->tokens);
	free(ds->file);
	free(ds->id);
	free(ds->driver);
	free(ds->fmt);
	free(ds->serial);
	free(ds->bus);
	free(ds->unit);
	free(ds->dindex);
	free(ds->drive);
	free(ds->device);
	memset(ds, 0, sizeof(*ds));
}
