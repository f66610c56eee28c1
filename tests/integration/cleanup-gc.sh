#!/bin/bash
# cleanup: xkvm killed with SIGKILL cannot tear down.  Its qemu dies with it
# (PR_SET_PDEATHSIG) and its taps and OVS ports stay, tagged with their
# owner.  `xkvm tap-control gc` removes exactly the dead launch's taps and
# ports and says so; a live launch's, an untagged tap and port, and ones
# tagged for another live process survive; a launch mid-setup (waiting
# for ovs-vswitchd) loses nothing.  Every launch runs the same reaping
# first.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cleanup.sh"
cl_setup
cl_nics 2

gc() {
	ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" "$XKVM" tap-control gc "$@"
}
# taps_of PID: the taps whose owner tag names PID
taps_of() {
	ip -n "$NS" -o link show type tun | grep "alias xkvm:pid=$1," | awk -F': ' '{print $2}' | sort
}
# ports_of TAPS: those of TAPS that are ports on $OB
ports_of() { cl_ports | grep -xF "$1" | sort; }
# ports_owned PID: the Interfaces whose owner tag names PID
ports_owned() {
	ovs_vsctl --format=csv --data=bare --no-headings --columns=name,external_ids \
		list Interface | grep "xkvm-owner=xkvm:pid=$1," | cut -d, -f1 | sort
}
have_link() { ip -n "$NS" link show "$1" >/dev/null 2>&1; }
start_launch() {	# start_launch NAME: CL_PID, waits for qemu
	cl_launch "$CLT/$1" "${CL_NICS[@]}"
	cl_wait_file "$CLT/$1/qemu" || { fail "$1: fake qemu did not start"; cat "$CLT/$1/err"; }
}
boot=$(cat /proc/sys/kernel/random/boot_id)
pidns=$(stat -L -c %i /proc/self/ns/pid)

# A live launch A, and B killed with SIGKILL.
start_launch A; a=$CL_PID
start_launch B; b=$CL_PID
b_qemu=$(head -n1 "$CLT/B/qemu")
a_taps=$(taps_of "$a"); b_taps=$(taps_of "$b")
check_eq "A has 4 tagged taps" 4 "$(echo "$a_taps" | grep -c .)"
check_eq "B has 4 tagged taps" 4 "$(echo "$b_taps" | grep -c .)"
kill -KILL "$b"
wait "$b"
check_cmd "B's qemu died with B (PDEATHSIG)" cl_wait_gone "$b_qemu" 50
check_eq "B's taps stay, tagged" "$b_taps" "$(taps_of "$b")"
b_ports=$(ports_of "$b_taps")
check_eq "B's 2 ports stay" 2 "$(echo "$b_ports" | grep -c .)"
check_eq "the port carries B's tag" "$(ip -n "$NS" -o link show "$(echo "$b_ports" | head -n1)" |
	grep -o 'xkvm:pid=[^ ]*')" "$(ovs_vsctl get Interface "$(echo "$b_ports" | head -n1)" \
	external_ids:xkvm-owner | tr -d '"')"

# Untagged, and tagged for a live process that is not xkvm.
sleep 300 &
live=$!
kill_at_exit -9 $live
live_tag="xkvm:pid=$live,start=$(awk '{print $22}' "/proc/$live/stat"),uid=0,pidns=$pidns,boot=$boot"
u=xu$(rand_hex 3) f=xf$(rand_hex 3)
for t in $u $f; do
	ip -n "$NS" tuntap add mode tap name "$t" || exit 2
done
ip -n "$NS" link set "$f" alias "$live_tag" || exit 2
ovs_vsctl add-port "$OB" "$u" -- add-port "$OB" "$f" \
	-- set Interface "$f" external_ids:xkvm-owner="\"$live_tag\"" || exit 2

out=$(gc)
check_eq "gc succeeds" 0 $?
want=$( (for p in $b_ports; do echo "removed port $p from $OB"; done
	for t in $b_taps; do echo "removed tap $t (owner pid $b)"; done) | sort)
check_eq "gc names exactly B's ports and taps" "$want" "$(echo "$out" | sort)"
check_eq "B's taps are gone" "" "$(taps_of "$b")"
check_eq "B's ports are gone" "" "$(ports_of "$b_taps")"
check_eq "A's taps survive" "$a_taps" "$(taps_of "$a")"
check_eq "A's ports survive" 2 "$(ports_of "$a_taps" | grep -c .)"
check_cmd "untagged tap survives" have_link "$u"
check_cmd "foreign-tagged tap of a live process survives" have_link "$f"
check_eq "untagged and foreign ports survive" "$(printf '%s\n' "$u" "$f" | sort)" \
	"$(cl_ports | grep -x -e "$u" -e "$f" | sort)"
