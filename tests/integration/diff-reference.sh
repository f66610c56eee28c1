#!/bin/bash
# diff-reference: `xkvm --dry-run` against the reference script's
# `--dry-run` with the same arguments, inside a namespace holding the
# bridges.  Compares the quoted qemu command lines (random MAC tails masked,
# `readonly` == `readonly=on`).  Bad input, where xkvm intentionally
# differs (docs/compat.md), is checked separately: a one-line error naming
# the bad token, exit 2, nothing created.
. "$(dirname "$0")/../lib/common.sh"
need_root
[ -x "$XKVM" ] || { echo "no xkvm at $XKVM" >&2; exit 2; }
[ -r "$XKVM_REFERENCE" ] || { echo "no reference at $XKVM_REFERENCE" >&2; exit 2; }
for p in qemu-system-x86_64 qemu-img sudo; do
	command -v $p >/dev/null || { echo "missing $p" >&2; exit 2; }
done

netns_new NS
BR0=xkb$(rand_hex 3) BR1=xkc$(rand_hex 3)
ip -n "$NS" link add "$BR0" type bridge || exit 2
ip -n "$NS" link add "$BR1" type bridge || exit 2
# The default bridge, inside our own namespace only.
ip -n "$NS" link add virbr0 type bridge || exit 2
T=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-diffref.XXXXXX)
when_finished "rm -rf $T"
qemu-img create -q -f qcow2 "$T/a.qcow2" 16M || exit 2
qemu-img create -q -f raw "$T/b.img" 16M || exit 2
qemu-img create -q -f qcow2 "$T/c.img" 16M || exit 2
cp /usr/share/OVMF/OVMF_VARS.fd "$T/nvram.fd" || exit 2
cp /usr/share/OVMF/OVMF_CODE.fd "$T/bios.fd" || exit 2

# qemu_line FILE: the quoted qemu command line of a dry-run's stderr.
qemu_line() { grep -E '^ [^ ]' "$1" | tail -n 1; }
# (snapshot=on on the vars template of --uefi without --uefi-nvram: see
# docs/compat.md, Firmware)
normalize() {
	sed -E -e 's/,readonly=on/,readonly/g' -e 's/(OVMF_VARS[^ ]*\.fd),snapshot=on/\1/g' \
		${MASK:+-e 's/mac=52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}/mac=52:54:00:XX:XX:XX/g'}
}
# run WHICH OUT ARGS...: runs xkvm or the reference in the namespace with
# the environment in ENV (an array); stderr to OUT; returns its exit status.
run() {
	local which=$1 out=$2; shift 2
	local prog=$XKVM
	[ "$which" = ref ] && prog="bash $XKVM_REFERENCE"
	(cd "$T" && ip netns exec "$NS" env "${ENV[@]}" $prog --dry-run "$@" </dev/null >/dev/null 2>"$out")
}
ENV=() MASK=
n=0
# same DESC ARGS...: both succeed and print the same qemu command line.
same() {
	local d=$1; shift
	n=$((n + 1))
	local o=$T/out.$n.x r=$T/out.$n.r rc_o rc_r a b
	run ours "$o" "$@"; rc_o=$?
	run ref "$r" "$@"; rc_r=$?
	a=$(qemu_line "$o" | normalize) b=$(qemu_line "$r" | normalize)
	if [ $rc_o -ne 0 ] || [ $rc_r -ne 0 ] || [ -z "$a" ] || [ "$a" != "$b" ]; then
		fail "$d: $*"
		echo "  env:       ${ENV[*]}"
		echo "  xkvm ($rc_o): $a"; sed 's/^/    | /' "$o"
		echo "  reference ($rc_r): $b"; sed 's/^/    | /' "$r"
	else
		ok "$d"
	fi
}
# same_as DESC "REF ARGS" ARGS...: ours with ARGS equals the reference with REF ARGS.
same_as() {
	local d=$1 refargs=$2; shift 2
	n=$((n + 1))
	local o=$T/out.$n.x r=$T/out.$n.r a b
	run ours "$o" "$@" || { fail "$d: xkvm failed: $*"; sed 's/^/    | /' "$o"; return; }
	run ref "$r" $refargs || { fail "$d: reference failed: $refargs"; sed 's/^/    | /' "$r"; return; }
	a=$(qemu_line "$o" | normalize) b=$(qemu_line "$r" | normalize)
	[ -n "$a" ] || { fail "$d: no qemu line from xkvm"; return; }
	check_eq "$d" "$b" "$a"
}
# check_qline DESC WANT GOT: check_eq of two qemu lines, GOT not empty.
check_qline() {
	[ -n "$3" ] || { fail "$1: no qemu line"; return; }
	check_eq "$@"
}
# bad DESC WORD ARGS...: xkvm exits 2 with one line naming WORD, nothing created.
bad() {
	local d=$1 word=$2; shift 2
	n=$((n + 1))
	local o=$T/out.$n.x rc before after
	before=$(ls "$T" | grep -v '^out\.'; ip -n "$NS" -o link | wc -l)
	run ours "$o" "$@"; rc=$?
	after=$(ls "$T" | grep -v '^out\.'; ip -n "$NS" -o link | wc -l)
	if [ $rc -eq 2 ] && [ "$(wc -l <"$o")" -eq 1 ] && grep -q '^xkvm: ' "$o" &&
	   grep -qF -- "$word" "$o" && [ "$before" = "$after" ]; then
		ok "$d ($(cat "$o"))"
	else
		fail "$d: exit $rc: $*"; sed 's/^/    | /' "$o"
	fi
}

