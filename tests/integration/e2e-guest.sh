#!/bin/bash
# End to end: build/xkvm launches the test guest (tools/build-guest.sh) under
# TCG in a namespace with a private Open vSwitch.
#   1. one guest, a NIC on a Linux bridge and one on an OVS (netdev datapath)
#      bridge, host addresses on both bridges: it pings both and sends 1 MiB
#      over TCP to a listener on the OVS side (count and md5); while it runs,
#      the taps are xkvm's (alias, owner pid), the OVS port is tagged, the
#      OVS NIC has vnet_hdr=off (qemu's command line and the kernel's tap
#      flags) and the Linux one does not;
#   2. two guests on the OVS bridge at once: one listens, the other pings it
#      and the host and sends it 256 KiB;
#   3. the first scenario with --uefi (OVMF loads the kernel's EFI stub),
#      the stream over the Linux bridge this time, the vars in a copy;
#   4. a guest stopped by SIGTERM to xkvm while it runs.
# After each power-off nothing is left: no tap, no bridge member, no OVS port
# or Interface row, no process but the OVS daemons, nothing in tap-control list.
# Prints timings ("# timing:").
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/guest.sh"
need_root
cd "$XKVM_TOP" || exit 2
t_start=$(date +%s%N)

guest_setup
dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-e2e.XXXXXX")
when_finished "rm -rf '$dir'"
netns_new ns
ovs_start "$ns"

lbr=xkl$(rand_hex 2)
obr=xko$(rand_hex 2)
ip -n "$ns" link add "$lbr" type bridge &&
	ip -n "$ns" addr add 10.0.0.1/24 dev "$lbr" &&
	ip -n "$ns" link set "$lbr" up || { echo "cannot make bridge $lbr" >&2; exit 2; }
ovs_add_br "$obr" && ovs_sync || { echo "cannot make OVS bridge $obr" >&2; exit 2; }
# netdev datapath: the host's address goes on the bridge's internal port
ip -n "$ns" addr add 10.0.1.1/24 dev "$obr" &&
	ip -n "$ns" link set "$obr" up || { echo "cannot address $obr" >&2; exit 2; }

rand_mac() { printf '52:54:00:%s:%s:%s' "$(rand_hex 1)" "$(rand_hex 1)" "$(rand_hex 1)"; }
words() { LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }	# lines -> sorted words

# listen NAME PORT: a host listener in the namespace, bytes into $dir/NAME.rx
listen() {
	mkfifo "$dir/$1.in"
	# stdin that never ends: busybox nc must not half-close before the guest sends
	ip netns exec "$ns" timeout 100 busybox nc -l -p "$2" 0<>"$dir/$1.in" \
		>"$dir/$1.rx" 2>"$dir/$1.err" &
	listener=$!
	kill_at_exit $listener
}

# netdev_opts NAME IFNAME: the -netdev value of the tap IFNAME in NAME's qemu line
netdev_opts() {
	guest_qemu_line "$1" "$dir" | tr ' ' '\n' | grep -a "^type=tap,.*ifname=$2\(,\|\$\)" | head -n 1
}
# tap_flag IFNAME: the kernel's vnet_hdr flag of tap IFNAME (on/off)
tap_flag() {
	ip -n "$ns" -d -o link show dev "$1" 2>/dev/null | sed -n 's/.* tun type tap .*vnet_hdr \([a-z]*\).*/\1/p'
}
# owned_taps PID: the taps in the namespace tagged with owner PID
owned_taps() {
	ip -n "$ns" -o link show type tun | grep -a "alias xkvm:pid=$1," |
		sed 's/^[0-9]*: \([^:@]*\).*/\1/' | sort
}
# bridge_members: the Linux bridge's members
bridge_members() { ip -n "$ns" -o link show master "$lbr" | sed 's/^[0-9]*: \([^:@]*\).*/\1/' | sort; }
ovs_ports() { ovs_vsctl list-ports "$obr" | sort; }
iface_owner() { ovs_vsctl --if-exists get Interface "$1" external_ids:xkvm-owner 2>/dev/null | tr -d '"'; }

