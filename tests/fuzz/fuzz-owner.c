/* libFuzzer harness: owner_parse, and owner_format round trips (input: the
 * tag) against tests/fuzz/contract.h. Built and run by `make fuzz` (clang
 * -fsanitize=fuzzer,address,undefined). */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct owner o;
	char *s = fz_input(data, size);

	fz_assert(fz_owner(s));
	/* the first bytes as a valid owner: format+parse gives it back */
	memset(&o, 0, sizeof(o));
	if (size >= 20) {
		memcpy(&o.pid, data, 4);
		memcpy(&o.start, data + 4, 8);
		memcpy(&o.uid, data + 12, 4);
		memcpy(&o.pidns, data + 12, 8);
		o.pid = (pid_t)((unsigned)o.pid & 0x7fffffff);
		if (o.pid == 0)
			o.pid = 1;
		snprintf(o.boot, sizeof(o.boot), "%llx-%x", o.start, (unsigned)o.uid);
		fz_assert(fz_owner_roundtrip(&o));
	}
	free(s);
	return 0;
}
