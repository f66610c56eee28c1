#!/bin/bash
# `make demo`: xkvm on a sandbox, step by step, for someone who has never
# seen it.  Makes a network namespace with a private ovsdb-server and
# ovs-vswitchd (userspace datapath), a Linux bridge and an OVS bridge with a
# host address each, boots the test guest (tools/build-guest.sh) through xkvm
# with a NIC on each bridge, shows the taps and ports while it runs and the
# guest's pings and TCP stream, checks that teardown left nothing, launches
# a named guest and flaps its link with `xkvm ctl` (its pings stop and
# resume), and removes the sandbox (also on ^C).  Exits 0 when every check passed.
#   tests/demo/run.sh [--build DIR] [--uefi]
#     --build DIR   the build directory holding xkvm (default build)
#     --uefi        boot the guest through OVMF (--uefi-nvram, a vars copy)
# Needs root (re-runs itself with sudo when it can).  Nothing outside the
# sandbox namespace and its temporary directory is touched.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=build uefi=false
while [ $# -gt 0 ]; do
	case "$1" in
		--build) build=${2:?--build needs a directory}; shift;;
		--uefi) uefi=true;;
		-h | --help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0;;
		*) echo "demo: unknown argument '$1'" >&2; exit 2;;
	esac
	shift
done
case "$build" in /*) ;; *) build=$top/$build;; esac

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null; then
		echo "demo: network namespaces and taps need root: re-running with sudo"
		exec sudo "$0" --build "$build" $($uefi && echo --uefi)
	fi
	echo "demo: run as root (network namespaces and taps need it)" >&2
	exit 1
fi

export XKVM=$build/xkvm XKVM_BUILD=$build XKVM_TOP=$top
. "$top/tests/lib/common.sh"
. "$top/tests/lib/ovs.sh"
. "$top/tests/lib/guest.sh"
TEST_NAME=demo	# names the namespace xkt-demo-*

# ---- presentation ---------------------------------------------------------
if [ -t 1 ]; then
	B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' R=$'\e[31m' Y=$'\e[33m' N=$'\e[0m'
else
	B="" D="" G="" R="" Y="" N=""
fi
t_demo=$(date +%s%N)
nsteps=8 step=0
elapsed() { printf '%d.%ds' $((($(date +%s%N) - t_demo) / 1000000000)) $(((($(date +%s%N) - t_demo) / 100000000) % 10)); }
heading() { step=$((step + 1)); printf '\n%s[%d/%d] %s%s %s(%s)%s\n' "$B" "$step" "$nsteps" "$*" "$N" "$D" "$(elapsed)" "$N"; }
say() { printf '    %s\n' "$*"; }
# shown LABEL CMD...: prints "$ LABEL" and CMD's output, indented
shown() {
	local label=$1
	shift
	printf '    %s$ %s%s\n' "$D" "$label" "$N"
	"$@" 2>&1 | sed 's/^/      /'
}
checks_ok=0 checks_bad=0
good() { checks_ok=$((checks_ok + 1)); printf '    %sok%s   %s\n' "$G" "$N" "$*"; }
bad() { checks_bad=$((checks_bad + 1)); printf '    %sFAIL%s %s\n' "$R" "$N" "$*"; }
# expect DESCRIPTION EXPECTED ACTUAL
expect() {
	if [ "$2" = "$3" ]; then good "$1"; else bad "$1 (expected '$2', got '$3')"; fi
}
die() { printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2; exit 1; }

# ---- cleanup, also on ^C --------------------------------------------------
ns="" dir=""
interrupted=false
on_signal() {
	interrupted=true
	printf '\n%sinterrupted:%s stopping the guest (xkvm gets SIGTERM and tears down), removing the sandbox\n' "$Y" "$N"
	exit 130
}
on_exit() {
	local rc=$?
	trap '' INT TERM HUP
	_run_finish	# last registered first: guest, listener, OVS daemons, directory, namespace
	if [ -n "$ns" ]; then
		if ip netns list | grep -q "^$ns\\b"; then
			printf '%sdemo: namespace %s is still there (ip netns del %s)%s\n' "$R" "$ns" "$ns" "$N"
			rc=1
		elif $interrupted || [ "$rc" != 0 ]; then
			echo "sandbox removed: namespace $ns, its bridges and OVS daemons are gone"
		fi
	fi
	exit "$rc"
}
trap on_exit EXIT
trap on_signal INT TERM HUP

printf '%sxkvm demo%s: a guest with one NIC on a Linux bridge and one on an Open vSwitch bridge,\n' "$B" "$N"
echo "launched by xkvm in a throw-away sandbox; nothing outside the sandbox is touched."

# ---- 1 --------------------------------------------------------------------
heading "What the demo needs"
[ -x "$XKVM" ] || die "'$XKVM' not built (run 'make')"
say "xkvm:        $XKVM"
say "qemu:        $(qemu-system-x86_64 --version 2>/dev/null | head -n 1)"
command -v ovs-vswitchd >/dev/null || die "Open vSwitch not installed (tools/install-deps.sh demo)"
say "Open vSwitch: $(ovs-vswitchd --version | head -n 1)"
[ -f "$top/build/guest/kernel/vmlinuz" ] ||
	say "the test guest's kernel is fetched once from Debian (apt-get download, nothing installed)..."
guest_setup
say "test guest:  $XK_GUEST_KERNEL ($(cat "$(dirname "$XK_GUEST_KERNEL")/kernel/release" 2>/dev/null))"
say "             $XK_GUEST_INITRD (busybox; its /init reads a job from the kernel command line)"
if $uefi; then
	[ -f /usr/share/OVMF/OVMF_CODE.fd ] || die "OVMF not installed (apt-get install ovmf)"
	say "firmware:    OVMF (--uefi)"
fi

# ---- 2 --------------------------------------------------------------------
heading "Creating the sandbox"
dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-demo.XXXXXX") || die "cannot make a temporary directory"
when_finished "rm -rf '$dir'"
netns_new ns
say "network namespace $B$ns$N: its own interfaces, addresses and routes"
ovs_start "$ns"
say "private ovsdb-server and ovs-vswitchd inside it, database and sockets in $OVS_DIR"
say "(userspace 'netdev' datapath: no kernel module; OVS_RUNDIR points every OVS tool there)"
lbr=lbr-$(rand_hex 2)
obr=ovsbr-$(rand_hex 2)
ip -n "$ns" link add "$lbr" type bridge &&
	ip -n "$ns" addr add 10.0.0.1/24 dev "$lbr" &&
	ip -n "$ns" link set "$lbr" up || die "cannot make the Linux bridge"
ovs_add_br "$obr" && ovs_sync || die "cannot make the OVS bridge"
ip -n "$ns" addr add 10.0.1.1/24 dev "$obr" &&
	ip -n "$ns" link set "$obr" up || die "cannot address the OVS bridge"
say "Linux bridge $B$lbr$N with the host address 10.0.0.1/24"
say "OVS bridge   $B$obr$N with the host address 10.0.1.1/24 (on its internal port)"
shown "ip -br addr" ip -n "$ns" -br addr
shown "ovs-vsctl show" ovs_vsctl show
# the listener the guest will stream to, on the OVS side
mkfifo "$dir/in"
ip netns exec "$ns" timeout 60 busybox nc -l -p 5000 0<>"$dir/in" >"$dir/rx" 2>/dev/null &
listener=$!
kill_at_exit $listener
say "a TCP listener (busybox nc) waits on 10.0.1.1:5000 for the guest's data"

# ---- 3 --------------------------------------------------------------------
heading "Launching the guest through xkvm"
mac0=52:54:00:00:0a:02 mac1=52:54:00:00:0b:02
job="xk.ip0=10.0.0.2/24 xk.ip1=10.0.1.2/24 xk.ping0=10.0.0.1 xk.ping1=10.0.1.1 xk.nc=10.0.1.1:5000"
fw=()
$uefi && fw=(--uefi-nvram="$dir/vars.fd")
say "one -n per NIC: the bridge's name, then options (here the MAC)"
printf '    %s$ xkvm --accel=tcg %s-n %s,mac=%s -n %s,mac=%s -- \\\n' "$D" "${fw[*]:+${fw[*]} }" "$lbr" "$mac0" "$obr" "$mac1"
printf '        -m 256 -nographic -no-reboot -kernel vmlinuz -initrd initrd.img \\\n'
printf '        -append "console=ttyS0 quiet panic=-1 xk.wait=%s xk.timeout=%s %s"%s\n' \
	"$GUEST_WAIT" "$GUEST_TIMEOUT" "$job" "$N"
say "(--accel=tcg: plain emulation, no KVM needed; everything after -- goes to qemu as is;"
say " the xk.* words are the test guest's job: addresses, pings, a TCP stream, see tests/guest/init)"
t_launch=$(date +%s%N)
guest_start guest "$dir" "${fw[@]}" -n "$lbr,mac=$mac0" -n "$obr,mac=$mac1" -- "$job" ||
	die "cannot start xkvm"
# xkvm prints the qemu command line it built, then qemu starts
for i in $(seq 100); do
	[ -n "$(guest_qemu_line guest "$dir")" ] && break
	[ -f "$dir/guest.rc" ] && break
	sleep 0.05
done
qline=$(guest_qemu_line guest "$dir")
[ -n "$qline" ] || { cat "$dir/guest.err" >&2; die "xkvm printed no qemu command line"; }
say "xkvm looked each bridge up (OVS database first, then the kernel), made a tap for each NIC,"
say "put it on its bridge (rtnetlink / one OVSDB transaction) and runs this qemu command line:"
printf '%s\n' "$qline" | sed 's/ -/\n-/g' | sed 's/^/      /' | while IFS= read -r l; do
	case "$l" in
		*vnet_hdr=off*) printf '%s  %s<- OVS tap: vnet_hdr=off%s\n' "$l" "$Y" "$N";;
		*type=tap*) printf '%s  %s<- Linux bridge tap%s\n' "$l" "$Y" "$N";;
		*if=pflash*OVMF_CODE*) printf '%s  %s<- UEFI firmware (--uefi)%s\n' "$l" "$Y" "$N";;
		*if=pflash*) printf '%s  %s<- its variables: a copy, the system template stays untouched%s\n' "$l" "$Y" "$N";;
		*) printf '%s\n' "$l";;
	esac
done
say "vnet_hdr=off: the userspace datapath would pass the guest's unfinished (offloaded) checksums"
say "on; without the virtio-net header the guest finishes them itself, and TCP works."

# ---- 4 --------------------------------------------------------------------
heading "While the guest runs: the taps and ports xkvm made"
say "booting (TCG emulation: a few seconds)..."
guest_wait_for guest "$dir" XK-START 60 || { guest_show guest "$dir"; die "the guest did not boot"; }
say "guest kernel up after $((($(date +%s%N) - t_launch) / 1000000)) ms"
pid=$(cat "$dir/guest.pid")
ltap=$(ip -n "$ns" -o link show master "$lbr" | sed 's/^[0-9]*: \([^:@]*\).*/\1/')
otap=$(ovs_vsctl list-ports "$obr")
shown "ip -br link" ip -n "$ns" -br link
say "two new taps: ${B}$ltap$N is a member of $lbr, ${B}$otap$N a port of $obr; the alias tags the owner:"
printf '    %s$ ip -o link show type tun | grep alias%s\n' "$D" "$N"
ip -n "$ns" -o link show type tun | sed -n 's/^[0-9]*: \([^:@]*\).*\(alias .*\)/      \1  \2/p'
shown "ovs-vsctl show" ovs_vsctl show
printf '    %s$ ovs-vsctl get Interface %s external_ids%s\n' "$D" "$otap" "$N"
ovs_vsctl get Interface "$otap" external_ids | sed 's/^/      /'
printf '    %s$ xkvm tap-control list%s   %s(what xkvm made, and whether the owner lives)%s\n' "$D" "$N" "$D" "$N"
ovs_in_ns "$XKVM" tap-control list 2>&1 | sed 's/^/      /'
expect "the Linux bridge's member is a tap of xkvm (pid $pid)" 1 \
	"$(ip -n "$ns" -o link show dev "${ltap:-none}" 2>/dev/null | grep -c "alias xkvm:pid=$pid,")"
