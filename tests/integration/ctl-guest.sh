#!/bin/bash
# Runtime control of a named launch (`xkvm --name`, `xkvm ctl`) against a
# real qemu under TCG running the test guest's watch loop (xk.watch: it
# keeps pinging NET.N.1 through every ethN and prints each change), in a
# namespace with a Linux bridge and a private Open vSwitch:
#   1. --name's checks: a bad name is a usage error before anything exists;
#      a dry run shows -qmp in the run directory; the qemu line without
#      --name has no -qmp (diff-reference.sh holds it to the reference);
#   2. a guest with a NIC on each bridge: `ctl list` (one JSON object a NIC,
#      tap, bridge, kind, MAC, ofport, link, counters), `show` by id, tap and
#      MAC; `link net00 down` stops the guest's pings on eth0 and sets the
#      host tap down, `link ... up` brings them back; netem delay=200 raises
#      the guest's ping time over 200 ms and off restores it (on a kernel
#      without sch_netem: the one-line refusal, nothing changed); capture -c
#      10 writes a pcap tcpdump reads with the guest's ICMP, -w - pipes one;
#      nic move to another Linux bridge (pings stop), to an OVS VLAN where
#      another host (a second namespace) answers, and back; nic add on a
#      Linux bridge and on OVS (the guest's new NICs ping), qemu's refusal
#      rolled back, mirror of one OVS NIC to another (the Mirror row, the
#      copies seen on the output tap, off) and to a port of its own (an
#      internal port tcpdump reads; off; one left for the teardown), nic
#      del of an added and of a command-line NIC (guest
#      NIC, tap and port gone); errors: no such NIC, no
#      such launch, a second launch of the same name (nothing made), another
#      uid ("not yours", through SO_PEERCRED: the directory is opened up for
#      the check); `ctl stop 2` returns once the launch is gone (the guest
#      does not act on ACPI: killed after 2 s) and nothing is left, run
#      directory included;
#   3. SIGKILL of a named launch after two nic adds and a mirror: qemu dies
#      with it; gc leaves nothing (taps, the added OVS ports, the Mirror
#      row); a new launch of the same
#      name (q35, one reserved pcie-root-port) replaces the stale sockets:
#      nic add through the port, no second one, the root bus's NIC refused,
#      nic del; ctl kill.
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
	ip -n "$ns" addr add 10.9.3.1/24 dev "$obr" &&
	ip -n "$ns" link set "$obr" up || { echo "cannot make OVS bridge $obr" >&2; exit 2; }
# for NICs added at runtime: eth2 pings 10.9.2.1 (a second Linux bridge),
# eth3 10.9.3.1 (the OVS bridge's second address)
lbr2=xkm$(rand_hex 2)
ip -n "$ns" link add "$lbr2" type bridge && ip -n "$ns" addr add 10.9.2.1/24 dev "$lbr2" &&
	ip -n "$ns" link set "$lbr2" up || { echo "cannot make bridge $lbr2" >&2; exit 2; }

ctl() { ovs_in_ns env XKVM_RUN_DIR="$XKVM_RUN_DIR" "$XKVM" ctl "$@"; }
# the watch loop of guest NAME (in $dir): tests/lib/guest.sh
watch_count() { guest_watch_count "$1" "$dir" "$2"; }
wait_watch() { guest_wait_watch "$1" "$dir" "$2" "$3" "$4"; }

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
tap0=$(json_field "$l0" tap) tap1=$(json_field "$l1" tap)
check_eq "net00: its id, bridge, kind, MAC, link" "net00 $lbr brctl $mac0 up" \
	"$(json_field "$l0" id) $(json_field "$l0" bridge) $(json_field "$l0" kind) $(json_field "$l0" mac) $(json_field "$l0" link)"
check_eq "net01: on OVS" "net01 $obr ovs up" \
	"$(json_field "$l1" id) $(json_field "$l1" bridge) $(json_field "$l1" kind) $(json_field "$l1" link)"
