#!/bin/bash
# Lab scale (issue 13): K xkvm launches at once, each with N_OVS NICs on an
# OVS bridge (userspace datapath, a private ovsdb-server/ovs-vswitchd) and
# N_LINUX on a Linux bridge, the qemu stand-in sleeping; then SIGTERM to all.
# Each K runs in a sandbox of its own (a fresh namespace and Open vSwitch).
# Appends one line per K and run to RAW (or prints it):
#   fleet K RUN up_ms=.. down_ms=.. failed=.. left_taps=.. left_ports=..
#         left_ifaces=.. xkvm_cpu_ms=.. vswitchd_cpu_ms=.. ovsdb_cpu_ms=.. ...
# (see tests/bench/fleet.py for each figure) and prints the distinct errors.
#   tests/bench/fleet.sh [--build DIR] [--raw FILE] [--runs N] [--n-ovs N]
#                        [--n-linux N] [--extra XKVM_ARG]... K...
# Needs root, Open vSwitch, python3, qemu-system-x86_64 (the stand-in's probes).
TEST_NAME=fleet
. "$(dirname "$0")/../lib/common.sh"
. "$XKVM_TOP/tests/lib/ovs.sh"
need_root
build=${XKVM_BUILD:-build} raw=/dev/stdout runs=1 n_ovs=2 n_linux=2 extra=()
while [ $# -gt 0 ]; do
	case "$1" in
		--build) build=$2; shift 2;;
		--raw) raw=$2; shift 2;;
		--runs) runs=$2; shift 2;;
		--n-ovs) n_ovs=$2; shift 2;;
		--n-linux) n_linux=$2; shift 2;;
		--extra) extra+=("--extra=$2"); shift 2;;
		--probe) extra+=(--probe); shift;;
		-*) echo "usage: $0 [--build DIR] [--raw FILE] [--runs N] [--n-ovs N] [--n-linux N] K..." >&2
			exit 2;;
		*) break;;
	esac
done
[ $# -gt 0 ] || { echo "fleet: no K given" >&2; exit 2; }
case "$build" in /*) ;; *) build=$XKVM_TOP/$build;; esac
[ -x "$build/xkvm" ] || { echo "fleet: missing $build/xkvm (run make)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-fleet.XXXXXX) || exit 2
[ -n "${FLEET_KEEP:-}" ] || when_finished "rm -rf $work"
# A copy: a `make` elsewhere must not replace the binary under test mid-run.
cp "$build/xkvm" "$work/xkvm" || exit 2
ulimit -n 65536 2>/dev/null

# one_point K RUN: a fresh sandbox, the fleet, the leftovers, the sandbox gone.
one_point() (
	_finish_cmds=()		# the caller's cleanups are the caller's
	trap _run_finish EXIT	# a subshell does not inherit the EXIT trap
	local k=$1 r=$2 ns bro brl line lt lp li
	netns_new ns
	ovs_start "$ns"
	bro=bo$(rand_hex 3) brl=bl$(rand_hex 3)
	ovs_add_br "$bro" || exit 2
	ip -n "$ns" link add "$brl" type bridge && ip -n "$ns" link set "$brl" up || exit 2
	mkdir -p "$work/$k.$r"
	line=$(ovs_in_ns python3 "$XKVM_TOP/tests/bench/fleet.py" --xkvm "$work/xkvm" \
		--qemu "$XKVM_TOP/tests/lib/fake-qemu" --ovs "$bro" --linux "$brl" -k "$k" \
		--n-ovs "$n_ovs" --n-linux "$n_linux" --work "$work/$k.$r" \
		--ovs-pids "$(ovs_pid vswitchd),$(ovs_pid server)" "${extra[@]}") ||
		{ echo "fleet: the driver failed at K=$k" >&2; exit 2; }
	lt=$(tapvm_links | wc -w) lp=$(tapvm_ports | wc -w) li=$(owned_ifaces | wc -w)
	echo "fleet $k $r $line left_taps=$lt left_ports=$lp left_ifaces=$li" >>"$raw"
)

for k in "$@"; do
	for ((r = 1; r <= runs; r++)); do
		echo "fleet: K=$k ($n_ovs OVS + $n_linux Linux-bridge NICs each), run $r" >&2
		one_point "$k" "$r" || exit $?
	done
done
