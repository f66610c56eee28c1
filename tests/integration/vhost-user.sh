#!/bin/bash
# vhost-user NICs on a private DPDK ovs-vswitchd (ovs_start_dpdk: no
# hugepages, no PCI) in a namespace this test makes:
#   1. dry runs: the shared memory backend sized from -m (or the user's own
#      backend kept), -chardev/-netdev vhost-user, vectors=0 under TCG, a
#      bad -m refused; nothing is created;
#   2. a system-datapath bridge is refused with one line;
#   3. make-nics (the sudo side) checks the socket path it is given: a
#      directory of the invoking user's alone, nothing there yet;
#   4. one real guest with four NICs: vhost-user and a tap on DPDK OVS
#      bridges, a tap on a Linux bridge, user networking; it pings the
#      bridges' host addresses and sends 1 MiB over TCP through the
#      vhost-user NIC; xkvm -v says the port reached status=connected;
#      tap-control list shows the socket; afterwards nothing is left;
#   5. SIGTERM to xkvm, and SIGKILL then `tap-control gc`: no port, no
#      socket, no socket directory left; gc also removes a dead launch's
#      directory no port names, and only that;
#   6. an unprivileged launch (sudo stand-in, fake qemu): the port goes
#      through sudo make-nics, the socket directory is the user's, both go.
# Prints timings ("# timing:").  The DPDK vswitchd's PMD thread sleeps when
# idle (pmd-maxsleep=1000).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
. "$(dirname "$0")/../lib/guest.sh"
need_root
. "$(dirname "$0")/../lib/sudo.sh"
su_private_etc "$@"	# the sudo case's caller is held to an ACL of its own
cd "$XKVM_TOP" || exit 2
t_start=$(now_ms)
B=${XKVM_BUILD:-build}
case "$B" in /*) ;; *) B=$XKVM_TOP/$B;; esac

guest_setup
dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-vhost.XXXXXX") || exit 2
when_finished "rm -rf '$dir'"
chmod 755 "$dir"
export XKVM_RUN_DIR=$dir/run	# the launch directories go here (base/rundir.h)
netns_new ns
ovs_start_dpdk "$ns"
t_dpdk=$(now_ms)

r=$(rand_hex 2)
vbr=xkv$r obr=xko$r lbr=xkl$r sbr=xks$r
ovs_add_br "$vbr" && ovs_add_br "$obr" && ovs_sync || { echo "cannot make OVS bridges" >&2; exit 2; }
ip -n "$ns" link add "$lbr" type bridge && ip -n "$ns" link set "$lbr" up &&
	ip -n "$ns" addr add 10.0.0.1/24 dev "$lbr" &&
	ip -n "$ns" addr add 10.0.1.1/24 dev "$vbr" && ip -n "$ns" link set "$vbr" up &&
	ip -n "$ns" addr add 10.0.2.1/24 dev "$obr" && ip -n "$ns" link set "$obr" up ||
	{ echo "cannot address the bridges" >&2; exit 2; }

xk() { ovs_in_ns "$XKVM" "$@"; }
vhu_ports() { ovs_vsctl --bare --columns=name find Interface type=dpdkvhostuserclient | grep . | sort | tr '\n' ' '; }
rundir_left() { find "$XKVM_RUN_DIR" -mindepth 1 2>/dev/null | sort | tr '\n' ' '; }
nothing_left() {
	check_eq "$1: no vhost-user port left" "" "$(vhu_ports)"
	check_eq "$1: no socket or socket directory left" "" "$(rundir_left)"
	check_clean "$1"
	check_eq "$1: tap-control list is empty" "" "$(xk tap-control list 2>&1)"
}
rand_mac() { printf '52:54:00:%s:%s:%s' "$(rand_hex 1)" "$(rand_hex 1)" "$(rand_hex 1)"; }

# --- 1. dry runs -------------------------------------------------------------
out=$(xk --dry-run --accel=tcg -n "$vbr",vhost-user,mac=:0a -n user -- -m 1G -nographic 2>&1)
check_eq "dry run: exit 0" 0 "$?"
line=$(grep '^ *qemu-system' <<<"$out")
want="-object memory-backend-memfd,id=xkvm-mem,size=1024M,share=on -machine memory-backend=xkvm-mem"
check_cmd "dry run: a shared memfd backend of -m's size" grep -qF -- "$want" <<<"$line"
check_cmd "dry run: -chardev, server side, in a launch directory under the run directory" \
	grep -qE -- "-chardev socket,id=c00,path=$XKVM_RUN_DIR/vhost\.[0-9]+\.[0-9]+\.[0-9]+\.XXXXXX/net00\.sock,server=on " <<<"$line"
check_cmd "dry run: vectors=0 under TCG, then the MAC" \
	grep -qF -- "-device virtio-net-pci,netdev=net00,vectors=0,mac=52:54:00:12:34:0a -netdev type=vhost-user,id=net00,chardev=c00 " <<<"$line"
check_cmd "dry run: the user NIC as ever" grep -qF -- "-netdev type=user,id=net01" <<<"$line"
out=$(xk --dry-run --accel=kvm -n "$vbr",vhost-user -- -m 512 2>&1)
check_cmd "dry run, KVM: no vectors=0, size=512M" grep -q -- "netdev=net00 -netdev .*size=512M\|size=512M.*netdev=net00 -netdev" <<<"$out"
out=$(xk --dry-run --accel=tcg -n "$vbr",vhost-user 2>&1)
check_cmd "dry run without -m: qemu's default 128M" grep -qF "size=128M,share=on" <<<"$out"
out=$(xk --dry-run --accel=tcg -n "$vbr",vhost-user -- -object memory-backend-file,id=m,size=256M,mem-path=/dev/shm,share=on \
	-numa node,memdev=m -m 256 2>&1)
check_eq "dry run: the user's memory backend kept, none added" "0 0" \
	"$? $(grep -c 'xkvm-mem' <<<"$out")"
out=$(xk --dry-run --accel=tcg -n "$vbr",vhost-user -- -m lots 2>&1)
check_eq "dry run: a bad -m is a usage error" \
	"2 xkvm: invalid -m 'lots': want a size such as 512, 512M, 1G or size=1G" "$? $out"
check_eq "dry runs leave nothing" "" "$(vhu_ports)$(rundir_left)"

# --- 2. the datapath ----------------------------------------------------------
ovs_vsctl add-br "$sbr" || exit 2
out=$(xk --accel=tcg -n "$sbr",vhost-user 2>&1)
check_eq "system datapath: one line, exit 1" \
	"1 xkvm: vhost-user needs a userspace-datapath bridge: '$sbr' is not datapath_type=netdev in --netdev $sbr,vhost-user" \
	"$? $out"
ovs_vsctl del-br "$sbr"
check_eq "system datapath: nothing left" "" "$(vhu_ports)$(rundir_left)"
mkdir "$dir/cwd"
out=$(cd "$dir/cwd" && XKVM_RUN_DIR=run ovs_in_ns "$XKVM" --accel=tcg -n "$vbr",vhost-user 2>&1)
check_eq "a relative XKVM_RUN_DIR: one line, exit 1" \
	"1 xkvm: invalid XKVM_RUN_DIR 'run': want an absolute path" "$? $out"
check_eq "a relative XKVM_RUN_DIR: nothing left" "" "$(vhu_ports)$(rundir_left)$(ls -A "$dir/cwd")"
# XKVM_RUNDIR, the older spelling, still counts when XKVM_RUN_DIR is unset
out=$(ovs_in_ns env -u XKVM_RUN_DIR XKVM_RUNDIR="$dir/old" "$XKVM" --dry-run --accel=tcg -n "$vbr",vhost-user 2>&1)
check_cmd "XKVM_RUNDIR alone: the launch directory goes there" \
	grep -qE -- "-chardev socket,id=c00,path=$dir/old/vhost\.[0-9.]+XXXXXX/net00\.sock," <<<"$out"
out=$(cd "$dir/cwd" && ovs_in_ns env -u XKVM_RUN_DIR XKVM_RUNDIR=run "$XKVM" --accel=tcg -n "$vbr",vhost-user 2>&1)
check_eq "a relative XKVM_RUNDIR: one line naming it, exit 1" \
	"1 xkvm: invalid XKVM_RUNDIR 'run': want an absolute path" "$? $out"
check_eq "XKVM_RUNDIR: nothing left" "" "$(vhu_ports)$(rundir_left)$(ls -A "$dir/old" "$dir/cwd" 2>/dev/null | grep -v ':$' | grep .)"

# --- 3. make-nics checks the socket it is given ------------------------------
ld=$dir/u4242/vhost.test
mkdir -p "$ld" && chown 4242 "$dir/u4242" "$ld" && chmod 700 "$ld"
# Callers through sudo (SUDO_UID) are held to an ACL (this test's own,
# tests/lib/sudo.sh), name their remote (tap-control drops OVS_RUNDIR for
# them) and own their taps through a live process of theirs.
su_acl "allow all
vlan all all
ovsdb unix:$OVS_DIR/db.sock"
setpriv --reuid=4242 --regid=4242 --clear-groups sleep 600 & o4242=$!
kill_at_exit $o4242
setpriv --reuid=4243 --regid=4243 --clear-groups sleep 600 & o4243=$!
kill_at_exit $o4243
as4242() { SUDO_UID=4242 ovs_in_ns "$XKVM" tap-control "$1" --ovsdb "unix:$OVS_DIR/db.sock" "${@:2}"; }
out=$(as4242 make-nics --owner-pid $o4242 --with-datapath "$vbr,vhost-user=$ld/net00.sock,ovs-tag=7" 2>&1)
check_eq "make-nics: a vhost-user port named after the owner" "0 vhu$o4242-0:ovs:netdev" "$? $out"
check_eq "make-nics: dpdkvhostuserclient of that socket, the ovs-* tokens applied" \
	"dpdkvhostuserclient \"$ld/net00.sock\" 7" \
	"$(ovs_vsctl get Interface vhu$o4242-0 type options:vhost-server-path | tr '\n' ' ')$(ovs_vsctl get Port vhu$o4242-0 tag)"
check_eq "make-nics: listed with its socket" 1 \
	"$(xk tap-control list | grep -c "\"name\":\"vhu$o4242-0\".*\"vhost_socket\":\"$ld/net00.sock\"")"
out=$(as4242 ovs-cleanup "$vbr:vhu$o4242-0" 2>&1)
check_eq "ovs-cleanup removes it for its user" "0 " "$? $out"
touch "$ld/net01.sock" && chown 4242 "$ld/net01.sock"
out=$(as4242 make-nics --owner-pid $o4242 "$vbr,vhost-user=$ld/net01.sock" 2>&1)
check_eq "make-nics: a socket path already taken is refused" \
	"1 xkvm: refusing vhost-user socket '$ld/net01.sock': something is there already (never reused)" "$? $out"
chmod 755 "$ld"
out=$(as4242 make-nics --owner-pid $o4242 "$vbr,vhost-user=$ld/net02.sock" 2>&1)
check_eq "make-nics: a directory others can enter is refused" \
	"1 xkvm: refusing vhost-user socket '$ld/net02.sock': its directory is not the user's alone (0700)" "$? $out"
out=$(SUDO_UID=4243 ovs_in_ns "$XKVM" tap-control make-nics --ovsdb "unix:$OVS_DIR/db.sock" \
	--owner-pid $o4243 "$vbr,vhost-user=$ld/net02.sock" 2>&1)
check_eq "make-nics: another user's directory is refused" \
	"1 xkvm: refusing vhost-user socket '$ld/net02.sock': its directory is not the user's alone (0700)" "$? $out"
out=$(as4242 make-nics --owner-pid $o4242 "$vbr,vhost-user=/tmp/x.sock" 2>&1)
check_eq "make-nics: a socket outside a launch directory is refused" \
	"1 xkvm: refusing vhost-user socket '/tmp/x.sock': not a socket in an xkvm launch directory (vhost.*)" "$? $out"
out=$(as4242 make-nics --owner-pid $o4242 "$vbr,vhost-user" 2>&1)
check_eq "make-nics: a vhost-user NIC needs its socket" \
	"1 xkvm: vhost-user NIC without its socket (vhost-user=PATH) in '$vbr,vhost-user'" "$? $out"
rm -rf "$dir/u4242"
check_eq "make-nics: nothing left" "" "$(vhu_ports)"

# --- 4. a real guest on four kinds of NIC -------------------------------------
t0=$(now_ms)
bytes=1048576
mac0=$(rand_mac) mac1=$(rand_mac) mac2=$(rand_mac)
mkfifo "$dir/rx.in"
ip netns exec "$ns" timeout 100 busybox nc -l -p 5000 0<>"$dir/rx.in" >"$dir/rx" 2>/dev/null &
listener=$!
kill_at_exit $listener
guest_start one "$dir" -v --ovs-timeout=60 -n "$vbr,vhost-user,mac=$mac0" -n "$lbr,mac=$mac1" \
	-n "$obr,mac=$mac2" -n user -- \
	"xk.ip0=10.0.1.2/24 xk.ping0=10.0.1.1 xk.ip1=10.0.0.2/24 xk.ping1=10.0.0.1" \
	"xk.ip2=10.0.2.2/24 xk.ping2=10.0.2.1 xk.nics=4 xk.nc=10.0.1.1:5000 xk.ncbytes=$bytes" || exit 2
if guest_wait_for one "$dir" XK-START 60; then
	pid=$(cat "$dir/one.pid")
	port=$(vhu_ports | tr -d ' ')
	check_eq "guest: the vhost-user port is named after xkvm's pid" "vhu$pid-0" "$port"
	case "$(ovs_vsctl get Interface "$port" external_ids:xkvm-owner 2>/dev/null)" in
		"\"xkvm:pid=$pid,"*) ok "guest: the port carries xkvm's owner tag";;
		*) fail "guest: the port's owner tag";;
	esac
	sock=$(ovs_vsctl get Interface "$port" options:vhost-server-path | tr -d '"')
	check_eq "guest: the socket directory is root's, 0700" "700 root" "$(stat -c '%a %U' "${sock%/*}")"
	check_cmd "guest: qemu made the socket" test -S "$sock"
	check_eq "guest: qemu serves that socket" 1 "$(guest_qemu_line one "$dir" | grep -cF "path=$sock,server=on")"
	check_eq "guest: tap-control list shows the port and its socket" 1 \
		"$(xk tap-control list | grep -c "\"name\":\"$port\".*\"vhost_socket\":\"$sock\"")"
	check_eq "guest: two taps (Linux bridge, OVS), none for vhost-user" 2 "$(tapvm_links | wc -w)"
else
	fail "guest: no XK-START within 60 s"
fi
guest_wait one "$dir" 100
check_eq "guest: xkvm exits 0" 0 "$(cat "$dir/one.rc")"
wait "$listener"
check_eq "guest: XK-DONE status" ok "$(guest_done one "$dir")"
check_eq "guest: eth0 is the vhost-user NIC" "eth0 mac=$mac0" "$(guest_verdict one "$dir" nic0 | cut -d' ' -f1-2)"
for k in ping0 ping1 ping2 nc; do
	check_eq "guest: $k" ok "$(guest_verdict one "$dir" "$k" | cut -d' ' -f1)"
done
check_eq "guest: 1 MiB arrived over vhost-user" "$bytes" "$(wc -c <"$dir/rx")"
check_eq "guest: its md5" "$(guest_field "$(guest_verdict one "$dir" nc)" md5)" "$(md5sum <"$dir/rx" | cut -d' ' -f1)"
check_cmd "guest: xkvm -v says the port reached status=connected" \
	grep -q "vhost-user port(s) connected to qemu after [0-9]* ms" "$dir/one.err"
nothing_left "after the guest"
[ "$_checks_failed" -eq 0 ] || guest_show one "$dir"
t_guest=$(($(now_ms) - t0))

# --- 5. SIGTERM; SIGKILL then gc ----------------------------------------------
# wait_socket NAME: until xkvm NAME's qemu created its socket
wait_socket() {
	local i
	for i in $(seq 200); do
		ls "$XKVM_RUN_DIR"/vhost.*/net00.sock >/dev/null 2>&1 && return 0
		[ -f "$dir/$1.rc" ] && return 1
		sleep 0.05
	done
	return 1
}
guest_start term "$dir" -n "$vbr",vhost-user -- || exit 2
if wait_socket term; then
	kill -TERM "$(cat "$dir/term.pid")"
	guest_wait term "$dir" 30
	check_eq "SIGTERM: xkvm dies by it" 143 "$(cat "$dir/term.rc")"
