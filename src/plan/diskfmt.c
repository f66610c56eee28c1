/* diskfmt: the format qemu-img would report, decided from the image header
 * with the same rules as qemu 7.2's format probing (block.c
 * find_image_format() and bdrv_probe_all(), each driver's .bdrv_probe).
 *
 * How qemu decides, and so how we do:
 *  - an empty file (length 0) is raw without looking further;
 *  - otherwise the first 2048 bytes are read, zero-padded past the end of
 *    a shorter file, and every driver scores that buffer (plus the file
 *    name): the highest score wins, a tie goes to the driver met first in
 *    qemu's driver list, and raw (score 1) is the fallback;
 *  - only the start of the file is seen: a fixed VHD (its "conectix"
 *    footer only at the end) is raw to qemu-img, and dmg is recognised by
 *    its ".dmg" name alone (the "koly" trailer is checked only on open).
 * The probers below are listed in qemu's list order where it matters:
 * parallels and qed before vdi, vdi before the other magic-at-offset-0
 * formats (vdi's signature sits at offset 64 and can coexist with them),
 * dmg before cloop (both score 2).  Measured against qemu-img 7.2. */
#include "plan/diskfmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define PROBE_SIZE 2048	/* qemu's BLOCK_PROBE_BUF_SIZE */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int probe_qcow2(const uint8_t *buf, const char *path)
{
	(void)path;
	return !memcmp(buf, "QFI\xfb", 4) && be32(buf + 4) >= 2 ? 100 : 0;
}

static int probe_qcow(const uint8_t *buf, const char *path)
{
	(void)path;
	return !memcmp(buf, "QFI\xfb", 4) && be32(buf + 4) == 1 ? 100 : 0;
}

static int probe_qed(const uint8_t *buf, const char *path)
{
	(void)path;
	return !memcmp(buf, "QED\0", 4) ? 100 : 0;
}

static int starts_with(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && !memcmp(p, s, n);
}

/* A text descriptor: '#' comment lines and lines of spaces (optionally
 * ending in "\r") may come first, then the first other line must be
 * "version=1", "=2" or "=3" ending in "\n" or "\r\n".  An empty line with
 * no space, or anything else, is not a descriptor (qemu's vmdk_probe). */
static int vmdk_descriptor(const char *p, const char *end)
{
	while (p < end) {
		if (*p == '#') {
			while (p < end && *p != '\n')
				p++;
			if (p < end)	/* qemu steps past end here; same result */
				p++;
			continue;
		}
		if (*p == ' ') {
			while (p < end && *p == ' ')
				p++;
			if (p < end && *p == '\r')
				p++;
			if (p == end || *p != '\n')
				return 0;
			p++;
			continue;
		}
		if (starts_with(p, end, "version=1\n") || starts_with(p, end, "version=2\n") ||
		    starts_with(p, end, "version=3\n") || starts_with(p, end, "version=1\r\n") ||
		    starts_with(p, end, "version=2\r\n") || starts_with(p, end, "version=3\r\n"))
			return 100;
		return 0;
	}
	return 0;
}

static int probe_vmdk(const uint8_t *buf, const char *path)
{
	(void)path;
	if (!memcmp(buf, "COWD", 4) || !memcmp(buf, "KDMV", 4))
		return 100;
	return vmdk_descriptor((const char *)buf, (const char *)buf + PROBE_SIZE);
}

static int probe_vdi(const uint8_t *buf, const char *path)
{
	(void)path;
	return le32(buf + 64) == 0xbeda107f ? 100 : 0;
}

static int probe_vhdx(const uint8_t *buf, const char *path)
{
	(void)path;
	return !memcmp(buf, "vhdxfile", 8) ? 100 : 0;
}

static int probe_vpc(const uint8_t *buf, const char *path)
{
	(void)path;
	return !memcmp(buf, "conectix", 8) ? 100 : 0;
}

/* LUKS version 1 only: qemu 7.2 has no LUKS2 support. */
static int probe_luks(const uint8_t *buf, const char *path)
{
	(void)path;
	return !memcmp(buf, "LUKS\xba\xbe", 6) && buf[6] == 0 && buf[7] == 1 ? 100 : 0;
}

static int probe_parallels(const uint8_t *buf, const char *path)
{
	(void)path;
	return (!memcmp(buf, "WithoutFreeSpace", 16) || !memcmp(buf, "WithouFreSpacExt", 16)) &&
		le32(buf + 16) == 2 ? 100 : 0;
}

/* NUL-terminated strings in fixed fields: magic[32], type[16], subtype[16],
 * then a little-endian version 2.0 or 1.0. */
static int probe_bochs(const uint8_t *buf, const char *path)
{
	uint32_t version = le32(buf + 64);

	(void)path;
	return !memcmp(buf, "Bochs Virtual HD Image", sizeof("Bochs Virtual HD Image")) &&
		!memcmp(buf + 32, "Redolog", sizeof("Redolog")) &&
		!memcmp(buf + 48, "Growing", sizeof("Growing")) &&
		(version == 0x00020000 || version == 0x00010000) ? 100 : 0;
}

/* qemu's dmg_probe looks at the name only: longer than ".dmg", ending in
 * ".dmg" (case matters).  The score 2 beats only raw. */
static int probe_dmg(const uint8_t *buf, const char *path)
{
	size_t len = strlen(path);

	(void)buf;
	return len > 4 && !strcmp(path + len - 4, ".dmg") ? 2 : 0;
}

static int probe_cloop(const uint8_t *buf, const char *path)
{
	static const char magic[] = "#!/bin/sh\n#V2.0 Format\n"
		"modprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n";

	(void)path;
	return !memcmp(buf, magic, sizeof(magic) - 1) ? 2 : 0;
}

static const struct {
	const char *name;
	int (*probe)(const uint8_t *buf, const char *path);
} probers[] = {
	{ "parallels", probe_parallels },
	{ "qed", probe_qed },
	{ "vdi", probe_vdi },
	{ "qcow2", probe_qcow2 },
	{ "qcow", probe_qcow },
	{ "vmdk", probe_vmdk },
	{ "vhdx", probe_vhdx },
	{ "vpc", probe_vpc },
	{ "luks", probe_luks },
	{ "bochs", probe_bochs },
	{ "dmg", probe_dmg },
	{ "cloop", probe_cloop },
};

/* Reads up to 'size' bytes from the start; the rest of 'buf' is zeroed. */
static int read_head(int fd, uint8_t *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = pread(fd, buf + got, size - got, (off_t)got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	memset(buf + got, 0, size - got);
	return 0;
}

int diskfmt_probe(const char *path, const char **fmt)
{
	uint8_t buf[PROBE_SIZE];
	const char *best = "raw";
	int best_score = 1;	/* raw_probe's score */
	int fd = -1, ret = -EINVAL;
	off_t length;
	size_t i;

	/* O_NONBLOCK: a FIFO must not hang us (it fails at lseek instead). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	/* lseek, not fstat: a block device's st_size is 0. */
	length = lseek(fd, 0, SEEK_END);
	if (length < 0) {
		ret = -errno;
		goto out;
	}
	if (length > 0) {
		ret = read_head(fd, buf, sizeof(buf));
		if (ret < 0)
			goto out;
		for (i = 0; i < sizeof(probers) / sizeof(probers[0]); i++) {
			int score = probers[i].probe(buf, path);

			if (score > best_score) {
				best_score = score;
				best = probers[i].name;
			}
		}
	}
	*fmt = best;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}
