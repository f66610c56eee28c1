/* libFuzzer harness: nic_wire_parse, the make-nics argument a caller of
 * `sudo xkvm tap-control` controls (input: NIC index byte, then the
 * argument), against tests/fuzz/contract.h, round trip included.  Built
 * and run by `make fuzz`. */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = fz_input(data + 1, size - 1);
	fz_assert(fz_wire(s, data[0]));
	free(s);
	return 0;
}