else
	fail "SIGTERM: qemu made no socket"; cat "$dir/term.err"
fi
nothing_left "after SIGTERM"

guest_start kill "$dir" -n "$vbr",vhost-user -- || exit 2
if wait_socket kill; then
	kill -KILL "$(cat "$dir/kill.pid")"
	guest_wait kill "$dir" 30
	sleep 0.2	# qemu follows by PDEATHSIG
	check_eq "SIGKILL: the port stays behind" 1 "$(vhu_ports | wc -w)"
	check_eq "SIGKILL: and the socket" 1 "$(ls "$XKVM_RUN_DIR"/vhost.*/net00.sock 2>/dev/null | wc -l)"
	out=$(xk tap-control gc)
	check_eq "gc: reports the port and the socket directory" 2 \
		"$(grep -c "^removed port vhu[0-9]*-0 from $vbr\$\|^removed vhost-user socket directory of $XKVM_RUN_DIR/vhost\..*/net00.sock\$" <<<"$out")"
else
	fail "SIGKILL: qemu made no socket"; cat "$dir/kill.err"
fi
nothing_left "after SIGKILL and gc"

# A launch killed before its port existed leaves a directory no port names:
# gc goes by its name (owner pid, start time, pid namespace).
pidns=$(stat -L -c %i /proc/self/ns/pid)
me=$(pid_start $$)
mkdir -m 700 "$XKVM_RUN_DIR/vhost.$$.$((me + 1)).$pidns.dead01" "$XKVM_RUN_DIR/vhost.$$.$me.$pidns.live01" \
	"$XKVM_RUN_DIR/vhost.$$.1.1.other1"
