#!/bin/bash
# vhost-user where it cannot be: an OVS bridge whose ovs-vswitchd has no
# DPDK (the plain vswitchd, Open_vSwitch dpdk_initialized false), a Linux
# bridge, user networking.  Each is one line and exit 1 (as other bad
# bridges), before anything exists: no port, no socket directory.  A dry
# run classifies the same way.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root
dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-vhe.XXXXXX") || exit 2
when_finished "rm -rf '$dir'"
export XKVM_RUN_DIR=$dir/run
netns_new ns
ovs_start "$ns"
r=$(rand_hex 2)
obr=xko$r lbr=xkl$r
ovs_add_br "$obr" && ovs_sync || exit 2
ip -n "$ns" link add "$lbr" type bridge || exit 2
check_eq "the plain ovs-vswitchd has no DPDK" false "$(ovs_vsctl get Open_vSwitch . dpdk_initialized)"

xk() { ovs_in_ns "$XKVM" --accel=tcg "$@"; }
left() {
	check_eq "$1: no port" "" "$(ovs_vsctl list-ports "$obr")"
	check_eq "$1: no socket directory" "" "$(find "$XKVM_RUN_DIR" -mindepth 1 2>/dev/null)"
	check_clean "$1"
}

for dry in "" --dry-run; do
	w=${dry:-launch}
	out=$(xk $dry -n "$lbr" -n "$obr,vhost-user,ovs-tag=5" 2>&1)
	check_eq "$w: OVS without DPDK: one line, exit 1" \
		"1 xkvm: vhost-user needs DPDK: the ovs-vswitchd of bridge '$obr' has not initialised it (Open_vSwitch dpdk_initialized is not true) in --netdev $obr,vhost-user,ovs-tag=5" \
		"$? $(grep -v '^creating tap devices' <<<"$out")"
	left "$w: OVS without DPDK"
	out=$(xk $dry -n "$lbr,vhost-user" 2>&1)
	check_eq "$w: Linux bridge: one line, exit 1" \
		"1 xkvm: vhost-user needs an Open vSwitch bridge with DPDK: '$lbr' is a Linux bridge in --netdev $lbr,vhost-user" \
		"$? $(grep -v '^creating tap devices' <<<"$out")"
	left "$w: Linux bridge"
	out=$(xk $dry -n user,vhost-user 2>&1)
	check_eq "$w: user networking: one line, exit 1" \
		"1 xkvm: vhost-user needs an Open vSwitch bridge with DPDK: 'user' is user networking in --netdev user,vhost-user" \
		"$? $out"
done
out=$(xk -n "$obr,vhost-user=/tmp/x" 2>&1)
check_eq "vhost-user takes no value on the command line: a usage error" \
	"2 xkvm: invalid token 'vhost-user=/tmp/x' in --netdev $obr,vhost-user=/tmp/x: vhost-user takes no value (xkvm makes the socket)" \
	"$? $out"
left "vhost-user=VALUE"
done_testing
