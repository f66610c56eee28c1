#include "plan/netspec.h"

#include "base/errmsg.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/devopts.h"

#define NAME_MAX_LEN 15		/* IFNAMSIZ - 1 */

bool netspec_valid_ifname(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > NAME_MAX_LEN || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	return true;
}

/* A VLAN id: decimal 0..4095 spanning [s, s+len). */
static bool valid_vlan(const char *s, size_t len)
{
	unsigned v = 0;

	if (len == 0 || len > 4)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v <= 4095;
}

static bool valid_trunks(const char *s)
{
	for (;;) {
		size_t len = strcspn(s, ":");

		if (!valid_vlan(s, len))
			return false;
		if (!s[len])
			return true;
		s += len + 1;
	}
}

static int set_str(char **dst, const char *val)
{
	char *c = strdup(val);

	if (!c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/* Consumes an ovs-* token.  Returns 0, -EINVAL (message set), -ENOMEM. */
static int parse_ovs(struct netspec *ns, const char *tok, const char *spec, char **err)
{
	const char *val = strchr(tok, '=');
	size_t keylen = val ? (size_t)(val - tok) : strlen(tok);

	val = val ? val + 1 : NULL;
	if (!strncmp(tok, "ovs-ext:", 8)) {
		if (!val || keylen == 8)
			return errmsg(err, "invalid token '%s' in --netdev %s: want ovs-ext:KEY=VALUE",
				    tok, spec);
		return strv_push(&ns->ovs_ext, tok + 8);
	}
	if (val && keylen == 7 && !strncmp(tok, "ovs-tag", 7)) {
		if (!valid_vlan(val, strlen(val)))
			return errmsg(err, "invalid ovs-tag '%s' in --netdev %s: want 0..4095",
				    val, spec);
		ns->ovs_tag = atoi(val);
		return 0;
	}
	if (val && keylen == 10 && !strncmp(tok, "ovs-trunks", 10)) {
		if (!valid_trunks(val))
			return errmsg(err, "invalid ovs-trunks '%s' in --netdev %s: want N:M:... each 0..4095",
				    val, spec);
		return set_str(&ns->ovs_trunks, val);
	}
	if (val && keylen == 12 && !strncmp(tok, "ovs-iface-id", 12)) {
		if (!*val)
			return errmsg(err, "empty ovs-iface-id in --netdev %s", spec);
		return set_str(&ns->ovs_iface_id, val);
	}
	if (val && keylen == 9 && !strncmp(tok, "ovs-vm-id", 9)) {
		if (!*val)
			return errmsg(err, "empty ovs-vm-id in --netdev %s", spec);
		return set_str(&ns->ovs_vm_id, val);
	}
	return errmsg(err, "unknown token '%s' in --netdev %s", tok, spec);
}

int netspec_parse(const char *spec, unsigned index, const char *def_model,
		  struct netspec *ns, char **err)
{
	struct strv toks = STRV_INIT;
	const char *mac = "auto", *model = def_model;
	char buf[MAC_STRLEN];
	int ret = -ENOMEM;

	*err = NULL;
	memset(ns, 0, sizeof(*ns));
	ns->index = index;
	ns->ovs_tag = -1;
	if (strv_split(&toks, spec, ',') < 0)
		goto out;
	if (toks.n == 0 || !*toks.v[0]) {
		ret = errmsg(err, "empty bridge name in --netdev '%s'", spec);
		goto out;
	}
	ns->user = !strcmp(toks.v[0], "user");
	if (!ns->user && !netspec_valid_ifname(toks.v[0])) {
		ret = errmsg(err, "invalid bridge name '%s' in --netdev %s", toks.v[0], spec);
		goto out;
	}
	if (!(ns->bridge = strdup(toks.v[0])))
		goto out;
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
		} else if (!strncmp(tok, "ovs-", 4)) {
			ret = parse_ovs(ns, tok, spec, err);
			if (ret < 0)
				goto out;
		} else if (strv_push(&ns->tokens, tok) < 0) {
			goto out;
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
		netspec_release(ns);
	return ret;
}

int netspec_classify(struct netspec *ns, struct devopts *d, char **err)
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
	return 0;
}

char *netspec_device_arg(const struct netspec *ns)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s,netdev=net%02u", ns->model, ns->index);
	for (size_t i = 0; i < ns->devopts.n; i++)
		fprintf(f, ",%s", ns->devopts.v[i]);
	if (ns->mac)
		fprintf(f, ",mac=%s", ns->mac);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *netspec_netdev_arg(const struct netspec *ns, const char *tap)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "type=%s,id=net%02u", ns->user ? "user" : "tap", ns->index);
	if (!ns->user)
		fputs(",script=no,downscript=no", f);
	for (size_t i = 0; i < ns->netopts.n; i++)
		fprintf(f, ",%s", ns->netopts.v[i]);
	if (tap)
		fprintf(f, ",ifname=%s", tap);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

bool netspec_has_ovs_tokens(const struct netspec *ns)
{
	return ns->ovs_tag >= 0 || ns->ovs_trunks || ns->ovs_iface_id || ns->ovs_vm_id ||
	       ns->ovs_ext.n;
}

void netspec_release(struct netspec *ns)
{
	if (!ns)
		return;
	free(ns->bridge);
	free(ns->model);
	free(ns->mac);
	strv_release(&ns->tokens);
	strv_release(&ns->devopts);
	strv_release(&ns->netopts);
	free(ns->ovs_trunks);
	free(ns->ovs_iface_id);
	free(ns->ovs_vm_id);
	strv_release(&ns->ovs_ext);
	memset(ns, 0, sizeof(*ns));
	ns->ovs_tag = -1;
}