check_eq "net01's ofport is its Interface's" "$(ovs_vsctl get Interface "$(json_field "$l1" tap)" ofport)" \
	"$(json_field "$l1" ofport)"
check_eq "net00 (Linux bridge) has no ofport" null "$(json_field "$l0" ofport)"
# net01 was given no MAC: list shows the one qemu chose, as the guest sees it
gmac1=$(tr -d '\r' <"$dir/one.out" | sed -n 's/^XK-RESULT nic1=eth1 mac=\([0-9a-f:]*\) .*/\1/p')
check_eq "net01: the MAC qemu chose (the guest's eth1)" "${gmac1:-none}" "$(json_field "$l1" mac)"
check_eq "show by that MAC names net01" net01 "$(json_field "$(ctl lab1 show "${gmac1:-none}")" id)"
check_eq "net00's tap is the Linux bridge's member" "$tap0" \
	"$(ip -n "$ns" -o link show master "$lbr" | sed 's/^[0-9]*: \([^:@]*\).*/\1/')"
rx=$(json_field "$l0" rx_packets)
check_cmd "net00 counts the guest's packets (rx_packets $rx)" test "${rx:-0}" -gt 0
check_eq "show by tap names net00" net00 "$(json_field "$(ctl lab1 show "$tap0")" id)"
check_eq "show by MAC (any case) names net00" net00 "$(json_field "$(ctl lab1 show "${mac0^^}")" id)"

t0=$(date +%s%N)
out=$(ctl lab1 link net00 down 2>&1); rc=$?
check_eq "link net00 down" "0 " "$rc $out"
if wait_watch one 'eth0=down' 1 15; then
	ok "the guest's pings on eth0 stopped ($(ms_since "$t0") ms)"
else
	fail "the guest's pings on eth0 go on after link down"
fi
check_eq "the host tap is down" 0 "$(ip -n "$ns" -o link show dev "$tap0" | grep -c '[<,]UP[,>]')"
check_eq "show says link down" down "$(json_field "$(ctl lab1 show net00)" link)"
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
check_eq "... and changed nothing" up "$(json_field "$(ctl lab1 show net00)" link)"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$XKVM" ctl "$XKVM_RUN_DIR/lab1.sock" list 2>&1); rc=$?
check_eq "another uid cannot reach the private directory" 1 "$rc"

# netem on net00's tap (what the host sends into the guest)
out=$(ctl lab1 netem net00 delay=abc 2>&1); rc=$?
check_eq "netem: a bad delay" "1 xkvm: netem: bad delay 'abc' (milliseconds)" "$rc $out"
out=$(ctl lab1 netem net00 speed=1 2>&1); rc=$?
check_eq "netem: an unknown key" "1 xkvm: netem: unknown 'speed' (delay, jitter, loss, rate)" "$rc $out"
out=$(ctl lab1 netem net00 loss=101 2>&1); rc=$?
check_eq "netem: loss over 100" "1 xkvm: netem: bad loss '101' (percent, 0 to 100)" "$rc $out"
# does this kernel have netem at all? (probed on a bridge of our own)
if ip netns exec "$ns" tc qdisc add dev "$lbr2" root netem delay 1ms 2>/dev/null; then
	ip netns exec "$ns" tc qdisc del dev "$lbr2" root
	t0=$(date +%s%N)
	check_cmd "netem net00 delay=200" ctl lab1 netem net00 delay=200
	check_eq "show: the netem" '{"delay_ms":200,"jitter_ms":0,"loss_pct":0,"rate_kbit":0}' \
		"$(ctl lab1 show net00 | sed -n 's/.*"netem":\({[^}]*}\).*/\1/p')"
	if wait_watch one 'eth0=slow' 1 20; then
		slow=$(tr -d '\r' <"$dir/one.out" | sed -n 's/^XK-WATCH eth0=slow ms=\([0-9]*\).*/\1/p' | head -1)
		check_cmd "netem delay=200: the guest's ping time is >= 200 ms ($slow ms)" test "$slow" -ge 200
	else
		fail "netem delay=200: the guest's pings did not slow down"
	fi
	check_cmd "netem net00 off" ctl lab1 netem net00 off
	wait_watch one 'eth0=fast' 2 20 && ok "netem off: fast again" || fail "netem off: still slow"
	check_eq "netem off: no netem on the tap" 0 "$(ip netns exec "$ns" tc qdisc show dev "$tap0" | grep -c netem)"
	check_eq "show: no netem" null "$(json_field "$(ctl lab1 show net00)" netem)"
	echo "# timing: netem on and off $(ms_since "$t0") ms"
