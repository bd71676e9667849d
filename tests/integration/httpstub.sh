#!/bin/bash
# examples/httpstub under ztrun none: GET echoes the path after the message, HEAD has no body,
# a bad request gets 400, PORT 0 reports the port it took; SIGTERM sent to ztrun stops the server,
# which exits 0, and ztrun passes that 0 on.
. "$(dirname "$0")/../common/lib.sh"
STUB=$(realpath "${2:?usage: $0 ZTRUN HTTPSTUB}")
# The client part runs in the background; the shell then becomes the server, the command that
# ztrun forwards SIGTERM to.
"$ZTRUN" none -- bash -c "
	(
	set -e
	for i in \$(seq 200); do grep -q 'listening on' '$WORK/stub.log' && break; sleep 0.05; done
	port=\$(sed -n 's/.*listening on :: port \([0-9]*\)$/\1/p' '$WORK/stub.log')
	[ -n \"\$port\" ] || { echo 'no listening line' >&2; exit 1; }
	curl -sS -i http://127.0.0.1:\$port/some/path?q=1 >'$WORK/get'
	curl -sS -g -I 'http://[::1]:'\$port/head >'$WORK/head'
	exec 3<>/dev/tcp/127.0.0.1/\$port
	printf 'nonsense\r\n\r\n' >&3
	cat <&3 >'$WORK/bad'
	echo \$port >'$WORK/port'
	) &
	exec '$STUB' -m 'hi there' 0 >'$WORK/stub.log' 2>'$WORK/stub.err'
" >"$WORK/zt.out" 2>"$WORK/zt.err" &
zt=$!
for _ in $(seq 400); do [ -s "$WORK/port" ] && break; kill -0 $zt 2>/dev/null || break; sleep 0.05; done
[ -s "$WORK/port" ] || fail "the client part did not finish: $(cat "$WORK/zt.err" "$WORK/stub.err" 2>/dev/null)"
grep -q '^HTTP/1.0 200 OK' "$WORK/get" || fail "GET: $(cat "$WORK/get")"
[ "$(tr -d '\r' <"$WORK/get" | sed '1,/^$/d')" = "$(printf 'hi there\npath: /some/path?q=1')" ] ||
	fail "GET body: $(cat "$WORK/get")"
grep -q '^Content-Length: 21' "$WORK/head" || fail "HEAD: $(cat "$WORK/head")"
[ "$(tr -d '\r' <"$WORK/head" | sed '1,/^$/d')" = "" ] || fail "HEAD has a body: $(cat "$WORK/head")"
grep -q '^HTTP/1.0 400 Bad Request' "$WORK/bad" || fail "bad request: $(cat "$WORK/bad")"
grep -qx 'GET /some/path?q=1 200' "$WORK/stub.log" || fail "request log: $(cat "$WORK/stub.log")"
# The server inside ztrun's loopback is not on the host's.
assert_host_unreachable "$(cat "$WORK/port")"
kill -TERM $zt
rc=0
wait $zt || rc=$?
[ $rc = 0 ] || fail "ztrun exited $rc after SIGTERM: $(cat "$WORK/zt.err" "$WORK/stub.err")"
grep -qx 'httpstub: stopped by SIGTERM' "$WORK/stub.err" || fail "stop message: $(cat "$WORK/stub.err")"
echo "PASS httpstub under ztrun none"
