#include "plan/netspec.h"

#include "base/errmsg.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/devopts.h"
#include "plan/mac.h"

int netspec_parse(const char *spec, unsigned index, const char *def_model,
		  struct nic *ns, char **err)
{
	struct strv toks = STRV_INIT;
	const char *mac = "auto", *model = def_model;
	char buf[MAC_STRLEN];
	int ret = -ENOMEM;

	*err = NULL;
	nic_init(ns, index);
	if (!(ns->spec = strdup(spec)) || strv_split(&toks, spec, ',') < 0)
		goto out;
	if (toks.n == 0 || !*toks.v[0]) {
		ret = errmsg(err, "empty bridge name in --netdev '%s'", spec);
		goto out;
	}
	ret = nic_set_bridge(ns, toks.v[0]);
	if (ret == -EINVAL)
		ret = errmsg(err, "invalid bridge name '%s' in --netdev %s", toks.v[0], spec);
	if (ret < 0)
		goto out;
	ret = -ENOMEM;
	for (size_t i = 1; i < toks.n; i++) {
		const char *tok = toks.v[i];

		if (!strncmp(tok, "model=", 6)) {
			model = tok + 6;
			if (!strcmp(model, "virtio"))
				model = "virtio-net-pci";
		} else if (!strncmp(tok, "mac=", 4)) {
			mac = tok + 4;
		} else if (!strncmp(tok, "macaddr=", 8)) {
			mac = tok + 8;
		} else {
			ret = nic_take_token(ns, tok, err);
			if (ret < 0)
				goto out;
			if (ret != 1 && strv_push(&ns->tokens, tok) < 0) {
				ret = -ENOMEM;
				goto out;
			}
			ret = -ENOMEM;
		}
	}
	if (!*model) {
		ret = errmsg(err, "empty model in --netdev %s", spec);
		goto out;
	}
	if (!(ns->model = strdup(model)))
		goto out;
	if (strcmp(mac, "auto")) {
		int r = !strcmp(mac, "random") ? mac_random(buf) : mac_pad(mac, index, buf);

		if (r == -EINVAL) {
			ret = errmsg(err, "invalid MAC '%s' in --netdev %s", mac, spec);
			goto out;
		}
		if (r < 0) {
			ret = r;
			goto out;
		}
		if (!(ns->mac = strdup(buf)))
			goto out;
	}
	ret = 0;
out:
	strv_release(&toks);
	if (ret < 0)
		nic_release(ns);
	return ret;
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

