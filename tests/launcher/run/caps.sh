#!/bin/bash
# As root, COMMAND runs with no capabilities (effective, permitted, bounding, ambient) unless
# --keep-caps is given. Skipped (77) when not root, when root has no capabilities to drop, or without
# capsh.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"

[ "$(id -u)" = 0 ] || skip "not root"
mine=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
[ "$mine" != 0000000000000000 ] || skip "root without capabilities"

zt none -- grep '^Cap' /proc/self/status
expect_rc 0 "caps dropped"
for set in CapEff CapPrm CapInh CapBnd CapAmb; do
	v=$(awk -v s="$set:" '$1 == s {print $2}' "$T/out")
	[ "$v" = 0000000000000000 ] || fail "without --keep-caps, $set is $v: $(cat "$T/out")"
done
rundir_empty "caps dropped"

zt --keep-caps none -- grep '^Cap' /proc/self/status
expect_rc 0 "--keep-caps"
v=$(awk '$1 == "CapEff:" {print $2}' "$T/out")
[ "$v" = "$mine" ] || fail "with --keep-caps, CapEff is $v, expected ztrun's own $mine"

# Without CAP_SETPCAP the bounding set cannot be cleared, so a root COMMAND would regain its
# capabilities at exec: ztrun must say so.
command -v capsh >/dev/null || skip "capsh is not installed (libcap2-bin), so the CAP_SETPCAP check cannot run"
set +e
capsh --drop=cap_setpcap -- -c '"$0" none -- true' "$ZTRUN" >"$T/out" 2>"$T/err"
rc=$?
set -e
expect_rc 0 "no CAP_SETPCAP"
expect_err "^ztrun: cannot clear the capability bounding set: no CAP_SETPCAP" "no CAP_SETPCAP"
echo ok
