#!/bin/bash
# The controller (also the planet's only root) goes down and comes back. While it is down, two
# members that talk directly keep talking on their stored config (a client fetching every 0.3 s never
# fails); a new member, authorized on the controller's files meanwhile, cannot join and says why in
# one line. When it is back (same home, same port), the new member joins. (A change made after the
# restart reaches the running members at their next refresh: controller_restart_change.sh, "bench".)
# usage: controller_down.sh ZTRUN [OUTAGE_SECONDS]  (default 8; the "bench" run holds it down 150 s,
# past the members' config refresh (60 s) and the time after which a node calls itself offline (120 s))
. "$(dirname "$0")/lib.sh"
OUTAGE=${2:-8}
cd "$T"
start_controller
make_network down 10.83.0.0/24
member a
member b
mkdir www && echo "still here" >www/index.html
node a -- python3 -m http.server 8080 --directory www
A=$(joined_ip a)
node b -- bash -c "while :; do
	if curl -s -m 2 http://$A:8080/ | grep -q 'still here'; then r=ok; else r=fail; fi
	echo \$r \$(date +%s.%N); sleep 0.3; done"
wait_for 90 "b to reach a" grep -q '^ok' b.log
oks() { grep -c '^ok' b.log || true; }
more_oks() { [ "$(oks)" -ge "$1" ]; }
wait_for 30 "three fetches" more_oks 3

stop_controller
down=$(date +%s.%N)
# A new member, authorized on the files while the controller is down, cannot join.
member n
zt --home "$T/n" --planet ctl/planet --wait 6 "$NW" -- true
expect_rc 125 "a new member while the controller is down"
expect_err "^ztrun: cannot join $NW: no root of its planet answers after 6 s" "a new member while the controller is down"
echo "new member while down: $(grep -v 'waiting for' "$T/err")"
sleep_until=$((SECONDS + OUTAGE))
while [ $SECONDS -lt $sleep_until ]; do
	kill -0 "${PID[a]}" && kill -0 "${PID[b]}" || fail "a member exited while the controller was down"
	sleep 1
done
n_down=$(awk -v t="$down" '$2 > t' b.log | wc -l)
awk -v t="$down" '$2 > t && $1 == "fail"' b.log | grep -q . &&
	fail "b lost a while the controller was down: $(awk -v t="$down" '$2 > t' b.log | sort | uniq -c -w4)"
[ "$n_down" -ge $((OUTAGE * 2)) ] || fail "b made only $n_down fetches in ${OUTAGE}s"

start_controller
up=$SECONDS
zt --home "$T/n" --planet ctl/planet --wait 60 "$NW" -- true
expect_ok "the new member once the controller is back"
echo "new member joined $((SECONDS - up)) s after the controller came back"
# Fetches before b first reached a (while the two were still finding each other) do not count.
awk '$1 == "ok" { up = 1 } up && $1 == "fail"' b.log | grep -q . &&
	fail "b failed a fetch after it first reached a: $(uniq -c -w4 b.log)"
echo "PASS controller down ${OUTAGE}s: $n_down fetches, none failed; a new member refused, then joined"
