#include "qemu/sharedmem.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The option name of 'arg' ("-m" and "--m" are both "m"), or NULL. */
static const char *opt_name(const char *arg)
{
	if (arg[0] != '-')
		return NULL;
	return arg + (arg[1] == '-' ? 2 : 1);
}

/* Parses a size as qemu's -m does: a decimal number, maybe with a
 * fraction, and an optional suffix B K M G T (any case); MiB without one. */
static int parse_size(const char *s, size_t len, unsigned long long *out)
{
	static const char units[] = "BKMGT";
	unsigned long long whole = 0, frac = 0, div = 1, mul;
	size_t i = 0;
	const char *u;

	if (len == 0 || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	for (; i < len && isdigit((unsigned char)s[i]); i++) {
		if (whole > (1ull << 50))
			return -EINVAL;
		whole = whole * 10 + (unsigned)(s[i] - '0');
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && isdigit((unsigned char)s[i]); i++)
			if (div < 1000000000ull) {
				frac = frac * 10 + (unsigned)(s[i] - '0');
				div *= 10;
			}
	}
	mul = 1ull << 20;
	if (i < len) {
		u = strchr(units, toupper((unsigned char)s[i]));
		if (!u || !*u || i + 1 != len)
			return -EINVAL;
		mul = 1ull << (10 * (u - units));
	}
	if (whole > ~0ull / mul)
		return -EINVAL;
	*out = whole * mul + (unsigned long long)((long double)frac / div * mul);
	return *out ? 0 : -EINVAL;
}

/* -m's value: "[size=]SIZE[,slots=N,maxmem=SIZE]". */
static int parse_m(const char *v, unsigned long long *out)
{
	const char *p = v;
	bool found = false;

	for (;;) {
		size_t len = strcspn(p, ",");

		if (!strncmp(p, "size=", 5) || !memchr(p, '=', len)) {
			const char *s = !strncmp(p, "size=", 5) ? p + 5 : p;

			if (parse_size(s, len - (size_t)(s - p), out) < 0)
				return -EINVAL;
			found = true;
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	return found ? 0 : -EINVAL;
}

int sharedmem_scan(const struct strv *args, unsigned long long *bytes, bool *user_backend,
		   const char **bad)
{
	unsigned long long size = SHAREDMEM_DEFAULT_BYTES;

	*user_backend = false;
	for (size_t i = 0; args && i + 1 < args->n; i++) {
		const char *name = opt_name(args->v[i]), *v = args->v[i + 1];

		if (!name)
			continue;
		if (!strcmp(name, "m")) {
			if (parse_m(v, &size) < 0) {
				*bad = v;
				return -EINVAL;
			}
			i++;
		} else if ((!strcmp(name, "object") && strstr(v, "memory-backend")) ||
			   (!strcmp(name, "numa") && strstr(v, "memdev=")) ||
			   ((!strcmp(name, "machine") || !strcmp(name, "M")) &&
			    strstr(v, "memory-backend="))) {
			*user_backend = true;
			i++;
		}
	}
	*bytes = size;
	return 0;
}

int sharedmem_argv(unsigned long long bytes, struct strv *argv)
{
	bool mib = bytes % (1ull << 20) == 0;

	if (strv_push(argv, "-object") < 0 ||
	    strv_pushf(argv, "memory-backend-memfd,id=" SHAREDMEM_ID ",size=%llu%s,share=on",
		       mib ? bytes >> 20 : bytes, mib ? "M" : "") < 0 ||
	    strv_push(argv, "-machine") < 0 ||
	    strv_push(argv, "memory-backend=" SHAREDMEM_ID) < 0)
		return -ENOMEM;
	return 0;
}
