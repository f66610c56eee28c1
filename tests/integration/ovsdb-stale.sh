#!/bin/bash
# A tap name must not be lost to a stale row (issue 13), the ovsdb/ side:
# xkovs_add_ports() with XKOVS_REAP_STALE replaces, in its own transaction,
# a Port bearing the new name whose owner tag a judge calls dead (ovs-client
# -D: owners named "dead..."); a live owner's, an untagged or our own other
# port is never touched, and every clashing name is reported (-EEXIST,
# nothing committed).  Run plain and monitoring only own rows (-N).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root

netns_new NS
ovs_start "$NS"
r=$(rand_hex 2)
br=xs$r t=s$r
ovs_add_br "$br"
for n in a b c d; do
	ip -n "$NS" tuntap add mode tap ${t}$n && ip -n "$NS" link set ${t}$n up || exit 2
done
txns() { ovsdb-tool show-log "$OVS_DIR/conf.db" | grep -c '"xkvm (owner [^)]*): add ports'; }
owner_of() { ovs_vsctl get Interface "$1" external_ids:xkvm-owner 2>/dev/null | tr -d '"'; }

for mode in "" -N; do
	m=${mode:-plain}
	# Stale rows: a dead owner's a and b, a live owner's c, an untagged d.
	ovs_client -o dead-1 add-ports "$br:${t}a" "$br:${t}b" >/dev/null &&
	ovs_client -o live-1 add-ports "$br:${t}c" >/dev/null &&
	ovs_vsctl add-port "$br" ${t}d || exit 2

	n0=$(txns)
	out=$(ovs_client $mode -D -R -o me add-ports "$br:${t}a" "$br:${t}b" 2>&1)
	check_eq "$m: the dead owner's ports are replaced" \
		"${t}a $(ovs_vsctl get Interface ${t}a ofport) ${t}b $(ovs_vsctl get Interface ${t}b ofport)" \
		"$(echo $out)"
	check_eq "$m: in one transaction" $((n0 + 1)) "$(txns)"
	check_eq "$m: now ours" "me me" "$(owner_of ${t}a) $(owner_of ${t}b)"
	check_eq "$m: one Port each" "1 1" \
		"$(ovs_vsctl --bare --columns=name list Port | grep -cx ${t}a) $(ovs_vsctl --bare --columns=name list Port | grep -cx ${t}b)"

	n0=$(txns)
	out=$(ovs_client $mode -D -R -o me2 add-ports "$br:${t}c" "$br:${t}d" "$br:${t}a" 2>&1)
	check_eq "$m: live, untagged and another live xkvm's ports: all named, refused" \
		"ovs-client: cannot add port '${t}c' to '$br': a port of that name already exists (and 2 more: ${t}d ${t}a) [EEXIST]" \
		"$out"
	check_eq "$m: nothing committed" "$n0" "$(txns)"
	check_eq "$m: they keep their owners" "live-1  me" \
		"$(owner_of ${t}c) $(owner_of ${t}d) $(owner_of ${t}a)"

	ovs_client -o dead-2 del-ports "${t}c" >/dev/null 2>&1	# refused: live-1's
	ovs_client -o me del-ports "${t}a" "${t}b" &&
	ovs_client -o live-1 del-ports "${t}c" &&
	ovs_vsctl del-port "$br" ${t}d || exit 2
	ovs_client -o dead-3 add-ports "$br:${t}a" >/dev/null || exit 2
	out=$(ovs_client $mode -D -o me add-ports "$br:${t}a" 2>&1)
	check_eq "$m: without -R a dead owner's port is refused too" \
		"ovs-client: cannot add port '${t}a' to '$br': a port of that name already exists [EEXIST]" "$out"
	ovs_client -o dead-3 del-ports "${t}a" || exit 2
	check_eq "$m: nothing left" "" "$(ovs_vsctl list-ports "$br")"
done
done_testing
