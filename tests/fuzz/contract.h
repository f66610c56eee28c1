/* contract.h: the robustness contract of xkvm's input parsers, checked on
 * one input.  Shared by tests/unit/test-fuzz-parsers.c (mutation test in
 * `make check`) and the libFuzzer harnesses tests/fuzz/fuzz-*.c.
 *
 * Each fz_*() takes a NUL-terminated input, feeds it to one parser and
 * returns NULL when the contract holds, else a static string naming the
 * violation.  Crashes, leaks and out-of-bounds reads are the sanitizers' and
 * valgrind's to catch.  The contract: bad input gets -EINVAL with a
 * non-empty one-line message in *err (caller frees) or -ENOMEM with *err
 * NULL; good input gives sane fields and round-trips where that is defined. */
#ifndef XKVM_FUZZ_CONTRACT_H
#define XKVM_FUZZ_CONTRACT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/cli.h"
#include "plan/diskspec.h"
#include "base/mac.h"
#include "plan/netspec.h"
#include "net/owner.h"
#include "net/tapstate.h"
#include "qemu/qemuargv.h"
#include "qemu/quote.h"
#include "base/nic.h"
#include "base/strv.h"

/* How many inputs each parser accepted (for the test's summary line). */
enum { FZ_NETSPEC, FZ_DISKSPEC, FZ_MAC, FZ_OWNER, FZ_CLI, FZ_WIRE, FZ_NETEM, FZ_N };
static unsigned long fz_accepted[FZ_N] __attribute__((unused));

/* The message of a failed parse: NULL when it is fine. */
static inline const char *fz_message(int r, const char *err, bool other_errno_ok)
{
	if (r == -ENOMEM)
		return err ? "-ENOMEM with a message" : NULL;
	if (r != -EINVAL && !other_errno_ok)
		return "error other than -EINVAL/-ENOMEM";
	if (!err)
		return "error without a message";
	if (!*err)
		return "empty message";
	if (strpbrk(err, "\n\r"))
		return "message with a newline";
	return NULL;
}

/* A full lower-case MAC "xx:xx:xx:xx:xx:xx". */
static inline bool fz_is_mac(const char *m)
{
	if (strlen(m) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? m[i] != ':' : !strchr("0123456789abcdef", m[i]))
			return false;
	}
	return true;
}

/* "xx:xx:xx:xx:xx:xx" with hex digits of either case. */
static inline bool fz_is_mac_any_case(const char *m)
{
	if (strlen(m) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? m[i] != ':' : !strchr("0123456789abcdefABCDEF", m[i]))
			return false;
	}
	return true;
}

static inline bool fz_is_vlan_list(const char *s)
{
	for (;;) {
		size_t len = strspn(s, "0123456789");

		if (len == 0 || len > 4 || atoi(s) > 4095)
			return false;
		s += len;
		if (!*s)
			return true;
		if (*s++ != ':')
			return false;
	}
}

/* One OVS option entry ("KEY=VALUE", base/nic.h) is one the token table
 * takes, in its canonical form: "ovs-" + entry is taken back unchanged.
 * Table-driven: a new row of nic_ovs_options needs nothing here. */
static inline bool fz_ovs_entry_ok(const char *e)
{
	struct nic scratch;
	char *tok = NULL, *err = NULL;
	bool good;

	if (asprintf(&tok, "ovs-%s", e) < 0)
		return true;	/* out of memory: nothing to judge */
	nic_init(&scratch, 0);
	good = nic_take_token(&scratch, tok, &err) == 1 && scratch.ovs.n == 1 &&
	       !strcmp(scratch.ovs.v[0], e);
	free(err);
	free(tok);
	nic_release(&scratch);
	return good;
}

