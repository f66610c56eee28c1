#!/bin/bash
# Lab ports at launch (issue 14), on a private OVS (netdev datapath) and a
# Linux bridge in a namespace this test makes, with the fake qemu:
#   - ovs-ofport, mtu, queues, ovs-ingress-rate/-burst: the Interface
#     columns, the taps' MTU and multi-queue flag (tun_flags 0x100), qemu's
#     line (host_mtu, mq=on, vectors=2N+2, queues=N kept), dry run, and
#     `tap-control list` showing the OpenFlow port; the warning that OVS
#     does not police taps on the userspace datapath;
#   - the same tokens through `tap-control make-nics` (the sudo path's wire);
#   - conflicts: an OpenFlow port held by a live launch or a foreign port; an
#     ovs-iface-id held by a live launch (refused, then taken over with
#     --ovs-iface-steal), by a dead xkvm's port (taken over in the same
#     transaction) and by a foreign port (refused, then stolen);
#   - an MTU the kernel refuses, bad values: one line, nothing left.
# After every case: no tapvm* link, no Port named tapvm*, no Interface with
# an xkvm-owner tag (but where a case keeps one on purpose, said there).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root

netns_new NS
ovs_start "$NS"
r=$(rand_hex 2)
obr=xpo$r lbr=xpl$r
ovs_add_br "$obr" || exit 2
ip -n "$NS" link add "$lbr" type bridge && ip -n "$NS" link set "$lbr" up || exit 2
dir=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-lab.XXXXXX) || exit 2
when_finished "rm -rf $dir"
FQ=$XKVM_TOP/tests/lib/fake-qemu

xk() { ovs_in_ns "$XKVM" "$@"; }
xk_exec() { exec ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" OVS_DBDIR="$OVS_DIR" \
	OVS_LOGDIR="$OVS_DIR" "$XKVM" "$@"; }
vs() { ovs_vsctl --no-wait "$@"; }
col() { vs --if-exists get Interface "$1" "$2" 2>/dev/null | tr -d '"'; }
mtu_of() { ip netns exec "$NS" cat "/sys/class/net/$1/mtu" 2>/dev/null; }
# mq_of TAP: "on" when the tap has IFF_MULTI_QUEUE (0x100) in tun_flags
mq_of() {
	local f
	f=$(ip netns exec "$NS" cat "/sys/class/net/$1/tun_flags" 2>/dev/null) || return
	(((f & 0x100) != 0)) && echo on || echo off
}
arg_of() { grep -a "^$1" "$dir/argv" | head -n 1; }	# first recorded qemu argument
# launch_bg NAME ARG...: xkvm with the fake qemu in the background; sets
# XPID_NAME and QPID_NAME, qemu's argv in $dir/argv (of the last launch)
launch_bg() {
	local name=$1 i
	shift
	rm -f "$dir/rec.$name" "$dir/argv"
	(FAKE_QEMU_RECORD=$dir/rec.$name xk_exec --accel=tcg --kvm "$FQ" "$@" \
		>"$dir/out.$name" 2>"$dir/err.$name") &
	printf -v "XPID_$name" %s $!
	for i in $(seq 400); do
		[ -s "$dir/rec.$name" ] && break
		kill -0 "$(eval echo \$XPID_$name)" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -s "$dir/rec.$name" ]; then
		wait "$(eval echo \$XPID_$name)"
		fail "launch $name ($*) did not start qemu (exit $?): $(cat "$dir/err.$name")"
		return 1
	fi
	printf -v "QPID_$name" %s "$(head -n1 "$dir/rec.$name")"
	tail -n +2 "$dir/rec.$name" >"$dir/argv"
}
stop_bg() {	# stop_bg NAME: qemu killed by pid, xkvm tears down
	local q x
	q=$(eval echo \$QPID_$1) x=$(eval echo \$XPID_$1)
	kill -TERM "$q"
	wait "$x"
	check_eq "$1: xkvm exits with qemu's status" 143 "$?"
}
# fails DESC WANT ARG...: a launch that must fail at once with exactly the
# one line WANT on stderr (a glob), exit status 1 or 2, and leave nothing
fails() {
	local desc=$1 want=$2 rc err before
	shift 2
	before=$(state)
	err=$(FAKE_QEMU_RECORD=$dir/never xk --accel=tcg --kvm "$FQ" "$@" 2>&1 >/dev/null)
	rc=$?
	case $rc in 1|2) ok "$desc: exit $rc";; *) fail "$desc: exit $rc";; esac
	[ ! -e "$dir/never" ] && ok "$desc: qemu not started" || fail "$desc: qemu started"
	# the last line: the error (xkvm says 'creating tap devices' first)
	# shellcheck disable=SC2053
	[[ $(tail -n 1 <<<"$err") == $want ]] && ok "$desc: message" ||
		fail "$desc: message '$(tail -n 1 <<<"$err")', want '$want'"
	check_eq "$desc: no other error line" 1 "$(grep -c '^xkvm: ' <<<"$err")"
	rm -f "$dir/never"
	check_eq "$desc: left nothing (links, ports, tagged interfaces)" "$before" "$(state)"
}
# what launches have made now (fails compares it before and after)
state() { echo "$(tapvm_links) / $(tapvm_ports) / $(owned_ifaces)"; }

