#!/bin/bash
# A COMMAND that cannot be run: 127 if not found, 126 if found but not executable, as a shell does,
# with one clear line, and the runtime directory (made before the exec) removed.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"

zt none -- ztrun-test-no-such-command
expect_rc 127 "not in PATH"
expect_one_line "^ztrun: cannot run 'ztrun-test-no-such-command': No such file or directory (not found in PATH)" \
	"not in PATH"
rundir_empty "not in PATH"
zt none -- "$T/missing"
expect_rc 127 "missing path"
expect_one_line "^ztrun: cannot run '$T/missing': No such file or directory$" "missing path"
rundir_empty "missing path"
printf '#!/bin/sh\necho ran\n' >"$T/noexec"
chmod 0644 "$T/noexec"
zt none -- "$T/noexec"
expect_rc 126 "not executable"
expect_one_line "^ztrun: cannot run '$T/noexec': Permission denied (is it an executable file?)" "not executable"
rundir_empty "not executable"
mkdir "$T/adir"
zt none -- "$T/adir"
expect_rc 126 "directory"
expect_one_line "^ztrun: cannot run '$T/adir': Permission denied" "directory"
rundir_empty "directory"
# PATH search as execvp does it: a name found in PATH runs.
mkdir "$T/bin"
printf '#!/bin/sh\nexit 7\n' >"$T/bin/ztrun-test-cmd"
chmod 0755 "$T/bin/ztrun-test-cmd"
PATH="$T/bin:$PATH" zt none -- ztrun-test-cmd
expect_rc 7 "PATH search"
rundir_empty "PATH search"
echo ok