/* The wire format round-trips the NIC's xkvm part: parse(format(n)) == n. */
static inline const char *fz_wire_roundtrip(const struct nic *n)
{
	struct nic back;
	char *arg = NULL, *err = NULL;
	const char *bad = NULL;
	int r = nic_wire_format(n, &arg);

	if (r < 0)
		return r == -ENOMEM ? NULL : "wire: format failed";
	r = nic_wire_parse(arg, n->index, &back, &err);
	if (r == -ENOMEM) {
		bad = NULL;
	} else if (r < 0) {
		bad = "wire: its own format did not parse back";
	} else if (strcmp(back.bridge, n->bridge) || back.kind != n->kind ||
		   (!back.mac) != (!n->mac) || (n->mac && strcmp(back.mac, n->mac)) ||
		   back.ovs.n != n->ovs.n || back.vhost_user != n->vhost_user ||
		   (!back.vhost_sock) != (!n->vhost_sock) ||
		   (n->vhost_sock && strcmp(back.vhost_sock, n->vhost_sock))) {
		bad = "wire: parse(format(x)) != x";
	} else {
		for (size_t i = 0; !bad && i < n->ovs.n; i++)
			if (strcmp(back.ovs.v[i], n->ovs.v[i]))
				bad = "wire: an OVS option changed on the way";
	}
	free(err);
	free(arg);
	nic_release(&back);
	return bad;
}

static inline const char *fz_netspec(const char *spec, unsigned index)
{
	struct nic ns;
	char *err = (char *)"sentinel", *d = NULL, *n = NULL;
	const char *bad = NULL;
	int r = netspec_parse(spec, index, "virtio-net-pci", &ns, &err);

	if (r < 0) {
		bad = fz_message(r, err, false);
		/* on error 'ns' must hold nothing: release must be a no-op */
		if (!bad && (ns.bridge || ns.model || ns.mac || ns.spec || ns.tokens.n || ns.ovs.n))
			bad = "netspec: fields left set after an error";
		free(err);
		return bad;
	}
	fz_accepted[FZ_NETSPEC]++;
	if (r != 0)
		bad = "netspec: positive return";
	else if (err)
		bad = "netspec: message on success";
	else if (!ns.bridge || !*ns.bridge)
		bad = "netspec: empty bridge";
	else if ((ns.kind == NIC_USER) != !strcmp(ns.bridge, "user"))
		bad = "netspec: user kind disagrees with the bridge";
	else if (ns.kind != NIC_USER && ns.kind != NIC_UNCLASSIFIED)
		bad = "netspec: classified by the parser";
	else if (ns.kind != NIC_USER && !nic_valid_ifname(ns.bridge))
		bad = "netspec: bridge is no valid interface name";
	else if (!ns.model || !*ns.model)
		bad = "netspec: empty model";
	else if (ns.mac && !fz_is_mac(ns.mac))
		bad = "netspec: MAC is not 17 lower-case chars";
	for (size_t i = 0; !bad && i < ns.tokens.n; i++) {
		const char *t = ns.tokens.v[i];

		if (!strncmp(t, "mac=", 4) || !strncmp(t, "macaddr=", 8) ||
		    !strncmp(t, "model=", 6) || !strncmp(t, "ovs-", 4) || !strcmp(t, NIC_VHOST_USER))
			bad = "netspec: a consumed token left for qemu";
	}
	for (size_t i = 0; !bad && i < ns.ovs.n; i++)
		if (!fz_ovs_entry_ok(ns.ovs.v[i]))
			bad = "netspec: an OVS option the token table does not allow";
	if (!bad)
		bad = fz_wire_roundtrip(&ns);
	if (!bad) {
		if (ns.kind != NIC_USER)
			snprintf(ns.tap, sizeof(ns.tap), "tap0");
		d = qemuargv_device_arg(&ns, true);
		n = qemuargv_netdev_arg(&ns);
		if (!d || !n)
			bad = "netspec: device/netdev arg NULL";
	}
	free(d);
	free(n);
	nic_release(&ns);
	return bad;
}

/* A make-nics argument (the wire format of base/nic.h), as a hostile
 * caller of `sudo xkvm tap-control make-nics` may send it. */
