#!/bin/bash
# xkvm on OVN (issue 8): the test guest launched by $XKVM on each chassis of
# the OVN sandbox (tests/lib/ovn.sh) with --netdev br-int,ovs-iface-id=LSP on
# one logical switch.  Checks: the Interface carries iface-id, attached-mac,
# vm-id and the owner tag; ovn-installed=true is already set when qemu starts
# (a --kvm wrapper reads it from the database, and -v says "bound" before the
# qemu line); the tap is vnet_hdr=off (netdev-datapath bridge); `tap-control
# list` reports iface_id and ovn_installed while the guests run; the guests
# ping each other across the Geneve tunnel and 1 MiB goes over TCP (busybox
# nc, count and md5); teardown leaves no port, Interface or tap behind on
# either chassis and the logical ports unbound.  Prints timings.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovn.sh"
. "$(dirname "$0")/../lib/guest.sh"
need_root
cd "$XKVM_TOP" || exit 2

guest_setup

dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-ovnx.XXXXXX")
when_finished "rm -rf '$dir'"

# The qemu wrapper: at the real launch (not at xkvm's -device probes) it
# records the ovn-installed value of the Interface bound to $XKT_LSP, as the
# database has it now, and qemu's arguments; then it becomes qemu.
cat >"$dir/qemu-wrap" <<'EOF'
#!/bin/bash
case " $* " in
*" -kernel "*)
	now=$(date +%s%N)
	ifc=$(ovs-vsctl --timeout=5 --bare --columns=name find Interface "external_ids:iface-id=\"$XKT_LSP\"")
	inst=$(ovs-vsctl --timeout=5 get Interface "$ifc" external_ids:ovn-installed 2>&1)
	printf '%s\n' "$@" >"$XKT_REC.args"
	echo "$((now / 1000000)) $ifc ${inst//\"/}" >"$XKT_REC.tmp" && mv "$XKT_REC.tmp" "$XKT_REC"
	;;
esac
exec qemu-system-x86_64 "$@"
EOF
chmod +x "$dir/qemu-wrap"

ovn_sandbox_start
echo "# timing: sandbox start ${OVN_SANDBOX_START_MS} ms"
check_cmd "both chassis registered" ovn_wait_chassis 10

ls=ls-$(rand_hex 2)
mac1=52:54:00:0a:$(rand_hex 1):01 ip1=10.88.0.1
mac2=52:54:00:0a:$(rand_hex 1):02 ip2=10.88.0.2
check_cmd "lp1 in the northbound database" ovn_add_lsp "$ls" lp1 "$mac1" "$ip1"
check_cmd "lp2 in the northbound database" ovn_add_lsp "$ls" lp2 "$mac2" "$ip2"
# northd has put both in the southbound database
check_cmd "port bindings exist" ovn_sb --timeout=10 wait-until Port_Binding lp2 "logical_port=lp2"
# and both chassis have caught up with it (flows, tunnels) before the guests
check_cmd "both chassis in sync" ovn_nb --wait=hv sync

