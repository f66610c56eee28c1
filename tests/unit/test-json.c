#include <stdlib.h>

#include "check.h"
#include "base/json.h"

/* json_put_str() into a string (static buffer). */
static const char *put(const char *s)
{
	static char out[256];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return "(open_memstream failed)";
	json_put_str(f, s);
	fclose(f);
	snprintf(out, sizeof(out), "%s", buf);
	free(buf);
	return out;
}

int main(void)
{
	CHECK_STR("\"br0\"", put("br0"));
	CHECK_STR("\"\"", put(""));
	CHECK_STR("\"a\\\"b\\\\c\"", put("a\"b\\c"));
	CHECK_STR("\"tab\\u0009nl\\u000a\\u001f\"", put("tab\tnl\n\x1f"));
	CHECK_STR("\"br-\xc3\xa9 x/y\"", put("br-\xc3\xa9 x/y"));	/* UTF-8, blanks, '/' as they are */
	CHECK_STR("\"\x7f\"", put("\x7f"));
	return check_summary("test-json");
}
