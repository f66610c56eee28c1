#!/bin/bash
# Runtime control of a launch by a user without root (issue 15): a real
# non-root user, granted `xkvm tap-control *` through real sudo and an ACL,
# launches a named guest (real qemu under TCG, the watch loop) with a NIC on
# a Linux bridge and one on a private Open vSwitch; every privileged step of
# `xkvm ctl` then goes through `sudo xkvm tap-control`:
#   - link net00 down/up: the guest's pings stop and resume, the host tap
#     goes down and up (tap-control link);
#   - netem (tap-control netem): the delay when the kernel has sch_netem,
#     else the same one-line refusal a root launch gives;
#   - capture -c 10 -w FILE: a pcap in the user's own file that tcpdump
#     reads, with the guest's ICMP (tap-control capture);
#   - nic move to an OVS VLAN (the pings stop; the port carries the
#     launch's owner tag) and back (they resume); a VLAN and a bridge the
#     ACL does not grant are refused and the tap stays (tap-control
#     move-nic);
#   - nic add on a Linux bridge and on OVS (sudo make-nics: the guest's new
#     NICs ping) and nic del of both (tap-control ovs-cleanup, del-nics);
#   - mirror: one line saying it needs root;
#   - a second user cannot link, netem, capture or move the first user's
#     taps, nor borrow its launch as --owner-pid; nobody can name an
#     interface xkvm did not make; a move-nic whose FROM lies is refused;
#   - SIGKILL of the launch after a nic add, then the user's `sudo xkvm
#     tap-control gc`: nothing left (taps, ports).
# Runs in a private mount namespace (tests/lib/sudo.sh) whose /dev/net/tun
# is a node of its own with mode 0666 (Debian's udev rule; this machine's
# is 0600): qemu, run by the user, opens the taps make-nics made for it.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/guest.sh"
. "$(dirname "$0")/../lib/sudo.sh"
su_setup "$@"
cd "$XKVM_TOP" || exit 2
t_start=$(date +%s%N)
guest_setup
T=$(su_dir)
U=$T/user		# the user's own directory (0700)
RUN=$U/run		# its run directory
mknod "$T/tun" c 10 200 && chmod 666 "$T/tun" && mount --bind "$T/tun" /dev/net/tun ||
	{ echo "$TEST_NAME: cannot give the user a /dev/net/tun" >&2; exit 2; }

netns_new NS
ovs_start "$NS"
lbr=xl$(rand_hex 3) lbr2=xm$(rand_hex 3) mbr=xn$(rand_hex 3) obr=xo$(rand_hex 3)
ip -n "$NS" link add "$lbr" type bridge && ip -n "$NS" addr add 10.9.0.1/24 dev "$lbr" &&
	ip -n "$NS" link set "$lbr" up &&
	ip -n "$NS" link add "$lbr2" type bridge && ip -n "$NS" addr add 10.9.2.1/24 dev "$lbr2" &&
	ip -n "$NS" link set "$lbr2" up &&
	ip -n "$NS" link add "$mbr" type bridge && ip -n "$NS" link set "$mbr" up ||
	{ echo "cannot make the Linux bridges" >&2; exit 2; }
ovs_add_br "$obr" && ovs_sync && ip -n "$NS" addr add 10.9.1.1/24 dev "$obr" &&
	ip -n "$NS" addr add 10.9.3.1/24 dev "$obr" && ip -n "$NS" link set "$obr" up ||
	{ echo "cannot make OVS bridge $obr" >&2; exit 2; }
DB=unix:$OVS_DIR/db.sock
su_acl "allow $lbr
allow $lbr2
allow $obr
vlan $obr 7
ovsdb $DB"

run_as_user() { as_user env XKVM_RUN_DIR="$RUN" "$@"; }
ctl() { as_user env XKVM_RUN_DIR="$RUN" "$XKVM" ctl "$@"; }
X() { as_user sudo -n "$XKVM" tap-control "$@"; }
X2() { as_user2 sudo -n "$XKVM" tap-control "$@"; }
# the watch loop of guest NAME (in $U): tests/lib/guest.sh
watch_count() { guest_watch_count "$1" "$U" "$2"; }
wait_watch() { guest_wait_watch "$1" "$U" "$2" "$3" "$4"; }
is_up() { ip -n "$NS" -o link show dev "$1" | grep -c '[<,]UP[,>]'; }
master_of() { ip -n "$NS" -o link show master "$1" | sed 's/^[0-9]*: \([^:@]*\).*/\1/' | tr '\n' ' ' | sed 's/ $//'; }

