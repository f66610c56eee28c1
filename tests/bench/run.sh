#!/bin/bash
# `make bench`: xkvm against the reference script (../shared/reference/xkvm),
# launch setup + teardown only (the qemu stand-in exits at once), inside a
# sandbox made here: a network namespace, a private ovsdb-server and
# ovs-vswitchd (userspace datapath), one OVS and one Linux bridge.
# Writes docs/performance.md and docs/performance.png (gnuplot).
# Then the lab-scale series (issue 13): tests/bench/fleet.sh for K = 10, 50,
# 100, 250 launches at once (4 NICs each, a fresh sandbox each), and
# tests/bench/bulk.sh: make-nics and gc of 1,000 ports against ovs-vsctl.
#   tests/bench/run.sh [--build DIR] [--runs N] [--out DIR] [--fleet "K..."]
#                      [--fleet-runs N] [--bulk N] [--bulk-runs N]
#                      [--reuse-raw FILE]
# --reuse-raw skips the launch series and takes their rows from FILE (an
# earlier performance.raw; the report says so): for rerunning the
# lab-scale series alone.  --fleet "" or --bulk 0 skips those.
# Needs root, Open vSwitch, qemu-system (the stand-in's option probes),
# gnuplot, python3, perl.  Takes about 5 minutes with the default 7 runs,
# plus about 10 for the lab-scale series.
TEST_NAME=bench
. "$(dirname "$0")/../lib/common.sh"
. "$XKVM_TOP/tests/lib/ovs.sh"
need_root
build=${XKVM_BUILD:-build} runs=7 out=$XKVM_TOP/docs reuse=""
fleet_ks="10 50 100 250" fleet_runs=1 bulk_n=1000 bulk_runs=3
while [ $# -gt 0 ]; do
	case "$1" in
		--build) build=$2; shift 2;;
		--runs) runs=$2; shift 2;;
		--out) out=$2; shift 2;;
		--fleet) fleet_ks=$2; shift 2;;
		--fleet-runs) fleet_runs=$2; shift 2;;
		--bulk) bulk_n=$2; shift 2;;
		--bulk-runs) bulk_runs=$2; shift 2;;
		--reuse-raw) reuse=$2; shift 2;;
		*) echo "usage: $0 [--build DIR] [--runs N] [--out DIR] [--fleet \"K...\"]" \
			"[--fleet-runs N] [--bulk N] [--bulk-runs N] [--reuse-raw FILE]" >&2; exit 2;;
	esac
done
case "$build" in /*) ;; *) build=$XKVM_TOP/$build;; esac
xkvm=$build/xkvm ref=$XKVM_REFERENCE fq=$XKVM_TOP/tests/lib/fake-qemu
[ -x "$xkvm" ] || { echo "bench: missing $xkvm (run make)" >&2; exit 2; }
[ -f "$ref" ] || { echo "bench: missing the reference script $ref" >&2; exit 2; }
ref=$(cd "$(dirname "$ref")" && pwd)/$(basename "$ref")
for t in gnuplot python3 perl ovs-vsctl qemu-system-x86_64; do
	command -v $t >/dev/null || { echo "bench: $t is not installed" >&2; exit 2; }
done

work=$(mktemp -d /tmp/xkt-bench.XXXXXX) || exit 2
when_finished "rm -rf $work"
# A copy: a `make` elsewhere must not replace the binary under test mid-run.
cp "$xkvm" "$work/xkvm" || exit 2
xkvm_src=$xkvm xkvm=$work/xkvm
# The reference runs `sudo "$0" tap-control ...`: a `sudo` first in PATH that
# keeps the private OVS's environment (real sudo resets it), or a stand-in
# where there is no sudo (we are root already).
mkdir -p "$work/bin"
if [ -x /usr/bin/sudo ]; then
	printf '#!/bin/sh\nexec /usr/bin/sudo --preserve-env=OVS_RUNDIR,OVS_DBDIR,OVS_LOGDIR "$@"\n' \
		>"$work/bin/sudo"
	sudo_kind="real sudo (/usr/bin/sudo --preserve-env=OVS_RUNDIR,...)"
else
	printf '#!/bin/sh\nexport SUDO_USER=root SUDO_UID=0\nexec "$@"\n' >"$work/bin/sudo"
	sudo_kind="a stand-in (no sudo installed): exec of the command"
fi
chmod +x "$work/bin/sudo"

netns_new ns
ovs_start "$ns"
bro=bo$(rand_hex 3) brl=bl$(rand_hex 3)
ovs_add_br "$bro" || exit 2
ip -n "$ns" link add "$brl" type bridge && ip -n "$ns" link set "$brl" up || exit 2

raw=$work/raw
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
if [ -n "$reuse" ]; then
	grep -v '^fleet \|^bulk ' "$reuse" >"$raw" || exit 1
	runs=$(awk '$1 == "launch" && $4 > m {m = $4} END {print m}' "$raw")
else
	ovs_in_ns env PATH="$work/bin:$PATH" XKVM_TOP="$XKVM_TOP" \
		bash "$XKVM_TOP/tests/bench/series.sh" "$raw" "$work" "$xkvm" "$ref" "$fq" \
		"$bro" "$brl" "$runs" "$ns" || exit 1
fi
if [ "$bulk_n" -gt 0 ]; then
	ovs_in_ns bash "$XKVM_TOP/tests/bench/bulk.sh" "$raw" "$work" "$xkvm" "$bro" \
		"$bulk_runs" "$bulk_n" "$(ovs_pid vswitchd)" "$(ovs_pid server)" || exit 1
fi
if [ -n "$fleet_ks" ]; then
	bash "$XKVM_TOP/tests/bench/fleet.sh" --build "$work" --raw "$raw" --runs "$fleet_runs" \
		--probe $fleet_ks || exit 1
fi
t1=$(date +%s)
load1=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$out"
cp "$raw" "$out/performance.raw"
python3 "$XKVM_TOP/tests/bench/report.py" --raw "$raw" --out "$out" --runs "$runs" \
	--seconds $((t1 - t0)) ${reuse:+--reused "$reuse"} --sudo "$sudo_kind" --load "$load0 before, $load1 after" --commit "$(git -C "$XKVM_TOP" rev-parse --short HEAD 2>/dev/null)" --binary "${xkvm_src#$XKVM_TOP/}" ||
	exit 1
echo "bench: wrote $out/performance.md, $out/performance.png, $out/performance.raw ($((t1 - t0)) s)"
