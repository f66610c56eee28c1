#!/bin/bash
# Ingress policing that Open vSwitch enforces (issue 14): on a DPDK
# ovs-vswitchd (ovs_start_dpdk), a guest's vhost-user NIC with
# ovs-ingress-rate=R,ovs-ingress-burst=B sends 2 MiB over TCP to the host;
# it must take at least (bits - burst) / rate.  The same 2 MiB over the
# guest's unpoliced Linux-bridge NIC must take less, or the test cannot
# tell the policer from the emulator.  (On the userspace datapath OVS does
# not police taps: lab-ports checks the warning xkvm gives there.)
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/guest.sh"
need_root
cd "$XKVM_TOP" || exit 2

guest_setup
dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-labd.XXXXXX") || exit 2
when_finished "rm -rf '$dir'"
export XKVM_RUN_DIR=$dir/run
netns_new ns
ovs_start_dpdk "$ns"
r=$(rand_hex 2)
vbr=xdv$r lbr=xdl$r
ovs_add_br "$vbr" && ovs_sync || { echo "cannot make the OVS bridge" >&2; exit 2; }
ip -n "$ns" link add "$lbr" type bridge && ip -n "$ns" link set "$lbr" up &&
	ip -n "$ns" addr add 10.0.0.1/24 dev "$lbr" &&
	ip -n "$ns" addr add 10.0.1.1/24 dev "$vbr" && ip -n "$ns" link set "$vbr" up ||
	{ echo "cannot address the bridges" >&2; exit 2; }

listen() {	# listen NAME PORT
	mkfifo "$dir/$1.in"
	ip netns exec "$ns" timeout 150 busybox nc -l -p "$2" 0<>"$dir/$1.in" \
		>"$dir/$1.rx" 2>/dev/null &
	kill_at_exit $!
	eval "listener_$1=$!"
}

rate=4000 burst=400 bytes=2097152	# kbit/s, kbit, bytes
listen pol 5001
listen free 5000
guest_start g "$dir" --ovs-timeout=60 \
	-n "$vbr,vhost-user,ovs-ingress-rate=$rate,ovs-ingress-burst=$burst" -n "$lbr" -- \
	"xk.ip0=10.0.1.2/24 xk.ping0=10.0.1.1 xk.ip1=10.0.0.2/24 xk.ping1=10.0.0.1" \
	"xk.nc=10.0.1.1:5001,10.0.0.1:5000 xk.ncbytes=$bytes" || exit 2
guest_wait g "$dir" 140
check_eq "xkvm exits 0" 0 "$(cat "$dir/g.rc")"
wait "$listener_pol" "$listener_free"
check_eq "XK-DONE status" ok "$(guest_done g "$dir")"
check_eq "no warning: OVS polices vhost-user ports" "" "$(grep 'warning: ovs-ingress-rate' "$dir/g.err")"
check_eq "the policed listener got the 2 MiB" "$bytes" "$(wc -c <"$dir/pol.rx")"
check_eq "the free listener got the 2 MiB" "$bytes" "$(wc -c <"$dir/free.rx")"
policed=$(sed -n "s/^XK-RESULT nc=ok peer=10.0.1.1:5001 .*took=\([0-9.]*\).*/\1/p" "$dir/g.console")
free=$(sed -n "s/^XK-RESULT nc=ok peer=10.0.0.1:5000 .*took=\([0-9.]*\).*/\1/p" "$dir/g.console")
implied=$(awk -v b="$bytes" -v r="$rate" -v u="$burst" 'BEGIN { printf "%.2f", (b * 8 / 1000 - u) / r }')
echo "# timing: 2 MiB policed at $rate kbit/s took ${policed:-?} s (implied >= $implied s); unpoliced ${free:-?} s"
if [ -n "$policed" ] && awk -v p="$policed" -v i="$implied" 'BEGIN { exit !(p >= i) }'; then
	ok "policed: ${policed} s >= $implied s"
else
	fail "policed: '${policed}' s, want >= $implied s"
fi
if [ -n "$free" ] && awk -v f="$free" -v i="$implied" 'BEGIN { exit !(f < i) }'; then
	ok "unpoliced: ${free} s < $implied s (the bound is the policer's)"
else
	fail "unpoliced: '${free}' s, want < $implied s: the test cannot tell the policer from the emulator"
fi
check_eq "no port left" "" "$(ovs_vsctl list-ports "$vbr")"
check_eq "no tap left" "" "$(ip -n "$ns" -o link show | grep -a 'alias xkvm:')"
check_eq "no socket directory left" "" "$(find "$XKVM_RUN_DIR" -mindepth 1 2>/dev/null)"
[ "$_checks_failed" -eq 0 ] || guest_show g "$dir"
done_testing
