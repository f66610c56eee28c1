#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan/acl.h"
#include "check.h"
#include "scratch.h"

static const gid_t lab_groups[] = { 100, 2000 };
static const struct acl_who alice = { 1001, lab_groups, 2 };	/* in group 2000 */
static const struct acl_who bob = { 1002, lab_groups, 1 };	/* group 100 only */
static const struct acl_who carol = { 1003, NULL, 0 };

static struct acl *parse(const char *text)
{
	struct acl *a = NULL;
	char *err = NULL;
	int r = acl_parse("acl.conf", text, &a, &err);

	if (r < 0)
		fprintf(stderr, "unexpected: %s\n", err ? err : "(null)");
	CHECK_INT(0, r);
	free(err);
	return a;
}

/* The parse error for 'text': its code, and its message in 'msg'. */
static int parse_err(const char *text, char *msg, size_t size)
{
	struct acl *a = NULL;
	char *err = NULL;
	int r = acl_parse("acl.conf", text, &a, &err);

	snprintf(msg, size, "%s", err ? err : "(null)");
	CHECK(a == NULL);
	free(err);
	return r;
}

static void test_bridges(void)
{
	struct acl *a = parse("# lab bridges\n"
			      "allow br0\n"
			      "   allow br1 user=1001   # alice only\n"
			      "\n"
			      "allow br2 group=2000\n"
			      "deny br2 user=1002\n"
			      "allow all user=1003\n"
			      "deny mgmt\n"
			      "\tallow\tmgmt\n");
	struct acl_where where = { NULL, 0 };

	CHECK_INT(0, acl_bridge(a, &alice, "br0", NULL));
	CHECK_INT(0, acl_bridge(a, &bob, "br0", NULL));
	CHECK_INT(0, acl_bridge(a, &alice, "br1", NULL));
	CHECK_INT(-EACCES, acl_bridge(a, &bob, "br1", NULL));
	CHECK_INT(0, acl_bridge(a, &alice, "br2", NULL));	/* by group */
	CHECK_INT(-EPERM, acl_bridge(a, &bob, "br2", &where));	/* denied by name */
	CHECK_INT(6, where.line);
	CHECK_INT(-EACCES, acl_bridge(a, &bob, "br2x", NULL));
	CHECK_INT(0, acl_bridge(a, &carol, "anything", NULL));	/* all */
	/* a deny wins, wherever it is */
	CHECK_INT(-EPERM, acl_bridge(a, &carol, "mgmt", &where));
	CHECK_STR("acl.conf", where.file);
	CHECK_INT(8, where.line);
	CHECK_INT(-EPERM, acl_bridge(a, &alice, "mgmt", NULL));
	CHECK_INT(-EACCES, acl_bridge(a, &alice, "BR0", NULL));	/* exact names */
	CHECK_INT(-EACCES, acl_bridge(a, &alice, "br", NULL));
	acl_free(a);

	a = parse("allow br0\ndeny all user=1002\n");
	CHECK_INT(-EPERM, acl_bridge(a, &bob, "br0", &where));
	CHECK_INT(2, where.line);
	CHECK_INT(0, acl_bridge(a, &alice, "br0", NULL));
	acl_free(a);

	a = parse("");	/* an empty file allows nothing */
	CHECK_INT(-EACCES, acl_bridge(a, &alice, "br0", NULL));
	CHECK_INT(ACL_DEFAULT_MAX_TAPS, (int)acl_max_taps(a, &alice));
	acl_free(a);
	/* names: root is uid 0 and gid 0 everywhere */
	a = parse("allow br0 user=root\nallow br1 group=root\n");
	{
		static const gid_t g0[] = { 0 };
		struct acl_who root = { 0, g0, 1 };

		CHECK_INT(0, acl_bridge(a, &root, "br0", NULL));
		CHECK_INT(0, acl_bridge(a, &root, "br1", NULL));
		CHECK_INT(-EACCES, acl_bridge(a, &alice, "br0", NULL));
	}
	acl_free(a);
}

static void test_ofport(void)
{
	struct acl *a = parse("ofport obr 100-199,7 user=1001\nofport all 65279\n");

	CHECK_INT(0, acl_ofport(a, &alice, "obr", 7));
	CHECK_INT(0, acl_ofport(a, &alice, "obr", 100));
	CHECK_INT(0, acl_ofport(a, &alice, "obr", 199));
	CHECK_INT(-EACCES, acl_ofport(a, &alice, "obr", 200));
	CHECK_INT(-EACCES, acl_ofport(a, &alice, "obr", 8));
	CHECK_INT(-EACCES, acl_ofport(a, &bob, "obr", 7));	/* alice's rule */
	CHECK_INT(0, acl_ofport(a, &bob, "xbr", 65279));
	CHECK_INT(-EACCES, acl_ofport(a, &alice, "obr", 0));
	CHECK_INT(-EACCES, acl_ofport(a, &alice, "obr", 65280));
	acl_free(a);
}

