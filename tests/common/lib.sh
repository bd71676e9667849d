# The shell tests' harness, sourced by every test script (after `ZTRUN=...` or with the ztrun binary as
# the script's first argument). It gives each test
#   - a private directory $T (also $WORK), removed at exit with anything the test started (pids+=(...));
#   - a private environment: XDG_RUNTIME_DIR=$T.run, ZTRUN_HOME in $T, ZTRUN_PLANET naming a missing
#     file (a ztrun that is not given a planet fails to start instead of contacting ZeroTier's public
#     roots), no ZTRUN_LOG;
#   - one way to fail (fail: a message, the tail of every $T/*.log, exit 1) and to skip (skip: exit 77,
#     which the tests' SKIP_RETURN_CODE reports as skipped, with the reason);
#   - zt (run ztrun, keep status and output) and the expect_* checks on what it did;
#   - ports (pick_port), waiting (wait_for_file), servers inside ztrun unreachable from the host
#     (assert_host_unreachable, WAIT_PORT: through a prober outside ztrun), and small readers (unhex,
#     mode_of, json).
set -eu
ZTRUN=$(realpath "${ZTRUN:-${1:?usage: $0 /path/to/ztrun ...}}")
T=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-test.XXXXXX")
WORK=$T
pids=()
# The runtime directory lies beside $T, not in it: tests list what commands left in $T.
export XDG_RUNTIME_DIR="$T.run"
mkdir -m 0700 "$XDG_RUNTIME_DIR"
export ZTRUN_HOME="$T/default-home"
export ZTRUN_PLANET="$T/no-planet-given"
unset ZTRUN_LOG

