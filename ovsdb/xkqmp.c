/* xkqmp.c: the QMP client (see xkqmp.h). */
#include <config.h>

#include "xkqmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "openvswitch/json.h"
#include "openvswitch/shash.h"

#define DEFAULT_TIMEOUT_MS 5000
#define MAX_QUEUED 256		/* events kept; older ones are dropped */

struct xkqmp {
	int fd;
	int timeout_ms;
	long long next_id;
	struct json_parser *parser;
	struct json *events[MAX_QUEUED];	/* a ring of event objects */
	size_t ev_head, ev_n;
	struct json *reply;	/* a reply read by xkqmp_read() (none expected) */
	char err[512];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(struct xkqmp *q, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct xkqmp *q, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof(q->err), fmt, ap);
	va_end(ap);
	return ret;
}

int xkqmp_fd(const struct xkqmp *q)
{
	return q->fd;
}

const char *xkqmp_error(const struct xkqmp *q)
{
	return q->err;
}

static void queue_event(struct xkqmp *q, struct json *ev)
{
	if (q->ev_n == MAX_QUEUED) {	/* nobody reads them: drop the oldest */
		json_destroy(q->events[q->ev_head]);
		q->ev_head = (q->ev_head + 1) % MAX_QUEUED;
		q->ev_n--;
	}
	q->events[(q->ev_head + q->ev_n) % MAX_QUEUED] = ev;
	q->ev_n++;
}

/* Takes one complete JSON value from the parser: an event is queued (returns
 * 1), anything else is stored in *msg (returns 0, caller destroys).
 * Returns -EPROTO for a value that is not an object (parse errors come as a
 * JSON string). */
static int take_value(struct xkqmp *q, struct json **msg)
{
	struct json *j = json_parser_finish(q->parser);

	q->parser = json_parser_create(0);
	if (!j || j->type != JSON_OBJECT) {
		fail(q, -EPROTO, "qemu sent %s", j && j->type == JSON_STRING ? json_string(j)
									   : "something not a JSON object");
		json_destroy(j);
		return -EPROTO;
	}
	if (shash_find_data(json_object(j), "event")) {
		queue_event(q, j);
		return 1;
	}
	*msg = j;
	return 0;
}

/* Reads what is there (non-blocking), feeding the parser (which stops at
 * the end of each value, hence the loop); events are queued, the first
 * other message goes to *msg (NULL on entry), a second one is kept in
 * q->reply.  Returns the events queued (>= 0), -EAGAIN when nothing was there,
 * -ECONNRESET at EOF, or -errno. */
static int read_some(struct xkqmp *q, struct json **msg)
{
	char buf[4096];
	ssize_t n;
	int events = 0, r;

	n = read(q->fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN
			: fail(q, -errno, "cannot read from qemu's monitor: %s", strerror(errno));
	if (n == 0)
		return fail(q, -ECONNRESET, "qemu closed its monitor");
	for (size_t off = 0; off < (size_t)n;) {
		off += json_parser_feed(q->parser, buf + off, (size_t)n - off);
		if (!json_parser_is_done(q->parser))
			continue;
		{
			struct json *m = NULL;

			r = take_value(q, &m);
			if (r < 0)
				return r;
			events += r;
			if (m && !*msg)
				*msg = m;
			else if (m && !q->reply)
				q->reply = m;
			else
				json_destroy(m);
		}
	}
	return events;
}

/* Waits until a non-event message is read, or the deadline passes. */
static int wait_message(struct xkqmp *q, long long deadline, struct json **msg)
{
	*msg = NULL;
	if (q->reply) {
		*msg = q->reply;
		q->reply = NULL;
		return 0;
	}
	for (;;) {
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		long long left = deadline - now_ms();
		int r;

		r = read_some(q, msg);
		if (r < 0 && r != -EAGAIN)
			return r;
		if (*msg)
			return 0;
		if (left <= 0)
			return fail(q, -ETIMEDOUT, "qemu's monitor did not answer in time");
		r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r < 0 && errno != EINTR)
			return fail(q, -errno, "poll: %s", strerror(errno));
	}
}

static int send_all(struct xkqmp *q, const char *s, long long deadline)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n = send(q->fd, s + off, len - off, MSG_NOSIGNAL);

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd p = { .fd = q->fd, .events = POLLOUT };
			long long left = deadline - now_ms();

			if (left <= 0)
				return fail(q, -ETIMEDOUT, "qemu's monitor does not take the command");
			(void)poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
			continue;
		}
		if (errno == EINTR)
			continue;
		return fail(q, errno == EPIPE ? -ECONNRESET : -errno,
			    "cannot write to qemu's monitor: %s", strerror(errno));
	}
	return 0;
}

