/* acl: what a user through sudo may do with `xkvm tap-control`, read from
 * /etc/xkvm/acl.conf (modelled on qemu-bridge-helper's bridge.conf; see
 * docs/security.md and xkvm(1) "Running as a user").
 *
 * One rule a line, words separated by blanks, '#' at the start of a word
 * begins a comment.  A rule may end with a scope, 'user=NAME|UID' or
 * 'group=NAME|GID': then it applies to that user (or members of that
 * group) only; without one, to every caller.  BRIDGE is a bridge name or
 * 'all'.
 *
 *   allow BRIDGE [SCOPE]            may put taps on BRIDGE
 *   deny BRIDGE [SCOPE]             may not (a deny wins over any allow)
 *   vlan BRIDGE LIST [SCOPE]        VLANs usable as ovs-tag and in
 *                                   ovs-trunks: N, N-M, comma-separated,
 *                                   or 'all' (none without a rule)
 *   ofport BRIDGE LIST [SCOPE]      OpenFlow ports usable as ovs-ofport
 *                                   (flows may send to them): as vlan's
 *                                   LIST, each 1..65279 (none without one)
 *   iface-id BRIDGE GLOB [SCOPE]    ovs-iface-id values (fnmatch(3) GLOB),
 *                                   ovs-ext:iface-id too
 *   vm-id BRIDGE GLOB [SCOPE]       ovs-vm-id values, ovs-ext:vm-id too
 *   ovs-ext BRIDGE KEYGLOB [SCOPE]  other ovs-ext:KEY=VALUE keys
 *   ovsdb REMOTE [SCOPE]            an --ovsdb remote (exact; the default
 *                                   remote needs no rule)
 *   max-taps N [SCOPE]              taps the user may have at once (the
 *                                   last matching line wins; default 32)
 *   include FILE                    the rules of FILE, here (relative to
 *                                   this file's directory; 8 levels deep)
 *
 * Every file read must be a regular file owned by root and writable by no
 * one else, or loading fails.  Any error fails the whole load: no rule of
 * a broken file is half-applied.  Pure logic plus reading the files and
 * resolving names (getpwnam/getgrnam) when loading; nothing prints. */
#ifndef XKVM_ACL_H
#define XKVM_ACL_H

#include <stddef.h>
#include <sys/types.h>

#define ACL_DEFAULT_MAX_TAPS 32

struct acl;

/* Who asks. */
struct acl_who {
	uid_t uid;
	const gid_t *groups;	/* every group of the user, the primary one too */
	size_t n_groups;
};

/* Where a rule was read: the file (owned by the acl) and its line. */
struct acl_where {
	const char *file;
	unsigned line;
};

/* Reads 'path' (and what it includes) into *out (free with acl_free()).
 * Returns 0; -ENOENT when 'path' itself does not exist (*err NULL); else
 * -errno with *err set to one line "FILE:LINE: what is wrong" (or naming
 * the file alone; caller frees; NULL on -ENOMEM). */
int acl_load(const char *path, struct acl **out, char **err);

/* Parses 'text' as if read from a file named 'name' (includes are read
 * from files, without the ownership check for 'text' itself).  For tests
 * and tools.  Same returns as acl_load() but never -ENOENT for 'name'. */
int acl_parse(const char *name, const char *text, struct acl **out, char **err);

/* Frees 'a'.  Accepts NULL. */
void acl_free(struct acl *a);

/* Whether 'w' may put a tap on 'bridge'.  Returns 0; -EPERM when a deny
 * rule matches (*where says which, when given); -EACCES when no allow rule
 * does. */
int acl_bridge(const struct acl *a, const struct acl_who *w, const char *bridge,
	       struct acl_where *where);

/* Whether 'w' may use VLAN 'vlan' (0..4095) on 'bridge' (ovs-tag, or one
 * of ovs-trunks).  Returns 0 or -EACCES. */
int acl_vlan(const struct acl *a, const struct acl_who *w, const char *bridge, int vlan);

/* Whether 'w' may ask for OpenFlow port 'port' (ovs-ofport) on 'bridge'.
 * Returns 0 or -EACCES. */
int acl_ofport(const struct acl *a, const struct acl_who *w, const char *bridge, long port);

/* Whether 'w' may set ovs-iface-id 'id' on 'bridge'.  Returns 0 or
 * -EACCES. */
int acl_iface_id(const struct acl *a, const struct acl_who *w, const char *bridge,
		 const char *id);

/* Whether 'w' may set ovs-vm-id 'id' on 'bridge'.  Returns 0 or -EACCES. */
int acl_vm_id(const struct acl *a, const struct acl_who *w, const char *bridge,
	      const char *id);

/* Whether 'w' may set ovs-ext:KEY=... with this 'key' on 'bridge' (for
 * iface-id and vm-id, ask acl_iface_id() and acl_vm_id()).  Returns 0 or
 * -EACCES. */
int acl_ovs_ext(const struct acl *a, const struct acl_who *w, const char *bridge,
		const char *key);

/* Whether 'w' may use the OVSDB remote 'remote' (NULL, the default, always).
 * Returns 0 or -EACCES. */
int acl_remote(const struct acl *a, const struct acl_who *w, const char *remote);

/* How many taps 'w' may have at once: the last matching max-taps rule,
 * else ACL_DEFAULT_MAX_TAPS.  'a' may be NULL (the default). */
unsigned long acl_max_taps(const struct acl *a, const struct acl_who *w);

#endif
