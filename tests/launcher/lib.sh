# Shared by the launcher tests: sourced with ZTRUN set to the binary under test. Each test gets a
# private directory $T and points XDG_RUNTIME_DIR at $T/run, so a runtime directory that ztrun leaves
# behind is seen by rundir_empty.
T=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-test.XXXXXX")
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
mkdir -m 0700 "$T/run"
export XDG_RUNTIME_DIR="$T/run"
unset ZTRUN_LOG
# Never the user's home, never ZeroTier's public planet (the built-in default): a ztrun that is not
# given a planet in a test fails to start instead of contacting the public roots.
export ZTRUN_HOME="$T/default-home"
export ZTRUN_PLANET="$T/no-planet-given"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Runs ztrun with the given arguments; sets rc, and leaves stdout in $T/out and stderr in $T/err.
zt() {
	set +e
	"$ZTRUN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
}

expect_rc() {
	[ "$rc" = "$1" ] || fail "$2: exit status $rc, expected $1; stderr: $(cat "$T/err")"
}

# ztrun's own lines on stderr (the app, or ld.so on its behalf, may add others).
ztrun_lines() {
	grep '^ztrun: ' "$T/err" || true
}

expect_err() {
	grep -q -e "$1" "$T/err" || fail "$2: stderr lacks '$1': $(cat "$T/err")"
}

# One line on stderr matching $1, nothing on stdout.
expect_one_line() {
	expect_err "$1" "$2"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$2: expected one line on stderr: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$2: stdout not empty: $(cat "$T/out")"
}

# ztrun's own failure: status 125 and one line.
expect_one_error() {
	expect_rc 125 "$2"
	expect_one_line "$1" "$2"
}

rundir_empty() {
	[ -z "$(ls -A "$XDG_RUNTIME_DIR")" ] || fail "$1: runtime directory left behind: $(ls -A "$XDG_RUNTIME_DIR")"
}

wait_for_file() {
	for _ in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	fail "timed out waiting for $1"
}
