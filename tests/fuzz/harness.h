/* harness.h: what every libFuzzer harness in tests/fuzz/ shares: the
 * contract checks, a NUL-terminated copy of the input, and abort() (which
 * libFuzzer reports with the crashing input) on a contract violation. */
#ifndef XKVM_FUZZ_HARNESS_H
#define XKVM_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns a NUL-terminated copy of the input (cut at its first NUL);
 * caller frees.  Exits on allocation failure. */
static inline char *fz_input(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Aborts with the violation when 'bad' is set. */
static inline void fz_assert(const char *bad)
{
	if (!bad)
		return;
	fprintf(stderr, "contract violation: %s\n", bad);
	abort();
}

#endif
