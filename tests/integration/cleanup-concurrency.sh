#!/bin/bash
# cleanup: 32 launches at once on the same two bridges (one Linux, one OVS
# with real ovsdb-server/ovs-vswitchd), each with one NIC on each: all get
# to qemu, each with its own taps and ports in its own netdev group; SIGTERM
# to all of them leaves nothing.  (The reference script loses most of 8
# concurrent launches to its tap-name race.)  Then 32 more that end on
# their own (qemu exits) at once: nothing left either.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cleanup.sh"
cl_setup
cl_nics 1
N=32

start=$(date +%s%N)
pids=()
for ((i = 0; i < N; i++)); do
	cl_launch "$CLT/l$i" "${CL_NICS[@]}"
	pids+=("$CL_PID")
done
running=0
for ((i = 0; i < N; i++)); do
	if cl_wait_file "$CLT/l$i/qemu" 300; then
		running=$((running + 1))
	else
		echo "# launch $i:"; sed 's/^/  | /' "$CLT/l$i/err"
	fi
done
echo "# $running of $N launches running after $(( ($(date +%s%N) - start) / 1000000 )) ms"
check_eq "all $N launches get to qemu" "$N" "$running"
check_eq "$((2 * N)) taps" "$((2 * N))" "$(cl_taps | grep -c .)"
check_eq "$N ports" "$N" "$(cl_ports | grep -c .)"
groups=$(ip -n "$NS" -o -d link show type tun | grep ': tapvm' | grep -o ' group [^ ]*' |
	sort | uniq -c | awk '{print $1}' | sort -u)
check_eq "$N groups of 2 taps (one per launch)" "2" "$groups"
check_eq "$N distinct groups" "$N" "$(ip -n "$NS" -o -d link show type tun | grep ': tapvm' |
	grep -o ' group [^ ]*' | sort -u | wc -l)"
owners=$(ip -n "$NS" -o link show type tun | grep -o 'alias xkvm:pid=[0-9]*' | sort -u | wc -l)
check_eq "$N distinct owners" "$N" "$owners"
# Each launch's qemu got the taps its owner tag names.
# wait_all STATUS: waits for every launch in pids; bad = how many ended
# with another status (each named).
wait_all() {
	local p rc
	bad=0
	for p in "${pids[@]}"; do
		wait "$p"
		rc=$?
		[ "$rc" -eq "$1" ] || { bad=$((bad + 1)); echo "# launch $p: exit $rc"; }
	done
}

bad=0
for ((i = 0; i < N; i++)); do
	for t in $(grep -o 'ifname=tapvm[0-9]*' "$CLT/l$i/qemu" | cut -d= -f2); do
		ip -n "$NS" -o link show "$t" | grep -q "alias xkvm:pid=${pids[$i]}," || bad=$((bad + 1))
	done
done
check_eq "every qemu got taps tagged with its own launch" 0 "$bad"

stop=$(date +%s%N)
for p in "${pids[@]}"; do kill -TERM "$p"; done
wait_all 143
echo "# teardown of $N launches: $(( ($(date +%s%N) - stop) / 1000000 )) ms"
check_eq "all $N end by SIGTERM (143)" 0 "$bad"
cl_check_clean "after $N SIGTERMs"
alive=0
for ((i = 0; i < N; i++)); do cl_qemu_alive "$CLT/l$i" && alive=$((alive + 1)); done
check_eq "no qemu left" 0 "$alive"

# 32 at once whose qemu exits 7 after a short while.
pids=()
for ((i = 0; i < N; i++)); do
	FAKE_QEMU_EXIT=7 cl_launch "$CLT/e$i" "${CL_NICS[@]}"
	pids+=("$CL_PID")
done
wait_all 7
check_eq "all $N return qemu's status 7" 0 "$bad"
cl_check_clean "after $N qemu exits"
echo "# total $(( ($(date +%s%N) - start) / 1000000 )) ms"
done_testing