check_cmd "A still runs" kill -0 "$a"
check_eq "a second gc finds nothing" "" "$(gc)"

# gc from another pid namespace (a container sharing this network): A's pid
# means nothing there, so nothing of A's (or the live foreign owner's) goes.
out=$(ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" unshare --pid --fork --mount-proc \
	"$XKVM" tap-control gc)
check_eq "gc in another pid namespace succeeds and removes nothing" "0 " "$? $out"
check_eq "A's taps survive a gc from another pid namespace" "$a_taps" "$(taps_of "$a")"
check_eq "A's ports survive it" 2 "$(ports_of "$a_taps" | grep -c .)"

# The foreign owner dies: now its tap and port go too.
kill -9 "$live"; wait "$live" 2>/dev/null
out=$(gc)
check_eq "gc after the foreign owner died" "$(printf '%s\n' "removed port $f from $OB" \
	"removed tap $f (owner pid $live)" | sort)" "$(echo "$out" | sort)"
check_cmd "untagged tap still survives" have_link "$u"

# A launch mid-setup (ovs-vswitchd stopped: it waits with every tap and
# port made) loses nothing to gc, then runs normally.
vswitchd=$(ovs_pid vswitchd)
kill -STOP "$vswitchd"
cl_launch "$CLT/M" "${CL_NICS[@]}"
m=$CL_PID
for ((i = 0; i < 100; i++)); do
	[ "$(ports_of "$(taps_of "$m")" | grep -c .)" -eq 2 ] && break
	sleep 0.05
done
m_taps=$(taps_of "$m")
check_eq "M mid-setup has its 4 taps" 4 "$(echo "$m_taps" | grep -c .)"
check_eq "gc during M's setup removes nothing" "" "$(gc)"
kill -CONT "$vswitchd"
cl_wait_file "$CLT/M/qemu" && ok "M gets to qemu" || fail "M gets to qemu"
check_eq "M kept its taps" "$m_taps" "$(taps_of "$m")"
check_eq "M kept its ports" 2 "$(ports_of "$m_taps" | grep -c .)"

# Every launch reaps first: C is SIGKILLed, D's start removes C's leftovers.
start_launch C; c=$CL_PID
kill -KILL "$c"; wait "$c"
check_eq "C's taps stay after SIGKILL" 4 "$(taps_of "$c" | grep -c .)"
check_eq "C's ports stay after SIGKILL" 2 "$(ports_owned "$c" | grep -c .)"
start_launch D; d=$CL_PID
check_eq "D's launch reaped C's taps" "" "$(taps_of "$c")"
check_eq "D's launch reaped C's ports" "" "$(ports_owned "$c")"
check_eq "A's taps survive D's reaping" "$a_taps" "$(taps_of "$a")"
check_eq "M's taps survive D's reaping" "$m_taps" "$(taps_of "$m")"

# A lock holder killed by SIGKILL leaves its file in root's /run/xkvm (the
# flock goes with it): gc removes such files (housekeeping: said at -v, not
# on stdout), never a held one nor a file not named as its locks.
mkdir -p -m 0700 /run/xkvm
n1=$RANDOM$RANDOM n2=$RANDOM$RANDOM n3=$RANDOM$RANDOM
stale_reap=/run/xkvm/.reap-1$n1.lock stale_user=/run/xkvm/.tapctl-1$n2.lock
held=/run/xkvm/.reap-1$n3.lock other=/run/xkvm/.xkt-other-$n1.lock
when_finished rm -f "$stale_reap" "$stale_user" "$held" "$other"
touch "$stale_reap" "$stale_user" "$other"
check_cmd "a process holds $held" flock_hold "$held"
holder=$FLOCK_PID
check_eq "gc says nothing of locks on stdout" "" "$(gc)"
check_cmd "a stale reaper's lock is gone" test ! -e "$stale_reap"
check_cmd "a stale tap-control lock is gone" test ! -e "$stale_user"
check_cmd "a held lock stays" test -e "$held"
check_cmd "a file not named as a lock stays" test -e "$other"
touch "$stale_reap"
check_cmd "-v names each one removed" sh -c "ip netns exec '$NS' env OVS_RUNDIR='$OVS_DIR' \
	'$XKVM' tap-control gc -v 2>&1 | grep -qxF 'removed stale lock $stale_reap'"
kill -9 $holder; wait $holder 2>/dev/null
rm -f "$held" "$other"

for p in $a $m $d; do
	kill -TERM "$p"
	wait "$p"
	check_eq "launch $p ends by SIGTERM" 143 $?
done
ip -n "$NS" link del "$u"
ovs_vsctl del-port "$OB" "$u"
cl_check_clean "at the end"
done_testing
