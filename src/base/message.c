#include "base/xkvm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int xkvm_verbosity;

static void vsay(const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vsay(const char *prefix, const char *fmt, va_list ap)
{
	int saved = errno;

	fflush(stdout);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	errno = saved;
}

void xkvm_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("xkvm: ", fmt, ap);
	va_end(ap);
}

void xkvm_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

void xkvm_debug(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > xkvm_verbosity)
		return;
	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

int xkvm_flush_stdout(void)
{
	int err = 0;

	if (fflush(stdout) == EOF)
		err = errno;
	else if (ferror(stdout))
		err = EIO;	/* an earlier write failed (vsay flushes too); its errno is gone */
	if (err) {
		xkvm_error("cannot write to stdout: %s", strerror(err));
		return -err;
	}
	return 0;
}
