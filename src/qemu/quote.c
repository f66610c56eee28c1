#include "qemu/quote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *quote_cmd(const struct strv *argv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < argv->n; i++) {
		const char *x = argv->v[i];

		if (!strchr(x, ' '))
			fprintf(f, " %s", x);
		else if (!strchr(x, '"'))
			fprintf(f, " \"%s\"", x);
		else
			fprintf(f, " '%s'", x);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
