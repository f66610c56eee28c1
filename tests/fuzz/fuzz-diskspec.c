/* libFuzzer harness: diskspec_parse (input: the spec; files named in it are
 * stat()ed) against tests/fuzz/contract.h. Built and run by `make fuzz`
 * (clang -fsanitize=fuzzer,address,undefined). */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_input(data, size);

	fz_assert(fz_diskspec(s, (unsigned)(size % 8)));
	free(s);
	return 0;
}
