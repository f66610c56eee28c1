#!/bin/bash
# Lab-port tokens through the privilege boundary (issues 12 and 14): a user
# with the sudo grant, through real sudo, on a private OVS:
#   - ovs-ofport needs an 'ofport' rule of the ACL (flows may send to a
#     port number: output:N); with one, the port gets exactly that number;
#   - --ovs-iface-steal is refused (the holder may be another user's guest);
#   - mtu=, queues=, ovs-ingress-rate need no rule: the tap and its port
#     carry them.
# Runs in a private mount namespace (tests/lib/sudo.sh).
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/ovs.sh"
source "$(dirname "$0")/../lib/sudo.sh"
su_setup "$@"
X=$XKVM

netns_new NS
ovs_start "$NS"
OB=xo$(rand_hex 3)
ovs_add_br "$OB" || exit 2
DB=unix:$OVS_DIR/db.sock
su_acl "allow $OB
ovsdb $DB"
# the taps' owner: a live process of the user (the shell running sudo here
# is gone before the test looks at the taps)
bg_user sleep 600; S1=$BG
mk() { as_user sudo -n "$X" tap-control make-nics --owner-pid "$S1" --ovsdb "$DB" --ovn-no-wait "$@" 2>&1; }

out=$(mk "$OB,ovs-ofport=1005"); rc=$?
check_eq "ofport without a rule: refused, one line" \
	"1 xkvm: user '$SU_USER' may not use OpenFlow port 1005 on bridge '$OB' (not allowed by /etc/xkvm/acl.conf: add 'ofport $OB 1005 user=$SU_USER')" \
	"$rc $out"
check_clean "ofport without a rule"

su_acl "allow $OB
ofport $OB 1000-1009 user=$SU_USER
ovsdb $DB"
out=$(mk "$OB,ovs-ofport=1010"); rc=$?
check_eq "ofport outside the granted list: refused" 1 "$rc"
check_clean "ofport outside the list"
out=$(mk "$OB,ovs-ofport=1005,mtu=4000,queues=2,ovs-ingress-rate=100"); rc=$?
check_eq "ofport in the list (and mtu, queues, ingress-rate): made" \
	"0 tapvm0:ovs" "$rc $(grep -v '^xkvm: warning' <<<"$out")"
check_eq "the port got OpenFlow port 1005" 1005 "$(ovs_vsctl get Interface tapvm0 ofport)"
check_eq "the tap's MTU" 4000 "$(ip netns exec "$NS" cat /sys/class/net/tapvm0/mtu 2>&1)"
check_eq "the tap belongs to the user" "$SU_UID" \
	"$(ip netns exec "$NS" cat /sys/class/net/tapvm0/owner 2>&1)"
as_user sudo -n "$X" tap-control ovs-cleanup --ovsdb "$DB" "$OB:tapvm0" &&
	as_user sudo -n "$X" tap-control del-nics tapvm0 || fail "the user's own cleanup"
check_clean "ofport in the list"

out=$(mk --ovs-iface-steal "$OB"); rc=$?
check_eq "--ovs-iface-steal through sudo: refused, one line" \
	"1 xkvm: tap-control make-nics: --ovs-iface-steal is for root alone (not through sudo)" \
	"$rc $out"
check_clean "--ovs-iface-steal"
done_testing
