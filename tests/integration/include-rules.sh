#!/bin/bash
# The include rules of docs/design.md, read off every #include of the tree:
#   base/ includes nothing of ours but base/;
#   plan/ includes base/ and plan/;  qemu/ includes base/, plan/ and qemu/;
#   net/ includes base/, net/, netlink/ and ovsdb/ (never plan/, qemu/, cmd/);
#   ctl/ (runtime control) includes base/, plan/, net/, qemu/, ctl/ and, of
#   the walls, ovsdb/xkqmp.h alone (the QMP client, whose header has no OVS
#   type);
#   cmd/ includes base/, plan/, net/, qemu/, ctl/ and cmd/ (never netlink/ or
#   ovsdb/: it reaches them through net/);  src/main.c includes cmd/ only;
#   every quoted include in src/ names its folder ("plan/cli.h"; "gen/" is
#   what the build generates);
#   netlink/ and ovsdb/ include nothing from src/ and not each other;
#   only netlink/ includes libnl or kernel netlink headers.
# The checker is run on the tree (no violation) and on a doctored copy
# holding one violation of each kind (each must be reported), so that this
# test can fail.  Needs no root.
. "$(dirname "$0")/../lib/common.sh"

# violations TOP: one line per include that breaks a rule.
violations() {
	local top=$1 f dir inc allowed
	for f in $(cd "$top" && find src netlink ovsdb -name '*.[ch]' | sort); do
		case $f in
		src/main.c) dir=main;;
		src/*/*) dir=${f#src/}; dir=${dir%%/*};;
		src/*) dir=src-top;;
		netlink/*) dir=netlink;;
		ovsdb/*) dir=ovsdb;;
		esac
		case $dir in
		base) allowed="base";;
		plan) allowed="base plan";;
		qemu) allowed="base plan qemu";;
		net) allowed="base net netlink ovsdb";;
		ctl) allowed="base plan net qemu ctl";;
		cmd) allowed="base plan net qemu ctl cmd";;
		main) allowed="cmd";;
		*) allowed="";;
		esac
		[ "$dir" = src-top ] && echo "$f: only main.c sits at src/'s top"
		while IFS= read -r inc; do
			case $dir in
			netlink|ovsdb)
				case $inc in
				'"'base/*|'"'plan/*|'"'net/*|'"'qemu/*|'"'cmd/*|'"'netlink/*|'"'ovsdb/*)
					echo "$f: $inc: $dir/ includes nothing of src/ or the other wall";;
				'"xkovs'*) [ $dir = netlink ] && echo "$f: $inc: netlink/ includes ovsdb/";;
				'"xknl'*) [ $dir = ovsdb ] && echo "$f: $inc: ovsdb/ includes netlink/";;
				esac
				case $inc in
				'<netlink/'*|'<linux/rtnetlink.h>'|'<linux/netlink.h>'|'<linux/if_link.h>')
					[ $dir = netlink ] || echo "$f: $inc: only netlink/ includes libnl";;
				esac
				continue;;
			esac
			case $inc in
			'<netlink/'*|'<linux/rtnetlink.h>'|'<linux/netlink.h>'|'<linux/if_link.h>')
				echo "$f: $inc: only netlink/ includes libnl"; continue;;
			'<'*) continue;;
			esac
			inc=${inc#\"}
			inc=${inc%\"}
			case $inc in
			gen/*) continue;;	# generated under build/ (make SYSCONFDIR=...)
			*/*) ;;
			*) echo "$f: \"$inc\": name the folder (\"base/$inc\")"; continue;;
			esac
			[ "$dir/$inc" = ctl/ovsdb/xkqmp.h ] && continue
			case " $allowed " in
			*" ${inc%%/*} "*) ;;
			*) echo "$f: \"$inc\": $dir/ may not include ${inc%%/*}/";;
			esac
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' \
			"$top/$f")
	done
}

out=$(violations "$XKVM_TOP")
check_eq "the tree keeps the include rules" "" "$out"
n=$(cd "$XKVM_TOP" && grep -c '#include' $(find src netlink ovsdb -name '*.[ch]') | awk -F: '{s+=$2} END {print s}')
check_cmd "includes were read ($n)" test "$n" -gt 150

# A doctored copy: one violation of each rule must be reported.
copy=$(mktemp -d "${TMPDIR:-/tmp}/xkt-incl.XXXXXX")
when_finished rm -rf "$copy"
cp -r "$XKVM_TOP/src" "$XKVM_TOP/netlink" "$XKVM_TOP/ovsdb" "$copy/"
echo '#include "net/nics.h"' >>"$copy/src/plan/mac.c"
echo '#include "net/owner.h"' >>"$copy/src/qemu/quote.c"
echo '#include "plan/cli.h"' >>"$copy/src/net/taps.c"
echo '#include "ovsdb/xkovs.h"' >>"$copy/src/cmd/options.c"
echo '#include "plan/cli.h"' >>"$copy/src/base/strv.c"
echo '#include "strv.h"' >>"$copy/src/base/fs.c"
echo '#include "base/xkvm.h"' >>"$copy/netlink/tap.c"
echo '#include "xknl.h"' >>"$copy/ovsdb/txn.c"
echo '#include <netlink/route/link.h>' >>"$copy/src/net/nics.c"
echo '#include "net/nics.h"' >>"$copy/src/main.c"
echo '#include "ovsdb/xkovs.h"' >>"$copy/src/ctl/rundir.c"
echo '#include "ovsdb/xkqmp.h"' >>"$copy/src/cmd/ctl.c"
touch "$copy/src/stray.c"
out=$(violations "$copy")
for want in "src/plan/mac.c: \"net/nics.h\": plan/ may not include net/" \
	    "src/qemu/quote.c: \"net/owner.h\": qemu/ may not include net/" \
	    "src/net/taps.c: \"plan/cli.h\": net/ may not include plan/" \
	    "src/cmd/options.c: \"ovsdb/xkovs.h\": cmd/ may not include ovsdb/" \
	    "src/base/strv.c: \"plan/cli.h\": base/ may not include plan/" \
	    "src/base/fs.c: \"strv.h\": name the folder (\"base/strv.h\")" \
	    "netlink/tap.c: \"base/xkvm.h\": netlink/ includes nothing of src/ or the other wall" \
	    "ovsdb/txn.c: \"xknl.h\": ovsdb/ includes netlink/" \
	    "src/net/nics.c: <netlink/route/link.h>: only netlink/ includes libnl" \
	    "src/main.c: \"net/nics.h\": main/ may not include net/" \
	    "src/ctl/rundir.c: \"ovsdb/xkovs.h\": ctl/ may not include ovsdb/" \
	    "src/cmd/ctl.c: \"ovsdb/xkqmp.h\": cmd/ may not include ovsdb/" \
	    "src/stray.c: only main.c sits at src/'s top"; do
	grep -qxF "$want" <<<"$out" && ok "reported: $want" || fail "not reported: $want"
done
check_eq "nothing else reported on the doctored copy" 13 "$(grep -c . <<<"$out")"
done_testing
