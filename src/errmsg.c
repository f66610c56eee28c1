#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>

int errmsg_code(char **err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return *err ? code : -ENOMEM;
}
