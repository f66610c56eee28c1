#!/bin/bash
# The privilege boundary (issue 12) from a root launch's side: attacks 6
# (a user's symlink as --uefi-nvram), 9 (qemu's -daemonize), 10 (signals
# other than INT/TERM/HUP/QUIT) and 11 (descriptor exhaustion).  Each check
# is named after the attack it replays; nothing may be left behind.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/cleanup.sh"
source "$(dirname "$0")/../lib/sudo.sh"
su_setup "$@"
cl_setup
T=$(su_dir)
X=$XKVM
launch() {	# launch ARG...: a root launch in $NS on fake qemu, exiting 0 at once
	ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" FAKE_QEMU_EXIT=0 FAKE_QEMU_RECORD="$T/rec" \
		"$X" --kvm "$CL_QEMU" --accel=tcg "$@"
}

# ---- 6: --uefi-nvram as root follows a user's symlink ---------------------
# A fake OVMF directory: the template to copy.
mkdir -p "$T/ovmf/OVMF"
head -c 4096 /dev/zero >"$T/ovmf/OVMF/OVMF_CODE.fd"
printf 'TEMPLATE' >"$T/ovmf/OVMF/OVMF_VARS.fd"
export XKVM_OVMF_DIR=$T/ovmf
mkdir -m 700 "$T/root"
printf 'ROOT SECRET' >"$T/root/victim"
u=$T/user	# the user's own directory (mode 700, theirs)
as_user ln -s "$T/root/victim" "$u/vars.fd"
out=$(launch -n user --uefi-nvram="$u/vars.fd" 2>&1); rc=$?
check_eq "attack 6: as root, a user's symlink as --uefi-nvram is refused" \
	"1 xkvm: refusing --uefi-nvram '$u/vars.fd': '$u/vars.fd' is a symbolic link" "$rc $out"
check_fails "attack 6: ... qemu never ran" test -e "$T/rec"
check_eq "attack 6: ... the file it points to is untouched" "ROOT SECRET" "$(cat "$T/root/victim")"
# A directory other users can write (not sticky): refused, for a copy too.
install -d -m 777 "$T/shared"
out=$(launch -n user --uefi-nvram="$T/shared/vars.fd" 2>&1); rc=$?
check_eq "attack 6: a directory others can write is refused" \
	"1 xkvm: refusing --uefi-nvram '$T/shared/vars.fd': directory '$T/shared' is writable by other users (as root, use a directory only you can write)" \
	"$rc $out"
check_fails "attack 6: ... nothing copied there" test -e "$T/shared/vars.fd"
# A file of another user's, even in a sticky directory.
install -d -m 1777 "$T/sticky"
as_user sh -c "printf USER >$T/sticky/theirs.fd"
out=$(launch -n user --uefi-nvram="$T/sticky/theirs.fd" 2>&1); rc=$?
check_eq "attack 6: another user's file in a sticky directory is refused" \
	"1 xkvm: refusing --uefi-nvram '$T/sticky/theirs.fd': it belongs to another user (as root, it must be root's or yours)" \
	"$rc $out"
# A hard link to root's file (protected_hardlinks aside).
ln "$T/root/victim" "$T/root/hard.fd" 2>/dev/null
out=$(launch -n user --uefi-nvram="$T/root/hard.fd" 2>&1); rc=$?
check_eq "attack 6: a file with other hard links is refused" \
	"1 xkvm: refusing --uefi-nvram '$T/root/hard.fd': it has other hard links" "$rc $out"
rm -f "$T/root/hard.fd"
# What works: a copy into root's own directory, or a new one in a sticky
# directory (made with O_EXCL|O_NOFOLLOW), mode 0600.
rm -f "$T/rec"
out=$(launch -n user --uefi-nvram="$T/root/mine.fd" 2>&1); rc=$?
check_eq "attack 6: a copy in root's own directory works" "0" "$rc"
check_eq "attack 6: ... mode 0600, the template's content" "600 TEMPLATE" \
	"$(stat -c %a "$T/root/mine.fd") $(cat "$T/root/mine.fd")"
