#!/bin/bash
# An xkvm without CAP_NET_ADMIN sets its NICs up through
# `sudo xkvm tap-control make-nics` (as the reference does) and removes them
# through `sudo xkvm tap-control ovs-cleanup` / `del-nics` when qemu ends.
# Real sudo and a real user (tests/lib/sudo.sh: a private mount namespace,
# the host's sudoers untouched), with an /etc/xkvm/acl.conf granting the
# bridges.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/ovs.sh"
source "$(dirname "$0")/../lib/sudo.sh"
su_setup "$@"
FAKE_QEMU=$XKVM_TOP/tests/lib/fake-qemu
T=$(su_dir)
mkdir -p "$T/rec"
chmod 777 "$T/rec"

netns_new NS
ovs_start "$NS"
BR=xkl$(rand_hex 3)
OBR=xko$(rand_hex 3)
ip -n "$NS" link add "$BR" type bridge && ip -n "$NS" link set "$BR" up
ovs_add_br "$OBR"

DB=unix:$OVS_DIR/db.sock
su_acl "allow $BR
allow $OBR
vlan $OBR 12
iface-id $OBR nosuchlp
ovsdb $DB"
as_nobody() { as_user "$@"; }	# the unprivileged user, in $NS with the OVS environment

# Sanity: the unprivileged user cannot make taps itself.
out=$(as_nobody "$XKVM" tap-control make-nics "$BR" 2>&1); rc=$?
check_eq "tap-control as the user refuses" "1 xkvm: must be root for make-nics" "$rc $out"

# A dry run as the user: the OVS database refuses it (the socket is root's),
# Linux bridges still work, an OVS bridge is named as undecidable.
out=$(as_nobody "$XKVM" --dry-run --accel=tcg -n "$BR" -n user 2>&1); rc=$?
check_eq "dry run as the user on a Linux bridge" 0 "$rc"
check_cmd "  ... shows the qemu line" grep -q "ifname=dryruntap0" <<<"$out"
out=$(as_nobody "$XKVM" --dry-run --accel=tcg -n "$OBR" 2>&1); rc=$?
check_eq "dry run as the user on an OVS bridge it cannot look up" \
	"1 xkvm: cannot tell whether '$OBR' is an Open vSwitch bridge: the database refused this user (run as root)" \
	"$rc $out"

# A launch as the user: taps through sudo, owned by the user and tagged with the
# launching xkvm's pid; an OVS port with its tag; all gone after qemu.
rec=$T/rec/qemu
as_nobody env FAKE_QEMU_RECORD="$rec" FAKE_QEMU_SLEEP=30 "$XKVM" --accel=tcg \
	--kvm "$FAKE_QEMU" --ovsdb "$DB" -n "$BR" -n "$OBR",ovs-tag=12,mac=:07 -n user \
	>"$T/out" 2>"$T/err" &
xpid=$!
for _ in $(seq 100); do [ -s "$rec" ] && break; sleep 0.1; done
if [ -s "$rec" ]; then
	ok "qemu started"
	qpid=$(head -n 1 "$rec")
	taps=$(ip -n "$NS" -o link show | awk -F': ' '{print $2}' | grep -o '^tapvm[0-9]*' | sort)
	check_eq "two taps" 2 "$(echo "$taps" | grep -c .)"
	# The owner in the tags is the xkvm process that runs qemu (not the
	# short-lived make-nics), so the reaper leaves them while it lives.
	owners=$(ip -n "$NS" -o link show | grep -o 'alias xkvm:pid=[0-9]*' | sort -u | cut -d= -f2)
	check_eq "one owner for both taps" 1 "$(echo "$owners" | grep -c .)"
	check_eq "the owner is the xkvm that runs qemu" "$owners" "$(ps -o ppid= -p "$qpid" | tr -d ' ')"
	check_cmd "the owner uid is the user's" grep -q "uid=$SU_UID" \
		<<<"$(ip -n "$NS" -o link show | grep -o 'alias xkvm:[^ ]*' | head -n 1)"
	ltap=$(ip -n "$NS" -o link show master "$BR" | awk -F': ' '{print $2}' | cut -d@ -f1)
	check_eq "a tap on the Linux bridge" 1 "$(echo "$ltap" | grep -c tapvm)"
	check_eq "the OVS port has its tag" 12 "$(ovs_vsctl get Port "$(ovs_vsctl list-ports "$OBR" | grep tapvm)" tag)"
	check_cmd "qemu got both taps" grep -q "ifname=tapvm" "$rec"
	check_cmd "vnet_hdr=off on the netdev-datapath OVS NIC" grep -q "vnet_hdr=off,ifname=tapvm" "$rec"
	kill "$qpid"
