#!/bin/bash
# The measurements of `make bench`, run by tests/bench/run.sh INSIDE the
# sandbox namespace with the private OVS's environment exported (OVS_RUNDIR)
# and a PATH whose `sudo` keeps that environment.  Appends raw numbers
# (microseconds) to RAW, one line each:
#   launch CASE TOOL RUN US STATUS SETTLE_US   (CASE: ovs-N or linux-N)
#   conc 32x2 TOOL RUN WALL_US OK CLEAN LEAKED_TAPS LEAKED_PORTS
#   gc 100 TOOL RUN US STATUS SETTLE_US LEFT
#   idle settle - RUN US          (an ovs-vsctl round trip with nothing to do)
#   qemu standin - RUN US         (the qemu stand-in alone)
#   xkvm help - RUN US            (xkvm --help: process start)
#   ip linkdel - RUN US           (ip link del of one tap on the Linux bridge)
#   ip show - RUN US              (ip link show lo: ip's own start)
#   phase CASE RUN NAME US        (xkvm -v timestamps; CASE ovs-32-wait ...)
#   launch-nowait ovs-N xkvm RUN US STATUS SETTLE_US   (xkvm --ovs-no-wait)
# TOOL is "ref" (the reference script) or "xkvm".
#   series.sh RAW WORKDIR XKVM REF QEMU_STANDIN OVS_BRIDGE LINUX_BRIDGE RUNS NS
set -u
export LC_ALL=C
raw=$1 work=$2 xkvm=$3 ref=$4 fq=$5 bro=$6 brl=$7 runs=$8 ns_list=$9
here=$(cd "$(dirname "$0")" && pwd)
export FAKE_QEMU_EXIT=0
tick() { local t=$EPOCHREALTIME; echo "${t/./}"; }	# microseconds
log() { echo "bench: $*" >&2; }

# Waits until ovs-vswitchd applied every change so far; prints the wait (us).
settle() {
	local t0 t1
	t0=$(tick)
	ovs-vsctl --timeout=60 set Open_vSwitch . external_ids:xkb-sync="$RANDOM$RANDOM" ||
		log "settle: ovs-vsctl failed"
	t1=$(tick)
	echo $((t1 - t0))
}

our_taps() { ip -o link show | sed -n 's/^[0-9]*: \(tapvm[0-9]*\)[:@].*/\1/p'; }
our_ports() { ovs-vsctl list-ports "$bro"; }

# Removes every tap and port left (bench tools, not xkvm); prints "TAPS PORTS".
sweep() {
	local taps ports t p
	taps=$(our_taps) ports=$(our_ports)
	for p in $ports; do ovs-vsctl --no-wait del-port "$bro" "$p"; done
	for t in $taps; do ip link del "$t" 2>/dev/null; done
	[ -n "$ports" ] && settle >/dev/null
	echo "$(echo $taps | wc -w) $(echo $ports | wc -w)"
}

cmd_of() {	# TOOL N BRIDGE...: sets cmd=(...)
	local tool=$1 n=$2 i; shift 2
	if [ "$tool" = ref ]; then cmd=("$ref" --kvm "${standin:-$fq}"); else
		cmd=("$xkvm" --accel=tcg --kvm "${standin:-$fq}"); fi
	for ((i = 0; i < n; i++)); do for b in "$@"; do cmd+=(--netdev "$b"); done; done
}

# launch CASE TOOL RUN N BRIDGE [extra xkvm option]
launch() {
	local kase=$1 tool=$2 run=$3 n=$4 br=$5 extra=${6:-} t0 t1 rc s left
	cmd_of "$tool" "$n" "$br"
	[ -n "$extra" ] && cmd=("${cmd[0]}" "$extra" "${cmd[@]:1}")
	t0=$(tick)
	"${cmd[@]}" >/dev/null 2>"$work/err"
	rc=$?
	t1=$(tick)
	s=$(settle)
	[ "$rc" = 0 ] || { log "$tool $kase exit $rc:"; tail -3 "$work/err" >&2; }
	left=$(sweep)
	[ "$left" = "0 0" ] || log "$tool $kase run $run left taps/ports: $left"
	echo "launch${extra:+-nowait} $kase $tool $run $((t1 - t0)) $rc $s" >>"$raw"
}

