/* test-diskfmt: handcrafted image headers in temporary files, probed the
 * way qemu-img 7.2 decides "file format:". */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "plan/diskfmt.h"

static char dir[] = "/tmp/test-diskfmt-XXXXXX";

struct image {
	uint8_t *data;
	size_t size;
};

/* A zeroed image of 'size' bytes. */
static struct image image_new(size_t size)
{
	struct image im = { calloc(1, size ? size : 1), size };

	if (!im.data) {
		perror("calloc");
		exit(99);
	}
	return im;
}

static void put(struct image *im, size_t off, const void *p, size_t n)
{
	if (off + n > im->size) {
		fprintf(stderr, "put beyond image end\n");
		exit(99);
	}
	memcpy(im->data + off, p, n);
}

static void put_be32(struct image *im, size_t off, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	put(im, off, b, 4);
}

static void put_le32(struct image *im, size_t off, uint32_t v)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };

	put(im, off, b, 4);
}

/* Writes the image as dir/name, frees it and returns what diskfmt_probe
 * says ("error" on failure). */
static const char *probe_image(const char *name, struct image im)
{
	char path[256];
	const char *fmt = "error";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wbe");
	if (!f || fwrite(im.data, 1, im.size, f) != im.size || fclose(f)) {
		perror(path);
		exit(99);
	}
	free(im.data);
	if (diskfmt_probe(path, &fmt) < 0)
		fmt = "error";
	unlink(path);
	return fmt;
}

static struct image qcow_like(uint32_t version)
{
	struct image im = image_new(4096);

	put(&im, 0, "QFI\xfb", 4);
	put_be32(&im, 4, version);
	return im;
}

static struct image vmdk_text(const char *text)
{
	struct image im = image_new(strlen(text));

	put(&im, 0, text, strlen(text));
	return im;
}

static struct image bochs(uint32_t version, const char *subtype)
{
	struct image im = image_new(1024);

	put(&im, 0, "Bochs Virtual HD Image", 22);
	put(&im, 32, "Redolog", 7);
	put(&im, 48, subtype, strlen(subtype));
	put_le32(&im, 64, version);
	return im;
}

static const char cloop_magic[] = "#!/bin/sh\n#V2.0 Format\n"
	"modprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n";

static struct image cloop(size_t magic_len, size_t size)
{
	struct image im = image_new(size);

	put(&im, 0, cloop_magic, magic_len);
	return im;
}

static struct image parallels(const char *magic, uint32_t version)
{
	struct image im = image_new(1024);

	put(&im, 0, magic, 16);
	put_le32(&im, 16, version);
	return im;
}

static struct image luks(uint8_t version)
{
	struct image im = image_new(4096);
	uint8_t v[2] = { 0, version };

	put(&im, 0, "LUKS\xba\xbe", 6);
	put(&im, 6, v, 2);
	put(&im, 8, "aes", 3);
	return im;
}

/* A UDIF trailer ("koly") in the last 512 bytes, as a real dmg has. */
static struct image dmg_trailer(void)
{
	struct image im = image_new(2048);

	put(&im, 0, "<plist></plist>\n", 16);
	put(&im, 1536, "koly", 4);
	return im;
}

/* Adds vdi's signature at offset 64, growing the image to hold it. */
static struct image with_vdi_signature(struct image im)
{
	if (im.size < 68) {
		struct image big = image_new(68);

		put(&big, 0, im.data, im.size);
		free(im.data);
		im = big;
	}
	put_le32(&im, 64, 0xbeda107f);
	return im;
}

static struct image bytes(const void *p, size_t n)
{
	struct image im = image_new(n);

	put(&im, 0, p, n);
	return im;
}