# nothing_left WHEN: after the guests, only what the test made is there
nothing_left() {
	local pids other p
	# the netdev datapath's own taps: ovs-netdev and the bridge's internal port
	check_eq "$1: no tap in the namespace but OVS's own" "$(printf '%s\n' "$obr" ovs-netdev | words)" \
		"$(ip -n "$ns" -o link show type tun | sed 's/^[0-9]*: \([^:@]*\).*/\1/' | words)"
	check_eq "$1: no xkvm-tagged interface" "" "$(ip -n "$ns" -o link show | grep -a 'alias xkvm:')"
	check_eq "$1: Linux bridge has no member" "" "$(bridge_members)"
	check_eq "$1: OVS bridge has no port" "" "$(ovs_ports)"
	check_eq "$1: only the bridge's own Interface row" "$obr" \
		"$(ovs_vsctl --bare --columns=name list Interface | grep -v '^$' | words)"
	check_eq "$1: tap-control list is empty" "" "$(ovs_in_ns "$XKVM" tap-control list 2>&1)"
	# processes: the OVS daemons and nothing else (no qemu, no xkvm)
	pids=$(ip netns pids "$ns" | sort -n)
	other=""
	for p in $pids; do
		[ "$p" = "$(ovs_pid server)" ] || [ "$p" = "$(ovs_pid vswitchd)" ] ||
			other="$other $p:$(cat "/proc/$p/comm" 2>/dev/null)"
	done
	check_eq "$1: no process left in the namespace but the OVS daemons" "" "$other"
}

# 1. One guest, a NIC on each bridge.
t0=$(date +%s%N)
bytes=1048576
mac0=$(rand_mac) mac1=$(rand_mac)
listen one 5000
guest_start one "$dir" -n "$lbr,mac=$mac0" -n "$obr,mac=$mac1" -- \
	"xk.ip0=10.0.0.2/24 xk.ip1=10.0.1.2/24 xk.ping0=10.0.0.1 xk.ping1=10.0.1.1" \
	"xk.nc=10.0.1.1:5000 xk.ncbytes=$bytes" || exit 2
if guest_wait_for one "$dir" XK-START 60; then
	ok "guest one: booting (XK-START $(ms_since "$t0") ms after the launch)"
	pid=$(cat "$dir/one.pid")
	check_eq "guest one: pid file names an xkvm process" xkvm "$(cat "/proc/$pid/comm" 2>/dev/null)"
	taps=$(owned_taps "$pid")
	check_eq "guest one: two taps tagged with xkvm's pid" 2 "$(echo "$taps" | grep -c .)"
	ltap=$(bridge_members)
	otap=$(ovs_ports)
	check_eq "guest one: the Linux bridge's member is one of its taps" 1 \
		"$(echo "$taps" | grep -cx -- "${ltap:-none}")"
	check_eq "guest one: the OVS port is its other tap" 1 "$(echo "$taps" | grep -cx -- "${otap:-none}")"
	case "$(iface_owner "$otap")" in
		"xkvm:pid=$pid,"*) ok "guest one: OVS Interface external_ids:xkvm-owner names xkvm's pid";;
		*) fail "guest one: OVS Interface owner tag: '$(iface_owner "$otap")'";;
	esac
	lopts=$(netdev_opts one "$ltap")
	oopts=$(netdev_opts one "$otap")
	check_eq "guest one: qemu has a netdev for the Linux tap" 1 "$(echo "$lopts" | grep -c .)"
	check_eq "guest one: the OVS tap's netdev has vnet_hdr=off" 1 "$(echo "$oopts" | grep -c 'vnet_hdr=off')"
	check_eq "guest one: the Linux tap's netdev leaves vnet_hdr alone" 0 "$(echo "$lopts" | grep -c 'vnet_hdr')"
	check_eq "guest one: the kernel's OVS tap has vnet_hdr off" off "$(tap_flag "$otap")"
	check_eq "guest one: the kernel's Linux tap has vnet_hdr on" on "$(tap_flag "$ltap")"
	check_eq "guest one: qemu line has -no-reboot, no -enable-kvm" "1 0" \
		"$(guest_qemu_line one "$dir" | grep -c -- '-no-reboot') $(guest_qemu_line one "$dir" | grep -c -- '-enable-kvm')"
else
	fail "guest one: no XK-START within 60 s"
