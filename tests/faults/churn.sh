#!/bin/bash
# Many short TCP connections through two ztrun nodes: a client node opens, uses and closes them one
# after another against httpstub on a server node. Both ztrun processes' fd counts and resident
# memory, sampled after a warm-up and again at the end, stay flat: nothing leaks per connection.
# usage: churn.sh ZTRUN HTTPSTUB [COUNT]  (default 1000; the "bench" run churns 10,000)
. "$(dirname "$0")/lib.sh"
STUB=$(realpath "${2:?usage: $0 ZTRUN HTTPSTUB [COUNT]}")
COUNT=${3:-1000}
WARM=$((COUNT / 10 > 200 ? 200 : COUNT / 10))
cd "$T"
start_controller
make_network churn 10.86.0.0/24
member a
member b
node a -- "$STUB" -m churn 8080
A=$(joined_ip a)
mkdir marks
node b -- python3 "$FAULTS_DIR/churn_client.py" "$A" 8080 "$WARM" "$COUNT" "$T/marks"
at_mark() { [ -e "marks/$1" ] || { kill -0 "${PID[b]}" 2>/dev/null || fail "the client ended early: $(tail -5 b.log)"; false; }; }
wait_for 120 "$WARM warm-up connections" at_mark warm
read -r fa ra <<<"$(fds_rss "${PID[a]}")"
read -r fb rb <<<"$(fds_rss "${PID[b]}")"
touch marks/go-warm
wait_for $((COUNT / 10 + 120)) "$COUNT connections" at_mark done
read -r fa2 ra2 <<<"$(fds_rss "${PID[a]}")"
read -r fb2 rb2 <<<"$(fds_rss "${PID[b]}")"
touch marks/go-done
wait "${PID[b]}" || fail "the client failed: $(tail -5 b.log)"
served=$(grep -c '^GET /c[0-9]* 200' a.log || true)
[ "$served" = $((WARM + COUNT)) ] || fail "the server answered $served requests of $((WARM + COUNT))"
echo "$(grep connections b.log); server ztrun: fds $fa -> $fa2, RSS $ra -> $ra2 KiB; client ztrun: fds $fb -> $fb2, RSS $rb -> $rb2 KiB"
# Flat: the same fds (a socket the moment of sampling may hold, give or take), and memory within 2 MiB.
for x in "a $fa $fa2 $ra $ra2" "b $fb $fb2 $rb $rb2"; do
	read -r n f1 f2 r1 r2 <<<"$x"
	[ $((f2 - f1)) -le 2 ] || fail "node $n's ztrun holds $((f2 - f1)) more fds after $COUNT connections"
	[ -n "${ZTRUN_SANITIZED:-}" ] || [ $((r2 - r1)) -le 2048 ] ||
		fail "node $n's ztrun grew by $((r2 - r1)) KiB over $COUNT connections"
done
if [ -n "${ZTRUN_SANITIZED:-}" ]; then
	echo "PASS $COUNT connections churned; fds flat on both nodes (RSS not judged: a sanitizer's build)"
else
	echo "PASS $COUNT connections churned; fds and RSS flat on both nodes"
fi
