/* The NIC record and its sudo wire format (base/nic.h).
 *
 * The round trip is randomised over EVERY OVS option of nic_ovs_options[]
 * (values drawn per option type), so an option added to the table is
 * covered without touching this test (and the vhost-user flag, with and
 * without its socket): parse(format(x)) == x, where x was
 * built through nic_take_token() as the spec parser builds it.  Seed and
 * rounds: XKVM_NIC_SEED, XKVM_NIC_ROUNDS. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "base/nic.h"

static uint64_t rng = 0x6e69632d77697265ULL;	/* "nic-wire" */

static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static unsigned below(unsigned n)
{
	return (unsigned)(next() % n);
}

/* A value for an option of 'type', as a user may write it: leading zeros
 * in VLANs included.  Never a ',' (the spec's separator). */
static void random_value(const struct nic_opt *o, char *buf, size_t size)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABC0123456789-_.:/@=+ ";
	enum nic_opt_type type = o->type;
	size_t len = 0;

	switch (type) {
	case NIC_OPT_INT:
		{
			unsigned long long span = (unsigned long long)(o->max - o->min) + 1;
			unsigned long long v = below(4) ? next() % span : (below(2) ? 0 : span - 1);

			snprintf(buf, size, "%lld", o->min + (long long)v);
		}
		return;
	case NIC_OPT_VLAN:
		snprintf(buf, size, below(4) ? "%u" : "%04u", below(4096));
		return;
	case NIC_OPT_VLANS:
		for (unsigned i = 0, n = 1 + below(5); i < n && len + 6 < size; i++)
			len += (size_t)snprintf(buf + len, size - len, "%s%u", i ? ":" : "",
						below(4096));
		return;
	case NIC_OPT_NAME:
	case NIC_OPT_KV:
		/* KV: a key of its own first ("KEY=" then a value, maybe empty) */
		if (type == NIC_OPT_KV) {
			for (unsigned i = 0, n = 1 + below(8); i < n; i++)
				buf[len++] = chars[below(26)];
			buf[len++] = '=';
		}
		for (unsigned i = 0, n = (type == NIC_OPT_NAME) + below(20); i < n && len + 1 < size;
		     i++)
			buf[len++] = chars[below(sizeof(chars) - 1)];
		buf[len] = '\0';
		return;
	}
}

/* A random NIC as a spec parser would build it.  Returns 0 or -1. */
static int random_nic(struct nic *n, unsigned index)
{
	char bridge[16], tok[128], val[96], *err = NULL;
	int r;

	nic_init(n, index);
	if (below(8) == 0) {
		snprintf(bridge, sizeof(bridge), "user");
	} else {
		unsigned len = 1 + below(15);

		for (unsigned i = 0; i < len; i++)
			bridge[i] = "abcdefghijklmnopqrstuvwxyz0123456789-_."[below(39)];
		bridge[len] = '\0';
		if (!nic_valid_ifname(bridge))
			snprintf(bridge, sizeof(bridge), "br%u", index);
	}
	if (nic_set_bridge(n, bridge) < 0 || !(n->spec = strdup(bridge)))
		return -1;
	if (below(2)) {
		if (!(n->mac = malloc(NIC_MACSIZ)))
			return -1;
		snprintf(n->mac, NIC_MACSIZ, "52:54:%02x:%02x:%02x:%02x", below(256), below(256),
			 below(256), below(256));
	}
	/* xkvm's tokens for any bridge, the last one of each winning */
	for (unsigned k = 0, count = below(3); k < count; k++) {
		snprintf(tok, sizeof(tok), "mtu=%u", 68 + below(65535 - 68 + 1));
		if (nic_take_token(n, tok, &err) != 1)
			return -1;
	}
	for (unsigned k = 0, count = below(3); k < count; k++) {
		snprintf(tok, sizeof(tok), "queues=%u", 1 + below(256));
		if (nic_take_token(n, tok, &err) != 2)
			return -1;
	}
	if (below(3) == 0 && nic_take_token(n, NIC_VHOST_USER, &err) != 1)
		return -1;
	if (n->vhost_user && below(2)) {
		char sock[64];

		snprintf(sock, sizeof(sock), "/run/xkvm/vhost.%06x/net%02u.sock", below(1u << 24),
			 index);
		if (!(n->vhost_sock = strdup(sock)))
			return -1;
	}
	for (unsigned k = 0, count = below(9); k < count; k++) {
		size_t n_opts = 0;
		const struct nic_opt *o;

		while (nic_ovs_options[n_opts].key)
			n_opts++;
		o = &nic_ovs_options[below((unsigned)n_opts)];
		random_value(o, val, sizeof(val));
		snprintf(tok, sizeof(tok), "ovs-%s%s%s", o->key,
			 o->type == NIC_OPT_KV ? "" : "=", val);
		r = nic_take_token(n, tok, &err);
		if (r != 1) {
			fprintf(stderr, "token '%s' refused: %s\n", tok, err ? err : "?");
			free(err);
			return -1;
		}
	}
	return 0;
}

