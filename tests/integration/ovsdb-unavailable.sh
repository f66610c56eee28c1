#!/bin/bash
# When OVS is absent or unwell, ovsdb/xkovs.h answers clearly and in bounded
# time: no database socket means "no OVS" (exit 3, not an error); a stopped
# (SIGSTOP) ovsdb-server gives a timeout error within the timeout, and works
# again after SIGCONT; a stopped ovs-vswitchd makes the wait for cur_cfg time
# out and the added ports are removed again; a stale socket is refused.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root

netns_new NS
r=$(rand_hex 2)
br=xb$r tap=t$r

# No OVS at all: OVS_RUNDIR points at a directory without db.sock.
empty=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-noovs.XXXXXX)
when_finished "rm -rf $empty"
out=$(OVS_NS=$NS OVS_DIR=$empty ovs_client is-bridge br0 2>&1)	# default remote
check_eq "no socket: exit 3 (no OVS)" 3 "$?"
check_eq "no socket: says so" "ovs-client: no OVS: no Open vSwitch database socket '$empty/db.sock'" "$out"
OVS_NS=$NS OVS_DIR=$empty ovs_client -r "unix:$empty/db.sock" list-owned >/dev/null 2>&1
check_eq "no socket, explicit remote: exit 3" 3 "$?"

ovs_start "$NS"
ovs_add_br "$br"
ip -n "$NS" tuntap add mode tap $tap && ip -n "$NS" link set $tap up
check_eq "running: detected" "$br $br -1 netdev" "$(ovs_client is-bridge "$br")"

# ovsdb-server stopped: every call ends with a timeout within the timeout.
server=$(ovs_pid server)
kill -STOP "$server"
kill_at_exit -CONT $server
start=$(now_ms)
out=$(ovs_client -t 1000 is-bridge "$br" 2>&1)
check_eq "stopped server: exit 1" 1 "$?"
check_eq "stopped server: timeout message" \
	"ovs-client: OVSDB server at 'unix:$OVS_DIR/db.sock' did not answer within 1000 ms [ETIMEDOUT]" "$out"
within 1000 5000 "$start"
start=$(now_ms)
out=$(ovs_client -t 500 -o me add-ports "$br:$tap" 2>&1)
check_eq "stopped server: add-ports times out too" \
	"ovs-client: OVSDB server at 'unix:$OVS_DIR/db.sock' did not answer within 500 ms [ETIMEDOUT]" "$out"
within 500 4500 "$start"
kill -CONT "$server"
check_eq "after SIGCONT: works again" "$br $br -1 netdev" "$(ovs_client is-bridge "$br")"
check_eq "after SIGCONT: nothing was added" "" "$(ovs_vsctl list-ports "$br")"

# Stopped while we are connected: the commit itself times out.  The request
# was sent, so the server may apply it once it runs again: the owner tag
# lets a reaper find and remove such a port.
err=$(mktemp "${TMPDIR:-/tmp}"/xkt-err.XXXXXX)
when_finished "rm -f $err $err.go $err.out"
ovs_client -W "$err.go" -t 1000 -o me add-ports "$br:$tap" 2>"$err" &
pid=$!
for i in $(seq 500); do grep -q connected "$err" && break; sleep 0.02; done
check_cmd "stopped mid-session: the client connected" grep -q connected "$err"
kill -STOP "$server"
start=$(now_ms)
touch "$err.go"
wait "$pid"
check_eq "stopped mid-session: exit 1" 1 "$?"
within 500 4500 "$start"
check_eq "stopped mid-session: commit timeout message" \
	"ovs-client: timed out after 1000 ms waiting for the OVSDB server to commit [ETIMEDOUT]" \
	"$(grep -v connected "$err")"
kill -CONT "$server"
owned=$(ovs_client list-owned)
if [ -n "$owned" ]; then
	check_eq "applied after SIGCONT: found by its owner tag" "$br $tap me" "$owned"
	check_cmd "and removed by a reaper" ovs_client -o me del-ports "$br:$tap"
else
	ok "not applied after SIGCONT"
fi
check_eq "nothing left" "" "$(ovs_vsctl list-ports "$br")"

