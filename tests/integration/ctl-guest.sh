#!/bin/bash
# Runtime control of a named launch (`xkvm --name`, `xkvm ctl`) against a
# real qemu under TCG running the test guest's watch loop (xk.watch: it
# keeps pinging NET.N.1 through every ethN and prints each change), in a
# namespace with a Linux bridge and a private Open vSwitch:
#   1. --name's checks: a bad name is a usage error before anything exists;
#      a dry run shows -qmp in the run directory; the qemu line without
#      --name has no -qmp (diff-reference.sh holds it to the reference);
#   2. a guest with a NIC on each bridge: `ctl list` (one JSON object a NIC,
#      tap, bridge, kind, MAC, link, counters), `show` by id, tap and MAC;
#      `link net00 down` stops the guest's pings on eth0 and sets the host
#      tap down, `link ... up` brings them back; errors: no such NIC, no
#      such launch, a second launch of the same name (nothing made), another
#      uid ("not yours", through SO_PEERCRED: the directory is opened up for
#      the check); `ctl stop 2` returns once the launch is gone (the guest
#      does not act on ACPI: killed after 2 s) and nothing is left, run
#      directory included;
#   3. SIGKILL of a named launch: qemu dies with it; a new launch of the
#      same name replaces the stale sockets; `tap-control gc` removes the
#      dead one's tap.
# Prints "# timing:" lines.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/guest.sh"
need_root
cd "$XKVM_TOP" || exit 2
t_start=$(date +%s%N)
guest_setup
dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-ctl.XXXXXX")
when_finished "rm -rf '$dir'"
chmod 755 "$dir"
export XKVM_RUN_DIR=$dir/run
netns_new ns
ovs_start "$ns"
lbr=xkl$(rand_hex 2)
obr=xko$(rand_hex 2)
ip -n "$ns" link add "$lbr" type bridge && ip -n "$ns" addr add 10.9.0.1/24 dev "$lbr" &&
	ip -n "$ns" link set "$lbr" up || { echo "cannot make bridge $lbr" >&2; exit 2; }
ovs_add_br "$obr" && ovs_sync && ip -n "$ns" addr add 10.9.1.1/24 dev "$obr" &&
	ip -n "$ns" link set "$obr" up || { echo "cannot make OVS bridge $obr" >&2; exit 2; }

