#!/bin/bash
# ztrun is a child subreaper: a grandchild orphaned by COMMAND is re-parented to ztrun and reaped when
# it dies, leaving no zombie, while COMMAND keeps running.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"

zt none -- bash -c '
	set -eu
	# The inner sh exits at once, orphaning its background sleep.
	sh -c "sleep 0.3 & echo \$! >$1/gc"
	gc=$(cat "$1/gc")
	ppid=$(awk "{print \$4}" "/proc/$gc/stat")
	[ "$ppid" = "$PPID" ] || { echo "orphan $gc went to $ppid, not to ztrun $PPID" >&2; exit 10; }
	for _ in $(seq 60); do
		[ -e "/proc/$gc" ] || exit 0
		sleep 0.05
	done
	echo "orphan $gc not reaped: $(cat /proc/$gc/stat)" >&2
	exit 11' _ "$T"
expect_rc 0 "orphan reaping"
rundir_empty "orphan reaping"

# COMMAND exits while an orphan still runs: the orphan would lose its network with ztrun, so it gets
# SIGTERM, and ztrun exits with COMMAND's status once it is gone.
start=$(date +%s)
zt none -- sh -c 'sleep 30 >/dev/null 2>&1 & echo $! >'"$T/orphan"'; exit 4'
expect_rc 4 "exit with a live orphan"
[ $(($(date +%s) - start)) -lt 3 ] || fail "ztrun waited for the orphan instead of stopping it"
[ ! -e "/proc/$(cat "$T/orphan")" ] || fail "the orphan outlived ztrun"
rundir_empty "exit with a live orphan"
# One that ignores SIGTERM gets SIGKILL after the grace period (3 s).
start=$(date +%s)
zt none -- bash -c '(trap "" TERM; exec sleep 30) >/dev/null 2>&1 & echo $! >'"$T/orphan"'; sleep 0.2; exit 5'
expect_rc 5 "exit with an orphan ignoring SIGTERM"
took=$(($(date +%s) - start))
[ "$took" -ge 2 ] && [ "$took" -lt 8 ] || fail "stubborn orphan stopped after ${took}s, not after the grace period"
[ ! -e "/proc/$(cat "$T/orphan")" ] || fail "the stubborn orphan outlived ztrun"
rundir_empty "exit with an orphan ignoring SIGTERM"
# As the real PID 1 of a PID namespace (as in a container), where nothing else would reap: the
# orphan dies before COMMAND ends and must be gone, not a zombie, by then.
if [ "$(id -u)" = 0 ] && unshare -fp --mount-proc true 2>/dev/null; then
	set +e
	unshare -fp --mount-proc "$ZTRUN" none -- sh -c '
		[ "$PPID" = 1 ] || { echo "ztrun is not PID 1 but $PPID" >&2; exit 10; }
		sh -c "sleep 0.2 &"
		sleep 0.8
		zombies=$(grep -ls "^State:[[:space:]]*Z" /proc/[0-9]*/status || true)
		[ -z "$zombies" ] || { echo "zombies: $zombies" >&2; exit 11; }
		exit 6' >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	expect_rc 6 "as PID 1"
	rundir_empty "as PID 1"
else
	echo "note: not root or no unshare: the PID 1 case is not run"
fi
echo ok