static int same(const struct nic *a, const struct nic *b)
{
	if (strcmp(a->bridge, b->bridge) || a->kind != b->kind || a->index != b->index ||
	    a->mtu != b->mtu || a->queues != b->queues ||
	    (!a->mac) != (!b->mac) || (a->mac && strcmp(a->mac, b->mac)) || a->ovs.n != b->ovs.n ||
	    a->vhost_user != b->vhost_user || (!a->vhost_sock) != (!b->vhost_sock) ||
	    (a->vhost_sock && strcmp(a->vhost_sock, b->vhost_sock)))
		return 0;
	for (size_t i = 0; i < a->ovs.n; i++)
		if (strcmp(a->ovs.v[i], b->ovs.v[i]))
			return 0;
	return 1;
}

static void roundtrips(unsigned rounds)
{
	unsigned seen[16] = { 0 };
	size_t n_opts = 0;

	while (nic_ovs_options[n_opts].key)
		n_opts++;
	for (unsigned i = 0; i < rounds; i++) {
		struct nic x, back;
		char *arg = NULL, *err = NULL;

		if (random_nic(&x, i % 64) < 0) {
			CHECK(!"random NIC could not be built");
			nic_release(&x);
			continue;
		}
		for (size_t k = 0; k < x.ovs.n; k++)
			for (size_t j = 0; j < n_opts && j < 16; j++)
				if (!strncmp(x.ovs.v[k], nic_ovs_options[j].key,
					     strlen(nic_ovs_options[j].key)))
					seen[j]++;
		CHECK_INT(0, nic_wire_format(&x, &arg));
		CHECK_INT(0, nic_wire_parse(arg, x.index, &back, &err));
		if (!same(&x, &back)) {
			CHECK(!"parse(format(x)) != x");
			fprintf(stderr, "  wire: '%s'%s%s\n", arg, err ? " error: " : "",
				err ? err : "");
		}
		free(arg);
		free(err);
		nic_release(&back);
		nic_release(&x);
	}
	/* every option of the table was drawn */
	for (size_t j = 0; j < n_opts && j < 16; j++) {
		if (!seen[j])
			fprintf(stderr, "option '%s' never drawn\n", nic_ovs_options[j].key);
		CHECK(seen[j] > 0);
	}
}

/* Parses 'arg'; returns "ERR: message" or the re-formatted argument. */
static const char *wire(const char *arg)
{
	static char buf[512];
	struct nic n;
	char *err = NULL, *out = NULL;
	int r = nic_wire_parse(arg, 0, &n, &err);

	if (r == 0)
		r = nic_wire_format(&n, &out);
	if (r < 0)
		snprintf(buf, sizeof(buf), "ERR: %s", err ? err : strerror(-r));
	else
		snprintf(buf, sizeof(buf), "%s", out);
	free(err);
	free(out);
	nic_release(&n);
	return buf;
}