# --- NETDEV ---------------------------------------------------------------
same "user nic" -n user
same "default netdev is virbr0" -d "$T/b.img"
same "two user nics" -n user -n user
same "bridge nic" -n "$BR0"
same "two bridges and user" -n "$BR0" -n user -n "$BR1"
same "long option" --netdev user
same "long option with =" --netdev=user
same "attached short argument" -nuser
same "abbreviated --net" --net user
same "abbreviated --netd=" --netd=user
same "mac empty = index" -n user -n user,mac=
same "mac partial one octet" -n user,mac=05
same "mac partial leading colon" -n user,mac=:05
same "mac partial three octets" -n user,mac=ab:cd:ef
same "mac single digits" -n user,mac=1:2:3
same "mac octets with leading zeros" -n user,mac=005 -n user,mac=0a0:0000ff
same "mac full" -n user,mac=52:54:00:aa:bb:cc
same "mac full upper case" -n user,mac=52:54:00:AA:BB:CC
same "macaddr=" -n "$BR0",macaddr=:07
same "mac=auto" -n user,mac=auto
same "last mac wins" -n user,mac=01,macaddr=02
MASK=1
same "mac=random" -n user,mac=random -n "$BR0",mac=random
MASK=
same "model=virtio" -n user,model=virtio
same "model=e1000" -n user,model=e1000
same "model=rtl8139 on a bridge" -n "$BR1",model=rtl8139,mac=:09
same "last model wins" -n user,model=e1000,model=virtio-net-pci
same "device token (romfile, bootindex)" -n user,romfile=,bootindex=2
same "e1000 device token" -n user,model=e1000,romfile=,mac=:03
same "netdev token user (hostfwd)" -n user,hostfwd=tcp::2222-:22
# queues=N gives the device what it needs (mq, vectors: docs/compat.md)
same_as "netdev token tap (vhost, queues, vnet_hdr)" "-n $BR0,vhost=on,queues=2,vnet_hdr=off,mq=on,vectors=6" \
	-n "$BR0",vhost=on,queues=2,vnet_hdr=off
same "netdev token tap (vhost, queues=1, vnet_hdr)" -n "$BR0",vhost=on,queues=1,vnet_hdr=off
same "mixed device and netdev tokens" -n "$BR0",mq=on,vhost=on,mac=:11,host_mtu=1400
same "empty token and trailing comma" -n user,,mac=:04,
same "token without =" -n user,ipv6
same "virtio-net 'addr' (the sed quirk)" -n user,addr=0x5
ENV=(DEF_NETMODEL=e1000)
same "DEF_NETMODEL" -n user -n "$BR0",model=virtio
ENV=()
# ovs-* tokens on an OVS bridge: tests/integration/launch-ovs.sh
n=$((n + 1))
run ours "$T/out.$n.x" -n "$BR0",ovs-tag=5,mac=:01; rc=$?
check_eq "ovs-* tokens on a Linux bridge are refused" \
	"1 xkvm: ovs-* options need an Open vSwitch bridge: '$BR0' is a Linux bridge in --netdev $BR0,ovs-tag=5,mac=:01" \
	"$rc $(cat "$T/out.$n.x")"

