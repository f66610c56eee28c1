/* libFuzzer harness: tapstate_netem_parse (the netem spec of `xkvm ctl`
 * and of `tap-control netem` through sudo) against tests/fuzz/contract.h.
 * Built and run by `make fuzz`. */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_input(data, size);

	fz_assert(fz_netem(s));
	free(s);
	return 0;
}
