#!/bin/bash
# The wait for ovs-vswitchd tells a busy daemon from a stuck one (issue 13):
# one reconfiguration of hundreds of ports moves cur_cfg only at its end, so
# for --ovs-timeout there is no progress to see in the database; while the
# local ovs-vswitchd (its pidfile next to the database socket) is running or
# blocked in the kernel, xkvm waits on, up to 6 timeouts.
#   1. ovs-vswitchd stopped (SIGSTOP: alive, state T): the plain bound, one
#      line, nothing left;
#   2. make-nics of 800 OVS ports in one transaction with --ovs-timeout 1:
#      all made, after -v said the wait went on because ovs-vswitchd is busy
#      (the same call failed before this: "no progress for 1000 ms");
#   3. --ovs-timeout 0.4: 2.4 s of a busy daemon is the bound: one line
#      saying so, nothing left.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root
dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-busy.XXXXXX")
when_finished "rm -rf '$dir'"
netns_new NS
ovs_start "$NS"
br=xb$(rand_hex 3)
ovs_add_br "$br" || exit 2
bridges() { local i; for ((i = 0; i < $1; i++)); do printf '%s\n' "$br"; done; }
# make-nics' taps belong to the calling subshell, gone right after: gc
# removes them as a dead launch's.
make_nics() { ovs_in_ns "$XKVM" tap-control make-nics -v "$@"; }

pid=$(ovs_pid vswitchd)
kill -STOP "$pid"
when_finished "kill -CONT $pid"
start=$(now_ms)
out=$(make_nics --ovs-timeout 1 "$br" 2>&1)
check_eq "1: a stopped ovs-vswitchd: the plain bound" \
	"xkvm: timed out waiting for ovs-vswitchd to apply the change: no progress for 1000 ms (it applied configuration $(cfgs))" \
	"$(grep '^xkvm: timed out' <<<"$out")"
within 900 5000 "$start" "1"
kill -CONT "$pid"
check_clean "1: nothing left"

N=800
out=$(make_nics --ovs-timeout 1 $(bridges $N) 2>"$dir/err"); rc=$?
check_eq "2: $N ports in one transaction, --ovs-timeout 1: all made" "0 $N" \
	"$rc $(grep -c "^tapvm[0-9]*:ovs$" <<<"$out")"
check_eq "2: -v said the wait went on while ovs-vswitchd was busy" 1 \
	"$(grep -c "^waiting for ovs-vswitchd to apply the change (.*; it is busy)$" "$dir/err")"
check_eq "2: every port has its OpenFlow port" "$N" \
	"$(ovs_vsctl -f csv --no-headings --columns=name,ofport list Interface | grep -c '^tapvm[0-9]*,[1-9]')"
ovs_in_ns "$XKVM" tap-control gc >/dev/null 2>&1
check_clean "2: after gc"

# ovs-vswitchd still closes the ports gc removed: busy
N=1000
start=$(now_ms)
out=$(make_nics --ovs-timeout 0.4 $(bridges $N) 2>&1); rc=$?
check_eq "3: --ovs-timeout 0.4: refused after 6 timeouts of a busy daemon" "1 1" \
	"$rc $(grep -c "^xkvm: timed out waiting for ovs-vswitchd to apply the change: no progress for [0-9]* ms, busy (it applied configuration [0-9]*, ours is [0-9]*)$" <<<"$out")"
within 2400 60000 "$start" "3"
check_clean "3: make-nics removed what it made"
done_testing