else
	# the check that can run here: xkvm says what is missing, and changes nothing
	echo "# netem: this kernel has no sch_netem: only the refusal is checked"
	before=$(watch_count one 'eth0=slow\|eth0=down')
	out=$(ctl lab1 netem net00 delay=200 2>&1); rc=$?
	check_eq "netem without sch_netem: one clear line" \
		"1 xkvm: cannot set netem on '$tap0': the kernel has no netem (sch_netem)" "$rc $out"
	check_eq "... show has no netem" null "$(json_field "$(ctl lab1 show net00)" netem)"
	sleep 1
	check_eq "... the guest still pings eth0 fast" "$before" "$(watch_count one 'eth0=slow\|eth0=down')"
fi

# capture: a pcap tcpdump reads, with the guest's ICMP
out=$(ctl lab1 capture net00 -w "$dir/c.pcap" -c 10 2>&1); rc=$?
check_eq "capture -c 10 -w FILE" "0 10 packet(s) captured on $tap0" "$rc $out"
check_eq "tcpdump -r reads 10 packets" 10 "$(tcpdump -n -r "$dir/c.pcap" 2>/dev/null | grep -c .)"
check_cmd "... among them the guest's ICMP echo requests" \
	grep -q 'IP 10\.9\.0\.2 > 10\.9\.0\.1: ICMP echo request' <(tcpdump -n -r "$dir/c.pcap" 2>/dev/null)
out=$(ctl lab1 capture "$tap1" -c 4 -w - 2>/dev/null | tcpdump -n -r - 2>/dev/null | grep -c .)
check_eq "capture -w - into tcpdump (the OVS NIC, by tap)" 4 "$out"
out=$(ctl lab1 capture net00 -c x -w "$dir/x.pcap" 2>&1); rc=$?
check_eq "capture: a bad count" "2 xkvm: capture: bad -c 'x' (a packet count)" "$rc $out"

# nic move: net00 to another Linux bridge and back, to an OVS VLAN and back.
# In VLAN 7 of the OVS bridge another host answers 10.9.0.1: a veth into a
# second namespace, with the Linux bridge's MAC (the guest's ARP entry holds).
netns_new peer
ip -n "$ns" link add xkvpa type veth peer name xkvpb netns "$peer" &&
	ip -n "$peer" link set xkvpb address "$(ip -n "$ns" -o link show "$lbr" | sed 's/.*link\/ether \([0-9a-f:]*\).*/\1/')" &&
	ip -n "$peer" addr add 10.9.0.1/24 dev xkvpb && ip -n "$peer" link set xkvpb up &&
	ip -n "$ns" link set xkvpa up && ovs_vsctl add-port "$obr" xkvpa tag=7 ||
	fail "cannot make the VLAN 7 peer"
when_finished "ovs_vsctl --if-exists del-port xkvpa"
peer_rx() { ip -n "$peer" -o -s link show xkvpb | sed 's/.*RX: *[a-z ]*\\ *[0-9]* *\([0-9]*\).*/\1/'; }
t0=$(date +%s%N)
check_cmd "nic move net00 to $lbr2" ctl lab1 nic move net00 "$lbr2"
check_eq "the tap is $lbr2's member now" "$tap0" \
	"$(ip -n "$ns" -o link show master "$lbr2" | sed 's/^[0-9]*: \([^:@]*\).*/\1/')"
