#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plan/remote.h"

static void expect(const char *remote, int code, const char *msg)
{
	char *err = NULL;
	int r = remote_check(remote, &err);

	if (r != code)
		fprintf(stderr, "remote '%s'\n", remote);
	CHECK_INT(code, r);
	if (msg)
		CHECK_STR(msg, err ? err : "(null)");
	else
		CHECK(err == NULL);
	free(err);
}

int main(void)
{
	expect("unix:/run/openvswitch/db.sock", 0, NULL);
	expect("tcp:127.0.0.1:6640", 0, NULL);
	expect("ssl:[::1]:6640", 0, NULL);
	expect("tcp:10.0.0.1:6640,unix:/x", 0, NULL);
	expect("punix:/etc/passwd", -EPERM, "invalid --ovsdb 'punix:/etc/passwd': a passive remote "
	       "(xkvm is a client; want unix:PATH, tcp:IP:PORT or ssl:IP:PORT)");
	expect("ptcp:6640", -EPERM, "invalid --ovsdb 'ptcp:6640': a passive remote "
	       "(xkvm is a client; want unix:PATH, tcp:IP:PORT or ssl:IP:PORT)");
	expect("pssl:0", -EPERM, "invalid --ovsdb 'pssl:0': a passive remote "
	       "(xkvm is a client; want unix:PATH, tcp:IP:PORT or ssl:IP:PORT)");
	/* A passive part anywhere in a list would still bind. */
	expect("unix:/x,punix:/y", -EPERM, "invalid --ovsdb 'unix:/x,punix:/y': a passive remote "
	       "(xkvm is a client; want unix:PATH, tcp:IP:PORT or ssl:IP:PORT)");
	expect("", -EINVAL, "invalid --ovsdb '': want unix:PATH, tcp:IP:PORT or ssl:IP:PORT");
	expect("unix:", -EINVAL, "invalid --ovsdb 'unix:': want unix:PATH, tcp:IP:PORT or ssl:IP:PORT");
	expect("unix:/x,", -EINVAL, "invalid --ovsdb 'unix:/x,': want unix:PATH, tcp:IP:PORT or ssl:IP:PORT");
	expect("/run/db.sock", -EINVAL, "invalid --ovsdb '/run/db.sock': want unix:PATH, tcp:IP:PORT or ssl:IP:PORT");
	expect("UNIX:/x", -EINVAL, "invalid --ovsdb 'UNIX:/x': want unix:PATH, tcp:IP:PORT or ssl:IP:PORT");
	expect("punix:\n", -EPERM, "invalid --ovsdb 'punix:?': a passive remote "
	       "(xkvm is a client; want unix:PATH, tcp:IP:PORT or ssl:IP:PORT)");
	return check_summary("test-remote");
}
