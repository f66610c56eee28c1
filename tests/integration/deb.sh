#!/bin/bash
# The Debian package: `make deb` builds it (reusing the tree's build/ovs),
# lintian finds no error and no warning (overrides say why), dpkg -c lists
# what it ships; installed on this host, the installed xkvm prints its
# version, reaps a dead launch's tap in a namespace, its unit passes
# systemd-analyze verify and is enabled; dpkg -P removes it all.  The
# package is purged at exit whatever happens; one left by an earlier run is
# purged first.  Runs in a private mount namespace whose /etc is an overlay
# (tests/lib/sudo.sh): the package's /etc files (its ACL, the unit's
# enabling) never reach the host's /etc.
. "$(dirname "$0")/../lib/common.sh"
need_root
. "$(dirname "$0")/../lib/sudo.sh"
su_private_etc "$@"
rm -f /etc/xkvm/acl.conf	# (in the overlay) as on a host without xkvm
for tool in dpkg-buildpackage dh lintian systemd-analyze; do
	command -v $tool >/dev/null || { fail "$tool is not installed (tools/install-deps.sh check)"; done_testing; }
done

t=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-deb.XXXXXX) || exit 2
when_finished "rm -rf $t"
v=$(cat "$XKVM_TOP/VERSION")

# dpkg takes no lock timeout, and others may run apt meanwhile: retry.
dpkg_locked() {
	local i out
	for i in $(seq 120); do
		out=$(dpkg "$@" 2>&1) && return 0
		grep -q 'lock' <<<"$out" || { echo "$out"; return 1; }
		sleep 5
	done
	echo "$out"
	return 1
}
installed() { dpkg-query -W -f='${Status}' xkvm 2>/dev/null | grep -q 'ok installed'; }

start=$(now_ms)
make -C "$XKVM_TOP" -s DEBDIR="$t/deb" deb >"$t/build.log" 2>&1
rc=$?
check_eq "make deb builds" 0 $rc
[ $rc -eq 0 ] || tail -20 "$t/build.log"
echo "# make deb: $(( $(now_ms) - start )) ms"
deb=$t/deb/xkvm_${v}_$(dpkg --print-architecture).deb
check_cmd "the package is in DEBDIR" test -f "$deb"
check_eq "nothing written next to the tree" "" \
	"$(find "$(dirname "$XKVM_TOP")" -maxdepth 1 -name "xkvm*_${v}_*" -newer "$t" 2>/dev/null)"
[ -f "$deb" ] || done_testing

# (lintian's temporary files go to $t; it warns that it runs as root)
TMPDIR=$t lintian --info --display-info --pedantic --show-overrides "$t/deb/"*.changes >"$t/lintian" 2>"$t/lintian.err"
check_eq "lintian exits 0" 0 $?
cat "$t/lintian" "$t/lintian.err"
grep -q '^O: ' "$t/lintian" && ok "lintian ran (and reports the overrides)" || fail "lintian: $(head -3 "$t/lintian")"
check_eq "lintian: no error" "" "$(grep '^E: ' "$t/lintian")"
check_eq "lintian: no warning" "" "$(grep '^W: ' "$t/lintian")"

files=$(dpkg -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' | sort)
want=$(printf '%s\n' /usr/bin/xkvm /usr/share/man/man1/xkvm.1.gz \
	/usr/share/bash-completion/completions/xkvm /lib/systemd/system/xkvm-gc.service \
	/usr/share/doc/xkvm/README.md.gz /usr/share/doc/xkvm/compat.md.gz \
	/usr/share/doc/xkvm/design.md.gz /usr/share/doc/xkvm/copyright /usr/share/doc/xkvm/changelog.gz \
	/usr/share/doc/xkvm/examples/sudoers /usr/share/doc/xkvm/examples/acl.conf \
	/etc/xkvm/acl.conf /usr/share/lintian/overrides/xkvm | sort)
check_eq "dpkg -c: the files" "$want" "$(grep -v '^/usr/share/doc/xkvm/security.md' <<<"$files")"
check_eq "Version is VERSION" "$v" "$(dpkg-deb -f "$deb" Version)"
check_eq "/etc/xkvm/acl.conf is a conffile" /etc/xkvm/acl.conf \
	"$(dpkg-deb -I "$deb" conffiles 2>/dev/null)"
check_eq "Open vSwitch is not a dependency" "" "$(dpkg-deb -f "$deb" Depends | grep -o 'openvswitch[^,]*')"
check_eq "Built-Using names openvswitch" "openvswitch (= $(dpkg-query -W -f='${source:Version}' \
	openvswitch-source))" "$(dpkg-deb -f "$deb" Built-Using)"

# Installing it touches the host's /usr/bin: purge at exit, and first what
# an earlier run left; never overwrite an xkvm that no package owns.
when_finished "installed && dpkg_locked -P xkvm"
if installed; then
	dpkg_locked -P xkvm >/dev/null && ok "purged the package an earlier run left" ||
		fail "cannot purge the xkvm an earlier run left"
fi
if [ -e /usr/bin/xkvm ] && ! dpkg -S /usr/bin/xkvm >/dev/null 2>&1; then
	fail "/usr/bin/xkvm exists and belongs to no package: not overwriting it"
	done_testing
fi
out=$(dpkg_locked -i "$deb")
check_eq "dpkg -i" 0 $?
[ -n "$out" ] && echo "$out" | tail -5
want="xkvm $v"
if [ "$(git -C "$XKVM_TOP" rev-parse --show-toplevel 2>/dev/null)" = "$XKVM_TOP" ]; then
	want="$want+g$(git -C "$XKVM_TOP" rev-parse --short=12 HEAD)"
fi
check_eq "/usr/bin/xkvm --version: the tree's" "$want" "$(/usr/bin/xkvm --version)"
check_cmd "the unit is enabled" test -L /etc/systemd/system/multi-user.target.wants/xkvm-gc.service
out=$(systemd-analyze verify /lib/systemd/system/xkvm-gc.service 2>&1)
check_eq "systemd-analyze verify accepts the installed unit" "0:" "$?:$out"
check_eq "the installed completion loads" "complete -F _xkvm xkvm" \
	"$(bash -c '. /usr/share/bash-completion/completions/xkvm && complete -p xkvm')"

# The installed gc in a namespace: a tap whose owner is gone is removed.
netns_new NS
lb=xl$(rand_hex 2)
ip -n "$NS" link add "$lb" type bridge && ip -n "$NS" link set "$lb" up || exit 2
sleep 30 &
owner=$!
kill_at_exit $owner
tap=$(ip netns exec "$NS" env OVS_RUNDIR="$t/none" /usr/bin/xkvm tap-control make-nics \
	--owner-pid $owner "$lb")
check_eq "the installed make-nics makes a tap" "brctl" "${tap#*:}"
tap=${tap%%:*}
kill $owner; wait $owner 2>/dev/null
out=$(ip netns exec "$NS" env OVS_RUNDIR="$t/none" /usr/bin/xkvm tap-control gc)
check_eq "the installed gc exits 0" 0 $?
grep -q "$tap" <<<"$out" && ok "gc reports removing $tap" || fail "gc printed: $out"
check_fails "the dead launch's tap is gone" ip -n "$NS" link show "$tap"

out=$(dpkg_locked -P xkvm)
check_eq "dpkg -P" 0 $?
check_fails "the package is gone" installed
left=""
for f in $files /etc/systemd/system/multi-user.target.wants/xkvm-gc.service /usr/share/doc/xkvm; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
check_eq "dpkg -P leaves none of its files, nor the unit's enabling" "" "$left"
done_testing
