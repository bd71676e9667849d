#!/bin/bash
# Three ztrun nodes on ztrun's controller: a server and two clients that fetch from it every 0.3 s.
# One client is deauthorized: it loses access to the server at once (the controller revokes its
# certificate at every online member), well within the certificate window, while the other carries
# on. A config change (a new route) reaches the running members.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/lib.sh"
PORT=$(pick_port)
cd "$WORK"
a= b= c=
"$ZTRUN" controller -p "$PORT" ctl 2>ctl.log &
ctl=$!
pids+=("$ctl")
# The controller makes its identity first: seconds on a loaded machine. Wait while it lives.
until [ -s ctl/planet ] && [ -s ctl/zerotier-one.port ]; do
	kill -0 $ctl 2>/dev/null || fail "the controller exited at start: $(cat ctl.log)"
	sleep 0.05
done
NW=$("$ZTRUN" controller network create ctl --name deauth --pool 10.78.0.0/24)
for n in a b c; do
	mkdir -p $n
	"$ZTRUN" idtool generate $n/identity.secret $n/identity.public >/dev/null
	"$ZTRUN" controller member authorize ctl "$NW" "$(cut -d: -f1 $n/identity.public)" >/dev/null
done
mkdir -p www && echo "still a member" >www/index.html
"$ZTRUN" --home a --planet ctl/planet "$NW" -- python3 -m http.server 8080 --directory www >a.log 2>&1 &
a=$!
pids+=("$a")
wait_for 60 "the server node to join" grep -q "joined" a.log
IP=$(grep -o '10\.78\.0\.[0-9]*' a.log | head -1)
[ -n "$IP" ] || fail "server never joined: $(cat a.log)"
# A client: one line per attempt, "ok" or "fail", for as long as it runs.
client='while :; do if curl -s -m 1 http://'"$IP"':8080/ | grep -q member; then echo ok; else echo fail; fi; sleep 0.3; done'
"$ZTRUN" --home b --planet ctl/planet "$NW" -- bash -c "$client" >b.out 2>b.log &
b=$!
pids+=("$b")
"$ZTRUN" --home c --planet ctl/planet "$NW" -- bash -c "$client" >c.out 2>c.log &
c=$!
pids+=("$c")
for _ in $(seq 300); do [ "$(grep -c ok b.out)" -ge 3 ] && [ "$(grep -c ok c.out)" -ge 3 ] && break; sleep 0.1; done
[ "$(grep -c ok b.out)" -ge 3 ] && [ "$(grep -c ok c.out)" -ge 3 ] || fail "clients never reached the server"

"$ZTRUN" controller member deauthorize ctl "$NW" "$(cut -d: -f1 b/identity.public)" >/dev/null
mark_b=$(wc -l <b.out)
mark_c=$(wc -l <c.out)
# After the revocation every attempt of b fails (the one under way at the moment may still succeed);
# each takes at most curl's 1 s timeout, which works because the app's socket stays unwritable until
# its handshake ends, as on a kernel. Three of them: a few seconds, more on a loaded machine. c never
# stopped succeeding.
b_tried_thrice() { [ "$(tail -n +"$((mark_b + 2))" b.out | wc -l)" -ge 3 ]; }
wait_for 60 "three attempts of b after deauthorization" b_tried_thrice
after_b=$(tail -n +"$((mark_b + 2))" b.out)
echo "$after_b" | grep -q ok && fail "deauthorized b still reaches the server: $(echo $after_b)"
tail -n +"$mark_c" c.out | grep -q fail && fail "c lost access too: $(tail -n +"$mark_c" c.out | tr '\n' ' ')"

# A new route reaches the running members' configs (their stored copy changes).
before=$(md5sum <c/networks.d/$NW.conf)
curl -sf -H "X-ZT1-Auth: $(cat ctl/authtoken.secret)" -X POST "http://127.0.0.1:$PORT/controller/network/$NW" \
	-d '{"routes":[{"target":"10.78.0.0/24","via":null},{"target":"10.79.0.0/16","via":"10.78.0.1"}]}' >/dev/null ||
	fail "route change refused"
for _ in $(seq 100); do [ "$(md5sum <c/networks.d/$NW.conf)" != "$before" ] && break; sleep 0.1; done
[ "$(md5sum <c/networks.d/$NW.conf)" != "$before" ] || fail "the new route did not reach the running member"
echo "PASS deauthorized member cut off within the certificate window; the others carry on; config pushed"