check_cmd "attack 6: ... qemu got it" grep -q "file=$T/root/mine.fd" "$T/rec"
out=$(launch -n user --uefi-nvram="$T/sticky/new.fd" 2>&1); rc=$?
check_eq "attack 6: a new copy in a sticky directory works" "0 600" "$rc $(stat -c %a "$T/sticky/new.fd")"
unset XKVM_OVMF_DIR

# ---- 9: -daemonize: qemu outlives xkvm, which removes its NICs -------------
for d in -daemonize --daemonize; do
	rm -f "$T/rec"
	out=$(launch -n "$LB" -n "$OB" -- -m 256 "$d" 2>&1); rc=$?
	check_eq "attack 9: qemu's $d is refused, one line" \
		"2 xkvm: qemu's '$d' is refused: xkvm stays qemu's parent to remove its NICs when it ends; run xkvm itself in the background instead" \
		"$rc $out"
	check_fails "attack 9: ... qemu never ran" test -e "$T/rec"
	cl_check_clean "attack 9 ($d)"
done

# ---- 10: any terminating signal: cleanup as for SIGTERM --------------------
for sig in USR1 USR2 ALRM VTALRM PROF XCPU XFSZ IO PWR STKFLT RTMIN RTMAX; do
	d=$CLT/sig-$sig
	cl_launch "$d" -n "$LB" -n "$OB"
	if cl_wait_file "$d/qemu"; then
		qpid=$(head -n 1 "$d/qemu")
		kill -s "$sig" "$CL_PID"
		wait "$CL_PID"; rc=$?
		check_eq "attack 10: SIG$sig: xkvm dies by it (128+N)" "$((128 + $(kill -l "$sig")))" "$rc"
		check_fails "attack 10: SIG$sig: qemu is gone" cl_qemu_alive "$d"
		cl_check_clean "attack 10: SIG$sig"
	else
		fail "attack 10: SIG$sig: qemu started"; cat "$d/err"
	fi
done

# ---- 11: descriptor exhaustion: one clear line, nothing left -------------
# Every limit from "nothing works" to "a launch works": OVS once aborted the
# process ("(null): failed to create pipe"), libnl said "Input/output
# error".  Each run: exit 0, or exit 1 with exactly one line, an xkvm one.
# LeakSanitizer needs descriptors of its own to look: not here.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
bad=0 worked=0
for n in $(seq 4 40); do
	out=$(ip netns exec "$NS" env OVS_RUNDIR="$OVS_DIR" FAKE_QEMU_EXIT=0 \
		bash -c "ulimit -n $n; exec $(printf %q "$X") --kvm $CL_QEMU --accel=tcg -n $LB -n $OB" 2>&1); rc=$?
	errs=$(grep -v -e '^creating tap devices' -e "^ $CL_QEMU " <<<"$out")
	if [ "$rc" = 0 ]; then
		worked=$((worked + 1))
	elif [ "$rc" != 1 ] || [ "$(grep -c . <<<"$errs")" != 1 ] ||
		! grep -q '^xkvm: .*Too many open files' <<<"$errs"; then
		bad=$((bad + 1))
		echo "  ulimit -n $n: exit $rc: $errs"
	fi
	left=$(cl_taps)$(cl_ports)
	[ -z "$left" ] || { bad=$((bad + 1)); echo "  ulimit -n $n: left $left"; }
done
check_eq "attack 11: a launch out of descriptors: exit 1 with one clear line, nothing left" 0 "$bad"
check_cmd "attack 11: ... and with enough of them the launch works" test "$worked" -gt 0
bad=0
for mode in list gc; do
	for n in $(seq 4 24); do
		out=$(ip netns exec "$NS" bash -c "ulimit -n $n; exec $(printf %q "$X") tap-control $mode --ovsdb unix:$OVS_DIR/db.sock" 2>&1); rc=$?
		if [ "$rc" != 0 ] && { [ "$rc" != 1 ] || [ "$(grep -c . <<<"$out")" != 1 ] ||
			! grep -q '^xkvm: .*Too many open files' <<<"$out"; }; then
			bad=$((bad + 1))
			echo "  tap-control $mode, ulimit -n $n: exit $rc: $out"
		fi
	done
done
check_eq "attack 11: tap-control list and gc out of descriptors: one clear line" 0 "$bad"
cl_check_clean "attack 11"

done_testing
