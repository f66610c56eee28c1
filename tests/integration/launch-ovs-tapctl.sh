#!/bin/bash
# `xkvm tap-control make-nics` and `ovs-cleanup` on OVS bridges, on a
# private OVS in a namespace this test makes: make-nics prints tapname:ovs
# and leaves tagged ports; ovs-cleanup BRIDGE:DEV... (the reference's
# syntax) removes only ports xkvm made for the invoking user (SUDO_UID),
# refuses any other with a message and a non-zero exit unless --force, and
# a foreign port survives it.  strace shows that a launch with OVS NICs and
# both commands execute no program but xkvm and qemu.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/sudo.sh"
need_root
su_private_etc "$@"	# SUDO_UID=4242 below is a caller through sudo: its own ACL
command -v strace >/dev/null || { echo "$TEST_NAME needs strace" >&2; exit 2; }

netns_new NS
ovs_start "$NS"
r=$(rand_hex 2)
br1=xt1$r br2=xt2$r fk=xtf$r lbr=xtl$r
ovs_add_br "$br1" || exit 2
ovs_add_br "$br2" || exit 2
ovs_add_fake_br "$fk" "$br1" 20 || exit 2
ip -n "$NS" link add "$lbr" type bridge || exit 2
dir=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-lovst.XXXXXX) || exit 2
when_finished "rm -rf $dir"
boot=$(cat /proc/sys/kernel/random/boot_id)
pidns=$(stat -L -c %i /proc/self/ns/pid)

su_acl "allow all
ovsdb unix:$OVS_DIR/db.sock"
# The taps' owner: a process of uid 4242 (through sudo, no other will do).
setpriv --reuid=4242 --regid=4242 --clear-groups sleep 600 & o4242=$!
kill_at_exit -9 $o4242

xk() { ovs_in_ns "$XKVM" "$@"; }
# as UID MODE ARG...: tap-control as if run by sudo for UID (which drops
# OVS_RUNDIR: the remote is given)
as() {
	local u=$1 m=$2; shift 2
	[ "$m" = del-nics ] || set -- --ovsdb "unix:$OVS_DIR/db.sock" "$@"
	SUDO_UID=$u ovs_in_ns "$XKVM" tap-control "$m" "$@"
}
vs() { ovs_vsctl --no-wait "$@"; }
ports_of() { vs list-ports "$1" | tr '\n' ' ' | sed 's/ $//'; }

# --- make-nics --------------------------------------------------------------
out=$(as 4242 make-nics --owner-pid $o4242 "$br1" "$lbr" user "$br2" "$fk" 2>"$dir/err")
check_eq "make-nics: exit 0" 0 "$?"
check_eq "make-nics: tapname:ovs for OVS bridges, brctl and skip as before" \
	"tapvm0:ovs
tapvm1:brctl
skip
tapvm2:ovs
tapvm3:ovs" "$out"
check_eq "make-nics: quiet" "" "$(cat "$dir/err")"
check_eq "make-nics: the ports" "$br1 $br2 $fk" \
	"$(vs port-to-br tapvm0) $(vs port-to-br tapvm2) $(vs port-to-br tapvm3)"
