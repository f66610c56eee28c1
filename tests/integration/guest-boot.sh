#!/bin/bash
# The test guest itself (tools/build-guest.sh, tests/guest/init), without
# xkvm: boots it under TCG on a tap of a Linux bridge in a namespace, and
# checks its verdict lines: ping to the bridge, 1 MiB over TCP to a host
# listener (count and md5); a guest whose jobs fail still reports and powers
# off; then two guests on one bridge, one listening, one sending.  Prints the boot-to-poweroff times.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/guest.sh"
need_root
cd "$XKVM_TOP" || exit 2

guest_setup
check_cmd "guest kernel built" test -s "$XK_GUEST_KERNEL"
check_cmd "guest initrd built" test -s "$XK_GUEST_INITRD"

dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-guest.XXXXXX")
when_finished "rm -rf '$dir'"
netns_new ns
br=br$(rand_hex 2)
ip -n "$ns" link add "$br" type bridge
ip -n "$ns" addr add 10.0.0.1/24 dev "$br"
ip -n "$ns" link set "$br" up

# new_tap VAR: a tap on the bridge, up
new_tap() {
	local t=tap$(rand_hex 3)
	ip -n "$ns" tuntap add mode tap name "$t" &&
		ip -n "$ns" link set "$t" master "$br" &&
		ip -n "$ns" link set "$t" up || { echo "cannot make tap $t" >&2; exit 2; }
	printf -v "$1" '%s' "$t"
}
rand_mac() { printf '52:54:00:%s:%s:%s' "$(rand_hex 1)" "$(rand_hex 1)" "$(rand_hex 1)"; }

# boot_guest NAME TAP MAC XK-ARGS: starts the guest in the background,
# console in $dir/NAME.console, exit status in $dir/NAME.rc, wall time in
# $dir/NAME.time; its pid in $guest_pid.
boot_guest() {
	local name=$1 tap=$2 mac=$3 args=$4
	(
		start=$(date +%s%N)
		ip netns exec "$ns" timeout --kill-after=5 90 \
			qemu-system-x86_64 -accel tcg -m 256 -nographic -no-reboot \
			-kernel "$XK_GUEST_KERNEL" -initrd "$XK_GUEST_INITRD" \
			-append "console=ttyS0 quiet panic=-1 xk.wait=30 xk.timeout=75 $args" \
			-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no,vnet_hdr=off" \
			-device "virtio-net-pci,netdev=n0,mac=$mac" \
			</dev/null >"$dir/$name.raw" 2>&1
		echo $? >"$dir/$name.rc"
		echo $((($(date +%s%N) - start) / 1000000)) >"$dir/$name.time"
		tr -d '\r' <"$dir/$name.raw" >"$dir/$name.console"
	) &
	guest_pid=$!
	kill_at_exit $guest_pid
}

# verdict NAME KEY: the fields of NAME's "XK-RESULT KEY=..." line
verdict() { sed -n "s/^XK-RESULT $2=//p" "$dir/$1.console" | head -n 1; }
show_console() { sed 's/^/    console: /' "$dir/$1.console" | grep -a 'XK-\|Kernel panic\|error' >&2; }

# 1. One guest: ping the bridge, send 1 MiB to a listener in the namespace.
bytes=1048576
mkfifo "$dir/host.in"
# stdin that never ends: busybox nc must not half-close before the guest sends
ip netns exec "$ns" timeout 85 busybox nc -l -p 5000 0<>"$dir/host.in" >"$dir/host.rx" 2>"$dir/host.err" &
listener=$!
kill_at_exit $listener
new_tap tap
mac=$(rand_mac)
boot_guest one "$tap" "$mac" "xk.ip0=10.0.0.2/24 xk.ping0=10.0.0.1 xk.nc=10.0.0.1:5000 xk.ncbytes=$bytes"
wait "$guest_pid"
wait "$listener"
check_eq "guest one: qemu exits 0" 0 "$(cat "$dir/one.rc")"
check_eq "guest one: done" "status=ok" "$(sed -n 's/^XK-DONE \(status=[a-z]*\).*/\1/p' "$dir/one.console")"
check_eq "guest one: modules loaded" ok "$(verdict one modules | cut -d' ' -f1)"
check_eq "guest one: eth0 has the MAC given to qemu" "eth0 mac=$mac" "$(verdict one nic0 | cut -d' ' -f1-2)"
check_eq "guest one: address" ok "$(verdict one ip0 | cut -d' ' -f1)"
check_eq "guest one: ping to the bridge" ok "$(verdict one ping0 | cut -d' ' -f1)"
nc_line=$(verdict one nc)
check_eq "guest one: nc verdict" ok "$(echo "$nc_line" | cut -d' ' -f1)"
check_eq "guest one: nc sent bytes" "$bytes" "$(guest_field "$nc_line" bytes)"
check_eq "host listener received bytes" "$bytes" "$(wc -c <"$dir/host.rx")"
check_eq "host listener md5 = guest's" "$(guest_field "$nc_line" md5)" "$(md5sum <"$dir/host.rx" | cut -d' ' -f1)"
[ "$_checks_failed" -eq 0 ] || { show_console one; cat "$dir/host.err" >&2; }
guest_up=$(sed -n 's/^XK-DONE .*uptime=\([0-9.]*\).*/\1/p' "$dir/one.console")
echo "# timing: one guest, qemu start to exit $(cat "$dir/one.time") ms; in-guest uptime at XK-DONE ${guest_up}s"

