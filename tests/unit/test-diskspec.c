/* DISK parsing; the device/drive split uses the real installed qemu. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "plan/devopts.h"
#include "plan/diskspec.h"

static struct devopts dev;
static char dir[] = "/tmp/xkt-diskspec.XXXXXX";

/* Returns "DRIVE DEVICE" or "ERR: message"; '@' in spec stands for dir. */
static char *disk(const char *spec, unsigned index, const char *def_driver, int *locking)
{
	static char buf[2048];
	char full[1024], *o = full, *err = NULL;
	struct diskspec ds;
	int r;

	for (const char *p = spec; *p && o < full + sizeof(full) - 64; p++)
		o = *p == '@' ? stpcpy(o, dir) : (*o = *p, o + 1);
	*o = '\0';
	r = diskspec_parse(full, index, def_driver ? def_driver : "virtio-blk", &ds, &err);
	if (r == 0)
		r = diskspec_build(&ds, &dev, locking, &err);
	if (r < 0)
		snprintf(buf, sizeof(buf), "ERR: %s", err ? err : strerror(-r));
	else
		snprintf(buf, sizeof(buf), "%s %s", ds.drive, ds.device);
	free(err);
	diskspec_release(&ds);
	/* report paths relative to the temp dir */
	for (char *p; (p = strstr(buf, dir));)
		memmove(p + 1, p + strlen(dir), strlen(p + strlen(dir)) + 1), *p = '@';
	return buf;
}

static void touch(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fd >= 0);
	CHECK_INT(0, ftruncate(fd, 1 << 20));
	close(fd);
}