out=$(xk tap-control gc)
check_eq "gc: a dead launch's directory without a port goes" \
	"removed 1 vhost-user socket directory(ies) of dead launches" "$out"
check_eq "gc: a live launch's and another pid namespace's stay" \
	"$XKVM_RUN_DIR/vhost.$$.1.1.other1 $XKVM_RUN_DIR/vhost.$$.$me.$pidns.live01 " "$(rundir_left)"
rm -rf "$XKVM_RUN_DIR"/vhost.*

# --- 6. unprivileged: through sudo --------------------------------------------
# (a caller through sudo gets the OVSDB remote it names and the ACL grants:
# tap-control drops OVS_RUNDIR)
su_acl "allow all
ovsdb unix:$OVS_DIR/db.sock"
NOBODY=65534
mkdir -p "$dir/bin" "$dir/nobody" && chown $NOBODY "$dir/nobody"
install -o root -g $NOBODY -m 4750 "$B/tests/fake-sudo" "$dir/bin/sudo" ||
	{ echo "cannot install the sudo stand-in" >&2; exit 2; }
rec=$dir/nobody/qemu
ovs_in_ns setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
	env PATH="$dir/bin:$PATH" XKVM_RUN_DIR="$dir/nobody/run" FAKE_QEMU_RECORD="$rec" FAKE_QEMU_SLEEP=30 \
	"$XKVM" -v --accel=tcg --kvm "$XKVM_TOP/tests/lib/fake-qemu" --ovsdb "unix:$OVS_DIR/db.sock" \
	-n "$vbr",vhost-user -n "$lbr" \
	>"$dir/nobody.out" 2>"$dir/nobody.err" &