# --- DISK -----------------------------------------------------------------
same "qcow2 disk" -d "$T/a.qcow2"
same "raw disk" --disk "$T/b.img"
same "qcow2 named .img" --disk="$T/c.img"
same "abbreviated --dis" --dis "$T/b.img"
same "two disks" -d "$T/a.qcow2" -d "$T/b.img"
same "file=" -d file="$T/a.qcow2"
same "missing file, no fmt: raw" -d file="$T/absent.img"
same "missing file with fmt=" -d "file=$T/absent.img,fmt=qcow2"
same "format=" -d "$T/b.img,format=raw"
same "driver=" -d "$T/b.img,driver=virtio-blk-pci"
same "if=virtio" -d "$T/b.img,if=virtio"
same "if=scsi" -d "$T/a.qcow2,if=scsi"
same "if=pflash resets driver" -d "$T/b.img,driver=scsi-hd,if=pflash"
same "id=" -d "$T/b.img,id=root"
same "serial=" -d "$T/b.img,serial=abc123"
same "wwn= as serial (virtio: to drive)" -d "$T/b.img,wwn=0x5000c50015ea71ad"
same "wwn= on scsi-hd (device)" -d "$T/a.qcow2,if=scsi,wwn=0x5000c50015ea71ad"
same "bus= without unit" -d "$T/b.img,bus=1"
same "bus= and unit=" -d "$T/b.img,bus=0,unit=3"
same "unit= alone (trailing comma quirk)" -d "$T/b.img,unit=2"
same "index=" -d "$T/b.img,index=4"
same "drive token (cache, aio)" -d "$T/b.img,cache=none,aio=threads"
same "device token (bootindex)" -d "$T/b.img,bootindex=1"
same "file.locking= (probed)" -d "$T/b.img,file.locking=off"
ENV=(_QEMU_SUPPORTS_FILE_LOCKING=false)
same "file.locking= dropped" -d "$T/b.img,file.locking=off"
ENV=(_QEMU_SUPPORTS_FILE_LOCKING=true)
same "file.locking= kept" -d "$T/b.img,file.locking=off"
ENV=(DEF_DISK_DRIVER=scsi-hd)
same "DEF_DISK_DRIVER" -d "$T/b.img" -d "$T/a.qcow2,if=virtio"
ENV=()
same "bare file after file=" -d "file=$T/a.qcow2,$T/b.img"
same "readonly token" -d "$T/b.img,readonly=on"
same "empty tokens in a disk spec" -d ",$T/b.img,,cache=none,"
same "serial from wwn, then serial= wins" -d "$T/b.img,wwn=0x1,serial=s2"
same "file= twice: last wins" -d "file=$T/a.qcow2,file=$T/b.img"
same "id= and bus= on scsi" -d "$T/a.qcow2,if=scsi,id=sd0,bus=0,unit=1"

# --- firmware, kvm, misc ----------------------------------------------------
same "--bios" --bios "$T/bios.fd"
same "--bios=" --bios="$T/bios.fd" -n user
same "--uefi" --uefi
same "--uefi-nvram existing" --uefi-nvram "$T/nvram.fd"
same "--uefi-nvram= abbreviated" --uefi-n="$T/nvram.fd"
chmod 0444 "$T/nvram.fd"
same "--uefi-nvram read-only file (root: writable)" --uefi-nvram "$T/nvram.fd"
same "--kvm path" --kvm /usr/bin/qemu-system-x86_64 -n user
same "--kvm with words" --kvm "qemu-system-x86_64 -machine q35" -n user,romfile=
same "-v" -v -n user
same "--kvm '' means the default" --kvm "" -n user
ENV=(DEF_NETMODEL= DEF_DISK_DRIVER=)
same "empty DEF_* mean the defaults" -n user -d "$T/b.img"
ENV=()
same "-vv and -v -v" -vv -v -n "$BR0"
same "--verbose" --verbose --verb -n user
same "--dowait" --dowait -n user
same "--no-dowait" --no-dowait -n user
same "pass-through after --" -n user -- -nographic -m 512
same "pass-through with spaces" -n user -- -append "console=ttyS0 root=/dev/vda"
same "pass-through with a double quote" -n user -- -append 'a "b c"'
same "non-options permuted to pass-through" -n user foo -d "$T/b.img" bar -- -m 256
same "abbreviated --dry" --dry -n user
same "everything" -v --uefi -n "$BR0",model=e1000,mac=:21,vhost=off -n user,hostfwd=tcp::1-:22 \
	-d "$T/a.qcow2,if=scsi,serial=s1" -d "$T/b.img,cache=none,bootindex=2" -- -m 1G -nographic

