#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plan/cli.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static char *joined(const struct strv *sv)
{
	static char buf[512];
	char *s = strv_join(sv, "|");

	snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
	free(s);
	return buf;
}

static int parse(int argc, char **argv, struct xkvm_config *cfg, char **err)
{
	*err = NULL;
	return cli_parse(argc, argv, cfg, err);
}

int main(void)
{
	struct xkvm_config cfg;
	char *err;

	unsetenv("DEF_DISK_DRIVER");
	unsetenv("DEF_NETMODEL");
	{
		char *argv[] = { "xkvm", "-n", "user", "--disk=a.img", "-vv", "--verbose",
				 "--dry-run", "--kvm", "qemu -M q35", "--uefi-nvram", "nv.fd",
				 "extra", "--", "-m", "512", "--netdev", NULL };

		CHECK_INT(0, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("user", joined(&cfg.netdevs));
		CHECK_STR("a.img", joined(&cfg.disks));
		CHECK_STR("extra|-m|512|--netdev", joined(&cfg.passthrough));
		CHECK_INT(3, cfg.verbosity);
		CHECK(cfg.dry_run);
		CHECK(cfg.uefi);
		CHECK_STR("nv.fd", cfg.uefi_nvram);
		CHECK_STR("qemu -M q35", cfg.kvm);
		CHECK_STR("virtio-blk", cfg.def_disk_driver);
		CHECK(cfg.def_netmodel == NULL);
		CHECK_INT(ACCEL_KVM, cfg.accel);
		CHECK(!cfg.help);
		cli_release(&cfg);
	}
	setenv("DEF_DISK_DRIVER", "scsi-hd", 1);
	setenv("DEF_NETMODEL", "e1000", 1);
	{
		/* abbreviations, attached arguments, permutation */
		char *argv[] = { "xkvm", "--net", "br0", "-nuser", "--dis", "x", "pt1",
				 "--acc=tcg", "--bio", "b.fd", "--dow", "--no-d", "--uefi", "pt2", NULL };

		CHECK_INT(0, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("br0|user", joined(&cfg.netdevs));
		CHECK_STR("x", joined(&cfg.disks));
		CHECK_STR("pt1|pt2", joined(&cfg.passthrough));
		CHECK_INT(ACCEL_TCG, cfg.accel);
		CHECK_STR("b.fd", cfg.bios);
		CHECK(cfg.uefi);
		CHECK_STR("scsi-hd", cfg.def_disk_driver);
		CHECK_STR("e1000", cfg.def_netmodel);
		cli_release(&cfg);
	}
	unsetenv("DEF_DISK_DRIVER");
	unsetenv("DEF_NETMODEL");
	{
		char *argv[] = { "xkvm", "-v", "-h", NULL };

		CHECK_INT(0, parse(ARGC(argv), argv, &cfg, &err));
		CHECK(cfg.help);
		cli_release(&cfg);
	}
	{
		char *argv[] = { "xkvm", "--accel", "auto", NULL };

		CHECK_INT(0, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_INT(ACCEL_AUTO, cfg.accel);
		cli_release(&cfg);
	}
	/* xkvm's own options: defaults, seconds with decimals, the waits */
	{
		char *argv[] = { "xkvm", NULL };

		CHECK_INT(0, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_INT(5000, cfg.ovs.ovs_timeout_ms);
		CHECK_INT(10000, cfg.ovs.ovn_timeout_ms);
		CHECK(cfg.ovs.ovs_wait && cfg.ovs.ovn_wait && cfg.reap);
		CHECK(cfg.ovs.ovsdb == NULL);
		cli_release(&cfg);
	}
	{
		char *argv[] = { "xkvm", "--ovs-timeout=2.5", "--ovn-timeout", "30",
				 "--ovs-no-wait", "--ovn-no-wait", "--skip-reap",
				 "--ovsdb", "unix:/tmp/x.sock", NULL };

		CHECK_INT(0, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_INT(2500, cfg.ovs.ovs_timeout_ms);
		CHECK_INT(30000, cfg.ovs.ovn_timeout_ms);
		CHECK(!cfg.ovs.ovs_wait && !cfg.ovs.ovn_wait && !cfg.reap);
		CHECK_STR("unix:/tmp/x.sock", cfg.ovs.ovsdb);
		cli_release(&cfg);
	}
	{
		/* --no stays the reference's abbreviation of --no-dowait */
		char *argv[] = { "xkvm", "--no", NULL };

		CHECK_INT(0, parse(ARGC(argv), argv, &cfg, &err));
		cli_release(&cfg);
	}
	{
		static const char *bad[] = { "0", "-1", "0x10", " 5", "5 ", "1e3", "3601", "", "." };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *argv[] = { "xkvm", "--ovs-timeout", (char *)bad[i], NULL };
			char want[128];

			snprintf(want, sizeof(want), "invalid --ovs-timeout '%s': want seconds, "
				 "more than 0 and at most 3600", bad[i]);
			CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
			CHECK_STR(want, err);
			free(err);
			err = NULL;
			cli_release(&cfg);
		}
	}
	/* errors: one line naming the argument */
	{
		char *argv[] = { "xkvm", "--accel=fast", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("invalid --accel 'fast': want kvm, tcg or auto", err);
		free(err);
		cli_release(&cfg);
	}
	{
		/* qemu's -daemonize, either spelling, anywhere in the pass-through */
		char *argv1[] = { "xkvm", "-n", "user", "--", "-m", "256", "-daemonize", NULL };
		char *argv2[] = { "xkvm", "--", "-m", "256", "--daemonize", NULL };
		char *argv3[] = { "xkvm", "--", "-daemonize=on", "-name", "daemonize", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv1), argv1, &cfg, &err));
		CHECK_STR("qemu's '-daemonize' is refused: xkvm stays qemu's parent to remove its "
			  "NICs when it ends; run xkvm itself in the background instead", err);
		free(err);
		cli_release(&cfg);
		CHECK_INT(-EINVAL, parse(ARGC(argv2), argv2, &cfg, &err));
		CHECK(err && strstr(err, "'--daemonize' is refused"));
		free(err);
		cli_release(&cfg);
		/* not qemu's spellings of it (qemu refuses the first itself) */
		CHECK_INT(0, parse(ARGC(argv3), argv3, &cfg, &err));
		cli_release(&cfg);
	}
	{
		char *argv[] = { "xkvm", "--d", "x", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("unknown or ambiguous option '--d'", err);
		free(err);
		cli_release(&cfg);
	}
	{
		/* a known option given an argument it does not take, abbreviated too */
		char *argv[] = { "xkvm", "--verb=2", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("option '--verbose' takes no argument (in '--verb=2')", err);
		free(err);
		cli_release(&cfg);
	}
	{
		char *argv[] = { "xkvm", "--uef=1", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("unknown or ambiguous option '--uef=1'", err);
		free(err);
		cli_release(&cfg);
	}
	{
		char *argv[] = { "xkvm", "-x", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("unknown option '-x'", err);
		free(err);
		cli_release(&cfg);
	}
	{
		/* messages stay one line whatever argv holds (found by test-fuzz-parsers) */
		char *argv[] = { "xkvm", "--accel=k\nvm", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("invalid --accel 'k?vm': want kvm, tcg or auto", err);
		free(err);
		cli_release(&cfg);
	}
	{
		char *argv[] = { "xkvm", "-\n", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("unknown option '-?'", err);
		free(err);
		cli_release(&cfg);
	}
	{
		/* a byte over 0x7f in a group of short options is named, not
		 * argv[0] (found while writing test-fuzz-parsers) */
		char *argv[] = { "xkvm", "-\xffv", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("unknown option '-\xff'", err);
		free(err);
		cli_release(&cfg);
	}
	{
		/* so is ':' (found by test-fuzz-parsers) */
		char *argv[] = { "xkvm", "-:v", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("unknown option '-:'", err);
		free(err);
		cli_release(&cfg);
	}
	{
		char *argv[] = { "xkvm", "--netdev", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("option '--netdev' needs an argument", err);
		free(err);
		cli_release(&cfg);
	}
	{
		char *argv[] = { "xkvm", "-d", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK_STR("option '-d' needs an argument", err);
		free(err);
		cli_release(&cfg);
	}
	{
		char *argv[] = { "xkvm", "--help=x", NULL };

		CHECK_INT(-EINVAL, parse(ARGC(argv), argv, &cfg, &err));
		CHECK(err && strstr(err, "--help=x"));
		free(err);
		cli_release(&cfg);
	}
	cli_release(NULL);
	return check_summary("test-cli");
}