/* Builds the arguments object; returns NULL (message set) for a bad one. */
static struct json *build_args(struct xkqmp *q, const char *const *args)
{
	struct json *obj = json_object_create();

	for (size_t i = 0; args && args[i]; i++) {
		const char *eq = strchr(args[i], '=');
		size_t klen;
		char *key;
		struct json *v;

		if (!eq || eq == args[i]) {
			fail(q, -EINVAL, "bad QMP argument '%s'", args[i]);
			json_destroy(obj);
			return NULL;
		}
		klen = (size_t)(eq - args[i]);
		if (klen > 5 && !strncmp(eq - 5, ":bool", 5)) {
			if (strcmp(eq + 1, "true") && strcmp(eq + 1, "false")) {
				fail(q, -EINVAL, "bad boolean in QMP argument '%s'", args[i]);
				json_destroy(obj);
				return NULL;
			}
			v = json_boolean_create(!strcmp(eq + 1, "true"));
			klen -= 5;
		} else if (klen > 4 && !strncmp(eq - 4, ":int", 4)) {
			char *end;
			long long n;

			errno = 0;
			n = strtoll(eq + 1, &end, 10);
			if (errno || end == eq + 1 || *end) {
				fail(q, -EINVAL, "bad integer in QMP argument '%s'", args[i]);
				json_destroy(obj);
				return NULL;
			}
			v = json_integer_create(n);
			klen -= 4;
		} else {
			v = json_string_create(eq + 1);
		}
		key = strndup(args[i], klen);
		if (!key) {
			json_destroy(v);
			json_destroy(obj);
			fail(q, -ENOMEM, "out of memory");
			return NULL;
		}
		json_object_put_nocopy(obj, key, v);
	}
	return obj;
}

/* Sends 'cmd' and waits for its reply; on success the "return" member is
 * stored in *ret_json (caller destroys) when not NULL. */
static int execute(struct xkqmp *q, const char *cmd, const char *const *args,
		   struct json **ret_json)
{
	long long deadline = now_ms() + q->timeout_ms, id = ++q->next_id;
	struct json *req, *a, *msg = NULL;
	char *text = NULL;
	int ret;

	a = build_args(q, args);
	if (!a)
		return strstr(q->err, "memory") ? -ENOMEM : -EINVAL;
	req = json_object_create();
	json_object_put_string(req, "execute", cmd);
	json_object_put(req, "arguments", a);
	json_object_put(req, "id", json_integer_create(id));
	text = json_to_string(req, 0);
	json_destroy(req);
	ret = send_all(q, text, deadline);
	if (ret == 0)	/* a line a command, as QMP's own examples */
		ret = send_all(q, "\n", deadline);
	if (ret < 0)
		goto out;
	for (;;) {
		const struct json *rid;

		ret = wait_message(q, deadline, &msg);
		if (ret < 0)
			goto out;
		rid = shash_find_data(json_object(msg), "id");
		if (rid && rid->type == JSON_INTEGER && json_integer(rid) == id)
			break;
		/* A stale reply (to a command that timed out): not ours. */
		json_destroy(msg);
		msg = NULL;
	}
	{
		const struct json *r = shash_find_data(json_object(msg), "return");
		const struct json *e = shash_find_data(json_object(msg), "error");

		if (e) {
			const struct json *d = e->type == JSON_OBJECT
				? shash_find_data(json_object(e), "desc") : NULL;

			ret = fail(q, -EREMOTEIO, "%s",
				   d && d->type == JSON_STRING ? json_string(d) : "qemu refused");
			goto out;
		}
		if (!r) {
			ret = fail(q, -EPROTO, "qemu's reply to '%s' has no result", cmd);
			goto out;
		}
		if (ret_json)
			*ret_json = json_clone(r);
		ret = 0;
	}
out:
	json_destroy(msg);
	free(text);
	return ret;
}

