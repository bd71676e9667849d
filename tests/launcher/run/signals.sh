#!/bin/bash
# Each forwarded signal sent to ztrun reaches COMMAND (which traps it and reports), and the runtime
# directory is removed when COMMAND then exits.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"

for sig in TERM USR1 USR2 HUP INT QUIT WINCH; do
	rm -f "$T/ready" "$T/got"
	# Started in the background, bash would give ztrun SIGINT and SIGQUIT ignored, and ztrun passes
	# its dispositions on; env resets them so all seven can be tried.
	env --default-signal "$ZTRUN" none -- bash -c '
		trap "echo $1 >$2/got; exit 40" "$1"
		touch "$2/ready"
		for _ in $(seq 200); do sleep 0.05; done
		exit 99' _ "$sig" "$T" >"$T/out" 2>"$T/err" &
	pid=$!
	wait_for_file "$T/ready"
	kill -s "$sig" "$pid"
	set +e
	wait "$pid"
	rc=$?
	set -e
	expect_rc 40 "SIG$sig to ztrun"
	[ "$(cat "$T/got")" = "$sig" ] || fail "SIG$sig: COMMAND reported '$(cat "$T/got")'"
	rundir_empty "SIG$sig"
done

# A COMMAND that does not trap SIGTERM dies of it: ztrun reports 143 and still cleans up.
rm -f "$T/ready"
"$ZTRUN" none -- sh -c 'touch "$1/ready"; exec sleep 30' _ "$T" >"$T/out" 2>"$T/err" &
pid=$!
wait_for_file "$T/ready"
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
expect_rc 143 "SIGTERM to ztrun, untrapped by COMMAND"
rundir_empty "untrapped SIGTERM"

# A signal that ztrun neither forwards nor survives (SIGALRM) kills it, but not before it removes
# the runtime directory. COMMAND is orphaned then, and killed here.
rm -f "$T/ready"
"$ZTRUN" none -- sh -c 'echo $$ >"$1/pid"; touch "$1/ready"; exec sleep 30' _ "$T" >"$T/out" 2>"$T/err" &
pid=$!
wait_for_file "$T/ready"
kill -ALRM "$pid"
set +e
wait "$pid"
rc=$?
set -e
kill "$(cat "$T/pid")" 2>/dev/null || true
expect_rc 142 "SIGALRM to ztrun"
rundir_empty "SIGALRM to ztrun"
echo ok
