/* libFuzzer harness: cli_parse (input: the arguments after argv[0],
 * separated by newlines) against tests/fuzz/contract.h. Built and run by
 * `make fuzz` (clang -fsanitize=fuzzer,address,undefined). */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_input(data, size);

	fz_assert(fz_cli(s, '\n'));
	fz_assert(fz_strv(s, '\n'));
	free(s);
	return 0;
}
