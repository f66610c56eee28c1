# Shared setup of the supervise tests (bash; source after common.sh):
#   PROBE (the supervise-probe driver), QEMU (the fake qemu), T (a temporary
#   directory removed at exit), and
#   alive PID       the process exists and is not a zombie
#   wait_for FILE   up to 10 s for FILE to appear
#   wait_gone PID   up to 5 s for PID to be gone
set -m			# background jobs keep SIGINT/SIGQUIT at default
ulimit -c 0
build=${XKVM_BUILD:-build}
case "$build" in /*) ;; *) build=$XKVM_TOP/$build;; esac
PROBE=$build/tests/supervise-probe
QEMU=$XKVM_TOP/tests/lib/fake-qemu
[ -x "$PROBE" ] || { echo "missing $PROBE (make first)" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-supervise.XXXXXX)
when_finished "rm -rf $T"

alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

wait_gone() {
	local i
	for ((i = 0; i < 100; i++)); do
		alive "$1" || return 0
		sleep 0.05
	done
	return 1
}
