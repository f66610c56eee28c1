/* quote: print an argv the way the reference's quote_cmd does. */
#ifndef XKVM_QUOTE_H
#define XKVM_QUOTE_H

#include "base/strv.h"

/* Returns " ARG1 ARG2 ..." (each argument preceded by one space): an
 * argument holding a space is wrapped in double quotes, or in single quotes
 * when it also holds a double quote; others are printed as they are.  The
 * caller frees the string.  Returns NULL on -ENOMEM. */
char *quote_cmd(const struct strv *argv);

#endif