# --uefi-nvram with an absent file: xkvm's dry run creates nothing; then the
# reference (which copies it) must agree on the command line.
n=$((n + 1))
run ours "$T/out.$n.x" --uefi-nvram "$T/new.fd" -n user
check_eq "dry-run does not create the nvram file" "absent" "$([ -e "$T/new.fd" ] && echo present || echo absent)"
run ref "$T/out.$n.r" --uefi-nvram "$T/new.fd" -n user
check_qline "--uefi-nvram absent file" "$(qemu_line "$T/out.$n.r" | normalize)" "$(qemu_line "$T/out.$n.x" | normalize)"
# ... into a directory that does not exist: the reference's copy fails, exit
# 1; xkvm checks the copy can be made (before making anything), exit 1 too.
n=$((n + 1))
run ref "$T/out.$n.r" --uefi-nvram "$T/nodir/v.fd" -n user; rc_r=$?
run ours "$T/out.$n.x" --uefi-nvram "$T/nodir/v.fd" -n user; rc_o=$?
check_eq "--uefi-nvram into a missing directory: both exit 1" "1 1" "$rc_r $rc_o"
check_eq "  ... xkvm says why in one line" \
	"xkvm: cannot copy '/usr/share/OVMF/OVMF_VARS.fd' to '$T/nodir/v.fd': No such file or directory" \
	"$(cat "$T/out.$n.x")"

# --accel
same_as "--accel=kvm" "-n user" --accel=kvm -n user
n=$((n + 1))
run ours "$T/out.$n.x" --accel=tcg -n user
run ref "$T/out.$n.r" -n user
check_qline "--accel=tcg omits -enable-kvm" "$(qemu_line "$T/out.$n.r" | sed 's/ -enable-kvm//')" "$(qemu_line "$T/out.$n.x")"
run ours "$T/out.$n.a" --accel auto -n user
if (exec 3<>/dev/kvm) 2>/dev/null; then want=$(qemu_line "$T/out.$n.r"); else
	want=$(qemu_line "$T/out.$n.r" | sed 's/ -enable-kvm//'); fi
check_qline "--accel auto follows /dev/kvm" "$want" "$(qemu_line "$T/out.$n.a")"

# dry run output: tap creation report and dryruntap placeholders
n=$((n + 1))
links=$(ip -n "$NS" -o link | wc -l)
run ours "$T/out.$n.x" -n "$BR0" -n user -n "$BR1"
check_eq "creating tap devices line" "creating tap devices: $BR0 user $BR1" \
	"$(grep '^creating tap devices' "$T/out.$n.x")"
check_cmd "make-nics line" grep -q "tap-control make-nics $BR0 user $BR1\$" "$T/out.$n.x"
check_cmd "ifname=dryruntap2" grep -q 'ifname=dryruntap2' "$T/out.$n.x"
check_eq "no tap created" "$links" "$(ip -n "$NS" -o link | wc -l)"

# --help
check_cmd "--help exits 0" "$XKVM" --help
check_cmd "--help names --accel and ovs-tag" bash -c "'$XKVM' --help | grep -q -- --accel && '$XKVM' --help | grep -q 'ovs-tag=N.*OVS bridges only'"