static void replies(void)
{
	struct nic n;
	char *line = NULL;

	nic_init(&n, 0);
	n.kind = NIC_USER;
	CHECK_INT(0, nic_wire_reply(&n, true, &line));
	CHECK_STR("skip", line);
	free(line);
	n.kind = NIC_OVS;
	n.netdev_dp = true;
	snprintf(n.tap, sizeof(n.tap), "tapvm3");
	CHECK_INT(0, nic_wire_reply(&n, true, &line));
	CHECK_STR("tapvm3:ovs:netdev", line);
	free(line);
	CHECK_INT(0, nic_wire_reply(&n, false, &line));
	CHECK_STR("tapvm3:ovs", line);	/* the reference's make-nics output */
	free(line);
	n.kind = NIC_BRCTL;
	CHECK_INT(0, nic_wire_reply(&n, true, &line));
	CHECK_STR("tapvm3:brctl", line);
	free(line);

	/* every reply parses back to what made it */
	{
		static const char *const good[] = { "skip", "t0:brctl", "t1:ovs", "t2:ovs:netdev",
						    "t3:ovs:system", "abcdefghijklmno:brctl" };

		for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			struct nic r;
			bool dp;

			nic_init(&r, 0);
			CHECK_INT(0, nic_wire_parse_reply(good[i], &r));
			dp = strstr(good[i], ":system") != NULL;
			CHECK_INT(0, nic_wire_reply(&r, strstr(good[i], "ovs:") != NULL || dp, &line));
			CHECK_STR(good[i], line);
			free(line);
		}
	}
	{
		static const char *const bad[] = { "", "t0", ":brctl", "t0:", "t0:bridge",
						   "t0:ovs:", "t0:ovs:netdevx", "t0:brctl:netdev",
						   "abcdefghijklmnop:brctl", "t0:ovsx" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct nic r;

			nic_init(&r, 0);
			snprintf(r.tap, sizeof(r.tap), "keep");
			CHECK_INT(-EPROTO, nic_wire_parse_reply(bad[i], &r));
			CHECK_STR("keep", r.tap);
			CHECK_INT(NIC_UNCLASSIFIED, r.kind);
		}
	}
}

