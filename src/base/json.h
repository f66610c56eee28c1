/* json: the little JSON the tap-control listings print. */
#ifndef XKVM_JSON_H
#define XKVM_JSON_H

#include <stdio.h>

/* Writes 's' to 'f' as a JSON string: quoted, with '"', '\\' and control
 * characters escaped (other bytes as they are).  The caller checks 'f' for
 * write errors. */
void json_put_str(FILE *f, const char *s);

#endif