fi
guest_wait one "$dir" 100
check_eq "guest one: xkvm exits 0" 0 "$(cat "$dir/one.rc")"
wait "$listener"
check_eq "guest one: XK-DONE status" ok "$(guest_done one "$dir")"
check_eq "guest one: eth0 has the Linux NIC's MAC" "eth0 mac=$mac0" "$(guest_verdict one "$dir" nic0 | cut -d' ' -f1-2)"
check_eq "guest one: eth1 has the OVS NIC's MAC" "eth1 mac=$mac1" "$(guest_verdict one "$dir" nic1 | cut -d' ' -f1-2)"
for k in ip0 ip1 ping0 ping1 nc; do
	check_eq "guest one: $k" ok "$(guest_verdict one "$dir" "$k" | cut -d' ' -f1)"
done
nc_line=$(guest_verdict one "$dir" nc)
check_eq "guest one: host listener on the OVS side got the bytes" "$bytes" "$(wc -c <"$dir/one.rx")"
check_eq "guest one: host listener's md5 = guest's" "$(guest_field "$nc_line" md5)" \
	"$(md5sum <"$dir/one.rx" | cut -d' ' -f1)"
nothing_left "after guest one"
[ "$_checks_failed" -eq 0 ] || guest_show one "$dir"
echo "# timing: one guest (Linux+OVS NICs) launch to exit $(cat "$dir/one.ms") ms;" \
	"in-guest uptime at XK-DONE $(sed -n 's/^XK-DONE .*uptime=\([0-9.]*\).*/\1/p' "$dir/one.console") s"

# 2. Two guests on the OVS bridge: B listens, A pings B and the host, sends to B.
failed_before=$_checks_failed
bytes=262144
t0=$(date +%s%N)
guest_start b "$dir" -n "$obr,mac=$(rand_mac)" -- \
	"xk.ip0=10.0.1.12/24 xk.ping0=10.0.1.1 xk.listen=5001 xk.listenbytes=$bytes" || exit 2
guest_start a "$dir" -n "$obr,mac=$(rand_mac)" -- \
	"xk.ip0=10.0.1.11/24 xk.ping0=10.0.1.12,10.0.1.1 xk.nc=10.0.1.12:5001 xk.ncbytes=$bytes" || exit 2
if guest_wait_for a "$dir" XK-START 60 && guest_wait_for b "$dir" XK-START 60; then
	pid_a=$(cat "$dir/a.pid") pid_b=$(cat "$dir/b.pid")
	tap_a=$(owned_taps "$pid_a") tap_b=$(owned_taps "$pid_b")
	check_eq "guests a, b: both taps are ports of the OVS bridge" \
		"$(printf '%s\n' "$tap_a" "$tap_b" | sort)" "$(ovs_ports)"
	case "$(iface_owner "$tap_a") $(iface_owner "$tap_b")" in
		"xkvm:pid=$pid_a,"*" xkvm:pid=$pid_b,"*) ok "guests a, b: each port tagged with its own xkvm";;
		*) fail "guests a, b: owner tags '$(iface_owner "$tap_a")' '$(iface_owner "$tap_b")'";;
	esac
	for g in a b; do
		eval "t=\$tap_$g"
		check_eq "guest $g: its netdev has vnet_hdr=off" 1 "$(netdev_opts "$g" "$t" | grep -c 'vnet_hdr=off')"
	done
else
	fail "guests a, b: no XK-START within 60 s"
fi
guest_wait a "$dir" 100
guest_wait b "$dir" 100
echo "# timing: two guests on the OVS bridge, both done in $(ms_since "$t0") ms" \
	"(a $(cat "$dir/a.ms") ms, b $(cat "$dir/b.ms") ms)"
for g in a b; do
	check_eq "guest $g: xkvm exits 0" 0 "$(cat "$dir/$g.rc")"
	check_eq "guest $g: XK-DONE status" ok "$(guest_done "$g" "$dir")"
done
check_eq "guest a: pings b and the host" "ok ok" \
	"$(sed -n 's/^XK-RESULT ping0=\([a-z]*\) .*/\1/p' "$dir/a.console" | tr '\n' ' ' | sed 's/ $//')"
check_eq "guest b: pings the host" ok "$(guest_verdict b "$dir" ping0 | cut -d' ' -f1)"
sent=$(guest_verdict a "$dir" nc)
got=$(guest_verdict b "$dir" listen)
check_eq "guest a: nc verdict" ok "$(echo "$sent" | cut -d' ' -f1)"
check_eq "guest b: listen verdict" ok "$(echo "$got" | cut -d' ' -f1)"
check_eq "guest b received guest a's bytes" "$bytes $(guest_field "$sent" md5)" \
	"$(guest_field "$got" bytes) $(guest_field "$got" md5)"