static void test_ovs(void)
{
	struct acl *a = parse("allow obr\n"
			      "vlan obr 10-20,30 user=1001\n"
			      "vlan all 4095\n"
			      "vlan trunk all group=100\n"
			      "iface-id obr lab-alice-* user=1001\n"
			      "iface-id all shared-? \n"
			      "vm-id obr vm-[0-9]*\n"
			      "ovs-ext obr note-*\n");

	CHECK_INT(0, acl_vlan(a, &alice, "obr", 10));
	CHECK_INT(0, acl_vlan(a, &alice, "obr", 15));
	CHECK_INT(0, acl_vlan(a, &alice, "obr", 20));
	CHECK_INT(-EACCES, acl_vlan(a, &alice, "obr", 21));
	CHECK_INT(-EACCES, acl_vlan(a, &alice, "obr", 9));
	CHECK_INT(0, acl_vlan(a, &alice, "obr", 30));
	CHECK_INT(-EACCES, acl_vlan(a, &alice, "obr", 0));
	CHECK_INT(0, acl_vlan(a, &carol, "xbr", 4095));
	CHECK_INT(-EACCES, acl_vlan(a, &carol, "obr", 10));
	CHECK_INT(-EACCES, acl_vlan(a, &alice, "obr", 4096));
	/* no ofport rule: no OpenFlow port */
	CHECK_INT(-EACCES, acl_ofport(a, &alice, "obr", 7));
	CHECK_INT(-EACCES, acl_vlan(a, &alice, "obr", -1));
	CHECK_INT(0, acl_vlan(a, &bob, "trunk", 0));
	CHECK_INT(0, acl_vlan(a, &bob, "trunk", 1234));
	CHECK_INT(-EACCES, acl_vlan(a, &carol, "trunk", 1234));
	CHECK_INT(0, acl_iface_id(a, &alice, "obr", "lab-alice-1"));
	CHECK_INT(-EACCES, acl_iface_id(a, &alice, "obr", "lab-bob-1"));
	CHECK_INT(-EACCES, acl_iface_id(a, &bob, "obr", "lab-alice-1"));
	CHECK_INT(0, acl_iface_id(a, &bob, "obr", "shared-1"));
	CHECK_INT(-EACCES, acl_iface_id(a, &bob, "obr", "shared-12"));
	CHECK_INT(-EACCES, acl_iface_id(a, &alice, "other", "lab-alice-1"));
	CHECK_INT(0, acl_vm_id(a, &bob, "obr", "vm-7"));
	CHECK_INT(-EACCES, acl_vm_id(a, &bob, "obr", "vmx"));
	CHECK_INT(0, acl_ovs_ext(a, &bob, "obr", "note-x"));
	CHECK_INT(-EACCES, acl_ovs_ext(a, &bob, "obr", "attached-mac"));
	CHECK_INT(-EACCES, acl_ovs_ext(a, &bob, "other", "note-x"));
	acl_free(a);
}

static void test_remote_taps(void)
{
	struct acl *a = parse("ovsdb unix:/run/ovs/db.sock\n"
			      "ovsdb tcp:10.0.0.1:6640 user=1001\n"
			      "max-taps 4\n"
			      "max-taps 100 group=2000\n"
			      "max-taps 2 user=1001\n");

	CHECK_INT(0, acl_remote(a, &alice, NULL));
	CHECK_INT(0, acl_remote(a, &bob, "unix:/run/ovs/db.sock"));
	CHECK_INT(0, acl_remote(a, &alice, "tcp:10.0.0.1:6640"));
	CHECK_INT(-EACCES, acl_remote(a, &bob, "tcp:10.0.0.1:6640"));
	CHECK_INT(-EACCES, acl_remote(a, &bob, "unix:/run/ovs/db.sock2"));
	CHECK_INT(-EACCES, acl_remote(NULL, &bob, "unix:/x"));
	CHECK_INT(0, acl_remote(NULL, &bob, NULL));
	/* the last matching line wins */
	CHECK_INT(2, (int)acl_max_taps(a, &alice));
	CHECK_INT(4, (int)acl_max_taps(a, &bob));
	CHECK_INT(4, (int)acl_max_taps(a, &carol));
	CHECK_INT(ACL_DEFAULT_MAX_TAPS, (int)acl_max_taps(NULL, &carol));
	acl_free(a);
	a = parse("max-taps 0\nmax-taps 65536 user=1003\n");
	CHECK_INT(0, (int)acl_max_taps(a, &alice));
	CHECK_INT(65536, (int)acl_max_taps(a, &carol));
	acl_free(a);
}

