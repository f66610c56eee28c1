/* tap.c: persistent taps through /dev/net/tun (tap creation over
 * RTM_NEWLINK is not supported by the kernel). */
#include "xknl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <net/if.h>

int xknl_tap_open(const char *template, uid_t owner, unsigned flags, char name[XKNL_IFNAMSIZ],
		  int *fd)
{
	struct ifreq ifr;
	int tfd = -1, ret = -EINVAL;
	const char *pct = template ? strchr(template, '%') : NULL;

	/* One "%d": without it TUNSETIFF would attach to an existing tap of
	 * that name (and TUNSETOWNER take it over) instead of making one. */
	if (!pct || pct[1] != 'd' || strchr(pct + 2, '%') || strlen(template) >= IFNAMSIZ)
		goto out;
	tfd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tfd < 0) {
		ret = -errno;
		goto out;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, template, strlen(template));
	/* As `ip tuntap add mode tap`: no packet information header; qemu
	 * turns vnet_hdr on itself when it attaches. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	/* qemu's queues=N attaches N queues; the kernel refuses it on a tap
	 * made without the flag (and the flag cannot change later). */
	if (flags & XKNL_TAP_MULTI_QUEUE)
		ifr.ifr_flags |= IFF_MULTI_QUEUE;
	if (ioctl(tfd, TUNSETIFF, &ifr) < 0) {
		/* The kernel's ENFILE here means no free name for the
		 * template; open()'s ENFILE, a full file table. */
		ret = errno == ENFILE ? -EADDRNOTAVAIL : -errno;
		goto out;
	}
	if (ioctl(tfd, TUNSETOWNER, (unsigned long)owner) < 0) {
		ret = -errno;
		goto out;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	*fd = tfd;
	tfd = -1;
	ret = 0;
out:
	if (tfd >= 0)
		close(tfd);	/* not persistent: the tap goes with it */
	return ret;
}

int xknl_tap_persist(int fd)
{
	return ioctl(fd, TUNSETPERSIST, 1L) < 0 ? -errno : 0;
}

int xknl_tap_create(const char *template, uid_t owner, char name[XKNL_IFNAMSIZ])
{
	int fd, ret = xknl_tap_open(template, owner, 0, name, &fd);

	if (ret < 0)
		return ret;
	ret = xknl_tap_persist(fd);
	close(fd);	/* the tap persists; on failure it goes away */
	return ret;
}