xpid=$!
for _ in $(seq 100); do [ -s "$rec" ] && break; sleep 0.1; done
if [ -s "$rec" ]; then
	port=$(vhu_ports | tr -d ' ')
	# the owner is the xkvm that runs qemu, not sudo's make-nics
	check_eq "sudo: the port is the unprivileged xkvm's" "vhu$(ps -o ppid= -p "$(head -n 1 "$rec")" | tr -d ' ')-0" "$port"
	sock=$(ovs_vsctl get Interface "$port" options:vhost-server-path | tr -d '"')
	check_eq "sudo: the socket directory is the user's, 0700" "700 $NOBODY" "$(stat -c '%a %u' "${sock%/*}")"
	check_cmd "sudo: qemu got the socket" grep -qxF "socket,id=c00,path=$sock,server=on" "$rec"
	kill "$(head -n 1 "$rec")"
else
	fail "sudo: qemu started"; cat "$dir/nobody.err"
fi
wait "$xpid"
check_eq "sudo: xkvm exits with qemu's status" 143 "$?"
check_cmd "sudo: the connection check says why it did not look" \
	grep -q "vhost-user connection not checked: the ports were made through sudo" "$dir/nobody.err"
check_eq "sudo: no port left" "" "$(vhu_ports)"
check_eq "sudo: no socket directory left" "" "$(find "$dir/nobody/run" -mindepth 1 2>/dev/null)"
check_clean "sudo"

echo "# timing: DPDK vswitchd up $((t_dpdk - t_start)) ms; guest (4 NICs) $t_guest ms;" \
	"whole test $(($(now_ms) - t_start)) ms; vswitchd RSS $(awk '/VmRSS/ {print $2, $3}' "/proc/$(ovs_pid vswitchd)/status")"
done_testing
