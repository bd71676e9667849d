#!/bin/bash
# The API's HTTP server against what curl cannot send (http_raw.py): malformed and oversized requests,
# pipelining, half-closed and vanished clients, slow clients; and against clients that try to hold it up
# or fill its memory (http_limits.py). Afterwards the daemon
# still serves, holds no more file descriptors than before, and its records are as they were.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"
. "$(dirname "$0")/../controller/controller.sh"

H=$T/ctl
PORT=$(pick_port)
start_ctl "$H" "$PORT"
api POST /controller/network '{"name":"before"}'
expect_status 200 "create a network"
NWID=$(json "$T/body" "j['id']")
api POST "/controller/network/$NWID/member/abcdef0123" '{"authorized":true}'
expect_status 200 "authorize a member"
fds_before=$(ls "/proc/$ctl_pid/fd" | wc -l)

python3 "$(dirname "$0")/http_raw.py" "$PORT" "$TOKEN" "$NWID" || fail "http_raw.py"

kill -0 "$ctl_pid" 2>/dev/null || fail "the controller died"
# connections the clients closed are gone within the linger time
for _ in $(seq 50); do
	[ "$(ls "/proc/$ctl_pid/fd" | wc -l)" -le "$fds_before" ] && break
	sleep 0.1
done
fds_after=$(ls "/proc/$ctl_pid/fd" | wc -l)
[ "$fds_after" -le "$fds_before" ] || fail "file descriptors: $fds_before before, $fds_after after"
# the valid changes (POSTs from a half-closed client and after 100-continue) happened, nothing else did
api GET "/controller/network/$NWID"
expect_json "$T/body" "j['name'] == 'continued'" "the network as the valid requests left it"
api GET "/controller/network/$NWID/member/abcdef0123"
expect_json "$T/body" "j['authorized'] is True" "the member as it was"
api GET /controller/network
expect_json "$T/body" "j == ['$NWID']" "no network made or lost by bad requests"

# slowloris, unauthenticated bodies, bursts, every slot busy (renames the network)
python3 "$(dirname "$0")/http_limits.py" "$PORT" "$TOKEN" "$ctl_pid" "$NWID" || fail "http_limits.py"
kill -0 "$ctl_pid" 2>/dev/null || fail "the controller died"
stop_ctl
echo ok