check_eq "make-nics: the fake bridge's VLAN" 20 "$(vs get Port tapvm3 tag)"
owner=$(vs get Interface tapvm2 external_ids:xkvm-owner)
if [[ $owner =~ ^\"xkvm:pid=$o4242,start=[0-9]+,uid=4242,pidns=$pidns,boot=$boot\"$ ]]; then
	ok "make-nics: owner tag with --owner-pid and SUDO_UID"; else fail "make-nics: owner $owner"; fi
check_eq "make-nics: the taps belong to SUDO_UID" "4242 4242" \
	"$(ip netns exec "$NS" cat /sys/class/net/tapvm0/owner /sys/class/net/tapvm2/owner | tr '\n' ' ' | sed 's/ $//')"
check_eq "make-nics: ovs-vswitchd applied them" 1 \
	"$([ "$(vs get Interface tapvm0 ofport)" -gt 0 ] 2>/dev/null && echo 1)"

# --- ovs-cleanup: another user's ports are refused ---------------------------
out=$(as 4243 ovs-cleanup "$br1:tapvm0" 2>&1)
check_eq "ovs-cleanup, other uid: exit 1" 1 "$?"
check_eq "ovs-cleanup, other uid: one line" \
	"xkvm: refusing to remove 'tapvm0' (owner ${owner//\"/\'}): not made by xkvm for uid 4243 (use --force)" "$out"
check_eq "ovs-cleanup, other uid: the port stays" "$br1" "$(vs port-to-br tapvm0)"

# --- ovs-cleanup: ours go, in the reference's BRIDGE:DEV form ----------------
out=$(as 4242 ovs-cleanup "$br1:tapvm0" "$br2:tapvm2" "$fk:tapvm3" 2>&1)
check_eq "ovs-cleanup, own ports: exit 0, quiet" "0 " "$? $out"
check_eq "ovs-cleanup, own ports: gone" "||" "$(ports_of "$br1")|$(ports_of "$br2")|$(ports_of "$fk")"
check_eq "ovs-cleanup, own ports: no owned Interface left" "" "$(owned_ifaces)"
check_cmd "del-nics removes the taps" as 4242 del-nics tapvm0 tapvm1 tapvm2 tapvm3
check_clean "make-nics, ovs-cleanup"

# --- a foreign port ---------------------------------------------------------
ip -n "$NS" tuntap add mode tap name xfor0 || exit 2
vs add-port "$br1" xfor0 || exit 2
out=$(as 0 make-nics --owner-pid $$ "$br1" 2>&1)
check_eq "make-nics as root" "tapvm0:ovs" "$out"
out=$(xk tap-control ovs-cleanup "$br1:xfor0" "$br1:tapvm0" 2>&1)
check_eq "ovs-cleanup, foreign port: exit 1" 1 "$?"
check_eq "ovs-cleanup, foreign port: one line" \
	"xkvm: refusing to remove 'xfor0' (no owner tag): not made by xkvm for uid 0 (use --force)" "$out"
check_eq "ovs-cleanup, foreign port: it survives, ours is gone" "xfor0" "$(ports_of "$br1")"
out=$(xk tap-control ovs-cleanup "$br2:xfor0" 2>&1)
check_eq "ovs-cleanup, wrong bridge: exit 1" 1 "$?"
check_eq "ovs-cleanup, wrong bridge: refused" \
	"xkvm: refusing to remove 'xfor0' (on bridge '$br1', not '$br2')" "$out"
out=$(xk tap-control ovs-cleanup --force "$br2:xfor0" 2>&1)
check_eq "ovs-cleanup --force, wrong bridge: still refused" \
	"1 xkvm: refusing to remove 'xfor0' (on bridge '$br1', not '$br2')" "$? $out"
check_eq "the foreign port survives it all" "xfor0" "$(ports_of "$br1")"
out=$(xk tap-control ovs-cleanup "$br1:nosuch0" 2>&1)
check_eq "ovs-cleanup of a missing port: nothing to do" "0 " "$? $out"
out=$(xk tap-control ovs-cleanup nocolon 2>&1)
check_eq "ovs-cleanup of a bad item" "1 xkvm: invalid 'nocolon': want BRIDGE:PORT" "$? $out"
xk tap-control ovs-cleanup >/dev/null 2>&1
check_eq "ovs-cleanup without items: usage error" 2 "$?"
out=$(ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$XKVM" tap-control ovs-cleanup "$br1:xfor0" 2>&1)
check_eq "ovs-cleanup unprivileged" "1 xkvm: must be root for ovs-cleanup" "$? $out"
out=$(xk tap-control ovs-cleanup --force "$br1:xfor0" 2>&1)
check_eq "ovs-cleanup --force removes the foreign port" "0 " "$? $out"
check_eq "--force: gone" "" "$(ports_of "$br1")"
ip -n "$NS" link del xfor0
check_cmd "del-nics" xk tap-control del-nics tapvm0
check_clean "foreign port"

# --- make-nics when ovs-vswitchd does not apply the port ----------------------
ovs_stop_vswitchd
out=$(as 0 make-nics --owner-pid $$ --ovs-timeout 1 "$lbr" "$br1" 2>"$dir/err")
check_eq "make-nics, vswitchd stopped: exit 1, nothing on stdout" "1 " "$? $out"
check_eq "make-nics, vswitchd stopped: one line" \
	"xkvm: timed out waiting for ovs-vswitchd to apply the change: no progress for 1000 ms (it applied configuration $(cfgs))" "$(cat "$dir/err")"
check_clean "make-nics, vswitchd stopped"
ovs_start_vswitchd || exit 2

# --- strace: nothing executed but xkvm and qemu ------------------------------
# progs TRACE: the programs execve'd (basenames, one each), xkvm first
progs() { sed -n 's/^[0-9]* *execve("\([^"]*\)".*/\1/p' "$1" | xargs -rn1 basename | uniq; }
# LeakSanitizer cannot run under ptrace: no leak check in traced runs.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
only_xkvm_qemu() {
	local bad
	bad=$(progs "$2" | grep -vx -e "$(basename "$XKVM")" -e 'qemu-system-x86_64')
	check_eq "strace $1: no program but xkvm and qemu" "" "$bad"
}
out=$(ovs_in_ns strace -f -qq -e trace=execve -o "$dir/t1" "$XKVM" --accel=tcg \
	--netdev "$br1,ovs-tag=3,mac=52:54:00:00:00:01" --netdev "$lbr" --netdev "$fk" \
	-- -version 2>&1)
check_eq "strace launch: exit 0" 0 "$?"
check_eq "strace launch: xkvm, then qemu" "$(basename "$XKVM") qemu-system-x86_64" \
	"$(progs "$dir/t1" | head -n2 | tr '\n' ' ' | sed 's/ $//')"
only_xkvm_qemu launch "$dir/t1"
check_eq "strace launch: the launch ran qemu" 1 "$(echo "$out" | grep -c '^QEMU emulator version')"
check_clean "strace launch"
out=$(SUDO_UID=0 ovs_in_ns strace -f -qq -e trace=execve -o "$dir/t2" "$XKVM" tap-control \
	make-nics --owner-pid $$ "$br1" "$lbr" "$br2" 2>&1)
check_eq "strace make-nics" "tapvm0:ovs tapvm1:brctl tapvm2:ovs" "$(echo $out)"
only_xkvm_qemu make-nics "$dir/t2"
out=$(SUDO_UID=0 ovs_in_ns strace -f -qq -e trace=execve -o "$dir/t3" "$XKVM" tap-control \
	ovs-cleanup "$br1:tapvm0" "$br2:tapvm2" 2>&1)
check_eq "strace ovs-cleanup: exit 0" "0 " "$? $out"
only_xkvm_qemu ovs-cleanup "$dir/t3"
check_eq "strace: the traces are not empty" "$(basename "$XKVM") $(basename "$XKVM")" \
	"$(progs "$dir/t2") $(progs "$dir/t3")"
check_cmd "del-nics" xk tap-control del-nics tapvm0 tapvm1 tapvm2
check_clean "strace"

done_testing
