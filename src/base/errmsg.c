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
	errmsg_one_line(*err);	/* the message quotes user input */
	return code;
}

void errmsg_one_line(char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}
