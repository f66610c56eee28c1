#!/bin/bash
# OVS ports through ovsdb/xkovs.h (ovs-client), checked with ovs-vsctl:
# several ports in ONE transaction with tags, trunks and external_ids, a fake
# bridge's port, ofports assigned by ovs-vswitchd, the owner tag, removal
# leaving nothing, a foreign port refused (and surviving) unless forced,
# idempotent removal, ovs-vswitchd refusing a port (rolled back), and
# timings for 32 ports.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root

netns_new NS
ovs_start "$NS"
r=$(rand_hex 2)
b1=xb1$r b2=xb2$r fake=xf$r
t=t$r	# tap prefix
ovs_add_br "$b1"
ovs_add_br "$b2"
ovs_add_fake_br "$fake" "$b1" 30

mktap() {
	local n
	for n in "$@"; do
		ip -n "$NS" tuntap add mode tap "$n" && ip -n "$NS" link set "$n" up || return 1
	done
}
mktap ${t}a ${t}b ${t}c ${t}f ${t}u

# Records in the database log whose comment is ours (one per transaction).
txn_count() { ovsdb-tool show-log "$OVS_DIR/conf.db" | grep -c "\"xkvm (owner [^)]*): $1"; }

out=$(ovs_client -o me add-ports \
	"$b1:${t}a,tag=5,iface-id=lsp-a,mac=52:54:00:12:34:56,vm-id=vm-1,ext=k1=v1,ext=k2=a=b" \
	"$b2:${t}b,trunks=10:20,iface-id=lsp-b" \
	"$fake:${t}c")
check_eq "three ports added" 0 "$?"
check_eq "the database log names them" 1 \
	"$(ovsdb-tool show-log "$OVS_DIR/conf.db" | grep -c "\"xkvm (owner me): add ports ${t}a ${t}b ${t}c\"")"
check_eq "in one transaction" 1 "$(txn_count 'add ports')"
check_eq "that transaction inserts all three Ports" 3 \
	"$(ovsdb-tool show-log -m "$OVS_DIR/conf.db" |
	   sed -n '/"xkvm (owner me): add ports/,/^record/p' | grep -c 'table Port insert row')"

check_eq "access tag" 5 "$(ovs_vsctl get Port ${t}a tag)"
check_eq "trunks" "[10, 20]" "$(ovs_vsctl get Port ${t}b trunks)"
check_eq "no tag on the trunk port" "[]" "$(ovs_vsctl get Port ${t}b tag)"
check_eq "fake bridge port gets its VLAN" 30 "$(ovs_vsctl get Port ${t}c tag)"
check_eq "fake bridge port seen on the fake bridge" "$fake" "$(ovs_vsctl port-to-br ${t}c)"
check_eq "ports of the first bridge" "$(printf '%s\n' ${t}a | sort)" "$(ovs_vsctl list-ports "$b1")"
check_eq "ports of the fake bridge" "${t}c" "$(ovs_vsctl list-ports "$fake")"
check_eq "external_ids" \
	'{attached-mac="52:54:00:12:34:56", iface-id=lsp-a, k1=v1, k2="a=b", vm-id=vm-1, xkvm-owner=me}' \
	"$(ovs_vsctl get Interface ${t}a external_ids)"
check_eq "owner tag only where nothing else asked" '{xkvm-owner=me}' \
	"$(ovs_vsctl get Interface ${t}c external_ids)"
for p in a b c; do
	want=$(ovs_vsctl get Interface ${t}$p ofport)
	check_eq "ofport of ${t}$p reported" "${t}$p $want" "$(echo "$out" | grep "^${t}$p ")"
	[ "$want" -ge 1 ] && ok "ofport of ${t}$p assigned ($want)" || fail "ofport of ${t}$p is $want"
done
check_eq "owned ports listed" \
	"$(printf '%s\n' "$b1 ${t}a me" "$b2 ${t}b me" "$fake ${t}c me")" "$(ovs_client list-owned)"

# Name clashes, unknown bridges, a fake bridge's port with another tag.
out=$(ovs_client -o me add-ports "$b2:${t}a" 2>&1)
check_eq "an existing port is refused" \
	"ovs-client: cannot add port '${t}a' to '$b2': a port of that name already exists [EEXIST]" "$out"
out=$(ovs_client -o me add-ports "nobr$r:${t}f" 2>&1)
check_eq "an unknown bridge is refused" \
	"ovs-client: cannot add port '${t}f': 'nobr$r' is not an OVS bridge [ENODEV]" "$out"
