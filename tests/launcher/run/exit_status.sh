#!/bin/bash
# COMMAND's exit status is ztrun's; a COMMAND killed by signal N gives 128+N; the runtime directory
# is gone after each; ztrun does not touch COMMAND's stdout.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"

zt none -- true
expect_rc 0 "true"
rundir_empty "exit 0"
zt none -- sh -c 'exit 3'
expect_rc 3 "exit 3"
rundir_empty "exit 3"
zt none -- sh -c 'exit 255'
expect_rc 255 "exit 255"
zt none -- sh -c 'kill -KILL $$'
expect_rc 137 "killed by SIGKILL"
rundir_empty "SIGKILL"
zt none -- sh -c 'kill -TERM $$'
expect_rc 143 "killed by SIGTERM"
rundir_empty "SIGTERM"
zt none -- sh -c 'kill -SEGV $$'
expect_rc 139 "killed by SIGSEGV"
rundir_empty "SIGSEGV"

zt none -- echo hello world
expect_rc 0 "echo"
[ "$(cat "$T/out")" = "hello world" ] || fail "stdout of COMMAND changed: '$(cat "$T/out")'"
[ -z "$(ztrun_lines)" ] || fail "ztrun printed at the default level: $(ztrun_lines)"
echo ok