check_eq "show: bridge $lbr2" "$lbr2 brctl" "$(json_field "$(ctl lab1 show net00)" bridge) $(json_field "$(ctl lab1 show net00)" kind)"
wait_watch one 'eth0=down' 2 15 && ok "the guest's pings of 10.9.0.1 stop there" || fail "eth0 still pings on $lbr2"
check_cmd "nic move net00 to $obr,ovs-tag=7" ctl lab1 nic move net00 "$obr,ovs-tag=7"
check_eq "the tap is an OVS port in VLAN 7" "$tap0 7" "$(ovs_vsctl list-ports "$obr" | grep -x "$tap0") $(ovs_vsctl get Port "$tap0" tag)"
case "$(ovs_vsctl --if-exists get Interface "$tap0" external_ids:xkvm-owner 2>/dev/null)" in
	*"xkvm:pid=$(cat "$dir/one.pid"),"*) ok "... with the launch's owner tag";;
	*) fail "the moved port has no owner tag";;
esac
rx0=$(peer_rx)
if wait_watch one 'eth0=up' 3 20; then
	sleep 1
	rx1=$(peer_rx)
	check_cmd "in VLAN 7 the other host answers (its rx $rx0 -> $rx1)" test "$rx1" -gt "$rx0"
else
	fail "the guest does not reach the VLAN 7 peer"
fi
check_eq "show: on OVS" "$obr ovs" "$(json_field "$(ctl lab1 show net00)" bridge) $(json_field "$(ctl lab1 show net00)" kind)"
check_cmd "nic move net00 back to $lbr" ctl lab1 nic move net00 "$lbr"
check_eq "the OVS port is gone" "" "$(ovs_vsctl list-ports "$obr" | grep -x "$tap0")"
check_eq "the tap is $lbr's member again" "$tap0" \
	"$(ip -n "$ns" -o link show master "$lbr" | sed 's/^[0-9]*: \([^:@]*\).*/\1/')"
echo "# timing: three moves $(ms_since "$t0") ms"
out=$(ctl lab1 nic move net00 "$lbr,mac=:01" 2>&1); rc=$?
check_eq "nic move: the MAC cannot change" "1 xkvm: nic move: only the bridge and ovs-* options can change, in '$lbr,mac=:01'" "$rc $out"
ovs_vsctl del-port xkvpa && ip -n "$ns" link del xkvpa

# nic add / nic del on the running guest
t0=$(date +%s%N)
mac2=52:54:00:$(rand_hex 1):$(rand_hex 1):$(rand_hex 1)
out=$(ctl lab1 nic add "$lbr2,mac=$mac2" 2>&1); rc=$?
check_eq "nic add on a Linux bridge prints the new id" "0 net02" "$rc $out"
if wait_watch one "eth2=new mac=$mac2" 1 15 && wait_watch one 'eth2=up' 1 15; then
	ok "the guest got eth2 with the MAC and it pings 10.9.2.1 ($(ms_since "$t0") ms)"
else
	fail "no pinging eth2 after nic add"
fi
l2=$(ctl lab1 show net02)
tap2=$(json_field "$l2" tap)
check_eq "net02 is on $lbr2, its tap the bridge's member" "$lbr2 $tap2" \
	"$(json_field "$l2" bridge) $(ip -n "$ns" -o link show master "$lbr2" | sed 's/^[0-9]*: \([^:@]*\).*/\1/')"
check_eq "the new tap carries the launch's owner tag" 1 \
	"$(ip -n "$ns" -d -o link show dev "$tap2" | grep -c "alias xkvm:pid=$(cat "$dir/one.pid"),")"
t0=$(date +%s%N)
out=$(ctl lab1 nic add "$obr" 2>&1); rc=$?
check_eq "nic add on OVS prints the new id" "0 net03" "$rc $out"
if wait_watch one 'eth3=up' 1 20; then
	ok "the guest got eth3 on OVS and it pings 10.9.3.1 ($(ms_since "$t0") ms)"
