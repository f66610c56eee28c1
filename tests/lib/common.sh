# Shared helpers for integration tests (sourced by bash).
#   when_finished CMD...   run CMD at exit, last registered first (git's
#                          test_when_finished): register cleanup the moment
#                          a thing exists.
#   netns_new VAR          make a namespace xkt-<test>-<random>, remove it at exit
#   ok/fail/check_eq       assertions: a failed check marks the test failed
#   now_ms, within         wall-clock bounds of an operation
#   ms_since START         milliseconds since START (a `date +%s%N`), for timings
#   json_field LINE KEY    KEY's value in a one-line JSON object (a string
#                          unquoted, or a bare number/word)
#   flock_hold FILE        a background process holds an flock on FILE (FLOCK_PID)
#   done_testing           prints the tally, exits non-zero on any failure
# Tests never touch interfaces outside the namespaces they create.
set -u
XKVM=${XKVM:-build/xkvm}
XKVM_TOP=${XKVM_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
XKVM_REFERENCE=${XKVM_REFERENCE:-$XKVM_TOP/../shared/reference/xkvm}
case "$XKVM" in /*) ;; *) XKVM=$XKVM_TOP/$XKVM;; esac
TEST_NAME=$(basename "$0" .sh)
_finish_cmds=()
_checks_ok=0 _checks_failed=0

when_finished() { _finish_cmds+=("$*"); }
_run_finish() {
	local i
	for ((i = ${#_finish_cmds[@]} - 1; i >= 0; i--)); do
		eval "${_finish_cmds[$i]}" >/dev/null 2>&1 || true
	done
	_finish_cmds=()
}
trap _run_finish EXIT

# pid_start PID: the process's start time (clock ticks after boot); empty
# when there is no such process.
pid_start() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

# kill_at_exit [-SIG] PID: at exit, sends SIG (default TERM) to PID only if
# it is still the process it is now (same start time): a pid the kernel has
# given to another process since is left alone.
kill_at_exit() {
	local sig=-TERM start
	case "$1" in -*) sig=$1; shift;; esac
	start=$(pid_start "$1")
	[ -n "$start" ] && when_finished "_kill_same $sig $1 $start"
	return 0
}
_kill_same() { [ "$(pid_start "$2")" = "$3" ] && kill "$1" "$2"; }

# flock_hold FILE: a background process holds an flock on FILE (pid in
# FLOCK_PID, killed at exit; killing it frees the lock: one process, not
# flock(1) and a child that would keep the lock); returns once it holds
# it (1 after 5 s).
flock_hold() {
	local i
	(exec 9>>"$1" && flock 9 && exec sleep 300) &
	FLOCK_PID=$!
	kill_at_exit -9 $FLOCK_PID
	for ((i = 0; i < 100; i++)); do
		[ -e "$1" ] && ! flock -n "$1" true && return 0
		sleep 0.05
	done
	return 1
}

rand_hex() { od -An -N"${1:-3}" -tx1 /dev/urandom | tr -d ' \n'; }

# netns_new VAR: creates a namespace with loopback up and stores its name.
netns_new() {
	local name="xkt-${TEST_NAME:0:12}-$(rand_hex 3)"
	ip netns add "$name" || { echo "cannot create namespace $name" >&2; exit 2; }
	when_finished "netns_kill_all $name; ip netns del $name"
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# Ends the processes we started inside namespace $1 (by pid).
netns_kill_all() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	return 0
}

ok() { _checks_ok=$((_checks_ok + 1)); echo "ok - $*"; }
fail() { _checks_failed=$((_checks_failed + 1)); echo "FAIL - $*"; }

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		fail "$1"; printf '  expected: %s\n  actual:   %s\n' "$2" "$3"; fi
}

# check_cmd DESCRIPTION CMD...: the command must succeed
check_cmd() {
	local d=$1; shift
	if "$@"; then ok "$d"; else fail "$d (exit $?: $*)"; fi
}

# check_fails DESCRIPTION CMD...: the command must fail
check_fails() {
	local d=$1; shift
	if "$@"; then fail "$d (succeeded: $*)"; else ok "$d"; fi
}

done_testing() {
	echo "$TEST_NAME: $_checks_ok passed, $_checks_failed failed"
	[ "$_checks_failed" -eq 0 ] && [ "$_checks_ok" -gt 0 ]
	exit $?
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
json_field() { sed -n "s/.*\"$2\":\\(\"[^\"]*\"\\|[a-z0-9]*\\).*/\\1/p" <<<"$1" | tr -d '"'; }

# within LOW HIGH START [DESC]: checks that the time since START (now_ms) is
# within [LOW, HIGH) ms
within() {
	local ms=$(( $(now_ms) - $3 ))
	if [ "$ms" -ge "$1" ] && [ "$ms" -lt "$2" ]; then ok "${4:+$4: }bounded ($ms ms)"
	else fail "${4:+$4: }took $ms ms, expected $1..$2"; fi
}

need_root() { [ "$(id -u)" = 0 ] || { echo "$TEST_NAME needs root" >&2; exit 2; }; }