else
	fail "qemu started"; cat "$T/err"
fi
wait "$xpid"; rc=$?
check_eq "xkvm exits with qemu's status" 143 "$rc"
check_eq "no tap left" "" "$(ip -n "$NS" -o link show | grep -o 'tapvm[0-9]*')"
check_eq "no OVS port left" "" "$(ovs_vsctl list-ports "$OBR")"

# A failing make-nics (missing bridge) through sudo: clear error, nothing left.
su_acl "allow nosuchbr9
$(cat /etc/xkvm/acl.conf)"
out=$(as_nobody "$XKVM" --accel=tcg --kvm "$FAKE_QEMU" -n "$BR" -n nosuchbr9 2>&1); rc=$?
check_eq "missing bridge through sudo fails" 1 "$rc"
check_cmd "missing bridge named" grep -q "no such bridge 'nosuchbr9'" <<<"$out"
check_eq "nothing left after the failure" "" "$(ip -n "$NS" -o link show | grep -o 'tapvm[0-9]*')"

# The launch's OVN options reach make-nics: a logical port nobody binds
# fails after --ovn-timeout 1, not after make-nics' default 10 s.
t0=$(now_ms)
out=$(as_nobody "$XKVM" --accel=tcg --kvm "$FAKE_QEMU" --ovn-timeout 1 --ovsdb "$DB" \
	-n "$OBR",ovs-iface-id=nosuchlp 2>&1); rc=$?
within 900 5000 "$t0" "an unbound logical port through sudo fails after --ovn-timeout"
check_eq "  ... with exit 1" 1 "$rc"
check_cmd "  ... naming the logical port" grep -q "logical port 'nosuchlp' was not bound on this chassis within 1 s" <<<"$out"
check_eq "nothing left after the OVN timeout" "" "$(ip -n "$NS" -o link show | grep -o 'tapvm[0-9]*')$(ovs_vsctl list-ports "$OBR")"

# --ovsdb reaches the teardown too: with OVS_RUNDIR pointing elsewhere only
# the explicit remote finds the database (ovs-cleanup once used the default
# and left the port).
out=$(as_nobody env OVS_RUNDIR="$T/none" FAKE_QEMU_EXIT=0 "$XKVM" --accel=tcg \
	--kvm "$FAKE_QEMU" --ovsdb "unix:$OVS_DIR/db.sock" -n "$OBR" -n "$BR" 2>&1); rc=$?
check_eq "--ovsdb through sudo: exit 0, no error" "0 " "$rc $(grep xkvm: <<<"$out")"
check_eq "--ovsdb through sudo: nothing left" "" \
	"$(ip -n "$NS" -o link show | grep -o 'tapvm[0-9]*')$(ovs_vsctl list-ports "$OBR")"

# An inherited SIGCHLD=SIG_IGN would let the kernel reap sudo before xkvm
# reads make-nics' answer.
out=$(as_nobody env --ignore-signal=CHLD FAKE_QEMU_EXIT=0 "$XKVM" --accel=tcg \
	--kvm "$FAKE_QEMU" --ovsdb "$DB" -n "$OBR" -n "$BR" 2>&1); rc=$?
check_eq "SIGCHLD ignored by the caller: exit 0, no error" "0 " "$rc $(grep xkvm: <<<"$out")"
check_eq "SIGCHLD ignored by the caller: nothing left" "" \
	"$(ip -n "$NS" -o link show | grep -o 'tapvm[0-9]*')$(ovs_vsctl list-ports "$OBR")"

# Programs run: xkvm, sudo, xkvm (tap-control), qemu only.  strace runs as
# root and starts xkvm as the user (-u), so the setuid sudo still works.
ip netns exec "$NS" env -i PATH=/usr/bin:/bin OVS_RUNDIR="$OVS_DIR" ASAN_OPTIONS=detect_leaks=0 \
	FAKE_QEMU_EXIT=0 strace -u "$SU_USER" -f -qq -e trace=execve -o "$T/rec/trace" \
	"$XKVM" --accel=tcg --kvm "$FAKE_QEMU" --ovsdb "$DB" -n "$BR" -n "$OBR" >/dev/null 2>&1
check_eq "the traced launch succeeds" 0 $?
progs=$(grep -v ENOENT "$T/rec/trace" | grep -o 'execve("[^"]*"' | cut -d'"' -f2 | xargs -n1 basename | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
echo "programs run: $progs"
check_eq "programs: xkvm, sudo + xkvm for gc, make-nics, ovs-cleanup, del-nics, qemu (a bash script)" \
	"fake-qemux1 sudox4 xkvmx5 " "$progs"
done_testing
