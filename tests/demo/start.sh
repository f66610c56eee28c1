# The start the OVN and vhost-user demos share, sourced as
#   . "$(dirname "$0")/start.sh" NAME "$@"      (NAME: ovn, dpdk)
# Reads [--build DIR], changes to the top of the tree, sets XKVM (DIR/xkvm,
# default build) and top, and exits 2 with one line unless xkvm is built
# and this runs as root.
demo=demo-$1
shift
build=build
while [ $# -gt 0 ]; do
	case "$1" in
		--build) build=$2; shift;;
		*) echo "usage: tests/demo/${demo#demo-}.sh [--build DIR]" >&2; exit 2;;
	esac
	shift
done
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
top=$PWD
XKVM=$top/$build/xkvm
case "$build" in /*) XKVM=$build/xkvm;; esac
[ -x "$XKVM" ] || { echo "$demo: no '$XKVM' (run make first)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$demo: needs root (network namespaces, OVS daemons)" >&2; exit 2; }
