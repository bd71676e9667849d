#!/bin/bash
# Where the runtime directory goes, what happens when it cannot be made there, and that it is removed
# with anything COMMAND put in it.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"

XDG_RUNTIME_DIR="$T/nonexistent" zt none -- true
expect_one_error "^ztrun: cannot create runtime directory in $T/nonexistent from \$XDG_RUNTIME_DIR: No such file or directory (point XDG_RUNTIME_DIR at a writable directory" \
	"nonexistent XDG_RUNTIME_DIR"
touch "$T/file"
XDG_RUNTIME_DIR="$T/file" zt none -- true
expect_one_error "^ztrun: cannot create runtime directory in $T/file from \$XDG_RUNTIME_DIR: Not a directory" \
	"XDG_RUNTIME_DIR is a file"
mkdir -m 0500 "$T/ro"
if [ "$(id -u)" = 0 ]; then
	# Root writes anywhere unless it lacks CAP_DAC_OVERRIDE: take that away for this one run.
	command -v capsh >/dev/null || skip "root without capsh"
	set +e
	XDG_RUNTIME_DIR="$T/ro" capsh --drop=cap_dac_override -- -c '"$0" none -- true' "$ZTRUN" \
		>"$T/out" 2>"$T/err"
	rc=$?
	set -e
else
	XDG_RUNTIME_DIR="$T/ro" zt none -- true
fi
expect_one_error "^ztrun: cannot create runtime directory in $T/ro from \$XDG_RUNTIME_DIR: Permission denied" \
	"unwritable XDG_RUNTIME_DIR"
[ -z "$(ls -A "$T/ro")" ] || fail "unwritable XDG_RUNTIME_DIR: something was made in it"

# Without XDG_RUNTIME_DIR, TMPDIR is used; a bad TMPDIR is reported as such.
mkdir -m 0700 "$T/tmp"
(unset XDG_RUNTIME_DIR; TMPDIR="$T/tmp" zt none -- sh -c 'echo "$ZT_NC_NETWORK"'; echo "$rc" >"$T/rc")
rc=$(cat "$T/rc")
expect_rc 0 "TMPDIR"
case "$(cat "$T/out")" in
"$T"/tmp/ztrun.??????/nc_none) ;;
*) fail "with TMPDIR set, ZT_NC_NETWORK is $(cat "$T/out")" ;;
esac
[ -z "$(ls -A "$T/tmp")" ] || fail "TMPDIR: left behind: $(ls -A "$T/tmp")"
(unset XDG_RUNTIME_DIR; TMPDIR="$T/nonexistent" zt none -- true; echo "$rc" >"$T/rc")
rc=$(cat "$T/rc")
expect_one_error "^ztrun: cannot create runtime directory in $T/nonexistent from \$TMPDIR: No such file or directory (point TMPDIR at" \
	"nonexistent TMPDIR"
# An empty XDG_RUNTIME_DIR counts as unset.
(XDG_RUNTIME_DIR='' TMPDIR="$T/tmp" zt none -- sh -c 'echo "$ZT_NC_NETWORK"'; echo "$rc" >"$T/rc")
rc=$(cat "$T/rc")
expect_rc 0 "empty XDG_RUNTIME_DIR"
case "$(cat "$T/out")" in "$T"/tmp/ztrun.*) ;; *) fail "empty XDG_RUNTIME_DIR not skipped: $(cat "$T/out")" ;; esac

# Paths LD_PRELOAD or a Unix socket cannot carry are refused before anything is made.
mkdir "$T/a b"
XDG_RUNTIME_DIR="$T/a b" zt none -- true
expect_one_error "^ztrun: cannot use '$T/a b' for the runtime directory: LD_PRELOAD cannot carry" "space in path"
[ -z "$(ls -A "$T/a b")" ] || fail "space in path: something was made"
long="$T/$(printf 'x%.0s' $(seq 100))"
mkdir "$long"
XDG_RUNTIME_DIR="$long" zt none -- true
expect_one_error "^ztrun: cannot use '$long' for the runtime directory: too long for a Unix socket path" "long path"
[ -z "$(ls -A "$long")" ] || fail "long path: something was made"

# Whatever COMMAND leaves in the directory goes with it.
zt none -- sh -c 'd=$(dirname "$ZT_NC_NETWORK"); touch "$d/f"; mkdir -p "$d/sub/deeper"; touch "$d/sub/deeper/g"'
expect_rc 0 "COMMAND writes into the runtime directory"
rundir_empty "COMMAND writes into the runtime directory"
echo ok