nothing_left "after guests a, b"
[ "$_checks_failed" -eq "$failed_before" ] || { guest_show a "$dir"; guest_show b "$dir"; }

# 3. --uefi: OVMF boots the kernel (its EFI stub) from qemu's -kernel.  With
# --uefi-nvram a copy of the vars template: plain --uefi would hand qemu the
# system's template itself, writable (as the reference does).
failed_before=$_checks_failed
vars_md5=$(md5sum </usr/share/OVMF/OVMF_VARS.fd | cut -d' ' -f1)
bytes=524288
mac0=$(rand_mac) mac1=$(rand_mac)
listen uefi 5002
# not quiet: the kernel's "efi: EFI v..." line proves the firmware
GUEST_APPEND_BASE="console=ttyS0 panic=-1" guest_start uefi "$dir" --uefi-nvram="$dir/vars.fd" \
	-n "$lbr,mac=$mac0" -n "$obr,mac=$mac1" -- \
	"xk.ip0=10.0.0.3/24 xk.ip1=10.0.1.3/24 xk.ping0=10.0.0.1 xk.ping1=10.0.1.1" \
	"xk.nc=10.0.0.1:5002 xk.ncbytes=$bytes" || exit 2
guest_wait uefi "$dir" 120
check_eq "uefi guest: xkvm exits 0" 0 "$(cat "$dir/uefi.rc")"
wait "$listener"
check_eq "uefi guest: qemu line has OVMF code and the vars copy as pflash" 1 \
	"$(guest_qemu_line uefi "$dir" | grep -c "if=pflash.*OVMF_CODE.*if=pflash.*file=$dir/vars.fd")"
check_eq "uefi guest: the system's vars template is untouched" "$vars_md5" \
	"$(md5sum </usr/share/OVMF/OVMF_VARS.fd | cut -d' ' -f1)"
check_eq "uefi guest: the kernel booted through EFI" 1 "$(grep -ac '^\[ *[0-9.]*\] efi: EFI v' "$dir/uefi.console")"
check_eq "uefi guest: XK-DONE status" ok "$(guest_done uefi "$dir")"
for k in ip0 ip1 ping0 ping1 nc; do
	check_eq "uefi guest: $k" ok "$(guest_verdict uefi "$dir" "$k" | cut -d' ' -f1)"
done
nc_line=$(guest_verdict uefi "$dir" nc)
check_eq "uefi guest: host listener on the Linux side got the bytes and md5" \
	"$bytes $(guest_field "$nc_line" md5)" "$(wc -c <"$dir/uefi.rx") $(md5sum <"$dir/uefi.rx" | cut -d' ' -f1)"
nothing_left "after the uefi guest"
[ "$_checks_failed" -eq "$failed_before" ] || guest_show uefi "$dir"
echo "# timing: uefi guest launch to exit $(cat "$dir/uefi.ms") ms;" \
	"in-guest uptime at XK-DONE $(sed -n 's/^XK-DONE .*uptime=\([0-9.]*\).*/\1/p' "$dir/uefi.console") s"
# 4. Stopped mid-run (what ^C does to the demo): SIGTERM to xkvm while the
# guest boots; xkvm stops qemu, tears down and dies by the signal.
failed_before=$_checks_failed
guest_start term "$dir" -n "$lbr,mac=$(rand_mac)" -n "$obr,mac=$(rand_mac)" -- \
	"xk.ip0=10.0.0.4/24 xk.ping0=10.0.0.1" || exit 2
if guest_wait_for term "$dir" XK-START 60; then
	check_eq "stopped guest: its taps exist while it runs" 2 "$(owned_taps "$(cat "$dir/term.pid")" | grep -c .)"
	t0=$(date +%s%N)
	kill -TERM "$(cat "$dir/term.pid")"
	guest_wait term "$dir" 30
	echo "# timing: SIGTERM to xkvm exit $(ms_since "$t0") ms"
	check_eq "stopped guest: xkvm dies by SIGTERM" 143 "$(cat "$dir/term.rc")"
	check_eq "stopped guest: no XK-DONE" "" "$(guest_done term "$dir")"
else
	fail "stopped guest: no XK-START within 60 s"
	guest_wait term "$dir" 100
fi
nothing_left "after the stopped guest"
[ "$_checks_failed" -eq "$failed_before" ] || guest_show term "$dir"

echo "# timing: whole test $(ms_since "$t_start") ms"

done_testing