# --- every token, on both bridge kinds ---------------------------------------
if launch_bg a -n "$obr,mtu=9000,queues=4,ovs-ofport=7,ovs-ingress-rate=4000,ovs-ingress-burst=400" \
	-n "$lbr,mtu=9000,queues=2,mac=:22" -n "$obr"; then
	check_eq "ingress policing on the userspace datapath: the one warning" \
		"xkvm: warning: ovs-ingress-rate on 'tapvm0' has no effect: Open vSwitch does not police taps on a userspace-datapath bridge ('$obr')" \
		"$(grep '^xkvm: ' "$dir/err.a")"
	check_eq "ofport: requested and given" "7 7" "$(col tapvm0 ofport_request) $(col tapvm0 ofport)"
	check_eq "mtu: mtu_request and mtu on OVS" "9000 9000" "$(col tapvm0 mtu_request) $(col tapvm0 mtu)"
	check_eq "ingress policing" "4000 400" \
		"$(col tapvm0 ingress_policing_rate) $(col tapvm0 ingress_policing_burst)"
	check_eq "no token: no request" "[] [] 0" \
		"$(col tapvm2 ofport_request) $(col tapvm2 mtu_request) $(col tapvm2 ingress_policing_rate)"
	check_eq "taps' MTU (OVS 9000, Linux 9000, plain OVS 1500)" "9000 9000 1500" \
		"$(mtu_of tapvm0) $(mtu_of tapvm1) $(mtu_of tapvm2)"
	check_eq "multi-queue taps for queues >= 2 only" "on on off" \
		"$(mq_of tapvm0) $(mq_of tapvm1) $(mq_of tapvm2)"
	check_eq "qemu: device 0" "virtio-net-pci,netdev=net00,host_mtu=9000,mq=on,vectors=10" \
		"$(arg_of virtio-net-pci,netdev=net00)"
	check_eq "qemu: netdev 0 keeps queues=4" \
		"type=tap,id=net00,script=no,downscript=no,queues=4,vnet_hdr=off,ifname=tapvm0" \
		"$(arg_of type=tap,id=net00)"
	check_eq "qemu: device 1" "virtio-net-pci,netdev=net01,host_mtu=9000,mq=on,vectors=6,mac=52:54:00:12:34:22" \
		"$(arg_of virtio-net-pci,netdev=net01)"
	check_eq "qemu: netdev 1" "type=tap,id=net01,script=no,downscript=no,queues=2,ifname=tapvm1" \
		"$(arg_of type=tap,id=net01)"
	check_eq "qemu: plain device 2" "virtio-net-pci,netdev=net02" "$(arg_of virtio-net-pci,netdev=net02)"
	list=$(xk tap-control list)
	grep -q "\"name\":\"tapvm0\",\"bridge\":\"$obr\",\"iface_id\":null,\"ofport\":7," <<<"$list" &&
		ok "list shows ofport 7" || fail "list: $list"

	# --- conflicts with a live launch ----------------------------------------
	fails "ofport held by a live launch" \
		"xkvm: cannot give 'tapvm3' OpenFlow port 7 on '$obr': port 'tapvm0' holds it (owner xkvm:pid=$XPID_a,*)" \
		-n "$obr,ovs-ofport=7"
	stop_bg a
fi
check_clean "every token"

# The same tokens as a dry run: nothing made, the qemu line as it would be.
out=$(xk --dry-run --accel=tcg --kvm "$FQ" -n "$obr,mtu=9000,queues=4,ovs-ofport=7" 2>&1)
grep -q -- "-device virtio-net-pci,netdev=net00,host_mtu=9000,mq=on,vectors=10 -netdev type=tap,id=net00,script=no,downscript=no,queues=4,vnet_hdr=off,ifname=dryruntap0" <<<"$out" &&
	ok "dry run: the qemu line" || fail "dry run: $out"
check_clean "dry run"

# --- make-nics: the wire format carries every token -------------------------
out=$(xk tap-control make-nics --owner-pid $$ "$obr,mtu=9000,queues=8,ovs-ofport=9,ovs-ingress-rate=100" \
	"$lbr,mtu=4000" 2>"$dir/mk.err")
check_eq "make-nics: output" "tapvm0:ovs tapvm1:brctl" "$(echo $out)"
check_eq "make-nics: the policing warning" 1 "$(grep -c '^xkvm: warning: ovs-ingress-rate' "$dir/mk.err")"
check_eq "make-nics: columns" "9 9000 100" \
	"$(col tapvm0 ofport) $(col tapvm0 mtu_request) $(col tapvm0 ingress_policing_rate)"
check_eq "make-nics: taps" "9000 on 4000 off" \
	"$(mtu_of tapvm0) $(mq_of tapvm0) $(mtu_of tapvm1) $(mq_of tapvm1)"