# The launch, as the user: its NICs through sudo make-nics.
t0=$(date +%s%N)
GUEST_RUNNER=run_as_user guest_start u "$U" --name lab --ovsdb "$DB" -n "$lbr" -n "$obr" -- \
	"xk.watch=10.9" || exit 2
if ! wait_watch u 'eth0=up' 1 90 || ! wait_watch u 'eth1=up' 1 30; then
	fail "the user's guest does not ping through both NICs"
	guest_show u "$U"
fi
echo "# timing: launch to both NICs pinging $(ms_since "$t0") ms"
lpid=$(cat "$U/u.pid")
check_eq "xkvm runs as the user" "$SU_UID" "$(stat -c %u "/proc/$lpid")"
list=$(ctl lab list); rc=$?
check_eq "ctl list as the user" "0 2" "$rc $(grep -c '^{.*}$' <<<"$list")"
tap0=$(json_field "$(sed -n 1p <<<"$list")" tap) tap1=$(json_field "$(sed -n 2p <<<"$list")" tap)
check_eq "net00's tap is $lbr's, net01's an OVS port" "$tap0 $tap1" \
	"$(master_of "$lbr") $(ovs_vsctl list-ports "$obr" | grep -x "$tap1")"
check_eq "the taps are the user's" "uid=$SU_UID uid=$SU_UID" \
	"$(for t in "$tap0" "$tap1"; do ip -n "$NS" -o link show "$t" | grep -o "uid=[0-9]*"; done | tr '\n' ' ' | sed 's/ $//')"

# link: the guest side through QMP, the host tap through sudo tap-control link
out=$(ctl lab link net00 down 2>&1); rc=$?
check_eq "link net00 down" "0 " "$rc $out"
wait_watch u 'eth0=down' 1 15 && ok "the guest's pings on eth0 stopped" ||
	fail "the guest's pings on eth0 go on after link down"
check_eq "the host tap is down (through sudo)" 0 "$(is_up "$tap0")"
check_cmd "link net00 up" ctl lab link net00 up
wait_watch u 'eth0=up' 2 15 && ok "the guest's pings on eth0 resumed" ||
	fail "the guest's pings on eth0 did not resume"
check_eq "the host tap is up again" 1 "$(is_up "$tap0")"

# netem through sudo tap-control netem
out=$(ctl lab netem net00 delay=abc 2>&1); rc=$?
check_eq "netem: a bad delay (said before sudo)" "1 xkvm: netem: bad delay 'abc' (milliseconds)" "$rc $out"
if ip netns exec "$NS" tc qdisc add dev "$mbr" root netem delay 1ms 2>/dev/null; then
	ip netns exec "$NS" tc qdisc del dev "$mbr" root
	check_cmd "netem net00 delay=200 (through sudo)" ctl lab netem net00 delay=200
	check_eq "the tap has the netem" 1 "$(ip netns exec "$NS" tc qdisc show dev "$tap0" | grep -c 'netem.*delay 200')"
	wait_watch u 'eth0=slow' 1 20 && ok "the guest's pings slowed down" || fail "no slow pings"
	check_cmd "netem net00 off" ctl lab netem net00 off
	check_eq "no netem left" 0 "$(ip netns exec "$NS" tc qdisc show dev "$tap0" | grep -c netem)"
else
	echo "# netem: this kernel has no sch_netem: only the refusal is checked"
	out=$(ctl lab netem net00 delay=200 2>&1); rc=$?
	check_eq "netem through sudo on a kernel without sch_netem: root's line" \
		"1 xkvm: cannot set netem on '$tap0': the kernel has no netem (sch_netem)" "$rc $out"
	check_eq "... show has no netem" null "$(json_field "$(ctl lab show net00)" netem)"
fi

# capture through sudo tap-control capture, into the user's own file
out=$(ctl lab capture net00 -c 10 -w "$U/c.pcap" 2>&1); rc=$?
check_eq "capture -c 10 -w FILE (through sudo)" "0 10 packet(s) captured on $tap0" "$rc $out"
check_eq "the pcap is the user's file" "$SU_UID" "$(stat -c %u "$U/c.pcap" 2>&1)"
check_eq "tcpdump -r reads 10 packets" 10 "$(tcpdump -n -r "$U/c.pcap" 2>/dev/null | grep -c .)"
check_cmd "... among them the guest's ICMP" \
	grep -q 'IP 10\.9\.0\.2 > 10\.9\.0\.1: ICMP echo request' <(tcpdump -n -r "$U/c.pcap" 2>/dev/null)
