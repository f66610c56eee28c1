# Real sudo and a real non-root user for integration tests (bash; source
# after common.sh, call su_setup before anything else is created).
#
#   su_setup            re-executes the test in a private mount namespace
#                       (unshare -m) whose /etc is an overlay: what the test
#                       writes there (a user, a group, sudoers, the ACL)
#                       vanishes with the namespace; the host's /etc is never
#                       written.  Then creates the user $SU_USER (uid $SU_UID,
#                       primary group $SU_GROUP, gid $SU_GID), a sudoers file
#                       in the test's directory bind-mounted over /etc/sudoers
#                       with Debian's defaults (env_reset, secure_path,
#                       use_pty; the sanitizers' *_OPTIONS kept) and the
#                       grant of docs/security.md:
#                         $SU_USER ALL=(root) NOPASSWD: $XKVM tap-control *
#                       and a second user $SU_USER2 (uid $SU_UID2) with the same grant.
#   su_private_etc      only the private mount namespace and /etc overlay
#                       (for a test that needs its own /etc/xkvm/acl.conf)
#   su_acl TEXT         writes TEXT as /etc/xkvm/acl.conf (empty: removes it)
#   as_user CMD...      runs CMD as $SU_USER with its groups, a clean
#                       environment and sudo first on PATH, inside $NS when
#                       set (with the private OVS's environment)
#   as_user2 CMD...     the same as $SU_USER2
#   as_user_tty CMD...  as_user, on a pseudo-terminal (script(1)): sudo's
#                       use_pty then forks a monitor between caller and command
#   bg_user, bg_user2 CMD...  as_user/as_user2 in the background, pid in $BG
#   su_dir              the test's scratch directory ($SU_T), readable by the
#                       user; $SU_T/user is the user's own (mode 700)
need_root

su_private_etc() {
	if [ -z "${XKT_PRIVATE_ETC:-}" ]; then
		exec env XKT_PRIVATE_ETC=1 unshare -m --propagation private \
			bash "$0" "$@"
	fi
	SU_T=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-sudo.XXXXXX) || exit 2
	when_finished "rm -rf $SU_T"
	chmod 755 "$SU_T"
	mkdir "$SU_T/up" "$SU_T/work" || exit 2
	mount -t overlay xkt-etc -o "lowerdir=/etc,upperdir=$SU_T/up,workdir=$SU_T/work" /etc ||
		{ echo "$TEST_NAME: cannot mount an overlay on /etc" >&2; exit 2; }
	when_finished "umount -l /etc"
	mkdir -p /etc/xkvm
}

su_setup() {
	command -v sudo >/dev/null || { echo "$TEST_NAME: sudo is not installed" >&2; exit 2; }
	su_private_etc "$@"
	SU_USER=xkt$(rand_hex 3)
	SU_USER2=xku$(rand_hex 3)
	SU_GROUP=$SU_USER
	groupadd "$SU_GROUP" && useradd -M -g "$SU_GROUP" -s /bin/sh -d / "$SU_USER" &&
		useradd -M -N -g "$SU_GROUP" -s /bin/sh -d / "$SU_USER2" ||
		{ echo "$TEST_NAME: cannot add the test users" >&2; exit 2; }
	SU_UID=$(id -u "$SU_USER") SU_GID=$(id -g "$SU_USER") SU_UID2=$(id -u "$SU_USER2")
	# tap-control's per-user locks (del-nics, ovs-cleanup, move-nic)
	when_finished "rm -f /run/xkvm/.tapctl-$SU_UID.lock /run/xkvm/.tapctl-$SU_UID2.lock; rmdir /run/xkvm 2>/dev/null"
	cat >"$SU_T/sudoers" <<EOF
Defaults	env_reset
Defaults	secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults	use_pty
Defaults	!syslog, !lecture
# The sanitizer build's options reach tap-control (LeakSanitizer cannot
# run under strace); xkvm reads none of them.
Defaults	env_keep += "ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS"
# A permissive sudoers: tap-control itself drops OVS_* and XKVM_* (a
# remote, run directories of the caller's choosing).
Defaults	env_keep += "OVS_* XKVM_*"
root	ALL=(ALL:ALL) ALL
$SU_USER	ALL=(root) NOPASSWD: $XKVM tap-control *
$SU_USER2	ALL=(root) NOPASSWD: $XKVM tap-control *
EOF
	chmod 440 "$SU_T/sudoers"
	mount --bind "$SU_T/sudoers" /etc/sudoers ||
		{ echo "$TEST_NAME: cannot bind-mount sudoers" >&2; exit 2; }
	install -d -o "$SU_UID" -g "$SU_GID" -m 700 "$SU_T/user"
	local out
	out=$(as_user sudo -n "$XKVM" tap-control --help 2>&1) ||
		{ echo "$TEST_NAME: sudo refused the test user: $out" >&2; exit 2; }
}

su_acl() {
	if [ -z "$1" ]; then rm -f /etc/xkvm/acl.conf; else printf '%s\n' "$1" >/etc/xkvm/acl.conf; fi
}

su_dir() { echo "$SU_T"; }

_as() {
	local u=$1; shift
	local pre=()
	[ -n "${NS:-}" ] && pre=(ip netns exec "$NS")
	${_AS_EXEC:+exec} "${pre[@]}" setpriv --reuid="$u" --regid="$SU_GID" --init-groups \
		env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/ LANG=C \
		${OVS_DIR:+OVS_RUNDIR=$OVS_DIR OVS_DBDIR=$OVS_DIR OVS_LOGDIR=$OVS_DIR} \
		ASAN_OPTIONS=detect_leaks=0 "$@"
}
as_user() { _as "$SU_USER" "$@"; }
as_user2() { _as "$SU_USER2" "$@"; }
# bg_user / bg_user2 CMD...: as_user in the background, the command's own
# pid in $BG (every step execs), killed at exit.
bg_user() { (_AS_EXEC=1 _as "$SU_USER" "$@") & BG=$!; kill_at_exit -9 $BG; }
bg_user2() { (_AS_EXEC=1 _as "$SU_USER2" "$@") & BG=$!; kill_at_exit -9 $BG; }

as_user_tty() {
	local q
	printf -v q '%q ' "$@"
	_as "$SU_USER" script -qec "$q" /dev/null
}
