#!/bin/bash
# redis-server under ztrun none; redis-cli and redis-benchmark -q -n 20000.
. "$(dirname "$0")/../common/lib.sh"
PORT=$(pick_port)
"$ZTRUN" none -- bash -c "
	set -e
	$WAIT_PORT
	redis-server --port $PORT --bind 127.0.0.1 --save '' --appendonly no --dir '$WORK' >'$WORK/redis.log' 2>&1 &
	wait_port 127.0.0.1 $PORT
	redis-cli -p $PORT set greeting hello >/dev/null
	redis-cli -p $PORT get greeting >'$WORK/get'
	redis-benchmark -q -p $PORT -n 20000 -t set,get,incr,lpush,lpop >'$WORK/bench' 2>&1
	redis-cli -p $PORT shutdown nosave >/dev/null 2>&1 || true
	wait
"
[ "$(cat "$WORK/get")" = hello ] || fail "GET returned '$(cat "$WORK/get")'"
tr '\r' '\n' < "$WORK/bench" | grep 'requests per second' > "$WORK/bench.txt" || true
cat "$WORK/bench.txt"
for t in SET GET INCR LPUSH LPOP; do
	grep -q "^$t: .*requests per second" "$WORK/bench.txt" || fail "redis-benchmark $t missing"
done
echo "PASS redis"
