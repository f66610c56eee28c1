#!/bin/bash
# xkvm launches with NICs on Open vSwitch bridges, on a private OVS
# (datapath_type=netdev) in a namespace this test makes: one and two OVS
# bridges, a Linux and an OVS NIC in one launch, a fake VLAN bridge, the
# ovs-* tokens on the Port/Interface, attached-mac from mac=, vnet_hdr=off
# on netdev-datapath bridges (kept out when the spec sets vnet_hdr), the
# tokens refused on a Linux bridge, --dry-run, and real qemu.  The fake
# qemu records its argv and pid; while it sleeps the test looks at the
# database and the links, then kills it by pid and checks the teardown.
# After every case: no tapvm* link, no Port named tapvm*, no Interface with
# an xkvm-owner tag.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root

netns_new NS
ovs_start "$NS"
r=$(rand_hex 2)
br1=xo1$r br2=xo2$r brs=xos$r fk=xof$r lbr=xl$r
ovs_add_br "$br1" || exit 2
ovs_add_br "$br2" || exit 2
ovs_add_fake_br "$fk" "$br1" 10 || exit 2
# A system-datapath bridge: only its database row matters here (no kernel
# module, so ovs-vswitchd cannot run it).
ovs_vsctl --no-wait add-br "$brs" || exit 2
ip -n "$NS" link add "$lbr" type bridge || exit 2
dir=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-lovs.XXXXXX) || exit 2
when_finished "rm -rf $dir"
FQ=$XKVM_TOP/tests/lib/fake-qemu
boot=$(cat /proc/sys/kernel/random/boot_id)
pidns=$(stat -L -c %i /proc/self/ns/pid)

xk() { ovs_in_ns "$XKVM" "$@"; }
# xk_exec ARG...: xkvm in the namespace as this very process (for $!)
xk_exec() { exec ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" OVS_DBDIR="$OVS_DIR" \
	OVS_LOGDIR="$OVS_DIR" "$XKVM" "$@"; }
vs() { ovs_vsctl --no-wait "$@"; }
# netdev_of N: qemu's -netdev argument of NIC N from the recorded argv
netdev_of() { grep "^type=tap,id=net0$1," "$dir/argv"; }
link_info() { ip -n "$NS" -o -d link show dev "$1"; }

# launch_bg ARG...: xkvm with the fake qemu in the background; sets XPID
# (xkvm: ip netns exec and env exec it) and QPID, qemu's argv in $dir/argv.
launch_bg() {
	local i
	rm -f "$dir/rec" "$dir/argv"
	(FAKE_QEMU_RECORD=$dir/rec xk_exec --accel=tcg --kvm "$FQ" "$@" >"$dir/out" 2>"$dir/err") &
	XPID=$!
	for i in $(seq 400); do
		[ -s "$dir/rec" ] && break
		kill -0 "$XPID" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -s "$dir/rec" ]; then
		wait "$XPID"
		fail "launch $* did not start qemu (exit $?): $(cat "$dir/err")"
		return 1
	fi
	QPID=$(head -n1 "$dir/rec")
	tail -n +2 "$dir/rec" >"$dir/argv"
	return 0
}
# stop_launch: kills the fake qemu by pid; xkvm must exit as qemu did.
stop_launch() {
	kill -TERM "$QPID"
	wait "$XPID"
	check_eq "xkvm exits with qemu's status (SIGTERM)" 143 "$?"
}

# --- one OVS bridge ---------------------------------------------------------
if launch_bg --netdev "$br1,mac=52:54:00:12:34:56"; then
	check_eq "one bridge: qemu's -netdev has vnet_hdr=off and the tap" \
		"type=tap,id=net00,script=no,downscript=no,vnet_hdr=off,ifname=tapvm0" "$(netdev_of 0)"
	check_eq "one bridge: the port is on $br1" "$br1" "$(vs port-to-br tapvm0)"
	ofport=$(vs get Interface tapvm0 ofport)
	if [ "$ofport" -gt 0 ] 2>/dev/null; then ok "one bridge: ofport $ofport"; else
		fail "one bridge: ofport '$ofport'"; fi
	owner=$(vs get Interface tapvm0 external_ids:xkvm-owner)
	if [[ $owner =~ ^\"xkvm:pid=$XPID,start=[0-9]+,uid=0,pidns=$pidns,boot=$boot\"$ ]]; then
		ok "one bridge: owner tag names this xkvm"; else fail "one bridge: owner '$owner'"; fi
	check_eq "one bridge: attached-mac from mac=" '"52:54:00:12:34:56"' \
		"$(vs get Interface tapvm0 external_ids:attached-mac)"
	check_eq "one bridge: the tap's alias is the same tag" "$owner" \
		"\"$(ip netns exec "$NS" cat /sys/class/net/tapvm0/ifalias)\""
	case "$(link_info tapvm0)" in *",UP"*|*"<UP"*) ok "one bridge: tap is up";;
		*) fail "one bridge: tap not up: $(link_info tapvm0)";; esac
	check_eq "one bridge: the bridge's only port" "tapvm0" "$(vs list-ports "$br1")"
	check_eq "one bridge: xkvm is qemu's parent" "$XPID" "$(ps -o ppid= -p "$QPID" | tr -d ' ')"
	stop_launch
