#!/bin/bash
# A member restarted on another UDP port is reached again by a peer that kept running, within 10 s of
# being back: a server node s and a client node c that fetches from it every 0.2 s over a direct path;
# s is stopped and started again with the same identity on a new port (its old port now silent).
# c's node notices the quiet path, goes through the root, which knows s's new port, and takes the new
# direct path. Without that, c kept sending to the dead port for 45 s or more.
. "$(dirname "$0")/lib.sh"
cd "$T"
start_controller
make_network restart 10.82.0.0/24
member s
member c
mkdir www && head -c 200000 /dev/urandom >www/blob
SUM=$(sha256sum <www/blob)
node s --port "$(pick_port)" -- python3 -m http.server 8080 --directory www
S=$(joined_ip s)
OLD=$(node_port s)
# One line per attempt, "ok TIME" or "fail TIME" (seconds since the epoch), whole body checked.
node c -- bash -c "while :; do
	if [ \"\$(curl -s -m 2 http://$S:8080/blob | sha256sum)\" = '$SUM' ]; then r=ok; else r=fail; fi
	echo \$r \$(date +%s.%N); sleep 0.2; done"
wait_for 90 "c to reach s" grep -q '^ok' c.log

kill "${PID[s]}"
wait "${PID[s]}" 2>/dev/null || true
until [ "$(tail -1 c.log | cut -d' ' -f1)" = fail ]; do sleep 0.1; done # c noticed
NEW=$(pick_port)
node s --port "$NEW" -- python3 -m http.server 8080 --directory www
[ "$(joined_ip s)" = "$S" ] || fail "s came back with another address"
[ "$(node_port s)" = "$NEW" ] && [ "$NEW" != "$OLD" ] || fail "s is not on its new port $NEW (was $OLD)"
back=$(date +%s.%N)
wait_for 60 "c to reach s again" awk -v t="$back" '$1 == "ok" && $2 > t {f=1} END {exit !f}' c.log
first=$(awk -v t="$back" '$1 == "ok" && $2 > t {print $2; exit}' c.log)
took=$(awk -v a="$first" -v b="$back" 'BEGIN {printf "%.1f", a - b}')
echo "s back on port $NEW (was $OLD); c reached it again after ${took}s"
awk -v t="$took" 'BEGIN {exit !(t <= 10)}' || fail "c reached s again only after ${took}s (bound: 10 s)"
# And keeps reaching it: the next attempts all succeed.
n=$(wc -l <c.log)
attempts_since() { [ "$(wc -l <c.log)" -ge $(($1 + 5)) ]; }
wait_for 30 "five more attempts" attempts_since "$n"
tail -n +$((n + 1)) c.log | grep -q '^fail' && fail "c lost s again: $(tail -n +$((n + 1)) c.log | tr '\n' ' ')"
echo "PASS peer restarted on a new port reached again in ${took}s"
