#!/bin/bash
# `make install` and `make uninstall`: with PREFIX alone and with
# DESTDIR+PREFIX=/usr, the binary, man page, bash completion, systemd unit
# (accepted by `systemd-analyze verify`), docs, the sudoers example
# (accepted by `visudo -c`) and the ACL example where they belong, and the
# ACL the binary reads (/etc/xkvm/acl.conf: granting nothing, never
# overwriting an admin's); uninstall leaves nothing but an admin's ACL.
# Runs in a private mount namespace whose /etc is an overlay
# (tests/lib/sudo.sh): the host's /etc is never written.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sudo.sh"
su_private_etc "$@"
rm -f /etc/xkvm/acl.conf	# (in the overlay) as on a host without xkvm

t=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-install.XXXXXX) || exit 2
when_finished "rm -rf $t"
build=$(dirname "$XKVM")
sanitize=""
[ -f "$build/src/main.o" ] && nm "$build/src/main.o" 2>/dev/null | grep -q __asan &&
	sanitize=address,undefined
mk() { make -s -C "$XKVM_TOP" BUILD="$build" SANITIZE="$sanitize" "$@" >>"$t/make.log" 2>&1; }
for tool in systemd-analyze visudo pkg-config; do
	command -v $tool >/dev/null || { fail "$tool is not installed (tools/install-deps.sh check)"; done_testing; }
done

# PREFIX alone: everything below it (completion and unit too).
p=$t/prefix
check_cmd "make install PREFIX=$p" mk install PREFIX="$p"
want=$(printf '%s\n' bin/xkvm share/man/man1/xkvm.1 share/bash-completion/completions/xkvm \
	lib/systemd/system/xkvm-gc.service share/doc/xkvm/README.md share/doc/xkvm/compat.md \
	share/doc/xkvm/design.md $([ -f "$XKVM_TOP/docs/security.md" ] && echo share/doc/xkvm/security.md) \
	share/doc/xkvm/examples/sudoers share/doc/xkvm/examples/acl.conf | sort)
check_eq "the files below PREFIX" "$want" "$(cd "$p" && find . -type f | sed 's|^\./||' | sort)"
check_cmd "the ACL the binary reads: /etc/xkvm/acl.conf, as shipped" \
	cmp "$XKVM_TOP/tools/acl.conf" /etc/xkvm/acl.conf
check_eq "... root's, 644" "root 644" "$(stat -c '%U %a' /etc/xkvm/acl.conf)"
check_eq "... granting nothing (no rule)" "" "$(grep -v '^[[:space:]]*\(#\|$\)' /etc/xkvm/acl.conf)"
check_eq "the binary is executable, the others are not" "755" "$(stat -c %a "$p/bin/xkvm")"
check_eq "...  the others 644" "" "$(find "$p" -type f ! -perm 644 ! -path '*/bin/xkvm')"
out=$("$p/bin/xkvm" --version)
check_eq "the installed binary runs" "$("$XKVM" --version)" "$out"
unit=$p/lib/systemd/system/xkvm-gc.service
check_eq "the unit runs the installed binary's gc" "ExecStart=$p/bin/xkvm tap-control gc" \
	"$(grep ^ExecStart= "$unit")"
out=$(systemd-analyze verify --man=no "$unit" 2>&1)
check_eq "systemd-analyze verify accepts the unit" "0:" "$?:$out"
# The check can fail: a unit whose ExecStart is missing is refused.
sed "s|^ExecStart=.*|ExecStart=$t/none tap-control gc|" "$unit" >"$t/xkvm-gc.service"
out=$(systemd-analyze verify --man=no "$t/xkvm-gc.service" 2>&1)
check_fails "systemd-analyze verify refuses a missing ExecStart binary" test "$?:$out" = "0:"
grep -qxF "Type=oneshot" "$unit" && ok "a oneshot unit" || fail "not Type=oneshot"
grep -qxF "After=ovsdb-server.service" "$unit" && grep -qxF "Wants=ovsdb-server.service" "$unit" &&
	ok "after the OVS database" || fail "no After=/Wants=ovsdb-server.service"
check_eq "installed for the boot" "WantedBy=multi-user.target" "$(grep ^WantedBy= "$unit")"
sudoers=$p/share/doc/xkvm/examples/sudoers
out=$(visudo -cf "$sudoers" 2>&1)
check_eq "visudo accepts the sudoers example" 0 $?
grep -qF "$p/bin/xkvm tap-control make-nics *" "$sudoers" && ok "the example names the installed binary" ||
	fail "the sudoers example does not name $p/bin/xkvm"
check_cmd "the man page renders" sh -c "man -l '$p/share/man/man1/xkvm.1' >/dev/null 2>&1 || \
	{ command -v man >/dev/null || groff -man -Tutf8 '$p/share/man/man1/xkvm.1' >/dev/null; }"
check_cmd "the completion is valid bash" bash -n "$p/share/bash-completion/completions/xkvm"
echo "allow br0 user=root" >>/etc/xkvm/acl.conf	# an admin's rule
check_cmd "make install again" mk install PREFIX="$p"
grep -qx "allow br0 user=root" /etc/xkvm/acl.conf && ok "install keeps an admin's ACL" ||
	fail "install overwrote an admin's ACL"
check_cmd "make uninstall PREFIX=$p" mk uninstall PREFIX="$p"
check_eq "uninstall leaves no file" "" "$(find "$p" -type f)"
check_eq "nor the doc directory" "" "$(find "$p" -path '*/doc/xkvm*')"
check_cmd "uninstall keeps an admin's ACL" grep -qx "allow br0 user=root" /etc/xkvm/acl.conf
rm -f /etc/xkvm/acl.conf

# DESTDIR and PREFIX=/usr: the completion and the unit where the packages'
# pkg-config files say (/usr/share/bash-completion/completions,
# /lib/systemd/system on Debian 12), below DESTDIR.
d=$t/dest
check_cmd "make install DESTDIR=$d PREFIX=/usr" mk install DESTDIR="$d" PREFIX=/usr
cdir=$(pkg-config --variable=completionsdir bash-completion)
udir=$(pkg-config --variable=systemdsystemunitdir systemd)
check_cmd "pkg-config knows both directories" test -n "$cdir" -a -n "$udir"
check_cmd "the completion in $cdir" test -f "$d$cdir/xkvm"
check_cmd "the unit in $udir" test -f "$d$udir/xkvm-gc.service"
check_eq "whose ExecStart is /usr/bin/xkvm" "ExecStart=/usr/bin/xkvm tap-control gc" \
	"$(grep ^ExecStart= "$d$udir/xkvm-gc.service")"
check_cmd "the binary in /usr/bin" test -x "$d/usr/bin/xkvm"
check_cmd "the docs in /usr/share/doc/xkvm" test -f "$d/usr/share/doc/xkvm/README.md"
check_cmd "the ACL below DESTDIR" cmp "$XKVM_TOP/tools/acl.conf" "$d/etc/xkvm/acl.conf"
check_cmd "... and not in the overlay's /etc" test ! -e /etc/xkvm/acl.conf
check_cmd "make uninstall DESTDIR=$d PREFIX=/usr" mk uninstall DESTDIR="$d" PREFIX=/usr
check_eq "uninstall leaves no file" "" "$(find "$d" -type f)"
done_testing
