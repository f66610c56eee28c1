/* libFuzzer harness: quote_cmd (input: tab-separated arguments) against
 * tests/fuzz/contract.h. Built and run by `make fuzz` (clang
 * -fsanitize=fuzzer,address,undefined). */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_input(data, size);

	fz_assert(fz_quote(s));
	fz_assert(fz_strv(s, '\t'));
	free(s);
	return 0;
}
