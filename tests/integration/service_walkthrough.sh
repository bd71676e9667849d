#!/bin/bash
# The Network Containers walk-through with ztrun: a service started with -d on a private planet of our
# controller, the identity wait loop, `cli join`, `cli listnetworks` until the network shows its control
# socket and an IP, python's http.server attached to it with LD_PRELOAD + ZT_NC_NETWORK and fetched from
# a `ztrun NWID --` node; a connection to an attached server held across a config update; the host's
# interfaces untouched. Then the Docker pattern (networks.d/<nwid>.conf
# made before start), leave and stop seen at once by an attached app, and bad input.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/lib.sh"
cd "$WORK"
# the services find their planet in HOME/planet, as a user's would
pids=()
before_cleanup() {
	for h in svc svc2; do
		[ -s "$h/zerotier-one.pid" ] && kill "$(cat "$h/zerotier-one.pid")" 2>/dev/null
	done
}
PORT=$(pick_port)
"$ZTRUN" controller -p "$PORT" ctl 2>ctl.log &
pids+=($!)
# Its identity comes first: seconds on a loaded machine.
wait_for 120 "the controller's planet and port" test -s ctl/planet -a -s ctl/zerotier-one.port
NW=$("$ZTRUN" controller network create ctl --name walk --pool 10.78.0.0/24)
[ ${#NW} = 16 ] || fail "network create printed '$NW'"
"$ZTRUN" shim "$WORK/libztrun-preload.so" || fail "ztrun shim"
SHIM=$WORK/libztrun-preload.so
links_before=$(ip -o link show | cut -d: -f2 | sort)

# 1. The service, in the background: -d returns once identity and port exist.
mkdir -p svc && cp ctl/planet svc/planet
SPORT=$(pick_port)
env -u ZTRUN_PLANET "$ZTRUN" service -d -p "$SPORT" svc 2>svc.err || fail "service -d: $(cat svc.err)"
[ -s svc/identity.secret ] && [ -s svc/zerotier-one.port ] && [ -s svc/zerotier-one.pid ] ||
	fail "service -d returned before its identity and port existed"
[ "$(stat -c %a svc/authtoken.secret)" = 600 ] || fail "authtoken.secret is not 0600"
# the original's identity wait loop
while [ ! -f svc/identity.secret ]; do sleep 0.1; done
S=$(cut -d: -f1 svc/identity.public)
"$ZTRUN" controller member authorize ctl "$NW" "$S" >/dev/null
out=$("$ZTRUN" cli -D svc join "$NW") || fail "cli join: $out"
[ "$out" = "200 join OK" ] || fail "cli join printed '$out'"
line=
for _ in $(seq 200); do
	line=$("$ZTRUN" cli -D svc listnetworks | grep "^200 listnetworks $NW ") || true
	echo "$line" | grep -q " 10\.78\.0\." && break
	sleep 0.1
done
echo "$line" | grep -q "^200 listnetworks $NW walk [0-9a-f:]* OK PRIVATE $WORK/svc/nc_$NW 10\.78\.0\.[0-9]*/24$" ||
	fail "listnetworks line: '$line'"
S4=$(echo "$line" | grep -o '10\.78\.0\.[0-9]*')
[ -S "svc/nc_$NW" ] && [ "$(stat -c %a "svc/nc_$NW")" = 600 ] || fail "no 0600 socket svc/nc_$NW"
[ "$("$ZTRUN" cli -D svc get "$NW" ip4)" = "$S4" ] || fail "cli get ip4"
"$ZTRUN" cli -D svc info | grep -q "^200 info $S 1\.[0-9.]* ONLINE$" || fail "cli info: $("$ZTRUN" cli -D svc info)"

# 2. Any program, attached with the shim: python's http.server, fetched from another node.
mkdir -p www && echo "served by an attached process" >www/index.html
LD_PRELOAD=$SHIM ZT_NC_NETWORK=$WORK/svc/nc_$NW python3 -m http.server 8080 --directory www \
	>http.log 2>&1 &
web=$!
pids+=($web)
mkdir -p b
"$ZTRUN" idtool generate b/identity.secret b/identity.public >/dev/null
"$ZTRUN" controller member authorize ctl "$NW" "$(cut -d: -f1 b/identity.public)" >/dev/null
"$ZTRUN" --home b --planet ctl/planet --wait 30 "$NW" -- \
	curl -sS -m 20 --retry 5 --retry-connrefused "http://$S4:8080/" >fetch.out 2>b.log ||
	fail "fetch from another node: $(cat b.log)"
grep -q "served by an attached process" fetch.out || fail "fetched: $(cat fetch.out)"
# A config update (the network renamed on the controller) while another node holds a connection to an
# attached echo server: the connection carries data before and after the update.
LD_PRELOAD=$SHIM ZT_NC_NETWORK=$WORK/svc/nc_$NW python3 -c '
import socket
l = socket.create_server(("", 9000))
c, _ = l.accept()
for line in c.makefile("rb"):
    c.sendall(line)' >echo.log 2>&1 &
pids+=($!)
"$ZTRUN" --home b --planet ctl/planet --wait 30 "$NW" -- python3 -c '
import os, socket, sys, time
for _ in range(200):
    try:
        s = socket.create_connection((sys.argv[1], 9000), timeout=20); break
    except OSError: time.sleep(0.1)
f = s.makefile("rb")
s.sendall(b"before\n"); print(f.readline().decode().strip(), flush=True)
open("connected", "w").close()
while not os.path.exists("updated"): time.sleep(0.05)
s.sendall(b"after\n"); print(f.readline().decode().strip(), flush=True)' "$S4" >held.out 2>held.log &
held=$!
pids+=($held)
wait_for 60 "the held connection" test -e connected
curl -sS -m 10 -X POST -H "X-ZT1-Auth: $(cat ctl/authtoken.secret)" -d '{"name":"walked"}' \
	"http://127.0.0.1:$PORT/controller/network/$NW" >/dev/null || fail "renaming the network"
wait_for 60 "the service to take the update" sh -c "'$ZTRUN' cli -D svc listnetworks | grep -q '^200 listnetworks $NW walked '"
touch updated
wait "$held" || fail "the held connection's client failed: $(cat held.out held.log)"
[ "$(cat held.out)" = "$(printf 'before\nafter')" ] || fail "across the update the connection echoed '$(cat held.out)'"
assert_host_unreachable 8080
"$ZTRUN" cli -D svc peers | grep -q "^$(cut -c1-10 ctl/identity.public) .* PLANET " ||
	fail "cli peers shows no root: $("$ZTRUN" cli -D svc peers)"
[ "$(ip -o link show | cut -d: -f2 | sort)" = "$links_before" ] || fail "the host's interfaces changed"
# the shim without ZT_NC_NETWORK does nothing: host sockets as usual
HPORT=$(pick_port)
python3 -m http.server "$HPORT" --bind 127.0.0.1 --directory www >/dev/null 2>&1 &
plain=$!
pids+=($plain)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$HPORT") 2>/dev/null && break; sleep 0.05; done
LD_PRELOAD=$SHIM curl -sS -m 5 "http://127.0.0.1:$HPORT/" | grep -q "attached" ||
	fail "with LD_PRELOAD alone, curl did not reach the host's server"
kill $plain

# 3. The Docker pattern: networks.d/<nwid>.conf before the first start; its socket exists when -d returns.
mkdir -p svc2/networks.d && cp ctl/planet svc2/planet && touch "svc2/networks.d/$NW.conf"
touch svc2/networks.d/not-a-network.conf
env -u ZTRUN_PLANET "$ZTRUN" service -d -p 0 svc2 2>svc2.err || fail "service -d (Docker pattern): $(cat svc2.err)"
[ -S "svc2/nc_$NW" ] || fail "the socket of networks.d's network did not exist when -d returned"
grep -c "ignoring .*not-a-network.conf" svc2.err | grep -qx 1 || fail "no one warning: $(cat svc2.err)"
"$ZTRUN" cli -D svc2 listnetworks | grep -q "^200 listnetworks $NW " || fail "svc2 did not join"

# 4. Leave: the attached app's next socket call fails at once; the service keeps it left.
probe='import socket,sys,time
t=time.time()
try:
    socket.create_connection(("10.78.0.1",9),timeout=5); print("connected")
except OSError as e: print("errno", e.errno, round(time.time()-t,1))'
"$ZTRUN" cli -D svc2 leave "$NW" | grep -qx "200 leave OK" || fail "cli leave"
[ ! -e "svc2/nc_$NW" ] && [ ! -e "svc2/networks.d/$NW.conf" ] || fail "leave left the socket or the conf"
r=$(LD_PRELOAD=$SHIM ZT_NC_NETWORK=$WORK/svc2/nc_$NW timeout 10 python3 -c "$probe")
echo "$r" | grep -qE "^errno [0-9]+ 0\.[0-9]$" || fail "after leave: '$r'"
# 5. Stop: the attached http.server's socket calls fail at once (it is not left hanging).
kill "$(cat svc/zerotier-one.pid)"
for _ in $(seq 100); do [ -e "svc/nc_$NW" ] || break; sleep 0.05; done
[ ! -e "svc/nc_$NW" ] || fail "the stopped service left its socket"
r=$(LD_PRELOAD=$SHIM ZT_NC_NETWORK=$WORK/svc/nc_$NW timeout 10 python3 -c "$probe")
echo "$r" | grep -qE "^errno [0-9]+ 0\.[0-9]$" || fail "after stop: '$r'"

# 6. Bad input.
zt_rc() { set +e; "$@" >out 2>err; rc=$?; set -e; }
zt_rc "$ZTRUN" cli -D svc info
[ $rc = 1 ] && grep -q "no service runs on" err || fail "cli without a service: $rc $(cat err)"
zt_rc "$ZTRUN" service -p 0 svc2
[ $rc = 1 ] && grep -q "in use by process" err || fail "second service on a home: $rc $(cat err)"
zt_rc "$ZTRUN" cli -D svc2 join 12345
[ $rc = 2 ] && grep -q "invalid network id" out || fail "join of a malformed ID: $rc $(cat out err)"
# a crashed service's stale socket is replaced at the next start
"$ZTRUN" cli -D svc2 join "$NW" >/dev/null
for _ in $(seq 100); do [ -S "svc2/nc_$NW" ] && break; sleep 0.05; done
kill -9 "$(cat svc2/zerotier-one.pid)"
sleep 0.2
[ -S "svc2/nc_$NW" ] || fail "no stale socket after kill -9"
env -u ZTRUN_PLANET "$ZTRUN" service -d -p 0 svc2 2>svc2b.err || fail "restart after a crash: $(cat svc2b.err)"
r=$(LD_PRELOAD=$SHIM ZT_NC_NETWORK=$WORK/svc2/nc_$NW timeout 10 python3 -c 'import socket; socket.socket(); print("ok")')
[ "$r" = ok ] || fail "the restarted service does not serve its socket: $r"
echo "PASS service walk-through: $S at $S4 served http.server to another node"
