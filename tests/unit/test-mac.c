#include <errno.h>
#include <string.h>

#include "check.h"
#include "base/mac.h"

static const char *pad(const char *in, unsigned index)
{
	static char out[MAC_STRLEN];

	strcpy(out, "untouched");
	if (mac_pad(in, index, out) < 0)
		return "EINVAL";
	return out;
}

int main(void)
{
	char r[MAC_STRLEN], r2[MAC_STRLEN];

	/* padmac: the input is the tail, MAC_PREFIX fills the front. */
	CHECK_STR("52:54:00:12:34:05", pad(":05", 0));
	CHECK_STR("52:54:00:12:34:05", pad("05", 0));
	CHECK_STR("52:54:00:12:34:05", pad("5", 0));
	CHECK_STR("52:54:00:12:ab:cd", pad("ab:cd", 0));
	CHECK_STR("52:54:00:ab:cd:ef", pad("AB:Cd:eF", 0));
	CHECK_STR("52:54:01:02:03:04", pad("1:2:3:4", 0));
	CHECK_STR("52:01:02:03:04:05", pad("1:2:3:4:5", 0));
	CHECK_STR("aa:bb:cc:dd:ee:ff", pad("aa:bb:cc:dd:ee:ff", 0));
	CHECK_STR("aa:bb:cc:dd:ee:ff", pad(":aa:bb:cc:dd:ee:ff", 0));
	/* leading zeros, as the reference's printf %02x 0x005 */
	CHECK_STR("52:54:00:12:34:05", pad("005", 0));
	CHECK_STR("52:54:00:12:a0:ff", pad("0a0:0000ff", 0));
	CHECK_STR("52:54:00:12:34:05", pad("52:54:00:12:34:005", 0));
	/* 17 characters but three octets: padded, not taken as a full MAC */
	CHECK_STR("52:54:00:00:0a:00", pad("00000:A:000000000", 0x41));
	/* empty: the NIC index as the last octet, %02x */
	CHECK_STR("52:54:00:12:34:00", pad("", 0));
	CHECK_STR("52:54:00:12:34:0a", pad("", 10));
	CHECK_STR("52:54:00:12:34:ff", pad("", 255));
	CHECK_STR("EINVAL", pad("", 256));
	/* bad MACs */
	CHECK_STR("EINVAL", pad("zz:zz", 0));
	CHECK_STR("EINVAL", pad("1:2:3:4:5:6:7", 0));
	CHECK_STR("EINVAL", pad("100", 0));
	CHECK_STR("EINVAL", pad("0100", 0));
	CHECK_STR("EINVAL", pad("12::34", 0));
	CHECK_STR("EINVAL", pad("12:", 0));
	CHECK_STR("EINVAL", pad(":", 0));
	CHECK_STR("EINVAL", pad("::05", 0));
	CHECK_STR("EINVAL", pad("0x5", 0));
	CHECK_STR("EINVAL", pad("12 34", 0));
	CHECK_STR("EINVAL", pad("-1", 0));
	CHECK_STR("EINVAL", pad("random", 0));
	/* out untouched on error */
	strcpy(r, "keep");
	CHECK_INT(-EINVAL, mac_pad("zz", 0, r));
	CHECK_STR("keep", r);

	/* randmac: prefix's first three octets, three random ones */
	CHECK_INT(0, mac_random(r));
	CHECK_INT(0, mac_random(r2));
	CHECK_INT(17, strlen(r));
	CHECK(!strncmp(r, "52:54:00:", 9));
	CHECK(strcmp(r, r2) != 0);	/* 1 in 2^24 to fail */
	return check_summary("test-mac");
}