bytes=1048576
# launch NAME CH LSP MAC XK-ARGS: $XKVM in the background on chassis CH,
# console in $dir/NAME.console, stderr (-v) in $dir/NAME.err, exit status in
# $dir/NAME.rc, start time (ms) in $dir/NAME.t0; pid in $launch_pid.
launch() {
	local name=$1 ch=$2 lsp=$3 mac=$4 args=$5
	ovn_now_ms >"$dir/$name.t0"
	(
		ovn_in "$ch" env XKT_LSP="$lsp" XKT_REC="$dir/$name.rec" \
			timeout --kill-after=5 110 "$XKVM" -v --accel=tcg --kvm "$dir/qemu-wrap" \
			-n "br-int,ovs-iface-id=$lsp,mac=$mac,ovs-vm-id=vm-$name" -- \
			-m 256 -nographic -no-reboot \
			-kernel "$XK_GUEST_KERNEL" -initrd "$XK_GUEST_INITRD" \
			-append "console=ttyS0 quiet panic=-1 xk.wait=30 xk.timeout=75 $args" \
			</dev/null >"$dir/$name.raw" 2>"$dir/$name.err"
		echo $? >"$dir/$name.rc"
		ovn_now_ms >"$dir/$name.t1"
		tr -d '\r' <"$dir/$name.raw" >"$dir/$name.console"
	) &
	launch_pid=$!
	kill_at_exit $launch_pid
}
verdict() { sed -n "s/^XK-RESULT $2=//p" "$dir/$1.console" | head -n 1; }
# drops: what each chassis' ovs-vswitchd counted as dropped (non-zero) and
# its datapath ports' counters (the guests' taps are gone by then)
drops() {
	local n
	for n in 1 2; do
		echo "--- chassis $n: ovs-vswitchd's drop counters, datapath ports"
		ovn_appctl $n ovs-vswitchd coverage/show | grep -i 'drop.*total: [1-9]'
		ovn_appctl $n ovs-vswitchd dpctl/show -s | awk '
			/lookups:/ { sub(/^ +/, ""); print }
			/^  port / { sub(/^  port [0-9]+: /, ""); name = $1 }
			/^    RX packets/ { rx = $2 " " $4 }
			/^    TX packets/ { print name ": RX " rx ", TX " $2 " " $4 }'
	done
} >&2
done_status() { sed -n 's/^XK-DONE \(status=[a-z]*\).*/\1/p' "$dir/$1.console"; }
show() {
	echo "--- $1 stderr"; cat "$dir/$1.err"
	echo "--- $1 console"; grep -a 'XK-\|panic' "$dir/$1.console"
} >&2

# Guest 2 listens (and pings guest 1); guest 1 pings guest 2 and sends.
launch g2 2 lp2 "$mac2" "xk.ip0=$ip2/24 xk.ping0=$ip1 xk.listen=5000 xk.listenbytes=$bytes"
pid2=$launch_pid
launch g1 1 lp1 "$mac1" "xk.ip0=$ip1/24 xk.ping0=$ip2 xk.nc=$ip2:5000 xk.ncbytes=$bytes"
pid1=$launch_pid

# While both run: the wrappers' records, the database and the listing.
for g in g1 g2; do
	ovn_wait_for 30 test -s "$dir/$g.rec" || fail "$g: qemu never started"
done
for n in 1 2; do
	g=g$n mac=$(eval echo "\$mac$n")
	t_qemu=0 ifc=none inst=none
	[ -s "$dir/$g.rec" ] && read -r t_qemu ifc inst <"$dir/$g.rec"
	check_eq "$g: ovn-installed=true when qemu starts" true "$inst"
	echo "# timing: $g: xkvm start to qemu start $((t_qemu - $(cat "$dir/$g.t0"))) ms (includes the OVN wait)"
	check_cmd "$g: -v says the port was bound before qemu ran" \
		grep -q "^logical port lp$n bound to $ifc\$" "$dir/$g.err"
	check_eq "$g: 'bound' comes before the qemu command line" "bound qemu" \
		"$(sed -n -e 's/^logical port .* bound to .*/bound/p' -e 's/^ *[^ ]*qemu-wrap .*/qemu/p' "$dir/$g.err" | xargs)"
	check_cmd "$g: the tap is vnet_hdr=off" grep -q "^type=tap,.*vnet_hdr=off.*ifname=$ifc" "$dir/$g.rec.args"
	ext=""
	for k in iface-id attached-mac vm-id ovn-installed; do
		ext="$ext $k=$(ovn_vsctl $n get Interface "$ifc" "external_ids:$k" | tr -d '"')"
	done
	check_eq "$g: Interface external_ids" \
		" iface-id=lp$n attached-mac=$mac vm-id=vm-$g ovn-installed=true" "$ext"
	check_cmd "$g: owner tag on the Interface" \
		ovn_vsctl $n get Interface "$ifc" external_ids:xkvm-owner
	uuid=$(ovn_sb --bare --columns=chassis find Port_Binding logical_port=lp$n)
	check_eq "$g: lp$n bound to chassis $n" "$(eval echo "\$OVN_CH${n}_NAME")" \
		"$(ovn_sb --bare --columns=name list Chassis "$uuid")"
	list=$(ovn_in $n "$XKVM" tap-control list)
	check_eq "$g: tap-control list exits 0" 0 "$?"
	check_eq "$g: listing: the OVS port, iface_id, ovn_installed" \
		"{\"kind\":\"ovs-port\",\"name\":\"$ifc\",\"bridge\":\"br-int\",\"iface_id\":\"lp$n\",\"ofport\":$(ovn_vsctl $n get Interface "$ifc" ofport),\"ovn_installed\":true," \
		"$(grep '"kind":"ovs-port"' <<<"$list" | sed 's/"owner_pid".*//')"
	check_cmd "$g: listing: the owner is alive" grep -q '"kind":"ovs-port".*"alive":true}$' <<<"$list"
	check_eq "$g: listing: the tap" 1 "$(grep -c "^{\"kind\":\"tap\",\"name\":\"$ifc\"" <<<"$list")"
	eval "ifc$n=\$ifc"