# phase CASE RUN: one `xkvm -v` under tstamp.pl; the time of each step
# from the line that ends it.  CASE: ovs-32-wait, ovs-1-nowait, linux-1 ...
phase() {
	local kase=$1 r=$2 n br opt t t2
	n=${kase#*-}; n=${n%%-*}
	br=$bro; [ "${kase%%-*}" = linux ] && br=$brl
	cmd_of xkvm "$n" "$br"
	opt=-v; [ "${kase##*-}" = nowait ] && opt="-v --ovs-no-wait"
	"$here/tstamp.pl" "${cmd[0]}" $opt "${cmd[@]:1}" >"$work/ts" 2>&1
	grep -q ' END 0$' "$work/ts" || { log "xkvm $kase failed:"; tail -3 "$work/ts" >&2; }
	t=$(tick); settle >/dev/null; t2=$(tick)
	awk -v k=$kase -v r=$r -v settle=$((t2 - t)) '
		function out(name, ms) { printf "phase %s %s %s %d\n", k, r, name, ms * 1000 }
		/creating tap devices:/ && !a { a = $1 }
		/ created tapvm/ { b = $1 }
		/ added tapvm/ && !c { c = $1 }
		/ -netdev / && !d { d = $1 }
		/ removed [0-9]+ Open vSwitch/ { e = $1 }
		/ removing [0-9]+ tap/ { f = $1 }
		/ END / { g = $1; st = $3 }
		END {
			if (!c) c = b	# no OVS port
			if (!e) e = f
			out("start", a); out("taps", b - a); out("ports", c - b)
			out("argv", d - c); out("qemu+unports", e - d); out("untaps", g - f)
			out("total", g); out("status", st / 1000); out("settle", settle / 1000)
		}' "$work/ts" >>"$raw"
	sweep >/dev/null
}

log "baseline: ovs-vsctl round trip, qemu stand-in"
settle >/dev/null
for ((r = 1; r <= runs; r++)); do
	echo "idle settle - $r $(settle)" >>"$raw"
	t0=$(tick); "$fq" >/dev/null 2>&1; t1=$(tick)
	echo "qemu standin - $r $((t1 - t0))" >>"$raw"
	t0=$(tick); "$xkvm" --help >/dev/null; t1=$(tick)
	echo "xkvm help - $r $((t1 - t0))" >>"$raw"
	ip tuntap add mode tap tapvmbench; ip link set tapvmbench master "$brl" up
	t0=$(tick); ip link del tapvmbench; t1=$(tick)
	echo "ip linkdel - $r $((t1 - t0))" >>"$raw"
	t0=$(tick); ip link show lo >/dev/null; t1=$(tick)
	echo "ip show - $r $((t1 - t0))" >>"$raw"
done

# Warm-up (page cache, sudo's first run), not recorded.
for tool in ref xkvm; do
	cmd_of $tool 2 "$bro" "$brl"; "${cmd[@]}" >/dev/null 2>&1; settle >/dev/null; sweep >/dev/null
done

for n in 1 8 32 128; do
	for kind in ovs linux; do
		br=$bro; [ $kind = linux ] && br=$brl
		log "one launch, $n NIC(s) on the $kind bridge, $runs runs each"
		for ((r = 1; r <= runs; r++)); do
			launch "$kind-$n" ref "$r" "$n" "$br"
			launch "$kind-$n" xkvm "$r" "$n" "$br"
			[ $kind = ovs ] && launch "$kind-$n" xkvm "$r" "$n" "$br" --ovs-no-wait
			# the phase breakdown, next to the runs it explains
			case $kind-$n in
				ovs-1|ovs-32) phase "$kind-$n-wait" "$r"; phase "$kind-$n-nowait" "$r";;
				linux-1|linux-32) phase "$kind-$n" "$r";;
			esac
		done
	done
done

log "32 concurrent launches of 2 NICs (one OVS, one Linux bridge), $runs runs each"
for ((r = 1; r <= runs; r++)); do
	for tool in ref xkvm; do
		# a stand-in that records each tap's name and ifindex
		standin=$here/qemu-record cmd_of $tool 1 "$bro" "$brl"
		rm -f "$work"/rec.* "$work"/rc.*
		t0=$(tick)
		for ((i = 0; i < 32; i++)); do
			( BENCH_RECORD=$work/rec.$i "${cmd[@]}" >/dev/null 2>"$work/cerr.$i"
			  echo $? >"$work/rc.$i" ) &
		done
		wait
		t1=$(tick)
		settle >/dev/null
		ok=0 clean=0
		# clean: succeeded, both taps existed when qemu started, and no
		# other launch was given the same tap (same name and ifindex)
		cat "$work"/rec.* 2>/dev/null | sort | uniq -d >"$work/dups"
		for ((i = 0; i < 32; i++)); do
			[ "$(cat "$work/rc.$i" 2>/dev/null)" = 0 ] || continue
			ok=$((ok + 1))
			[ "$(grep -c '^tapvm[0-9]* [0-9][0-9]*$' "$work/rec.$i" 2>/dev/null)" = 2 ] || continue
			grep -qxFf "$work/dups" "$work/rec.$i" || clean=$((clean + 1))
		done
		left=$(sweep)
		echo "conc 32x2 $tool $r $((t1 - t0)) $ok $clean $left" >>"$raw"
		[ $ok = 32 ] || { log "$tool: $ok/32 succeeded; first error:"; cat "$work"/cerr.* | grep -v '^ \|^creating\|^cleaning\|^OVS_CLEANUP' | head -2 >&2; }
	done
done

# 100 orphaned taps, each an OVS port too, from 10 dead owners of 10 each.
make_orphans() {
	local o i args=()
	for ((i = 0; i < 10; i++)); do args+=("$bro"); done
	for ((o = 0; o < 10; o++)); do
		bash -c '"$@" >/dev/null; :' - "$xkvm" tap-control make-nics "${args[@]}" ||
			log "make-nics failed"
	done
	settle >/dev/null
}
log "tap-control gc of 100 orphaned taps and ports, $runs runs each"
for ((r = 1; r <= runs; r++)); do
	make_orphans
	t0=$(tick); "$xkvm" tap-control gc >/dev/null 2>"$work/err"; rc=$?; t1=$(tick)
	s=$(settle); left=$(sweep)
	echo "gc 100 xkvm $r $((t1 - t0)) $rc $s $left" >>"$raw"
	# The reference has no gc: its own cleanup steps for the same 100
	# (ip tuntap del each, then `tap-control ovs-cleanup BRIDGE:TAP...`).
	make_orphans
	taps=$(our_taps) pairs=()
	for t in $taps; do pairs+=("$bro:$t"); done
	t0=$(tick)
	for t in $taps; do ip tuntap del mode tap "$t"; done
	sudo "$ref" tap-control ovs-cleanup "${pairs[@]}" >/dev/null 2>"$work/err"; rc=$?
	t1=$(tick)
	s=$(settle); left=$(sweep)
	echo "gc 100 ref $r $((t1 - t0)) $rc $s $left" >>"$raw"
done

log "done"
