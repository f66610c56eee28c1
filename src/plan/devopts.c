#include "plan/devopts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/spawn.h"

int devopts_init(struct devopts *d, const struct strv *qemu)
{
	memset(d, 0, sizeof(*d));
	if (qemu->n == 0)
		return -EINVAL;
	if (strv_extend(&d->qemu, qemu) < 0) {
		devopts_release(d);
		return -ENOMEM;
	}
	return 0;
}

static struct devopts_model *find(struct devopts *d, const char *model)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->models[i].model, model))
			return &d->models[i];
	return NULL;
}

/* sed -e 's,[^.]*[.],,' -e 's,=.*,,' on one line, then split on IFS. */
static int add_line(struct strv *words, const char *line, size_t len)
{
	const char *dot = memchr(line, '.', len), *eq;
	const char *p;

	if (dot) {
		len -= (size_t)(dot + 1 - line);
		line = dot + 1;
	}
	eq = memchr(line, '=', len);
	if (eq)
		len = (size_t)(eq - line);
	p = line;
	while (p < line + len) {
		const char *start;

		while (p < line + len && (*p == ' ' || *p == '\t'))
			p++;
		start = p;
		while (p < line + len && *p != ' ' && *p != '\t')
			p++;
		if (p > start && strv_push_owned(words, strndup(start, (size_t)(p - start))) < 0)
			return -ENOMEM;
	}
	return 0;
}

int devopts_add_output(struct devopts *d, const char *model, const char *out)
{
	struct devopts_model m = { strdup(model), STRV_INIT }, *models;
	const char *p = out;

	if (!m.model)
		return -ENOMEM;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (add_line(&m.words, p, len) < 0)
			goto fail;
		p += len + (nl ? 1 : 0);
	}
	models = realloc(d->models, (d->n + 1) * sizeof(*models));
	if (!models)
		goto fail;
	d->models = models;
	d->models[d->n++] = m;
	return 0;
fail:
	free(m.model);
	strv_release(&m.words);
	return -ENOMEM;
}

/* Runs QEMU -device MODEL,? with stdout+stderr into a buffer (the
 * reference's $(... 2>&1)).  Returns 0 with *out (caller frees), -ENOEXEC
 * when the command could not be executed or failed, else -errno. */
static int probe(struct devopts *d, const char *model, char **out)
{
	struct strv argv = STRV_INIT;
	char *buf = NULL, notfound[512];
	int ret = -ENOMEM;

	if (strv_extend(&argv, &d->qemu) < 0 || strv_push(&argv, "-device") < 0 ||
	    strv_pushf(&argv, "%s,?", model) < 0)
		goto out;
	ret = spawn_run(argv.v, SPAWN_STDERR | SPAWN_NO_STDIN, &buf);
	/* Exited non-zero, or could not be executed at all (the reference's
	 * shell could not run it either): a bad model.  Only the lack of
	 * memory or processes is our own failure. */
	if (ret > 0 || (ret < 0 && ret != -ENOMEM && ret != -EAGAIN))
		ret = -ENOEXEC;
	if (ret < 0)
		goto out;
	/* qemu exits 0 for an unknown model's ",?" but says so. */
	snprintf(notfound, sizeof(notfound), "Device '%s' not found", model);
	if (strstr(buf, notfound)) {
		ret = -ENOEXEC;
		goto out;
	}
	*out = buf;
	buf = NULL;
out:
	free(buf);
	strv_release(&argv);
	return ret;
}

int devopts_accepts(struct devopts *d, const char *model, const char *token)
{
	struct devopts_model *m = find(d, model);
	size_t keylen = strcspn(token, "=");

	if (!m) {
		char *out = NULL;
		int r = probe(d, model, &out);

		if (r == 0)
			r = devopts_add_output(d, model, out);
		free(out);
		if (r < 0)
			return r;
		m = find(d, model);
	}
	for (size_t i = 0; i < m->words.n; i++)
		if (strlen(m->words.v[i]) == keylen && !strncmp(m->words.v[i], token, keylen))
			return 1;
	return 0;
}

void devopts_release(struct devopts *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->models[i].model);
		strv_release(&d->models[i].words);
	}
	free(d->models);
	d->models = NULL;
	d->n = 0;
	strv_release(&d->qemu);
}