static void test_errors(void)
{
	static const struct { const char *text; int code; const char *msg; } bad[] = {
		{ "allow br0\nallw br1\n", -EINVAL,
		  "acl.conf:2: unknown rule 'allw' (want allow, deny, vlan, ofport, iface-id, vm-id, "
		  "ovs-ext, ovsdb, max-taps or include)" },
		{ "allow\n", -EINVAL, "acl.conf:1: 'allow' takes BRIDGE|all [user=NAME|group=NAME]" },
		{ "allow a b\n", -EINVAL, "acl.conf:1: 'b' is no scope (want user=NAME or group=NAME)" },
		{ "allow a user=1 x\n", -EINVAL,
		  "acl.conf:1: 'allow' takes BRIDGE|all [user=NAME|group=NAME]" },
		{ "deny br0 user=no-such-user-xkvm\n", -ENOENT,
		  "acl.conf:1: no such user 'no-such-user-xkvm'" },
		{ "deny br0 group=no-such-group-xkvm\n", -ENOENT,
		  "acl.conf:1: no such group 'no-such-group-xkvm'" },
		{ "allow br0 user=\n", -ENOENT, "acl.conf:1: no such user ''" },
		{ "vlan br0\n", -EINVAL,
		  "acl.conf:1: 'vlan' takes BRIDGE|all LIST [user=NAME|group=NAME]" },
		{ "ofport br0 0\n", -EINVAL, "acl.conf:1: invalid OpenFlow port list '0' (want N, N-M, "
		  "comma-separated, each 1..65279, or all)" },
		{ "vlan br0 4096\n", -EINVAL, "acl.conf:1: invalid VLAN list '4096' (want N, N-M, "
		  "comma-separated, each 0..4095, or all)" },
		{ "vlan br0 20-10\n", -EINVAL, "acl.conf:1: invalid VLAN list '20-10' (want N, N-M, "
		  "comma-separated, each 0..4095, or all)" },
		{ "vlan br0 1,,2\n", -EINVAL, "acl.conf:1: invalid VLAN list '1,,2' (want N, N-M, "
		  "comma-separated, each 0..4095, or all)" },
		{ "vlan br0 1,\n", -EINVAL, "acl.conf:1: invalid VLAN list '1,' (want N, N-M, "
		  "comma-separated, each 0..4095, or all)" },
		{ "vlan br0 -5\n", -EINVAL, "acl.conf:1: invalid VLAN list '-5' (want N, N-M, "
		  "comma-separated, each 0..4095, or all)" },
		{ "vlan br0 +5\n", -EINVAL, "acl.conf:1: invalid VLAN list '+5' (want N, N-M, "
		  "comma-separated, each 0..4095, or all)" },
		{ "iface-id br0\n", -EINVAL,
		  "acl.conf:1: 'iface-id' takes BRIDGE|all GLOB [user=NAME|group=NAME]" },
		{ "ovs-ext br0\n", -EINVAL,
		  "acl.conf:1: 'ovs-ext' takes BRIDGE|all KEYGLOB [user=NAME|group=NAME]" },
		{ "ovsdb\n", -EINVAL, "acl.conf:1: 'ovsdb' takes REMOTE [user=NAME|group=NAME]" },
		{ "max-taps many\n", -EINVAL, "acl.conf:1: invalid max-taps 'many' (want 0..65536)" },
		{ "max-taps 65537\n", -EINVAL, "acl.conf:1: invalid max-taps '65537' (want 0..65536)" },
		{ "max-taps 99999999999999999999999\n", -EINVAL,
		  "acl.conf:1: invalid max-taps '99999999999999999999999' (want 0..65536)" },
		{ "include\n", -EINVAL, "acl.conf:1: want 'include FILE'" },
		{ "include /nonexistent/xkvm-acl\n", -ENOENT,
		  "acl.conf:1: cannot include '/nonexistent/xkvm-acl': No such file or directory" },
	};
	char msg[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse_err(bad[i].text, msg, sizeof(msg));

		if (r != bad[i].code || strcmp(msg, bad[i].msg))
			fprintf(stderr, "for: %s", bad[i].text);
		CHECK_INT(bad[i].code, r);
		CHECK_STR(bad[i].msg, msg);
	}
}

