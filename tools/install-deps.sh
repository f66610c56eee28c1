#!/bin/sh
# Installs the Debian packages xkvm's build, tests, demo and benchmark need,
# only those missing (a no-op on a machine that has them all).
#   tools/install-deps.sh [build|check|demo|bench|fuzz|deb]
set -eu
what=${1:-check}
pkgs="gcc make pkg-config libnl-3-dev libnl-route-3-dev libssl-dev libpcap-dev openvswitch-source
      python3"
case "$what" in
	build) ;;
	fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;	# make fuzz: libFuzzer
	deb) pkgs="$pkgs debhelper dpkg-dev" ;;		# make deb: dpkg-buildpackage, dh
	check|demo|bench)
		pkgs="$pkgs openvswitch-switch qemu-system-x86 qemu-utils ovmf iproute2 sudo strace bc
		      busybox-static cpio valgrind ovn-central ovn-host iputils-ping tcpdump
		      debhelper dpkg-dev lintian bash-completion systemd man-db
		      openvswitch-switch-dpdk librte-mempool-ring23"
		# tcpdump: ctl capture's test.  The DPDK ovs-vswitchd (vhost-user
		# tests, make demo-dpdk) is run by
		# its path; installing it leaves the ovs-vswitchd alternative on the
		# plain build (priority 100 against 50).  Without the mempool ring
		# driver every DPDK mempool fails with EINVAL.
		;;
esac
[ "$what" = bench ] && pkgs="$pkgs gnuplot-nox"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null; then
		echo "install-deps: missing packages:$missing: installing them through sudo" >&2
		exec sudo "$0" "$what"
	fi
	echo "install-deps: missing packages:$missing (run as root, or apt-get install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# The tests and the demo run their own ovsdb-server, ovs-vswitchd and OVN
# daemons in namespaces.  The packages' own services must not start on the
# host (ovn-controller would create br-int in the host's Open vSwitch): a
# policy-rc.d, only while we install and only if the host has none, tells
# invoke-rc.d and deb-systemd-invoke to leave Open vSwitch and OVN alone.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	trap 'rm -f "$policy"' EXIT
	trap 'exit 1' HUP INT TERM
	cat >"$policy" <<'POLICY'
#!/bin/sh
# Written by xkvm's tools/install-deps.sh for the length of one apt-get run.
case "$1" in openvswitch*|ovs*|ovn*) exit 101;; esac
exit 0
POLICY
	chmod 755 "$policy"
fi	# else the host's own policy decides
# An old or absent package list finds nothing: refresh it once first.
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
