# Helpers for the cleanup-*.sh integration tests (bash; source after
# common.sh).  One namespace with a private Open vSwitch, a Linux bridge and
# an OVS bridge; xkvm launched on tests/lib/fake-qemu.
#
#   cl_setup            makes $NS (private OVS), Linux bridge $LB, OVS
#                       bridge $OB, and the scratch directory $CLT
#   cl_launch DIR ARG...  starts xkvm in $NS in the background (pid in
#                       $CL_PID), fake qemu recording its pid to DIR/qemu,
#                       output in DIR/out, DIR/err
#   cl_nics N           sets CL_NICS to N --netdev pairs (Linux, OVS)
#   cl_taps             the xkvm taps (tapvm*) in $NS, one a line, sorted
#   cl_ports            the ports on $OB, one a line
#   cl_qemu_alive DIR   whether DIR's fake qemu still runs
#   cl_check_clean DESC   checks: no tap, no port, (no qemu: by caller)
#   cl_wait_file FILE [TENTHS]   waits for FILE (default 10 s)
#   cl_wait_gone PID [TENTHS]    waits until PID is gone or a zombie
. "$(dirname "${BASH_SOURCE[0]}")/ovs.sh"
need_root
set -m			# background jobs keep SIGINT/SIGQUIT at their default
ulimit -c 0
CL_QEMU=$XKVM_TOP/tests/lib/fake-qemu

cl_setup() {
	netns_new NS
	ovs_start "$NS"
	LB=lb$(rand_hex 3)
	OB=ob$(rand_hex 3)
	ip -n "$NS" link add "$LB" type bridge && ip -n "$NS" link set "$LB" up || exit 2
	ovs_add_br "$OB" || exit 2
	CLT=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-cleanup.XXXXXX) || exit 2
	when_finished "rm -rf $CLT"
}

cl_nics() {
	local i
	CL_NICS=()
	for ((i = 0; i < $1; i++)); do
		CL_NICS+=(--netdev "$LB" --netdev "$OB")
	done
}

# Not a function call in a subshell: $! must be xkvm itself (ip netns exec
# and env exec it), so that a signal reaches xkvm and `wait` sees its status.
cl_launch() {
	local d=$1; shift
	mkdir -p "$d"
	FAKE_QEMU_RECORD=$d/qemu ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" \
		OVS_DBDIR="$OVS_DIR" OVS_LOGDIR="$OVS_DIR" \
		"$XKVM" --kvm "$CL_QEMU" --accel=tcg "$@" >"$d/out" 2>"$d/err" &
	CL_PID=$!
	kill_at_exit -9 $CL_PID
}

cl_taps() {
	ip -n "$NS" -o link show type tun 2>/dev/null | awk -F': ' '$2 ~ /^tapvm/ {print $2}' | sort
}

cl_ports() { ovs_vsctl list-ports "$OB"; }

_cl_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# The fake qemu of DIR runs (its recorded pid exists and is our sleep or
# fake-qemu, not a reused pid).
cl_qemu_alive() {
	local pid comm
	[ -s "$1/qemu" ] || return 1
	pid=$(head -n1 "$1/qemu")
	_cl_alive "$pid" || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null)
	[ "$comm" = sleep ] || [ "$comm" = fake-qemu ]
}

cl_wait_file() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

cl_wait_gone() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		_cl_alive "$1" || return 0
		sleep 0.1
	done
	return 1
}

cl_check_clean() {
	check_eq "$1: no tap left" "" "$(cl_taps)"
	check_eq "$1: no port left" "" "$(cl_ports)"
}
