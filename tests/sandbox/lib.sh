# Shared by the sandbox tests: integration/lib.sh, plus a host listener that must never be reached.
# usage: . lib.sh ZTRUN [ARGS...]; then start_host_listener PORT and, at the end, assert_host_untouched.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
SANDBOX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOST_PID=
start_host_listener() {
	python3 "$SANDBOX_DIR/hostlog.py" "$1" "$WORK/host.log" "$WORK/host.up" &
	HOST_PID=$!
	for _ in $(seq 200); do [ -e "$WORK/host.up" ] && return; sleep 0.05; done
	fail "the host listener never came up"
}
stop_host_listener() {
	[ -z "$HOST_PID" ] || kill "$HOST_PID" 2>/dev/null || true
	HOST_PID=
}
# waits for a line matching $2 in file $1 (a server's "listening" line)
wait_line() {
	for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return; sleep 0.05; done
	fail "no '$2' in $1: $(cat "$1" 2>/dev/null)"
}
# integration/lib.sh's cleanup, after the host listener is gone; keeps the exit status.
sandbox_cleanup() {
	local st=$?
	set +e # (exit $st) below must not end the trap under set -e
	stop_host_listener
	(exit $st)
	cleanup
}
trap sandbox_cleanup EXIT
assert_host_untouched() {
	if [ -s "$WORK/host.log" ]; then
		fail "the host's loopback was reached: $(cat "$WORK/host.log")"
	fi
}
