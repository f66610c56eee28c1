#include "base/strv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int strv_grow(struct strv *sv)
{
	size_t alloc;
	char **v;

	if (sv->n + 1 < sv->alloc)
		return 0;
	alloc = sv->alloc ? sv->alloc * 2 : 8;
	v = realloc(sv->v, alloc * sizeof(*v));
	if (!v)
		return -ENOMEM;
	sv->v = v;
	sv->alloc = alloc;
	return 0;
}

int strv_push_owned(struct strv *sv, char *s)
{
	if (!s || strv_grow(sv) < 0) {
		free(s);
		return -ENOMEM;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

int strv_push(struct strv *sv, const char *s)
{
	return strv_push_owned(sv, strdup(s));
}

int strv_pushf(struct strv *sv, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return strv_push_owned(sv, s);
}

int strv_extend(struct strv *sv, const struct strv *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int r = strv_push(sv, src->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int strv_split(struct strv *sv, const char *s, char sep)
{
	const char *p = s;

	while (*p) {
		const char *end = strchr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int r = strv_push_owned(sv, strndup(p, len));

		if (r < 0)
			return r;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

void strv_release(struct strv *sv)
{
	if (!sv)
		return;
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->alloc = 0;
}

char *strv_join(const struct strv *sv, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	char *out, *p;

	for (size_t i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + (i ? seplen : 0);
	out = p = malloc(len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < sv->n; i++) {
		if (i) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		size_t l = strlen(sv->v[i]);
		memcpy(p, sv->v[i], l);
		p += l;
	}
	*p = '\0';
	return out;
}

int str_set(char **dst, const char *val)
{
	char *c = strdup(val);

	if (!c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}