ctl() { ovs_in_ns env XKVM_RUN_DIR="$XKVM_RUN_DIR" "$XKVM" ctl "$@"; }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# watch_count NAME REGEX: how many XK-WATCH lines of guest NAME match
watch_count() { tr -d '\r' <"$dir/$1.out" | grep -a '^XK-WATCH ' | grep -ac -- "$2"; }
# wait_watch NAME REGEX COUNT SECS: until COUNT lines match
wait_watch() {
	local deadline=$(($(date +%s) + $4))
	while [ "$(watch_count "$1" "$2")" -lt "$3" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
field() { sed -n "s/.*\"$2\":\\(\"[^\"]*\"\\|[a-z0-9]*\\).*/\\1/p" <<<"$1" | tr -d '"'; }

# 1. The option's checks.
out=$(ovs_in_ns "$XKVM" --name '-bad' --dry-run -n "$lbr" 2>&1); rc=$?
check_eq "a bad --name is a usage error" "2 xkvm: invalid --name '-bad': 1 to 32 letters, digits, '_', '.' or '-', not starting with '.' or '-'" "$rc $out"
check_eq "... before anything exists" "" "$(tapvm_links)"
out=$(ovs_in_ns env XKVM_RUN_DIR="$XKVM_RUN_DIR" "$XKVM" --name lab1 --dry-run -n "$lbr" 2>&1)
check_eq "a dry run with --name shows qemu's QMP socket" 1 \
	"$(grep -c -- "-qmp unix:$XKVM_RUN_DIR/lab1.qmp,server=on,wait=off" <<<"$out")"
out=$(ovs_in_ns "$XKVM" --dry-run -n "$lbr" 2>&1)
check_eq "without --name, no -qmp" 0 "$(grep -c -- '-qmp' <<<"$out")"

# 2. A guest with a NIC on each bridge.
t0=$(date +%s%N)
mac0=52:54:00:$(rand_hex 1):$(rand_hex 1):$(rand_hex 1)
guest_start one "$dir" --name lab1 -n "$lbr,mac=$mac0" -n "$obr" -- "xk.watch=10.9" || exit 2
if ! wait_watch one 'eth0=up' 1 60 || ! wait_watch one 'eth1=up' 1 20; then
	fail "guest one: its watch loop does not ping through both NICs"
	guest_show one "$dir"
fi
echo "# timing: launch to both NICs pinging $(ms_since "$t0") ms"
check_eq "the run directory holds the lock and both sockets" "lab1.lock lab1.qmp lab1.sock" \
	"$(ls "$XKVM_RUN_DIR" | tr '\n' ' ' | sed 's/ $//')"
check_eq "the run directory is private" 700 "$(stat -c %a "$XKVM_RUN_DIR")"
check_eq "the control socket is 0600" 600 "$(stat -c %a "$XKVM_RUN_DIR/lab1.sock")"
list=$(ctl lab1 list); rc=$?
check_eq "ctl list succeeds with a line a NIC" "0 2" "$rc $(grep -c '^{.*}$' <<<"$list")"
l0=$(sed -n 1p <<<"$list") l1=$(sed -n 2p <<<"$list")
tap0=$(field "$l0" tap) tap1=$(field "$l1" tap)
check_eq "net00: its id, bridge, kind, MAC, link" "net00 $lbr brctl $mac0 up" \
	"$(field "$l0" id) $(field "$l0" bridge) $(field "$l0" kind) $(field "$l0" mac) $(field "$l0" link)"
check_eq "net01: on OVS" "net01 $obr ovs up" \
	"$(field "$l1" id) $(field "$l1" bridge) $(field "$l1" kind) $(field "$l1" link)"
check_eq "net00's tap is the Linux bridge's member" "$tap0" \
	"$(ip -n "$ns" -o link show master "$lbr" | sed 's/^[0-9]*: \([^:@]*\).*/\1/')"
rx=$(field "$l0" rx_packets)
check_cmd "net00 counts the guest's packets (rx_packets $rx)" test "${rx:-0}" -gt 0
check_eq "show by tap names net00" net00 "$(field "$(ctl lab1 show "$tap0")" id)"
check_eq "show by MAC (any case) names net00" net00 "$(field "$(ctl lab1 show "${mac0^^}")" id)"

t0=$(date +%s%N)
out=$(ctl lab1 link net00 down 2>&1); rc=$?
check_eq "link net00 down" "0 " "$rc $out"
if wait_watch one 'eth0=down' 1 15; then
	ok "the guest's pings on eth0 stopped ($(ms_since "$t0") ms)"
else
	fail "the guest's pings on eth0 go on after link down"
fi
check_eq "the host tap is down" 0 "$(ip -n "$ns" -o link show dev "$tap0" | grep -c '[<,]UP[,>]')"
check_eq "show says link down" down "$(field "$(ctl lab1 show net00)" link)"
check_eq "eth1 was not touched" 0 "$(watch_count one 'eth1=down')"
t0=$(date +%s%N)
check_cmd "link $tap0 up (by tap)" ctl lab1 link "$tap0" up
if wait_watch one 'eth0=up' 2 15; then
	ok "the guest's pings on eth0 resumed ($(ms_since "$t0") ms)"
else
	fail "the guest's pings on eth0 did not resume after link up"
fi
check_eq "the host tap is up again" 1 "$(ip -n "$ns" -o link show dev "$tap0" | grep -c '[<,]UP[,>]')"

out=$(ctl lab1 link nosuch down 2>&1); rc=$?
check_eq "no such NIC" "1 xkvm: no such NIC 'nosuch'" "$rc $out"
out=$(ctl lab1 link net00 sideways 2>&1); rc=$?
check_eq "link neither up nor down" "1 xkvm: link: 'sideways' is neither up nor down" "$rc $out"
out=$(ctl lab1 frobnicate 2>&1); rc=$?
check_eq "unknown command" "1 xkvm: unknown command 'frobnicate'" "$rc $out"
out=$(ctl lab1 link net00 2>&1); rc=$?
check_eq "missing argument" "2 xkvm: usage: link NIC up|down" "$rc $out"
out=$(ctl lab2 list 2>&1); rc=$?
check_eq "no such launch" "1 xkvm: no such launch 'lab2'" "$rc $out"
out=$(ovs_in_ns env XKVM_RUN_DIR="$XKVM_RUN_DIR" "$XKVM" --name lab1 --accel=tcg -n "$lbr" -- -m 64 2>&1); rc=$?
check_eq "a second launch of the same name fails" "1 xkvm: a launch named 'lab1' is running" "$rc $out"
check_eq "... and made no tap" "$(printf '%s\n' "$tap0" "$tap1" | sort | tr '\n' ' ')" "$(tapvm_links)"
# another uid: open the way to the socket, SO_PEERCRED must still refuse
chmod 711 "$XKVM_RUN_DIR" && chmod 666 "$XKVM_RUN_DIR/lab1.sock"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$XKVM" ctl "$XKVM_RUN_DIR/lab1.sock" link net00 down 2>&1); rc=$?
check_eq "another uid is refused" "1 xkvm: not yours" "$rc $out"
chmod 700 "$XKVM_RUN_DIR" && chmod 600 "$XKVM_RUN_DIR/lab1.sock"
check_eq "... and changed nothing" up "$(field "$(ctl lab1 show net00)" link)"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$XKVM" ctl "$XKVM_RUN_DIR/lab1.sock" list 2>&1); rc=$?
check_eq "another uid cannot reach the private directory" 1 "$rc"

t0=$(date +%s%N)
out=$(ctl lab1 stop 2 2>&1); rc=$?
ms=$(ms_since "$t0")
check_eq "ctl stop 2 succeeds" "0 " "$rc $out"
check_eq "ctl stop returned after the teardown: no tap left" "" "$(tapvm_links)"
check_cmd "ctl stop took the 2 s bound, not much more ($ms ms)" test "$ms" -ge 1900 -a "$ms" -lt 8000
guest_wait one "$dir" 20
check_eq "the launch ends with qemu's SIGKILL status" 137 "$(cat "$dir/one.rc")"
check_eq "the run directory is gone" "" "$(ls -d "$XKVM_RUN_DIR" 2>/dev/null)"
check_clean "after ctl stop"
[ "$_checks_failed" -eq 0 ] || guest_show one "$dir"

# 3. SIGKILL of a named launch, then a new one of the same name, then gc.
failed_before=$_checks_failed
guest_start two "$dir" --name lab1 --skip-reap -n "$lbr" -- "xk.watch=10.9" || exit 2
wait_watch two 'eth0=up' 1 60 || fail "guest two: eth0 does not ping"
pid=$(cat "$dir/two.pid")
qpid=$(pgrep -P "$pid" qemu-system)
kill -KILL "$pid"
guest_wait two "$dir" 10
for i in $(seq 50); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
check_cmd "qemu died with its SIGKILLed xkvm" test ! -e "/proc/$qpid"
check_eq "the stale sockets are there" "lab1.lock lab1.qmp lab1.sock" \
	"$(ls "$XKVM_RUN_DIR" | tr '\n' ' ' | sed 's/ $//')"
stale=$(tapvm_links)
check_cmd "the dead launch's tap is left ($stale)" test -n "$stale"
out=$(ctl lab1 list 2>&1); rc=$?
check_eq "ctl on the dead launch: no such launch" "1 xkvm: no such launch 'lab1'" "$rc $out"
guest_start three "$dir" --name lab1 --skip-reap -n "$lbr" -- "xk.watch=10.9" || exit 2
if guest_wait_for three "$dir" XK-START 60; then
	check_eq "a new launch takes the dead one's name" net00 "$(field "$(ctl lab1 list)" id)"
else
	fail "guest three did not start"
fi
check_cmd "ctl kill" ctl lab1 kill
guest_wait three "$dir" 20
check_eq "killed: status 137" 137 "$(cat "$dir/three.rc")"
out=$(ovs_in_ns "$XKVM" tap-control gc 2>&1)
check_eq "gc removes the SIGKILLed launch's tap" "" "$(tapvm_links)"
check_eq "nothing of --name is left" "" "$(ls -d "$XKVM_RUN_DIR" 2>/dev/null)"
check_clean "after SIGKILL and gc"
[ "$_checks_failed" -eq "$failed_before" ] || { guest_show two "$dir"; guest_show three "$dir"; }
echo "# timing: whole test $(ms_since "$t_start") ms"
done_testing