# 2. Failures are reported, and the guest still powers off: a second NIC
# that is not there, a peer that does not answer, a port nobody listens on,
# a listener that reads a little and resets the connection (busybox nc ends
# with status 0 on a reset: the guest must not take that for a receipt).
failed_before=$_checks_failed
ip netns exec "$ns" timeout 60 python3 -c '
import socket, struct
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.1", 5998))
s.listen(1)
c, _ = s.accept()
c.recv(100)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()' 2>"$dir/reset.err" &
resetter=$!
kill_at_exit $resetter
boot_guest neg "$tap" "$(rand_mac)" "xk.wait=2 xk.ip0=10.0.0.2/24 xk.ip1=10.0.1.2/24 xk.ping0=10.0.0.99 xk.nc=10.0.0.1:5999,10.0.0.1:5998 xk.ncbytes=1000"
wait "$guest_pid"
wait "$resetter"
check_eq "resetting listener: accepted and reset" "0 " "$? $(cat "$dir/reset.err")"
check_eq "failing guest: qemu exits 0" 0 "$(cat "$dir/neg.rc")"
check_eq "failing guest: done, status fail" "status=fail" "$(sed -n 's/^XK-DONE \(status=[a-z]*\).*/\1/p' "$dir/neg.console")"
check_eq "failing guest: address on eth0" ok "$(verdict neg ip0 | cut -d' ' -f1)"
check_eq "failing guest: no eth1" "fail dev=eth1 addr=10.0.1.2/24 reason=nodev" "$(verdict neg ip1 | cut -d' ' -f1-4)"
check_eq "failing guest: ping to nobody" fail "$(verdict neg ping0 | cut -d' ' -f1)"
check_eq "failing guest: nc to a closed port" fail "$(verdict neg nc | cut -d' ' -f1)"
check_eq "failing guest: nc reset by the peer" "fail reason=reset" \
	"$(sed -n 's/^XK-RESULT nc=\([a-z]*\) peer=10.0.0.1:5998 .*\( reason=[a-z]*\).*/\1\2/p' "$dir/neg.console")"
[ "$_checks_failed" -eq "$failed_before" ] || show_console neg

# 3. Two guests on the bridge: B listens, A pings B and sends to it.
failed_before=$_checks_failed
new_tap tap_a
new_tap tap_b
bytes=262144
t0=$(date +%s%N)
boot_guest b "$tap_b" "$(rand_mac)" "xk.ip0=10.0.0.12/24 xk.ping0=10.0.0.1 xk.listen=5001 xk.listenbytes=$bytes"
pid_b=$guest_pid
boot_guest a "$tap_a" "$(rand_mac)" "xk.ip0=10.0.0.11/24 xk.ping0=10.0.0.12 xk.nc=10.0.0.12:5001 xk.ncbytes=$bytes"
pid_a=$guest_pid
wait "$pid_a"
wait "$pid_b"
t1=$(date +%s%N)
for g in a b; do
	check_eq "guest $g: qemu exits 0" 0 "$(cat "$dir/$g.rc")"
	check_eq "guest $g: done" "status=ok" "$(sed -n 's/^XK-DONE \(status=[a-z]*\).*/\1/p' "$dir/$g.console")"
	check_eq "guest $g: ping" ok "$(verdict "$g" ping0 | cut -d' ' -f1)"
done
sent=$(verdict a nc)
got=$(verdict b listen)
check_eq "guest a: nc verdict" ok "$(echo "$sent" | cut -d' ' -f1)"
check_eq "guest b: listen verdict" ok "$(echo "$got" | cut -d' ' -f1)"
check_eq "guest b received guest a's bytes" "$bytes $(guest_field "$sent" md5)" "$(guest_field "$got" bytes) $(guest_field "$got" md5)"
[ "$_checks_failed" -eq "$failed_before" ] || { show_console a; show_console b; }
echo "# timing: two guests, both done in $((($t1 - $t0) / 1000000)) ms (a $(cat "$dir/a.time") ms, b $(cat "$dir/b.time") ms)"

done_testing
