#include "base/mac.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses ':'-separated octets into 'oct'; returns their count or -EINVAL. */
static int parse_octets(const char *s, unsigned char oct[6])
{
	int n = 0;

	if (*s == ':')
		s++;
	for (;;) {
		/* Hex digits worth at most ff: the reference's printf %02x of
		 * 0x005 gives 05, so leading zeros are fine; 100 is not. */
		int v = 0, d;

		if (hexval(*s) < 0 || n == 6)
			return -EINVAL;
		for (; (d = hexval(*s)) >= 0; s++) {
			v = v * 16 + d;
			if (v > 0xff)
				return -EINVAL;
		}
		oct[n++] = (unsigned char)v;
		if (*s == '\0')
			return n;
		if (*s != ':')
			return -EINVAL;
		s++;
	}
}

int mac_pad(const char *partial, unsigned index, char out[MAC_STRLEN])
{
	unsigned char prefix[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x00 };
	unsigned char oct[6], full[6];
	char buf[8];
	int n;

	if (!*partial) {
		if (index > 0xff)
			return -EINVAL;
		snprintf(buf, sizeof(buf), "%02x", index);
		partial = buf;
	}
	n = parse_octets(partial, oct);
	if (n < 0)
		return n;
	memcpy(full, prefix, (size_t)(6 - n));
	memcpy(full + 6 - n, oct, (size_t)n);
	snprintf(out, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 full[0], full[1], full[2], full[3], full[4], full[5]);
	return 0;
}

int mac_random(char out[MAC_STRLEN])
{
	unsigned char r[3];
	char tail[9];
	ssize_t n;

	/* 3 bytes never come short from a seeded pool; retry on a signal. */
	do
		n = getrandom(r, sizeof(r), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(r))
		return -EIO;
	snprintf(tail, sizeof(tail), "%02x:%02x:%02x", r[0], r[1], r[2]);
	return mac_pad(tail, 0, out);
}