fi
check_clean "one bridge"

# --- two OVS bridges, a Linux bridge and user networking, with tokens -------
if launch_bg --ovn-no-wait \
	--netdev "$br1,mac=52:54:00:00:00:01,ovs-tag=5,ovs-iface-id=lp-$r,ovs-vm-id=vm-$r,ovs-ext:a=b,ovs-ext:k=v=w" \
	--netdev "$lbr" --netdev "$br2,ovs-trunks=10:20:30" --netdev user \
	--netdev "$br2,ovs-tag=7,ovs-trunks=1"; then
	check_eq "mixed: tapvm0 on $br1" "$br1" "$(vs port-to-br tapvm0)"
	case "$(link_info tapvm1)" in *" master $lbr "*) ok "mixed: tapvm1 enslaved to $lbr";;
		*) fail "mixed: tapvm1: $(link_info tapvm1)";; esac
	check_eq "mixed: tapvm1 is not in the database" "" "$(vs --bare --columns=name find Port name=tapvm1)"
	check_eq "mixed: tapvm2 on $br2" "$br2" "$(vs port-to-br tapvm2)"
	check_eq "mixed: tapvm3 on $br2" "$br2" "$(vs port-to-br tapvm3)"
	check_eq "mixed: ovs-tag=5" 5 "$(vs get Port tapvm0 tag)"
	check_eq "mixed: no trunks without ovs-trunks" "[]" "$(vs get Port tapvm0 trunks)"
	check_eq "mixed: ovs-trunks=10:20:30" "[10, 20, 30]" "$(vs get Port tapvm2 trunks)"
	check_eq "mixed: no tag without ovs-tag" "[]" "$(vs get Port tapvm2 tag)"
	check_eq "mixed: ovs-tag with ovs-trunks" "7 [1]" "$(vs get Port tapvm3 tag trunks | tr '\n' ' ' | sed 's/ $//')"
	check_eq "mixed: Interface tokens (iface-id, vm-id, ext, attached-mac)" \
		"lp-$r vm-$r b \"v=w\" \"52:54:00:00:00:01\"" \
		"$(vs get Interface tapvm0 external_ids:iface-id external_ids:vm-id external_ids:a \
			external_ids:k external_ids:attached-mac | tr '\n' ' ' | sed 's/ $//')"
	ids2=$(vs get Interface tapvm2 external_ids)
	case "$ids2" in "{xkvm-owner="*"}") ok "mixed: no token, no mac: only the owner tag";;
		*) fail "mixed: tapvm2 external_ids $ids2";; esac
	check_eq "mixed: one owner for all ports" 1 \
		"$(for t in tapvm0 tapvm2 tapvm3; do vs get Interface $t external_ids:xkvm-owner; done | sort -u | wc -l)"
	check_eq "mixed: the Linux tap carries the same tag" \
		"$(vs get Interface tapvm0 external_ids:xkvm-owner)" \
		"\"$(ip netns exec "$NS" cat /sys/class/net/tapvm1/ifalias)\""
	check_eq "mixed: OVS NICs get vnet_hdr=off, the Linux one not" \
		"type=tap,id=net00,script=no,downscript=no,vnet_hdr=off,ifname=tapvm0
type=tap,id=net01,script=no,downscript=no,ifname=tapvm1
type=tap,id=net02,script=no,downscript=no,vnet_hdr=off,ifname=tapvm2
type=tap,id=net04,script=no,downscript=no,vnet_hdr=off,ifname=tapvm3" \
		"$(for i in 0 1 2 3 4; do netdev_of $i; done)"
	check_eq "mixed: user NIC untouched" "type=user,id=net03" "$(grep '^type=user' "$dir/argv")"
	check_eq "mixed: no ovs- token reaches qemu" "" "$(grep -n 'ovs-' "$dir/argv")"
	check_eq "mixed: the mac reaches qemu's -device" "virtio-net-pci,netdev=net00,mac=52:54:00:00:00:01" \
		"$(grep '^virtio-net-pci,netdev=net00' "$dir/argv")"
	stop_launch
