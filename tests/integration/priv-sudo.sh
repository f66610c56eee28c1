#!/bin/bash
# The privilege boundary (issue 12): a local user granted
#   USER ALL=(root) NOPASSWD: /path/to/xkvm tap-control *
# tries, through real sudo, what a hostile user would (attacks 1-5, 7, 8 of
# docs/security.md), against a second user's NICs, an admin's ports, a
# management bridge and root's files.  Each check is named after the attack
# it replays.  Runs in a private mount namespace (tests/lib/sudo.sh): the
# host's sudoers, users and /etc/xkvm are never touched.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/ovs.sh"
source "$(dirname "$0")/../lib/sudo.sh"
su_setup "$@"
FAKE_QEMU=$XKVM_TOP/tests/lib/fake-qemu
T=$(su_dir)
X=$XKVM

netns_new NS
ovs_start "$NS"
LB=xl$(rand_hex 3)	# the users' Linux bridge
MB=xm$(rand_hex 3)	# a management bridge no user is granted
OB=xo$(rand_hex 3)	# the users' OVS bridge
for b in "$LB" "$MB"; do
	ip -n "$NS" link add "$b" type bridge && ip -n "$NS" link set "$b" up || exit 2
done
ovs_add_br "$OB" || exit 2
DB=unix:$OVS_DIR/db.sock
ACL="allow $LB
allow $OB
ovsdb $DB"
su_acl "$ACL"