else
	fail "no pinging eth3 after nic add on OVS"
fi
tap3=$(json_field "$(ctl lab1 show net03)" tap)
case "$(ovs_vsctl --if-exists get Interface "$tap3" external_ids:xkvm-owner 2>/dev/null)" in
	*"xkvm:pid=$(cat "$dir/one.pid"),"*) ok "the new OVS port carries the launch's owner tag";;
	*) fail "the new OVS port '$tap3' has no owner tag of the launch";;
esac
# mirror: net01's traffic (eth1, 10.9.1.2) copied to net03's port
mirrors() { ovs_vsctl --bare --columns=name list Mirror | grep -v '^$' | tr '\n' ' ' | sed 's/ $//'; }
out=$(ctl lab1 mirror net00 --to net03 2>&1); rc=$?
check_eq "mirror: a Linux bridge NIC is refused" "1 xkvm: mirror: net00 and net03 must be two NICs on Open vSwitch" "$rc $out"
check_cmd "mirror net01 --to net03" ctl lab1 mirror net01 --to net03
check_eq "an OVS Mirror row xkvm-$tap1" "xkvm-$tap1" "$(mirrors)"
check_eq "... selecting $tap1's port both ways, out to $tap3's" \
	"$(ovs_vsctl get Port "$tap1" _uuid) $(ovs_vsctl get Port "$tap1" _uuid) $(ovs_vsctl get Port "$tap3" _uuid)" \
	"$(ovs_vsctl get Mirror "xkvm-$tap1" select_src_port | tr -d '[]') $(ovs_vsctl get Mirror "xkvm-$tap1" select_dst_port | tr -d '[]') $(ovs_vsctl get Mirror "xkvm-$tap1" output_port)"
case "$(ovs_vsctl get Mirror "xkvm-$tap1" external_ids:xkvm-owner 2>/dev/null)" in
	*"xkvm:pid=$(cat "$dir/one.pid"),"*) ok "... with the launch's owner tag";;
	*) fail "the Mirror row has no owner tag";;
esac
# eth3's own pings and ARP share the capture, and a loaded host slows the
# watch loop's eth1 pings: up to three captures of 40 packets.
for _ in 1 2 3; do
	ctl lab1 capture net03 -c 40 -w "$dir/m.pcap" >/dev/null 2>&1
	tcpdump -n -r "$dir/m.pcap" 2>/dev/null >"$dir/m.txt"
	grep -q 'IP 10\.9\.1\.2 > 10\.9\.1\.1: ICMP echo request' "$dir/m.txt" && break
done
if grep -q 'IP 10\.9\.1\.2 > 10\.9\.1\.1: ICMP echo request' "$dir/m.txt"; then
	ok "net03's tap sees eth1's mirrored ICMP"
else
	fail "net03's tap sees eth1's mirrored ICMP (the last capture's end:)"
	tail -n 12 "$dir/m.txt" | sed 's/^/  | /'
fi
check_cmd "mirror net01 off" ctl lab1 mirror net01 off
check_eq "the Mirror row is gone" "" "$(mirrors)"
# without --to: an internal port of the mirror's own, to capture on
mport=$(ctl lab1 mirror net03 2>&1); rc=$?
check_eq "mirror net03 (no --to) prints its own port" "0 xkm${tap3#tapvm}" "$rc $mport"
check_eq "... an internal port of $obr, owner-tagged" "internal 1" \
	"$(ovs_vsctl get Interface "$mport" type) $(ovs_vsctl get Interface "$mport" external_ids:xkvm-owner | grep -c "xkvm:pid=$(cat "$dir/one.pid"),")"
