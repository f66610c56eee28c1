#!/bin/bash
# `xkvm --version` and -V print "xkvm VERSION" (+gHASH of HEAD from a git
# checkout), the man page header carries the same VERSION, and a tree
# without .git (a tarball) builds the plain VERSION.  Needs no root.
. "$(dirname "$0")/../lib/common.sh"

v=$(cat "$XKVM_TOP/VERSION") || fail "no VERSION file"
check_cmd "VERSION is X.Y.Z" grep -qxE '[0-9]+\.[0-9]+\.[0-9]+' "$XKVM_TOP/VERSION"
want="xkvm $v"
if [ "$(git -C "$XKVM_TOP" rev-parse --show-toplevel 2>/dev/null)" = "$XKVM_TOP" ]; then
	want="$want+g$(git -C "$XKVM_TOP" rev-parse --short=12 HEAD)"
fi
out=$("$XKVM" --version)
check_eq "--version exits 0" 0 $?
check_eq "--version prints the version (a binary older than HEAD fails: make)" "$want" "$out"
out=$("$XKVM" -V 2>&1)
check_eq "-V exits 0" 0 $?
check_eq "-V prints the same" "$want" "$out"
out=$("$XKVM" --verbose --version --netdev nosuchbridge 2>&1)
check_eq "--version among other options: the version alone" "$want" "$out"
out=$("$XKVM" --version=2 2>&1)
check_eq "--version=2 is a usage error (exit 2)" 2 $?
check_eq "with one line" "xkvm: option '--version' takes no argument (in '--version=2')" "$out"
"$XKVM" --help | grep -qE -- '^ +-V \| --version ' && ok "--version in --help" ||
	fail "-V | --version missing from xkvm --help"

th=$(grep '^\.TH ' "$XKVM_TOP/docs/xkvm.1")
check_eq "the man page header carries VERSION" "xkvm $v" "$(awk -F'"' '{print $4}' <<<"$th")"
grep -q -- '^\.BR \\-V ", " \\-\\-version$' "$XKVM_TOP/docs/xkvm.1" && ok "--version in the man page" ||
	fail "-V, --version missing from docs/xkvm.1"
if [ -f "$XKVM_TOP/debian/changelog" ]; then
	check_eq "debian/changelog's version is VERSION" "$v" \
		"$(sed -n '1s/^xkvm (\([^)]*\)).*/\1/p' "$XKVM_TOP/debian/changelog")"
fi

# From a tarball (no .git anywhere above it): the plain VERSION.
t=$(mktemp -d "${TMPDIR:-/tmp}"/xkt-version.XXXXXX) || exit 2
when_finished "rm -rf $t"
mkdir -p "$t/src/base"
cp "$XKVM_TOP/Makefile" "$XKVM_TOP/VERSION" "$t/" && cp "$XKVM_TOP"/src/base/version.[ch] "$t/src/base/" || exit 2
if (cd "$t" && GIT_CEILING_DIRECTORIES=$(dirname "$t") make -s OVS_BUILD="$XKVM_TOP/build/ovs" \
	build/src/base/version.o) >"$t/log" 2>&1; then
	check_eq "a tree without .git: the plain VERSION" "#define XKVM_VERSION \"$v\"" \
		"$(cat "$t/build/gen/xkvm-version.h")"
	check_cmd "the version object built" test -s "$t/build/src/base/version.o"
else
	fail "building version.o from a tree without .git: $(tail -3 "$t/log")"
fi
# The generated header changes only with the version: no rebuild otherwise.
find "$t" -exec touch -d '-1 hour' {} +
before=$(stat -c %Y "$t/build/src/base/version.o")
(cd "$t" && GIT_CEILING_DIRECTORIES=$(dirname "$t") make -s OVS_BUILD="$XKVM_TOP/build/ovs" \
	build/src/base/version.o) >"$t/log" 2>&1
check_eq "an unchanged version recompiles nothing" "$before" "$(stat -c %Y "$t/build/src/base/version.o")"
echo 1.2.3 >"$t/VERSION"
(cd "$t" && GIT_CEILING_DIRECTORIES=$(dirname "$t") make -s OVS_BUILD="$XKVM_TOP/build/ovs" \
	build/src/base/version.o) >"$t/log" 2>&1
check_eq "a new VERSION regenerates the header" "#define XKVM_VERSION \"1.2.3\"" \
	"$(cat "$t/build/gen/xkvm-version.h")"
check_fails "... and recompiles" test "$before" = "$(stat -c %Y "$t/build/src/base/version.o")"
done_testing
