#!/bin/bash
# xkvm launches with OVS NICs when Open vSwitch is absent or unwell, on a
# private OVS in a namespace this test makes: no database socket, an
# ovsdb-server that does not answer (SIGSTOP), a stopped ovs-vswitchd, an
# ovs-vswitchd that cannot add the port, a port name already taken.  Each
# fails with one clear line, in bounded time, and leaves nothing: no tapvm*
# link, no Port named tapvm*, no Interface with an xkvm-owner tag.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/ovs.sh"
need_root

netns_new NS
ovs_start "$NS"
r=$(rand_hex 2)
br1=xe1$r brs=xes$r lbr=xel$r
ovs_add_br "$br1" || exit 2
ovs_vsctl --no-wait add-br "$brs" || exit 2	# system datapath: vswitchd cannot run it here
ip -n "$NS" link add "$lbr" type bridge || exit 2
dir=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-lovse.XXXXXX) || exit 2
when_finished "rm -rf $dir"
FQ=$XKVM_TOP/tests/lib/fake-qemu
SOCK=$OVS_DIR/db.sock

xk() { FAKE_QEMU_EXIT=0 ovs_in_ns "$XKVM" --accel=tcg --kvm "$FQ" "$@"; }
vs() { ovs_vsctl --no-wait "$@"; }
# errors: xkvm's lines on stderr ("creating tap devices" is not one)
errors() { grep '^xkvm:' "$dir/err"; }

check_cmd "healthy: a launch works" xk --netdev "$br1" --netdev "$lbr"
check_clean "healthy"

# --- no ovsdb-server --------------------------------------------------------
empty=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-noovs.XXXXXX) || exit 2
when_finished "rm -rf $empty"
xk --ovsdb "unix:$empty/db.sock" --netdev "$br1" 2>"$dir/err"
check_eq "no server, --ovsdb: exit 1" 1 "$?"
check_eq "no server, --ovsdb: one line naming the socket" \
	"xkvm: no Open vSwitch database socket '$empty/db.sock'" "$(errors)"
check_clean "no server, --ovsdb"
FAKE_QEMU_EXIT=0 ip netns exec "$NS" env OVS_RUNDIR="$empty" "$XKVM" --accel=tcg --kvm "$FQ" \
	--netdev "$br1" 2>"$dir/err"
check_eq "no server, default remote: exit 1" 1 "$?"
# (a netdev-datapath bridge is a tap to the kernel)
check_eq "no server, default remote: an OVS bridge name is no Linux bridge" \
	"xkvm: '$br1' is not a bridge" "$(errors)"
FAKE_QEMU_EXIT=0 ip netns exec "$NS" env OVS_RUNDIR="$empty" "$XKVM" --accel=tcg --kvm "$FQ" \
	--netdev "$lbr" 2>"$dir/err"
check_eq "no server, default remote: Linux bridges still work" "0 " "$? $(errors)"
check_clean "no server"
# A socket nobody listens on: refused at once.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$empty/db.sock"
xk --ovsdb "unix:$empty/db.sock" --netdev "$br1" 2>"$dir/err"
check_eq "dead socket: exit 1" 1 "$?"
check_eq "dead socket: refused" \
	"xkvm: cannot connect to OVSDB at 'unix:$empty/db.sock': Connection refused" "$(errors)"
check_clean "dead socket"

# --- ovsdb-server not answering ---------------------------------------------
server=$(ovs_pid server)
kill -STOP "$server"
kill_at_exit -CONT $server
start=$(now_ms)
xk --ovs-timeout 1 --netdev "$lbr" --netdev "$br1" 2>"$dir/err"
check_eq "server stopped: exit 1" 1 "$?"
within 900 5000 "$start" "server stopped"
check_eq "server stopped: one line, the remote named once" \
	"xkvm: OVSDB server at 'unix:$SOCK' did not answer within 1000 ms" "$(errors)"
check_eq "server stopped: no tap made" "" "$(tapvm_links)"
kill -CONT "$server"
check_clean "server stopped"

