#!/bin/bash
# Lab ports with a real guest (issue 14): the test guest under TCG, -smp 4,
# in a namespace with a Linux bridge and an OVS (netdev datapath) bridge,
# both at MTU 9000, host addresses on both:
#   NIC 0 on the Linux bridge: mtu=9000,queues=4
#   NIC 1 on the OVS bridge:   mtu=9000
# Checks: the guest learned MTU 9000 on both NICs (host_mtu) and sees 4 rx
# queues on eth0 and one on eth1 (Linux's virtio-net uses min(queues,
# vCPUs) queue pairs: hence -smp 4); it pings both host addresses, and sends
# 1 MiB over the multi-queue NIC; the host's 8000-byte pings with
# don't-fragment reach the guest over each bridge kind (the bridge, the tap
# and the guest all take 9000).  Afterwards nothing is left.
# (ovs-ingress-rate cannot be measured here: OVS does not police taps on
# the userspace datapath, and this machine has no kernel datapath; see
# lab-ports for the warning xkvm gives.)
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/guest.sh"
need_root
cd "$XKVM_TOP" || exit 2
command -v ping >/dev/null || { echo "$TEST_NAME: ping (iputils-ping) not found" >&2; exit 2; }

guest_setup
dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-labg.XXXXXX")
when_finished "rm -rf '$dir'"
netns_new ns
ovs_start "$ns"
lbr=xgl$(rand_hex 2)
obr=xgo$(rand_hex 2)
ip -n "$ns" link add "$lbr" type bridge && ip -n "$ns" link set "$lbr" mtu 9000 &&
	ip -n "$ns" addr add 10.0.0.1/24 dev "$lbr" &&
	ip -n "$ns" link set "$lbr" up || { echo "cannot make bridge $lbr" >&2; exit 2; }
ovs_add_br "$obr" -- set Interface "$obr" mtu_request=9000 && ovs_sync ||
	{ echo "cannot make OVS bridge $obr" >&2; exit 2; }
ip -n "$ns" addr add 10.0.1.1/24 dev "$obr" && ip -n "$ns" link set "$obr" up ||
	{ echo "cannot address $obr" >&2; exit 2; }

# listen NAME PORT: a host listener in the namespace, bytes into $dir/NAME.rx
listen() {
	mkfifo "$dir/$1.in"
	ip netns exec "$ns" timeout 150 busybox nc -l -p "$2" 0<>"$dir/$1.in" \
		>"$dir/$1.rx" 2>"$dir/$1.err" &
	kill_at_exit $!
	eval "listener_$1=$!"
}

bytes=1048576
listen free 5000
GUEST_QEMU_ARGS="-smp 4" GUEST_TIMEOUT=140 guest_start g "$dir" \
	-n "$lbr,mtu=9000,queues=4" -n "$obr,mtu=9000" -- \
	"xk.ip0=10.0.0.2/24 xk.ip1=10.0.1.2/24 xk.ping0=10.0.0.1 xk.ping1=10.0.1.1" \
	"xk.nc=10.0.0.1:5000 xk.ncbytes=$bytes xk.hold=15" || exit 2

if guest_wait_for g "$dir" "XK-RESULT hold=" 130; then
	# Don't-fragment pings of 8000 bytes from the host, over each bridge
	for peer in 10.0.0.2 10.0.1.2; do
		if ip netns exec "$ns" ping -n -q -M do -s 8000 -c 3 -W 2 "$peer" >"$dir/ping" 2>&1; then
			ok "host -> guest $peer: 8000 bytes with don't-fragment"
		else
			fail "host -> guest $peer: 8000-byte DF ping: $(tail -n 2 "$dir/ping" | tr '\n' ' ')"
		fi
	done
	check_eq "the OVS tap's MTU" 9000 \
		"$(ip netns exec "$ns" cat "/sys/class/net/$(ovs_vsctl list-ports "$obr")/mtu")"
else
	fail "the guest did not reach its hold"
fi
guest_wait g "$dir" 60
check_eq "xkvm exits 0" 0 "$(cat "$dir/g.rc")"
wait "$listener_free"
check_eq "XK-DONE status" ok "$(guest_done g "$dir")"
n0=$(guest_verdict g "$dir" nic0) n1=$(guest_verdict g "$dir" nic1)
check_eq "eth0 learned MTU 9000 (host_mtu)" 9000 "$(guest_field "$n0" mtu)"
check_eq "eth1 learned MTU 9000 (host_mtu)" 9000 "$(guest_field "$n1" mtu)"
check_eq "eth0: 4 rx queues (queues=4, -smp 4)" 4 "$(guest_field "$n0" rxq)"
check_eq "eth1: 1 rx queue" 1 "$(guest_field "$n1" rxq)"
for k in ip0 ip1 ping0 ping1 nc; do
	check_eq "$k" ok "$(guest_verdict g "$dir" "$k" | cut -d' ' -f1)"
done
check_eq "the host got 1 MiB over the multi-queue NIC" "$bytes" "$(wc -c <"$dir/free.rx")"
check_eq "no tap left" "" "$(ip -n "$ns" -o link show | grep -a 'alias xkvm:')"
check_eq "no OVS port left" "" "$(ovs_vsctl list-ports "$obr")"
[ "$_checks_failed" -eq 0 ] || guest_show g "$dir"
echo "# timing: guest launch to exit $(cat "$dir/g.ms") ms"
done_testing
