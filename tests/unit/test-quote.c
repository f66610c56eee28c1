#include <stdlib.h>

#include "check.h"
#include "qemu/quote.h"

static char *q(const char *const *args)
{
	struct strv sv = STRV_INIT;
	char *s;

	for (; *args; args++)
		CHECK_INT(0, strv_push(&sv, *args));
	s = quote_cmd(&sv);
	strv_release(&sv);
	return s;
}

int main(void)
{
	const char *plain[] = { "qemu-system-x86_64", "-m", "512", NULL };
	const char *space[] = { "a", "b c", NULL };
	const char *dq[] = { "x", "say \"hi\" now", NULL };
	const char *sq[] = { "it's", "it's here", NULL };
	const char *nospace_quote[] = { "a\"b", "tab\there", "", NULL };
	const char *none[] = { NULL };
	char *s;

	s = q(plain);
	CHECK_STR(" qemu-system-x86_64 -m 512", s);
	free(s);
	s = q(space);
	CHECK_STR(" a \"b c\"", s);
	free(s);
	s = q(dq);
	CHECK_STR(" x 'say \"hi\" now'", s);
	free(s);
	/* like quote_cmd: a single quote is not special */
	s = q(sq);
	CHECK_STR(" it's \"it's here\"", s);
	free(s);
	/* only a space triggers quoting; an empty argument stays empty */
	s = q(nospace_quote);
	CHECK_STR(" a\"b tab\there ", s);
	free(s);
	s = q(none);
	CHECK_STR("", s);
	free(s);
	return check_summary("test-quote");
}