int xkqmp_open(const char *path, int timeout_ms, struct xkqmp **out, char **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xkqmp *q = calloc(1, sizeof(*q));
	struct json *greeting = NULL;
	int ret;

	if (err)
		*err = NULL;
	if (!q)
		return -ENOMEM;
	q->fd = -1;
	q->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
	q->parser = json_parser_create(0);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		ret = fail(q, -ENAMETOOLONG, "socket path '%s' is too long", path);
		goto out;
	}
	strcpy(sa.sun_path, path);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0) {
		ret = fail(q, -errno, "socket: %s", strerror(errno));
		goto out;
	}
	/* A local stream socket connects at once or fails: block for it. */
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = fail(q, -errno, "cannot connect to '%s': %s", path, strerror(errno));
		goto out;
	}
	if (fcntl(q->fd, F_SETFL, fcntl(q->fd, F_GETFL) | O_NONBLOCK) < 0) {
		ret = fail(q, -errno, "fcntl: %s", strerror(errno));
		goto out;
	}
	ret = wait_message(q, now_ms() + q->timeout_ms, &greeting);
	if (ret < 0)
		goto out;
	if (!shash_find_data(json_object(greeting), "QMP")) {
		ret = fail(q, -EPROTO, "'%s' is not a QMP monitor", path);
		goto out;
	}
	ret = execute(q, "qmp_capabilities", NULL, NULL);
	if (ret < 0)
		goto out;
	*out = q;
	q = NULL;
out:
	json_destroy(greeting);
	if (q && err)
		*err = strdup(q->err);
	xkqmp_close(q);
	return ret;
}

void xkqmp_close(struct xkqmp *q)
{
	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	json_parser_abort(q->parser);
	while (q->ev_n) {
		json_destroy(q->events[q->ev_head]);
		q->ev_head = (q->ev_head + 1) % MAX_QUEUED;
		q->ev_n--;
	}
	json_destroy(q->reply);
	free(q);
}

int xkqmp_execute(struct xkqmp *q, const char *cmd, const char *const *args, char **ret)
{
	struct json *r = NULL;
	int rc;

	q->err[0] = '\0';
	rc = execute(q, cmd, args, ret ? &r : NULL);
	if (rc == 0 && ret) {
		*ret = json_to_string(r, 0);
		json_destroy(r);
	}
	return rc;
}

int xkqmp_read(struct xkqmp *q)
{
	int total = 0;

	q->err[0] = '\0';
	for (;;) {
		struct json *msg = NULL;
		int r = read_some(q, &msg);

		if (msg) {	/* a reply nobody waits for (timed out before) */
			json_destroy(msg);
		}
		if (r == -EAGAIN)
			return total;
		if (r < 0)
			return r;
		total += r;
	}
}

int xkqmp_next_event(struct xkqmp *q, char **name, char **data)
{
	const struct json *n, *d;
	struct json *ev;

	if (!q->ev_n)
		return 0;
	ev = q->events[q->ev_head];
	q->ev_head = (q->ev_head + 1) % MAX_QUEUED;
	q->ev_n--;
	n = shash_find_data(json_object(ev), "event");
	d = shash_find_data(json_object(ev), "data");
	*name = strdup(n && n->type == JSON_STRING ? json_string(n) : "");
	*data = d ? json_to_string(d, 0) : strdup("{}");
	json_destroy(ev);
	if (!*name || !*data) {
		free(*name);
		free(*data);
		return -ENOMEM;
	}
	return 1;
}

int xkqmp_json_get_string(const char *json, const char *key, char **out)
{
	struct json *j = json_from_string(json);
	const struct json *v;
	int ret;

	if (!j || j->type != JSON_OBJECT) {
		ret = -EPROTO;
		goto out;
	}
	v = shash_find_data(json_object(j), key);
	if (!v || v->type != JSON_STRING) {
		ret = -ENOENT;
		goto out;
	}
	*out = strdup(json_string(v));
	ret = *out ? 0 : -ENOMEM;
out:
	json_destroy(j);
	return ret;
}

int xkqmp_json_array_strings(const char *json, const char *key, char ***out)
{
	struct json *j = json_from_string(json);
	const struct json_array *a;
	char **v = NULL;
	size_t n = 0;
	int ret;

	if (!j || j->type != JSON_ARRAY) {
		ret = -EPROTO;
		goto out;
	}
	a = json_array(j);
	v = calloc(a->n + 1, sizeof(*v));
	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct json *e = a->elems[i], *m;

		if (e->type != JSON_OBJECT)
			continue;
		m = shash_find_data(json_object(e), key);
		if (!m || m->type != JSON_STRING)
			continue;
		v[n] = strdup(json_string(m));
		if (!v[n]) {
			xkqmp_strings_free(v);
			v = NULL;
			ret = -ENOMEM;
			goto out;
		}
		n++;
	}
	*out = v;
	v = NULL;
	ret = (int)n;
out:
	json_destroy(j);
	return ret;
}

void xkqmp_strings_free(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}
