#!/bin/bash
# Lab scale (issue 13), sized for CI: K launches at once (default 64,
# $XKVM_FLEET_K), each with 2 NICs on an OVS bridge (userspace datapath, a
# private ovsdb-server and ovs-vswitchd) and 2 on a Linux bridge, the qemu
# stand-in sleeping; then SIGTERM to all.  Every launch gets to qemu and ends
# by the SIGTERM, and nothing is left: no tap, no Port, no owned Interface.
# The timings are printed, not asserted (`make bench` measures them).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root
K=${XKVM_FLEET_K:-64}

netns_new NS
ovs_start "$NS"
r=$(rand_hex 3)
bro=fo$r brl=fl$r
ovs_add_br "$bro" || exit 2
ip -n "$NS" link add "$brl" type bridge && ip -n "$NS" link set "$brl" up || exit 2
dir=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-fleet.XXXXXX) || exit 2
when_finished "rm -rf $dir"

line=$(ovs_in_ns python3 "$XKVM_TOP/tests/bench/fleet.py" --xkvm "$XKVM" \
	--qemu "$XKVM_TOP/tests/lib/fake-qemu" --ovs "$bro" --linux "$brl" -k "$K" \
	--n-ovs 2 --n-linux 2 --work "$dir" --up-timeout 300 \
	--ovs-pids "$(ovs_pid vswitchd),$(ovs_pid server)" 2>"$dir/errors")
check_eq "the fleet driver ran" 0 "$?"
echo "# $line"
sed 's/^/# /' "$dir/errors"
val() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
check_eq "all $K launches get to qemu and end by SIGTERM" 0 "$(val failed)"
check_clean "after $K SIGTERMs"
alive=0
for f in "$dir"/rec.*; do
	pid=$(head -n1 "$f" 2>/dev/null)
	[ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = sleep ] &&
		alive=$((alive + 1))
done
check_eq "no qemu stand-in left" 0 "$alive"
check_eq "every launch recorded its qemu" "$K" "$(ls "$dir" | grep -c '^rec\.')"
done_testing
