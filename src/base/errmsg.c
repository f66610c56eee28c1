#include "base/errmsg.h"

#include <stdarg.h>
#include <stdio.h>

int errmsg_code(char **err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	if (!*err)
		return -ENOMEM;
	/* The message quotes user input: keep it on one line. */
	for (char *p = *err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return code;
}
