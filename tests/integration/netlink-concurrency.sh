#!/bin/bash
# 32 make-nics at once on one bridge: all succeed, with 32 distinct names
# (the kernel picks them from tapvm%d: no check-then-create race), all on
# the bridge; del-nics removes them all.  Plus: make-nics executes nothing
# but itself (strace -f -e trace=execve).
. "$(dirname "$0")/../lib/common.sh"
need_root
command -v strace >/dev/null || { echo "strace is not installed" >&2; exit 2; }

netns_new ns
in_ns() { ip netns exec "$ns" "$@"; }
br=xb$(rand_hex 3)
ip -n "$ns" link add "$br" type bridge || exit 2
taps() { ip -n "$ns" -o link show type tun | awk -F': ' '{print $2}' | sort; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-nlconc-XXXXXX") || exit 2
when_finished "rm -rf '$dir'"

pids=()
for i in $(seq 1 32); do
	in_ns "$XKVM" tap-control make-nics "$br" >"$dir/out.$i" 2>"$dir/err.$i" &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
check_eq "32 parallel make-nics all succeed" 0 "$failed"
cat "$dir"/err.* | head -5
names=$(cat "$dir"/out.* | sed 's/:brctl$//' | sort)
check_eq "32 distinct tap names" 32 "$(echo "$names" | sort -u | grep -c .)"
check_eq "every output line is NAME:brctl" 32 "$(cat "$dir"/out.* | grep -c '^tapvm[0-9]*:brctl$')"
check_eq "the taps exist" "$names" "$(taps)"
on_br=$(ip -n "$ns" -o link show master "$br" | grep -c ' tapvm')
check_eq "all 32 on the bridge" 32 "$on_br"
groups=$(ip -n "$ns" -o -d link show type tun | grep -o ' group [^ ]*' | sort -u | wc -l)
check_eq "each call its own group" 32 "$groups"

# one del-nics for all: different groups, so one by one, all deleted
check_cmd "del-nics removes all 32" in_ns "$XKVM" tap-control del-nics $names
check_eq "no tap left after del-nics" "" "$(taps)"

# --- no program executed but xkvm ------------------------------------------
# (LeakSanitizer cannot run under ptrace: leaks are checked above.)
ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 in_ns strace -f -qq -e trace=execve -o "$dir/strace" "$XKVM" tap-control make-nics "$br" user "$br" >"$dir/out" 2>&1
check_eq "make-nics under strace" "tapvm0:brctl
skip
tapvm1:brctl" "$(cat "$dir/out")"
execs=$(grep -c 'execve(' "$dir/strace")
check_eq "exactly one execve" 1 "$execs"
case "$(grep 'execve(' "$dir/strace")" in
	*"execve(\"$XKVM\""*) ok "the one execve is xkvm itself";;
	*) fail "unexpected execve: $(grep 'execve(' "$dir/strace")";;
esac
ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 in_ns strace -f -qq -e trace=execve -o "$dir/strace2" "$XKVM" tap-control del-nics tapvm0 tapvm1
check_eq "del-nics executes nothing either" 1 "$(grep -c 'execve(' "$dir/strace2")"
check_eq "no tap left" "" "$(taps)"
done_testing