int main(void)
{
	struct strv qemu = STRV_INIT;
	int unknown = LOCKING_UNKNOWN, no = LOCKING_NO, yes = LOCKING_YES;
	char path[600];

	CHECK(mkdtemp(dir) != NULL);
	touch("a.img");
	touch("b.img");
	CHECK_INT(0, strv_push(&qemu, "qemu-system-x86_64"));
	CHECK_INT(0, devopts_init(&dev, &qemu));

	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0 virtio-blk,drive=disk00,serial=a.img",
		  disk("@/a.img", 0, NULL, &unknown));
	CHECK_STR("file=@/a.img,id=disk02,if=none,format=raw,index=2 scsi-hd,drive=disk02,serial=a.img",
		  disk("file=@/a.img", 2, "scsi-hd", &unknown));
	/* missing file: raw unless fmt= */
	CHECK_STR("file=@/none.img,id=disk00,if=none,format=raw,index=0 virtio-blk,drive=disk00,serial=none.img",
		  disk("file=@/none.img", 0, NULL, &unknown));
	CHECK_STR("file=@/none.img,id=disk00,if=none,format=qcow2,index=0 virtio-blk,drive=disk00,serial=none.img",
		  disk("file=@/none.img,format=qcow2", 0, NULL, &unknown));
	/* a bare token that is no file goes to the drive */
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0,snapshot virtio-blk,drive=disk00,serial=a.img",
		  disk("@/a.img,snapshot", 0, NULL, &unknown));
	/* first bare file wins, file= overrides it */
	CHECK_STR("file=@/b.img,id=disk00,if=none,format=raw,index=0,@/a.img virtio-blk,drive=disk00,serial=b.img",
		  disk("@/a.img,file=@/b.img", 0, NULL, &unknown));
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0,@/b.img virtio-blk,drive=disk00,serial=a.img",
		  disk("@/a.img,@/b.img", 0, NULL, &unknown));
	/* interfaces and drivers */
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0 scsi-hd,drive=disk00,serial=a.img",
		  disk("@/a.img,if=scsi", 0, NULL, &unknown));
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0 virtio-blk,drive=disk00,serial=a.img",
		  disk("@/a.img,driver=scsi-hd,if=virtio", 0, "scsi-hd", &unknown));
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0 virtio-blk,drive=disk00,serial=a.img",
		  disk("@/a.img,driver=scsi-hd,if=pflash", 0, NULL, &unknown));
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0 virtio-blk-ccw,drive=disk00,serial=a.img,scsi=off",
		  disk("@/a.img,driver=virtio-blk-ccw", 0, NULL, &unknown));
	/* id, serial, wwn */
	CHECK_STR("file=@/a.img,id=root,if=none,format=raw,index=0 virtio-blk,drive=root,serial=s1",
		  disk("@/a.img,id=root,serial=s1", 0, NULL, &unknown));
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0 scsi-hd,drive=disk00,serial=0x5000,wwn=0x5000",
		  disk("@/a.img,if=scsi,wwn=0x5000", 0, NULL, &unknown));
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0,wwn=0x5000 virtio-blk,drive=disk00,serial=0x5000",
		  disk("@/a.img,wwn=0x5000", 0, NULL, &unknown));
	/* bus/unit/index */
	CHECK_STR("file=@/a.img,id=disk01,if=none,format=raw,bus=1,unit=1 virtio-blk,drive=disk01,serial=a.img",
		  disk("@/a.img,bus=1", 1, NULL, &unknown));
	CHECK_STR("file=@/a.img,id=disk01,if=none,format=raw,bus=0,unit=3 virtio-blk,drive=disk01,serial=a.img",
		  disk("@/a.img,bus=0,unit=3", 1, NULL, &unknown));
	CHECK_STR("file=@/a.img,id=disk01,if=none,format=raw, virtio-blk,drive=disk01,serial=a.img",
		  disk("@/a.img,unit=3", 1, NULL, &unknown));
	CHECK_STR("file=@/a.img,id=disk01,if=none,format=raw,index=7 virtio-blk,drive=disk01,serial=a.img",
		  disk("@/a.img,index=7", 1, NULL, &unknown));
	/* device vs drive tokens */
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0,cache=none virtio-blk,drive=disk00,serial=a.img,bootindex=1",
		  disk("@/a.img,cache=none,bootindex=1", 0, NULL, &unknown));
	/* file.locking: probed (virtio-blk has share-rw), or from the cache */
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0,file.locking=off virtio-blk,drive=disk00,serial=a.img",
		  disk("@/a.img,file.locking=off", 0, NULL, &unknown));
	CHECK_INT(LOCKING_YES, unknown);
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0 virtio-blk,drive=disk00,serial=a.img",
		  disk("@/a.img,file.locking=off", 0, NULL, &no));
	CHECK_STR("file=@/a.img,id=disk00,if=none,format=raw,index=0,file.locking=on virtio-blk,drive=disk00,serial=a.img",
		  disk("@/a.img,file.locking=on", 0, NULL, &yes));
	/* errors */
	CHECK_STR("ERR: no file in --disk 'fmt=raw'", disk("fmt=raw", 0, NULL, &unknown));
	/* messages stay one line whatever the spec holds (found by test-fuzz-parsers) */
	CHECK_STR("ERR: no file in --disk 'fmt=raw,?x.img'", disk("fmt=raw,\nx.img", 0, NULL, &unknown));
	CHECK_STR("ERR: no file in --disk '@/none.img'", disk("@/none.img", 0, NULL, &unknown));
	CHECK_STR("ERR: unsupported disk interface 'if=sd' in --disk @/a.img,if=sd",
		  disk("@/a.img,if=sd", 0, NULL, &unknown));
	CHECK_STR("ERR: unsupported disk interface 'if=mtd' in --disk @/a.img,if=mtd",
		  disk("@/a.img,if=mtd", 0, NULL, &unknown));
	CHECK_STR("ERR: unsupported disk interface 'if=floppy' in --disk @/a.img,if=floppy",
		  disk("@/a.img,if=floppy", 0, NULL, &unknown));
	CHECK_STR("ERR: unsupported disk interface 'floppy' in --disk @/a.img,floppy",
		  disk("@/a.img,floppy", 0, NULL, &unknown));
	CHECK_STR("ERR: bus and index cannot be given together in --disk @/a.img,bus=0,index=1",
		  disk("@/a.img,bus=0,index=1", 0, NULL, &unknown));
	CHECK_STR("ERR: bus and index cannot be given together in --disk @/a.img,unit=0,index=1",
		  disk("@/a.img,unit=0,index=1", 0, NULL, &unknown));
	CHECK_STR("ERR: bad device model 'no-such-disk'", disk("@/a.img,driver=no-such-disk,x=1", 0, NULL, &unknown));
	diskspec_release(NULL);

	devopts_release(&dev);
	strv_release(&qemu);
	snprintf(path, sizeof(path), "%s/a.img", dir);
	CHECK_INT(0, unlink(path));
	snprintf(path, sizeof(path), "%s/b.img", dir);
	CHECK_INT(0, unlink(path));
	CHECK_INT(0, rmdir(dir));
	return check_summary("test-diskspec");
}
