# A private Open vSwitch for integration tests (bash; source after common.sh).
#
#   ovs_start NS        makes a private directory, starts ovsdb-server and
#                       ovs-vswitchd inside namespace NS (made by netns_new)
#                       and exports OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR (all the
#                       directory, also in OVS_DIR) and OVS_NS.  Registers the
#                       daemons' stop and the directory's removal with
#                       when_finished.  Exits 2 when it cannot.
#   ovs_start_dpdk NS   the same with the DPDK build of ovs-vswitchd
#                       (/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk, run
#                       by path: the ovs-vswitchd alternative stays the plain
#                       one) and DPDK initialised without hugepages or PCI
#                       (other_config of PLATFORM-NOTES "OVS-DPDK and
#                       vhost-user"); its EAL runtime directory
#                       /var/run/dpdk/xkt-* goes at exit too.  RSS ~117 MB;
#                       pmd-maxsleep=1000 keeps the idle PMD thread (core 1)
#                       mostly asleep.  Exits 2 when it cannot.
#   ovs_use DIR NS      switches the functions below to another instance
#                       (several chassis in one test).
#   ovs_vsctl ARG...    ovs-vsctl on the private database, inside OVS_NS
#   ovs_add_br BR [ARG...]  adds bridge BR with datapath_type=netdev (extra
#                       ovs-vsctl "-- ..." arguments may follow)
#   ovs_add_fake_br FAKE PARENT VLAN   adds a fake VLAN bridge
#   ovs_sync            waits until ovs-vswitchd applied every change so far
#   ovs_in_ns CMD...    runs CMD inside OVS_NS with the OVS environment
#   ovs_pid server|vswitchd           prints the daemon's pid (from its pidfile)
#   ovs_stop_vswitchd   stops ovs-vswitchd (the database keeps running)
#   ovs_start_vswitchd  starts it again
#   ovs_restart_server  stops ovsdb-server and starts it again on the same
#                       database and socket (clients must reconnect)
#   ovs_stop_all DIR    stops both daemons of DIR (kill by pidfile pids only)
#   tapvm_links, tapvm_ports, owned_ifaces   the tapvm* links in OVS_NS, the
#                       tapvm* Ports and the Interfaces with an xkvm-owner tag
#   check_clean DESC    checks that none of those three is left
#   cfgs                "C, ours is N": the database's cur_cfg and next_cfg, as
#                       the message of a wait for a stopped ovs-vswitchd
#                       names them (the last change's next_cfg is the waiter's)
#   ovs_client ARG...   runs the ovs-client test driver of $XKVM_BUILD (see
#                       tests/helpers/ovs-client.c) inside OVS_NS, with the
#                       options in $OVS_CLIENT_OPTS first (e.g. -N)
# OVS runs from the netdev (userspace) datapath: no kernel module needed.

OVS_SCHEMA=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}

ovs_use() {
	export OVS_DIR=$1 OVS_NS=$2
	export OVS_RUNDIR=$1 OVS_DBDIR=$1 OVS_LOGDIR=$1
}

ovs_in_ns() {
	ip netns exec "$OVS_NS" env OVS_RUNDIR="$OVS_DIR" OVS_DBDIR="$OVS_DIR" \
		OVS_LOGDIR="$OVS_DIR" "$@"
}