# The processes that carry this test's environment (XDG_RUNTIME_DIR=$T.run), other than this shell.
lib_strays() {
	local f p
	for f in $(grep -lzxF "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR" /proc/[0-9]*/environ 2>/dev/null); do
		p=${f#/proc/}
		p=${p%/environ}
		[ "$p" != $$ ] && kill -0 "$p" 2>/dev/null && echo "$p"
	done
}

# At exit: run the test's own before_cleanup if it defines one (stopping what it started otherwise than
# through pids), stop what the test started, fail the test if anything it started outlives that (a
# daemon or an orphan: it is killed and named), check that ztrun left no runtime directory behind,
# remove $T (unless KEEP_WORK is set). The test's exit status is kept, whatever before_cleanup returns.
lib_cleanup() {
	local rc=$? strays p
	if declare -F before_cleanup >/dev/null; then before_cleanup || true; fi
	for p in "${pids[@]}" ${PROBER:-}; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for _ in $(seq 30); do # a process told to stop a moment ago may still be on its way out
		strays=$(lib_strays)
		[ -z "$strays" ] && break
		sleep 0.1
	done
	if [ -n "$strays" ]; then
		echo "FAIL: left running: $(for p in $strays; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)" >&2
		kill -9 $strays 2>/dev/null || true
		[ "$rc" != 0 ] || rc=1
	fi
	if [ -n "$(ls -A "$XDG_RUNTIME_DIR" 2>/dev/null)" ]; then
		echo "FAIL: runtime directory left behind: $(ls -A "$XDG_RUNTIME_DIR")" >&2
		[ "$rc" != 0 ] || rc=1
	fi
	if [ -z "${KEEP_WORK:-}" ]; then
		chmod -R u+rwx "$T" "$XDG_RUNTIME_DIR" 2>/dev/null
		rm -rf "$T" "$XDG_RUNTIME_DIR" "$T.probe"
	fi
	exit "$rc"
}
trap lib_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	for f in "$T"/*.log; do [ -e "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
	exit 1
}

skip() {
	echo "skip: $*"
	exit 77
}

# Runs ztrun with the given arguments; sets rc, leaves stdout in $T/out and stderr in $T/err.
zt() {
	set +e
	"$ZTRUN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
}

expect_rc() { # STATUS WHAT
	[ "$rc" = "$1" ] || fail "$2: exit status $rc, expected $1; stderr: $(cat "$T/err")"
}

expect_ok() { # WHAT: status 0
	expect_rc 0 "$1"
}

expect_ok_quiet() { # WHAT: status 0 and nothing on stderr
	expect_rc 0 "$1"
	[ ! -s "$T/err" ] || fail "$1: stderr not empty: $(cat "$T/err")"
}

# A failure as ztrun reports one: status $1, one line on stderr starting "ztrun: $2" ($2 taken
# literally), nothing on stdout.
expect_fail() { # STATUS PREFIX WHAT
	[ "$rc" = "$1" ] || fail "$3: exit status $rc, expected $1; stderr: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$3: expected one line on stderr, got: $(cat "$T/err")"
	[[ "$(cat "$T/err")" == "ztrun: $2"* ]] || fail "$3: stderr is not 'ztrun: $2...': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$3: stdout not empty: $(cat "$T/out")"
}

expect_err() { # REGEX WHAT: stderr has a line matching REGEX
	grep -q -e "$1" "$T/err" || fail "$2: stderr lacks '$1': $(cat "$T/err")"
}

# One line on stderr matching $1, nothing on stdout.
expect_one_line() { # REGEX WHAT
	expect_err "$1" "$2"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$2: expected one line on stderr: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$2: stdout not empty: $(cat "$T/out")"
}

# ztrun's own failure in `ztrun NETID -- cmd`: status 125 and one line matching $1.
expect_one_error() { # REGEX WHAT
	expect_rc 125 "$2"
	expect_one_line "$1" "$2"
}

expect_out() { # TEXT WHAT: stdout is exactly TEXT
	[ "$(cat "$T/out")" = "$1" ] || fail "$2: stdout is '$(cat "$T/out")', expected '$1'"
}

# ztrun's own lines on stderr (the app, or ld.so on its behalf, may add others).
ztrun_lines() {
	grep '^ztrun: ' "$T/err" || true
}

rundir_empty() { # WHAT
	[ -z "$(ls -A "$XDG_RUNTIME_DIR")" ] || fail "$1: runtime directory left behind: $(ls -A "$XDG_RUNTIME_DIR")"
}

# wait_for SECONDS WHAT COMMAND...: runs COMMAND every 50 ms until it succeeds; fails the test with WHAT
# after SECONDS. A wait for a condition, bounded generously: a loaded machine is slow, not wrong.
wait_for() {
	local end=$((SECONDS + $1)) what=$2
	shift 2
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || fail "timed out waiting for $what"
		sleep 0.05
	done
}

wait_for_file() { # FILE: waits up to 10 s for it to exist
	for _ in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	fail "timed out waiting for $1"
}

# A port free for UDP and TCP on 127.0.0.1, below the kernel's ephemeral range (32768 and up) so that
# no client connection of a test running alongside takes it in the meantime.
pick_port() {
	python3 - <<'PY'
import random, socket
while True:
    p = random.randrange(20000, 32000)
    try:
        for t in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, t)
            s.bind(("127.0.0.1", p))
            s.close()
    except OSError:
        continue
    print(p)
    break
PY
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

# json FILE EXPR: evaluates a Python expression on the parsed JSON `j` and prints the result (True/False,
# strings bare). Fails the test if the file is not JSON.
json() {
	python3 - "$1" "$2" <<'PY' || fail "not JSON or bad expression '$2': $(cat "$1")"
import json, sys
j = json.load(open(sys.argv[1]))
r = eval(sys.argv[2], {"j": j})
print(r if not isinstance(r, (dict, list)) else json.dumps(r, sort_keys=True))
PY
}

expect_json() { # FILE EXPR WHAT: EXPR must be true
	[ "$(json "$1" "$2")" = True ] || fail "$3: not true: $2 on $(cat "$1")"
}

# From the host (outside ztrun), the port must refuse connections.
assert_host_unreachable() {
	if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
		fail "port $1 is reachable from the host"
	fi
}

# The host prober runs outside ztrun: inside, ztrun's seccomp supervisor puts every socket of every
# process on the virtual network (LD_PRELOAD removed or not), so "can the host reach PORT?" must be
# asked of a process outside. A request is a line PORT written to the FIFO $T.probe/req; the answer,
# the file $T.probe/res.PORT, says "open" or "closed". It sleeps in read(), and ends with the test, even
# one killed without its EXIT trap (a CTest timeout).
mkdir -m 0700 "$T.probe"
mkfifo "$T.probe/req"
TEST_PID=$$
(
	exec 3<>"$T.probe/req"
	part=
	while kill -0 "$TEST_PID" 2>/dev/null; do
		# read's timeout can strike between the bytes of a line (it reads a pipe a byte at a time):
		# what it read by then is kept for the rest of the line, not lost.
		if ! read -r -t 1 p <&3; then
			part+=$p
			continue
		fi
		p=$part$p
		part=
		case $p in *[!0-9]* | '') continue ;; esac
		if (exec 4<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then r=open; else r=closed; fi
		echo "$r" >"$T.probe/tmp.$p" && mv "$T.probe/tmp.$p" "$T.probe/res.$p"
	done
) &
PROBER=$! # not in pids: tests name their own processes by index there

# Helpers for a script that runs inside ztrun (put "$WAIT_PORT" at its top): wait_port HOST PORT waits
# until a server in the background accepts; host_unreachable PORT fails if the host's own network stack
# can reach PORT (asked of the prober outside), i.e. if the server leaked out of ztrun.
WAIT_PORT='wait_port() { for i in $(seq 1 200); do if (exec 3<>/dev/tcp/$1/$2) 2>/dev/null; then host_unreachable $2; return; fi; sleep 0.05; done; echo "server on $1:$2 never came up" >&2; return 1; }
host_unreachable() { rm -f "'"$T"'.probe/res.$1"; echo $1 >"'"$T"'.probe/req"; for i in $(seq 1 1500); do [ -e "'"$T"'.probe/res.$1" ] && break; sleep 0.02; done; [ -e "'"$T"'.probe/res.$1" ] || { echo "FAIL: the host prober did not answer for port $1 in 30 s" >&2; return 1; }; if [ "$(cat "'"$T"'.probe/res.$1")" = open ]; then echo "FAIL: port $1 is reachable from the host" >&2; return 1; fi; }'
