#!/bin/bash
# OVS bridges detected from the database through ovsdb/xkovs.h (ovs-client):
# one bridge, two bridges (the reference misreads `ovs-vsctl list-br` with
# more than one), a fake VLAN bridge (parent and tag), datapath types, and a
# Linux bridge or unknown name that is not an OVS bridge.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root

netns_new NS
ovs_start "$NS"
r=$(rand_hex 2)
b1=xb1$r b2=xb2$r fake=xf$r lbr=xl$r sys=xs$r

ovs_add_br "$b1"
check_eq "one bridge listed" "$b1" "$(ovs_client list-br)"
check_eq "one bridge: real, netdev" "$b1 $b1 -1 netdev" "$(ovs_client is-bridge "$b1")"

ovs_add_br "$b2"
check_eq "two bridges listed" "$(printf '%s\n' "$b1" "$b2" | sort)" "$(ovs_client list-br)"
check_eq "first of two detected" "$b1 $b1 -1 netdev" "$(ovs_client is-bridge "$b1")"
check_eq "second of two detected" "$b2 $b2 -1 netdev" "$(ovs_client is-bridge "$b2")"

ovs_add_fake_br "$fake" "$b2" 42
check_eq "fake bridge: parent, VLAN, parent's datapath" "$fake $b2 42 netdev" \
	"$(ovs_client is-bridge "$fake")"
check_eq "fake bridge listed" "$(printf '%s\n' "$b1" "$b2" "$fake" | sort)" \
	"$(ovs_client list-br)"
check_eq "ovs-vsctl agrees on the list" "$(ovs_vsctl list-br | sort)" "$(ovs_client list-br)"

# A bridge without datapath_type is the default (system) datapath; no kernel
# module here, so only the database knows it.
ovs_vsctl --no-wait add-br "$sys"
check_eq "default datapath reported as system" "$sys $sys -1 system" \
	"$(ovs_client is-bridge "$sys")"

ip -n "$NS" link add "$lbr" type bridge
out=$(ovs_client is-bridge "$lbr" 2>&1)
check_eq "a Linux bridge is not an OVS bridge (exit 1)" 1 "$?"
check_eq "with a clear message" "ovs-client: '$lbr' is not an OVS bridge [ENODEV]" "$out"
ovs_client is-bridge "$b1$b2" >/dev/null 2>&1
check_eq "an unknown name is not an OVS bridge" 1 "$?"
# A port name is not a bridge name either (the fake bridge's parent's own
# internal port is).
ovs_client is-bridge "br-nope" >/dev/null 2>&1
check_eq "no such bridge" 1 "$?"

ovs_vsctl del-br "$fake"
ovs_client is-bridge "$fake" >/dev/null 2>&1
check_eq "a deleted fake bridge is gone" 1 "$?"
check_eq "parent stays" "$b2 $b2 -1 netdev" "$(ovs_client is-bridge "$b2")"

done_testing