ovs_client() {
	local b=${XKVM_BUILD:-build}
	case "$b" in /*) ;; *) b=$XKVM_TOP/$b;; esac
	ovs_in_ns "$b/tests/ovs-client" ${OVS_CLIENT_OPTS:-} "$@"
}

ovs_vsctl() {
	ovs_in_ns ovs-vsctl --timeout=10 --db="unix:$OVS_DIR/db.sock" "$@"
}

ovs_pid() {
	local f=$OVS_DIR/ovsdb-server.pid
	[ "$1" = vswitchd ] && f=$OVS_DIR/ovs-vswitchd.pid
	cat "$f" 2>/dev/null
}

# _ovs_kill PIDFILE: ends the daemon of PIDFILE, which we started: only a
# process whose command line names that pidfile (a stale pidfile's pid may
# belong to another process by now).
_ovs_kill() {
	local pid i
	pid=$(cat "$1" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "--pidfile=$1" || return 0
	kill -CONT "$pid" 2>/dev/null	# a test may have stopped it
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		# exited: a zombie until init reaps it (which can take seconds)
		[ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)" = Z ] && return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

ovs_stop_all() {
	_ovs_kill "$1/ovs-vswitchd.pid"
	_ovs_kill "$1/ovsdb-server.pid"
}

OVS_DPDK_VSWITCHD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk

ovs_start_vswitchd() {
	ovs_in_ns "${OVS_VSWITCHD:-ovs-vswitchd}" "unix:$OVS_DIR/db.sock" \
		--pidfile="$OVS_DIR/ovs-vswitchd.pid" \
		--unixctl="$OVS_DIR/ovs-vswitchd.ctl" \
		-vconsole:off --log-file="$OVS_DIR/ovs-vswitchd.log" --detach
}

ovs_stop_vswitchd() {
	_ovs_kill "$OVS_DIR/ovs-vswitchd.pid"
	rm -f "$OVS_DIR/ovs-vswitchd.pid"
}

_ovs_start_server() {
	ovs_in_ns ovsdb-server "$OVS_DIR/conf.db" --remote="punix:$OVS_DIR/db.sock" \
		--pidfile="$OVS_DIR/ovsdb-server.pid" --unixctl="$OVS_DIR/ovsdb-server.ctl" \
		-vconsole:off --log-file="$OVS_DIR/ovsdb-server.log" --detach
}

ovs_restart_server() {
	_ovs_kill "$OVS_DIR/ovsdb-server.pid"
	rm -f "$OVS_DIR/ovsdb-server.pid"
	_ovs_start_server
}

ovs_start() {
	local ns=$1 dir
	need_root
	command -v ovsdb-server >/dev/null && command -v ovs-vswitchd >/dev/null ||
		{ echo "ovs_start: Open vSwitch is not installed" >&2; exit 2; }
	[ -z "${OVS_VSWITCHD:-}" ] || [ -x "$OVS_VSWITCHD" ] ||
		{ echo "ovs_start: '$OVS_VSWITCHD' is not installed (tools/install-deps.sh check)" >&2; exit 2; }
	dir=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-ovs.XXXXXX) ||
		{ echo "ovs_start: cannot make a directory" >&2; exit 2; }
	when_finished "rm -rf $dir"
	when_finished "ovs_stop_all $dir"
	ovs_use "$dir" "$ns"
	ovsdb-tool create "$dir/conf.db" "$OVS_SCHEMA" ||
		{ echo "ovs_start: ovsdb-tool create failed" >&2; exit 2; }
	_ovs_start_server || { echo "ovs_start: ovsdb-server failed" >&2; exit 2; }
	ovs_vsctl --no-wait init ||
		{ echo "ovs_start: ovs-vsctl init failed" >&2; exit 2; }
	if [ -n "${OVS_DPDK_PREFIX:-}" ]; then
		when_finished "rm -rf /var/run/dpdk/$OVS_DPDK_PREFIX; rmdir /var/run/dpdk"
		ovs_vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
			other_config:per-port-memory=true other_config:dpdk-lcore-mask=0x1 \
			other_config:pmd-cpu-mask=0x2 other_config:pmd-maxsleep=1000 \
			other_config:dpdk-extra="--file-prefix=$OVS_DPDK_PREFIX --no-pci --no-huge --legacy-mem -m 256" ||
			{ echo "ovs_start: cannot configure DPDK" >&2; exit 2; }
	fi
	ovs_start_vswitchd ||
		{ echo "ovs_start: ovs-vswitchd failed" >&2; exit 2; }
}

ovs_start_dpdk() {
	export OVS_VSWITCHD=$OVS_DPDK_VSWITCHD OVS_DPDK_PREFIX=xkt-$(rand_hex 4)
	ovs_start "$1"
	ovs_wait_dpdk ||
		{ echo "ovs_start_dpdk: DPDK not initialised (see $OVS_DIR/ovs-vswitchd.log)" >&2; exit 2; }
}

# ovs_wait_dpdk: waits (10 s at most) until ovs-vswitchd says DPDK is up.
ovs_wait_dpdk() {
	local i
	for i in $(seq 100); do
		[ "$(ovs_vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	return 1
}

ovs_sync() {
	ovs_vsctl set Open_vSwitch . external_ids:xkt-sync="$(rand_hex 4)"
}

ovs_add_br() {
	local br=$1; shift
	ovs_vsctl add-br "$br" -- set bridge "$br" datapath_type=netdev "$@"
}

ovs_add_fake_br() {
	ovs_vsctl add-br "$1" "$2" "$3"
}

tapvm_links() { ip -n "$OVS_NS" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' |
	grep '^tapvm' | sort | tr '\n' ' '; }
owned_ifaces() { ovs_vsctl --no-wait -f csv --no-headings --columns=name,external_ids \
	list Interface | grep xkvm-owner | cut -d, -f1 | tr '\n' ' '; }
tapvm_ports() { ovs_vsctl --no-wait --bare --columns=name list Port | grep '^tapvm' |
	tr '\n' ' '; }
cfgs() {
	echo "$(ovs_vsctl --no-wait get Open_vSwitch . cur_cfg), ours is $(ovs_vsctl --no-wait get Open_vSwitch . next_cfg)"
}
check_clean() {
	check_eq "$1: no tapvm link left" "" "$(tapvm_links)"
	check_eq "$1: no tapvm Port left" "" "$(tapvm_ports)"
	check_eq "$1: no Interface with an owner tag left" "" "$(owned_ifaces)"
}
