#include "plan/acl.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errmsg.h"

#define MAX_DEPTH 8
#define MAX_FILE_SIZE (1 << 20)
#define N_VLANS 4096
#define N_OFPORTS 65280		/* 1..65279 are OpenFlow's plain ports */

enum kind { K_ALLOW, K_DENY, K_VLAN, K_OFPORT, K_IFACE_ID, K_VM_ID, K_OVS_EXT, K_OVSDB,
	    K_MAX_TAPS };

enum scope { S_ALL, S_USER, S_GROUP };

struct rule {
	enum kind kind;
	char *bridge;		/* NULL: all (bridge rules) */
	char *arg;		/* a glob, a remote */
	uint8_t *bits;		/* N_VLANS bits (vlan), N_OFPORTS (ofport) */
	unsigned long max;	/* max-taps */
	enum scope scope;
	uint32_t id;		/* uid or gid */
	struct acl_where where;
};

struct acl {
	struct rule *v;
	size_t n, alloc;
	char **files;		/* the names the rules point to */
	size_t n_files;
};

static const struct {
	const char *word;
	enum kind kind;
	int args;		/* words after the keyword, the scope aside */
	bool bridge;		/* the first of them is BRIDGE|all */
} keywords[] = {
	{ "allow", K_ALLOW, 1, true },
	{ "deny", K_DENY, 1, true },
	{ "vlan", K_VLAN, 2, true },
	{ "ofport", K_OFPORT, 2, true },
	{ "iface-id", K_IFACE_ID, 2, true },
	{ "vm-id", K_VM_ID, 2, true },
	{ "ovs-ext", K_OVS_EXT, 2, true },
	{ "ovsdb", K_OVSDB, 1, false },
	{ "max-taps", K_MAX_TAPS, 1, false },
};

#define N_KEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

void acl_free(struct acl *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].bridge);
		free(a->v[i].arg);
		free(a->v[i].bits);
	}
	for (size_t i = 0; i < a->n_files; i++)
		free(a->files[i]);
	free(a->files);
	free(a->v);
	free(a);
}

/* A decimal number no larger than 'max'.  Returns 0 or -EINVAL. */
static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || v > (max - (unsigned long)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return 0;
}

