/* The netem spec of `xkvm ctl NAME netem` and `tap-control netem`
 * (net/tapstate.c): what parses, the one-line errors, and that the text a
 * launch sends through sudo (tapstate_netem_format) reads back exactly. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "net/tapstate.h"

static int parse(const char *spec, struct tapstate_netem *e, bool *off, char *why)
{
	why[0] = '\0';
	return tapstate_netem_parse(spec, e, off, why, 200);
}

static void bad(const char *spec, const char *msg)
{
	struct tapstate_netem e;
	char why[200];
	bool off;

	CHECK_INT(-EINVAL, parse(spec, &e, &off, why));
	CHECK_STR(msg, why);
}

int main(void)
{
	struct tapstate_netem e, back;
	char why[200], text[128];
	bool off;

	CHECK_INT(0, parse("delay=200,jitter=10,loss=0.5,rate=1000", &e, &off, why));
	CHECK(!off);
	CHECK_INT(200, e.delay_ms);
	CHECK_INT(10, e.jitter_ms);
	CHECK(e.loss_pct == 0.5);
	CHECK_INT(1000, e.rate_kbit);
	CHECK_INT(0, parse("off", &e, &off, why));
	CHECK(off && !e.delay_ms && !e.rate_kbit && e.loss_pct == 0);
	CHECK_INT(0, parse("loss=100", &e, &off, why));
	CHECK(e.loss_pct == 100 && !e.delay_ms);
	CHECK_INT(0, parse("delay=3600000", &e, &off, why));
	CHECK_INT(0, parse("loss=.5", &e, &off, why));
	CHECK(e.loss_pct == 0.5);

	bad("delay=abc", "netem: bad delay 'abc' (milliseconds)");
	bad("delay=-1", "netem: bad delay '-1' (milliseconds)");
	bad("delay=3600001", "netem: bad delay '3600001' (milliseconds)");
	bad("jitter=x", "netem: bad jitter 'x' (milliseconds)");
	bad("rate=1e3", "netem: bad rate '1e3' (kbit/s)");
	bad("loss=101", "netem: bad loss '101' (percent, 0 to 100)");
	bad("loss=nan", "netem: bad loss 'nan' (percent, 0 to 100)");
	bad("loss=.", "netem: bad loss '.' (percent, 0 to 100)");
	bad("speed=1", "netem: unknown 'speed' (delay, jitter, loss, rate)");
	bad("delay", "netem: 'delay' is not KEY=VALUE");
	bad("delay=1,off", "netem: 'off' is not KEY=VALUE");
	bad("jitter=5", "netem: jitter needs a delay");
	bad("", "netem: nothing to set (delay, jitter, loss, rate, or off)");
	bad(",,", "netem: nothing to set (delay, jitter, loss, rate, or off)");
	bad("delay=1\nxkvm: ok", "netem: bad delay '1?xkvm: ok' (milliseconds)");
	bad("loss=0x1p6", "netem: bad loss '0x1p6' (percent, 0 to 100)");
	bad("loss=1e3", "netem: bad loss '1e3' (percent, 0 to 100)");
	bad("loss=inf", "netem: bad loss 'inf' (percent, 0 to 100)");
	CHECK_INT(0, parse("loss=5e-250", &e, &off, why));	/* %.17g writes it so */
	CHECK(e.loss_pct == 5e-250);

	/* What goes through sudo reads back as it was, loss to the last bit. */
	srand(42);
	for (int i = 0; i < 2000; i++) {
		e.delay_ms = (uint64_t)rand() % 3600001;
		e.jitter_ms = e.delay_ms ? (uint64_t)rand() % 3600001 : 0;
		e.rate_kbit = (uint64_t)rand() * 97 % 100000001;
		e.loss_pct = (double)rand() / RAND_MAX * 100;
		CHECK_INT(0, tapstate_netem_format(&e, text, sizeof(text)));
		CHECK_INT(0, parse(text, &back, &off, why));
		CHECK(!off && back.delay_ms == e.delay_ms && back.jitter_ms == e.jitter_ms &&
		      back.rate_kbit == e.rate_kbit && back.loss_pct == e.loss_pct);
	}
	CHECK_INT(-ENOSPC, tapstate_netem_format(&e, text, 10));
	return check_summary("test-netem");
}
