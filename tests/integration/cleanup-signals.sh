#!/bin/bash
# cleanup: each of SIGINT, SIGTERM, SIGHUP, SIGQUIT sent to a launch with
# 32 NICs (16 on a Linux bridge, 16 on an OVS bridge, real ovsdb-server and
# ovs-vswitchd) while the taps are being made, while the OVS ports are being
# added, and while qemu (tests/lib/fake-qemu) runs: xkvm dies by the signal
# (128+N as the shell sees it) and leaves no tap, no port and no qemu.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cleanup.sh"
cl_setup
cl_nics 16

# delivered PID SIG: waits (up to 5 s) until SIG is no longer pending for
# PID, i.e. its handler has taken it.  Signals pending together are
# delivered lowest number first: a second signal must wait for this.
delivered() {
	local bit=$((1 << ($(kill -l "$2") - 1))) w pnd shd
	for ((w = 0; w < 500; w++)); do
		pnd=$(awk '/^SigPnd:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 0
		shd=$(awk '/^ShdPnd:/ {print $2}' "/proc/$1/status" 2>/dev/null)
		[ -z "$pnd" ] && return 0
		(( (0x$pnd | 0x$shd) & bit )) || return 0
		sleep 0.01
	done
	return 1
}

ntaps() { ip -n "$NS" -o link show type tun 2>/dev/null | grep -c ': tapvm'; }

# land NAME SIG MIN: starts a launch, sends SIG as soon as at least MIN taps
# exist; the signal must land before qemu starts.  Retries a few times when
# the launch was faster than the signal.  Sets LANDED_IN (taps|ovs|late).
land() {
	local name=$1 sig=$2 min=$3 try d rc w seen
	for ((try = 0; try < 8; try++)); do
		d=$CLT/$name.$try
		cl_launch "$d" -v "${CL_NICS[@]}"
		for ((w = 0; w < 2000; w++)); do
			seen=$(ntaps)
			[ "$seen" -ge "$min" ] && break
			[ -s "$d/qemu" ] && break
			kill -0 "$CL_PID" 2>/dev/null || break
		done
		if [ "$min" -ge 32 ]; then	# the transaction is in, the wait goes on
			for ((w = 0; w < 250; w++)); do
				[ "$(cl_ports | grep -c .)" -ge 16 ] && break
				sleep 0.02
			done
		fi
		kill -s "$sig" "$CL_PID"
		wait "$CL_PID"
		rc=$?
		if [ -s "$d/qemu" ]; then	# qemu started
			LANDED_IN=late
		elif grep -q '^added tapvm' "$d/err"; then
			LANDED_IN=ovs-done
		elif [ "$seen" -ge 32 ]; then
			LANDED_IN=ovs
		else
			LANDED_IN=taps
		fi
		check_eq "$name: exit status 128+SIG$sig" "$((128 + $(kill -l "$sig")))" "$rc"
		[ "$rc" -eq "$((128 + $(kill -l "$sig")))" ] || sed 's/^/  | /' "$d/err"
		cl_check_clean "$name"
		check_fails "$name: no qemu" cl_qemu_alive "$d"
		if [ "$LANDED_IN" = taps ] || [ "$LANDED_IN" = ovs ]; then
			echo "# $name: landed in $LANDED_IN after $seen tap(s), try $try"
			return 0
		fi
		echo "# $name: landed $LANDED_IN, try $try"
	done
	return 1
}

vswitchd=$(ovs_pid vswitchd)
for sig in INT TERM HUP QUIT; do
	check_cmd "SIG$sig lands while taps are made" land "taps-$sig" "$sig" 1
	# ovs-vswitchd stopped: xkvm waits for it to apply the ports.
	kill -STOP "$vswitchd"
	check_cmd "SIG$sig lands in the wait for ovs-vswitchd" land "ovs-$sig" "$sig" 32
	kill -CONT "$vswitchd"
	check_eq "ovs-$sig: landed in the OVS step" ovs "$LANDED_IN"
done

# While qemu runs.
for sig in INT TERM HUP QUIT; do
	d=$CLT/run-$sig
	cl_launch "$d" -v "${CL_NICS[@]}"
	if ! cl_wait_file "$d/qemu"; then
		fail "run-$sig: fake qemu did not start"; cat "$d/err"; continue
	fi
	check_eq "run-$sig: 32 taps while qemu runs" 32 "$(ntaps)"
	check_eq "run-$sig: 16 ports while qemu runs" 16 "$(cl_ports | grep -c .)"
	qpid=$(head -n1 "$d/qemu")
	kill -s "$sig" "$CL_PID"
	wait "$CL_PID"
	rc=$?
	check_eq "run-$sig: exit status 128+SIG$sig" "$((128 + $(kill -l "$sig")))" "$rc"
	cl_check_clean "run-$sig"
	check_fails "run-$sig: fake qemu $qpid is dead" cl_qemu_alive "$d"
	check_eq "run-$sig: ports removed, then taps" \
		"removed 16 Open vSwitch port(s)
removing 32 tap(s)" "$(grep -e '^removed .* port(s)' -e '^removing .* tap(s)' "$d/err")"
done

# A terminal ^C: SIGINT to the whole process group (qemu gets its own copy).
d=$CLT/group-INT
cl_launch "$d" "${CL_NICS[@]}"
if cl_wait_file "$d/qemu"; then
	kill -INT -- -"$CL_PID"
	wait "$CL_PID"
	check_eq "group-INT: exit status 130" 130 $?
	cl_check_clean "group-INT"
	check_fails "group-INT: no qemu" cl_qemu_alive "$d"
else
	fail "group-INT: fake qemu did not start"
fi

# A second, different signal during teardown: still one teardown, xkvm
# dies by the first, nothing left.  qemu ignores SIGTERM so teardown waits
# for the kill bound; the second signal arrives then.
d=$CLT/second
FAKE_QEMU_IGNORE="TERM" cl_launch "$d" "${CL_NICS[@]}"
if cl_wait_file "$d/qemu"; then
	kill -TERM "$CL_PID"
	check_cmd "second signal: SIGTERM taken" delivered "$CL_PID" TERM
	sleep 0.3	# into the teardown's wait for qemu
	kill -INT "$CL_PID"
	kill -HUP "$CL_PID"
	wait "$CL_PID"
	rc=$?
	check_eq "second signal: died by the first (SIGTERM)" 143 "$rc"
	cl_check_clean "second signal"
	check_fails "second signal: no qemu" cl_qemu_alive "$d"
else
	fail "second signal: fake qemu did not start"
fi
# A second signal while the teardown hooks run: ovsdb-server stopped, so
# the port removal waits; SIGINT and SIGHUP then must not cut it short.
d=$CLT/second-hooks
cl_launch "$d" -v "${CL_NICS[@]}"
if cl_wait_file "$d/qemu"; then
	server=$(ovs_pid server)
	kill -STOP "$server"
	kill_at_exit -CONT $server
	kill -TERM "$CL_PID"
	check_cmd "second signal in the hooks: SIGTERM taken" delivered "$CL_PID" TERM
	sleep 0.5	# into the port removal, which waits for the stopped server
	kill -INT "$CL_PID"
	kill -HUP "$CL_PID"
	sleep 0.5
	kill -CONT "$server"
	wait "$CL_PID"
	check_eq "second signal in the hooks: died by the first (SIGTERM)" 143 $?
	cl_check_clean "second signal in the hooks"
	check_fails "second signal in the hooks: no qemu" cl_qemu_alive "$d"
else
	fail "second signal in the hooks: fake qemu did not start"
fi
done_testing
