#!/bin/bash
# The docs stay true to the code: every long option of xkvm's parser
# (src/plan/cli.c) is in `xkvm --help` and in the man page, every tap-control
# mode (src/cmd/tapctl.c) is in both and answers `MODE --help`, every ctl
# command (src/ctl/server.c) is in `xkvm ctl --help` and the man page, and the make
# targets README names exist.  Needs no root: reads files and runs --help.
. "$(dirname "$0")/../lib/common.sh"

src=$XKVM_TOP/src
opts=$(sed -n 's/^\t{ "\([a-z-]*\)",.*/\1/p' "$src/plan/cli.c" "$src/plan/cli.h")
check_cmd "long options read from src/plan/cli.c" test "$(echo "$opts" | grep -c .)" -ge 15
help=$("$XKVM" --help) || fail "xkvm --help failed"
# the man page as text: "\-" is "-", font escapes dropped
man=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$XKVM_TOP/docs/xkvm.1")
for o in $opts; do
	grep -qE -- "--$o([^a-z-]|\$)" <<<"$help" && ok "--$o in --help" || fail "--$o missing from xkvm --help"
	grep -qE -- "--$o([^a-z-]|\$)" <<<"$man" && ok "--$o in the man page" ||
		fail "--$o missing from docs/xkvm.1"
done

modes=$(sed -n 's/^\t{ "\([a-z-]*\)", \(tapctl_\)\?cmd_.*/\1/p' "$src/cmd/tapctl.c")
check_eq "tap-control modes read from src/cmd/tapctl.c" "make-nics del-nics ovs-cleanup gc list link netem capture move-nic bridges" \
	"$(echo $modes)"
overview=$("$XKVM" tap-control --help)
for m in $modes; do
	grep -q "^      $m " <<<"$overview" && ok "$m in tap-control --help" ||
		fail "$m missing from xkvm tap-control --help"
	grep -qE "^      $m( |$)" <<<"$help" && ok "$m in xkvm --help" ||
		fail "$m missing from xkvm --help"
	grep -qE "^\.B $m( |$)" <<<"$man" && ok "$m in the man page" || fail "$m missing from docs/xkvm.1"
	out=$("$XKVM" tap-control "$m" --help) && [ "${out%%$'\n'*}" != "${out#Usage: xkvm tap-control $m}" ] &&
		ok "tap-control $m --help" || fail "tap-control $m --help: '${out%%$'\n'*}'"
done

# ctl's commands (src/ctl/server.c's table) in `xkvm ctl --help` and in the
# man page's RUNTIME CONTROL section.
cmds=$(sed -n 's/^\t{ "\([a-z-]*\)", [0-9], [0-9], [a-z_]*cmd_.*/\1/p' "$src/ctl/server.c")
check_cmd "ctl commands read from src/ctl/server.c ($(echo $cmds))" test "$(echo "$cmds" | grep -c .)" -ge 8
ctlhelp=$("$XKVM" ctl --help) || fail "xkvm ctl --help failed"
rc_man=$(sed -n '/^\.SH RUNTIME CONTROL/,/^\.SH /p' <<<"$man")
for c in $cmds; do
	grep -qE "^      ($c|[a-z]+ \| $c)( |\$)" <<<"$ctlhelp" && ok "ctl $c in ctl --help" ||
		fail "ctl $c missing from xkvm ctl --help"
	grep -qE "^\.B ([a-z]+, )?$c([ ,]|\$)" <<<"$rc_man" && ok "ctl $c in the man page" ||
		fail "ctl $c missing from docs/xkvm.1's RUNTIME CONTROL"
done

# README's commands: every `make TARGET` it shows is a target of the Makefile.
for t in $(grep -o 'make [a-z-]*' "$XKVM_TOP/README.md" | awk '{print $2}' | sort -u); do
	grep -q "^$t:" "$XKVM_TOP/Makefile" && ok "make $t exists" || fail "README names 'make $t', not in the Makefile"
done
done_testing
