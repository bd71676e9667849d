#!/bin/bash
# Members over the wire: real VL1+VL2 members (ztrun_test_ctl_member) on loopback, given the planet the
# controller made, join its network. Refused until authorized, then served at once (a push); pool
# addresses do not collide; an address set before a member ever asked is what it gets; a config change
# reaches running members; an unknown network is NOT_FOUND; a restarted controller serves new members
# and what it stored.
set -eu
ZTRUN=$1
MEMBER=$2
. "$(dirname "$0")/../../common/lib.sh"
. "$(dirname "$0")/controller.sh"

H=$T/ctl
PORT=$(pick_port)
start_ctl "$H" "$PORT"
zt controller network create "$H" --name members --pool 10.147.20.0/24
expect_ok_quiet "network create"
NWID=$(cat "$T/out")

# start_member NAME [NWID] [IDENTITY]: a member in the background, its lines in $T/NAME.out
start_member() {
	"$MEMBER" "$H/planet" "${2:-$NWID}" ${3:+"$3"} >"$T/$1.out" 2>"$T/$1.log" &
	pids+=($!)
	eval "pid_$1=$!"
	# A new identity takes a moment (memory-hard), much longer in the sanitizer build under load: wait
	# while the member lives (up to 2 minutes) rather than a fixed few seconds.
	for _ in $(seq 2400); do
		grep -q "^address " "$T/$1.out" || ! kill -0 "$!" 2>/dev/null && break
		sleep 0.05
	done
	grep -q "^address " "$T/$1.out" || fail "member $1 did not start: $(cat "$T/$1.log")"
}
# wait_line NAME REGEX [SECONDS]: until the member's latest line about the network matches
wait_line() {
	for _ in $(seq $((${3:-15} * 20))); do
		grep '^network ' "$T/$1.out" | tail -1 | grep -qE "$2" && return 0
		sleep 0.05
	done
	fail "member $1: no line matching '$2'; got: $(cat "$T/$1.out")"
}
addr_of() { awk '/^address /{print $2}' "$T/$1.out"; }
ipv4_of() { grep '^network ' "$T/$1.out" | tail -1 | sed -E 's/.* ips ([^ ]*) .*/\1/' | tr ',' '\n' | grep -E '^10\.' | head -1; }

# Refused until authorized; then the config arrives without waiting for the member's next request.
start_member m1
M1=$(addr_of m1)
wait_line m1 " ACCESS_DENIED "
api GET "/controller/network/$NWID/member/$M1"
expect_status 200 "a refused member is recorded"
expect_json "$T/body" "j['authorized'] is False and j['identity'].startswith('$M1:')" \
	"refused member: its identity is pinned"
t0=$(date +%s%N)
zt controller member authorize "$H" "$NWID" "$M1"
expect_ok_quiet "authorize m1"
wait_line m1 " OK rev [0-9]+ ips 10\.147\.20\.[0-9]+/24 routes 10\.147\.20\.0/24$" 5
[ $((($(date +%s%N) - t0) / 1000000)) -lt 4000 ] || fail "the authorization took longer than a push"
IP1=$(ipv4_of m1)
api GET "/controller/network/$NWID/member/$M1"
expect_json "$T/body" "j['ipAssignments'] == ['${IP1%/*}']" "the pool address is stored as the member's"

# A second member authorized with a fixed address before it ever asked gets exactly that.
"$ZTRUN" idtool generate "$T/m2.secret" "$T/m2.public" >/dev/null
M2=$(cut -c1-10 "$T/m2.public")
zt controller member authorize "$H" "$NWID" "$M2"
zt controller member set-ip "$H" "$NWID" "$M2" 10.147.20.200
expect_ok_quiet "set-ip before the member exists"
start_member m2 "$NWID" "$T/m2.secret"
[ "$(addr_of m2)" = "$M2" ] || fail "member m2 did not use its identity"
wait_line m2 " OK rev [0-9]+ ips 10\.147\.20\.200/24 "

# A third from the pool: no collision with the others.
start_member m3
M3=$(addr_of m3)
wait_line m3 " ACCESS_DENIED "
api POST "/controller/network/$NWID/member/$M3" '{"authorized":true}'
expect_status 200 "authorize m3 through the API"
wait_line m3 " OK rev [0-9]+ ips 10\.147\.20\.[0-9]+/24 " 5
IP3=$(ipv4_of m3)
[ "$IP3" != "$IP1" ] && [ "${IP3%/*}" != 10.147.20.200 ] || fail "pool collision: m1 $IP1, m2 .200, m3 $IP3"

# A config change (a new route) reaches every running member.
api POST "/controller/network/$NWID" '{"routes":[{"target":"10.147.20.0/24","via":null},{"target":"10.99.0.0/16","via":"10.147.20.1"}]}'
expect_status 200 "add a route"
for m in m1 m2 m3; do
	wait_line "$m" " OK .* routes 10\.147\.20\.0/24,10\.99\.0\.0/16$" 5
done

# A network the controller does not have.
start_member nf "${CTL}ffffff"
wait_line nf " NOT_FOUND "

# The controller restarts: what it stored is served to a member that starts now.
stop_ctl
: >"$T/ctl.log"
start_ctl "$H" "$PORT"
kill "$pid_m2"
start_member m2b "$NWID" "$T/m2.secret"
wait_line m2b " OK rev [0-9]+ ips 10\.147\.20\.200/24 routes 10\.147\.20\.0/24,10\.99\.0\.0/16$"
api GET /controller
expect_status 200 "controller after restart"
echo ok
