#!/bin/bash
# The bash completion (tools/completion/xkvm.bash), sourced in bash and
# driven through _xkvm with COMP_WORDS/COMP_CWORD as bash sets them (words
# split at '=' and ':'): options, tap-control modes and their options (the
# same as --help lists), NETDEV fields after a comma, and the bridges, taps
# and ports of a namespace with a Linux bridge and a private Open vSwitch,
# found through OVS_RUNDIR or the --ovsdb of the command line.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root
COMPLETION=$XKVM_TOP/tools/completion/xkvm.bash

netns_new NS
ovs_start "$NS"
r=$(rand_hex 2)
lb=xl$r ob=xo$r fake=xf$r
ip -n "$NS" link add "$lb" type bridge && ip -n "$NS" link set "$lb" up || exit 2
ovs_add_br "$ob" || exit 2
ovs_add_fake_br "$fake" "$ob" 7 || exit 2

# comp [ENV=VALUE...] -- WORD...: the replies, one a line, sorted (the
# last word is the one completed; word 0 is the xkvm binary).
comp() {
	local env=(OVS_RUNDIR="$OVS_DIR")
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	ip netns exec "$NS" env "${env[@]}" bash -c '
		. "$0" || exit 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_xkvm || exit 2
		printf "%s\n" "${COMPREPLY[@]}"' "$COMPLETION" "$XKVM" "$@" | sed '/^$/d' | sort
}
lines() { printf '%s\n' "$@" | sort; }

check_eq "sourcing registers _xkvm for xkvm" "complete -F _xkvm xkvm" \
	"$(bash -c '. "$0"; complete -p xkvm' "$COMPLETION")"
check_eq "xkvm --ne: --netdev" "--netdev" "$(comp -- --ne)"
check_eq "xkvm --ver: --verbose and --version" "$(lines --verbose --version)" "$(comp -- --ver)"
check_eq "xkvm --: every long option of xkvm --help" \
	"$("$XKVM" --help | grep -oE -- '(^| )--[a-z][a-z-]*' | tr -d ' ' | sort -u)" "$(comp -- --)"
check_eq "xkvm tap-control : the modes of tap-control --help" \
	"$( (echo --help; "$XKVM" tap-control --help | awk '/^      [a-z]/ {print $1}') | sort)" \
	"$(comp -- tap-control "")"
check_eq "xkvm tap-control g: gc" "gc" "$(comp -- tap-control g)"
# Every mode takes -v/--verbose and -h/--help, and the options its --help lists.
for m in make-nics del-nics ovs-cleanup gc list link netem capture move-nic bridges; do
	check_eq "tap-control $m -: the options of its --help" \
		"$( (lines -h --help -v --verbose; "$XKVM" tap-control "$m" --help |
			grep -oE -- '^ +(-v \| )? *--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+') | sort -u)" \
		"$(comp -- tap-control "$m" -)"
done

all=$(lines user "$lb" "$ob" "$fake")
check_eq "-n : user and the bridges (OVS_RUNDIR)" "$all" "$(comp -- -n "")"
check_eq "--netdev=: the same" "$all" "$(comp -- --netdev = "")"
check_eq "--netdev=xo: the OVS bridge" "$ob" "$(comp -- --netdev = xo)"
check_eq "-n with --ovsdb on the command line (OVS_RUNDIR elsewhere)" "$all" \
	"$(comp OVS_RUNDIR=/nonexistent -- --ovsdb "unix:$OVS_DIR/db.sock" -n "")"
check_eq "-n with --ovsdb=REMOTE" "$all" \
	"$(comp OVS_RUNDIR=/nonexistent -- --ovsdb = "unix" : "$OVS_DIR/db.sock" -n "")"
check_eq "-n without OVS: user and the Linux bridge" "$(lines user "$lb")" \
	"$(comp OVS_RUNDIR=/nonexistent -- -n "")"
# A user who cannot read the database still gets the Linux bridges.
check_eq "-n as uid 65534: user and the Linux bridge" "$(lines user "$lb")" \
	"$(ip netns exec "$NS" setpriv --reuid 65534 --regid 65534 --clear-groups env \
		OVS_RUNDIR="$OVS_DIR" bash -c '. "$0"; COMP_WORDS=("$1" -n ""); COMP_CWORD=2; _xkvm
		printf "%s\n" "${COMPREPLY[@]}"' "$COMPLETION" "$XKVM" | sort)"
check_eq "-n BRIDGE,ovs-t: the fields" "$(lines "$lb,ovs-tag=" "$lb,ovs-trunks=")" \
	"$(comp -- -n "$lb,ovs-t")"