ip netns exec "$ns" timeout 20 tcpdump -n -c 4 -i "$mport" icmp >"$dir/m.txt" 2>/dev/null
check_cmd "tcpdump -i $mport sees eth3's ICMP" grep -q 'IP 10\.9\.3\.2 > 10\.9\.3\.1: ICMP echo request' "$dir/m.txt"
check_cmd "mirror net03 off" ctl lab1 mirror net03 off
check_eq "the Mirror row and its port are gone" " " "$(mirrors) $(ovs_vsctl list-ports "$obr" | grep '^xkm')"
check_cmd "mirror net01 again, its own port (left for the teardown)" ctl lab1 mirror net01

out=$(ctl lab1 nic add "$lbr2,bogus=1" 2>&1); rc=$?
check_eq "qemu refusing a new NIC: its message" "1 xkvm: qemu refused: Parameter 'bogus' is unexpected" "$rc $out"
check_eq "... and its tap is gone again" "" "$(ip -n "$ns" -o link show master "$lbr2" | grep -v "$tap2")"
check_eq "list: four NICs" 4 "$(ctl lab1 list | grep -c .)"
t0=$(date +%s%N)
out=$(ctl lab1 nic del net02 2>&1); rc=$?
check_eq "nic del net02" "0 " "$rc $out"
check_cmd "the guest lost eth2" wait_watch one 'eth2=gone' 1 10
check_eq "its tap is gone" "" "$(ip -n "$ns" -o link show dev "$tap2" 2>/dev/null)"
check_eq "$lbr2 has no member" "" "$(ip -n "$ns" -o link show master "$lbr2")"
check_eq "list: three NICs" "net00 net01 net03" "$(ctl lab1 list | sed 's/^{"id":"\([a-z0-9]*\)".*/\1/' | tr '\n' ' ' | sed 's/ $//')"
echo "# timing: nic del $(ms_since "$t0") ms"
out=$(ctl lab1 nic del "$mac0" 2>&1); rc=$?
check_eq "nic del of a command-line NIC (by MAC)" "0 " "$rc $out"
check_cmd "the guest lost eth0" wait_watch one 'eth0=gone' 1 10
check_eq "its tap is gone" "" "$(ip -n "$ns" -o link show dev "$tap0" 2>/dev/null)"

t0=$(date +%s%N)
out=$(ctl lab1 stop 2 2>&1); rc=$?
ms=$(ms_since "$t0")
check_eq "ctl stop 2 succeeds" "0 " "$rc $out"
check_eq "ctl stop returned after the teardown: no tap left" "" "$(tapvm_links)"
check_cmd "ctl stop took the 2 s bound, not much more ($ms ms)" test "$ms" -ge 1900 -a "$ms" -lt 8000
guest_wait one "$dir" 20
check_eq "the launch ends with qemu's SIGKILL status" 137 "$(cat "$dir/one.rc")"
check_eq "the run directory is gone" "" "$(ls -d "$XKVM_RUN_DIR" 2>/dev/null)"
check_eq "no Mirror row, no mirror port left" " " "$(mirrors) $(ovs_vsctl list-ports "$obr" | grep '^xkm')"
check_clean "after ctl stop"
[ "$_checks_failed" -eq 0 ] || guest_show one "$dir"

# 3. SIGKILL of a named launch after a nic add, gc; then a new launch of the
# same name on a q35 machine: nic add/del through a reserved pcie-root-port.
failed_before=$_checks_failed
guest_start two "$dir" --name lab1 -n "$lbr" -- "xk.watch=10.9" || exit 2
wait_watch two 'eth0=up' 1 60 || fail "guest two: eth0 does not ping"
check_eq "guest two: nic add on OVS" net01 "$(ctl lab1 nic add "$obr" 2>&1)"
check_eq "guest two: another" net02 "$(ctl lab1 nic add "$obr" 2>&1)"
check_cmd "guest two: mirror net01 --to net02" ctl lab1 mirror net01 --to net02
check_cmd "guest two: mirror net02 (its own port)" ctl lab1 mirror net02
wait_watch two 'eth1=new' 1 15 || fail "guest two: no eth1"
pid=$(cat "$dir/two.pid")
qpid=$(pgrep -P "$pid" qemu-system)
kill -KILL "$pid"
guest_wait two "$dir" 10
for i in $(seq 50); do kill -0 "$qpid" 2>/dev/null || break; sleep 0.1; done
check_cmd "qemu died with its SIGKILLed xkvm" test ! -e "/proc/$qpid"
check_eq "the stale sockets are there" "lab1.lock lab1.qmp lab1.sock" \
	"$(ls "$XKVM_RUN_DIR" | tr '\n' ' ' | sed 's/ $//')"
