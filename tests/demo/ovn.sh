#!/bin/bash
# `make demo-ovn`: two virtual machines on one OVN logical switch, each on
# its own "host", launched by xkvm with --netdev br-int,ovs-iface-id=PORT.
#
#   tests/demo/ovn.sh [--build DIR]     (DIR/xkvm, default build)
#
# The hosts are network namespaces on this machine (tests/lib/ovn.sh): an
# OVN central (NB and SB databases, ovn-northd) and two chassis, each with
# its own ovsdb-server, ovs-vswitchd (userspace datapath) and ovn-controller,
# joined by a Geneve tunnel over a veth.  The guests are the test guest of
# tools/build-guest.sh under TCG: one listens, the other pings it and sends
# it 1 MiB over TCP.  Everything is removed at the end.  Needs root.
set -u
. "$(dirname "$0")/start.sh" ovn "$@"
for prog in qemu-system-x86_64 busybox ovn-nbctl ovn-controller ovs-vswitchd; do
	command -v "$prog" >/dev/null ||
		{ echo "demo-ovn: '$prog' not found (tools/install-deps.sh demo)" >&2; exit 2; }
done
export XKVM XKVM_TOP=$top
. tests/lib/common.sh
. tests/lib/ovn.sh

status=0
say() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$@"; }
indent() { sed 's/^/     | /'; }
bad() { printf '   !! %s\n' "$*"; status=1; }
# show_cmd HOST CMD...: print the command as a user would type it.
show_cmd() { local h=$1; shift; printf '   [%s]# %s\n' "$h" "$*"; }

say "Building the test guest (kernel + busybox initramfs, cached in build/guest)"
guest_env=$(tools/build-guest.sh) || { echo "demo-ovn: cannot build the guest" >&2; exit 1; }
eval "$guest_env"
note "kernel $XK_GUEST_KERNEL" "initrd $XK_GUEST_INITRD"

dir=$(mktemp -d "${TMPDIR:-/tmp}/xk-demo-ovn.XXXXXX")
when_finished "rm -rf '$dir'"

say "Starting OVN: a central and two chassis (hosts), each in a namespace"
ovn_sandbox_start
ovn_wait_chassis 10 || { bad "the chassis did not register"; exit 1; }
note "started in ${OVN_SANDBOX_START_MS} ms:" \
	"central   NB+SB ovsdb-servers, ovn-northd     (namespace $OVN_CENTRAL_NS)" \
	"host1     ovsdb-server, ovs-vswitchd, ovn-controller, encap IP $OVN_CH1_IP  ($OVN_CH1_NS)" \
	"host2     the same, encap IP $OVN_CH2_IP  ($OVN_CH2_NS)" \
	"Each host has br-int (the integration bridge ovn-controller programs)."

mac1=52:54:00:00:0f:01 ip1=192.168.77.1
mac2=52:54:00:00:0f:02 ip2=192.168.77.2
say "Creating the logical switch and its two ports in the northbound database"
show_cmd central "ovn-nbctl ls-add demo"
show_cmd central "ovn-nbctl lsp-add demo vm1 -- lsp-set-addresses vm1 \"$mac1 $ip1\""
show_cmd central "ovn-nbctl lsp-add demo vm2 -- lsp-set-addresses vm2 \"$mac2 $ip2\""
ovn_add_lsp demo vm1 "$mac1" "$ip1" && ovn_add_lsp demo vm2 "$mac2" "$ip2" ||
	{ bad "ovn-nbctl failed"; exit 1; }
ovn_nb show | indent

guest_args="-m 256 -nographic -no-reboot -kernel $XK_GUEST_KERNEL -initrd $XK_GUEST_INITRD"
# launch NAME HOST LSP MAC JOB: xkvm -v in the background on HOST.
launch() {
	local name=$1 ch=$2 lsp=$3 mac=$4 job=$5
	show_cmd "host$ch" "xkvm -v --accel=tcg --netdev br-int,ovs-iface-id=$lsp,mac=$mac -- \\"
	note "      $guest_args \\" "      -append \"console=ttyS0 quiet $job\""
	ovn_now_ms >"$dir/$name.t0"
	(
		ovn_in "$ch" timeout --kill-after=5 120 "$XKVM" -v --accel=tcg \
			--netdev "br-int,ovs-iface-id=$lsp,mac=$mac" -- $guest_args \
			-append "console=ttyS0 quiet panic=-1 xk.wait=30 xk.timeout=75 $job" \
			</dev/null >"$dir/$name.raw" 2>"$dir/$name.err"
		echo $? >"$dir/$name.rc"
		ovn_now_ms >"$dir/$name.t1"
		tr -d '\r' <"$dir/$name.raw" >"$dir/$name.console"
	) &
	eval "pid_$name=\$!"
}

