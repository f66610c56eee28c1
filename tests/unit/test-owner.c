#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "net/owner.h"

static const char *BOOT = "0b5e1a7c-3f2d-4e8a-9c61-2d7f0e4b9a13";

static void test_format_parse(void)
{
	struct owner o = { .pid = 4194303, .start = 18446744073709551615ULL,
			   .uid = 4294967294u, .pidns = 18446744073709551615ULL }, p;
	char tag[OWNER_TAGSIZ];

	strcpy(o.boot, BOOT);
	CHECK_INT(0, owner_format(&o, tag, sizeof(tag)));
	CHECK_STR("xkvm:pid=4194303,start=18446744073709551615,uid=4294967294,"
		  "pidns=18446744073709551615,boot=0b5e1a7c-3f2d-4e8a-9c61-2d7f0e4b9a13", tag);
	CHECK_INT(0, owner_parse(tag, &p));
	CHECK_INT(o.pid, p.pid);
	CHECK(o.start == p.start);
	CHECK_INT(o.uid, p.uid);
	CHECK(o.pidns == p.pidns);
	CHECK_STR(BOOT, p.boot);
	CHECK_INT(-ENOSPC, owner_format(&o, tag, 20));
}

static void test_parse_rejects(void)
{
	static const char *bad[] = {
		"", "xkvm:", "vm-tap", "xkvm:pid=1,start=2,uid=3",
		"xkvm:pid=1,start=2,uid=3,pidns=5,boot=",
		"xkvm:pid=1,start=2,uid=3,boot=ab-cd",	/* no pidns */
		"xkvm:pid=1,start=2,uid=3,pidns=,boot=ab-cd",
		"xkvm:pid=1,start=2,uid=3,pidns=x5,boot=ab-cd",
		"xkvm:pid=0,start=2,uid=3,pidns=5,boot=ab-cd",
		"xkvm:pid=01,start=2,uid=3,pidns=5,boot=ab-cd",
		"xkvm:pid=-1,start=2,uid=3,pidns=5,boot=ab-cd",
		"xkvm:pid=1,start=2,uid=4294967296,pidns=5,boot=ab-cd",
		"xkvm:pid=1,start=18446744073709551616,uid=3,pidns=5,boot=ab-cd",
		"xkvm:pid=1,start=2,uid=3,pidns=5,boot=ab cd",
		"xkvm:pid=1,start=2,uid=3,pidns=5,boot=zz",
		"xkvm:pid= 1,start=2,uid=3,pidns=5,boot=ab",
		"xkvm:uid=3,pid=1,start=2,pidns=5,boot=ab",
		"XKVM:pid=1,start=2,uid=3,pidns=5,boot=ab",
		"xkvm:pid=1,start=2,uid=3,pidns=5,boot=0b5e1a7c-3f2d-4e8a-9c61-2d7f0e4b9a13a",
	};
	struct owner o = { .pid = 77 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = owner_parse(bad[i], &o);

		if (r != -EINVAL)
			fprintf(stderr, "accepted: '%s'\n", bad[i]);
		CHECK_INT(-EINVAL, r);
	}
	CHECK_INT(77, o.pid);	/* untouched on failure */
	CHECK_INT(-EINVAL, owner_parse(NULL, &o));
}

static void test_self_alive(void)
{
	struct owner me, other;
	unsigned long long start;
	pid_t child;

	CHECK_INT(0, owner_self(&me, 1234));
	CHECK_INT(getpid(), me.pid);
	CHECK_INT(1234, me.uid);
	CHECK_INT(36, strlen(me.boot));
	CHECK_INT(1, owner_alive(&me));

	other = me;	/* same pid, another start time: the pid was reused */
	other.start++;
	CHECK_INT(0, owner_alive(&other));
	other = me;	/* another boot */
	strcpy(other.boot, BOOT);
	CHECK_INT(0, owner_alive(&other));
	other = me;	/* another pid namespace: its pid cannot be judged here */
	other.pidns++;
	CHECK_INT(-EXDEV, owner_alive(&other));

	/* a process that has exited and been reaped */
	child = fork();
	if (child == 0)
		_exit(0);
	CHECK(child > 0);
	CHECK_INT(0, owner_start_time(child, &start) < 0 ? -1 : 0);
	waitpid(child, NULL, 0);
	other = me;
	other.pid = child;
	other.start = start;
	CHECK_INT(0, owner_alive(&other));
	CHECK_INT(-ENOENT, owner_start_time(child, &start));

	/* another process: field 22 found after its comm */
	CHECK_INT(0, owner_start_time(1, &start));
}

static void test_invoking_uid(void)
{
	uid_t uid = 99;

	unsetenv("SUDO_UID");
	CHECK_INT(0, owner_invoking_uid(&uid));
	CHECK_INT(getuid(), uid);
	setenv("SUDO_UID", "1000", 1);
	CHECK_INT(0, owner_invoking_uid(&uid));
	CHECK_INT(1000, uid);
	setenv("SUDO_UID", "10x", 1);
	CHECK_INT(-EINVAL, owner_invoking_uid(&uid));
	setenv("SUDO_UID", "-1", 1);
	CHECK_INT(-EINVAL, owner_invoking_uid(&uid));
	setenv("SUDO_UID", "4294967295", 1);	/* (uid_t)-1 is no uid */
	CHECK_INT(-EINVAL, owner_invoking_uid(&uid));
	CHECK_INT(1000, uid);
	unsetenv("SUDO_UID");
}

int main(void)
{
	test_format_parse();
	test_parse_rejects();
	test_self_alive();
	test_invoking_uid();
	return check_summary("test-owner");
}
