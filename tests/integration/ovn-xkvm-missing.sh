#!/bin/bash
# xkvm's OVN wait when the logical port never binds (issue 8), on chassis 1
# of the OVN sandbox with tests/lib/fake-qemu standing in for qemu:
#  - a logical port missing from the northbound database: the launch fails
#    after the default --ovn-timeout (10 s) with the one-line message, exit
#    1, qemu never started, no port, Interface or tap left;
#  - one NIC on an existing port and one on a missing port (--ovn-timeout 2):
#    fails after ~2 s and both NICs are removed, the bound port released;
#  - SIGTERM during the wait: xkvm stops waiting at once, leaves nothing;
#  - --ovn-no-wait: qemu starts at once; `tap-control list` shows the port
#    with "ovn_installed":false, then true once the logical port is created
#    in the northbound database; SIGTERM then tears everything down.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovn.sh"
need_root
cd "$XKVM_TOP" || exit 2

FAKE=$XKVM_TOP/tests/lib/fake-qemu
dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-ovnm.XXXXXX")
when_finished "rm -rf '$dir'"

ovn_sandbox_start
check_cmd "both chassis registered" ovn_wait_chassis 10
ns=$OVN_CH1_NS
ls=ls-$(rand_hex 2)
check_cmd "lpx in the northbound database" ovn_add_lsp "$ls" lpx 52:54:00:0b:00:01 10.89.0.1

# xkvm_ch1 ARGS...: $XKVM on chassis 1 with the fake qemu (recording to
# $dir/qemu.rec), bounded; stdout+stderr in $dir/out, exit status in $rc,
# wall time in $ms.
xkvm_ch1() {
	local t0
	rm -f "$dir/qemu.rec"
	t0=$(ovn_now_ms)
	ovn_in 1 env FAKE_QEMU_RECORD="$dir/qemu.rec" FAKE_QEMU_SLEEP=60 \
		timeout --kill-after=5 40 "$XKVM" --accel=tcg --kvm "$FAKE" "$@" \
		</dev/null >"$dir/out" 2>&1
	rc=$?
	ms=$(( $(ovn_now_ms) - t0 ))
}
# nothing_left WHAT: no port on br-int but the tunnels, no Interface with an
# owner tag or an iface-id, no link with our owner tag on chassis 1.
nothing_left() {
	check_eq "$1: br-int has no port of ours" "" \
		"$(ovn_vsctl 1 list-ports br-int | grep -v '^ovn-')"
	check_eq "$1: no Interface with an owner tag or an iface-id" 0 \
		"$(ovn_vsctl 1 --bare --columns=external_ids list Interface | grep -c 'xkvm-owner\|iface-id')"
	check_eq "$1: no link with our owner tag" 0 \
		"$(ip -n "$ns" -o link show | grep -c 'alias xkvm:')"
	check_eq "$1: tap-control list is empty" "" "$(ovn_in 1 "$XKVM" tap-control list)"
}

# 1. A logical port nobody created, default timeout.
xkvm_ch1 -n br-int,ovs-iface-id=ghost -- -m 64
check_eq "missing port: exit 1" 1 "$rc"
check_eq "missing port: the message" \
	"creating tap devices: br-int
xkvm: logical port 'ghost' was not bound on this chassis within 10 s: does it exist in the northbound database?" \
	"$(cat "$dir/out")"
[ "$ms" -ge 10000 ] && [ "$ms" -lt 15000 ] && ok "missing port: gave up after $ms ms (10 s timeout)" ||
	fail "missing port: gave up after $ms ms, not within 10-15 s"
echo "# timing: missing port, default timeout: failed after $ms ms"
check_fails "missing port: qemu never started" test -e "$dir/qemu.rec"
nothing_left "missing port"

# 2. Two NICs, one on an existing port, one on a missing one.
xkvm_ch1 --ovn-timeout 2 -n br-int,ovs-iface-id=lpx,mac=52:54:00:0b:00:01 \
	-n br-int,ovs-iface-id=ghost2 -- -m 64
check_eq "one of two missing: exit 1" 1 "$rc"
check_eq "one of two missing: the message names it" \
	"creating tap devices: br-int br-int
xkvm: logical port 'ghost2' was not bound on this chassis within 2 s: does it exist in the northbound database?" \
	"$(cat "$dir/out")"
[ "$ms" -ge 2000 ] && [ "$ms" -lt 7000 ] && ok "one of two missing: gave up after $ms ms (2 s timeout)" ||
	fail "one of two missing: gave up after $ms ms, not within 2-7 s"
check_fails "one of two missing: qemu never started" test -e "$dir/qemu.rec"
nothing_left "one of two missing"
check_cmd "one of two missing: lpx released again" \
	ovn_sb --timeout=10 wait-until Port_Binding lpx "chassis=[]"