has_link() { ip -n "$NS" link show "$1" >/dev/null 2>&1; }
has_port() { ovs_vsctl port-to-br "$1" >/dev/null 2>&1; }
links() { ip -n "$NS" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^tapvm' | sort; }
owner_of_tap() { ip -n "$NS" -o link show "$1" | grep -o 'alias xkvm:pid=[0-9]*' | cut -d= -f2; }
uid_of_tap() { ip -n "$NS" -o link show "$1" | grep -o 'uid=[0-9]*' | cut -d= -f2; }
# Removes every tap left in the namespace (between attacks; root may).
reset_taps() { local t; for t in $(tapvm_ports); do ovs_vsctl del-port "$t"; done; for t in $(links); do ip -n "$NS" link del "$t"; done; }
# Waits until pid $1 is a zombie or gone.
wait_state() {
	local i
	for ((i = 0; i < 100; i++)); do
		st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
		[ "$st" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- 1: a passive OVSDB remote unlinks any path as root ----------------
mkdir -m 700 "$T/root"
echo secret >"$T/root/victim"
for mode in list gc "ovs-cleanup $OB:tapvm99" "make-nics $LB"; do
	for remote in "punix:$T/root/victim" ptcp:0 pssl:0; do
		out=$(as_user sudo -n "$X" tap-control $mode --ovs-timeout 1 --ovsdb "$remote" 2>&1); rc=$?
		check_eq "attack 1: $mode --ovsdb $remote through sudo: the file stays" \
			secret "$(cat "$T/root/victim" 2>&1)"
		[ -e "$T/root/victim" ] || echo secret >"$T/root/victim"
		check_eq "attack 1: $mode --ovsdb $remote through sudo: refused, one line" \
			"2 xkvm: invalid --ovsdb '$remote': a passive remote (xkvm is a client; want unix:PATH, tcp:IP:PORT or ssl:IP:PORT)" \
			"$rc $out"
	done
done
out=$(ip netns exec "$NS" "$X" --dry-run --accel=tcg --ovsdb "punix:$T/root/victim" -n "$LB" 2>&1); rc=$?
check_eq "attack 1: xkvm --ovsdb punix: as root is refused too" \
	"2 xkvm: invalid --ovsdb 'punix:$T/root/victim': a passive remote (xkvm is a client; want unix:PATH, tcp:IP:PORT or ssl:IP:PORT)" \
	"$rc $out"
check_eq "attack 1: nothing left" "" "$(links)"

# ---- 2: ovs-cleanup --force through sudo --------------------------------
bg_user2 sleep 600; S2=$BG
p2=$(as_user2 sudo -n "$X" tap-control make-nics --owner-pid "$S2" --ovsdb "$DB" "$OB" | cut -d: -f1)
check_cmd "attack 2: the second user has a live port" grep -q '^tapvm' <<<"$p2"
UPL=up$(rand_hex 3)
ovs_vsctl add-port "$OB" "$UPL" -- set Interface "$UPL" type=internal
out=$(as_user sudo -n "$X" tap-control ovs-cleanup --force --ovsdb "$DB" \
	"$OB:$p2" "$OB:$UPL" "$OB:$OB" 2>&1); rc=$?
check_eq "attack 2: --force through sudo is refused" \
	"1 xkvm: tap-control ovs-cleanup: --force is for root alone (not through sudo)" "$rc $out"
check_eq "attack 2: another user's port, an uplink and the bridge's own port stay" \
	"$(printf '%s\n' "$OB" "$p2" "$UPL" | sort)" \
	"$(ovs_vsctl --bare --columns=name list Port | grep . | sort)"
out=$(as_user sudo -n "$X" tap-control ovs-cleanup --ovsdb "$DB" "$OB:$p2" 2>&1); rc=$?
check_eq "attack 2: another user's port without --force: refused" 1 "$rc"
out=$(ip netns exec "$NS" "$X" tap-control ovs-cleanup --force --ovsdb "$DB" "$OB:$OB" 2>&1); rc=$?
check_eq "attack 2: a bridge's own port is never removed, even by root with --force" \
	"1 xkvm: refusing to remove '$OB' (the own port of bridge '$OB')" "$rc $out"
check_eq "attack 2: ... and it stays" "$OB" "$(ovs_vsctl --bare --columns=name find Port name="$OB")"
out=$(as_user sudo -n "$X" tap-control del-nics "$p2" 2>&1); rc=$?
check_eq "attack 2: del-nics of another user's tap: refused" 1 "$rc"
check_cmd "attack 2: ... and it stays" has_link "$p2"
# gc through sudo reaps the caller's own dead NICs only.
# So are the stale lock files of root's /run/xkvm (what a SIGKILLed
# tap-control or reaper leaves): the caller's own only.
kill -9 "$S2"; wait "$S2" 2>/dev/null
mkdir -p -m 0700 /run/xkvm
lock1=/run/xkvm/.tapctl-$SU_UID.lock lock2=/run/xkvm/.tapctl-$SU_UID2.lock
lockr=/run/xkvm/.reap-1$RANDOM$RANDOM.lock
when_finished rm -f "$lock1" "$lock2" "$lockr"
touch "$lock1" "$lock2" "$lockr"
out=$(as_user sudo -n "$X" tap-control gc --ovsdb "$DB" 2>&1); rc=$?
check_eq "attack 2: gc through sudo: exit 0" "0" "$rc"
check_cmd "attack 2: gc through sudo leaves another user's dead tap" has_link "$p2"
check_cmd "attack 2: ... and its port" has_port "$p2"
check_cmd "attack 2: ... removes the caller's stale lock" test ! -e "$lock1"
check_cmd "attack 2: ... leaves another user's" test -e "$lock2"
check_cmd "attack 2: ... and a reaper's" test -e "$lockr"
out=$(as_user2 sudo -n "$X" tap-control gc --ovsdb "$DB" 2>&1); rc=$?
check_eq "attack 2: its owner's gc reaps it" "0 removed port $p2 from $OB
removed tap $p2 (owner pid $S2)" "$rc $out"
check_cmd "attack 2: ... and its stale lock" test ! -e "$lock2"
rm -f "$lockr"
ovs_vsctl del-port "$OB" "$UPL"
check_eq "attack 2: nothing left" "" "$(links)$(tapvm_ports)"

# ---- 3: make-nics on any bridge, any VLAN, any iface-id, any number ----
bg_user sleep 600; S1=$BG
mk() { as_user sudo -n "$X" tap-control make-nics --owner-pid "$S1" --ovsdb "$DB" --ovn-no-wait "$@" 2>&1; }
su_acl ""
out=$(as_user sudo -n "$X" tap-control make-nics --owner-pid "$S1" "$LB" 2>&1); rc=$?
check_eq "attack 3: no acl.conf: no bridge for a sudo caller, the error names the file and the line" \
	"1 xkvm: user '$SU_USER' may not use bridge '$LB' (no /etc/xkvm/acl.conf: add 'allow $LB user=$SU_USER' there)" \
	"$rc $out"
su_acl "$ACL"
out=$(mk "$MB"); rc=$?
check_eq "attack 3: a bridge the ACL does not allow: refused" \
	"1 xkvm: user '$SU_USER' may not use bridge '$MB' (not allowed by /etc/xkvm/acl.conf: add 'allow $MB user=$SU_USER')" \
	"$rc $out"
out=$(mk "$OB,ovs-trunks=0:1:4095"); rc=$?
check_eq "attack 3: any VLAN trunk: refused" \
	"1 xkvm: user '$SU_USER' may not use VLAN 0 on bridge '$OB' (not allowed by /etc/xkvm/acl.conf: add 'vlan $OB 0 user=$SU_USER')" \
	"$rc $out"
out=$(mk "$OB,ovs-iface-id=victim-lp"); rc=$?
check_eq "attack 3: another tenant's ovs-iface-id: refused" \
	"1 xkvm: user '$SU_USER' may not use ovs-iface-id 'victim-lp' on bridge '$OB' (not allowed by /etc/xkvm/acl.conf: add 'iface-id $OB victim-lp user=$SU_USER')" \
	"$rc $out"
out=$(mk "$OB,ovs-ext:iface-id=victim-lp"); rc=$?
check_eq "attack 3: ... nor through ovs-ext:iface-id" 1 "$rc"
args=(); for i in $(seq 40); do args+=("$LB"); done
out=$(mk "${args[@]}"); rc=$?
check_eq "attack 3: 40 taps in one call (default limit 32): refused" \
	"1 xkvm: user '$SU_USER' may not have 40 taps (0 exist, 40 asked; /etc/xkvm/acl.conf allows 32: add 'max-taps 40 user=$SU_USER')" \
	"$rc $out"
check_eq "attack 3: nothing made" "" "$(links)$(tapvm_ports)"
su_acl "$ACL
vlan $OB 10-20 user=$SU_USER
iface-id $OB lab-$SU_USER-* group=$SU_GROUP
max-taps 3 user=$SU_USER
deny $LB user=$SU_USER2"
out=$(mk "$OB,ovs-tag=15" "$OB,ovs-trunks=10:20,ovs-iface-id=lab-$SU_USER-1" "$LB"); rc=$?
check_eq "attack 3: what the ACL grants works" 0 "$rc"
check_eq "attack 3: ... three taps" 3 "$(links | grep -c .)"
# The user's OVS_RUNDIR (kept by this sudoers) does not choose the remote.
check_eq "OVS_RUNDIR through sudo is dropped: not the test's database" 0 \
	"$(as_user sudo -n "$X" tap-control list 2>/dev/null | grep -c "\"bridge\":\"$OB\"")"
check_eq "... which --ovsdb names" 2 \
	"$(as_user sudo -n "$X" tap-control list --ovsdb "$DB" 2>/dev/null | grep -c "\"bridge\":\"$OB\"")"
# Names longer than any buffer go too (root once looped on them, for good).
long=XKVM_$(printf 'N%.0s' $(seq 80))
out=$(as_user env "$long=1" "OVS_$long=2" timeout -k 2 20 \
	sudo -n "$X" tap-control list --ovsdb "$DB" 2>&1 | grep -c "\"bridge\":\"$OB\"")
check_eq "a caller's XKVM_/OVS_ variables of any length are dropped" 2 "$out"
out=$(mk "$LB"); rc=$?
check_eq "attack 3: the tap limit counts the user's existing taps" \
	"1 xkvm: user '$SU_USER' may not have 4 taps (3 exist, 1 asked; /etc/xkvm/acl.conf allows 3: add 'max-taps 4 user=$SU_USER')" \
	"$rc $out"
out=$(as_user2 sudo -n "$X" tap-control make-nics --ovsdb "$DB" "$LB" 2>&1); rc=$?
check_eq "attack 3: a deny wins over an allow" \
	"1 xkvm: user '$SU_USER2' may not use bridge '$LB' (denied by /etc/xkvm/acl.conf line 7)" "$rc $out"
out=$(as_user sudo -n "$X" tap-control make-nics --owner-pid "$S1" --ovsdb "unix:$T/other.sock" "$LB" 2>&1); rc=$?
check_eq "attack 3: an OVSDB remote the ACL does not list: refused" \
	"1 xkvm: user '$SU_USER' may not use OVSDB remote 'unix:$T/other.sock' (not allowed by /etc/xkvm/acl.conf: add 'ovsdb unix:$T/other.sock user=$SU_USER')" \
	"$rc $out"
# Concurrent make-nics at the limit: the count stays locked until the
# taps exist, so 6 calls of one tap each with room for 3 give 3 taps.
su_acl "$ACL
max-taps 6 user=$SU_USER"
rpids=()
for i in 1 2 3 4 5 6; do
	(mk "$LB" >"$T/race$i"; echo $? >"$T/race$i.rc") &
	rpids+=($!)
done
wait "${rpids[@]}"
check_eq "attack 3: 6 concurrent calls, room for 3: 3 pass" 3 "$(cat "$T"/race?.rc | grep -cx 0)"
check_eq "attack 3: ... 3 are refused by the limit" 3 \
	"$(cat "$T"/race? | grep -c "^xkvm: user '$SU_USER' may not have 7 taps (6 exist, 1 asked;")"
check_eq "attack 3: ... 6 taps in all" 6 "$(links | grep -c .)"

# The caller's lock held (here by flock_hold): make-nics waits, and a signal
# ends that wait with nothing made; del-nics, a launch's teardown, waits on
# through a signal and removes its tap once the lock is free.
tc_pid() {	# tc_pid MODE: the root tap-control process of MODE (not sudo)
	local p
	for p in $(pgrep -f -- "tap-control $1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = xkvm ] && { echo "$p"; return 0; }
	done
	return 1
}
hold_lock() {	# hold_lock: HOLDER, once it holds the caller's lock
	mkdir -p -m 0700 /run/xkvm
	flock_hold "/run/xkvm/.tapctl-$SU_UID.lock"
	local r=$?
	HOLDER=$FLOCK_PID
	return $r
}
su_acl "$ACL
max-taps 8 user=$SU_USER"
check_cmd "the caller's lock is held" hold_lock
(mk "$LB" >"$T/int.out"; echo $? >"$T/int.rc") & w=$!
for ((i = 0; i < 100; i++)); do tc=$(tc_pid make-nics) && break; sleep 0.05; done
sleep 0.2
kill -INT "$tc"
for ((i = 0; i < 200; i++)); do [ -s "$T/int.rc" ] && break; sleep 0.05; done
check_cmd "make-nics waiting for the lock ends on SIGINT, the lock still held" \
	sh -c "[ -s '$T/int.rc' ] && kill -0 $HOLDER"
wait $w
check_eq "... by the signal" 130 "$(cat "$T/int.rc")"
kill -9 $HOLDER; wait $HOLDER 2>/dev/null
check_eq "... having made nothing" 6 "$(links | grep -c .)"
victim=$(comm -23 <(links) <(tapvm_ports | sort) | head -n1)	# a Linux bridge's
check_cmd "the caller's lock is held again" hold_lock
(as_user sudo -n "$X" tap-control del-nics "$victim" >/dev/null 2>&1) & w=$!
for ((i = 0; i < 100; i++)); do tc=$(tc_pid del-nics) && break; sleep 0.05; done
sleep 0.2
kill -INT "$tc"
sleep 0.3
check_cmd "del-nics waits on through SIGINT" has_link "$victim"
kill -9 $HOLDER; wait $HOLDER 2>/dev/null
wait $w
check_eq "... and removes its tap once the lock is free" "" "$(links | grep -x "$victim")"
su_acl "allow $LB
allw $MB"
out=$(mk "$LB"); rc=$?
check_eq "attack 3: a broken acl.conf allows nothing, and says where" \
	"1 xkvm: /etc/xkvm/acl.conf:2: unknown rule 'allw' (want allow, deny, vlan, ofport, iface-id, vm-id, ovs-ext, ovsdb, max-taps or include) (nothing is allowed through sudo until it is fixed)" \
	"$rc $out"
su_acl "$ACL"
chmod 666 /etc/xkvm/acl.conf
out=$(mk "$LB"); rc=$?
check_eq "attack 3: an acl.conf others may write allows nothing" \
	"1 xkvm: '/etc/xkvm/acl.conf' must be a regular file owned by root and writable by no one else (nothing is allowed through sudo until it is fixed)" \
	"$rc $out"
chmod 644 /etc/xkvm/acl.conf
out=$(ip netns exec "$NS" "$X" tap-control make-nics --owner-pid "$S1" "$MB" 2>&1); rc=$?
check_eq "attack 3: root itself is not limited (a Linux bridge no ACL grants)" 0 "$rc"
# The documented example, as it stands, with its users and group.
getent group lab >/dev/null || groupadd lab
for u in alice bob; do getent passwd $u >/dev/null || useradd -M -N -s /bin/sh -d / $u; done
usermod -a -G lab "$SU_USER"
install -m 644 "$XKVM_TOP/docs/examples/acl.conf" /etc/xkvm/acl.conf
out=$(as_user sudo -n "$X" tap-control make-nics --owner-pid "$S1" br0 2>&1); rc=$?
check_eq "docs/examples/acl.conf: a lab member may use br0 (it does not exist here)" \
	"1 xkvm: no such bridge 'br0'" "$rc $out"
out=$(as_user sudo -n "$X" tap-control make-nics --owner-pid "$S1" br-mgmt 2>&1); rc=$?
check_eq "docs/examples/acl.conf: nobody may use br-mgmt" \
	"1 xkvm: user '$SU_USER' may not use bridge 'br-mgmt' (denied by /etc/xkvm/acl.conf line 11)" "$rc $out"
su_acl "$ACL"
reset_taps

check_eq "attack 3: nothing left" "" "$(links)$(tapvm_ports)"

# ---- 4: --owner-pid of a process that is not the caller's ---------------
sleep 600 & RS=$!; kill_at_exit -9 $RS
for p in 1 "$RS"; do
	out=$(as_user sudo -n "$X" tap-control make-nics --owner-pid "$p" --ovsdb "$DB" "$LB" 2>&1); rc=$?
	check_eq "attack 4: --owner-pid $p (root's) through sudo: refused" \
		"1 xkvm: invalid --owner-pid '$p': not a live process of user '$SU_USER' in its pid namespace" "$rc $out"
done
bg_user unshare -Urpf --mount-proc sleep 600; US=$BG
for _ in $(seq 50); do inner=$(pgrep -P "$US" sleep) && break; sleep 0.1; done
out=$(as_user sudo -n "$X" tap-control make-nics --owner-pid "$inner" --ovsdb "$DB" "$LB" 2>&1); rc=$?
check_eq "attack 4: --owner-pid in the user's own pid namespace: refused" \
	"1 xkvm: invalid --owner-pid '$inner': not a live process of user '$SU_USER' in its pid namespace" "$rc $out"
check_eq "attack 4: nothing made" "" "$(links)"
out=$(mk "$LB"); rc=$?
check_eq "attack 4: the user's own process is a fine owner" 0 "$rc"
reset_taps

# ---- 5: with use_pty the owner is sudo's monitor, not the caller --------
as_user_tty sh -c "echo \$\$ >$T/user/sh.pid; sudo -n $X tap-control make-nics --ovsdb $DB $LB >$T/user/mk.out; true" >/dev/null 2>&1
tap=$(cut -d: -f1 "$T/user/mk.out")
check_cmd "attack 5: make-nics on a terminal made a tap" grep -q '^tapvm' <<<"$tap"
check_eq "attack 5: the default owner is the calling shell, past sudo's monitor" \
	"$(cat "$T/user/sh.pid")" "$(owner_of_tap "$tap")"
reset_taps

# ---- 7: an unprivileged launch reaps its own uid's dead leftovers -------
bg_user sleep 600; D1=$BG
bg_user2 sleep 600; D2=$BG
t1=$(as_user sudo -n "$X" tap-control make-nics --owner-pid "$D1" --ovsdb "$DB" "$LB" | cut -d: -f1)
t2=$(as_user2 sudo -n "$X" tap-control make-nics --owner-pid "$D2" --ovsdb "$DB" "$OB" | cut -d: -f1)
kill -9 "$D1" "$D2"; wait "$D1" "$D2" 2>/dev/null
out=$(as_user env FAKE_QEMU_EXIT=0 "$X" --accel=tcg --kvm "$FAKE_QEMU" --ovsdb "$DB" -n "$LB" 2>&1); rc=$?
check_eq "attack 7: the launch succeeds" "0" "$rc"
check_fails "attack 7: a user's launch reaped the tap its SIGKILLed launch left" has_link "$t1"
check_cmd "attack 7: ... and not the other user's" has_link "$t2"
as_user2 sudo -n "$X" tap-control gc --ovsdb "$DB" >/dev/null 2>&1
check_eq "attack 7: nothing left" "" "$(links)$(tapvm_ports)"

# ---- 8: a zombie owner is dead -------------------------------------------
# The zombie: a child 'exec sleep' never reaps.
ip netns exec "$NS" bash -c "sleep 1 & echo \$! >$T/z.pid; exec sleep 600" & ZP=$!
kill_at_exit -9 $ZP
for _ in $(seq 50); do [ -s "$T/z.pid" ] && break; sleep 0.1; done
Z=$(cat "$T/z.pid")
tz=$(ip netns exec "$NS" "$X" tap-control make-nics --owner-pid "$Z" "$LB" | cut -d: -f1)
check_cmd "attack 8: the owner became a zombie" wait_state "$Z" Z
out=$(ip netns exec "$NS" "$X" tap-control list | grep "\"$tz\"")
check_cmd "attack 8: list says a zombie owner is not alive" grep -q '"alive":false' <<<"$out"
out=$(ip netns exec "$NS" "$X" tap-control gc 2>&1)
check_fails "attack 8: gc reaps a zombie's tap" has_link "$tz"
kill -9 "$ZP"; wait "$ZP" 2>/dev/null
reset_taps
check_eq "the end: nothing left" "" "$(links)$(tapvm_ports)"
done_testing
