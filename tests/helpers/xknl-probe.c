/* xknl-probe: one netlink/xknl.h request, for tests of its error codes.
 *
 *   xknl-probe set-master LINK MASTER   xknl_link_change() with master
 *   xknl-probe get LINK                 xknl_link_get()
 *   xknl-probe del LINK                 xknl_link_del() by name
 *   xknl-probe tap TEMPLATE             xknl_tap_create(), printing "0 NAME"
 *
 * Prints "0" on success, else "-ERRNO_NAME libnl-text" where libnl-text is
 * xknl_strerror() or "-" when it has none.  Exit: 0 printed, 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netlink/xknl.h"

static int usage(void)
{
	fprintf(stderr, "usage: xknl-probe set-master LINK MASTER | get LINK | del LINK"
		" | tap TEMPLATE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct xknl *nl = NULL;
	struct xknl_link l, m;
	struct xknl_change c;
	char name[XKNL_IFNAMSIZ] = "";
	const char *why;
	int ret;

	if (argc < 3)
		return usage();
	ret = xknl_open(&nl);
	if (ret == 0 && !strcmp(argv[1], "set-master") && argc == 4) {
		ret = xknl_link_get(nl, argv[2], &l);
		if (ret == 0)
			ret = xknl_link_get(nl, argv[3], &m);
		if (ret == 0) {
			memset(&c, 0, sizeof(c));
			c.ifindex = l.ifindex;
			c.master = m.ifindex;
			ret = xknl_link_change(nl, &c);
		}
	} else if (ret == 0 && !strcmp(argv[1], "get") && argc == 3) {
		ret = xknl_link_get(nl, argv[2], &l);
	} else if (ret == 0 && !strcmp(argv[1], "del") && argc == 3) {
		ret = xknl_link_del(nl, 0, argv[2]);
	} else if (ret == 0 && !strcmp(argv[1], "tap") && argc == 3) {
		ret = xknl_tap_create(argv[2], getuid(), name);
	} else if (ret == 0) {
		xknl_close(nl);
		return usage();
	}
	why = xknl_strerror(nl);
	if (ret == 0)
		printf(*name ? "0 %s\n" : "0\n", name);
	else
		printf("-%s %s\n", strerrorname_np(-ret), why ? why : "-");
	xknl_close(nl);
	return 0;
}