case "$(ovs_vsctl --if-exists get Interface "${otap:-none}" external_ids:xkvm-owner 2>/dev/null)" in
	*"xkvm:pid=$pid,"*) good "the OVS port $otap is tagged with xkvm's pid";;
	*) bad "the OVS port '$otap' has no owner tag of xkvm";;
esac

# ---- 5 --------------------------------------------------------------------
heading "The guest at work: its console lines, as they come"
# explain LINE: one console line in words
explain() {
	local l=$1 k v
	set -- $l
	shift
	case "$1" in
		nic*=*) say "$G$(printf '%-9s' "${1#*=}")$N has MAC ${2#mac=}";;
		ip*=ok) say "$G$(printf '%-9s' "${2#dev=}")$N up, address ${3#addr=}";;
		ping*=ok)
			k=${2#dev=}
			v=$obr
			[ "$k" = eth0 ] && v=$lbr
			say "$G$(printf '%-9s' "$k")$N ping ${3#peer=} (the host, on $v): ${4#received=} replies, first after ${5#first=} s";;
		nc=ok) say "${G}TCP      $N sent ${3#bytes=} bytes to ${2#peer=} (md5 ${4#md5=})";;
		modules=ok) say "${G}drivers  $N virtio-net loaded";;
		*=fail* | watchdog=*) say "${R}FAILED   $N $*";;
		*) say "$D$*$N";;
	esac
}
seen=0
while :; do
	ended=false
	[ -f "$dir/guest.rc" ] && ended=true
	mapfile -t lines < <(tr -d '\r' <"$dir/guest.out" | grep -a -o 'XK-\(RESULT\|DONE\) .*')
	for ((i = seen; i < ${#lines[@]}; i++)); do
		case "${lines[$i]}" in
			XK-DONE*) say "guest: ${lines[$i]#XK-DONE } -> powering off";;
			*) explain "${lines[$i]}";;
		esac
	done
	seen=${#lines[@]}
	$ended && break
	sleep 0.1
done
guest_wait guest "$dir" 1
rc=$(cat "$dir/guest.rc")
say "qemu exited, xkvm removed the taps and ports and exited with status $rc"
say "launch to exit: $(cat "$dir/guest.ms") ms"
wait "$listener"
expect "xkvm exit status" 0 "$rc"
expect "the guest's verdict" ok "$(guest_done guest "$dir")"
for k in ping0 ping1 nc; do
	expect "guest: $k" ok "$(guest_verdict guest "$dir" "$k" | cut -d' ' -f1)"
done
nc_line=$(guest_verdict guest "$dir" nc)
expect "the host's listener got the guest's bytes (count, md5)" \
	"$(guest_field "$nc_line" bytes) $(guest_field "$nc_line" md5)" \
	"$(wc -c <"$dir/rx") $(md5sum <"$dir/rx" | cut -d' ' -f1)"

# ---- 6 --------------------------------------------------------------------
heading "After power-off: nothing left"
guest_ms=$(cat "$dir/guest.ms")
shown "ip -br link" ip -n "$ns" -br link
shown "ovs-vsctl show" ovs_vsctl show
taps=$(ip -n "$ns" -o link show type tun | sed 's/^[0-9]*: \([^:@]*\).*/\1/' | grep -vx -e "$obr" -e ovs-netdev)
expect "no tap left (only OVS's own: the bridge's internal port and ovs-netdev)" "" "$taps"
expect "the Linux bridge has no member" "" "$(ip -n "$ns" -o link show master "$lbr")"
expect "the OVS bridge has no port" "" "$(ovs_vsctl list-ports "$obr")"
expect "no Interface row but the bridge's own" "$obr" "$(ovs_vsctl --bare --columns=name list Interface | grep -v '^$')"
expect "xkvm tap-control list is empty" "" "$(ovs_in_ns "$XKVM" tap-control list 2>&1)"
left=""
for p in $(ip netns pids "$ns"); do
	[ "$p" = "$(ovs_pid server)" ] || [ "$p" = "$(ovs_pid vswitchd)" ] || left="$left $(cat "/proc/$p/comm" 2>/dev/null)"
done
expect "no process left in the sandbox but the OVS daemons" "" "$left"

# ---- 7 --------------------------------------------------------------------
heading "Runtime control: a link flap on a running guest"
export XKVM_RUN_DIR=$dir/run	# the control sockets stay in the sandbox
say "--name gives the launch a control socket; 'xkvm ctl NAME ...' talks to it while it runs."
say "The guest's job now: keep pinging the host through every NIC and print each change (xk.watch)."
printf '    %s$ xkvm --name demo --accel=tcg -n %s,mac=%s -- ... xk.watch=10.0%s\n' "$D" "$lbr" "$mac0" "$N"
guest_start flap "$dir" --name demo -n "$lbr,mac=$mac0" -- "xk.watch=10.0" || die "cannot start xkvm"
ctl() { ovs_in_ns env XKVM_RUN_DIR="$XKVM_RUN_DIR" "$XKVM" ctl demo "$@"; }
# watch_line REGEX SECS: waits for the guest's XK-WATCH line, prints it
watch_line() {
	local deadline=$(($(date +%s) + $2)) l
	while :; do
		l=$(tr -d '\r' <"$dir/flap.out" | grep -a "^XK-WATCH $1" | tail -n 1)
		[ -n "$l" ] && { say "${G}guest:$N ${l#XK-WATCH }"; return 0; }
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}
watch_line 'eth0=up' 60 || { guest_show flap "$dir"; die "the guest does not ping"; }
shown "xkvm ctl demo list" ctl list
printf '    %s$ xkvm ctl demo link net00 down%s   %s(qemu set_link: the guest loses carrier; the host tap goes down)%s\n' "$D" "$N" "$D" "$N"
t_flap=$(date +%s%N)
ctl link net00 down || bad "ctl link down failed"
if watch_line 'eth0=down' 15; then
	good "the guest's pings stopped $((($(date +%s%N) - t_flap) / 1000000)) ms after link down"
else
	bad "the guest's pings go on after link down"
fi
sleep 2
printf '    %s$ xkvm ctl demo link net00 up%s\n' "$D" "$N"
t_flap=$(date +%s%N)
ctl link net00 up || bad "ctl link up failed"
n_up=$(tr -d '\r' <"$dir/flap.out" | grep -ac '^XK-WATCH eth0=up')
for i in $(seq 150); do
	[ "$(tr -d '\r' <"$dir/flap.out" | grep -ac '^XK-WATCH eth0=up')" -gt "$n_up" ] && break
	sleep 0.1
done
if [ "$(tr -d '\r' <"$dir/flap.out" | grep -ac '^XK-WATCH eth0=up')" -gt "$n_up" ]; then
	say "${G}guest:$N $(tr -d '\r' <"$dir/flap.out" | grep -a '^XK-WATCH eth0=up' | tail -n 1 | sed 's/^XK-WATCH //')"
	good "the guest's pings resumed $((($(date +%s%N) - t_flap) / 1000000)) ms after link up"
else
	bad "the guest's pings did not resume after link up"
fi
printf '    %s$ xkvm ctl demo stop 2%s   %s(ACPI power-down; this guest ignores it: killed after 2 s)%s\n' "$D" "$N" "$D" "$N"
ctl stop 2
guest_wait flap "$dir" 20
expect "no tap left after the stop" "" "$(ip -n "$ns" -o link show master "$lbr")"
expect "the control socket is gone" "" "$(ls -A "$XKVM_RUN_DIR" 2>/dev/null)"

# ---- 8 --------------------------------------------------------------------
heading "Removing the sandbox"
_run_finish
if ip netns list | grep -q "^$ns\\b"; then
	bad "namespace $ns removed"
else
	good "OVS daemons stopped, namespace $ns and its bridges deleted, $dir removed"
fi
ns=""

echo
if [ "$checks_bad" -eq 0 ]; then
	printf '%sdemo passed%s: %d checks in %s (the guest itself: %s ms)\n' "$G" "$N" "$checks_ok" "$(elapsed)" "$guest_ms"
	exit 0
fi
printf '%sdemo failed%s: %d of %d checks failed (%s)\n' "$R" "$N" "$checks_bad" $((checks_ok + checks_bad)) "$(elapsed)"
exit 1
