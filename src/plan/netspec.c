#include "plan/netspec.h"

#include "base/errmsg.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/devopts.h"

int netspec_parse(const char *spec, unsigned index, const char *def_model,
		  struct nic *n, char **err)
{
	return nic_parse(spec, index, def_model, false, n, err);
}

/* Whether the user gave -device option 'key' ("mq") already. */
static bool given(const struct nic *n, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < n->devopts.n; i++)
		if (!strncmp(n->devopts.v[i], key, len) &&
		    (n->devopts.v[i][len] == '=' || !n->devopts.v[i][len]))
			return true;
	return false;
}

/* 1 when the model takes -device option 'key', 0 not, or -errno with *err
 * set. */
static int model_takes(struct nic *n, struct devopts *d, const char *key, char **err)
{
	int r = devopts_accepts(d, n->model, key);

	if (r == -ENOEXEC)
		return errmsg_code(err, r, "bad device model '%s'", n->model);
	if (r < 0)
		return errmsg_code(err, r, "cannot probe device model '%s': %s", n->model,
				   strerror(-r));
	return r;
}

/* The -device options xkvm's own tokens imply, where the model has them
 * and the user did not give them: host_mtu=N for mtu=N (the guest learns
 * the MTU), mq=on and vectors=2N+2 for queues=N >= 2 on a tap. */
static int add_derived(struct nic *n, struct devopts *d, char **err)
{
	int r;

	if (n->mtu && !given(n, "host_mtu")) {
		r = model_takes(n, d, "host_mtu", err);
		if (r < 0)
			return r;
		if (r && strv_pushf(&n->devopts, "host_mtu=%u", n->mtu) < 0)
			return -ENOMEM;
	}
	if (n->queues >= 2 && n->kind != NIC_USER) {
		r = model_takes(n, d, "mq", err);
		if (r < 0)
			return r;
		if (r && !given(n, "mq") && strv_push(&n->devopts, "mq=on") < 0)
			return -ENOMEM;
		if (r && !given(n, "vectors") &&
		    strv_pushf(&n->devopts, "vectors=%u", 2 * n->queues + 2) < 0)
			return -ENOMEM;
	}
	return 0;
}

int netspec_classify(struct nic *ns, struct devopts *d, char **err)
{
	*err = NULL;
	for (size_t i = 0; i < ns->tokens.n; i++) {
		const char *tok = ns->tokens.v[i];
		int r = devopts_accepts(d, ns->model, tok);

		if (r == -ENOEXEC)
			return errmsg_code(err, r, "bad device model '%s'", ns->model);
		if (r < 0)
			return errmsg_code(err, r, "cannot probe device model '%s': %s",
					   ns->model, strerror(-r));
		if (r == 0 && !strncmp(tok, "vnet_hdr=", 9))
			ns->sets_vnet_hdr = true;
		if (strv_push(r ? &ns->devopts : &ns->netopts, tok) < 0)
			return -ENOMEM;
	}
	return add_derived(ns, d, err);
}

