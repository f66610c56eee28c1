/* Deterministic mutation test of the input parsers (netspec, wire, diskspec, mac,
 * owner, cli, quote, strv) against the contract in tests/fuzz/contract.h.
 * Seed and iteration count are printed; override them with XKVM_FUZZ_SEED
 * and XKVM_FUZZ_ITERS.  Runs in a temporary directory holding x.img (raw)
 * and q.qcow2 (a qcow2 header) so that bare disk tokens hit real files. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "../fuzz/contract.h"

#define DEFAULT_SEED 0x78766b6d66757a7aULL	/* "xkvmfuzz" */
#define DEFAULT_ITERS 5000	/* valgrind: ~4 s */
#define MAXLEN 600

static uint64_t rng;

static uint64_t next(void)
{
	/* xorshift64*: small, deterministic, good enough */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static size_t below(size_t n)
{
	return n ? (size_t)(next() % n) : 0;
}

static const char *const wire_corpus[] = {
	"br0", "user", "br0,mac=52:54:00:12:34:01", "br-int,ovs-iface-id=lp1,ovs-ext:a=b",
	"br1,ovs-tag=10,ovs-trunks=1:2:4095,ovs-vm-id=vm7", "br0,mac=52:54:00:12:34:0a,ovs-tag=7",
};

static const char *const net_corpus[] = {
	"user", "br0", "virbr0", "br0,mac=:05", "user,mac=random,model=e1000",
	"br1,ovs-tag=10,ovs-trunks=1:2,ovs-ext:a=b", "user,mac=", "user,mac=auto",
	"user,mac=01,macaddr=02", "user,mac=7,model=e1000,romfile=,hostfwd=tcp::22-:22",
	"user,model=e1000,model=virtio", "br0,mq=on,host_mtu=1400,vhost=on,queues=2",
	"br-ovs,ovs-tag=4095", "br-int,ovs-iface-id=lp1,mac=:11", "br0,ovs-vm-id=vm1",
	"br0,macaddr=52:54:00:AB:cd:0f", "br0,mac=1:2:3:4:5:6", "br0,vnet_hdr=off,",
	"br1,model=e1000,mac=auto", "br0,ovs-trunks=0:4095:100,ovs-ext:k=v,ovs-ext:x=",
};

static const char *const disk_corpus[] = {
	"x.img", "file=x.img,if=scsi,serial=s", "file=none.img", "file=none.img,format=qcow2",
	"x.img,snapshot", "x.img,file=q.qcow2", "x.img,q.qcow2", "x.img,driver=scsi-hd,if=virtio",
	"x.img,driver=scsi-hd,if=pflash", "x.img,id=root,serial=s1", "x.img,if=scsi,wwn=0x5000",
	"x.img,bus=1", "x.img,bus=0,unit=3", "x.img,unit=3", "x.img,index=7",
	"x.img,cache=none,bootindex=1", "x.img,file.locking=off", "fmt=raw", "x.img,if=sd",
	"x.img,floppy", "x.img,bus=0,index=1", "q.qcow2", "file=./x.img,fmt=", "file=/x.img,wwn=",
};

static const char *const mac_corpus[] = {
	"", ":05", "05", "5", "01:02", "aa:bb:cc:dd:ee:ff", "AA:BB:CC:DD:EE:FF", ":1:2:3:4:5:6",
	"52:54:00:12:34:56", "f:f", "0:0:0",
	"00000:A:000000000",	/* make fuzz found the contract wrong here (index 0x41) */
};

static const char *const netem_corpus[] = {
	"off", "delay=200", "delay=200,jitter=10", "loss=0.5", "rate=1000", "delay=1,loss=100",
	"delay=3600000,jitter=3600000,loss=99.999,rate=100000000", "jitter=5", "loss=.5", ",",
};

static const char *const cli_corpus[] = {
	"-n user --disk=a.img -vv --verbose extra -- -m 512 --netdev",
	"--netdev br0,mac=:05 -- -drive file=disk.img,if=virtio -curses",
	"--netdev user,mac=random --netdev br1,model=e1000,mac=auto -- -curses",
	"--disk disk1.img --dry-run --accel=tcg", "-n br-ovs,ovs-tag=10 -n br-int,ovs-iface-id=lp1 -- x",
	"--ovs-timeout 2.5 --ovn-timeout=0.0001 --ovs-no-wait --ovn-no-wait --skip-reap",
	"--ovsdb unix:/run/db.sock --kvm qemu-system-x86_64 --bios b.fd --uefi",
	"--uefi-nvram=n.fd --dowait --no-dowait -h", "--no --acc auto -d", "--netdev",
	"-x -vx -dfoo --help=1 --dry-run=2", "--ovs-timeout nan --ovn-timeout 3601",
};

/* Extra tokens the mutator inserts. */
static const char *const dict[] = {
	",", "=", ":", "mac=", "macaddr=", "model=", "ovs-", "ovs-tag=", "ovs-trunks=",
	"ovs-ext:", "ovs-iface-id=", "ovs-vm-id=", "user", "random", "auto", "4095", "4096",
	"99999999999", "-1", "file=", "if=", "driver=", "index=", "bus=", "unit=", "wwn=",
	"fmt=", "serial=", "x.img", "q.qcow2", "/", ".", "..", "\n", "\r", "\t", " ", "\"", "'",
	"--", "-", "--netdev", "--disk=", "-n", "-d", "--ovs-timeout=", "%s%n%x", "\xff\xfe",
	"\xc3\xa9", "pid=", "start=", "uid=", "pidns=", "boot=", "xkvm:", ",,", "0", "00",
};

/* Applies 1..4 random mutations to buf (NUL-terminated, < MAXLEN). */
static void mutate(char *buf, const char *const *corpus, size_t ncorpus)
{
	int rounds = 1 + (int)below(4);

	for (int k = 0; k < rounds; k++) {
		size_t len = strlen(buf), pos = below(len + 1), room = MAXLEN - 1 - len;

		switch (below(9)) {
		case 0:	/* flip a bit */
			if (len)
				buf[below(len)] ^= (char)(1u << below(8));
			break;
		case 1:	/* any byte, non-ASCII included (not NUL) */
			if (len)
				buf[below(len)] = (char)(1 + below(255));
			break;
		case 2: {	/* insert a separator */
			static const char seps[] = ",=:,=:-/ ";

			if (room) {
				memmove(buf + pos + 1, buf + pos, len - pos + 1);
				buf[pos] = seps[below(sizeof(seps) - 1)];
			}
			break;
		}
		case 3:	/* truncate */
			buf[pos] = '\0';
			break;
		case 4: {	/* a long run */
			static const char runs[] = "a,:=0f9\xff ";
			size_t n = 1 + below(300);

			if (n > room)
				n = room;
			memmove(buf + pos + n, buf + pos, len - pos + 1);
			memset(buf + pos, runs[below(sizeof(runs) - 1)], n);
			break;
		}
		case 5: {	/* duplicate a piece */
			size_t from = below(len + 1), n = below(len - from + 1);

			if (n > room)
				n = room;
			memmove(buf + pos + n, buf + pos, len - pos + 1);
			memmove(buf + pos, buf + (from < pos ? from : from + n), n);
			break;
		}
		case 6: {	/* remove a piece */
			size_t n = below(len - pos + 1);

			memmove(buf + pos, buf + pos + n, len - pos - n + 1);
			break;
		}
		case 7: {	/* splice in a dictionary word */
			const char *w = dict[below(sizeof(dict) / sizeof(dict[0]))];
			size_t n = strlen(w);

			if (n <= room) {
				memmove(buf + pos + n, buf + pos, len - pos + 1);
				memcpy(buf + pos, w, n);
			}
			break;
		}
		case 8: {	/* splice in part of another corpus entry */
			const char *o = corpus[below(ncorpus)];
			size_t ol = strlen(o), from = below(ol + 1), n = below(ol - from + 1);

			if (n > room)
				n = room;
			memmove(buf + pos + n, buf + pos, len - pos + 1);
			memcpy(buf + pos, o + from, n);
			break;
		}
		}
	}
}

static void seed_from(char *buf, const char *const *corpus, size_t n)
{
	snprintf(buf, MAXLEN, "%s", corpus[below(n)]);
	mutate(buf, corpus, n);
}

static void print_escaped(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('\'', f);
}

static int reported;

static void verdict(const char *bad, const char *parser, const char *input, unsigned long iter)
{
	if (!bad) {
		check_passed++;
		return;
	}
	check_failed++;
	if (reported++ >= 20)
		return;
	fprintf(stderr, "FAIL iteration %lu: %s: %s\n  input: ", iter, parser, bad);
	print_escaped(stderr, input);
	fputc('\n', stderr);
}

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	fwrite(data, 1, len, f);
	return fclose(f);
}