say "Launching vm2 on host2 (it will listen on TCP port 5000) and vm1 on host1"
note "ovs-iface-id=PORT sets the tap's external_ids:iface-id (and attached-mac)" \
	"in the transaction that adds it to br-int; xkvm then waits (--ovn-timeout," \
	"default 10 s) until ovn-controller marks it ovn-installed, so the guest's" \
	"first packets already flow.  --ovn-no-wait skips that wait." ""
launch vm2 2 vm2 "$mac2" "xk.ip0=$ip2/24 xk.ping0=$ip1 xk.listen=5000 xk.listenbytes=1048576"
launch vm1 1 vm1 "$mac1" "xk.ip0=$ip1/24 xk.ping0=$ip2 xk.nc=$ip2:5000 xk.ncbytes=1048576"

# Once both guests have booted far enough: what xkvm did, seen from outside.
ovn_wait_for 30 eval 'grep -qa XK-START "$dir/vm1.raw" && grep -qa XK-START "$dir/vm2.raw"' ||
	bad "the guests did not start"
for n in 1 2; do
	say "host$n: what xkvm printed before it started qemu (-v)"
	grep -v '^ *[^ ]*qemu-system' "$dir/vm$n.err" | indent
	note "then the qemu command line, whose tap is" \
	     "  -netdev $(grep -o 'type=tap,[^ ]*' "$dir/vm$n.err")" \
	     "(vnet_hdr=off because br-int is a userspace-datapath bridge: with the" \
	     " tap's offloads on, TCP checksums would cross the tunnel unfinished)"
	say "host$n: xkvm tap-control list (one JSON object a line)"
	show_cmd "host$n" "xkvm tap-control list"
	ovn_in $n "$XKVM" tap-control list | indent
done
say "central: where OVN bound the ports"
show_cmd central "ovn-sbctl show"
ovn_sb show | indent

say "Waiting for the guests to finish their jobs (they power off)"
wait "$pid_vm1" "$pid_vm2"
for n in 1 2; do
	note "vm$n console:"
	grep -a '^XK-RESULT \(ip0\|ping0\|nc\|listen\)=\|^XK-DONE' "$dir/vm$n.console" |
		sed 's/ t=[0-9.]*$//' | indent
	[ "$(cat "$dir/vm$n.rc")" = 0 ] || bad "xkvm on host$n exited $(cat "$dir/vm$n.rc")"
	grep -q '^XK-DONE status=ok' "$dir/vm$n.console" || bad "vm$n did not finish its job"
	note "xkvm on host$n: $(( $(cat "$dir/vm$n.t1") - $(cat "$dir/vm$n.t0") )) ms from launch to the guest's poweroff, exit $(cat "$dir/vm$n.rc")" ""
done
sent=$(sed -n 's/^XK-RESULT nc=ok .*md5=\([0-9a-f]*\).*/\1/p' "$dir/vm1.console")
got=$(sed -n 's/^XK-RESULT listen=ok .*md5=\([0-9a-f]*\).*/\1/p' "$dir/vm2.console")
if [ -n "$sent" ] && [ "$sent" = "$got" ]; then
	note "vm2 received vm1's 1 MiB intact across the Geneve tunnel (md5 $got)."
else
	bad "the TCP transfer failed (sent md5 '${sent:-none}', received '${got:-none}')"
fi

say "After the guests: xkvm removed its ports and taps"
for n in 1 2; do
	show_cmd "host$n" "ovs-vsctl list-ports br-int"
	ovn_vsctl $n list-ports br-int | indent
	left=$(ovn_vsctl $n list-ports br-int | grep -v '^ovn-')
	[ -z "$left" ] || bad "host$n still has: $left"
done
note "(only the Geneve tunnel port ovn-controller made is left)"

say "A logical port that does not exist: the launch fails, nothing is left"
show_cmd host1 "xkvm --accel=tcg --ovn-timeout 3 --netdev br-int,ovs-iface-id=nosuch -- ..."
t0=$(ovn_now_ms)
ovn_in 1 timeout 30 "$XKVM" --accel=tcg --ovn-timeout 3 --netdev br-int,ovs-iface-id=nosuch \
	-- $guest_args -append "console=ttyS0" </dev/null 2>&1 | indent
rc=${PIPESTATUS[0]}
note "exit status $rc after $(( $(ovn_now_ms) - t0 )) ms; br-int now holds: $(ovn_vsctl 1 list-ports br-int | xargs)"
[ "$rc" = 1 ] || bad "expected exit status 1"

say "Tearing down the OVN sandbox"
ovn_sandbox_stop
note "On real hosts the commands are the same: xkvm finds the local OVS database" \
     "(unix:\$OVS_RUNDIR/db.sock, default /var/run/openvswitch; or --ovsdb REMOTE)," \
     "and ovn-controller there binds the port." ""
if [ "$status" = 0 ]; then
	echo "demo-ovn: OK"
else
	echo "demo-ovn: something went wrong (see the !! lines above)"
fi
exit "$status"
