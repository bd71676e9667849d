#!/bin/bash
# iperf3 TCP and UDP under ztrun none (one server each: an iperf3 server runs one test at a time and
# may still be finishing the last one when the next client comes).
. "$(dirname "$0")/../common/lib.sh"
PORT=$(pick_port)
PORT2=$(pick_port)
"$ZTRUN" none -- bash -c "
	set -e
	$WAIT_PORT
	iperf3 -s -p $PORT -B 127.0.0.1 >'$WORK/server.log' 2>&1 &
	iperf3 -s -p $PORT2 -B 127.0.0.1 >'$WORK/server2.log' 2>&1 &
	wait_port 127.0.0.1 $PORT
	wait_port 127.0.0.1 $PORT2
	iperf3 -c 127.0.0.1 -p $PORT -t 2 -J >'$WORK/tcp.json' || true
	iperf3 -c 127.0.0.1 -p $PORT2 -t 2 -u -b 50M -J >'$WORK/udp.json' || true
	kill %1 %2 2>/dev/null || true
"
result() { # result FILE EXPR: a value from iperf3's JSON, or its error message and failure
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
if "error" in d:
    sys.exit("iperf3: " + d["error"])
print(eval(sys.argv[2], {"d": d}))
PY
}
tcp=$(result "$WORK/tcp.json" "int(d['end']['sum_received']['bytes'])") || fail "TCP test"
[ "$tcp" -gt 1000000 ] || fail "iperf3 TCP moved only $tcp bytes"
udp=$(result "$WORK/udp.json" "int(d['end']['sum']['bytes'])") || fail "UDP test"
lost=$(result "$WORK/udp.json" "d['end']['sum']['lost_percent']")
[ "$udp" -gt 1000000 ] || fail "iperf3 UDP moved only $udp bytes"
echo "PASS iperf3 (tcp $tcp bytes, udp $udp bytes, ${lost}% lost)"
