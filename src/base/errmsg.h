/* errmsg: one-line error messages built by parsers for src/ to print. */
#ifndef XKVM_ERRMSG_H
#define XKVM_ERRMSG_H

#include <errno.h>

/* Sets *err to the formatted message (caller frees), with every control
 * character (newline, tab, ...) replaced by '?' so that it stays one line
 * whatever input it quotes.  Returns 'code', or -ENOMEM with *err NULL when
 * the message cannot be allocated. */
int errmsg_code(char **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Replaces every control character of 's' (newline, tab, ...) by '?', so
 * that a message quoting input stays one line.  Accepts NULL. */
void errmsg_one_line(char *s);

/* errmsg_code() for the common case: a bad argument (-EINVAL). */
#define errmsg(err, ...) errmsg_code(err, -EINVAL, __VA_ARGS__)

#endif
