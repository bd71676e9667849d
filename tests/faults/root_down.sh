#!/bin/bash
# The root goes down while two members talk over a direct path: they keep talking. The controller
# (the planet's only root) is frozen (SIGSTOP: datagrams to it vanish, as when its host hangs or a
# link to it breaks) or killed; meanwhile a TCP connection opened before keeps carrying data both
# ways, and new connections keep being made, none failing. Then the root is back (SIGCONT, or
# started again on its home and port), and both still work.
# All traffic crosses lossy_relay.py (at no loss) so the test sees who talks to whom: before the
# outage a and b must be exchanging datagrams with each other, not through the root.
# usage: root_down.sh ZTRUN [OUTAGE_SECONDS [stop|kill]]  (default 8 s, stop; the "bench" run holds
# the root down 150 s, past the members' config refresh (60 s) and the time after which a node calls
# itself offline (120 s))
. "$(dirname "$0")/lib.sh"
OUTAGE=${2:-8}
HOW=${3:-stop}
cd "$T"
# A frozen controller would not heed the harness's SIGTERM.
before_cleanup() { [ -z "${PID[ctl]:-}" ] || kill -CONT "${PID[ctl]}" 2>/dev/null; }
RPORT=$(pick_port)
CPORT=$(pick_port)
python3 "$FAULTS_DIR/lossy_relay.py" "$RPORT" "$CPORT" --trace "$T/trace" >relay.out 2>relay.log &
pids+=($!)
wait_for 30 "the relay" grep -qs ready relay.out
start_controller --endpoint "127.0.0.1/$RPORT"
make_network rootdown 10.86.0.0/24
member a
member b
node a -- python3 "$FAULTS_DIR/talk.py" server 7000
A=$(joined_ip a)
node b -- python3 "$FAULTS_DIR/talk.py" client "$A" 7000
wait_for 90 "b to reach a" grep -qs '^held ok' b.log
PA=$(node_port a)
PB=$(node_port b)
# The relay's trace: a line a second, "TIME SRCPORT:DSTPORT=DATAGRAMS/BYTES ..." (real endpoints).
direct() { tail -1 trace | grep -q " $PA:$PB=" && tail -1 trace | grep -q " $PB:$PA="; }
wait_for 60 "a and b to talk directly" direct
count() { grep -c "^$1" b.log || true; }
more() { [ "$(count "$1")" -ge "$2" ]; }
wait_for 30 "three exchanges on new connections" more "new ok" 3

case $HOW in
stop) kill -STOP "${PID[ctl]}" ;;
kill) stop_controller ;;
*) fail "how to take the root down: stop or kill, not '$HOW'" ;;
esac
down=$(date +%s.%N)
until=$((SECONDS + OUTAGE))
while [ $SECONDS -lt $until ]; do
	kill -0 "${PID[a]}" && kill -0 "${PID[b]}" || fail "a member exited while the root was down"
	sleep 1
done
since() { awk -v t="$1" -v what="$2" '$3 > t && $1 " " $2 == what' b.log | wc -l; }
held_down=$(since "$down" "held ok")
new_down=$(since "$down" "new ok")
[ "$(since "$down" "held fail")$(since "$down" "new fail")" = 00 ] ||
	fail "b lost a while the root was down: $(awk -v t="$down" '$3 > t && $2 == "fail"' b.log | head -3)"
# At least half of the exchanges due (one each 0.2 s held, 0.5 s new): they went on, not just began.
[ "$held_down" -ge $((OUTAGE * 5 / 2)) ] && [ "$new_down" -ge "$OUTAGE" ] ||
	fail "only $held_down exchanges on the held connection and $new_down new connections in ${OUTAGE}s"
echo "root down ${OUTAGE}s ($HOW): $held_down exchanges on the connection held across, $new_down new connections, none failed"

case $HOW in
stop) kill -CONT "${PID[ctl]}" ;;
kill) start_controller --endpoint "127.0.0.1/$RPORT" ;;
esac
back=$(date +%s.%N)
mark=$(wc -l <trace)
# Back: both still work, and the root answers both members again.
wait_for 60 "exchanges after the root came back" \
	eval '[ "$(since "$back" "held ok")" -ge 10 ] && [ "$(since "$back" "new ok")" -ge 4 ]'
answers() { tail -n +$((mark + 1)) trace | grep -q " $CPORT:$PA=" && tail -n +$((mark + 1)) trace | grep -q " $CPORT:$PB="; }
wait_for 90 "the root to answer a and b again" answers
echo "the root answered both members again $(awk -v a="$(date +%s.%N)" -v b="$back" 'BEGIN {printf "%.1f", a - b}') s after it was back"
[ "$(since "$down" "held fail")$(since "$down" "new fail")" = 00 ] ||
	fail "b lost a after the root came back: $(awk -v t="$back" '$3 > t && $2 == "fail"' b.log | head -3)"
echo "PASS root down ${OUTAGE}s ($HOW) and back: $(count 'held ok') exchanges on one connection, $(count 'new ok') new connections, none failed"
