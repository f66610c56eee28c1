#include "plan/remote.h"

#include <errno.h>
#include <string.h>

#include "base/errmsg.h"

#define WANT "want unix:PATH, tcp:IP:PORT or ssl:IP:PORT"

static int has_prefix(const char *s, size_t len, const char *const *prefixes)
{
	for (; *prefixes; prefixes++) {
		size_t n = strlen(*prefixes);

		if (len > n && !strncmp(s, *prefixes, n))
			return 1;
	}
	return 0;
}

int remote_check(const char *remote, char **err)
{
	static const char *const active[] = { "unix:", "tcp:", "ssl:", NULL };
	static const char *const passive[] = { "punix:", "ptcp:", "pssl:", NULL };
	const char *s = remote;

	/* OVS splits a remote at every ',' (ovsdb_cs_set_remote): each part
	 * must be active, or one passive part would still bind. */
	for (;;) {
		size_t len = strcspn(s, ",");

		if (has_prefix(s, len, passive))
			return errmsg_code(err, -EPERM, "invalid --ovsdb '%s': a passive remote "
					   "(xkvm is a client; " WANT ")", remote);
		if (!has_prefix(s, len, active))
			return errmsg(err, "invalid --ovsdb '%s': " WANT, remote);
		if (!s[len])
			return 0;
		s += len + 1;
	}
}