# ovsdb-server restarted under a connected client: the call reconnects (the
# new socket may take the old one's number) and still leaves no descriptor
# for qemu to inherit; monitoring only its own rows (-N), as a launch does.
rm -f "$err.go"
ovs_client -N -F -W "$err.go" -t 5000 -o me add-ports "$br:$tap" >"$err.out" 2>"$err" &
pid=$!
for i in $(seq 500); do grep -q connected "$err" && break; sleep 0.02; done
check_cmd "restarted server: the client connected" grep -q connected "$err"
check_cmd "restarted server: restarted" ovs_restart_server
touch "$err.go"
wait "$pid"
check_eq "restarted server: the add worked after reconnecting" \
	"0 $tap $(ovs_vsctl get Interface $tap ofport)" "$? $(cat "$err.out")"
check_eq "restarted server: no new inheritable descriptor" \
	"inheritable: 0" "$(grep inheritable "$err")"
check_cmd "restarted server: removal" ovs_client -o me del-ports "$br:$tap"
server=$(ovs_pid server)

# ovs-vswitchd stopped: the commit works, the wait for cur_cfg cannot.
ovs_stop_vswitchd
start=$(now_ms)
out=$(ovs_client -t 1000 -o me add-ports "$br:$tap,iface-id=x" 2>&1)
check_eq "no vswitchd: exit 1" 1 "$?"
cur=$(ovs_vsctl --no-wait get Open_vSwitch . cur_cfg)
check_eq "no vswitchd: timeout message" \
	"ovs-client: timed out waiting for ovs-vswitchd to apply the change: no progress for 1000 ms (it applied configuration $cur, ours is $((cur + 1))) [ETIMEDOUT]" "$out"
within 1000 5000 "$start"
check_eq "no vswitchd: no port left" "" "$(ovs_vsctl --no-wait list-ports "$br")"
check_eq "no vswitchd: no Interface left" "$br" \
	"$(ovs_vsctl --no-wait --bare --columns=name list Interface | grep .)"
check_eq "no vswitchd: without waiting the add works" "$tap -1" \
	"$(ovs_client -n -o me add-ports "$br:$tap")"
start=$(now_ms)
check_cmd "no vswitchd: removal does not wait for it" ovs_client -o me del-ports "$br:$tap"
within 0 4000 "$start"	# waiting for ovs-vswitchd would take the 5 s timeout
check_eq "no vswitchd: removed" "" "$(ovs_vsctl --no-wait list-ports "$br")"
ovs_start_vswitchd

# ovs-vswitchd busy (stopped, while the test advances cur_cfg as it would
# working through other changes queued first): as long as cur_cfg moves, the
# wait goes on past the timeout; once ovs-vswitchd runs, the add completes.
# Twenty changes queued before ours; the test applies ten, one every 0.3 s.
vsw=$(ovs_pid vswitchd)
kill -STOP "$vsw"
cur=$(ovs_vsctl --no-wait get Open_vSwitch . cur_cfg)
ovs_vsctl --no-wait set Open_vSwitch . next_cfg=$((cur + 20))
ovs_client -t 1000 -o me add-ports "$br:$tap" >"$empty/busy.out" 2>&1 &
pid=$!
kill_at_exit $pid
for i in $(seq 10); do
	sleep 0.3
	ovs_vsctl --no-wait set Open_vSwitch . cur_cfg=$((cur + i))
done
check_cmd "busy vswitchd: still waiting after 3 s of progress (timeout 1 s)" kill -0 $pid
kill -CONT "$vsw"
wait $pid
check_eq "busy vswitchd: the add completes once it applied ours" \
	"0 $tap $(ovs_vsctl get Interface $tap ofport)" "$? $(cat "$empty/busy.out")"
check_cmd "busy vswitchd: removal" ovs_client -o me del-ports "$br:$tap"

out=$(ovs_client -o me add-ports "$br:$tap")
check_eq "vswitchd back: add works" "$tap $(ovs_vsctl get Interface $tap ofport)" "$out"
check_cmd "vswitchd back: removal" ovs_client -o me del-ports "$br:$tap"

# A stale socket: ovsdb-server killed hard leaves db.sock behind.
ovs_stop_vswitchd
kill -KILL "$server"
for i in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
if [ -S "$OVS_DIR/db.sock" ]; then
	out=$(ovs_client is-bridge "$br" 2>&1)
	check_eq "stale socket: refused" \
		"ovs-client: cannot connect to OVSDB at 'unix:$OVS_DIR/db.sock': Connection refused [ECONNREFUSED]" "$out"
else
	fail "ovsdb-server killed with SIGKILL left no socket"
fi

done_testing
