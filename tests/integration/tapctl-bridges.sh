#!/bin/bash
# `xkvm tap-control bridges`: every Linux bridge of the namespace (from the
# kernel) and every OVS bridge, real and fake, of the database, one JSON
# object a line; Linux bridges alone without OVS; a bad --ovsdb or an
# argument fails with one line.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root

netns_new NS
ovs_start "$NS"
r=$(rand_hex 2)
lb=xl$r lbdown=xd$r ob=xo$r fake=xf$r sys=xs$r

bridges() { ovs_in_ns "$XKVM" tap-control bridges "$@"; }

check_eq "nothing yet: no output" "" "$(bridges)"
ip -n "$NS" link add "$lb" type bridge && ip -n "$NS" link set "$lb" up mtu 1400 || exit 2
ip -n "$NS" link add "$lbdown" type bridge || exit 2
# Not a bridge: a veth pair.
ip -n "$NS" link add "v$r" type veth peer name "w$r" || exit 2
ovs_add_br "$ob" || exit 2
ovs_add_fake_br "$fake" "$ob" 42 || exit 2
ovs_vsctl --no-wait add-br "$sys" || exit 2	# default (system) datapath

want=$(printf '%s\n' \
	"{\"kind\":\"linux\",\"name\":\"$lb\",\"up\":true,\"mtu\":1400}" \
	"{\"kind\":\"linux\",\"name\":\"$lbdown\",\"up\":false,\"mtu\":1500}")
want_ovs=$(for n in $(printf '%s\n' "$ob" "$fake" "$sys" | sort); do
	case $n in
		"$ob") echo "{\"kind\":\"ovs\",\"name\":\"$ob\",\"datapath\":\"netdev\"}";;
		"$fake") echo "{\"kind\":\"ovs-fake\",\"name\":\"$fake\",\"parent\":\"$ob\",\"vlan\":42,\"datapath\":\"netdev\"}";;
		"$sys") echo "{\"kind\":\"ovs\",\"name\":\"$sys\",\"datapath\":\"system\"}";;
	esac
done)
out=$(bridges)
check_eq "exit 0" 0 $?
# The netdev bridge's internal port is a tap in the kernel: not a Linux bridge.
check_eq "Linux bridges (ifindex order), then OVS bridges, real and fake (sorted)" \
	"$want"$'\n'"$want_ovs" "$out"
out=$(bridges --ovsdb "unix:$OVS_DIR/db.sock")
check_eq "the same through --ovsdb" "$want"$'\n'"$want_ovs" "$out"
check_eq "as many OVS bridges as ovs-vsctl list-br" "$(ovs_vsctl list-br | wc -l)" \
	"$(grep -c '"kind":"ovs' <<<"$out")"
check_cmd "every line is a JSON object" python3 -c '
import json, sys
for l in sys.stdin:
    assert isinstance(json.loads(l), dict)' <<<"$out"

# No Open vSwitch (no socket at the default remote): Linux bridges alone.
out=$(ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR/none" "$XKVM" tap-control bridges 2>&1)
check_eq "no OVS socket: exit 0" 0 $?
check_eq "no OVS socket: Linux bridges alone" "$want" "$out"
# An --ovsdb that is not there: the Linux bridges, then one line, exit 1.
out=$(bridges --ovsdb "unix:$OVS_DIR/none.sock" 2>"$OVS_DIR/err")
check_eq "a missing --ovsdb fails (exit 1)" 1 $?
check_eq "after the Linux bridges" "$want" "$out"
check_eq "with one line" 1 "$(wc -l <"$OVS_DIR/err")"
grep -q "none.sock" "$OVS_DIR/err" && ok "naming the remote" || fail "message: $(cat "$OVS_DIR/err")"
# Not root: the kernel's bridges come, the database (root's here) cannot be
# read: one line, exit 1.
out=$(ip netns exec "$NS" setpriv --reuid 65534 --regid 65534 --clear-groups \
	env OVS_RUNDIR="$OVS_DIR" "$XKVM" tap-control bridges 2>"$OVS_DIR/err")
check_eq "as uid 65534: exit 1 (database unreadable)" 1 $?
check_eq "as uid 65534: the Linux bridges" "$want" "$out"
check_eq "as uid 65534: one line" 1 "$(wc -l <"$OVS_DIR/err")"
grep -q "Permission denied" "$OVS_DIR/err" && ok "saying why" || fail "message: $(cat "$OVS_DIR/err")"
out=$(bridges extra 2>&1)
check_eq "an argument is a usage error (exit 2)" 2 $?
check_eq "with one line" "xkvm: bridges takes no arguments ('extra')" "$out"
out=$(bridges --force 2>&1)
check_eq "an option of another mode is refused (exit 2)" 2 $?

ovs_vsctl del-br "$fake"
ip -n "$NS" link del "$lbdown"
out=$(bridges)
check_eq "deleted ones are gone" 0 "$(grep -c -e "\"$fake\"" -e "\"$lbdown\"" <<<"$out")"
check_eq "the others stay" 3 "$(wc -l <<<"$out")"
done_testing
