#!/bin/bash
# python3 -m http.server under ztrun none, curl inside: a 10 MB file arrives intact; the host
# cannot reach the server while it runs.
. "$(dirname "$0")/../common/lib.sh"
PORT=$(pick_port)
mkdir -p "$WORK/www"
head -c 10000000 /dev/urandom > "$WORK/www/blob"
want=$(sha256sum < "$WORK/www/blob")
"$ZTRUN" none -- bash -c "
	set -e
	$WAIT_PORT
	python3 -m http.server $PORT --bind 127.0.0.1 --directory '$WORK/www' >'$WORK/server.log' 2>&1 &
	wait_port 127.0.0.1 $PORT
	touch '$WORK/up'
	curl -sSf -o '$WORK/got' http://127.0.0.1:$PORT/blob
	curl -sSf -g -o '$WORK/got6' 'http://[::1]:$PORT/blob' 2>/dev/null && echo 'v6 answered' >'$WORK/v6' || true
	while [ ! -e '$WORK/checked' ]; do sleep 0.05; done
	kill %1
" &
zt=$!
while [ ! -e "$WORK/up" ]; do sleep 0.05; kill -0 $zt 2>/dev/null || fail "ztrun exited early"; done
assert_host_unreachable "$PORT"
touch "$WORK/checked"
wait $zt || fail "ztrun exited with $?"
[ "$(sha256sum < "$WORK/got")" = "$want" ] || fail "checksum mismatch"
# the server binds 127.0.0.1 only: the IPv6 fetch must have failed, exactly as on a kernel
[ ! -e "$WORK/v6" ] || fail "server bound to 127.0.0.1 answered on ::1"
echo "PASS http.server 10 MB"
