#!/bin/bash
# cleanup soak: 100 launches (1 to 8 NIC pairs on a Linux and an OVS
# bridge), 8 at a time, each hit by a random signal (SIGINT, SIGTERM,
# SIGHUP, SIGQUIT) after a random delay (0-500 ms: in the reaping, the
# classification, among the taps, in the OVS transaction, or while qemu
# runs).  Each dies by its signal (128+N); afterwards no tap, no port and
# no qemu is left.  Then 24 launches hit by SIGKILL at random: after one
# `tap-control gc` nothing is left either (every leftover carries its tag;
# a reaper's lock file, when one was killed holding it, goes too: the
# runner checks /run/xkvm).
# SOAK_SEED=N replays a run.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cleanup.sh"
cl_setup
seed=${SOAK_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$seed
echo "# SOAK_SEED=$seed"
sigs=(INT TERM HUP QUIT)
N=${SOAK_N:-100} PAR=8

declare -A want
start=$(date +%s%N)
bad=0 n=0
for ((i = 0; i < N; i += PAR)); do
	pids=()
	for ((j = i; j < i + PAR && j < N; j++)); do
		cl_nics $((1 + RANDOM % 8))
		sig=${sigs[RANDOM % 4]}
		delay=$(printf '0.%03d' $((RANDOM % 500)))
		cl_launch "$CLT/s$j" "${CL_NICS[@]}"
		want[$CL_PID]="$sig $((128 + $(kill -l "$sig"))) $delay"
		pids+=("$CL_PID")
		(sleep "$delay"; kill -s "$sig" "$CL_PID") &
	done
	for p in "${pids[@]}"; do
		wait "$p"
		rc=$?
		n=$((n + 1))
		set -- ${want[$p]}
		if [ "$rc" -ne "$2" ]; then
			bad=$((bad + 1))
			echo "# launch $p: SIG$1 after $3 s: exit $rc, want $2"
		fi
	done
	wait	# the killers
done
ran=0
for ((j = 0; j < N; j++)); do [ -s "$CLT/s$j/qemu" ] && ran=$((ran + 1)); done
echo "# $n signalled launches in $(( ($(date +%s%N) - start) / 1000000 )) ms:" \
	"$((n - ran)) hit before qemu ran, $ran while it ran"
check_eq "$N launches each died by its signal (128+N)" 0 "$bad"
cl_check_clean "after $N signals"
alive=0
for ((j = 0; j < N; j++)); do cl_qemu_alive "$CLT/s$j" && alive=$((alive + 1)); done
check_eq "no qemu left" 0 "$alive"

# SIGKILL at random points: leftovers are tagged, gc takes them all.
start=$(date +%s%N)
pids=()
for ((j = 0; j < 24; j++)); do
	cl_nics $((1 + RANDOM % 4))
	cl_launch "$CLT/k$j" "${CL_NICS[@]}"
	pids+=("$CL_PID")
	(sleep "$(printf '0.%03d' $((RANDOM % 400)))"; kill -KILL "$CL_PID") &
done
bad=0
for ((j = 0; j < 24; j++)); do
	wait "${pids[$j]}"
	rc=$?
	if [ "$rc" -ne 137 ]; then
		bad=$((bad + 1))
		echo "# launch ${pids[$j]}: exit $rc, want 137"
		sed 's/^/  | /' "$CLT/k$j/err"
	fi
done
wait
check_eq "24 launches died by SIGKILL" 0 "$bad"
alive=0
for ((j = 0; j < 24; j++)); do
	d=$CLT/k$j
	[ -s "$d/qemu" ] && ! cl_wait_gone "$(head -n1 "$d/qemu")" 50 && alive=$((alive + 1))
done
check_eq "no qemu outlives its SIGKILLed xkvm" 0 "$alive"
untagged=$(ip -n "$NS" -o link show type tun | grep ': tapvm' | grep -vc 'alias xkvm:')
check_eq "every tap left behind carries an owner tag" 0 "$untagged"
ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" "$XKVM" tap-control gc -v >"$CLT/gc.out" 2>"$CLT/gc.err"
check_eq "gc succeeds" 0 $?
echo "# gc removed $(grep -c 'removed tap' "$CLT/gc.out") tap(s)," \
	"$(grep -c 'removed port' "$CLT/gc.out") port(s)," \
	"$(grep -c 'removed stale lock' "$CLT/gc.err") stale lock(s)"
cl_check_clean "after 24 SIGKILLs and gc"
echo "# SIGKILL round: $(( ($(date +%s%N) - start) / 1000000 )) ms"
done_testing
