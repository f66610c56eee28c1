#!/bin/bash
# tap-control make-nics / del-nics against real rtnetlink, in a namespace
# this test makes: taps land on the right bridge, up, with the bridge's MTU,
# the right owner, the owner tag and one netdev group; the reference's
# output and messages; failures leave nothing; del-nics removes only ours.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/sudo.sh"
need_root
su_private_etc "$@"	# SUDO_UID=4242 below is a caller through sudo: its own ACL

netns_new ns
in_ns() { ip netns exec "$ns" "$@"; }
xk() { in_ns "$XKVM" "$@"; }
br=xb$(rand_hex 3) br2=xc$(rand_hex 3) big=xd$(rand_hex 3)
ip -n "$ns" link add "$br" type bridge || exit 2
ip -n "$ns" link set "$br" mtu 9000 || exit 2
ip -n "$ns" link add "$br2" type bridge || exit 2
ip -n "$ns" link add "$big" type bridge || exit 2
ip -n "$ns" link set "$big" mtu 65535 || exit 2	# more than a tap can take

dir=$(mktemp -d "${TMPDIR:-/tmp}/xkt-nlmake-XXXXXX") || exit 2
when_finished "rm -rf '$dir'"

taps() { ip -n "$ns" -o link show type tun | awk -F': ' '{print $2}' | sort; }
sysfs() { in_ns cat "/sys/class/net/$1/$2"; }
info() { ip -n "$ns" -o -d link show dev "$1"; }

su_acl "allow all"
# The taps' owner: a process of uid 4242 (through sudo, no other will do).
setpriv --reuid=4242 --regid=4242 --clear-groups sleep 600 & o4242=$!
kill_at_exit -9 $o4242

# --- make-nics: output, attachment, owner, MTU, tag, group ------------------
out=$(SUDO_UID=4242 xk tap-control make-nics --owner-pid $o4242 "$br" user "$br2" 2>"$dir/err")
rc=$?
check_eq "make-nics exits 0" 0 "$rc"
check_eq "make-nics output" "tapvm0:brctl
skip
tapvm1:brctl" "$out"
check_eq "make-nics is quiet without -v" "" "$(cat "$dir/err")"
check_eq "taps exist" "tapvm0
tapvm1" "$(taps)"
case "$(info tapvm0)" in *" master $br "*) ok "tapvm0 enslaved to $br";; *) fail "tapvm0 master: $(info tapvm0)";; esac
case "$(info tapvm1)" in *" master $br2 "*) ok "tapvm1 enslaved to $br2";; *) fail "tapvm1 master: $(info tapvm1)";; esac
check_eq "tapvm0 up" "0x1" "$(printf '0x%x' $(( $(sysfs tapvm0 flags) & 1 )))"
check_eq "tapvm1 up" "0x1" "$(printf '0x%x' $(( $(sysfs tapvm1 flags) & 1 )))"
check_eq "tapvm0 has the bridge's MTU" 9000 "$(sysfs tapvm0 mtu)"
check_eq "tapvm1 has the bridge's MTU" 1500 "$(sysfs tapvm1 mtu)"
check_eq "tapvm0 owner is SUDO_UID" 4242 "$(sysfs tapvm0 owner)"
# IFF_NO_PI | IFF_PERSIST | IFF_TAP, as `ip tuntap add mode tap` makes it
check_eq "tapvm0 is a persistent tap without pi" "0x1802" "$(sysfs tapvm0 tun_flags)"
alias0=$(sysfs tapvm0 ifalias) alias1=$(sysfs tapvm1 ifalias)
boot=$(cat /proc/sys/kernel/random/boot_id)
pidns=$(stat -L -c %i /proc/self/ns/pid)
if [[ $alias0 =~ ^xkvm:pid=[1-9][0-9]*,start=[0-9]+,uid=4242,pidns=$pidns,boot=$boot$ ]]; then
	ok "tapvm0 carries the owner tag"; else fail "tapvm0 alias '$alias0'"; fi
check_eq "both taps carry the same tag" "$alias0" "$alias1"
g0=$(info tapvm0 | grep -o ' group [^ ]*' ) g1=$(info tapvm1 | grep -o ' group [^ ]*')
check_eq "both taps in one group" "$g0" "$g1"
case "$g0" in " group default"|"") fail "taps not in a group of their own: '$g0'";; *) ok "taps in group${g0# group}";; esac

