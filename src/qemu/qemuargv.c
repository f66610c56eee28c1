#include "qemu/qemuargv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/arch.h"
#include "plan/diskspec.h"
#include "plan/firmware.h"
#include "base/nic.h"
#include "qemu/sharedmem.h"

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

/* Whether the user's -device tokens set 'key' themselves. */
static bool has_devopt(const struct nic *n, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < n->devopts.n; i++)
		if (!strncmp(n->devopts.v[i], key, len) && n->devopts.v[i][len] == '=')
			return true;
	return false;
}

char *qemuargv_chardev_arg(const struct nic *n)
{
	char *buf;

	if (asprintf(&buf, "socket,id=c%02u,path=%s,server=on", n->index,
		     n->vhost_sock ? n->vhost_sock : "") < 0)
		return NULL;
	return buf;
}

char *qemuargv_device_arg(const struct nic *n, bool enable_kvm)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s,netdev=net%02u", n->model, n->index);
	for (size_t i = 0; i < n->devopts.n; i++)
		fprintf(f, ",%s", n->devopts.v[i]);
	if (n->vhost_user && !enable_kvm && !has_devopt(n, "vectors"))
		fputs(",vectors=0", f);
	if (n->mac)
		fprintf(f, ",mac=%s", n->mac);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The userspace datapath hands the guest's offloaded checksums on
 * unfinished: TCP between guests fails while ping works.  A tap without
 * vnet_hdr makes qemu finish them. */
static bool needs_vnet_hdr_off(const struct nic *n)
{
	return n->kind == NIC_OVS && n->netdev_dp && !n->sets_vnet_hdr && !n->vhost_user;
}

char *qemuargv_netdev_arg(const struct nic *n)
{
	bool user = n->kind == NIC_USER;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (n->vhost_user)
		fprintf(f, "type=vhost-user,id=net%02u,chardev=c%02u", n->index, n->index);
	else
		fprintf(f, "type=%s,id=net%02u", user ? "user" : "tap", n->index);
	if (!user && !n->vhost_user)
		fputs(",script=no,downscript=no", f);
	for (size_t i = 0; i < n->netopts.n; i++)
		fprintf(f, ",%s", n->netopts.v[i]);
	if (needs_vnet_hdr_off(n))
		fputs(",vnet_hdr=off", f);
	if (!user && !n->vhost_user && n->tap[0])
		fprintf(f, ",ifname=%s", n->tap);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* "-qmp unix:PATH,server=on,wait=off", a ',' in PATH doubled (qemu's
 * option syntax). */
static int push_qmp(struct strv *argv, const char *path)
{
	size_t n = 0;
	char *arg, *w;
	int ret;

	for (const char *p = path; *p; p++)
		n += *p == ',' ? 2 : 1;
	arg = malloc(n + sizeof("unix:,server=on,wait=off"));
	if (!arg)
		return -ENOMEM;
	w = stpcpy(arg, "unix:");
	for (const char *p = path; *p; p++) {
		if (*p == ',')
			*w++ = ',';
		*w++ = *p;
	}
	strcpy(w, ",server=on,wait=off");
	ret = strv_push(argv, "-qmp");
	if (ret == 0)
		ret = strv_push(argv, arg);
	free(arg);
	return ret;
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
	for (size_t i = 0; p->shared_mem && i < p->n_nics; i++)
		if (p->nics[i].vhost_user) {
			if (sharedmem_argv(p->shared_mem, argv) < 0)
				return -ENOMEM;
			break;
		}
	for (size_t i = 0; i < p->n_nics; i++)
		if ((p->nics[i].vhost_user &&
		     push2(argv, "-chardev", qemuargv_chardev_arg(&p->nics[i])) < 0) ||
		    push2(argv, "-device", qemuargv_device_arg(&p->nics[i], p->enable_kvm)) < 0 ||
		    push2(argv, "-netdev", qemuargv_netdev_arg(&p->nics[i])) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < p->n_disks; i++)
		if (strv_push(argv, "-drive") < 0 || strv_push(argv, p->disks[i].drive) < 0 ||
		    strv_push(argv, "-device") < 0 || strv_push(argv, p->disks[i].device) < 0)
			return -ENOMEM;
	/* Only with --name: without it the line is the reference's. */
	if (p->qmp && push_qmp(argv, p->qmp) < 0)
		return -ENOMEM;
	/* Slots for NICs added at runtime on a PCIe machine (q35 has no
	 * hotplug on its root bus); each port its own chassis. */
	for (unsigned k = 0; k < p->root_ports; k++) {
		char *dev;

		if (asprintf(&dev, "pcie-root-port,id=xkvm-rp%u,chassis=%u,slot=0", k, 200 + k) < 0 ||
		    push2(argv, "-device", dev) < 0)
			return -ENOMEM;
	}
	if (p->passthrough && strv_extend(argv, p->passthrough) < 0)
		return -ENOMEM;
	return 0;
}
