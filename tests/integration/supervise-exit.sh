#!/bin/bash
# supervise: qemu ending on its own (exit 3 -> 3, SIGSEGV -> 139, 0 -> 0),
# qemu missing or not executable (-ENOENT/-EACCES, teardown still runs),
# xkvm SIGKILLed (qemu dies too: PDEATHSIG), qemu ignoring SIGTERM
# (SIGKILLed after the bound), and fake-qemu's option probes.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/supervise.sh"

# qemu's own exit status, with pidfd and with the SIGCHLD fallback.
for mode in pidfd sigchld; do
	opt=()
	[ $mode = sigchld ] && opt=(-n)
	d=$T/$mode
	mkdir -p "$d"
	FAKE_QEMU_EXIT=3 "$PROBE" "${opt[@]}" -m "$d/m3" -p "$d/q3" -- "$QEMU"
	check_eq "$mode: qemu exit 3 -> 3" 3 $?
	FAKE_QEMU_RECORD=$d/q3 FAKE_QEMU_EXIT=3 "$PROBE" "${opt[@]}" -m "$d/m3b" -p "$d/q3" -- "$QEMU"
	check_eq "$mode: hook once after qemu exited" "hook qemu=gone" "$(cat "$d/m3b")"
	FAKE_QEMU_SIGNAL=SEGV "$PROBE" "${opt[@]}" -m "$d/m11" -- "$QEMU"
	check_eq "$mode: qemu SIGSEGV -> 139" 139 $?
	check_eq "$mode: hook once (segv)" "hook qemu=unknown" "$(cat "$d/m11")"
	FAKE_QEMU_SLEEP=0.1 "$PROBE" "${opt[@]}" -m "$d/m0" -- "$QEMU"
	check_eq "$mode: qemu exit 0 -> 0" 0 $?
	check_eq "$mode: hook once (exit 0)" "hook qemu=unknown" "$(cat "$d/m0")"

	# qemu ignoring SIGTERM: SIGKILLed after the bound (500 ms).
	FAKE_QEMU_RECORD=$d/qi FAKE_QEMU_IGNORE=TERM "$PROBE" "${opt[@]}" -t 500 \
		-m "$d/mi" -p "$d/qi" -- "$QEMU" &
	pp=$!
	kill_at_exit -9 $pp
	wait_for "$d/qi" || fail "$mode: fake qemu did not start"
	qpid=$(head -n1 "$d/qi")
	kill_at_exit -9 $qpid
	start=$(date +%s%N)
	kill -TERM "$pp"
	sleep 0.2
	check_cmd "$mode: qemu ignoring SIGTERM still runs after 200 ms" alive "$qpid"
	wait "$pp"
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	check_eq "$mode: probe exit 143 after the bound" 143 "$rc"
	check_cmd "$mode: bound respected ($ms ms in [450, 5000))" \
		test "$ms" -ge 450 -a "$ms" -lt 5000
	check_fails "$mode: qemu $qpid is dead" alive "$qpid"
	check_eq "$mode: hook once after the SIGKILL" "hook qemu=gone" "$(cat "$d/mi")"
done

# qemu missing / not executable: an error, teardown still runs.
"$PROBE" -m "$T/mnoent" -- "$T/no-such-qemu"
check_eq "missing qemu: probe exit 1" 1 $?
check_eq "missing qemu: -ENOENT, then hook" "supervise_run=-2
hook qemu=unknown" "$(cat "$T/mnoent")"
printf '#!/bin/sh\n' >"$T/noexec"
chmod 0644 "$T/noexec"
"$PROBE" -m "$T/macces" -- "$T/noexec"
check_eq "non-executable qemu: -EACCES, then hook" "supervise_run=-13
hook qemu=unknown" "$(cat "$T/macces")"
PATH=$T:$PATH "$PROBE" -m "$T/mpath" -- no-such-qemu-xkt
check_eq "PATH search miss: -ENOENT" "supervise_run=-2
hook qemu=unknown" "$(cat "$T/mpath")"

# xkvm SIGKILLed: no hook can run, but qemu must not outlive it.
FAKE_QEMU_RECORD=$T/qk "$PROBE" -m "$T/mk" -p "$T/qk" -- "$QEMU" &
pp=$!
kill_at_exit -9 $pp
wait_for "$T/qk" || fail "pdeathsig: fake qemu did not start"
qpid=$(head -n1 "$T/qk")
kill_at_exit -9 $qpid
kill -KILL "$pp"
wait "$pp"
check_eq "pdeathsig: probe died of SIGKILL" 137 $?
check_cmd "pdeathsig: fake qemu $qpid died with it" wait_gone "$qpid"

# fake-qemu's option probes reach the real qemu.
out=$("$QEMU" -device virtio-net-pci,help 2>&1)
check_cmd "fake-qemu -device X,help runs the real qemu" grep -q '^ *mac=' <<<"$out"
out=$("$QEMU" -device 'e1000,?' 2>&1)
check_cmd "fake-qemu -device X,? runs the real qemu" grep -q '^ *mac=' <<<"$out"

done_testing
