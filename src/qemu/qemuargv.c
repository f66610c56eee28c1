#include "qemu/qemuargv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan/arch.h"
#include "plan/diskspec.h"
#include "plan/firmware.h"
#include "plan/netspec.h"

int qemuargv_split_words(struct strv *sv, const char *s)
{
	const char *p = s;

	for (;;) {
		size_t len;

		p += strspn(p, " \t\n");
		if (!*p)
			return 0;
		len = strcspn(p, " \t\n");
		if (strv_push_owned(sv, strndup(p, len)) < 0)
			return -ENOMEM;
		p += len;
	}
}

static int push2(struct strv *argv, const char *opt, char *val)
{
	if (strv_push(argv, opt) < 0) {
		free(val);
		return -ENOMEM;
	}
	return strv_push_owned(argv, val);
}

int qemuargv_build(const struct qemu_plan *p, struct strv *argv)
{
	if (strv_extend(argv, p->qemu) < 0)
		return -ENOMEM;
	if (p->enable_kvm && strv_push(argv, "-enable-kvm") < 0)
		return -ENOMEM;
	if (strv_extend(argv, &p->arch->archopts) < 0)
		return -ENOMEM;
	if (p->fw && firmware_argv(p->fw, argv) < 0)
		return -ENOMEM;
	if (p->arch->scsi_bus && *p->arch->scsi_bus &&
	    (strv_push(argv, "-device") < 0 ||
	     strv_pushf(argv, "%s,id=virtio-scsi-xkvm", p->arch->scsi_bus) < 0))
		return -ENOMEM;
	if (strv_push(argv, "-object") < 0 ||
	    strv_push(argv, "rng-random,filename=/dev/urandom,id=objrng0") < 0 ||
	    strv_push(argv, "-device") < 0 ||
	    strv_pushf(argv, "%s,rng=objrng0,id=rng0", p->arch->rng) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_nics; i++) {
		const char *tap = p->taps ? p->taps[i] : NULL;

		if (push2(argv, "-device", netspec_device_arg(&p->nics[i])) < 0 ||
		    push2(argv, "-netdev", netspec_netdev_arg(&p->nics[i], tap)) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_disks; i++)
		if (strv_push(argv, "-drive") < 0 || strv_push(argv, p->disks[i].drive) < 0 ||
		    strv_push(argv, "-device") < 0 || strv_push(argv, p->disks[i].device) < 0)
			return -ENOMEM;
	if (p->passthrough && strv_extend(argv, p->passthrough) < 0)
		return -ENOMEM;
	return 0;
}
