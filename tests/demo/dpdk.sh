#!/bin/bash
# `make demo-dpdk`: a virtual machine on an OVS-DPDK bridge through a
# vhost-user port, launched by xkvm with --netdev BRIDGE,vhost-user.
#
#   tests/demo/dpdk.sh [--build DIR]     (DIR/xkvm, default build)
#
# The host is a network namespace on this machine with a private
# ovsdb-server and the DPDK build of ovs-vswitchd (no hugepages, no PCI:
# tests/lib/ovs.sh ovs_start_dpdk).  The guest is the test guest of
# tools/build-guest.sh under TCG: it pings the bridge's host address and
# sends it 1 MiB over TCP.  Everything is removed at the end.  Needs root.
set -u
. "$(dirname "$0")/start.sh" dpdk "$@"
export XKVM XKVM_TOP=$top
. tests/lib/common.sh
. tests/lib/ovs.sh
. tests/lib/guest.sh
for prog in qemu-system-x86_64 busybox ovsdb-server "$OVS_DPDK_VSWITCHD"; do
	command -v "$prog" >/dev/null ||
		{ echo "demo-dpdk: '$prog' not found (tools/install-deps.sh demo)" >&2; exit 2; }
done

status=0
say() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$@"; }
indent() { sed 's/^/     | /'; }
bad() { printf '   !! %s\n' "$*"; status=1; }
show_cmd() { printf '   # %s\n' "$*"; }

say "Building the test guest (kernel + busybox initramfs, cached in build/guest)"
guest_setup
dir=$(mktemp -d "${TMPDIR:-/tmp}/xk-demo-dpdk.XXXXXX")
when_finished "rm -rf '$dir'"
chmod 755 "$dir"
export XKVM_RUN_DIR=$dir/run

say "Starting ovsdb-server and the DPDK ovs-vswitchd in a namespace"
netns_new ns
t0=$(now_ms)
ovs_start_dpdk "$ns"
note "DPDK initialised in $(($(now_ms) - t0)) ms (namespace $ns)" \
	"binary $OVS_DPDK_VSWITCHD (the ovs-vswitchd alternative is untouched)"
ovs_vsctl get Open_vSwitch . other_config | tr ',' '\n' | sed 's/^[{ ]*//; s/}$//' | indent
br=br-dpdk
ovs_add_br "$br" && ovs_sync || { bad "cannot make $br"; exit 1; }
ip -n "$ns" addr add 10.0.1.1/24 dev "$br" && ip -n "$ns" link set "$br" up
note "$br: datapath_type=netdev, host address 10.0.1.1/24 on its internal port"

say "What xkvm would do (dry run)"
show_cmd xkvm --dry-run --accel=tcg -n $br,vhost-user -- -m 256 ...
ovs_in_ns "$XKVM" --dry-run --accel=tcg -n "$br,vhost-user" -- -m 256 -nographic 2>&1 | fold -w 100 | indent

say "Launching the guest: ping 10.0.1.1, then 1 MiB over TCP to a listener on the host"
mkfifo "$dir/rx.in"
ip netns exec "$ns" timeout 100 busybox nc -l -p 5000 0<>"$dir/rx.in" >"$dir/rx" 2>/dev/null &
listener=$!
kill_at_exit $listener
show_cmd xkvm -v --accel=tcg --ovs-timeout=60 -n $br,vhost-user -- -m 256 -kernel ... -initrd ...
t0=$(now_ms)
guest_start vm "$dir" -v --ovs-timeout=60 -n "$br,vhost-user" -- \
	"xk.ip0=10.0.1.2/24 xk.ping0=10.0.1.1 xk.nc=10.0.1.1:5000" || { bad "the guest did not start"; exit 1; }
if guest_wait_for vm "$dir" XK-START 60; then
	note "the guest is booting ($(($(now_ms) - t0)) ms); meanwhile on the host:"
	show_cmd ovs-vsctl list Interface "(the vhost-user port)"
	ovs_vsctl --columns=name,type,options,ofport,external_ids find Interface type=dpdkvhostuserclient | indent
	show_cmd ls -l "$XKVM_RUN_DIR"/vhost.*
	ls -ld "$XKVM_RUN_DIR"/vhost.* "$XKVM_RUN_DIR"/vhost.*/* | indent
	show_cmd xkvm tap-control list
	ovs_in_ns "$XKVM" tap-control list | indent
else
	bad "no XK-START within 60 s"
fi
guest_wait_for vm "$dir" "XK-RESULT ping0" 100 || bad "the guest did not ping"
show_cmd ovs-vsctl get Interface PORT status "(connected once the guest's driver is up)"
ovs_vsctl --columns=status find Interface type=dpdkvhostuserclient | indent
guest_wait vm "$dir" 100
wait "$listener"

say "The guest's console verdicts and xkvm's -v lines"
grep -a 'XK-' "$dir/vm.console" | indent
grep -v '^ *qemu-system\|VHOST\|waiting for connection' "$dir/vm.err" | indent
[ "$(guest_done vm "$dir")" = ok ] || bad "the guest reported a failure"
[ "$(wc -c <"$dir/rx")" = 1048576 ] && note "the host received 1048576 bytes" ||
	bad "the host received $(wc -c <"$dir/rx") bytes"

say "After the guest: nothing left"
ports=$(ovs_vsctl --bare --columns=name find Interface type=dpdkvhostuserclient)
left=$(find "$XKVM_RUN_DIR" -mindepth 1 2>/dev/null)
[ -z "$ports" ] && note "no vhost-user port" || bad "ports left: $ports"
[ -z "$left" ] && note "no socket, no socket directory" || bad "left: $left"
note "ovs-vswitchd RSS: $(awk '/VmRSS/ {print $2, $3}' "/proc/$(ovs_pid vswitchd)/status")"

say "Removing the sandbox"
_run_finish
[ "$status" = 0 ] && echo "demo-dpdk: ok" || echo "demo-dpdk: FAILED"
exit "$status"
