#!/bin/bash
# iperf3 TCP and UDP under ztrun none.
. "$(dirname "$0")/lib.sh"
PORT=$(free_host_port)
"$ZTRUN" none -- bash -c "
	set -e
	$WAIT_PORT
	iperf3 -s -p $PORT -B 127.0.0.1 >'$WORK/server.log' 2>&1 &
	wait_port 127.0.0.1 $PORT
	iperf3 -c 127.0.0.1 -p $PORT -t 2 -J >'$WORK/tcp.json'
	iperf3 -c 127.0.0.1 -p $PORT -t 2 -u -b 50M -J >'$WORK/udp.json'
	kill %1
"
tcp=$(python3 -c "import json;d=json.load(open('$WORK/tcp.json'));print(int(d['end']['sum_received']['bytes']))")
[ "$tcp" -gt 1000000 ] || fail "iperf3 TCP moved only $tcp bytes"
udp=$(python3 -c "import json;d=json.load(open('$WORK/udp.json'));s=d['end']['sum'];print(int(s['bytes']), s['lost_percent'])")
set -- $udp
[ "$1" -gt 1000000 ] || fail "iperf3 UDP moved only $1 bytes"
echo "PASS iperf3 (tcp $tcp bytes, udp $1 bytes, ${2}% lost)"