fi
check_clean "mixed"
check_eq "mixed: the Linux bridge is still there" 1 "$(ip -n "$NS" -o link show "$lbr" | wc -l)"
check_eq "mixed: the fake bridge is still there" "$fk $br1 10" \
	"$(vs br-to-parent "$fk" | sed "s/^/$fk /") $(vs br-to-vlan "$fk")"

# --- a fake VLAN bridge -----------------------------------------------------
if launch_bg --netdev "$fk" --netdev "$fk,ovs-tag=10"; then
	check_eq "fake bridge: port-to-br names the fake bridge" "$fk $fk" \
		"$(vs port-to-br tapvm0) $(vs port-to-br tapvm1)"
	check_eq "fake bridge: the port sits on the parent with the VLAN" "10 10" \
		"$(vs get Port tapvm0 tag) $(vs get Port tapvm1 tag)"
	check_eq "fake bridge: vnet_hdr=off (the parent's datapath is netdev)" \
		"type=tap,id=net00,script=no,downscript=no,vnet_hdr=off,ifname=tapvm0" "$(netdev_of 0)"
	stop_launch
fi
check_clean "fake bridge"
out=$(xk --accel=tcg --kvm "$FQ" --netdev "$fk,ovs-tag=11" 2>&1)
check_eq "fake bridge, another tag: exit 1" 1 "$?"
check_eq "fake bridge, another tag: message" \
	"xkvm: port 'tapvm0' on fake bridge '$fk' (VLAN 10) cannot have VLAN tag 11" "$(echo "$out" | grep xkvm:)"
check_clean "fake bridge, another tag"

# --- ovs-* tokens on a Linux bridge -----------------------------------------
for tok in ovs-tag=3 ovs-trunks=1:2 ovs-iface-id=x ovs-vm-id=y ovs-ext:a=b; do
	out=$(xk --accel=tcg --kvm "$FQ" --netdev "$br1" --netdev "$lbr,$tok" 2>&1)
	rc=$?
	check_eq "Linux bridge with $tok: refused" \
		"1 xkvm: ovs-* options need an Open vSwitch bridge: '$lbr' is a Linux bridge in --netdev $lbr,$tok" \
		"$rc $out"
done
out=$(xk --accel=tcg --kvm "$FQ" --netdev "$br1" --netdev user,ovs-tag=3 2>&1)
check_eq "user NIC with ovs-tag beside an OVS NIC: refused" \
	"1 xkvm: ovs-* options need an Open vSwitch bridge: 'user' is user networking in --netdev user,ovs-tag=3" \
	"$? $out"
check_clean "Linux bridge with tokens"

# --- --dry-run --------------------------------------------------------------
out=$(xk --dry-run --accel=tcg --kvm "$FQ" \
	--netdev "$br1,ovs-tag=5,ovs-trunks=1:2,ovs-iface-id=i,ovs-vm-id=v,ovs-ext:a=b,mac=52:54:00:00:00:09" \
	--netdev "$br2,vnet_hdr=on" --netdev "$lbr" --netdev "$brs" --netdev "$fk" 2>&1)
check_eq "dry-run: exit 0" 0 "$?"
cmd=$(echo "$out" | tail -n1)
check_eq "dry-run: no ovs- token in qemu's command" "" "$(echo "$cmd" | grep -o 'ovs-[^ ,]*')"
check_eq "dry-run: vnet_hdr=off on netdev-datapath OVS bridges only; vnet_hdr=on kept" \
	"type=tap,id=net00,script=no,downscript=no,vnet_hdr=off,ifname=dryruntap0
type=tap,id=net01,script=no,downscript=no,vnet_hdr=on,ifname=dryruntap1
type=tap,id=net02,script=no,downscript=no,ifname=dryruntap2
type=tap,id=net03,script=no,downscript=no,ifname=dryruntap3
type=tap,id=net04,script=no,downscript=no,vnet_hdr=off,ifname=dryruntap4" \
	"$(echo "$cmd" | tr ' ' '\n' | grep '^type=tap')"
check_eq "dry-run: the mac stays" 1 "$(echo "$cmd" | grep -c 'netdev=net00,mac=52:54:00:00:00:09')"
check_eq "dry-run: prints the make-nics it would run" \
	"sudo $XKVM tap-control make-nics $br1 $br2 $lbr $brs $fk" "$(echo "$out" | grep 'tap-control')"