# bash splits "$ob,mac=:05,m" into "$ob,mac" "=:" "05,m" and replaces "05,m"
check_eq "-n BRIDGE,mac=:05,m: the fields after the last comma, from the last break" \
	"$(lines "05,mac=" "05,macaddr=" "05,model=" "05,mtu=")" "$(comp -- -n "$ob,mac" =: 05,m)"
check_eq "--netdev=BRIDGE,mo: the part after '='" "$lb,model=" "$(comp -- --netdev = "$lb,mo")"
check_eq "--accel=t: tcg" "tcg" "$(comp -- --accel = t)"
check_eq "--accel : the three" "$(lines auto kvm tcg)" "$(comp -- --accel "")"
check_eq "after --: no xkvm option" "" "$(comp -- -- --ne)"
check_eq "tap-control make-nics : the bridges, no user" "$(lines "$lb" "$ob" "$fake")" \
	"$(comp -- tap-control make-nics "")"
check_eq "tap-control make-nics BRIDGE,ovs-if: make-nics' fields" "$ob,ovs-iface-id=" \
	"$(comp -- tap-control make-nics "$ob,ovs-if")"
check_eq "tap-control make-nics BRIDGE,q: make-nics takes queues=" "$ob,queues=" \
	"$(comp -- tap-control make-nics "$ob,q")"

# ctl: the subcommand, the NAMEs of this user's launches (their control
# sockets: a bound socket counts, a plain file of the same shape does not),
# then the commands of `xkvm ctl --help`.
check_eq "xkvm : the subcommands" "$(lines ctl tap-control)" "$(comp -- "")"
rundir=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-comp.XXXXXX) || exit 2
when_finished "rm -rf '$rundir'"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	"$rundir/lab1.sock" || exit 2
: >"$rundir/stale.sock"
check_eq "xkvm ctl : the running launches" "lab1" "$(comp XKVM_RUN_DIR="$rundir" -- ctl "")"
check_eq "... in XKVM_RUNDIR, the older spelling, too" "lab1" \
	"$(comp XKVM_RUN_DIR= XKVM_RUNDIR="$rundir" -- ctl "")"
check_eq "xkvm ctl NAME : the commands of ctl --help" \
	"$("$XKVM" ctl --help | awk '/^      [a-z]/ {print $1; if ($2 == "|") print $3}' | sort -u)" \
	"$(comp -- ctl lab1 "")"
check_eq "xkvm ctl NAME st: stop" "stop" "$(comp -- ctl lab1 st)"
check_eq "-n BRIDGE,vh: vhost-user" "$ob,vhost-user" "$(comp -- -n "$ob,vh")"

# Taps and ports xkvm made (owned by this shell: they stay until the namespace
# and the private OVS go), for del-nics and ovs-cleanup.
out=$(ovs_in_ns "$XKVM" tap-control make-nics --owner-pid $$ "$lb" "$ob") || fail "make-nics: $out"
ltap=$(sed -n 's/:brctl$//p' <<<"$out") otap=$(sed -n 's/:ovs$//p' <<<"$out")
check_eq "tap-control del-nics : xkvm's taps" "$(lines "$ltap" "$otap")" \
	"$(comp -- tap-control del-nics "")"
check_eq "tap-control ovs-cleanup : BRIDGE:PORT" "$ob:$otap" "$(comp -- tap-control ovs-cleanup "")"
check_eq "tap-control ovs-cleanup BRIDGE:: the part after ':'" "$otap" \
	"$(comp -- tap-control ovs-cleanup "$ob" : "")"

# The same through readline in an interactive bash (one TAB each: a unique
# reply is inserted, with a blank unless it ends in '=', ',' or ':').
out=$(ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" PATH="$(dirname "$XKVM"):$PATH" \
	timeout 60 python3 "$XKVM_TOP/tests/lib/readline-complete.py" "$COMPLETION" \
	"xkvm --ne" "xkvm tap-control b" "xkvm --netdev=xo" "xkvm -n $ob,mac=:05,mo" \
	"xkvm --accel=t" "xkvm tap-control ovs-cleanup $ob:")
check_eq "readline: the lines after TAB" "$(printf '%s\n' "xkvm --netdev " "xkvm tap-control bridges " \
	"xkvm --netdev=$ob " "xkvm -n $ob,mac=:05,model=" "xkvm --accel=tcg " \
	"xkvm tap-control ovs-cleanup $ob:$otap ")" "$out"
done_testing
