#!/bin/bash
# cleanup: qemu ending on its own leads to the same teardown as a signal.
# qemu (tests/lib/fake-qemu) exiting 0, exiting non-zero, crashing (SIGSEGV),
# and missing or not executable: xkvm's status is qemu's (128+N for a
# crash, 1 when qemu cannot run) and no tap, no port and no qemu is left.
# Also a failure half-way through setup (a missing bridge after good ones,
# an OVS port refused) leaves nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cleanup.sh"
cl_setup
cl_nics 4

# run_case NAME WANT_STATUS [ENV=VAL...] -- XKVM-ARGS...
run_case() {
	local name=$1 want=$2 d=$CLT/$1 rc
	shift 2
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	mkdir -p "$d"
	env FAKE_QEMU_SLEEP=5 "${envs[@]}" FAKE_QEMU_RECORD="$d/qemu" ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" \
		"$XKVM" --accel=tcg "$@" >"$d/out" 2>"$d/err"
	rc=$?
	check_eq "$name: exit status" "$want" "$rc"
	[ "$rc" = "$want" ] || sed 's/^/  | /' "$d/err"
	check_eq "$name: no tap left" "" "$(cl_taps)"
	check_eq "$name: no port left" "" "$(cl_ports | grep -vx "${FOREIGN_PORT:-}")"
	check_fails "$name: no qemu" cl_qemu_alive "$d"
}

run_case exit-0 0 FAKE_QEMU_SLEEP=0.2 -- --kvm "$CL_QEMU" "${CL_NICS[@]}"
check_cmd "exit-0: qemu ran" test -s "$CLT/exit-0/qemu"
run_case exit-3 3 FAKE_QEMU_EXIT=3 -- --kvm "$CL_QEMU" "${CL_NICS[@]}"
run_case exit-255 255 FAKE_QEMU_EXIT=255 -- --kvm "$CL_QEMU" "${CL_NICS[@]}"
run_case crash-SEGV 139 FAKE_QEMU_SIGNAL=SEGV -- --kvm "$CL_QEMU" "${CL_NICS[@]}"
run_case crash-KILL 137 FAKE_QEMU_SIGNAL=KILL -- --kvm "$CL_QEMU" "${CL_NICS[@]}"
run_case missing 1 -- --kvm "/nonexistent/qemu-$(rand_hex 3)" "${CL_NICS[@]}"
grep -q "cannot run '/nonexistent/qemu-.*': No such file or directory" "$CLT/missing/err" &&
	ok "missing: says why" || { fail "missing: says why"; cat "$CLT/missing/err"; }
noexec=$CLT/noexec-qemu
printf '#!/bin/sh\nexit 0\n' >"$noexec"
chmod 644 "$noexec"
run_case not-executable 1 -- --kvm "$noexec" "${CL_NICS[@]}"

# Setup failing half-way: the taps and ports made before are removed.
run_case missing-bridge 1 -- --kvm "$CL_QEMU" "${CL_NICS[@]}" --netdev "nb$(rand_hex 3)"
# OVS refusing the transaction: the last NIC asks for an OVN logical port
# a foreign port holds (refused without --ovs-iface-steal).  Every tap
# exists by then, and goes; the foreign port stays.  (A foreign port named
# like a tap the kernel picks no longer fails a launch: ovs-name-clash.)
ovs_vsctl --no-wait add-port "$OB" xforeign -- \
	set Interface xforeign "external_ids:iface-id=lp-held" || exit 2
FOREIGN_PORT=xforeign run_case port-refused 1 FAKE_QEMU_SLEEP=1 -- --kvm "$CL_QEMU" \
	"${CL_NICS[@]}" --netdev "$OB,ovs-iface-id=lp-held"
check_eq "port-refused: nothing but the foreign port" "xforeign" "$(cl_ports)"
ovs_vsctl del-port "$OB" xforeign
done_testing
