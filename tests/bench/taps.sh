#!/bin/bash
# Micro-benchmark of the tap lifecycle, inside a namespace it makes:
# create+setup N taps, delete them one by one (one RTM_DELLINK each, one RCU
# grace period each) vs as one netdev group (one RTM_DELLINK on IFLA_GROUP),
# then the same through `xkvm tap-control make-nics` / `del-nics`.
# Prints the median of RUNS runs, in ms.
#   tests/bench/taps.sh [--build DIR] [N] [RUNS]
. "$(dirname "$0")/../lib/common.sh"
need_root
build=${XKVM_BUILD:-build}
[ "${1:-}" = --build ] && { build=$2; shift 2; }
case "$build" in /*) ;; *) build=$XKVM_TOP/$build;; esac
n=${1:-32} runs=${2:-5}
bench=$build/tests/tapbench xkvm=$build/xkvm
[ -x "$bench" ] && [ -x "$xkvm" ] || { echo "missing $bench or $xkvm (run make)" >&2; exit 2; }

netns_new ns
br=xb$(rand_hex 3)
ip -n "$ns" link add "$br" type bridge || exit 2
dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-bench-XXXXXX") || exit 2
when_finished "rm -rf '$dir'"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

for ((r = 0; r < runs; r++)); do
	ip netns exec "$ns" "$bench" "$n" "$br" >>"$dir/lib" || exit 1
	args=(); for ((i = 0; i < n; i++)); do args+=("$br"); done
	t0=$(now)
	taps=$(ip netns exec "$ns" "$xkvm" tap-control make-nics "${args[@]}" | sed 's/:.*//') || exit 1
	t1=$(now)
	ip netns exec "$ns" "$xkvm" tap-control del-nics $taps || exit 1
	t2=$(now)
	echo "$t0 $t1" | awk '{printf "%.1f\n", ($2-$1)*1000}' >>"$dir/make"
	echo "$t1 $t2" | awk '{printf "%.1f\n", ($2-$1)*1000}' >>"$dir/del"
done
left=$(ip -n "$ns" -o link show type tun | wc -l)
[ "$left" -eq 0 ] || { echo "taps left: $left" >&2; exit 1; }

echo "taps: N=$n, median of $runs runs, ms"
for what in "create+setup" "delete one-by-one" "delete group"; do
	printf '  %-36s %s\n' "$what (xknl)" "$(grep "^$what $n:" "$dir/lib" | awk '{print $NF}' | median)"
done
printf '  %-36s %s\n' "xkvm tap-control make-nics" "$(median <"$dir/make")"
printf '  %-36s %s\n' "xkvm tap-control del-nics (group)" "$(median <"$dir/del")"