/* acl_load() of a file: its code, its message in msg. */
static int load(const char *name, struct acl **a, char *msg, size_t size)
{
	char *err = NULL;
	int r;

	*a = NULL;
	r = acl_load(path(name), a, &err);
	snprintf(msg, size, "%s", err ? err : "(null)");
	scratch_hide(msg);
	free(err);
	return r;
}

/* Files: includes, ownership, size, loops.  Root-owned files need root. */
static void test_files(void)
{
	struct acl *a;
	struct acl_where where;
	char msg[512];

	CHECK_INT(0, scratch_make("acl"));
	CHECK_INT(-ENOENT, load("acl.conf", &a, msg, sizeof(msg)));
	CHECK_STR("(null)", msg);	/* the caller says it */
	put("acl.conf", "allow br0\ninclude sub/users.conf\ninclude /nonexistent-xkvm\n", 0644);
	CHECK_INT(0, mkdir(path("sub"), 0755));
	put("sub/users.conf", "# the lab's users\ndeny br0 user=1002\n", 0640);
	CHECK_INT(-ENOENT, load("acl.conf", &a, msg, sizeof(msg)));
	CHECK_STR("@/acl.conf:3: cannot include '/nonexistent-xkvm': No such file or directory",
		  msg);
	put("acl.conf", "allow br0\ninclude sub/users.conf\nallow br1\n", 0644);
	CHECK_INT(0, load("acl.conf", &a, msg, sizeof(msg)));
	CHECK_INT(0, acl_bridge(a, &alice, "br0", NULL));
	CHECK_INT(-EPERM, acl_bridge(a, &bob, "br0", &where));
	CHECK(strstr(where.file, "/sub/users.conf") != NULL);
	CHECK_INT(2, where.line);
	CHECK_INT(0, acl_bridge(a, &bob, "br1", NULL));
	acl_free(a);
	/* an included file with a bad line names itself */
	put("sub/users.conf", "deny br0 usr=1002\n", 0644);
	CHECK_INT(-EINVAL, load("acl.conf", &a, msg, sizeof(msg)));
	CHECK_STR("@/sub/users.conf:1: 'usr=1002' is no scope (want user=NAME or group=NAME)", msg);
	/* an absolute include, and a loop */
	{
		char text[600];

		snprintf(text, sizeof(text), "include %s\n", path("acl.conf"));
		put("sub/users.conf", text, 0644);
	}
	CHECK_INT(-ELOOP, load("acl.conf", &a, msg, sizeof(msg)));
	CHECK(strstr(msg, "includes nested more than 8 deep") != NULL);
	/* writable by others, or by a group: refused */
	put("sub/users.conf", "allow x\n", 0664);
	CHECK_INT(-EPERM, load("acl.conf", &a, msg, sizeof(msg)));
	CHECK_STR("'@/sub/users.conf' must be a regular file owned by root and writable by no one "
		  "else", msg);
	put("sub/users.conf", "allow x\n", 0644);
	put("acl.conf", "allow br0\n", 0646);
	CHECK_INT(-EPERM, load("acl.conf", &a, msg, sizeof(msg)));
	put("acl.conf", "allow br0\n", 0644);
	if (geteuid() == 0) {
		CHECK_INT(0, chown(path("acl.conf"), 65534, 0));
		CHECK_INT(-EPERM, load("acl.conf", &a, msg, sizeof(msg)));
		CHECK_STR("'@/acl.conf' must be a regular file owned by root and writable by no one "
			  "else", msg);
		CHECK_INT(0, chown(path("acl.conf"), 0, 0));
	}
	CHECK_INT(0, load("acl.conf", &a, msg, sizeof(msg)));
	acl_free(a);
	/* a directory, a NUL byte */
	put("acl.conf", "include sub\n", 0644);
	CHECK_INT(-EPERM, load("acl.conf", &a, msg, sizeof(msg)));
	{
		int fd = open(path("acl.conf"), O_WRONLY | O_TRUNC | O_CLOEXEC);

		CHECK_INT(11, write(fd, "allow b\0r0\n", 11));
		close(fd);
	}
	CHECK_INT(-EINVAL, load("acl.conf", &a, msg, sizeof(msg)));
	CHECK_STR("'@/acl.conf' holds a NUL byte", msg);
	unlink(path("acl.conf"));
	unlink(path("sub/users.conf"));
	rmdir(path("sub"));
	CHECK_INT(0, rmdir(scratch_dir));
}

int main(void)
{
	test_bridges();
	test_ovs();
	test_ofport();
	test_remote_taps();
	test_errors();
	if (geteuid() == 0)
		test_files();	/* only root makes root-owned files */
	else
		fprintf(stderr, "test-acl: the file tests need root (make check runs as root)\n");
	return check_summary("test-acl");
}