xk tap-control ovs-cleanup "$obr:tapvm0" && xk tap-control del-nics tapvm0 tapvm1 ||
	fail "make-nics: cleanup"
check_clean "make-nics"
out=$(xk tap-control make-nics "$obr,vhost=on" 2>&1)
check_eq "make-nics: a qemu token is refused" "2 xkvm: invalid '$obr,vhost=on': make-nics takes BRIDGE[,mac=MAC][,mtu=N][,queues=N][,vhost-user[=SOCKET]][,ovs-*...]" "$? $out"

# --- an OpenFlow port held by a foreign port ---------------------------------
vs add-port "$obr" xpf$r -- set Interface xpf$r type=internal ofport_request=11 || exit 2
ovs_sync
fails "ofport held by a foreign port" \
	"xkvm: cannot give 'tapvm0' OpenFlow port 11 on '$obr': port 'xpf$r' holds it (owner not made by xkvm)" \
	-n "$obr,ovs-ofport=11"
vs del-port "$obr" xpf$r

# --- iface-id conflicts -------------------------------------------------------
if launch_bg b -n "$obr,ovs-iface-id=lsp-$r" --ovn-no-wait; then
	fails "iface-id held by a live launch" \
		"xkvm: logical port 'lsp-$r' for 'tapvm1' is held by port 'tapvm0' on '$obr' (owner xkvm:pid=$XPID_b,*): --ovs-iface-steal takes it over" \
		-n "$obr,ovs-iface-id=lsp-$r" --ovn-no-wait
	if launch_bg c -n "$obr,ovs-iface-id=lsp-$r" --ovn-no-wait --ovs-iface-steal; then
		check_eq "steal: the new port holds it" "lsp-$r" "$(col tapvm1 external_ids:iface-id)"
		check_eq "steal: the live launch's port is gone" "" "$(vs list-ports "$obr" | grep -x tapvm0)"
		stop_bg c
	fi
	stop_bg b	# its port is gone already: its teardown says nothing of it
	grep -q "^xkvm: " "$dir/err.b" && fail "the robbed launch's teardown: $(cat "$dir/err.b")" ||
		ok "the robbed launch tears down quietly"
fi
check_clean "iface-id, live holder"

# a dead xkvm's port: same boot, a pid that is not running
dead=$(bash -c 'echo $$')
boot=$(cat /proc/sys/kernel/random/boot_id)
pidns=$(stat -L -c %i /proc/self/ns/pid)
vs add-port "$obr" xpd$r -- set Interface xpd$r type=internal external_ids:iface-id=lsp-$r \
	"external_ids:xkvm-owner=\"xkvm:pid=$dead,start=1,uid=0,pidns=$pidns,boot=$boot\"" || exit 2
if launch_bg d -n "$obr,ovs-iface-id=lsp-$r" --ovn-no-wait --skip-reap; then
	check_eq "dead holder: its port went in the same transaction" "" \
		"$(vs list-ports "$obr" | grep -x xpd$r)"
	check_eq "dead holder: the launch holds the logical port" "lsp-$r" "$(col tapvm0 external_ids:iface-id)"
	stop_bg d
fi
check_clean "iface-id, dead holder"

vs add-port "$obr" xpz$r -- set Interface xpz$r type=internal external_ids:iface-id=lsp-$r || exit 2
fails "iface-id held by a foreign port" \
	"xkvm: logical port 'lsp-$r' for 'tapvm0' is held by port 'xpz$r' on '$obr' (owner not made by xkvm): --ovs-iface-steal takes it over" \
	-n "$obr,ovs-iface-id=lsp-$r" --ovn-no-wait
check_eq "foreign holder: still there after the refusal" "xpz$r" "$(vs list-ports "$obr" | grep -x xpz$r)"
if launch_bg e -n "$obr,ovs-iface-id=lsp-$r" --ovn-no-wait --ovs-iface-steal; then
	check_eq "foreign holder stolen" "" "$(vs list-ports "$obr" | grep -x xpz$r)"
	stop_bg e
fi
check_clean "iface-id, foreign holder"

# --- what the kernel refuses, and bad values ----------------------------------
fails "an MTU the kernel refuses for a tap" \
	"xkvm: failed to add tap 'tapvm0' with MTU 65535 to '$lbr': *" -n "$lbr,mtu=65535"
fails "mtu out of range" "xkvm: invalid mtu '67' in --netdev $lbr,mtu=67: want 68..65535" -n "$lbr,mtu=67"
fails "queues out of range" "xkvm: invalid queues '0' in --netdev $obr,queues=0: want 1..256" -n "$obr,queues=0"
fails "ofport out of range" \
	"xkvm: invalid ovs-ofport '65280' in --netdev $obr,ovs-ofport=65280: want 1..65279" -n "$obr,ovs-ofport=65280"
fails "ofport on a Linux bridge" \
	"xkvm: ovs-* options need an Open vSwitch bridge: '$lbr' is a Linux bridge in --netdev $lbr,ovs-ofport=5" \
	-n "$lbr,ovs-ofport=5"
done_testing
