# Driving `ztrun controller` from the controller host tests, on top of tests/common/lib.sh (sourced
# first): start and stop a daemon, call its API with the token, and digest what it keeps on disk.

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

# A digest of everything the controller keeps, to see that a refused request changed nothing.
store_digest() {
	(cd "$1/controller.d" 2>/dev/null && find . -type f | sort | xargs -r sha256sum) | sha256sum
}
