#!/bin/bash
# SIGTERM in the middle of make-nics: the cleanup hook removes every tap
# made so far and the process dies by the signal (exit status 143).
. "$(dirname "$0")/../lib/common.sh"
need_root

netns_new ns
br=xb$(rand_hex 3)
ip -n "$ns" link add "$br" type bridge || exit 2
ntaps() { ip -n "$ns" -o link show type tun | grep -c .; }
args=(); for ((i = 0; i < 400; i++)); do args+=("$br"); done

caught=false
for attempt in 1 2 3; do
	ip netns exec "$ns" "$XKVM" tap-control make-nics "${args[@]}" >/dev/null 2>&1 &
	pid=$!
	kill_at_exit -9 $pid
	# wait until some taps exist, then interrupt
	for ((w = 0; w < 2000; w++)); do [ "$(ntaps)" -gt 0 ] && break; sleep 0.005; done
	seen=$(ntaps)
	kill -TERM "$pid"
	wait "$pid"; rc=$?
	if [ "$rc" -eq 143 ] && [ "$seen" -gt 0 ]; then
		caught=true
		echo "# interrupted with $seen+ taps made"
		break
	fi
	# finished first: remove what it kept and try again
	ip -n "$ns" -o link show type tun | awk -F': ' '{print $2}' |
		xargs -r ip netns exec "$ns" "$XKVM" tap-control del-nics
done
check_eq "make-nics interrupted mid-way" true "$caught"
check_eq "died by SIGTERM" 143 "$rc"
check_eq "no tap left after SIGTERM" 0 "$(ntaps)"
done_testing
