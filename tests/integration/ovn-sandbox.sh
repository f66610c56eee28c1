#!/bin/bash
# The OVN sandbox of tests/lib/ovn.sh works without xkvm: two chassis on the
# userspace datapath, a logical switch with a port on each, ports bound and
# installed, ping across the Geneve tunnel, and a teardown that leaves no
# daemon and no namespace behind.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovn.sh"
need_root

ovn_sandbox_start
ok "sandbox started in ${OVN_SANDBOX_START_MS} ms"
echo "# sandbox start: ${OVN_SANDBOX_START_MS} ms"

t0=$(ovn_now_ms)
check_cmd "both chassis registered in SB" ovn_wait_chassis 10
echo "# chassis registered: $(( $(ovn_now_ms) - t0 )) ms after start"
check_eq "two encaps, geneve" "geneve geneve" \
	"$(ovn_sb --bare --columns=type list Encap | sort | xargs)"
check_eq "br-int is netdev" netdev "$(ovn_vsctl 1 get Bridge br-int datapath_type)"
check_eq "br-int fail-mode secure" secure "$(ovn_vsctl 2 get Bridge br-int fail-mode)"
check_eq "underlay MTU" 9000 \
	"$(ip -n "$OVN_CH1_NS" -o link show underlay | sed -n 's/.* mtu \([0-9]*\).*/\1/p')"

mac1=02:00:00:00:0a:01 ip1=10.77.0.1
mac2=02:00:00:00:0a:02 ip2=10.77.0.2
ls=ls-$(rand_hex 2)
check_cmd "lsp1 added" ovn_add_lsp "$ls" lsp1 $mac1 $ip1
check_cmd "lsp2 added" ovn_add_lsp "$ls" lsp2 $mac2 $ip2

t0=$(ovn_now_ms)
check_cmd "guest on chassis 1" ovn_add_guest g1 1 lsp1 $mac1 $ip1/24
check_cmd "guest on chassis 2" ovn_add_guest g2 2 lsp2 $mac2 $ip2/24
t1=$(ovn_now_ms)
check_cmd "lsp1 ovn-installed on chassis 1" ovn_wait_installed 1 lsp1 10
check_cmd "lsp2 ovn-installed on chassis 2" ovn_wait_installed 2 lsp2 10
installed_ms=$(( $(ovn_now_ms) - t0 ))
echo "# two guests made and ovn-installed: ${installed_ms} ms" \
	"($(( $(ovn_now_ms) - t1 )) ms after the second add-port)"
for i in 1 2; do
	uuid=$(ovn_sb --bare --columns=chassis find Port_Binding logical_port=lsp$i)
	check_eq "lsp$i bound to chassis $i" "$(eval echo "\$OVN_CH${i}_NAME")" \
		"$(ovn_sb --bare --columns=name list Chassis "$uuid")"
done
check_eq "lsp1 up in NB" true "$(ovn_nb get Logical_Switch_Port lsp1 up)"

t0=$(ovn_now_ms)
if ovn_wait_for 10 ip netns exec "$g1" busybox ping -c 1 -W 1 $ip2 >/dev/null; then
	ok "first ping across the tunnel after $(( $(ovn_now_ms) - t0 )) ms"
else
	fail "no ping from $ip1 to $ip2 across the tunnel"
fi
check_cmd "5 pings 2 -> 1" ip netns exec "$g2" busybox ping -c 5 -i 0.1 -W 2 -q $ip1
check_cmd "1400-byte ping 1 -> 2" ip netns exec "$g1" busybox ping -c 2 -s 1400 -W 2 -q $ip2
mac3=02:00:00:00:0a:03 ip3=10.77.0.3
check_cmd "lsp3 added" ovn_add_lsp "$ls" lsp3 $mac3 $ip3
check_cmd "internal port on chassis 2" ovn_add_internal 2 lsp3 $mac3 $ip3/24
check_cmd "lsp3 ovn-installed on chassis 2" ovn_wait_installed 2 lsp3 10
if ovn_wait_for 10 ip netns exec "$g1" busybox ping -c 1 -W 1 $ip3 >/dev/null; then
	ok "guest on chassis 1 pings the internal port on chassis 2"
else
	fail "no ping from $ip1 to the internal port $ip3"
fi
check_eq "tunnel port on chassis 1" geneve \
	"$(ovn_vsctl 1 --bare --columns=type find Interface type=geneve | head -n1)"

[ "$_checks_failed" -eq 0 ] || ovn_sandbox_logs 30

t0=$(ovn_now_ms)
ns_list="$OVN_CENTRAL_NS $OVN_CH1_NS $OVN_CH2_NS $g1 $g2"
dir=$OVN_SANDBOX_DIR
check_eq "nine daemons started" 9 "$(ovn_sandbox_pids | wc -l)"
check_eq "nine daemons running" 9 "$(ovn_sandbox_alive | wc -l)"
ovn_sandbox_stop
echo "# teardown: $(( $(ovn_now_ms) - t0 )) ms"
check_eq "no daemon left running" "" "$(ovn_sandbox_alive)"
for ns in $ns_list; do
	check_fails "namespace $ns gone" test -e "/run/netns/$ns"
done
check_fails "run dir removed" test -e "$dir"
done_testing
