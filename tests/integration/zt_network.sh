#!/bin/bash
# A whole private ZeroTier network on this host's loopback: ztrun's controller (also the planet's
# root), a web server under one ztrun node and curl under another, over IPv4 and IPv6 (and 1 MiB over
# IPv4, in packets of several fragments); the server's node answers ICMP echo on both addresses. The
# server's node is refused until authorized, then gets its addresses from the pool; the client's node is
# authorized before it ever asks.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/lib.sh"
PORT=$(pick_port)
cd "$WORK"
"$ZTRUN" controller -p "$PORT" ctl 2>ctl.log &
ctl=$!
pids+=("$ctl")
a=
# The controller makes its identity first: seconds on a loaded machine. Wait while it lives.
until [ -s ctl/planet ] && [ -s ctl/zerotier-one.port ]; do
	kill -0 $ctl 2>/dev/null || fail "the controller exited at start: $(cat ctl.log)"
	sleep 0.05
done
NW=$("$ZTRUN" controller network create ctl --name it --pool 10.77.0.0/24 --v6 rfc4193)
[ ${#NW} = 16 ] || fail "network create printed '$NW'"

# The server's node asks before it is authorized: it waits, saying so.
mkdir -p www && echo "hello over zerotier" >www/index.html
# 1 MiB: full-size TCP segments, each a packet of several fragments (sent with UDP GSO, received
# with UDP GRO between two ztrun nodes)
head -c 1048576 /dev/urandom >www/big
"$ZTRUN" --home a --planet ctl/planet --wait 60 "$NW" -- \
	python3 -m http.server 8080 --bind :: --directory www >a.log 2>&1 &
a=$!
pids+=("$a")
wait_for 60 "the server node's identity" test -s a/identity.public
A=$(cut -d: -f1 a/identity.public)
wait_for 60 "the server node's progress line" grep -q "joining $NW as node $A" a.log
grep -q "joining $NW as node $A" a.log || fail "no progress line: $(cat a.log)"
"$ZTRUN" controller member authorize ctl "$NW" "$A" >/dev/null
wait_for 60 "the server node to join" grep -q "joined $NW" a.log
grep -q "joined $NW as node $A: " a.log || fail "server node never joined: $(cat a.log)"
A4=$(grep -o '10\.77\.0\.[0-9]*' a.log | head -1)
A6=$(grep -oE ' fd[0-9a-f]{2}:[0-9a-f:]+/88' a.log | head -1 | tr -d ' ' | cut -d/ -f1)
[ -n "$A4" ] && [ -n "$A6" ] || fail "no IPv4 and RFC4193 address in: $(cat a.log)"

# The client's identity exists first, so it is authorized before it asks.
mkdir -p b
"$ZTRUN" idtool generate b/identity.secret b/identity.public >/dev/null
"$ZTRUN" controller member authorize ctl "$NW" "$(cut -d: -f1 b/identity.public)" >/dev/null
"$ZTRUN" --home b --planet ctl/planet --wait 30 "$NW" -- bash -c "
	curl -sS -m 20 --retry 3 --retry-connrefused http://$A4:8080/ >v4.out &&
	curl -sS -m 20 -g 'http://[$A6]:8080/' >v6.out &&
	curl -sS -m 20 http://$A4:8080/big >big.out &&
	python3 '$HERE/icmp_ping.py' $A4 $A6 >ping.out" 2>b.log || fail "client failed: $(cat b.log)"
grep -c "ok=True" ping.out | grep -qx 2 || fail "the server's node did not answer ping: $(cat ping.out)"
grep -q "hello over zerotier" v4.out || fail "IPv4 fetch: $(cat v4.out)"
grep -q "hello over zerotier" v6.out || fail "IPv6 fetch: $(cat v6.out)"
cmp -s www/big big.out || fail "1 MiB fetch: $(wc -c <big.out) bytes, not those served"
# The two members got different addresses from the pool.
B4=$(grep -o '10\.77\.0\.[0-9]*' b.log | head -1)
[ -n "$B4" ] && [ "$B4" != "$A4" ] || fail "pool collision or no address: $A4 / $B4"
kill $a
wait $a 2>/dev/null || true
echo "PASS zerotier network: $A4 and [$A6] served across two ztrun nodes"