static inline const char *fz_wire(const char *arg, unsigned index)
{
	struct nic n;
	char *err = (char *)"sentinel";
	const char *bad = NULL;
	int r = nic_wire_parse(arg, index, &n, &err);

	if (r < 0) {
		bad = fz_message(r, err, false);
		free(err);
		nic_release(&n);
		return bad;
	}
	fz_accepted[FZ_WIRE]++;
	if (err)
		bad = "wire: message on success";
	else if (n.kind != NIC_USER && !nic_valid_ifname(n.bridge))
		bad = "wire: bridge is no valid interface name";
	else if (n.mac && !fz_is_mac(n.mac))
		bad = "wire: MAC is not 17 lower-case chars";
	else if (n.tokens.n)
		bad = "wire: something for qemu accepted";
	for (size_t i = 0; !bad && i < n.ovs.n; i++)
		if (!fz_ovs_entry_ok(n.ovs.v[i]))
			bad = "wire: an OVS option the token table does not allow";
	if (!bad)
		bad = fz_wire_roundtrip(&n);
	nic_release(&n);
	return bad;
}

static inline const char *fz_diskspec(const char *spec, unsigned index)
{
	struct diskspec ds;
	char *err = (char *)"sentinel";
	const char *bad = NULL;
	int r = diskspec_parse(spec, index, "virtio-blk", &ds, &err);

	if (r < 0) {
		/* a format probe may fail with another -errno, message set */
		bad = fz_message(r, err, true);
		if (!bad && (ds.spec || ds.file || ds.id || ds.tokens.n))
			bad = "diskspec: fields left set after an error";
		free(err);
		return bad;
	}
	fz_accepted[FZ_DISKSPEC]++;
	if (r != 0)
		bad = "diskspec: positive return";
	else if (err)
		bad = "diskspec: message on success";
	else if (!ds.spec || strcmp(ds.spec, spec))
		bad = "diskspec: spec not kept";
	else if (!ds.file || !*ds.file)
		bad = "diskspec: empty file";
	else if (!ds.id || !ds.driver || !*ds.driver || !ds.fmt || !*ds.fmt || !ds.serial)
		bad = "diskspec: id/driver/fmt/serial unset";
	else if (ds.dindex && *ds.dindex && ((ds.bus && *ds.bus) || (ds.unit && *ds.unit)))
		bad = "diskspec: bus/unit together with index";
	diskspec_release(&ds);
	return bad;
}

static inline const char *fz_mac(const char *partial, unsigned index)
{
	char out[MAC_STRLEN + 8];
	int r;

	memset(out, 'Z', sizeof(out));
	r = mac_pad(partial, index, out);
	if (r == -EINVAL) {
		for (size_t i = 0; i < sizeof(out); i++)
			if (out[i] != 'Z')
				return "mac_pad: wrote 'out' on -EINVAL";
		return NULL;
	}
	if (r != 0)
		return "mac_pad: neither 0 nor -EINVAL";
	fz_accepted[FZ_MAC]++;
	if (memchr(out, '\0', MAC_STRLEN) != out + 17 || !fz_is_mac(out))
		return "mac_pad: result is not a 17-char lower-case MAC";
	if (out[MAC_STRLEN] != 'Z')
		return "mac_pad: wrote past MAC_STRLEN";
	if (fz_is_mac_any_case(partial)) {
		/* a full MAC (six octets of two digits) comes back as it is, in
		 * lower case.  Not any 17 characters: "00000:A:000000000" is
		 * three octets with leading zeros (the reference's printf %02x
		 * reads 0x00000 as 00), padded from the prefix. */
		for (int i = 0; i < 17; i++)
			if ((partial[i] | 0x20) != out[i] && partial[i] != ':')
				return "mac_pad: full MAC not kept";
	}
	return NULL;
}