# --- bad input: xkvm differs on purpose -------------------------------------
bad "bad mac" "'zz:zz' in --netdev user,mac=zz:zz" -n user,mac=zz:zz
bad "seven octets" "1:2:3:4:5:6:7" -n user,mac=1:2:3:4:5:6:7
bad "octet over ff" "'100'" -n user,mac=100
bad "empty octet in the middle" "12::34" -n user,mac=12::34
bad "trailing colon" "'12:'" -n user,mac=12:
bad "empty bridge" "empty bridge name" -n ,mac=:01
bad "bridge name too long" "abcdefghijklmnop" -n abcdefghijklmnop
bad "bridge name with /" "'br/0'" -n br/0
bad "bridge name with a space" "'br 0'" -n "br 0"
bad "ovs-tag out of range" "ovs-tag '4096'" -n "$BR0",ovs-tag=4096
bad "ovs-trunks bad" "ovs-trunks '1:x'" -n "$BR0",ovs-trunks=1:x
bad "ovs-ext without key" "ovs-ext:=x" -n "$BR0",ovs-ext:=x
bad "unknown ovs- token" "ovs-bogus=1" -n "$BR0",ovs-bogus=1
bad "empty model" "empty model" -n user,model=
bad "if=sd" "if=sd" -d "$T/b.img,if=sd"
bad "if=mtd" "if=mtd" -d "$T/b.img,if=mtd"
bad "if=floppy" "if=floppy" -d "$T/b.img,if=floppy"
bad "floppy" "'floppy'" -d "$T/b.img,floppy"
bad "no file" "no file" -d fmt=raw,cache=none
bad "bus and index" "bus and index" -d "$T/b.img,bus=0,index=1"
bad "--bios with --uefi" "--bios" --bios "$T/bios.fd" --uefi
bad "--accel bogus" "'bogus'" --accel=bogus
bad "unknown option" "--bogus" --bogus
bad "ambiguous abbreviation" "'--d'" --d x
bad "missing argument" "'--disk'" --disk
n=$((n + 1))
run ours "$T/out.$n.x" -n brnothere0
check_eq "missing bridge fails" "xkvm: no such bridge 'brnothere0'" "$(cat "$T/out.$n.x")"
n=$((n + 1))
run ours "$T/out.$n.x" -n 'br;reboot'
check_eq "shell metacharacters reach no shell" "xkvm: no such bridge 'br;reboot'" "$(cat "$T/out.$n.x")"

n=$((n + 1))
run ours "$T/out.$n.x" -n user,model=no-such-nic,x=1; rc=$?
check_eq "unknown NIC model" "1 xkvm: bad device model 'no-such-nic'" "$rc $(cat "$T/out.$n.x")"

# --- real runs (no bridges): qemu is run and its status returned ------------
real() {	# real OUT ARGS...: xkvm without --dry-run, in the namespace
	local out=$1; shift
	(cd "$T" && ip netns exec "$NS" "$XKVM" "$@" </dev/null >"$out" 2>"$out.err")
}
n=$((n + 1))
real "$T/out.$n" --accel=tcg -n user -- -version; rc=$?
check_eq "real run: qemu's status" 0 $rc
check_cmd "real run: qemu ran" grep -q 'QEMU emulator version' "$T/out.$n"
check_cmd "real run: command line reported" grep -q '^ qemu-system-x86_64 -device virtio-scsi-pci' "$T/out.$n.err"
n=$((n + 1))
real "$T/out.$n" --accel=tcg -n user -- -no-such-qemu-option; rc=$?
check_eq "real run: qemu's failure status" 1 $rc
n=$((n + 1))
real "$T/out.$n" --kvm /nonexistent/qemu-system-x86_64 -n user; rc=$?
check_eq "real run: missing --kvm binary" "1 xkvm: cannot run '/nonexistent/qemu-system-x86_64': No such file or directory" \
	"$rc $(tail -n 1 "$T/out.$n.err")"
n=$((n + 1))
links=$(ip -n "$NS" -o link | wc -l)
real "$T/out.$n" --accel=tcg -n "$BR0" -- -version; rc=$?
check_eq "real run: qemu ran with a tap on a Linux bridge" 0 $rc
check_cmd "real run: the tap is on qemu's command line" grep -q 'ifname=tapvm[0-9]' "$T/out.$n.err"
check_eq "real run: the tap is gone after qemu" "$links" "$(ip -n "$NS" -o link | wc -l)"
n=$((n + 1))
real "$T/out.$n" --uefi-nvram "$T/real.fd" -n nosuchbr0 -- -version; rc=$?
check_eq "real run: missing bridge refused" "1 xkvm: no such bridge 'nosuchbr0'" "$rc $(tail -n 1 "$T/out.$n.err")"
check_eq "real run: nothing created" "$links absent" \
	"$(ip -n "$NS" -o link | wc -l) $([ -e "$T/real.fd" ] && echo present || echo absent)"
n=$((n + 1))
real "$T/out.$n" --accel=tcg --uefi-nvram "$T/real.fd" -n user -- -version; rc=$?
check_eq "real run: --uefi-nvram copies the template" "0 same" \
	"$rc $(cmp -s /usr/share/OVMF/OVMF_VARS.fd "$T/real.fd" && echo same)"

done_testing