# --- del-nics: ours go, others are refused ----------------------------------
ip -n "$ns" tuntap add mode tap name xforeign0 || exit 2
ip -n "$ns" link set xforeign0 alias "xkvm:pid=1,start=1,uid=4242,pidns=$pidns,boot=$boot" || exit 2
check_fails "del-nics refuses another user's taps" env SUDO_UID=4243 \
	ip netns exec "$ns" "$XKVM" tap-control del-nics tapvm0
check_eq "refused tap still there" "tapvm0
tapvm1
xforeign0" "$(taps)"
msg=$(SUDO_UID=4242 xk tap-control del-nics lo 2>&1)
check_eq "del-nics refuses a non-tap" "xkvm: refusing to delete 'lo': not a tap made by xkvm" "$msg"
ip -n "$ns" tuntap add mode tap name xplain0 || exit 2
check_fails "del-nics refuses an untagged tap" env SUDO_UID=4242 \
	ip netns exec "$ns" "$XKVM" tap-control del-nics xplain0
msg=$(SUDO_UID=4242 xk tap-control del-nics nosuch0 2>&1)
check_eq "del-nics on a missing tap" "xkvm: no such tap 'nosuch0'" "$msg"
check_cmd "del-nics deletes ours" env SUDO_UID=4242 \
	ip netns exec "$ns" "$XKVM" tap-control del-nics tapvm0 tapvm1
check_eq "only the foreign taps are left" "xforeign0
xplain0" "$(taps)"
# a tagged tap of the same uid outside any group goes one by one
check_cmd "del-nics deletes a tagged tap outside a group" env SUDO_UID=4242 \
	ip netns exec "$ns" "$XKVM" tap-control del-nics xforeign0
ip -n "$ns" link del xplain0

# --- the group delete only when the group holds exactly what we delete ------
out=$(xk tap-control make-nics "$br" "$br" "$br")
check_eq "three taps" "tapvm0:brctl
tapvm1:brctl
tapvm2:brctl" "$out"
grp=$(info tapvm0 | grep -o ' group [^ ]*' | awk '{print $2}')
ip -n "$ns" link add xdummy0 type bridge || exit 2
ip -n "$ns" link set xdummy0 group "$grp" || exit 2	# a stranger in our group
check_cmd "del-nics of two of three" in_ns "$XKVM" tap-control del-nics tapvm0 tapvm1
check_eq "the third tap and the stranger survive" "tapvm2" "$(taps)"
check_eq "the stranger survives" 1 "$(ip -n "$ns" -o link show dev xdummy0 | grep -c xdummy0)"
check_cmd "del-nics of the last" in_ns "$XKVM" tap-control del-nics tapvm2
check_eq "the stranger still survives" 1 "$(ip -n "$ns" -o link show dev xdummy0 | grep -c xdummy0)"
ip -n "$ns" link del xdummy0

# make-nics keeps the taps only when the caller got their names
xk tap-control make-nics "$br" >&- 2>/dev/null; rc=$?
check_eq "closed stdout: exit 1" 1 "$rc"
check_eq "closed stdout: taps removed" "" "$(taps)"

# --- errors: reference messages, exit statuses, nothing left ---------------
msg=$(xk tap-control make-nics lo 2>&1); rc=$?
check_eq "non-bridge: message" "xkvm: 'lo' is not a bridge" "$msg"
check_eq "non-bridge: exit 1" 1 "$rc"
msg=$(xk tap-control make-nics "$br" nosuchbr 2>&1); rc=$?
check_eq "missing bridge: message" "xkvm: no such bridge 'nosuchbr'" "$msg"
check_eq "missing bridge: exit 1" 1 "$rc"
msg=$(xk tap-control make-nics 2>&1); rc=$?
check_eq "no bridge: exit 2" 2 "$rc"
check_eq "no bridge: message" "xkvm: must give bridge" "$(echo "$msg" | tail -n1)"
msg=$(xk tap-control make-nics --bogus "$br" 2>&1); rc=$?
check_eq "bad option: exit 2" 2 "$rc"
msg=$(xk tap-control frobnicate 2>&1); rc=$?
check_eq "unknown mode: exit 2" 2 "$rc"
check_eq "unknown mode: message" "xkvm: tap mode must be one of make-nics, del-nics, ovs-cleanup, gc, list, link, netem, capture, move-nic or bridges" "$msg"
msg=$(xk tap-control 2>&1); rc=$?
check_eq "no mode: exit 2" 2 "$rc"
msg=$(xk tap-control --help 2>&1); rc=$?
check_eq "tap-control --help: exit 0, every mode" \
	"0 Usage: xkvm tap-control MODE ...|make-nics|del-nics|ovs-cleanup|gc|list|link|netem|capture|move-nic|bridges" \
	"$rc $(echo "$msg" | head -n1)|$(echo "$msg" | awk '/^      / {printf "%s%s", sep, $1; sep="|"}')"
