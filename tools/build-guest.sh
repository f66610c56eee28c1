#!/bin/sh
# Builds the test guest of xkvm's end-to-end tests from Debian packages,
# cached under OUTDIR (default build/guest):
#   OUTDIR/vmlinuz      kernel of linux-image-cloud-amd64 (the versioned
#                       linux-image-*-cloud-amd64 package it depends on)
#   OUTDIR/initrd.img   newc cpio, gzip: busybox-static, tests/guest/init as
#                       /init, the virtio-net modules of that same kernel
#   OUTDIR/kernel/      the cached kernel and its uncompressed modules
#
#   usage: tools/build-guest.sh [OUTDIR]
# Prints, on stdout, shell assignments a test can eval:
#   XK_GUEST_KERNEL=/abs/path/vmlinuz
#   XK_GUEST_INITRD=/abs/path/initrd.img
#
# Idempotent: the kernel is downloaded (apt-get download into a temporary
# directory, nothing installed) only when OUTDIR/kernel is missing; the
# initramfs is rebuilt only when missing or older than tests/guest/init or
# this script, which costs well under a second.  The guest's /init reads its
# job from the kernel command line: see tests/guest/init.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/guest}
mkdir -p "$out"
out=$(cd "$out" && pwd)
init_src=$top/tests/guest/init
self=$top/tools/build-guest.sh
# Loaded by /init in this order (a module built into the kernel is skipped).
modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
failover net_failover virtio_net"

die() { echo "build-guest: $*" >&2; exit 1; }

# Several tests may build at once: one builder at a time, the others wait
# and then find the cache filled.
exec 9>"$out/.lock"
flock 9

if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
	die "package 'busybox-static' is not installed (apt-get install busybox-static)"
fi
busybox=/bin/busybox
[ -x "$busybox" ] || die "'$busybox' is missing (reinstall busybox-static)"
for tool in apt-cache apt-get dpkg-deb cpio gzip; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found"
done
[ -f "$init_src" ] || die "'$init_src' not found"

tmp=""
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# resolve_kernel_pkg: the versioned package the metapackage depends on.
resolve_kernel_pkg() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: *\(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1
}

fetch_kernel() {
	pkg=$(resolve_kernel_pkg)
	dl=$tmp/dl
	mkdir -p "$dl"
	# APT::Sandbox::User=root: the temporary directory is not _apt's.
	if [ -z "$pkg" ] || ! (cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >"$tmp/apt.log" 2>&1); then
		# no package list yet, or an old one naming a version gone from the mirror
		echo "build-guest: refreshing the package lists (apt-get update)" >&2
		apt-get update -qq >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; die "apt-get update failed"; }
		pkg=$(resolve_kernel_pkg)
		[ -n "$pkg" ] || die "cannot resolve the kernel package of 'linux-image-cloud-amd64'"
		(cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >"$tmp/apt.log" 2>&1) ||
			{ cat "$tmp/apt.log" >&2; die "cannot download '$pkg'"; }
	fi
	echo "build-guest: extracting $pkg" >&2
	dpkg-deb -x "$dl"/"$pkg"_*.deb "$tmp/root"
	kstage=$tmp/kernel
	mkdir -p "$kstage/modules"
	set -- "$tmp"/root/boot/vmlinuz-*
	[ -f "$1" ] || die "no boot/vmlinuz-* in '$pkg'"
	cp "$1" "$kstage/vmlinuz"
	release=${1##*/vmlinuz-}
	echo "$release" >"$kstage/release"
	echo "$pkg" >"$kstage/package"
	for m in $modules; do
		f=$(find "$tmp/root/lib/modules/$release" -name "$m.ko" -o -name "$m.ko.*" | head -n 1)
		if [ -z "$f" ]; then
			# built in: nothing to load
			grep -q "/$m.ko\$" "$tmp/root/lib/modules/$release/modules.builtin" 2>/dev/null ||
				die "module '$m' not found in '$pkg'"
			continue
		fi
		# busybox insmod cannot read compressed modules: store them plain
		case "$f" in
			*.ko) cp "$f" "$kstage/modules/$m.ko";;
			*.ko.xz) xz -dc "$f" >"$kstage/modules/$m.ko";;
			*.ko.gz) gzip -dc "$f" >"$kstage/modules/$m.ko";;
			*.ko.zst) zstd -qdc "$f" >"$kstage/modules/$m.ko";;
			*) die "unknown module compression: '$f'";;
		esac
	done
	rm -rf "$out/kernel"
	mv "$kstage" "$out/kernel"
	rm -rf "$tmp/root" "$dl"
}

build_initrd() {
	r=$tmp/initramfs
	mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/lib/modules" \
		"$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/run"
	cp "$busybox" "$r/bin/busybox"
	# every applet as a symlink (bin/sh, sbin/poweroff, usr/bin/nc, ...)
	for a in $("$busybox" --list-full); do
		[ "$a" = bin/busybox ] && continue
		case "$a" in
			bin/*) ln -s busybox "$r/$a";;
			sbin/*) ln -s ../bin/busybox "$r/$a";;
			usr/bin/* | usr/sbin/*) ln -s ../../bin/busybox "$r/$a";;
		esac
	done
	: >"$r/etc/xk-modules"
	for m in $modules; do
		[ -f "$out/kernel/modules/$m.ko" ] || continue
		cp "$out/kernel/modules/$m.ko" "$r/lib/modules/"
		echo "$m" >>"$r/etc/xk-modules"
	done
	cp "$out/kernel/release" "$r/etc/xk-kernel-release"
	cp "$init_src" "$r/init"
	chmod 0755 "$r/init"
	# same inputs, same bytes: fixed times, owners and inode numbers
	find "$r" -exec touch -h -d @0 {} +
	(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) |
		gzip -n -6 >"$tmp/initrd.img"
	mv "$tmp/initrd.img" "$out/initrd.img"
}

if [ ! -f "$out/kernel/vmlinuz" ] || [ ! -f "$out/kernel/release" ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/xk-guest.XXXXXX")
	fetch_kernel
fi
ln -sf kernel/vmlinuz "$out/vmlinuz"
if [ ! -f "$out/initrd.img" ] || [ "$init_src" -nt "$out/initrd.img" ] ||
	[ "$self" -nt "$out/initrd.img" ] || [ "$out/kernel/vmlinuz" -nt "$out/initrd.img" ]; then
	[ -n "$tmp" ] || tmp=$(mktemp -d "${TMPDIR:-/tmp}/xk-guest.XXXXXX")
	build_initrd
fi
# Root building in a user's tree (make demo re-runs itself with sudo): the
# guest belongs to whoever owns the tree, so their `make clean` can remove it.
parent_owner=$(stat -c %u:%g "$out/..")
if [ "$(id -u)" = 0 ] && [ "$parent_owner" != 0:0 ]; then
	chown -R "$parent_owner" "$out"
fi
printf 'XK_GUEST_KERNEL=%s\n' "$out/vmlinuz"
printf 'XK_GUEST_INITRD=%s\n' "$out/initrd.img"