# 3. SIGTERM while waiting.  Started without a shell function in between,
# so that $! is (after the execs) timeout, which passes the TERM to xkvm.
rm -f "$dir/qemu.rec"
env OVS_RUNDIR="$OVN_CH1_DIR" ip netns exec "$ns" \
	env FAKE_QEMU_RECORD="$dir/qemu.rec" timeout --kill-after=5 40 "$XKVM" --accel=tcg --kvm "$FAKE" -n br-int,ovs-iface-id=ghost3 -- -m 64 \
	</dev/null >"$dir/out" 2>&1 &
xpid=$!
kill_at_exit $xpid
# until the port is in the database (xkvm is then waiting for OVN)
ovn_wait_for 10 eval '[ -n "$(ovn_iface 1 ghost3)" ]' || fail "signal: the port never appeared"
t0=$(ovn_now_ms)
# `timeout` forwards the TERM to xkvm
kill -TERM "$xpid"
wait "$xpid"
rc=$?
ms=$(( $(ovn_now_ms) - t0 ))
check_eq "signal: xkvm dies by the signal" 143 "$rc"
[ "$ms" -lt 2000 ] && ok "signal: stopped waiting in $ms ms" || fail "signal: took $ms ms to stop"
echo "# timing: SIGTERM during the OVN wait: exit $rc after $ms ms"
check_eq "signal: what xkvm said" "creating tap devices: br-int
xkvm: cannot wait for logical port 'ghost3': interrupted while waiting for OVN to install the port" "$(cat "$dir/out")"
check_fails "signal: qemu never started" test -e "$dir/qemu.rec"
nothing_left "signal"

# 4. --ovn-no-wait: qemu runs at once; the listing follows the binding.
rm -f "$dir/qemu.rec"
env OVS_RUNDIR="$OVN_CH1_DIR" ip netns exec "$ns" \
	env FAKE_QEMU_RECORD="$dir/qemu.rec" FAKE_QEMU_SLEEP=60 timeout --kill-after=5 40 "$XKVM" --accel=tcg --kvm "$FAKE" --ovn-no-wait \
	-n br-int,ovs-iface-id=late,mac=52:54:00:0b:00:02,ovs-vm-id=vm-late -- -m 64 \
	</dev/null >"$dir/out" 2>&1 &
xpid=$!
kill_at_exit $xpid
t0=$(ovn_now_ms)
check_cmd "no wait: qemu started" ovn_wait_for 10 test -s "$dir/qemu.rec"
echo "# timing: --ovn-no-wait: qemu started $(( $(ovn_now_ms) - t0 )) ms after the launch"
ifc=$(ovn_iface 1 late)
check_cmd "no wait: the port exists" test -n "$ifc"
check_eq "no wait: not installed" '"ovn_installed":false' \
	"$(ovn_in 1 "$XKVM" tap-control list | grep '"kind":"ovs-port"' | grep -o '"ovn_installed":[a-z]*')"
check_eq "no wait: the listing" \
	"{\"kind\":\"ovs-port\",\"name\":\"$ifc\",\"bridge\":\"br-int\",\"iface_id\":\"late\",\"ofport\":$(ovn_vsctl 1 get Interface "$ifc" ofport),\"ovn_installed\":false," \
	"$(ovn_in 1 "$XKVM" tap-control list | grep '"kind":"ovs-port"' | sed 's/"owner_pid".*//')"
check_eq "no wait: vm-id and attached-mac" "vm-late 52:54:00:0b:00:02" \
	"$(ovn_vsctl 1 get Interface "$ifc" external_ids:vm-id external_ids:attached-mac | tr -d '"' | xargs)"
t0=$(ovn_now_ms)
check_cmd "no wait: logical port created" ovn_add_lsp "$ls" late 52:54:00:0b:00:02 10.89.0.2
installed() { ovn_in 1 "$XKVM" tap-control list | grep -q '"kind":"ovs-port".*"iface_id":"late","ofport":[0-9]*,"ovn_installed":true,'; }
check_cmd "no wait: the listing shows it installed" ovn_wait_for 10 installed
echo "# timing: NB lsp-add to ovn_installed in the listing: $(( $(ovn_now_ms) - t0 )) ms"
kill -TERM "$xpid"
wait "$xpid"
check_eq "no wait: xkvm dies by the TERM it forwarded" 143 "$?"
nothing_left "no wait"
check_cmd "no wait: late released" ovn_sb --timeout=10 wait-until Port_Binding late "chassis=[]"
[ "$_checks_failed" -eq 0 ] || { cat "$dir/out"; ovn_sandbox_logs 20; }
done_testing
