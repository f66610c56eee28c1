#!/bin/bash
# supervise: a terminating signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) sent to
# xkvm while qemu runs: qemu is dead afterwards, the teardown hook ran once
# and only after qemu was gone, xkvm dies by that signal (128+N).  Also with
# the SIGCHLD fallback instead of pidfd, with the signal sent to the whole
# process group (a terminal ^C), and during setup before qemu starts.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/supervise.sh"

# sigstate PID: the blocked and ignored signal masks of PID.
sigstate() { grep -E '^Sig(Blk|Ign):' "/proc/$1/status" | tr '\n' ' '; }

# wait_exec PID COMM: up to 5 s for PID to exec COMM.
wait_exec() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# What a program started directly by this shell sees: qemu under the
# probe must see the same (the probe ignores SIGPIPE, blocks signals
# around fork: none of that may leak into qemu).
sleep 300 &
bpid=$!
kill_at_exit -9 $bpid
wait_exec "$bpid" sleep
baseline=$(sigstate "$bpid")
kill -9 "$bpid"
wait "$bpid" 2>/dev/null

# one_case NAME SIGNAL KILL_TARGET PROBE_OPTS...: starts the probe on the
# fake qemu, sends SIGNAL to KILL_TARGET (probe | group), checks the result.
one_case() {
	local name=$1 sig=$2 target=$3; shift 3
	local d=$T/$name pp qpid rc num
	mkdir -p "$d"
	FAKE_QEMU_RECORD=$d/qemu "$PROBE" -m "$d/marker" -p "$d/qemu" "$@" \
		-- "$QEMU" -name "$name" &
	pp=$!
	kill_at_exit -9 $pp
	if ! wait_for "$d/qemu"; then
		fail "$name: fake qemu did not start"
		return
	fi
	qpid=$(head -n1 "$d/qemu")
	kill_at_exit -9 $qpid
	check_eq "$name: qemu got its argv" "-name $name" "$(tail -n +2 "$d/qemu" | tr '\n' ' ' | sed 's/ $//')"
	if wait_exec "$qpid" sleep; then
		check_eq "$name: qemu's signal mask and ignores are the defaults" \
			"$baseline" "$(sigstate "$qpid")"
	else
		fail "$name: fake qemu did not exec sleep"
	fi
	check_eq "$name: qemu in the probe's process group (terminal foreground)" \
		"$(ps -o pgid= -p "$pp" | tr -d ' ')" "$(ps -o pgid= -p "$qpid" | tr -d ' ')"
	if [ "$target" = group ]; then
		kill -s "$sig" -- -"$pp"
	else
		kill -s "$sig" "$pp"
	fi
	wait "$pp"
	rc=$?
	num=$(kill -l "$sig")
	check_eq "$name: probe exit status 128+SIG$sig" "$((128 + num))" "$rc"
	check_fails "$name: fake qemu $qpid is dead" alive "$qpid"
	check_eq "$name: hook ran once, after qemu was gone" "hook qemu=gone" "$(cat "$d/marker" 2>/dev/null)"
}

for sig in INT TERM HUP QUIT; do
	one_case "pidfd-$sig" "$sig" probe
	one_case "sigchld-$sig" "$sig" probe -n
done
# A terminal ^C or ^\ goes to the whole foreground group: qemu gets its own
# copy and xkvm forwards one more.
one_case "group-INT" INT group
one_case "group-QUIT" QUIT group -n

# A signal during setup (a hook registered, qemu not started yet).
for sig in INT TERM HUP QUIT; do
	d=$T/setup-$sig
	mkdir -p "$d"
	start=$(date +%s%N)
	FAKE_QEMU_RECORD=$d/qemu "$PROBE" -m "$d/marker" -s 8000 -r "$d/ready" \
		-- "$QEMU" &
	pp=$!
	kill_at_exit -9 $pp
	wait_for "$d/ready" || fail "setup-$sig: probe never got ready"
	kill -s "$sig" "$pp"
	wait "$pp"
	rc=$?
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	check_eq "setup-$sig: probe exit status" "$((128 + $(kill -l $sig)))" "$rc"
	check_eq "setup-$sig: hook ran once" "hook qemu=unknown" "$(cat "$d/marker" 2>/dev/null)"
	check_fails "setup-$sig: qemu never started" test -e "$d/qemu"
	check_cmd "setup-$sig: stopped during setup ($elapsed ms < 6000)" test "$elapsed" -lt 6000
done

done_testing
