#!/bin/bash
# COMMAND gets the capabilities it would have without ztrun (as with env or timeout): every set
# (effective, permitted, inheritable, bounding, ambient) as ztrun's own. --keep-caps, the old opt-out,
# is accepted and changes nothing. --drop-caps clears them all; a program with file capabilities
# (as Debian ships ping) then cannot be executed, and ztrun says why in one line.
# Skipped (77) when not root or when root has no capabilities.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root"
mine=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
[ "$mine" != 0000000000000000 ] || skip "root without capabilities"
grep '^Cap' /proc/self/status >"$T/own"

for opt in "" --keep-caps; do
	# shellcheck disable=SC2086
	zt $opt none -- grep '^Cap' /proc/self/status
	expect_rc 0 "caps ${opt:-by default}"
	diff "$T/own" "$T/out" >&2 || fail "${opt:-by default}: COMMAND's capabilities differ from ztrun's own"
	[ ! -s "$T/err" ] || fail "${opt:-by default}: stderr: $(cat "$T/err")"
done
rundir_empty "caps kept"

zt --drop-caps none -- grep '^Cap' /proc/self/status
expect_rc 0 "--drop-caps"
for set in CapEff CapPrm CapInh CapBnd CapAmb; do
	v=$(awk -v s="$set:" '$1 == s {print $2}' "$T/out")
	[ "$v" = 0000000000000000 ] || fail "with --drop-caps, $set is $v: $(cat "$T/out")"
done
rundir_empty "caps dropped"

# A file with file capabilities, like ping: it runs by default with them, and cannot with --drop-caps.
command -v setcap >/dev/null || fail "setcap is missing (package libcap2-bin)"
cp "$(command -v grep)" "$T/capped"
setcap cap_net_raw+ep "$T/capped" || skip "setcap refused on $T (no xattrs?)"
zt none -- "$T/capped" '^CapEff' /proc/self/status
expect_rc 0 "a file with capabilities"
zt --drop-caps none -- "$T/capped" '^CapEff' /proc/self/status
expect_rc 126 "a file with capabilities under --drop-caps"
expect_one_line "^ztrun: cannot run '$T/capped': Operation not permitted (it has file capabilities, net_raw, which --drop-caps withholds: run it without --drop-caps)$" \
	"a file with capabilities under --drop-caps"
# the same found through PATH
mkdir "$T/bin" && mv "$T/capped" "$T/bin/"
set +e
PATH="$T/bin:$PATH" "$ZTRUN" --drop-caps none -- capped -q x /dev/null >"$T/out" 2>"$T/err"
rc=$?
set -e
expect_rc 126 "found in PATH under --drop-caps"
expect_one_line "^ztrun: cannot run 'capped': .*file capabilities, net_raw," "found in PATH under --drop-caps"

# Without CAP_SETPCAP the bounding set cannot be cleared, so a root COMMAND would regain its
# capabilities at exec: ztrun must say so when asked to drop them.
command -v capsh >/dev/null || skip "capsh is not installed (libcap2-bin), so the CAP_SETPCAP check cannot run"
set +e
capsh --drop=cap_setpcap -- -c '"$0" --drop-caps none -- true' "$ZTRUN" >"$T/out" 2>"$T/err"
rc=$?
set -e
expect_rc 0 "no CAP_SETPCAP"
expect_err "^ztrun: cannot clear the capability bounding set: no CAP_SETPCAP" "no CAP_SETPCAP"
set +e
capsh --drop=cap_setpcap -- -c '"$0" none -- true' "$ZTRUN" >"$T/out" 2>"$T/err"
rc=$?
set -e
expect_rc 0 "no CAP_SETPCAP, caps kept"
[ ! -s "$T/err" ] || fail "no CAP_SETPCAP without --drop-caps: a warning: $(cat "$T/err")"
echo ok
