#include "base/fs.h"

#include <sys/stat.h>

bool fs_is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
