/* iface.c: one Interface read back while a launch runs (runtime control). */
#include "xkovs-int.h"

#include <errno.h>
#include <string.h>

int xkovs_iface_ofport(struct xkovs *h, const char *name, int64_t *ofport)
{
	const struct ovsrec_interface *iface;
	struct xkovs_call c;
	int ret;

	xkovs_call_begin(h, &c);
	ret = xkovs_ensure(h);	/* runs the IDL: the row as it is now */
	if (ret < 0)
		goto out;
	ret = xkovs_fail(h, -ENOENT, "no Interface '%s'", name);
	OVSREC_INTERFACE_FOR_EACH (iface, h->idl) {
		if (strcmp(iface->name, name))
			continue;
		*ofport = iface->n_ofport == 1 ? iface->ofport[0] : -1;
		h->err[0] = '\0';
		ret = 0;
		break;
	}
out:
	xkovs_call_end(&c);
	return ret;
}