out=$(ovs_client -o me add-ports "$fake:${t}f,tag=31" 2>&1)
check_eq "a fake bridge's port cannot have another tag" \
	"ovs-client: port '${t}f' on fake bridge '$fake' (VLAN 30) cannot have VLAN tag 31 [EINVAL]" "$out"
check_eq "nothing added by the refused calls" 1 "$(txn_count 'add ports')"

# Ours already, on that bridge (what a retry sees after a reconnection lost
# the reply of a commit the server applied): adopted, not refused.
out=$(ovs_client -o me add-ports "$b1:${t}a" 2>&1)
check_eq "our own port on the same bridge is adopted" "${t}a $(ovs_vsctl get Interface ${t}a ofport)" "$out"
out=$(ovs_client -o other add-ports "$b1:${t}a" 2>&1)
check_eq "another owner's is refused" \
	"ovs-client: cannot add port '${t}a' to '$b1': a port of that name already exists [EEXIST]" "$out"
check_eq "adopting changed nothing" \
	"$(printf '%s\n' "$b1 ${t}a me" "$b2 ${t}b me" "$fake ${t}c me")" "$(ovs_client list-owned)"

# ovs-vswitchd cannot open a device that does not exist: clear error, and
# the whole batch is removed again.
out=$(ovs_client -o me add-ports "$b1:${t}f" "$b1:nodev$r" 2>&1)
check_eq "vswitchd failure exits 1" 1 "$?"
check_eq "vswitchd failure message" \
	"ovs-client: ovs-vswitchd could not add 'nodev$r' to '$b1': could not open network device nodev$r (No such device) [EIO]" \
	"$out"
check_eq "the failed batch is rolled back" "${t}a" "$(ovs_vsctl list-ports "$b1")"
check_eq "no Interface left from it" "" \
	"$(ovs_vsctl --bare --columns=name list Interface | grep -e "nodev$r" -e "${t}f")"

# A foreign port: added by someone else, another owner; and an untagged one.
ovs_vsctl add-port "$b1" ${t}f -- set Interface ${t}f external_ids:xkvm-owner=other
ovs_vsctl add-port "$b1" ${t}u
out=$(ovs_client -o me del-ports "$b1:${t}a" "$b1:${t}f" "$b1:${t}u" 2>&1)
check_eq "foreign ports refused (exit 1)" 1 "$?"
check_eq "refusal lists them" \
	"ovs-client: refusing to remove '${t}f' (owner 'other'), '${t}u' (no owner tag) [EPERM]" "$out"
check_eq "foreign ports survive, ours is gone" "$(printf '%s\n' ${t}f ${t}u)" \
	"$(ovs_vsctl list-ports "$b1")"
out=$(ovs_client -o me del-ports "$b2:${t}c" 2>&1)
check_eq "a port named on the wrong bridge is refused" \
	"ovs-client: refusing to remove '${t}c' (on bridge '$fake', not '$b2') [EINVAL]" "$out"
check_cmd "a fake bridge's port removed through the fake bridge" \
	ovs_client -o me del-ports "$fake:${t}c"
check_cmd "force removes foreign ports" ovs_client -o me -f del-ports "$b1:${t}f" "${t}u"
check_cmd "removing again is not an error" \
	ovs_client -o me del-ports "$b1:${t}a" "$b1:${t}f" "${t}u" "${t}c" "never$r"
check_cmd "the last one, waiting for ovs-vswitchd" ovs_client -o me -w del-ports "$b2:${t}b"
check_eq "removal leaves no port" "" \
	"$(ovs_vsctl list-ports "$b1"; ovs_vsctl list-ports "$b2"; ovs_vsctl list-ports "$fake")"
check_eq "removal leaves no Interface" "$(printf '%s\n' "$b1" "$b2" "$fake" | sort)" \
	"$(ovs_vsctl --bare --columns=name list Interface | grep . | sort)"
check_eq "nothing owned left" "" "$(ovs_client list-owned)"
# rollback, ${t}a, ${t}c, forced, ${t}b: calls with nothing to remove commit nothing
check_eq "teardown used one transaction a call" 5 "$(txn_count 'remove ports')"

# Without waiting, ovs-vswitchd has not reported an ofport yet.
check_eq "no-wait add reports no ofport" "${t}a -1" "$(ovs_client -o me -n add-ports "$b1:${t}a")"
check_cmd "and is removed" ovs_client -o me del-ports "${t}a"

