/* libFuzzer harness: mac_pad (input: NIC index byte, then the partial MAC)
 * against tests/fuzz/contract.h. Built and run by `make fuzz` (clang
 * -fsanitize=fuzzer,address,undefined). */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = fz_input(data + 1, size - 1);
	fz_assert(fz_mac(s, data[0] < 0xf0 ? data[0] : 0x100u + data[0]));
	free(s);
	return 0;
}
