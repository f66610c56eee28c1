# The test guest launched through xkvm (bash; source after common.sh and ovs.sh).
#
#   guest_setup         checks qemu, busybox, timeout and md5sum, builds the guest (cached by
#                       tools/build-guest.sh) and sets XK_GUEST_KERNEL,
#                       XK_GUEST_INITRD.  Exits 2 when it cannot.
#   guest_start NAME DIR [XKVM-OPTION...] -- [XK-ARG...]
#                       starts, in the background and inside OVS_NS with the
#                       OVS environment, "$XKVM --accel=tcg OPTIONS -- -m 256
#                       -nographic -no-reboot -kernel .. -initrd .. -append
#                       'console=ttyS0 quiet panic=-1 xk.wait=.. xk.timeout=..
#                       XK-ARGS'".  GUEST_APPEND_BASE replaces the leading
#                       "console=ttyS0 quiet panic=-1" when set; the words of
#                       GUEST_QEMU_ARGS (e.g. "-smp 2") follow "-m 256".
#                       GUEST_RUNNER names the command that runs it instead
#                       of ovs_in_ns (e.g. a function around as_user, whose
#                       user must be able to write DIR).  Files:
#                         DIR/NAME.out      qemu's console (stdout), as it comes
#                         DIR/NAME.err      xkvm's and qemu's stderr
#                         DIR/NAME.pid      xkvm's pid
#                       and, once it ended, DIR/NAME.console (the console
#                       without \r), DIR/NAME.rc (xkvm's exit status),
#                       DIR/NAME.ms (wall time).  Registers guest_stop.
#   guest_stop NAME DIR       SIGTERM to xkvm (which tears down), waits 10 s
#   guest_wait NAME DIR SECS  waits for the end (at most SECS, then
#                             guest_stop); returns xkvm's exit status
#   guest_wait_for NAME DIR REGEX SECS  waits until a console line matches
#   guest_watch_count NAME DIR REGEX  how many XK-WATCH lines (xk.watch) match
#   guest_wait_watch NAME DIR REGEX COUNT SECS  waits until COUNT of them
#                               match; returns 1 when not within SECS
#   guest_verdict NAME DIR KEY  the fields after "XK-RESULT KEY=" (first one)
#   guest_done NAME DIR         the status of the XK-DONE line (ok, fail, ...)
#   guest_field "LINE" KEY      the value of KEY=... in LINE
#   guest_qemu_line NAME DIR    the qemu command line xkvm printed
#   guest_show NAME DIR         the console's XK-/panic lines and the stderr
#                               tail, on stderr (for a failed check)
# XK-ARGS are the test guest's job: see tests/guest/init.

GUEST_WAIT=${GUEST_WAIT:-30}		# xk.wait: the guest's bound of each wait
GUEST_TIMEOUT=${GUEST_TIMEOUT:-80}	# xk.timeout: its watchdog

guest_setup() {
	local prog env
	for prog in qemu-system-x86_64 busybox timeout md5sum; do
		command -v "$prog" >/dev/null ||
			{ echo "$TEST_NAME: '$prog' not found (tools/install-deps.sh check)" >&2; exit 2; }
	done
	env=$("$XKVM_TOP/tools/build-guest.sh") ||
		{ echo "$TEST_NAME: cannot build the test guest (tools/build-guest.sh)" >&2; exit 2; }
	eval "$env"
	[ -s "$XK_GUEST_KERNEL" ] && [ -s "$XK_GUEST_INITRD" ] ||
		{ echo "$TEST_NAME: no guest kernel or initrd" >&2; exit 2; }
}

guest_start() {
	local name=$1 dir=$2 opts=() base
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	base=${GUEST_APPEND_BASE:-console=ttyS0 quiet panic=-1}
	rm -f "$dir/$name".{out,err,pid,console,rc,rc.tmp,ms}
	(
		start=$(date +%s%N)
		# sh records its pid, then becomes xkvm: the pid is xkvm's
		${GUEST_RUNNER:-ovs_in_ns} sh -c 'echo $$ >"$0"; exec "$@"' "$dir/$name.pid" \
			"$XKVM" --accel=tcg "${opts[@]}" -- \
			-m 256 ${GUEST_QEMU_ARGS:-} -nographic -no-reboot \
			-kernel "$XK_GUEST_KERNEL" -initrd "$XK_GUEST_INITRD" \
			-append "$base xk.wait=$GUEST_WAIT xk.timeout=$GUEST_TIMEOUT $*" \
			</dev/null >"$dir/$name.out" 2>"$dir/$name.err"
		rc=$?
		tr -d '\r' <"$dir/$name.out" >"$dir/$name.console"
		echo $((($(date +%s%N) - start) / 1000000)) >"$dir/$name.ms"
		echo "$rc" >"$dir/$name.rc.tmp" && mv -f "$dir/$name.rc.tmp" "$dir/$name.rc"
	) &
	when_finished "guest_stop $name $dir"
	# the pid file appears within milliseconds; wait for it so that
	# guest_stop can always find xkvm
	local i
	for i in $(seq 100); do
		[ -s "$dir/$name.pid" ] && return 0
		sleep 0.05
	done
	echo "$TEST_NAME: guest $name did not start" >&2
	return 1
}

guest_stop() {
	local name=$1 dir=$2 pid i
	[ -f "$dir/$name.rc" ] && return 0
	pid=$(cat "$dir/$name.pid" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do
		[ -f "$dir/$name.rc" ] && return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

guest_wait() {
	local name=$1 dir=$2 deadline=$(($(date +%s) + $3))
	while [ ! -f "$dir/$name.rc" ]; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "$TEST_NAME: guest $name still runs after $3 s: stopping it" >&2
			guest_stop "$name" "$dir"
			break
		fi
		sleep 0.1
	done
	# the subshell writes .rc last: it has finished or is about to
	sleep 0.01
	return "$(cat "$dir/$name.rc" 2>/dev/null || echo 124)"
}

guest_wait_for() {
	local name=$1 dir=$2 re=$3 deadline=$(($(date +%s) + $4))
	while ! tr -d '\r' <"$dir/$name.out" 2>/dev/null | grep -aq -- "$re"; do
		[ -f "$dir/$name.rc" ] && return 1
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
	return 0
}

guest_watch_count() {
	tr -d '\r' <"$2/$1.out" | grep -a '^XK-WATCH ' | grep -ac -- "$3"
}

guest_wait_watch() {
	local deadline=$(($(date +%s) + $5))
	while [ "$(guest_watch_count "$1" "$2" "$3")" -lt "$4" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

guest_verdict() {
	sed -n "s/^.*XK-RESULT $3=//p" "$2/$1.console" 2>/dev/null | sed 's/ t=[0-9.]*$//' | head -n 1
}

guest_done() {
	sed -n 's/^.*XK-DONE status=\([a-z]*\).*/\1/p' "$2/$1.console" 2>/dev/null | head -n 1
}

guest_field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

guest_qemu_line() {
	grep -a -m1 '^ *qemu-system-' "$2/$1.err" | sed 's/^ *//'
}

guest_show() {
	{
		echo "  --- guest $1: console"
		tr -d '\r' <"$2/$1.out" | grep -a 'XK-\|Kernel panic\|rror' | sed 's/^/    /'
		echo "  --- guest $1: stderr"
		tail -n 15 "$2/$1.err" | sed 's/^/    /'
	} >&2
}
