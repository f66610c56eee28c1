#include "ctl/client.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/clock.h"

#define ANSWER_MS 30000		/* a request's bound: QMP waits are 5 s each */

static int send_line(int fd, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]);

		if (strpbrk(argv[i], "\t\n") || len == 0)
			return -EINVAL;
		if ((i && send(fd, "\t", 1, MSG_NOSIGNAL) != 1) ||
		    send(fd, argv[i], len, MSG_NOSIGNAL) != (ssize_t)len)
			return -errno;
	}
	return send(fd, "\n", 1, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

/* Reads into 'buf' until 'deadline'.  Returns bytes read, 0 at EOF,
 * -ETIMEDOUT or -errno. */
static ssize_t read_until(int fd, char *buf, size_t size, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - clock_now_ms();
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left) < 0 && errno != EINTR)
			return -errno;
		if (!p.revents)
			continue;
		n = read(fd, buf, size);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

int ctl_client_request(const char *sock, int argc, char **argv, FILE *out, int wait_end,
		       int wait_ms, char **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = clock_now_ms() + ANSWER_MS;
	char *line = NULL;
	size_t len = 0, alloc = 0;
	bool done = false;
	int fd, ret;

	*err = NULL;
	if (strlen(sock) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	ret = send_line(fd, argc, argv);
	if (ret == -EINVAL)
		goto out;
	/* Other send failures: the server may have refused us with a line
	 * ("not yours") and closed; read it. */
	/* Line by line: data lines go out as they come; the status ends it. */
	while (!done) {
		char buf[4096];
		ssize_t n = read_until(fd, buf, sizeof(buf), deadline);
		size_t start = 0;

		if (n < 0) {
			ret = (int)n;
			goto out;
		}
		if (n == 0) {
			ret = -EPROTO;
			goto out;
		}
		if (len + (size_t)n + 1 > alloc) {
			char *p = realloc(line, len + (size_t)n + 1);

			if (!p) {
				ret = -ENOMEM;
				goto out;
			}
			line = p;
			alloc = len + (size_t)n + 1;
		}
		memcpy(line + len, buf, (size_t)n);
		len += (size_t)n;
		line[len] = '\0';
		for (char *nl; !done && (nl = memchr(line + start, '\n', len - start));
		     start = (size_t)(nl - line) + 1) {
			*nl = '\0';
			if (!strcmp(line + start, "ok")) {
				done = true;
			} else if (!strncmp(line + start, "error ", 6)) {
				*err = strdup(line + start + 6);
				ret = -EREMOTEIO;
				goto out;
			} else {
				fprintf(out, "%s\n", line + start);
			}
		}
		memmove(line, line + start, len - start);
		len -= start;
	}
	ret = 0;
	if (wait_end) {
		char buf[64];
		ssize_t n;

		deadline = clock_now_ms() + wait_ms;
		while ((n = read_until(fd, buf, sizeof(buf), deadline)) > 0)
			;
		ret = n < 0 ? (int)n : 0;
	}
out:
	free(line);
	close(fd);
	return ret;
}