/* A random, valid owner. */
static void random_owner(struct owner *o)
{
	static const char hex[] = "0123456789abcdefABCDEF-";
	size_t n = 1 + below(OWNER_BOOTSIZ - 1);

	memset(o, 0, sizeof(*o));
	o->pid = (pid_t)(1 + below(0x7fffffff));
	o->start = below(4) ? below(1000000) : next();
	o->uid = (uid_t)(below(4) ? below(70000) : next());
	o->pidns = below(4) ? 4026531836ULL : next();
	for (size_t i = 0; i < n; i++)
		o->boot[i] = hex[below(sizeof(hex) - 1)];
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
	char tmpl[] = "/tmp/xkvm-fuzz-XXXXXX", old[4096], buf[MAXLEN], tag[OWNER_TAGSIZ];
	static const char qcow2[] = "QFI\xfb\0\0\0\3";
	const char *env;
	unsigned long iters = DEFAULT_ITERS;
	uint64_t seed = DEFAULT_SEED;
	char *owner_corpus[8] = { NULL };
	struct owner o;

	if ((env = getenv("XKVM_FUZZ_SEED")) && *env)
		seed = strtoull(env, NULL, 0);
	if ((env = getenv("XKVM_FUZZ_ITERS")) && *env)
		iters = strtoul(env, NULL, 0);
	rng = seed ? seed : DEFAULT_SEED;
	printf("test-fuzz-parsers: XKVM_FUZZ_SEED=0x%016llx XKVM_FUZZ_ITERS=%lu\n",
	       (unsigned long long)seed, iters);

	CHECK(getcwd(old, sizeof(old)) != NULL);
	CHECK(mkdtemp(tmpl) != NULL);
	CHECK_INT(0, chdir(tmpl));
	CHECK_INT(0, write_file("x.img", "raw image\n", 10));
	CHECK_INT(0, write_file("q.qcow2", qcow2, sizeof(qcow2) - 1));

	/* owner tags: ours (not in the corpus: it varies), and random valid ones */
	CHECK_INT(0, owner_self(&o, 1000));
	CHECK_INT(0, owner_format(&o, tag, sizeof(tag)));
	verdict(fz_owner(tag), "owner (self)", tag, 0);
	for (size_t i = 0; i < N(owner_corpus); i++) {
		random_owner(&o);
		CHECK_INT(0, owner_format(&o, tag, sizeof(tag)));
		owner_corpus[i] = strdup(tag);
		CHECK(owner_corpus[i] != NULL);
		verdict(fz_owner(tag), "owner (corpus)", tag, 0);
	}

	/* the unmutated corpora hold to the contract and mostly parse */
	for (size_t i = 0; i < N(net_corpus); i++) {
		verdict(fz_netspec(net_corpus[i], (unsigned)i), "netspec (corpus)", net_corpus[i], 0);
		verdict(fz_strv(net_corpus[i], ','), "strv (corpus)", net_corpus[i], 0);
	}
	for (size_t i = 0; i < N(wire_corpus); i++)
		verdict(fz_wire(wire_corpus[i], (unsigned)i), "wire (corpus)", wire_corpus[i], 0);
	for (size_t i = 0; i < N(disk_corpus); i++)
		verdict(fz_diskspec(disk_corpus[i], (unsigned)i), "diskspec (corpus)", disk_corpus[i], 0);
	for (size_t i = 0; i < N(mac_corpus); i++)
		verdict(fz_mac(mac_corpus[i], (unsigned)i), "mac (corpus)", mac_corpus[i], 0);
	for (size_t i = 0; i < N(cli_corpus); i++) {
		verdict(fz_cli(cli_corpus[i], ' '), "cli (corpus)", cli_corpus[i], 0);
		verdict(fz_quote(cli_corpus[i]), "quote (corpus)", cli_corpus[i], 0);
	}

	for (unsigned long it = 1; it <= iters; it++) {
		unsigned index = below(8) ? (unsigned)below(16) : (unsigned)next();

		seed_from(buf, net_corpus, N(net_corpus));
		verdict(fz_netspec(buf, index), "netspec", buf, it);
		verdict(fz_strv(buf, ','), "strv_split", buf, it);

		seed_from(buf, wire_corpus, N(wire_corpus));
		verdict(fz_wire(buf, index), "nic_wire_parse", buf, it);

		seed_from(buf, disk_corpus, N(disk_corpus));
		verdict(fz_diskspec(buf, index), "diskspec", buf, it);

		seed_from(buf, mac_corpus, N(mac_corpus));
		verdict(fz_mac(buf, index), "mac_pad", buf, it);

		seed_from(buf, (const char *const *)owner_corpus, N(owner_corpus));
		verdict(fz_owner(buf), "owner_parse", buf, it);
		random_owner(&o);
		verdict(fz_owner_roundtrip(&o), "owner_format/owner_parse", o.boot, it);

		seed_from(buf, netem_corpus, N(netem_corpus));
		verdict(fz_netem(buf), "tapstate_netem_parse", buf, it);

		seed_from(buf, cli_corpus, N(cli_corpus));
		verdict(fz_cli(buf, ' '), "cli_parse", buf, it);
		verdict(fz_quote(buf), "quote_cmd", buf, it);
		verdict(fz_strv(buf, ' '), "strv_split", buf, it);
	}

	for (size_t i = 0; i < N(owner_corpus); i++)
		free(owner_corpus[i]);
	CHECK_INT(0, unlink("x.img"));
	CHECK_INT(0, unlink("q.qcow2"));
	CHECK_INT(0, chdir(old));
	CHECK_INT(0, rmdir(tmpl));
	printf("accepted: netspec %lu, wire %lu, diskspec %lu, mac %lu, owner %lu, cli %lu, "
	       "netem %lu of %lu each\n",
	       fz_accepted[FZ_NETSPEC], fz_accepted[FZ_WIRE], fz_accepted[FZ_DISKSPEC],
	       fz_accepted[FZ_MAC], fz_accepted[FZ_OWNER], fz_accepted[FZ_CLI],
	       fz_accepted[FZ_NETEM], iters);
	if (reported > 20)
		fprintf(stderr, "(%d more failures not shown)\n", reported - 20);
	return check_summary("test-fuzz-parsers");
}
