#!/bin/bash
# 1,000 ports at once (issue 13), run by tests/bench/run.sh INSIDE the sandbox
# namespace with the private OVS's environment exported, like series.sh:
#   - `xkvm tap-control make-nics BR x1000` (1,000 taps, each an OVS port,
#     in one transaction, waiting for ovs-vswitchd), then `xkvm tap-control
#     gc` of them once their owner is dead;
#   - ovs-vsctl doing the ports' part of the same over taps made beforehand
#     (untimed, `ip -batch`): one `ovs-vsctl add-port` per port, and one call
#     chaining all with `--`; then del-port the same two ways.
# Appends to RAW, one line each (microseconds; CPU = user+sys of the tool's
# process; VSW/DB = ovs-vswitchd's / ovsdb-server's CPU from the start until
# ovs-vswitchd applied the change; SETTLE = after the tool returned, until
# ovs-vswitchd applied everything; LEFT = ports left afterwards), after a
# line "bulk-n N":
#   bulk make-nics xkvm RUN WALL CPU VSW DB SETTLE STATUS
#   bulk gc xkvm RUN WALL CPU VSW DB SETTLE STATUS LEFT
#   bulk add vsctl-each|vsctl-chain RUN WALL CPU VSW DB SETTLE STATUS
#   bulk del vsctl-each|vsctl-chain RUN WALL CPU VSW DB SETTLE STATUS LEFT
#   bulk.sh RAW WORKDIR XKVM OVS_BRIDGE RUNS N VSWITCHD_PID SERVER_PID
set -u
export LC_ALL=C
raw=$1 work=$2 xkvm=$3 bro=$4 runs=$5 n=$6 vsw=$7 dbs=$8
tick() { local t=$EPOCHREALTIME; echo "${t/./}"; }
log() { echo "bench: $*" >&2; }
cpu_us() {	# user+sys of PID in microseconds (clock ticks)
	local f
	f=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	set -- $f
	echo $(( (${12} + ${13}) * 1000000 / $(getconf CLK_TCK) ))
}
settle() {
	local t0 t1
	t0=$(tick)
	ovs-vsctl --timeout=300 set Open_vSwitch . external_ids:xkb-sync="$RANDOM$RANDOM" ||
		log "settle: ovs-vsctl failed"
	t1=$(tick)
	echo $((t1 - t0))
}
our_taps() { ip -o link show | sed -n 's/^[0-9]*: \(tapvm[0-9]*\)[:@].*/\1/p'; }
nports() { ovs-vsctl list-ports "$bro" | grep -c .; }
# The tool's CPU: bash's `time` on it (user+sys of the process and its children).
TIMEFORMAT='%3U %3S'
# measure KIND TOOL RUN EXTRA CMD...: one line to RAW.
measure() {
	local kind=$1 tool=$2 r=$3 extra=$4 t0 t1 v0 d0 v1 d1 s rc u sy; shift 4
	v0=$(cpu_us "$vsw") d0=$(cpu_us "$dbs")
	t0=$(tick)
	{ time "$@" >/dev/null 2>"$work/bulk.err"; } 2>"$work/bulk.time"
	rc=$?
	t1=$(tick)
	s=$(settle)
	v1=$(cpu_us "$vsw") d1=$(cpu_us "$dbs")
	read -r u sy <"$work/bulk.time"
	[ "$rc" = 0 ] || { log "$kind $tool exit $rc:"; tail -3 "$work/bulk.err" >&2; }
	echo "bulk $kind $tool $r $((t1 - t0)) $(echo "($u + $sy) * 1000000 / 1" | bc) $((v1 - v0)) $((d1 - d0)) $s $rc$extra" >>"$raw"
}
sweep() {
	local p t
	for p in $(ovs-vsctl list-ports "$bro"); do echo "-- --if-exists del-port $bro $p"; done |
		xargs -r ovs-vsctl --timeout=300 >/dev/null
	our_taps | sed 's/^/link del /' | ip -batch - 2>/dev/null
	settle >/dev/null
}
args=()
for ((i = 0; i < n; i++)); do args+=("$bro"); done
echo "bulk-n $n" >>"$raw"

for ((r = 1; r <= runs; r++)); do
	log "make-nics and gc of $n ports, run $r of $runs"
	# make-nics for an owner that dies at once (bash -c, which must not
	# exec it): gc's orphans.  ovs-vswitchd applies the 1,000 ports in
	# one reconfiguration that moves cur_cfg only at its end (~10 s here
	# under load): more than the default 5 s without progress.
	measure make-nics xkvm "$r" "" bash -c '"$@" >/dev/null; exit $?' - "$xkvm" tap-control \
		make-nics --ovs-timeout 120 "${args[@]}"
	[ "$(nports)" = "$n" ] || log "make-nics: $(nports) ports, not $n"
	measure gc xkvm "$r" " LEFT" "$xkvm" tap-control gc
	sed -i "\$s/ LEFT\$/ $(( $(nports) + $(our_taps | grep -c .) ))/" "$raw"
	sweep

	# ovs-vsctl over taps made beforehand (untimed).
	for ((i = 0; i < n; i++)); do echo "tuntap add mode tap tapvm$i"; echo "link set tapvm$i up"; done |
		ip -batch - || log "ip -batch failed"
	chain=()
	for ((i = 0; i < n; i++)); do chain+=(-- add-port "$bro" "tapvm$i"); done
	measure add vsctl-chain "$r" "" ovs-vsctl --timeout=300 "${chain[@]}"
	chain=()
	for ((i = 0; i < n; i++)); do chain+=(-- del-port "$bro" "tapvm$i"); done
	measure del vsctl-chain "$r" " LEFT" ovs-vsctl --timeout=300 "${chain[@]}"
	sed -i "\$s/ LEFT\$/ $(nports)/" "$raw"
	if [ "$r" = 1 ]; then	# one call per port: minutes; once
		measure add vsctl-each "$r" "" bash -c 'for ((i = 0; i < $1; i++)); do
			ovs-vsctl --timeout=300 add-port "$2" "tapvm$i" || exit 1; done' - "$n" "$bro"
		measure del vsctl-each "$r" " LEFT" bash -c 'for ((i = 0; i < $1; i++)); do
			ovs-vsctl --timeout=300 del-port "$2" "tapvm$i" || exit 1; done' - "$n" "$bro"
		sed -i "\$s/ LEFT\$/ $(nports)/" "$raw"
	fi
	sweep
done