int main(void)
{
	const char *fmt = "untouched";
	char path[256];
	struct image im;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}

	/* Empty and tiny files. */
	CHECK_STR("raw", probe_image("empty", image_new(0)));
	CHECK_STR("raw", probe_image("empty.dmg", image_new(0)));	/* length 0: raw first */
	CHECK_STR("raw", probe_image("one", bytes("Q", 1)));
	CHECK_STR("raw", probe_image("qfi3", bytes("QFI", 3)));
	CHECK_STR("raw", probe_image("zeros", image_new(65536)));

	/* qcow2 / qcow: magic and version. */
	CHECK_STR("qcow2", probe_image("v2.qcow2", qcow_like(2)));
	CHECK_STR("qcow2", probe_image("v3.qcow2", qcow_like(3)));
	CHECK_STR("qcow2", probe_image("vmax.qcow2", qcow_like(0xffffffff)));
	CHECK_STR("qcow", probe_image("v1.qcow", qcow_like(1)));
	CHECK_STR("raw", probe_image("v0.qcow", qcow_like(0)));
	/* Truncated header: qemu zero-pads the probe buffer and still says qcow2. */
	CHECK_STR("qcow2", probe_image("short.qcow2", bytes("QFI\xfb\0\0\0\3", 8)));
	CHECK_STR("raw", probe_image("short-v0", bytes("QFI\xfb\0\0", 6)));

	CHECK_STR("qed", probe_image("x.qed", bytes("QED\0\0\0\1\0", 8)));
	CHECK_STR("raw", probe_image("qed-no-nul", bytes("QEDX", 4)));

	/* vmdk: binary magics and text descriptors. */
	CHECK_STR("vmdk", probe_image("kdmv.vmdk", bytes("KDMV\1\0\0\0", 8)));
	CHECK_STR("vmdk", probe_image("cowd.vmdk", bytes("COWD\1\0\0\0", 8)));
	CHECK_STR("raw", probe_image("vmdk-le", bytes("VMDK", 4)));
	CHECK_STR("vmdk", probe_image("desc.vmdk", vmdk_text(
		"# Disk DescriptorFile\nversion=1\nCID=fffffffe\n"
		"createType=\"monolithicFlat\"\nRW 2048 FLAT \"x-flat.vmdk\" 0\n")));
	CHECK_STR("vmdk", probe_image("desc-v3", vmdk_text("version=3\n")));
	CHECK_STR("vmdk", probe_image("desc-crlf", vmdk_text("# c\r\n   \r\n  \nversion=2\r\n")));
	CHECK_STR("raw", probe_image("desc-v4", vmdk_text("# Disk DescriptorFile\nversion=4\n")));
	CHECK_STR("raw", probe_image("desc-blank", vmdk_text("# Disk DescriptorFile\n\nversion=1\n")));
	CHECK_STR("raw", probe_image("desc-indent", vmdk_text("  version=1\n")));
	CHECK_STR("raw", probe_image("desc-eof", vmdk_text("# x\nversion=1")));
	CHECK_STR("raw", probe_image("desc-comments", vmdk_text("# only\n# comments\n")));
	im = image_new(4096);
	memset(im.data, '#', im.size);	/* a comment past the 2048 bytes seen */
	CHECK_STR("raw", probe_image("desc-long-comment", im));
	im = image_new(4096);
	memset(im.data, ' ', im.size);
	CHECK_STR("raw", probe_image("desc-spaces", im));

	/* vdi: the signature at offset 64, whatever the text says. */
	im = image_new(512);
	put(&im, 0, "<<< QEMU VM Virtual Disk Image >>>\n", 35);
	CHECK_STR("vdi", probe_image("x.vdi", with_vdi_signature(im)));
	CHECK_STR("vdi", probe_image("sig-only.vdi", with_vdi_signature(image_new(68))));
	CHECK_STR("raw", probe_image("sig-cut", bytes("\0\0\0\0\0\0\0", 7)));

	CHECK_STR("vhdx", probe_image("x.vhdx", bytes("vhdxfile", 8)));
	CHECK_STR("raw", probe_image("vhdx-cut", bytes("vhdxfil", 7)));

	/* vpc: only a "conectix" at offset 0 counts; a fixed VHD, whose only
	 * footer is at the end, is raw to qemu-img. */
	CHECK_STR("vpc", probe_image("dyn.vhd", bytes("conectix\0\0\0\2", 12)));
	im = image_new(1024 * 1024 + 512);
	put(&im, 1024 * 1024, "conectix", 8);
	CHECK_STR("raw", probe_image("fixed.vhd", im));

	CHECK_STR("luks", probe_image("v1.luks", luks(1)));
	CHECK_STR("raw", probe_image("v2.luks", luks(2)));

	CHECK_STR("parallels", probe_image("x.hdd", parallels("WithoutFreeSpace", 2)));
	CHECK_STR("parallels", probe_image("ext.hdd", parallels("WithouFreSpacExt", 2)));
	CHECK_STR("raw", probe_image("v1.hdd", parallels("WithoutFreeSpace", 1)));

	CHECK_STR("bochs", probe_image("v2.bochs", bochs(0x00020000, "Growing")));
	CHECK_STR("bochs", probe_image("v1.bochs", bochs(0x00010000, "Growing")));
	CHECK_STR("raw", probe_image("undoable.bochs", bochs(0x00020000, "Undoable")));
	CHECK_STR("raw", probe_image("v3.bochs", bochs(0x00030000, "Growing")));
	im = bochs(0x00020000, "Growing");
	put(&im, 22, "!", 1);	/* the magic must end in NUL */
	CHECK_STR("raw", probe_image("long-magic.bochs", im));

	CHECK_STR("cloop", probe_image("x.cloop", cloop(sizeof(cloop_magic) - 1, 4096)));
	CHECK_STR("raw", probe_image("cut.cloop", cloop(sizeof(cloop_magic) - 2,
							sizeof(cloop_magic) - 2)));

	/* dmg: the name decides (score 2), the "koly" trailer does not. */
	CHECK_STR("dmg", probe_image("random.dmg", bytes("hello", 5)));
	CHECK_STR("dmg", probe_image("trailer.dmg", dmg_trailer()));
	CHECK_STR("raw", probe_image("trailer.img", dmg_trailer()));
	CHECK_STR("raw", probe_image("upper.DMG", dmg_trailer()));
	CHECK_STR("raw", probe_image("x.dmg.img", bytes("hello", 5)));
	CHECK_STR("qcow2", probe_image("qcow2.dmg", qcow_like(3)));
	CHECK_STR("dmg", probe_image("cloop.dmg", cloop(sizeof(cloop_magic) - 1, 4096)));

	/* Ties at 100 go to the driver first in qemu's list. */
	CHECK_STR("vdi", probe_image("qcow2+vdi", with_vdi_signature(qcow_like(3))));
	CHECK_STR("vdi", probe_image("vhdx+vdi", with_vdi_signature(bytes("vhdxfile\0\0\0\0", 12))));
	CHECK_STR("vdi", probe_image("luks+vdi", with_vdi_signature(luks(1))));
	CHECK_STR("qed", probe_image("qed+vdi", with_vdi_signature(bytes("QED\0", 4))));
	CHECK_STR("parallels", probe_image("parallels+vdi",
					   with_vdi_signature(parallels("WithoutFreeSpace", 2))));

	/* Errors: -errno, *fmt untouched. */
	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK_INT(-ENOENT, diskfmt_probe(path, &fmt));
	CHECK_STR("untouched", fmt);
	CHECK_INT(-EISDIR, diskfmt_probe(dir, &fmt));
	CHECK_STR("untouched", fmt);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (mkfifo(path, 0600) < 0) {
		perror(path);
		return 99;
	}
	CHECK_INT(-ESPIPE, diskfmt_probe(path, &fmt));	/* no hang waiting for a writer */
	CHECK_STR("untouched", fmt);
	unlink(path);
	CHECK_INT(0, diskfmt_probe("/dev/null", &fmt));	/* length 0 */
	CHECK_STR("raw", fmt);

	if (rmdir(dir) < 0)
		perror(dir);
	return check_summary("test-diskfmt");
}
