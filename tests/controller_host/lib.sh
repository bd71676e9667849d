# Shared by the controller host tests: sourced with ZTRUN (the binary under test) and HTTP (the raw HTTP
# helper, http.py) set. Each test works in its own directory $T; controllers it started are stopped and
# $T removed at exit.
T=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-ctl.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	chmod -R u+rwx "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
unset ZTRUN_LOG

fail() {
	echo "FAIL: $*" >&2
	for f in "$T"/*.log; do [ -e "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
	exit 1
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

# start_ctl HOME PORT [OPTION...]: starts a controller in the background (log in $T/ctl.log) and waits until
# its API answers. Sets ctl_pid, TOKEN and CTL (the controller's address).
start_ctl() {
	local home=$1 port=$2
	shift 2
	"$ZTRUN" controller -v -p "$port" "$@" "$home" 2>>"$T/ctl.log" &
	ctl_pid=$!
	pids+=("$ctl_pid")
	for _ in $(seq 600); do
		if [ -s "$home/authtoken.secret" ] && [ -s "$home/zerotier-one.port" ] &&
			curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/controller" 2>/dev/null; then
			break
		fi
		kill -0 "$ctl_pid" 2>/dev/null || fail "controller exited at start"
		sleep 0.1
	done
	TOKEN=$(cat "$home/authtoken.secret")
	CTL=$(cut -c1-10 "$home/identity.public")
	curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/controller" || fail "controller API never answered"
}

# stop_ctl: SIGTERM, and the controller must exit 0.
stop_ctl() {
	kill -TERM "$ctl_pid"
	local rc=0
	wait "$ctl_pid" || rc=$?
	[ "$rc" = 0 ] || fail "controller exited with $rc on SIGTERM"
	! grep -q "Sanitizer\|runtime error:" "$T/ctl.log" || fail "sanitizer report in the controller's log"
}

# api METHOD PATH [BODY]: a request with the token; the status in $status, the body in $T/body.
api() {
	local args=(-s -o "$T/body" -w '%{http_code}' -m 10 -X "$1" -H "X-ZT1-Auth: $TOKEN")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	status=$(curl "${args[@]}" "http://127.0.0.1:$PORT$2") || status="curl failed ($?)"
}

expect_status() {
	[ "$status" = "$1" ] || fail "$2: HTTP status $status, expected $1; body: $(cat "$T/body" 2>/dev/null)"
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

# Runs ztrun with the given arguments; sets rc, leaves stdout in $T/out and stderr in $T/err.
zt() {
	set +e
	"$ZTRUN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
}

expect_ok() {
	[ "$rc" = 0 ] || fail "$1: exit status $rc, expected 0; stderr: $(cat "$T/err")"
	[ ! -s "$T/err" ] || fail "$1: stderr not empty: $(cat "$T/err")"
}

# A failure: status $1, one line on stderr starting "ztrun: $2" (taken literally), nothing on stdout.
expect_fail() {
	[ "$rc" = "$1" ] || fail "$3: exit status $rc, expected $1; stderr: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$3: expected one line on stderr, got: $(cat "$T/err")"
	[[ "$(cat "$T/err")" == "ztrun: $2"* ]] || fail "$3: stderr is not 'ztrun: $2...': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$3: stdout not empty: $(cat "$T/out")"
}

# A digest of everything the controller keeps, to see that a refused request changed nothing.
store_digest() {
	(cd "$1/controller.d" 2>/dev/null && find . -type f | sort | xargs -r sha256sum) | sha256sum
}
