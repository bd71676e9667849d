# Shared by the CLI tests: sourced with ZTRUN (the binary under test) and WORLD_CHECK (the node-side
# planet reader) set. Each test works in its own directory $T, which is removed at exit.
T=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-cli.XXXXXX")
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T"
unset ZTRUN_LOG

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Runs ztrun with the given arguments; sets rc, leaves stdout in $T/out and stderr in $T/err.
zt() {
	set +e
	"$ZTRUN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
}

expect_ok() {
	[ "$rc" = 0 ] || fail "$1: exit status $rc, expected 0; stderr: $(cat "$T/err")"
}

# A failure as every subcommand reports one: status 1, one line on stderr that starts with "ztrun: $1"
# ($1 taken literally), nothing on stdout.
expect_error() {
	[ "$rc" = 1 ] || fail "$2: exit status $rc, expected 1; stderr: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$2: expected one line on stderr, got: $(cat "$T/err")"
	[[ "$(cat "$T/err")" == "ztrun: $1"* ]] || fail "$2: stderr is not 'ztrun: $1...': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$2: stdout not empty: $(cat "$T/out")"
}

expect_out() {
	[ "$(cat "$T/out")" = "$1" ] || fail "$2: stdout is '$(cat "$T/out")', expected '$1'"
}

mode_of() {
	stat -c %a "$1"
}

# Hex text on stdin (whitespace ignored) to bytes on stdout. perl-base is essential on Debian.
unhex() {
	perl -e 'local $/; my $h = <STDIN>; $h =~ s/\s//g; print pack("H*", $h)'
}

# No temp files of an atomic write left behind in $1.
no_temp_files() {
	if ls -A "$1" | grep -q '\.tmp-'; then
		fail "temp file left in $1: $(ls -A "$1")"
	fi
}