check_clean "dry-run"
out=$(xk --dry-run --accel=tcg --kvm "$FQ" --netdev "$lbr,ovs-tag=3" 2>&1)
check_eq "dry-run: tokens on a Linux bridge refused too" \
	"1 xkvm: ovs-* options need an Open vSwitch bridge: '$lbr' is a Linux bridge in --netdev $lbr,ovs-tag=3" "$? $out"

# --- vnet_hdr set in the spec, in a real launch -----------------------------
if launch_bg --netdev "$br1,vnet_hdr=on" --netdev "$br2,vnet_hdr=off"; then
	check_eq "vnet_hdr in the spec: kept, nothing added" \
		"type=tap,id=net00,script=no,downscript=no,vnet_hdr=on,ifname=tapvm0
type=tap,id=net01,script=no,downscript=no,vnet_hdr=off,ifname=tapvm1" \
		"$(netdev_of 0; netdev_of 1)"
	stop_launch
fi
check_clean "vnet_hdr in the spec"

# --- two launches at once on one bridge; one ends by a signal to xkvm -------
if launch_bg --netdev "$br1,ovs-tag=8"; then
	X1=$XPID Q1=$QPID
	if launch_bg --netdev "$br1" --netdev "$lbr"; then
		check_eq "two launches: both ports on $br1" "tapvm0 tapvm1" \
			"$(vs list-ports "$br1" | sort | tr '\n' ' ' | sed 's/ $//')"
		check_eq "two launches: the second's NIC on $lbr" 1 \
			"$(link_info tapvm2 | grep -c " master $lbr ")"
		kill -TERM "$XPID"	# xkvm itself: it forwards, tears down, dies by it
		wait "$XPID"
		check_eq "SIGTERM to xkvm: dies by it" 143 "$?"
		check_eq "SIGTERM to xkvm: its qemu is gone" 1 "$(kill -0 "$QPID" 2>/dev/null || echo 1)"
		check_eq "SIGTERM to xkvm: only the first launch's port and tap are left" "tapvm0 tapvm0 " \
			"$(vs list-ports "$br1") $(tapvm_links)"
		check_eq "the first launch's port keeps its tag" 8 "$(vs get Port tapvm0 tag)"
	fi
	XPID=$X1 QPID=$Q1
	stop_launch
fi
check_clean "two launches"

# --- real qemu --------------------------------------------------------------
out=$(xk --accel=tcg --netdev "$br1" --netdev "$br2,ovs-tag=4" --netdev "$lbr" -- -version 2>&1)
check_eq "real qemu -version: exit 0" 0 "$?"
check_eq "real qemu -version: ran" 1 "$(echo "$out" | grep -c '^QEMU emulator version')"
check_clean "real qemu -version"

# Real qemu that opens the taps (vnet_hdr=off on a tap xkvm made): the
# carrier comes on once qemu holds the tap.
(xk_exec --accel=tcg --netdev "$br1,mac=52:54:00:00:00:0a" --netdev "$lbr" -- \
	-machine q35 -nodefaults -display none -S -monitor none -serial none \
	>"$dir/out" 2>"$dir/err") &
XPID=$!
carrier=""
for i in $(seq 200); do
	carrier=$(ip netns exec "$NS" cat /sys/class/net/tapvm0/carrier /sys/class/net/tapvm1/carrier 2>/dev/null | tr '\n' ' ')
	[ "$carrier" = "1 1 " ] && break
	kill -0 "$XPID" 2>/dev/null || break
	sleep 0.05
done
check_eq "real qemu: holds both taps" "1 1 " "$carrier"
check_eq "real qemu: the OVS port has an ofport" 1 \
	"$([ "$(vs get Interface tapvm0 ofport 2>/dev/null)" -gt 0 ] 2>/dev/null && echo 1)"
qpid=$(cat "/proc/$XPID/task/$XPID/children" 2>/dev/null | awk '{print $1}')
if [ -n "$qpid" ]; then
	kill -TERM "$qpid"
else
	fail "real qemu: no qemu child of xkvm: $(cat "$dir/err")"
	kill -TERM "$XPID"
fi
wait "$XPID"
rc=$?
case "$rc" in 0|143) ok "real qemu: xkvm exits ($rc) after qemu";; *) fail "real qemu: exit $rc: $(cat "$dir/err")";; esac
check_clean "real qemu"

done_testing