/* A netem spec (`xkvm ctl NAME netem`, and `tap-control netem` through
 * sudo): -EINVAL with one line in 'why', or values in range that format
 * to a spec parsing back to the same values ("off": all zero). */
static inline const char *fz_netem(const char *spec)
{
	struct tapstate_netem e, back;
	char why[256], text[128];
	bool off, off2;
	int r;

	memset(why, 0, sizeof(why));
	r = tapstate_netem_parse(spec, &e, &off, why, sizeof(why));
	if (r == -EINVAL)
		return !why[0] ? "netem: error without a message"
		     : strpbrk(why, "\n\r") ? "netem: message with a newline" : NULL;
	if (r == -ENOMEM)
		return NULL;
	if (r != 0)
		return "netem: neither 0, -EINVAL nor -ENOMEM";
	fz_accepted[FZ_NETEM]++;
	if (off)
		return e.delay_ms || e.jitter_ms || e.rate_kbit || e.loss_pct != 0 ?
		       "netem: off with values" : NULL;
	if (e.delay_ms > 3600000 || e.jitter_ms > 3600000 || e.rate_kbit > 100000000 ||
	    !(e.loss_pct >= 0 && e.loss_pct <= 100) || (e.jitter_ms && !e.delay_ms))
		return "netem: a value out of range";
	if (tapstate_netem_format(&e, text, sizeof(text)) != 0)
		return "netem: format failed";
	if (tapstate_netem_parse(text, &back, &off2, why, sizeof(why)) != 0 || off2 ||
	    back.delay_ms != e.delay_ms || back.jitter_ms != e.jitter_ms ||
	    back.rate_kbit != e.rate_kbit || back.loss_pct != e.loss_pct)
		return "netem: format does not parse back to the same values";
	return NULL;
}

/* owner_parse accepts exactly what owner_format writes: a parsed tag must
 * format back to itself. */
static inline const char *fz_owner(const char *tag)
{
	struct owner o, before;
	char buf[OWNER_TAGSIZ];
	int r;

	memset(&o, 0x5a, sizeof(o));
	before = o;
	r = owner_parse(tag, &o);
	if (r == -EINVAL)
		return memcmp(&o, &before, sizeof(o)) ? "owner_parse: filled *out on -EINVAL" : NULL;
	if (r != 0)
		return "owner_parse: neither 0 nor -EINVAL";
	fz_accepted[FZ_OWNER]++;
	if (o.pid <= 0)
		return "owner_parse: pid not positive";
	if (memchr(o.boot, '\0', sizeof(o.boot)) == NULL)
		return "owner_parse: boot not terminated";
	if (owner_format(&o, buf, sizeof(buf)) != 0)
		return "owner_format: parsed tag does not format";
	if (strcmp(buf, tag))
		return "owner: parse+format does not round-trip";
	return NULL;
}

/* owner_format → owner_parse gives the same owner back. */
static inline const char *fz_owner_roundtrip(const struct owner *o)
{
	struct owner back;
	char buf[OWNER_TAGSIZ];

	if (owner_format(o, buf, sizeof(buf)) != 0)
		return "owner_format: -ENOSPC for a valid owner";
	memset(&back, 0, sizeof(back));
	if (owner_parse(buf, &back) != 0)
		return "owner_parse: rejects owner_format's tag";
	if (back.pid != o->pid || back.start != o->start || back.uid != o->uid ||
	    back.pidns != o->pidns || strcmp(back.boot, o->boot))
		return "owner: format+parse does not round-trip";
	return NULL;
}

