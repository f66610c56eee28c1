#!/bin/bash
# diskfmt against the real thing: images of every format qemu-img can
# create (with their subformats, extent files included) plus hand-made
# files, each probed by build/tests/diskfmt-probe and compared with the
# "file format:" line of `qemu-img info`.  Every mismatch fails.
. "$(dirname "$0")/../lib/common.sh"

build=${XKVM_BUILD:-build}
case "$build" in /*) ;; *) build=$XKVM_TOP/$build;; esac
probe=$build/tests/diskfmt-probe
[ -x "$probe" ] || { echo "missing $probe (run make)" >&2; exit 2; }
command -v qemu-img >/dev/null || { echo "qemu-img is not installed" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-diskfmt-XXXXXX") || exit 2
when_finished "rm -rf '$dir'"
cd "$dir" || exit 2

# mk NAME FMT [qemu-img create options...]
mk() {
	local name=$1 fmt=$2; shift 2
	check_cmd "qemu-img create -f $fmt $* $name" \
		qemu-img create -q -f "$fmt" "$@" "$name" 4M
}

# mk_retry NAME FMT [options...]: for LUKS payloads.  qemu-img before 9.2.1
# benchmarks PBKDF2 on the CPU clock and, when a round measures 0 ms (a
# fast or busy host), fails with "Unable to get accurate CPU usage" (qemu
# commit "crypto: fix bogus error benchmarking pbkdf on fast machines").
# That is qemu-img's flake, not a format question: retry it a few times.
mk_retry() {
	local name=$1 fmt=$2 try ok=false; shift 2
	for try in 1 2 3 4 5; do
		rm -f "$name"
		if qemu-img create -q -f "$fmt" "$@" "$name" 4M 2>/dev/null; then
			ok=true
			break
		fi
	done
	check_cmd "qemu-img create -f $fmt $* $name (try $try)" $ok
}

mk raw.img raw
mk prealloc.img raw -o preallocation=full
mk v2.qcow2 qcow2 -o compat=0.10
mk v3.qcow2 qcow2 -o compat=1.1
mk meta.qcow2 qcow2 -o preallocation=metadata
mk backed.qcow2 qcow2 -b v3.qcow2 -F qcow2
mk_retry luks-inside.qcow2 qcow2 --object secret,id=s0,data=x \
	-o encrypt.format=luks,encrypt.key-secret=s0
mk x.qcow qcow
mk x.qed qed
mk sparse.vmdk vmdk -o subformat=monolithicSparse
mk flat.vmdk vmdk -o subformat=monolithicFlat
mk stream.vmdk vmdk -o subformat=streamOptimized
mk two-sparse.vmdk vmdk -o subformat=twoGbMaxExtentSparse
mk two-flat.vmdk vmdk -o subformat=twoGbMaxExtentFlat
mk v6.vmdk vmdk -o compat6=on
mk dynamic.vhd vpc -o subformat=dynamic
mk fixed.vhd vpc -o subformat=fixed	# footer only at the end: raw to qemu-img
mk dynamic.vhdx vhdx -o subformat=dynamic
mk fixed.vhdx vhdx -o subformat=fixed
mk x.vdi vdi
mk static.vdi vdi -o static=on
mk x.hdd parallels
mk_retry x.luks luks --object secret,id=s0,data=x -o key-secret=s0

# Hand-made files qemu-img opens (so it has an answer to compare with).
: >empty
: >empty.dmg
printf 'Q' >one-byte
head -c 65536 /dev/urandom >random
head -c 65536 /dev/zero >zeros
printf 'QFI\373\0\0\0\0' >qcow-v0; head -c 4096 /dev/zero >>qcow-v0
printf 'LUKS\272\276\0\2' >luks2; head -c 4096 /dev/zero >>luks2
printf '# Disk DescriptorFile\nversion=4\n' >desc-v4.vmdk
printf '# Disk DescriptorFile\n\nversion=1\n' >desc-blank.vmdk
printf 'version=1' >desc-noeol.vmdk
cp fixed.vhd fixed-copy.img
# bochs "Redolog"/"Growing" v2: header 512, 1 catalog entry (unallocated),
# 512-byte bitmap, 4096-byte extents, a 4096-byte disk.
{
	printf 'Bochs Virtual HD Image\0\0\0\0\0\0\0\0\0\0'
	printf 'Redolog\0\0\0\0\0\0\0\0\0Growing\0\0\0\0\0\0\0\0\0'
	printf '\0\0\2\0\0\2\0\0\1\0\0\0\0\2\0\0\0\20\0\0\0\0\0\0'	# version header catalog bitmap extent reserved
	printf '\0\20\0\0\0\0\0\0'	# disk size
	head -c 416 /dev/zero
	printf '\377\377\377\377'
} >x.bochs
# cloop v2.0 with a 512-byte block size and no blocks.
{
	printf '#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n'
	head -c $((128 - 84)) /dev/zero
	printf '\0\0\2\0\0\0\0\0\0\0\0\0\0\0\0\0'	# block_size, n_blocks, offsets[0]
} >x.cloop
# dmg: a property list at 0 and a UDIF "koly" trailer in the last 512 bytes.
dmg_image() {
	printf '<plist></plist>\n'
	head -c $((512 - 16)) /dev/zero
	printf 'koly'
	head -c $((0xe0 - 4)) /dev/zero
	printf '\0\0\0\0\0\0\0\20'	# XMLLength 16 (XMLOffset 0 just before)
	head -c $((512 - 0xe8)) /dev/zero
}
dmg_image >x.dmg
dmg_image >koly-not-named-dmg.img

check_cmd "hand-made files are valid" test -s x.bochs -a -s x.cloop -a -s x.dmg

# Files qemu-img picks a driver for but then cannot open: no "file format:"
# line, so the driver's own error message is the evidence of its choice.
declare -A refused=(
	[two-sparse-s001.vmdk]='vmdk|Invalid argument'	# extent without descriptor
	[random.dmg]='dmg|UDIF trailer'			# .dmg: chosen by name
	[short.qcow2]='qcow2|cluster size'		# zero-padded header
	[bad.vdi]='vdi|VDI image'
)
printf 'QFI\373\0\0\0\3' >short.qcow2
head -c 100 /dev/urandom >random.dmg
{ head -c 64 /dev/zero; printf '\177\020\332\276'; } >bad.vdi

n=0
for f in *; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	info=$(LANG=C qemu-img info "$f" 2>&1)
	want=$(echo "$info" | awk '/^file format:/ {print $3}')
	if [ -n "${refused[$f]:-}" ]; then
		want=${refused[$f]%%|*}
		if [ -n "$(echo "$info" | awk '/^file format:/')" ] ||
		   ! echo "$info" | grep -q "${refused[$f]#*|}"; then
			fail "qemu-img info $f: expected its $want driver to refuse it"
			echo "$info" | sed 's/^/  /'
		fi
	elif [ -z "$want" ]; then
		fail "qemu-img info $f has no file format"
		echo "$info" | sed 's/^/  /'
		continue
	fi
	got=$("$probe" "$f" 2>&1)
	check_eq "$f is $want" "$want" "$got"
done
check_cmd "probed many files ($n)" test "$n" -ge 40

done_testing
