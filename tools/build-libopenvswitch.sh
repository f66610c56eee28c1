#!/bin/sh
# Build a static libopenvswitch (with the generated vswitch IDL) from Debian's
# openvswitch-source tarball, cached under build/ovs.  Idempotent: a finished
# build (build/ovs/.done) is reused.
#   usage: tools/build-libopenvswitch.sh [OVS_SRC tarball] [build dir]
set -eu
src=${1:-/usr/src/openvswitch/openvswitch.tar.gz}
out=${2:-build/ovs}
[ -f "$out/.done" ] && exit 0
if [ ! -f "$src" ]; then
	echo "build-libopenvswitch: '$src' not found (apt-get install openvswitch-source, or set OVS_SRC=)" >&2
	exit 1
fi
rm -rf "$out"
mkdir -p "$out"
echo "build-libopenvswitch: building static libopenvswitch in $out (about 2 minutes)" >&2
tar -xzf "$src" -C "$out" --strip-components=1
cd "$out"
log=build.log
# (set -e does not reach inside a list tested by ||: chain with &&.)
jobs=$(nproc 2>/dev/null || echo 2)
{
	./configure --enable-static --disable-shared &&
	# lib/libopenvswitch.la alone fails on generated headers: make them first.
	# Run from another make, a sub-make prints "Entering directory" lines:
	# ask with a clean MAKEFLAGS and --no-print-directory.
	built=$(printf 'print-built-sources:\n\t@echo $(BUILT_SOURCES)\n' |
		MAKEFLAGS= MAKELEVEL= make -s --no-print-directory -f Makefile -f - print-built-sources) &&
	[ -n "$built" ] &&
	make -j"$jobs" $built &&
	make -j"$jobs" lib/libopenvswitch.la
} >"$log" 2>&1 || { tail -30 "$log" >&2; echo "build-libopenvswitch: failed, see $out/$log" >&2; exit 1; }
touch .done
