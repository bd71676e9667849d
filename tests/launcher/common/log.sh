#!/bin/bash
# ZTRUN_LOG sets the level, -v/-q override it, and ztrun's lines go to stderr only.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"

started() { ztrun_lines | grep -q "^ztrun: started 'true' as pid [0-9]* on network none"; }

zt none -- true
! started || fail "info line at the default level"
zt -v none -- true
started || fail "-v: no info line: $(cat "$T/err")"
ZTRUN_LOG=info zt none -- true
started || fail "ZTRUN_LOG=info: no info line"
ZTRUN_LOG=info zt -q none -- true
! started || fail "-q does not override ZTRUN_LOG=info"
ZTRUN_LOG=debug zt none -- sh -c 'sh -c "sleep 0.1 &"; sleep 0.3'
ztrun_lines | grep -q "^ztrun: reaped orphan [0-9]*" || fail "ZTRUN_LOG=debug: no debug line: $(cat "$T/err")"
ZTRUN_LOG=loud zt none -- true
expect_rc 0 "bad ZTRUN_LOG"
ztrun_lines | grep -q "^ztrun: ignoring ZTRUN_LOG=loud: not a level (use error, warn, info or debug)" ||
	fail "bad ZTRUN_LOG: no warning: $(cat "$T/err")"
ZTRUN_LOG=loud zt -q none -- true
[ -z "$(ztrun_lines)" ] || fail "-q: warning printed: $(ztrun_lines)"
zt -q none -- ztrun-test-no-such-command
expect_rc 127 "-q and an error"
ztrun_lines | grep -q "^ztrun: cannot run" || fail "-q hid an error"
# Nothing from ztrun on stdout, even at debug level.
zt -vv none -- true
[ ! -s "$T/out" ] || fail "ztrun wrote to stdout: $(cat "$T/out")"
echo ok
