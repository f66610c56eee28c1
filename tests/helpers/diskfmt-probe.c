/* diskfmt-probe FILE...: prints, one a line, the format diskfmt_probe()
 * finds for each FILE (what `qemu-img info` prints as "file format:").
 * Exits 1 when a file cannot be read. */
#include <stdio.h>
#include <string.h>

#include "plan/diskfmt.h"

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: diskfmt-probe FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		const char *fmt;
		int ret = diskfmt_probe(argv[i], &fmt);

		if (ret < 0) {
			fprintf(stderr, "diskfmt-probe: cannot probe '%s': %s\n", argv[i], strerror(-ret));
			status = 1;
			continue;
		}
		printf("%s\n", fmt);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		status = 1;
	return status;
}