msg=$(xk tap-control make-nics --ovs-timeout +5 "$br" 2>&1); rc=$?
check_eq "make-nics --ovs-timeout +5: exit 2, one line" \
	"2 xkvm: invalid --ovs-timeout '+5': want seconds, more than 0 and at most 3600" "$rc $msg"
check_eq "nothing left after the errors" "" "$(taps)"

# a failure after taps exist: the second tap cannot take MTU 65535
msg=$(xk tap-control make-nics "$br" user "$big" 2>&1); rc=$?
check_eq "late failure: exit 1" 1 "$rc"
case "$msg" in "xkvm: failed to add tap 'tapvm1' to '$big': "*) ok "late failure: message";;
	*) fail "late failure: message '$msg'";; esac
check_eq "late failure removed both taps" "" "$(taps)"

# The kernel's own errno reaches the caller: libnl folds the ones it does
# not list (ELOOP, EXFULL, ...) into "Unspecific failure" (was: -EIO).
probe=$XKVM_BUILD/tests/xknl-probe
fresh=xe$(rand_hex 3)	# a bridge that never had ports (so a valid MAC)
ip -n "$ns" link add "$fresh" type bridge || exit 2
check_eq "a bridge enslaved to a bridge: the kernel's ELOOP" "-ELOOP -" \
	"$(in_ns "$probe" set-master "$fresh" "$br")"
check_eq "a link that does not exist: ENODEV" "-ENODEV" \
	"$(in_ns "$probe" get nosuch0 | cut -d' ' -f1)"
check_eq "deleting a link that does not exist: the kernel's ENODEV" "-ENODEV -" \
	"$(in_ns "$probe" del nosuch0)"
ip -n "$ns" link del "$fresh"
# A tap template needs one %d: a fixed name would attach to (and take
# over) an existing tap of that name.
ip -n "$ns" tuntap add mode tap name xfixed0 || exit 2
check_eq "a tap template without %d is refused" "-EINVAL -" "$(in_ns "$probe" tap xfixed0)"
check_eq "  ... one with two is too" "-EINVAL -" "$(in_ns "$probe" tap 'x%d%d')"
check_eq "  ... with one the kernel picks the name" "0 xfixed1" "$(in_ns "$probe" tap 'xfixed%d')"
ip -n "$ns" link del xfixed0 && ip -n "$ns" link del xfixed1

# -v prints what it creates on stderr, stdout stays the answer
out=$(xk tap-control make-nics -v "$br" 2>"$dir/err")
check_eq "-v: stdout" "tapvm0:brctl" "$out"
check_eq "-v: stderr" "created tapvm0:brctl on $br" "$(cat "$dir/err")"
check_eq "owner without sudo is the caller" "$(id -u)" "$(sysfs tapvm0 owner)"
check_cmd "del-nics without sudo" in_ns "$XKVM" tap-control del-nics tapvm0

# --- same output as the reference (which runs ip(8)) -----------------------
if [ -x "$XKVM_REFERENCE" ] && command -v ip >/dev/null; then
	ref=$(in_ns env PATH=/usr/sbin:/usr/bin:/sbin:/bin bash "$XKVM_REFERENCE" tap-control make-nics "$br" user "$br2" 2>/dev/null)
	ip -n "$ns" -o link show type tun | awk -F': ' '{print $2}' | while read -r t; do ip -n "$ns" link del "$t"; done
	ours=$(xk tap-control make-nics "$br" user "$br2" 2>/dev/null)
	check_eq "same output as the reference" "$ref" "$ours"
	in_ns "$XKVM" tap-control del-nics tapvm0 tapvm1
else
	fail "reference '$XKVM_REFERENCE' not runnable"
fi

check_eq "no tap left" "" "$(taps)"
done_testing
