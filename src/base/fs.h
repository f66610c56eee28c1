/* fs: small questions about files. */
#ifndef XKVM_BASE_FS_H
#define XKVM_BASE_FS_H

#include <stdbool.h>

/* Returns true when 'path' names a regular file (following symlinks). */
bool fs_is_regular(const char *path);

#endif
