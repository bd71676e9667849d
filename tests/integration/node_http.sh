#!/bin/bash
# A node HTTP server under ztrun none, curl inside.
. "$(dirname "$0")/../common/lib.sh"
PORT=$(pick_port)
"$ZTRUN" none -- bash -c "
	set -e
	$WAIT_PORT
	node -e 'require(\"http\").createServer((q, r) => r.end(\"node says \" + q.url)).listen($PORT, \"::\")' &
	wait_port 127.0.0.1 $PORT
	curl -sSf http://127.0.0.1:$PORT/v4 >'$WORK/v4'
	curl -sSf -g 'http://[::1]:$PORT/v6' >'$WORK/v6'
	kill %1
"
[ "$(cat "$WORK/v4")" = "node says /v4" ] || fail "v4 answer: $(cat "$WORK/v4")"
[ "$(cat "$WORK/v6")" = "node says /v6" ] || fail "v6 answer: $(cat "$WORK/v6")"
echo "PASS node"