int main(void)
{
	const char *env = getenv("XKVM_NIC_SEED");
	unsigned rounds = 2000;

	if (env)
		rng = strtoull(env, NULL, 0) | 1;
	if ((env = getenv("XKVM_NIC_ROUNDS")))
		rounds = (unsigned)strtoul(env, NULL, 0);
	printf("seed %#llx, %u rounds\n", (unsigned long long)rng, rounds);
	roundtrips(rounds);
	replies();

	/* the request: the bridge, a full MAC, OVS options; nothing else */
	CHECK_STR("br0", wire("br0"));
	CHECK_STR("user", wire("user"));
	CHECK_STR("br0,mac=52:54:00:12:34:0a,ovs-tag=7", wire("br0,mac=52:54:00:12:34:0a,ovs-tag=07"));
	/* the --netdev grammar (what make-nics always took): MACs of every
	 * form come back full, model= has no effect */
	CHECK_STR("br0,mac=52:54:00:12:34:05", wire("br0,mac=:05"));
	CHECK_STR("br0,mac=52:54:00:ab:cd:ef", wire("br0,macaddr=52:54:00:AB:CD:EF"));
	CHECK_STR("br0,mac=52:54:00:12:34:00", wire("br0,mac="));
	CHECK_STR("br0", wire("br0,mac=auto,model=e1000"));
	CHECK_STR("ERR: invalid MAC 'zz' in --netdev br0,mac=zz", wire("br0,mac=zz"));
	CHECK_STR("ERR: invalid 'br0,romfile=': make-nics takes "
		  "BRIDGE[,mac=MAC][,mtu=N][,queues=N][,vhost-user[=SOCKET]][,ovs-*...]", wire("br0,romfile="));
	CHECK_STR("ERR: invalid 'br0,vnet_hdr=off': make-nics takes "
		  "BRIDGE[,mac=MAC][,mtu=N][,queues=N][,vhost-user[=SOCKET]][,ovs-*...]", wire("br0,vnet_hdr=off"));
	CHECK_STR("br0,mtu=9000,queues=4,ovs-ofport=7,ovs-ingress-rate=0",
		  wire("br0,queues=4,mtu=1500,ovs-ofport=7,mtu=9000,ovs-ingress-rate=0"));
	CHECK_STR("ERR: invalid mtu '67' in --netdev br0,mtu=67: want 68..65535", wire("br0,mtu=67"));
	CHECK_STR("ERR: invalid mtu '65536' in --netdev br0,mtu=65536: want 68..65535",
		  wire("br0,mtu=65536"));
	CHECK_STR("ERR: invalid mtu '01500' in --netdev br0,mtu=01500: want 68..65535",
		  wire("br0,mtu=01500"));
	CHECK_STR("ERR: invalid queues '0' in --netdev br0,queues=0: want 1..256", wire("br0,queues=0"));
	CHECK_STR("ERR: invalid queues '257' in --netdev br0,queues=257: want 1..256",
		  wire("br0,queues=257"));
	CHECK_STR("ERR: invalid ovs-ofport '0' in --netdev br0,ovs-ofport=0: want 1..65279",
		  wire("br0,ovs-ofport=0"));
	CHECK_STR("ERR: invalid ovs-ofport '65280' in --netdev br0,ovs-ofport=65280: want 1..65279",
		  wire("br0,ovs-ofport=65280"));
	CHECK_STR("ERR: invalid ovs-ingress-rate '-1' in --netdev br0,ovs-ingress-rate=-1: "
		  "want 0..4294967295", wire("br0,ovs-ingress-rate=-1"));
	CHECK_STR("ERR: invalid ovs-ingress-burst '4294967296' in --netdev "
		  "br0,ovs-ingress-burst=4294967296: want 0..4294967295",
		  wire("br0,ovs-ingress-burst=4294967296"));
	CHECK_STR("ERR: empty bridge name in --netdev ''", wire(""));
	CHECK_STR("ERR: invalid bridge name 'br/0' in --netdev br/0", wire("br/0"));
	CHECK_STR("ERR: invalid bridge name '-x x' in --netdev -x x", wire("-x x"));
	CHECK_STR("br0,vhost-user", wire("br0,vhost-user"));
	CHECK_STR("br0,vhost-user=/run/x/s,ovs-tag=1", wire("br0,ovs-tag=1,vhost-user=/run/x/s"));
	CHECK_STR("ERR: invalid vhost-user socket 'x.sock' in 'br0,vhost-user=x.sock': want an "
		  "absolute path", wire("br0,vhost-user=x.sock"));
	CHECK_STR("ERR: invalid vhost-user socket '' in 'br0,vhost-user=': want an absolute path",
		  wire("br0,vhost-user="));
	CHECK_STR("ERR: invalid ovs-tag '4096' in --netdev br0,ovs-tag=4096: want 0..4095",
		  wire("br0,ovs-tag=4096"));
	CHECK_STR("ERR: unknown token 'ovs-tags=1' in --netdev br0,ovs-tags=1", wire("br0,ovs-tags=1"));
	CHECK_STR("ERR: invalid token 'ovs-ext:=v' in --netdev br0,ovs-ext:=v: want ovs-ext:KEY=VALUE",
		  wire("br0,ovs-ext:=v"));

	/* names and MACs */
	CHECK(nic_valid_ifname("abcdefghijklmno"));
	CHECK(!nic_valid_ifname("abcdefghijklmnop"));
	CHECK(!nic_valid_ifname(""));
	CHECK(!nic_valid_ifname("."));
	CHECK(!nic_valid_ifname("a\tb"));
	CHECK(nic_valid_mac("52:54:00:ab:cd:ef"));
	CHECK(!nic_valid_mac("52:54:00:ab:cd:e"));
	CHECK(!nic_valid_mac("52:54:00:ab:cd:efa"));
	CHECK(!nic_valid_mac("52-54-00-ab-cd-ef"));
	CHECK(!nic_valid_mac("52:54:00:ab:cd:eg"));
	CHECK_STR("brctl", nic_kind_name(NIC_BRCTL));
	CHECK_STR("", nic_kind_name(NIC_UNCLASSIFIED));
	return check_summary("test-nic");
}