/* strv_split then strv_join gives the input back, less one trailing sep. */
static inline const char *fz_strv(const char *s, char sep)
{
	struct strv sv = STRV_INIT;
	char seps[2] = { sep, '\0' }, *j;
	size_t len = strlen(s);
	const char *bad = NULL;

	if (strv_split(&sv, s, sep) < 0)
		return NULL;	/* -ENOMEM: fine */
	if (sv.n && sv.v[sv.n] != NULL)
		bad = "strv_split: vector not NULL-terminated";
	for (size_t i = 0; !bad && i < sv.n; i++)
		if (strchr(sv.v[i], sep))
			bad = "strv_split: a field holds the separator";
	if (!bad && (j = strv_join(&sv, seps))) {
		if (len && s[len - 1] == sep)
			len--;
		if (strlen(j) != len || strncmp(j, s, len))
			bad = "strv: split+join does not round-trip";
		free(j);
	}
	strv_release(&sv);
	return bad;
}

/* quote_cmd on the ' '-separated words of s (and s itself as one word). */
static inline const char *fz_quote(const char *s)
{
	struct strv sv = STRV_INIT;
	const char *bad = NULL;
	size_t want = 0;
	char *q;

	if (strv_split(&sv, s, '\t') < 0 || strv_push(&sv, s) < 0) {
		strv_release(&sv);
		return NULL;
	}
	for (size_t i = 0; i < sv.n; i++)
		want += 1 + strlen(sv.v[i]) + (strchr(sv.v[i], ' ') ? 2 : 0);
	q = quote_cmd(&sv);
	if (q) {
		const char *p = q;

		if (strlen(q) != want)
			bad = "quote_cmd: unexpected length";
		for (size_t i = 0; !bad && i < sv.n; i++) {
			const char *a = sv.v[i];
			size_t l = strlen(a);

			if (*p++ != ' ')
				bad = "quote_cmd: argument not preceded by a space";
			else if (!strchr(a, ' ')) {
				if (strncmp(p, a, l))
					bad = "quote_cmd: plain argument changed";
				p += l;
			} else {
				char qc = strchr(a, '"') ? '\'' : '"';

				if (p[0] != qc || strncmp(p + 1, a, l) || p[l + 1] != qc)
					bad = "quote_cmd: quoted argument wrong";
				p += l + 2;
			}
		}
	}
	free(q);
	strv_release(&sv);
	return bad;
}

/* cli_parse on argv[0] FZ_ARGV0 plus the words of 's' split at 'sep'. */
#define FZ_ARGV0 "fz-argv0"
static inline const char *fz_cli(const char *s, char sep)
{
	struct strv sv = STRV_INIT;
	struct xkvm_config cfg;
	char *err = (char *)"sentinel";
	const char *bad = NULL;
	char **argv = NULL;
	int r;

	if (strv_push(&sv, FZ_ARGV0) < 0 || strv_split(&sv, s, sep) < 0)
		goto out;
	/* getopt_long permutes argv: hand it a copy of the array */
	argv = calloc(sv.n + 1, sizeof(*argv));
	if (!argv)
		goto out;
	memcpy(argv, sv.v, sv.n * sizeof(*argv));
	r = cli_parse((int)sv.n, argv, &cfg, &err);
	if (r < 0) {
		bad = fz_message(r, err, false);
		if (!bad && strstr(err, FZ_ARGV0) && !strstr(s, FZ_ARGV0))
			bad = "cli_parse: message names argv[0]";
	} else if (fz_accepted[FZ_CLI]++, r != 0)
		bad = "cli_parse: positive return";
	else if (err)
		bad = "cli_parse: message on success";
	else if (cfg.ovs.ovs_timeout_ms <= 0 || cfg.ovs.ovs_timeout_ms > 3600000 ||
		 cfg.ovs.ovn_timeout_ms <= 0 || cfg.ovs.ovn_timeout_ms > 3600000)
		bad = "cli_parse: timeout out of range";
	else if (!cfg.def_disk_driver || !*cfg.def_disk_driver)
		bad = "cli_parse: no default disk driver";
	else if (cfg.netdevs.n + cfg.disks.n + cfg.passthrough.n > sv.n)
		bad = "cli_parse: more values than arguments";
	if (r < 0)
		free(err);
	cli_release(&cfg);
out:
	free(argv);
	strv_release(&sv);
	return bad;
}

#endif
