#!/bin/bash
# A tap name is never lost to a stale row (issue 13), the launch's side: the
# kernel picks a free tapvmN without looking at the database, so a Port row
# of that name that is not a dead xkvm's (untagged, a live xkvm's) makes the
# launch take another name (a new tap, the clashing one dropped) instead of
# failing, in as many rounds as it takes.  Private OVS and a Linux bridge in
# a namespace of this test, the fake qemu; the foreign rows stay untouched.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root

netns_new NS
ovs_start "$NS"
r=$(rand_hex 2)
obr=xnc$r lbr=xnl$r
ovs_add_br "$obr" || exit 2
ip -n "$NS" link add "$lbr" type bridge && ip -n "$NS" link set "$lbr" up || exit 2
dir=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-clash.XXXXXX) || exit 2
when_finished "rm -rf $dir"
FQ=$XKVM_TOP/tests/lib/fake-qemu
taps() { ip -n "$NS" -o link show | grep -o 'tapvm[0-9]*' | sort | tr '\n' ' '; }
owner_of() { ovs_vsctl --if-exists get Interface "$1" external_ids:xkvm-owner 2>/dev/null | tr -d '"'; }

# The kernel will hand out tapvm0, tapvm1, tapvm2 (the Linux NIC), then
# tapvm3 (taken too: a second round), tapvm4 and tapvm5.
ovs_vsctl --no-wait add-port "$obr" tapvm0 &&
	ovs_client -n -o live-1 add-ports "$obr:tapvm1" >/dev/null &&
	ovs_vsctl --no-wait add-port "$obr" tapvm3 || exit 2
check_eq "no tap yet" "" "$(taps)"

(FAKE_QEMU_RECORD=$dir/rec exec ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" "$XKVM" -v \
	--accel=tcg --kvm "$FQ" -n "$obr" -n "$obr" -n "$lbr" >"$dir/out" 2>"$dir/err") &
xpid=$!
for _ in $(seq 600); do
	[ -s "$dir/rec" ] && break
	kill -0 $xpid 2>/dev/null || break
	sleep 0.05
done
if [ ! -s "$dir/rec" ]; then
	wait $xpid
	fail "the launch did not start qemu (exit $?): $(cat "$dir/err")"
	done_testing
fi
qpid=$(head -n 1 "$dir/rec")
check_eq "qemu got the new names" "ifname=tapvm5 ifname=tapvm4 ifname=tapvm2" \
	"$(grep -o 'ifname=tapvm[0-9]*' "$dir/rec" | tr '\n' ' ' | sed 's/ $//')"
check_eq "only the launch's taps exist (the clashing ones dropped)" "tapvm2 tapvm4 tapvm5 " "$(taps)"
own=$(owner_of tapvm5)
check_cmd "its ports carry its owner tag" test -n "$own" -a "$own" = "$(owner_of tapvm4)"
check_eq "the foreign rows are untouched" "/live-1/" \
	"$(owner_of tapvm0)/$(owner_of tapvm1)/$(owner_of tapvm3)"
check_eq "-v says why, once a name" 3 "$(grep -c 'is taken in the Open vSwitch database' "$dir/err")"

kill -TERM "$qpid"
wait $xpid
check_eq "xkvm exits with qemu's status" 143 "$?"
check_eq "after the launch: no tap" "" "$(taps)"
check_eq "after the launch: only the foreign ports" "tapvm0 tapvm1 tapvm3" \
	"$(ovs_vsctl list-ports "$obr" | tr '\n' ' ' | sed 's/ $//')"

# The rounds are bounded: with every name taken (here through tap-control
# make-nics, the sudo path's worker) the launch fails with one line naming
# the clash and leaves nothing.
for i in $(seq 0 12); do ovs_vsctl --no-wait add-port "$obr" tapvm$i 2>/dev/null; done
err=$(ovs_in_ns "$XKVM" tap-control make-nics --owner-pid $$ "$obr" 2>&1 >/dev/null)
check_cmd "every name taken: the launch fails, one line naming the clash" \
	grep -qx "xkvm: cannot add port 'tapvm[0-9]*' to '$obr': a port of that name already exists" \
	<<<"$err"
check_eq "... one line" 1 "$(wc -l <<<"$err")"
check_eq "... no tap left" "" "$(taps)"
check_eq "... no port of xkvm left (the only tagged one is live-1's)" "tapvm1" \
	"$(ovs_vsctl --bare --columns=name find Interface 'external_ids:xkvm-owner!=""' 2>/dev/null)"
done_testing