check_eq "the dead launch's three taps are left" 3 "$(tapvm_links | wc -w)"
check_eq "... the added OVS ports" 2 "$(tapvm_ports | wc -w)"
check_eq "... the Mirror rows and the mirror's own port" "2 1" \
	"$(mirrors | wc -w) $(ovs_vsctl list-ports "$obr" | grep -c '^xkm')"
out=$(ctl lab1 list 2>&1); rc=$?
check_eq "ctl on the dead launch: no such launch" "1 xkvm: no such launch 'lab1'" "$rc $out"
out=$(ovs_in_ns "$XKVM" tap-control gc 2>&1)
check_clean "after SIGKILL and gc"
check_eq "gc removed the stale sockets, and said so" " 1" \
	"$(ls -A "$XKVM_RUN_DIR" 2>/dev/null) $(grep -cx "removed the control sockets of dead launch 'lab1'" <<<"$out")"
check_eq "gc removed the Mirror rows and the mirror's port" " " \
	"$(mirrors) $(ovs_vsctl list-ports "$obr" | grep '^xkm')"
check_eq "gc says so" 2 "$(grep -c '^removed mirror xkvm-tapvm[0-9]* from ' <<<"$out")"

GUEST_QEMU_ARGS="-M q35" guest_start three "$dir" --name lab1 --hotplug-ports 1 -n "$lbr" -- \
	"xk.watch=10.9" || exit 2
if wait_watch three 'eth0=up' 1 60; then
	check_eq "a new launch takes the dead one's name" net00 "$(json_field "$(ctl lab1 list)" id)"
	check_eq "q35: one pcie-root-port reserved" 1 \
		"$(guest_qemu_line three "$dir" | grep -c -- '-device pcie-root-port,id=xkvm-rp0,chassis=200,slot=0 ')"
	out=$(ctl lab1 nic add "$obr" 2>&1); rc=$?	# eth1: pings 10.9.1.1
	check_eq "q35: nic add" "0 net01" "$rc $out"
	wait_watch three 'eth1=up' 1 20 && ok "q35: the new NIC pings" || fail "q35: the new NIC does not ping"
	out=$(ctl lab1 nic add "$lbr2" 2>&1); rc=$?
	check_eq "q35: no free port left" "1 xkvm: no free pcie-root-port left for a new NIC (1 reserved: see --hotplug-ports)" "$rc $out"
	out=$(ctl lab1 nic del net00 2>&1); rc=$?
	check_eq "q35: the root bus's NIC cannot go: qemu says why" "1 1" "$rc $(grep -c "^xkvm: qemu refused: .*hotplug" <<<"$out")"
	check_cmd "q35: nic del net01" ctl lab1 nic del net01
	wait_watch three 'eth1=gone' 1 10 && ok "q35: the guest let it go" || fail "q35: eth1 stays"
else
	fail "guest three did not start"
fi
check_cmd "ctl kill" ctl lab1 kill
guest_wait three "$dir" 20
check_eq "killed: status 137" 137 "$(cat "$dir/three.rc")"
check_eq "nothing of --name is left" "" "$(ls -d "$XKVM_RUN_DIR" 2>/dev/null)"
check_clean "after the q35 launch"
[ "$_checks_failed" -eq "$failed_before" ] || { guest_show two "$dir"; guest_show three "$dir"; }
echo "# timing: whole test $(ms_since "$t_start") ms"
done_testing