# --- ovsdb-server stops answering while qemu runs ----------------------------
# The teardown's removal times out (bounded), the taps still go; the port,
# if the server does not apply the removal it got, is left tagged for the
# reaper: `tap-control gc` removes it.
rm -f "$dir/rec"
(FAKE_QEMU_RECORD=$dir/rec exec ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" \
	"$XKVM" --accel=tcg --kvm "$FQ" --ovs-timeout 1 --netdev "$br1" --netdev "$lbr" \
	>/dev/null 2>"$dir/err") &
xpid=$!
for i in $(seq 200); do [ -s "$dir/rec" ] && break; sleep 0.05; done
if [ -s "$dir/rec" ]; then
	check_eq "stopped under a launch: the port is there" "$br1" "$(vs port-to-br tapvm0)"
	kill -STOP "$server"
	start=$(now_ms)
	kill -TERM "$(head -n1 "$dir/rec")"
	wait "$xpid"
	check_eq "stopped under a launch: xkvm exits as qemu did" 143 "$?"
	within 900 5000 "$start" "stopped under a launch"
	check_eq "stopped under a launch: one line" \
		"xkvm: cannot remove Open vSwitch ports: timed out after 1000 ms waiting for the OVSDB server to send the rows asked for" \
		"$(errors)"
	check_eq "stopped under a launch: the taps are gone" "" "$(tapvm_links)"
	kill -CONT "$server"
	# The request was sent: the server may still apply it once it runs.
	ovs_sync
	left=$(owned_ifaces)
	if [ -n "$left" ]; then
		check_eq "stopped under a launch: the port is left, tagged" "tapvm0 " "$left"
		check_cmd "gc removes it" ovs_in_ns "$XKVM" tap-control gc
	else
		ok "stopped under a launch: the server applied the removal after SIGCONT"
	fi
else
	fail "stopped under a launch: qemu did not start: $(cat "$dir/err")"
	kill -CONT "$server"
fi
check_clean "stopped under a launch"

# --- ovs-vswitchd stopped: the commit works, its application does not -------
ovs_stop_vswitchd
start=$(now_ms)
xk --ovs-timeout 1 --netdev "$br1" --netdev "$lbr" --netdev "$br1,ovs-tag=3" 2>"$dir/err"
check_eq "vswitchd stopped: exit 1" 1 "$?"
within 900 5000 "$start" "vswitchd stopped"
check_eq "vswitchd stopped: one line" \
	"xkvm: timed out waiting for ovs-vswitchd to apply the change: no progress for 1000 ms (it applied configuration $(cfgs))" "$(errors)"
check_clean "vswitchd stopped"
check_eq "vswitchd stopped: the bridge keeps no port" "" "$(vs list-ports "$br1")"
check_eq "vswitchd stopped: no stray Interface rows" "$br1 $brs" \
	"$(vs --bare --columns=name list Interface | grep . | sort | tr '\n' ' ' | sed 's/ $//')"
# At -v, a wait longer than a second says what it waits for.
xk -v --ovs-timeout 2 --netdev "$br1" 2>"$dir/err"
check_eq "vswitchd stopped, -v: exit 1" 1 "$?"
check_eq "vswitchd stopped, -v: one line saying what is waited for" \
	"waiting for ovs-vswitchd to apply the change (it applied configuration $(cfgs))" \
	"$(grep '^waiting for' "$dir/err")"
check_clean "vswitchd stopped, -v"
# --ovs-no-wait does not wait for it: the launch goes on.
xk --ovs-no-wait --netdev "$br1" 2>"$dir/err"
check_eq "vswitchd stopped, --ovs-no-wait: launches" "0 " "$? $(errors)"
check_clean "vswitchd stopped, --ovs-no-wait"
ovs_start_vswitchd || exit 2
check_cmd "vswitchd back: a launch works" xk --netdev "$br1"
check_clean "vswitchd back"

# --- ovs-vswitchd cannot add the port ---------------------------------------
xk --netdev "$lbr" --netdev "$brs" 2>"$dir/err"
check_eq "vswitchd cannot add: exit 1" 1 "$?"
check_eq "vswitchd cannot add: says so" \
	"xkvm: ovs-vswitchd could not add 'tapvm1' to '$brs': no OpenFlow port assigned" "$(errors)"
check_clean "vswitchd cannot add"
check_eq "vswitchd cannot add: $brs keeps no port" "" "$(vs list-ports "$brs")"

# --- the port name is taken in the database: another tap, no error -------
vs add-port "$br1" tapvm0 -- set Interface tapvm0 external_ids:who=else || exit 2
FAKE_QEMU_RECORD=$dir/rec.taken xk -v --netdev "$br1" 2>"$dir/err"
check_eq "name taken: the launch works, no error" "0 " "$? $(errors)"
check_cmd "name taken: qemu got another tap" grep -qx 'type=tap,.*ifname=tapvm1' "$dir/rec.taken"
check_eq "name taken: the foreign port survives" "tapvm0 else" \
	"$(vs list-ports "$br1") $(vs get Interface tapvm0 external_ids:who)"
check_eq "name taken: no tap left" "" "$(tapvm_links)"
check_eq "name taken: no owned Interface" "" "$(owned_ifaces)"
vs del-port "$br1" tapvm0
check_clean "name taken"

done_testing
