# Shared by the sandbox tests: the common harness, plus a listener on the host's loopback that the
# programs under test must never reach. usage: . lib.sh ZTRUN [ARGS...]; then start_host_listener PORT
# and, at the end, assert_host_untouched.
. "$(dirname "${BASH_SOURCE[0]}")/../common/lib.sh"
SANDBOX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
start_host_listener() {
	python3 "$SANDBOX_DIR/hostlog.py" "$1" "$T/host.out" "$T/host.up" &
	pids+=($!)
	wait_for 10 "the host listener" test -e "$T/host.up"
}
assert_host_untouched() {
	if [ -s "$T/host.out" ]; then
		fail "the host's loopback was reached: $(cat "$T/host.out")"
	fi
}
