#!/bin/bash
# The test runner behind `make check`.
#   tests/run.sh [--build DIR] [--asan DIR] [--valgrind] [--unit-only] [PATTERN...]
# Runs every unit test binary of each build (and, with --valgrind, those of
# the plain build once more under valgrind's memcheck), then every integration test
# (tests/integration/*.sh) against the sanitizer build when there is one.
# After each integration test it checks that no test namespace, no
# xkvm-tagged interface in this namespace and nothing in the run's own
# TMPDIR is left.  Prints one line a test
# and closes with "N passed, N failed".  A test that cannot run fails.
set -u
cd "$(dirname "$0")/.."
build=build asan="" unit_only=false valgrind=false
patterns=()
while [ $# -gt 0 ]; do
	case "$1" in
		--build) build=$2; shift;;
		--asan) asan=$2; shift;;
		--unit-only) unit_only=true;;
		--valgrind) valgrind=true;;
		*) patterns+=("$1");;
	esac
	shift
done

if ! $unit_only && [ "$(id -u)" != 0 ]; then
	echo "tests/run.sh: the integration tests need root (network namespaces, taps, a private" \
		"Open vSwitch): run 'sudo make check', or 'make unit' for the unit tests alone" >&2
	exit 2
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}
export XKVM_REFERENCE=${XKVM_REFERENCE:-$(cd .. && pwd)/shared/reference/xkvm}
export XKVM=${asan:-$build}/xkvm
export XKVM_BUILD=${asan:-$build}
export XKVM_TOP=$PWD
logdir=$build/test-logs
mkdir -p "$logdir"
passed=0 failed=0 failures=()

selected() {
	[ ${#patterns[@]} -eq 0 ] && return 0
	local p
	for p in "${patterns[@]}"; do
		case "$1" in *"$p"*) return 0;; esac
	done
	return 1
}

record() {	# record NAME RC SECONDS LOG
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		printf 'PASS %-50s %6ss\n' "$1" "$3"
	else
		failed=$((failed + 1))
		failures+=("$1")
		printf 'FAIL %-50s %6ss (exit %s, log %s)\n' "$1" "$3" "$2" "$4"
		# The failed checks first, with their expected/actual lines (a
		# block ends at the next check or comment; 20 blocks of at most
		# 12 lines): a long log's tail may not reach them.
		awk '/^FAIL - / { if (++n > 20) exit; p = 12; print; next }
		     /^(ok|FAIL) - |^# / { p = 0 } p-- > 0' "$4" | sed 's/^/    ! /'
		tail -n 40 "$4" | sed 's/^/    | /'
	fi
}

leftovers() {	# leftovers [TEST]: what a test may have left in this namespace, TMPDIR and /run/xkvm
	ip netns list 2>/dev/null | awk -v p="xkt-${1:0:12}" 'index($1, p) == 1 {print "namespace " $1}'
	ip -o link show 2>/dev/null | grep -o 'alias xkvm:.*' | sed 's/^/interface /'
	ls -A "$TMPDIR" 2>/dev/null | sed 's/^/temporary /'
	ls -A /run/xkvm 2>/dev/null | sed 's/^/run directory /'	# locks, root's named launches
}

for dir in "$build" ${asan:+"$asan"}; do
	for src in tests/unit/test-*.c; do
		t=$dir/tests/$(basename "$src" .c)
		name=unit/$(basename "$t")${dir:+@$(basename "$dir")}
		if [ ! -x "$t" ]; then	# not built: a failure, not a skip
			selected "$name" || continue
			log=$logdir/$(echo "$name" | tr '/@' '__').log
			echo "runner: $t was not built (make)" >"$log"
			record "$name" 2 0 "$log"
			continue
		fi
		selected "$name" || continue
		log=$logdir/$(echo "$name" | tr '/@' '__').log
		start=$(date +%s.%N)
		"$t" >"$log" 2>&1
		rc=$?
		record "$name" "$rc" "$(printf '%.2f' "$(echo "$(date +%s.%N) - $start" | bc)")" "$log"
	done
done

if $valgrind; then
	command -v valgrind >/dev/null || { echo "runner: valgrind is not installed" >&2; exit 2; }
	for src in tests/unit/test-*.c; do
		t=$build/tests/$(basename "$src" .c)
		[ -x "$t" ] || continue	# reported as not built above
		name=unit/$(basename "$t")@valgrind
		selected "$name" || continue
		log=$logdir/$(echo "$name" | tr '/@' '__').log
		start=$(date +%s.%N)
		valgrind -q --error-exitcode=97 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect "$t" >"$log" 2>&1
		rc=$?
		record "$name" "$rc" "$(printf '%.2f' "$(echo "$(date +%s.%N) - $start" | bc)")" "$log"
	done
fi

if ! $unit_only; then
	# A temporary directory of this run's own (short: OVS's unix sockets
	# live below it): what a test leaves there is its leftover, whatever
	# else runs on the machine.
	TMPDIR=$(mktemp -d /tmp/xkt-run.XXXXXX) || { echo "runner: no temporary directory" >&2; exit 2; }
	chmod 755 "$TMPDIR"	# sudo-path's unprivileged user goes below it
	export TMPDIR
	# Root's named launches, vhost-user socket directories and gc's look
	# for dead ones: a run directory of this run's (a launch makes it 0700
	# and removes it when empty; one left behind is a leftover below),
	# never the host's /run/xkvm.
	export XKVM_RUN_DIR=$TMPDIR/run
	# Under `sudo make check` root's tap-control would take itself for
	# sudo's caller: the tests that want one run real sudo.
	unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND
	# Root's launches make /run/xkvm (the reapers' and tap-control's
	# locks) and leave it, empty: only this run's goes again.
	if [ -d /run/xkvm ]; then run_dir_was=1; else run_dir_was=; fi
	trap 'rm -rf "$TMPDIR"; [ -n "$run_dir_was" ] || rmdir /run/xkvm 2>/dev/null' EXIT
	for t in tests/integration/*.sh; do
		[ -f "$t" ] || continue
		name=integration/$(basename "$t" .sh)
		selected "$name" || continue
		log=$logdir/$(basename "$t" .sh).log
		before=$(leftovers "$(basename "$t" .sh)")
		start=$(date +%s.%N)
		timeout --kill-after=10 600 bash "$t" >"$log" 2>&1
		rc=$?
		# What is there now and was not before (a test may well remove
		# what an earlier one, or a killed run, left: gc does).
		left=$(comm -13 <(echo "$before" | sort) <(leftovers "$(basename "$t" .sh)" | sort) |
			grep .)
		if [ -n "$left" ]; then
			echo "runner: left behind by $name:" >>"$log"
			echo "$left" | sed 's/^/  /' >>"$log"
			[ $rc -eq 0 ] && rc=98
		fi
		record "$name" "$rc" "$(printf '%.2f' "$(echo "$(date +%s.%N) - $start" | bc)")" "$log"
	done
fi

[ ${#failures[@]} -eq 0 ] || printf 'failed: %s\n' "${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
