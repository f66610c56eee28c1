#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "base/strv.h"

static char *split_join(const char *s)
{
	struct strv sv = STRV_INIT;
	char *out;

	CHECK_INT(0, strv_split(&sv, s, ','));
	out = strv_join(&sv, "|");
	strv_release(&sv);
	return out;
}

int main(void)
{
	struct strv sv = STRV_INIT;
	char *s;

	/* bash: IFS=,; set -- $x */
	s = split_join("br0,mac=1,,model=e1000,");
	CHECK_STR("br0|mac=1||model=e1000", s);
	free(s);
	s = split_join(",a");
	CHECK_STR("|a", s);
	free(s);
	s = split_join("");
	CHECK_STR("", s);
	free(s);

	for (int i = 0; i < 100; i++)
		CHECK_INT(0, strv_pushf(&sv, "x%d", i));
	CHECK_INT(100, sv.n);
	CHECK_STR("x99", sv.v[99]);
	CHECK(sv.v[100] == NULL);
	strv_release(&sv);
	strv_release(&sv);	/* idempotent */
	strv_release(NULL);
	CHECK(sv.v == NULL);
	return check_summary("test-strv");
}
