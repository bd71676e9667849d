#!/bin/bash
# COMMAND does not outlive ztrun, not even when ztrun is killed with SIGKILL (its network is gone then),
# and the next ztrun removes the runtime directory a killed one left, and no other.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"

# gone PID: no such process, or only its zombie left
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

"$ZTRUN" none -- sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec sleep 120' "$T/cmd.pid" \
	2>"$T/ztrun.log" &
zpid=$!
pids+=("$zpid")
wait_for_file "$T/cmd.pid"
cpid=$(cat "$T/cmd.pid")
pids+=("$cpid")
kill -0 "$cpid" || fail "COMMAND not running"
kill -KILL "$zpid"
for _ in $(seq 100); do
	gone "$cpid" && break
	sleep 0.05
done
gone "$cpid" || fail "COMMAND $cpid still runs 5 s after ztrun was killed with SIGKILL"
wait "$zpid" 2>/dev/null || true
# A killed ztrun cannot remove its runtime directory; the next one does, but not one whose ztrun runs,
# nor one without a lock file (an older ztrun's) nor anything else.
left=$(ls -A "$XDG_RUNTIME_DIR")
case "$left" in ztrun.??????) ;; *) fail "after SIGKILL: runtime directory holds '$left'" ;; esac
mkdir -m 0700 "$XDG_RUNTIME_DIR/ztrun.oldone" "$XDG_RUNTIME_DIR/other"
"$ZTRUN" none -- sh -c 'touch "$0"; exec sleep 120' "$T/running" 2>"$T/running.log" &
rpid=$!
pids+=("$rpid")
wait_for_file "$T/running"
zt none -- true
expect_ok_quiet "ztrun after a killed one"
[ ! -e "$XDG_RUNTIME_DIR/$left" ] || fail "the killed ztrun's runtime directory was not removed"
[ "$(ls "$XDG_RUNTIME_DIR" | grep -c '^ztrun\.')" = 2 ] ||
	fail "a running ztrun's or an old runtime directory was removed: $(ls -A "$XDG_RUNTIME_DIR")"
kill "$rpid"
wait "$rpid" 2>/dev/null || true
rmdir "$XDG_RUNTIME_DIR/ztrun.oldone" "$XDG_RUNTIME_DIR/other"
echo ok