# OVN's ovn-installed flag, set here by hand after a moment.
ovs_client -o me add-ports "$b1:${t}a,iface-id=lsp-a" >/dev/null
(sleep 0.3; ovs_vsctl set Interface ${t}a external_ids:ovn-installed=true) &
check_cmd "wait-ovn sees ovn-installed" ovs_client -t 5000 wait-ovn ${t}a
wait
start=$(date +%s%N)
out=$(ovs_client -t 300 wait-ovn ${t}b 2>&1)
check_eq "wait-ovn on a missing interface" "ovs-client: no OVS interface '${t}b' [ENODEV]" "$out"
ovs_client -o me add-ports "$b1:${t}b" >/dev/null
start=$(date +%s%N)
out=$(ovs_client -t 300 wait-ovn ${t}b 2>&1)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check_eq "wait-ovn times out" "ovs-client: OVN did not install '${t}b' within 300 ms [ETIMEDOUT]" "$out"
[ "$ms" -lt 2000 ] && ok "bounded ($ms ms)" || fail "wait-ovn took $ms ms"
ovs_client -o me del-ports ${t}a ${t}b

# 32 ports: one transaction each way; median of 5 rounds.  The removal does
# not wait for ovs-vswitchd, which goes on closing ports (~12 ms each): an add
# right after it waits for that too, so each round first lets it settle.
taps=() specs=()
for i in $(seq 0 31); do taps+=(${t}n$i); specs+=("$b1:${t}n$i"); done
mktap "${taps[@]}" || fail "cannot make 32 taps"
add_ms=() del_ms=()
for round in 1 2 3 4 5; do
	ovs_sync
	a=$(ovs_client -T -o me add-ports "${specs[@]}" 2>&1 >/dev/null | sed -n 's/^time: //p')
	[ "$(ovs_vsctl list-ports "$b1" | wc -l)" = 32 ] || fail "round $round: 32 ports not added"
	d=$(ovs_client -T -o me del-ports "${specs[@]}" 2>&1 >/dev/null | sed -n 's/^time: //p')
	[ -z "$(ovs_vsctl list-ports "$b1")" ] || fail "round $round: ports left"
	add_ms+=("${a% ms}") del_ms+=("${d% ms}")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
echo "# 32 ports: add + wait for ovs-vswitchd ${add_ms[*]} ms (median $(median "${add_ms[@]}"))"
echo "# 32 ports: remove (commit confirmed) ${del_ms[*]} ms (median $(median "${del_ms[@]}"))"
ok "32 ports added and removed 5 times"
ovs_sync
ovs_client -o me add-ports "${specs[@]}" >/dev/null
ovs_client -o me del-ports "${specs[@]}"
busy=$(ovs_client -T -o me add-ports "$b1:${t}a" 2>&1 >/dev/null | sed -n 's/^time: //p')
echo "# 1 port added right after an unwaited removal of 32: $busy"
ovs_client -o me del-ports "$b1:${t}a"
ovs_sync
ovs_client -o me add-ports "${specs[@]}" >/dev/null
w=$(ovs_client -T -o me -w del-ports "${specs[@]}" 2>&1 >/dev/null | sed -n 's/^time: //p')
echo "# 32 ports: remove and wait for ovs-vswitchd $w"
check_eq "nothing left after the timing rounds" "" "$(ovs_vsctl list-ports "$b1")"

# Two launches adding to the same bridge at once: the bridge's ports are
# mutated, not rewritten, so neither loses the other's ports.
ovs_sync
ovs_client -o A add-ports "${specs[@]:0:16}" >/dev/null & p1=$!
ovs_client -o B add-ports "${specs[@]:16:16}" >/dev/null & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check_eq "two concurrent adds both succeed" "0 0" "$r1 $r2"
check_eq "all 32 ports present" 32 "$(ovs_vsctl list-ports "$b1" | wc -l)"
check_eq "16 owned by each" "16 A
16 B" "$(ovs_client list-owned | awk '{print $3}' | sort | uniq -c | awk '{print $1, $2}')"
out=$(ovs_client -o B del-ports "${specs[@]:0:1}" 2>&1)
check_eq "B cannot remove A's port" \
	"ovs-client: refusing to remove '${t}n0' (owner 'A') [EPERM]" "$out"
ovs_client -o A del-ports "${specs[@]:0:16}" & p1=$!
ovs_client -o B del-ports "${specs[@]:16:16}" & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check_eq "two concurrent removals both succeed" "0 0" "$r1 $r2"
check_eq "nothing left after them" "" "$(ovs_vsctl list-ports "$b1")"

done_testing