/* "all", or N, N-M, comma-separated, each 0..n-1: sets the bits. */
static int parse_numbers(const char *s, unsigned long n, uint8_t *bits)
{
	char *copy, *tok, *save = NULL;
	int ret = 0;

	if (!strcmp(s, "all")) {
		memset(bits, 0xff, n / 8);
		return 0;
	}
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && ret == 0; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		unsigned long lo, hi;

		if (dash)
			*dash = '\0';
		if (parse_ulong(tok, n - 1, &lo) < 0 ||
		    (dash && parse_ulong(dash + 1, n - 1, &hi) < 0)) {
			ret = -EINVAL;
			break;
		}
		if (!dash)
			hi = lo;
		if (hi < lo) {
			ret = -EINVAL;
			break;
		}
		for (unsigned long v = lo; v <= hi; v++)
			bits[v / 8] |= (uint8_t)(1u << (v % 8));
	}
	/* "", ",", "1,,2": an empty element */
	if (ret == 0 && (!*s || s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,")))
		ret = -EINVAL;
	free(copy);
	return ret;
}

/* "user=NAME|UID" or "group=NAME|GID".  Returns 0, -EINVAL (not a scope
 * word), -ENOENT (no such user or group). */
static int parse_scope(const char *w, enum scope *scope, uint32_t *id)
{
	const char *v;
	unsigned long n;

	if (!strncmp(w, "user=", 5)) {
		*scope = S_USER;
		v = w + 5;
	} else if (!strncmp(w, "group=", 6)) {
		*scope = S_GROUP;
		v = w + 6;
	} else {
		return -EINVAL;
	}
	if (!*v)
		return -ENOENT;
	if (parse_ulong(v, UINT32_MAX - 1, &n) == 0) {
		*id = (uint32_t)n;
		return 0;
	}
	if (*scope == S_USER) {
		struct passwd *pw = getpwnam(v);

		if (!pw)
			return -ENOENT;
		*id = pw->pw_uid;
	} else {
		struct group *gr = getgrnam(v);

		if (!gr)
			return -ENOENT;
		*id = gr->gr_gid;
	}
	return 0;
}

static int add_rule(struct acl *a, struct rule *r)
{
	if (a->n == a->alloc) {
		size_t alloc = a->alloc ? 2 * a->alloc : 16;
		struct rule *v = realloc(a->v, alloc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->alloc = alloc;
	}
	a->v[a->n++] = *r;
	return 0;
}

/* Keeps 'name' for the rules' acl_where.  Returns it or NULL. */
static const char *keep_name(struct acl *a, const char *name)
{
	char **v = realloc(a->files, (a->n_files + 1) * sizeof(*v));

	if (!v)
		return NULL;
	a->files = v;
	v[a->n_files] = strdup(name);
	return v[a->n_files] ? v[a->n_files++] : NULL;
}

static int load_file(struct acl *a, const char *path, int depth, char **err,
		     const char *from, unsigned from_line);

/* Splits 'line' at blanks into at most 'max' words ('#' at a word's start
 * ends the line).  Returns the count, or max + 1 when there are more. */
static int split(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			return n;
		if (n == max)
			return max + 1;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

/* One line.  Returns 0 or -errno with *err set. */
static int parse_line(struct acl *a, const char *name, unsigned lineno, char *line,
		      int depth, char **err)
{
	char *w[6];
	int n = split(line, w, 5), k, ret;
	struct rule r = { 0 };

	if (n == 0)
		return 0;
	if (!strcmp(w[0], "include")) {
		char *dir, *path = NULL, *slash;

		if (n != 2)
			return errmsg(err, "%s:%u: want 'include FILE'", name, lineno);
		if (w[1][0] == '/')
			return load_file(a, w[1], depth + 1, err, name, lineno);
		dir = strdup(name);
		if (!dir)
			return -ENOMEM;
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		if (asprintf(&path, "%s/%s", slash ? dir : ".", w[1]) < 0)
			path = NULL;
		free(dir);
		if (!path)
			return -ENOMEM;
		ret = load_file(a, path, depth + 1, err, name, lineno);
		free(path);
		return ret;
	}
	for (k = 0; k < (int)N_KEYWORDS; k++)
		if (!strcmp(w[0], keywords[k].word))
			break;
	if (k == (int)N_KEYWORDS)
		return errmsg(err, "%s:%u: unknown rule '%s' (want allow, deny, vlan, ofport, "
			      "iface-id, vm-id, ovs-ext, ovsdb, max-taps or include)", name, lineno,
			      w[0]);
	if (n == keywords[k].args + 2) {
		ret = parse_scope(w[n - 1], &r.scope, &r.id);
		if (ret == -ENOENT)
			return errmsg_code(err, -ENOENT, "%s:%u: no such %s '%s'", name, lineno,
					   r.scope == S_USER ? "user" : "group",
					   strchr(w[n - 1], '=') + 1);
		if (ret < 0)
			return errmsg(err, "%s:%u: '%s' is no scope (want user=NAME or group=NAME)",
				      name, lineno, w[n - 1]);
		n--;
	}
	if (n != keywords[k].args + 1)
		return errmsg(err, "%s:%u: '%s' takes %s%s [user=NAME|group=NAME]", name, lineno,
			      w[0], keywords[k].bridge ? "BRIDGE|all" :
			      keywords[k].kind == K_OVSDB ? "REMOTE" : "N",
			      keywords[k].args == 2 ? (keywords[k].kind == K_VLAN ||
						       keywords[k].kind == K_OFPORT ? " LIST" :
						       keywords[k].kind == K_OVS_EXT ? " KEYGLOB" :
						       " GLOB") : "");
	r.kind = keywords[k].kind;
	r.where.line = lineno;
	r.where.file = name;	/* kept by the acl (keep_name()) */
	if (keywords[k].bridge && strcmp(w[1], "all") && !(r.bridge = strdup(w[1])))
		return -ENOMEM;
	ret = 0;
	switch (r.kind) {
	case K_VLAN:
		r.bits = calloc(1, N_VLANS / 8);
		ret = r.bits ? parse_numbers(w[2], N_VLANS, r.bits) : -ENOMEM;
		if (ret == -EINVAL)
			ret = errmsg(err, "%s:%u: invalid VLAN list '%s' (want N, N-M, "
				     "comma-separated, each 0..4095, or all)", name, lineno, w[2]);
		break;
	case K_OFPORT:
		r.bits = calloc(1, N_OFPORTS / 8);
		ret = r.bits ? parse_numbers(w[2], N_OFPORTS, r.bits) : -ENOMEM;
		if (ret == 0 && strcmp(w[2], "all") && (r.bits[0] & 1))
			ret = -EINVAL;	/* port 0 is no OpenFlow port */
		if (ret == -EINVAL)
			ret = errmsg(err, "%s:%u: invalid OpenFlow port list '%s' (want N, N-M, "
				     "comma-separated, each 1..65279, or all)", name, lineno, w[2]);
		break;
	case K_IFACE_ID:
	case K_VM_ID:
	case K_OVS_EXT:
		if (!(r.arg = strdup(w[2])))
			ret = -ENOMEM;
		break;
	case K_OVSDB:
		if (!(r.arg = strdup(w[1])))
			ret = -ENOMEM;
		break;
	case K_MAX_TAPS:
		if (parse_ulong(w[1], 65536, &r.max) < 0)
			ret = errmsg(err, "%s:%u: invalid max-taps '%s' (want 0..65536)", name,
				     lineno, w[1]);
		break;
	default:
		break;
	}
	if (ret == 0)
		ret = add_rule(a, &r);
	if (ret < 0) {
		free(r.bridge);
		free(r.arg);
		free(r.bits);
	}
	return ret;
}

/* Parses 'text' read from 'file'. */
static int parse_text(struct acl *a, const char *file, char *text, int depth, char **err)
{
	const char *name = keep_name(a, file);
	unsigned lineno = 0;
	char *save = text, *line;
	int ret = 0;

	if (!name)
		return -ENOMEM;
	while (ret == 0 && save && *save) {
		char *nl = strchr(save, '\n');

		line = save;
		if (nl)
			*nl = '\0';
		save = nl ? nl + 1 : NULL;
		lineno++;
		ret = parse_line(a, name, lineno, line, depth, err);
	}
	return ret;
}

/* Reads one file (checking who owns it) and parses it. */
static int load_file(struct acl *a, const char *path, int depth, char **err,
		     const char *from, unsigned from_line)
{
	char *text = NULL;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd = -1, ret;

	if (depth > MAX_DEPTH)
		return errmsg_code(err, -ELOOP, "%s:%u: includes nested more than %d deep",
				   from, from_line, MAX_DEPTH);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT && !from)
			return ret;	/* no ACL at all: the caller says it */
		if (from)
			return errmsg_code(err, ret, "%s:%u: cannot include '%s': %s", from,
					   from_line, path, strerror(-ret));
		return errmsg_code(err, ret, "cannot read '%s': %s", path, strerror(-ret));
	}
	if (fstat(fd, &st) < 0) {
		ret = errmsg_code(err, -errno, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		ret = errmsg_code(err, -EPERM, "'%s' must be a regular file owned by root and "
				  "writable by no one else", path);
		goto out;
	}
	if (st.st_size > MAX_FILE_SIZE) {
		ret = errmsg_code(err, -EFBIG, "'%s' is larger than %d bytes", path, MAX_FILE_SIZE);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		ret = -ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size &&
	       (n = read(fd, text + len, (size_t)st.st_size - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = errmsg_code(err, -errno, "cannot read '%s': %s", path,
					  strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		ret = errmsg(err, "'%s' holds a NUL byte", path);
		goto out;
	}
	ret = parse_text(a, path, text, depth, err);
out:
	free(text);
	close(fd);
	return ret;
}

static struct acl *acl_new(void)
{
	return calloc(1, sizeof(struct acl));
}

int acl_load(const char *path, struct acl **out, char **err)
{
	struct acl *a = acl_new();
	int ret;

	*err = NULL;
	if (!a)
		return -ENOMEM;
	ret = load_file(a, path, 0, err, NULL, 0);
	if (ret < 0) {
		acl_free(a);
		return ret;
	}
	*out = a;
	return 0;
}

int acl_parse(const char *name, const char *text, struct acl **out, char **err)
{
	struct acl *a = acl_new();
	char *copy = strdup(text);
	int ret = -ENOMEM;

	*err = NULL;
	if (a && copy)
		ret = parse_text(a, name, copy, 0, err);
	free(copy);
	if (ret < 0) {
		acl_free(a);
		return ret;
	}
	*out = a;
	return 0;
}

static bool applies(const struct rule *r, const struct acl_who *w)
{
	switch (r->scope) {
	case S_USER:
		return r->id == w->uid;
	case S_GROUP:
		for (size_t i = 0; i < w->n_groups; i++)
			if (w->groups[i] == r->id)
				return true;
		return false;
	default:
		return true;
	}
}

/* Whether rule r (of 'kind') speaks of 'bridge' for 'w'. */
static bool matches(const struct rule *r, enum kind kind, const struct acl_who *w,
		    const char *bridge)
{
	return r->kind == kind && applies(r, w) && (!r->bridge || !strcmp(r->bridge, bridge));
}

int acl_bridge(const struct acl *a, const struct acl_who *w, const char *bridge,
	       struct acl_where *where)
{
	bool allowed = false;

	for (size_t i = 0; i < a->n; i++) {
		if (matches(&a->v[i], K_DENY, w, bridge)) {
			if (where)
				*where = a->v[i].where;
			return -EPERM;
		}
		if (matches(&a->v[i], K_ALLOW, w, bridge))
			allowed = true;
	}
	return allowed ? 0 : -EACCES;
}

int acl_vlan(const struct acl *a, const struct acl_who *w, const char *bridge, int vlan)
{
	if (vlan < 0 || vlan >= N_VLANS)
		return -EACCES;
	for (size_t i = 0; i < a->n; i++)
		if (matches(&a->v[i], K_VLAN, w, bridge) &&
		    (a->v[i].bits[vlan / 8] & (1u << (vlan % 8))))
			return 0;
	return -EACCES;
}

int acl_ofport(const struct acl *a, const struct acl_who *w, const char *bridge, long port)
{
	if (port < 1 || port >= N_OFPORTS)
		return -EACCES;
	for (size_t i = 0; i < a->n; i++)
		if (matches(&a->v[i], K_OFPORT, w, bridge) &&
		    (a->v[i].bits[port / 8] & (1u << (port % 8))))
			return 0;
	return -EACCES;
}

static int glob_rule(const struct acl *a, enum kind kind, const struct acl_who *w,
		     const char *bridge, const char *value)
{
	for (size_t i = 0; i < a->n; i++)
		if (matches(&a->v[i], kind, w, bridge) && fnmatch(a->v[i].arg, value, 0) == 0)
			return 0;
	return -EACCES;
}

int acl_iface_id(const struct acl *a, const struct acl_who *w, const char *bridge,
		 const char *id)
{
	return glob_rule(a, K_IFACE_ID, w, bridge, id);
}

int acl_vm_id(const struct acl *a, const struct acl_who *w, const char *bridge,
	      const char *id)
{
	return glob_rule(a, K_VM_ID, w, bridge, id);
}

int acl_ovs_ext(const struct acl *a, const struct acl_who *w, const char *bridge,
		const char *key)
{
	return glob_rule(a, K_OVS_EXT, w, bridge, key);
}

int acl_remote(const struct acl *a, const struct acl_who *w, const char *remote)
{
	if (!remote)
		return 0;
	for (size_t i = 0; a && i < a->n; i++)
		if (a->v[i].kind == K_OVSDB && applies(&a->v[i], w) && !strcmp(a->v[i].arg, remote))
			return 0;
	return -EACCES;
}

unsigned long acl_max_taps(const struct acl *a, const struct acl_who *w)
{
	unsigned long max = ACL_DEFAULT_MAX_TAPS;

	for (size_t i = 0; a && i < a->n; i++)
		if (a->v[i].kind == K_MAX_TAPS && applies(&a->v[i], w))
			max = a->v[i].max;
	return max;
}
