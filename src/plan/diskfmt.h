/* diskfmt: a disk image's format, read from its header the way
 * `qemu-img info` decides it (no qemu-img is run). */
#ifndef XKVM_DISKFMT_H
#define XKVM_DISKFMT_H

/* Reads the header of the image at 'path' and stores in *fmt the format
 * name qemu-img would print ("qcow2", "qcow", "qed", "vmdk", "vdi", "vhdx",
 * "vpc", "luks", "parallels", "dmg", "bochs", "cloop", else "raw").  *fmt
 * is a static string.  Returns 0, or -errno when the file cannot be opened
 * or read (*fmt untouched). */
int diskfmt_probe(const char *path, const char **fmt);

#endif