done

wait "$pid1"
wait "$pid2"
for g in g1 g2; do
	check_eq "$g: xkvm exits 0" 0 "$(cat "$dir/$g.rc")"
	check_eq "$g: guest done" "status=ok" "$(done_status $g)"
	check_eq "$g: ping across the tunnel" ok "$(verdict $g ping0 | cut -d' ' -f1)"
	echo "# timing: $g: first ping reply $(guest_field "$(verdict $g ping0)" first) s after it began;" \
		"xkvm start to exit $(( $(cat "$dir/$g.t1") - $(cat "$dir/$g.t0") )) ms;" \
		"guest uptime at XK-DONE $(sed -n 's/^XK-DONE .*uptime=//p' "$dir/$g.console") s"
done
sent=$(verdict g1 nc)
got=$(verdict g2 listen)
check_eq "g1: sent over TCP" "ok $bytes" "$(echo "$sent" | cut -d' ' -f1) $(guest_field "$sent" bytes)"
check_eq "g2: received guest 1's bytes (count, md5)" "ok $bytes $(guest_field "$sent" md5)" \
	"$(echo "$got" | cut -d' ' -f1) $(guest_field "$got" bytes) $(guest_field "$got" md5)"
echo "# g1 nc: $sent"
echo "# g2 listen: $got"

# Nothing left: only br-int's own port and the tunnel on br-int, no
# Interface with an owner tag or an iface-id, no tap, logical ports unbound.
for n in 1 2; do
	check_eq "chassis $n: br-int has no port of ours" "" \
		"$(ovn_vsctl $n list-ports br-int | grep -v '^ovn-')"
	check_eq "chassis $n: no Interface with an owner tag or an iface-id" 0 \
		"$(ovn_vsctl $n --bare --columns=external_ids list Interface | grep -c 'xkvm-owner\|iface-id')"
	check_eq "chassis $n: no link with our owner tag" 0 \
		"$(ip -n "$(_ovn_ns $n)" -o link show | grep -c 'alias xkvm:')"
	check_fails "chassis $n: the tap is gone" ip -n "$(_ovn_ns $n)" link show "$(eval echo "\$ifc$n")"
	check_eq "chassis $n: listing empty" "" "$(ovn_in $n "$XKVM" tap-control list)"
	check_cmd "lp$n unbound" ovn_sb --timeout=10 wait-until Port_Binding lp$n "logical_port=lp$n" "chassis=[]"
done
# The guests' own lines last, where the runner's tail of the log shows them.
[ "$_checks_failed" -eq 0 ] || { ovn_sandbox_logs 20; drops; show g1; show g2; }
done_testing