out=$(ctl lab capture "$tap1" -c 3 -w - 2>/dev/null | tcpdump -n -r - 2>/dev/null | grep -c .)
check_eq "capture -w - into tcpdump" 3 "$out"

# nic move through sudo tap-control move-nic
t0=$(date +%s%N)
check_cmd "nic move net00 to $obr,ovs-tag=7" ctl lab nic move net00 "$obr,ovs-tag=7"
check_eq "the tap is an OVS port in VLAN 7, off $lbr" "$tap0 7 " \
	"$(ovs_vsctl list-ports "$obr" | grep -x "$tap0") $(ovs_vsctl get Port "$tap0" tag) $(master_of "$lbr")"
case "$(ovs_vsctl --if-exists get Interface "$tap0" external_ids:xkvm-owner 2>/dev/null)" in
	*"xkvm:pid=$lpid,"*"uid=$SU_UID,"*) ok "... with the launch's owner tag";;
	*) fail "the moved port has no owner tag of the launch";;
esac
wait_watch u 'eth0=down' 2 15 && ok "the guest's pings of 10.9.0.1 stop in VLAN 7" ||
	fail "eth0 still pings in VLAN 7"
check_eq "show: on OVS" "$obr ovs" "$(json_field "$(ctl lab show net00)" bridge) $(json_field "$(ctl lab show net00)" kind)"
out=$(ctl lab nic move net00 "$obr,ovs-tag=8" 2>&1); rc=$?
check_eq "a VLAN the ACL does not grant: refused" \
	"1 xkvm: cannot move net00 to '$obr' (the launch's stderr says why)" "$rc $out"
check_eq "... the launch's stderr names the rule" 1 \
	"$(grep -c "may not use VLAN 8 on bridge '$obr'.*add 'vlan $obr 8 user=$SU_USER'" "$U/u.err")"
check_eq "... and the port stays in VLAN 7" 7 "$(ovs_vsctl get Port "$tap0" tag)"
check_cmd "nic move net00 back to $lbr" ctl lab nic move net00 "$lbr"
check_eq "the OVS port is gone, the tap is $lbr's again" " $tap0" \
	"$(ovs_vsctl list-ports "$obr" | grep -x "$tap0") $(master_of "$lbr")"
wait_watch u 'eth0=up' 3 20 && ok "the guest's pings on eth0 resume" || fail "eth0 does not ping again"
out=$(ctl lab nic move net00 "$mbr" 2>&1); rc=$?
check_eq "a bridge the ACL does not grant: refused" \
	"1 xkvm: cannot move net00 to '$mbr' (the launch's stderr says why)" "$rc $out"
check_eq "... the tap stays on $lbr" "$tap0" "$(master_of "$lbr")"
echo "# timing: four moves $(ms_since "$t0") ms"

# nic add / nic del through sudo make-nics, ovs-cleanup and del-nics
out=$(ctl lab nic add "$lbr2" 2>&1); rc=$?
check_eq "nic add on a Linux bridge (sudo make-nics)" "0 net02" "$rc $out"
out=$(ctl lab nic add "$obr" 2>&1); rc=$?
check_eq "nic add on OVS" "0 net03" "$rc $out"
wait_watch u 'eth2=up' 1 20 && ok "the guest's eth2 pings 10.9.2.1" || fail "no pinging eth2"
wait_watch u 'eth3=up' 1 20 && ok "the guest's eth3 pings 10.9.3.1" || fail "no pinging eth3"
tap2=$(json_field "$(ctl lab show net02)" tap) tap3=$(json_field "$(ctl lab show net03)" tap)
check_eq "the new taps carry the launch's tag" 2 \
	"$(for t in "$tap2" "$tap3"; do ip -n "$NS" -o link show "$t"; done | grep -c "alias xkvm:pid=$lpid,")"
out=$(ctl lab mirror net01 --to net03 2>&1); rc=$?
check_eq "mirror needs root" "1 xkvm: mirror needs CAP_NET_ADMIN: this launch runs without it (capture works through sudo)" "$rc $out"

