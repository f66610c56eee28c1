#!/bin/bash
# Named launches killed by SIGKILL leave NAME.lock, NAME.sock and NAME.qmp in
# their run directory (the kernel frees the lock, not the files).  The next
# named launch of that directory removes them, and so does root's
# `tap-control gc` (which says so); a live launch's files stay, and `xkvm
# ctl` (no NAME) lists only the live.  A relative XKVM_RUN_DIR is refused.  The stand-in qemu sleeps; no guest (its
# QMP socket is a file the test makes as qemu would).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cleanup.sh"
cl_setup
export XKVM_RUN_DIR=$CLT/run
files() { ls "$XKVM_RUN_DIR" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
# gc: its lines about names (a SIGKILLed launch's tap is reaped too)
gc() {
	local o rc
	o=$(ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" "$XKVM" tap-control gc); rc=$?
	grep -v '^removed tap ' <<<"$o" | sed '/^$/d'
	return $rc
}
start_named() {	# start_named NAME: CL_PID, once its control socket is there
	cl_launch "$CLT/$1" --name "$1" -n "$LB"
	cl_wait_file "$CLT/$1/qemu" || fail "$1: the stand-in did not start"
	for ((i = 0; i < 100; i++)); do [ -S "$XKVM_RUN_DIR/$1.sock" ] && break; sleep 0.05; done
	touch "$XKVM_RUN_DIR/$1.qmp"	# qemu's
}
kill_named() {	# kill_named PID: SIGKILL, and its stand-in gone
	local q
	q=$(ps -o pid= --ppid "$1" | tr -d ' ')
	kill -KILL "$1"; wait "$1" 2>/dev/null
	[ -z "$q" ] || cl_wait_gone "$q" 50
}

start_named s1; s1=$CL_PID
start_named s2; s2=$CL_PID
kill_named "$s1"; kill_named "$s2"
check_eq "SIGKILLed launches leave their three files each" \
	"s1.lock s1.qmp s1.sock s2.lock s2.qmp s2.sock" "$(files)"
start_named s3; s3=$CL_PID
check_eq "the next named launch removes them, keeps its own" "s3.lock s3.qmp s3.sock" "$(files)"

start_named s4; s4=$CL_PID
kill_named "$s4"
check_cmd "s4's files stay after SIGKILL" test -e "$XKVM_RUN_DIR/s4.sock"
check_eq "xkvm ctl lists the running launches only" \
	"{\"name\":\"s3\",\"pid\":$s3,\"socket\":\"$XKVM_RUN_DIR/s3.sock\"}" \
	"$(ip netns exec "$NS" "$XKVM" ctl)"
out=$(gc)
check_eq "gc exits 0" 0 $?
check_eq "gc removes them and says so" "removed the control sockets of dead launch 's4'" "$out"
check_eq "s3's (live) stay" "s3.lock s3.qmp s3.sock" "$(files)"
check_eq "a second gc finds nothing" "" "$(gc)"
out=$(ip netns exec "$NS" env XKVM_RUN_DIR="$XKVM_RUN_DIR" "$XKVM" ctl s3 list 2>&1)
check_eq "s3 answers" 0 $?

# A run directory that is not private: no launch can use it (they refuse
# it), so gc does not walk it; it says so at -v, and succeeds.
start_named s5; s5=$CL_PID
kill_named "$s5"
chmod 0755 "$XKVM_RUN_DIR"
out=$(ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" "$XKVM" tap-control gc -v 2>&1); rc=$?
check_eq "gc passes over a run directory that is not private" "0 1" \
	"$rc $(grep -c "not looking for dead launches' sockets in a run directory that is not root's private one" <<<"$out")"
check_cmd "... and leaves it as it was" test -e "$XKVM_RUN_DIR/s5.sock"
chmod 0700 "$XKVM_RUN_DIR"
check_eq "once private again, gc removes them" "removed the control sockets of dead launch 's5'" "$(gc)"

# A relative run directory is refused in one line, by every command that
# would use it (XKVM_RUNDIR is its older spelling), and nothing happens.
mkdir "$CLT/cwd"
for v in XKVM_RUN_DIR XKVM_RUNDIR; do
	for c in "ctl" "ctl s3 list" "tap-control gc" "--name s6 -n $LB"; do
		out=$(cd "$CLT/cwd" && ip netns exec "$NS" env -u XKVM_RUN_DIR OVS_RUNDIR="$OVS_DIR" "$v=run" $XKVM $c 2>&1)
		check_eq "$v=run: xkvm $c: refused" "1 xkvm: invalid $v 'run': want an absolute path" "$? $out"
	done
done
check_eq "... and nothing made" "s3.lock s3.qmp s3.sock" "$(files)$(ls -A "$CLT/cwd")"

kill -TERM "$s3"; wait "$s3"
check_eq "s3 ends by SIGTERM" 143 $?
check_eq "nothing of --name is left" "" "$(ls -d "$XKVM_RUN_DIR" 2>/dev/null)"
cl_check_clean "at the end"
done_testing
