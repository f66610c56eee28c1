/* version.c: the one place the generated version header is read, so that a
 * new commit recompiles this file alone. */
#include "base/version.h"

#include "gen/xkvm-version.h"	/* generated: $(BUILD)/gen/xkvm-version.h */

const char *xkvm_version(void)
{
	return XKVM_VERSION;
}