# The other user, and interfaces xkvm did not make
bg_user2 sleep 600; P2=$BG
out=$(X2 link "$tap0" down 2>&1); rc=$?
check_eq "another user: link refused" "1 xkvm: refusing link on '$tap0': it belongs to uid $SU_UID" "$rc $out"
out=$(X2 netem "$tap0" delay=100 2>&1); rc=$?
check_eq "another user: netem refused" "1 xkvm: refusing netem on '$tap0': it belongs to uid $SU_UID" "$rc $out"
out=$(X2 capture "$tap0" 1 2>&1 >"$T/x.pcap"); rc=$?
check_eq "another user: capture refused" "1 xkvm: refusing capture on '$tap0': it belongs to uid $SU_UID" "$rc $out"
check_eq "... nothing captured" 0 "$(stat -c %s "$T/x.pcap")"
out=$(X2 move-nic --owner-pid "$lpid" --ovsdb "$DB" "$tap0" "$lbr" "$lbr2" 2>&1); rc=$?
check_eq "another user cannot borrow the launch as --owner-pid" \
	"1 xkvm: invalid --owner-pid '$lpid': not a live process of user '$SU_USER2' in its pid namespace" "$rc $out"
out=$(X2 move-nic --owner-pid "$P2" --ovsdb "$DB" "$tap0" "$lbr" "$lbr2" 2>&1); rc=$?
check_eq "another user's move-nic of the tap (its own pid, granted bridges): refused" \
	"1 xkvm: refusing to move '$tap0': not a tap of process $P2" "$rc $out"
out=$(X move-nic --owner-pid "$lpid" --ovsdb "$DB" "$tap0" "$lbr" "$obr,vhost-user=$U/sock" 2>&1); rc=$?
check_eq "move-nic to a vhost-user socket path: refused" \
	"2 xkvm: move-nic: FROM and TO are bridges of a tap (no vhost-user); TO changes no MAC" "$rc $out"
out=$(X move-nic --owner-pid "$lpid" --ovsdb "$DB" "$tap0" "$lbr2" "$lbr" 2>&1); rc=$?
check_eq "the owner's move-nic from where the tap is not: refused" \
	"1 xkvm: tap '$tap0' is not on bridge '$lbr2'" "$rc $out"
check_eq "... nothing moved" "$tap0" "$(master_of "$lbr")"
for m in "link $lbr down" "netem $lbr delay=1" "link xkvpz up"; do
	out=$(X $m 2>&1); rc=$?
	case $m in
	*xkvpz*) want="1 xkvm: no such tap 'xkvpz'";;
	*) want="1 xkvm: refusing ${m%% *} on '$lbr': not a tap made by xkvm";;
	esac
	check_eq "tap-control $m: refused" "$want" "$rc $out"
done
check_eq "the bridge is still up" 1 "$(is_up "$lbr")"
check_eq "tap-control capture onto a terminal: refused" 1 \
	"$(as_user_tty sudo -n "$XKVM" tap-control capture "$tap0" 1 2>&1 | grep -c 'stdout is a terminal')"
out=$(X netem "$tap0" jitter=5 2>&1); rc=$?
check_eq "tap-control netem: a jitter without a delay" "2 xkvm: netem: jitter needs a delay" "$rc $out"
check_eq "the guest still pings through eth0" 0 "$(($(watch_count u 'eth0=down') - 2))"

out=$(ctl lab nic del net02 2>&1); rc=$?
check_eq "nic del net02 (a Linux bridge NIC, through sudo)" "0 " "$rc $out"
wait_watch u 'eth2=gone' 1 10 && ok "the guest lost eth2" || fail "eth2 stays"
check_eq "its tap is gone" "" "$(ip -n "$NS" -o link show dev "$tap2" 2>/dev/null)"
out=$(ctl lab nic del net03 2>&1); rc=$?
check_eq "nic del net03 (an OVS NIC)" "0 " "$rc $out"
check_eq "its port and tap are gone" " " \
	"$(ovs_vsctl list-ports "$obr" | grep -x "$tap3") $(ip -n "$NS" -o link show dev "$tap3" 2>/dev/null)"

# SIGKILL after a nic add; the user's gc leaves nothing
check_eq "one more nic add on OVS" net04 "$(ctl lab nic add "$obr" 2>&1)"
check_eq "three taps (net00, net01, net04), two ports" "3 2" "$(tapvm_links | wc -w) $(tapvm_ports | wc -w)"
kill -KILL "$lpid"
guest_wait u "$U" 15
check_eq "the launch died by SIGKILL" 137 "$(cat "$U/u.rc")"
out=$(X gc --ovsdb "$DB" 2>&1); rc=$?
check_eq "the user's gc succeeds" "0" "$rc"
check_clean "after SIGKILL and the user's gc"
check_eq "no tap of the user left" "" "$(ip -n "$NS" -o link show | grep "uid=$SU_UID")"
[ "$_checks_failed" -eq 0 ] || guest_show u "$U"
echo "# timing: whole test $(ms_since "$t_start") ms"
done_testing
