#!/bin/bash
# Join tokens on a whole private network on loopback (our controller, its planet): ten ztrun nodes started
# at once with one token of ten uses (through ZTRUN_JOIN_TOKEN, --join-token and --join-token-file) all join
# and get addresses with no manual authorization; an eleventh, an expired, a revoked and a wrong token are
# refused as an unauthorized member is, and counted; a node without a token still waits for an operator.
# The token shows in no log at -vv, no stored file, not in COMMAND's environment, and not in ztrun's own
# command line or environment once it started. Revoking lets the members it let in stay. Tokens and their
# counts survive a restart of the controller.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/lib.sh"
PORT=$(pick_port)
cd "$WORK"
start() {
	"$ZTRUN" controller -vv -p "$PORT" ctl 2>>ctl.log &
	ctl=$!
	pids+=("$ctl")
	until [ -s ctl/planet ] && [ -s ctl/zerotier-one.port ] && [ -s ctl/zerotier-one.pid ] &&
		[ "$(cat ctl/zerotier-one.pid)" = "$ctl" ]; do
		kill -0 $ctl 2>/dev/null || fail "the controller exited at start: $(cat ctl.log)"
		sleep 0.05
	done
}
start
NW=$("$ZTRUN" controller network create ctl --name tokens --pool 10.78.0.0/24)
[ ${#NW} = 16 ] || fail "network create printed '$NW'"
ctl() { "$ZTRUN" controller "$@" 2>>ctl-cli.log; }
TOK=$(ctl token create ctl "$NW" --uses 10 --name fleet)
[[ "$TOK" =~ ^ztjt1\.$NW\.[A-Za-z0-9_-]{43}$ ]] || fail "token create printed '$TOK'"
secrets=("${TOK##*.}")
printf '%s\n' "$TOK" >fleet.token
chmod 600 fleet.token

# node I ARGS...: a ztrun node in the background at -vv, its log in nI.log; COMMAND writes its own
# environment (as it sees it, and as /proc shows it) and waits for the file `release`.
node() {
	local i=$1
	shift
	"$ZTRUN" -vv --home "n$i" --planet ctl/planet "$@" "$NW" -- sh -c \
		'env >env'"$i"'; tr "\0" "\n" </proc/$$/environ >procenv'"$i"'; echo $$ >cmd'"$i"'.pid
		 while [ ! -e release ]; do sleep 0.05; done' >"n$i.log" 2>&1 &
	eval "pid$i=$!"
	pids+=($!)
}
for i in 1 2 3 4; do ZTRUN_JOIN_TOKEN=$TOK node $i --wait 120; done
for i in 5 6 7; do node $i --wait 120 --join-token "$TOK"; done
for i in 8 9 10; do node $i --wait 120 --join-token-file fleet.token; done
for i in $(seq 10); do
	wait_for 150 "node $i to join" grep -q "joined $NW as node" "n$i.log"
done
# While they run: neither ztrun's command line nor its environment holds the token any more, nor does
# COMMAND's environment.
for i in 1 5; do
	p=pid$i
	wait_for 10 "command $i" test -s "cmd$i.pid"
	for f in "/proc/${!p}/cmdline" "/proc/${!p}/environ" "/proc/$(cat "cmd$i.pid")/environ"; do
		! tr '\0' '\n' <"$f" | grep -qF "${secrets[0]}" || fail "the token is in $f"
	done
done
touch release
for i in $(seq 10); do
	p=pid$i
	wait "${!p}" || fail "node $i failed: $(cat "n$i.log")"
	! grep -q "ZTRUN_JOIN_TOKEN" "env$i" "procenv$i" || fail "COMMAND $i got ZTRUN_JOIN_TOKEN"
done
addrs=$(grep -ho "joined $NW as node [0-9a-f]*: 10\.78\.0\.[0-9]*/24" n{1..10}.log | sort -u)
[ "$(echo "$addrs" | wc -l)" = 10 ] || fail "not ten members with addresses: $addrs"
[ "$(echo "$addrs" | awk '{print $NF}' | sort -u | wc -l)" = 10 ] || fail "addresses collide: $addrs"

# The records: ten uses, who used it, and each member says which token let it in.
ctl token list -j ctl "$NW" >list.json
expect_json list.json "[t for t in j['data'] if t['name'] == 'fleet'][0]['useCount'] == 10" "ten uses"
expect_json list.json "[t for t in j['data'] if t['name'] == 'fleet'][0]['state'] == 'used up'" "used up"
used=$(json list.json "' '.join(sorted(u['address'] for u in j['data'][0]['usedBy']))")
[ "$used" = "$(echo "$addrs" | awk '{print $5}' | tr -d : | sort | xargs)" ] || fail "usedBy: $used / $addrs"
M1=$(echo "$addrs" | head -1 | awk '{print $5}' | tr -d :)
ctl member show -j ctl "$NW" "$M1" >m1.json
expect_json m1.json "j['authorized'] and j['lastAuthorizedCredentialType'] == 'joinToken' and \
j['lastAuthorizedCredential'] == 'fleet'" "the member records its token"

# Refused: an eleventh use, an expired token, a revoked one, a wrong one; and no token at all.
ctl token create ctl "$NW" --name short --expires 1s >short.token
ctl token create ctl "$NW" --name gone >gone.token
ctl token revoke ctl "$NW" gone
secrets+=("$(sed 's/.*\.//' short.token)" "$(sed 's/.*\.//' gone.token)")
wait_for 10 "the short token to expire" sh -c \
	"'$ZTRUN' controller token list ctl $NW | grep -q '^short  expired '"
WRONG="ztjt1.$NW.$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | head -c 43)"
ZTRUN_JOIN_TOKEN=$TOK node 11 --wait 120
ZTRUN_JOIN_TOKEN=$(cat short.token) node 12 --wait 120
ZTRUN_JOIN_TOKEN=$(cat gone.token) node 13 --wait 120
ZTRUN_JOIN_TOKEN=$WRONG node 14 --wait 120
node 15 --wait 120
# Each is told what an unauthorized member is told (ERROR NETWORK_ACCESS_DENIED), and waits.
for i in 11 12 13 14 15; do
	wait_for 120 "node $i to be refused" grep -q "joining $NW as node .* waiting for authorization" "n$i.log"
done
for i in 11 12 13 14; do
	p=pid$i
	kill "${!p}"
	rc=0
	wait "${!p}" || rc=$?
	[ "$rc" = 143 ] && ! grep -q "joined $NW" "n$i.log" || fail "node $i: status $rc: $(cat "n$i.log")"
done
ctl token list -j ctl "$NW" >list.json
for t in fleet short gone; do
	expect_json list.json "[t for t in j['data'] if t['name'] == '$t'][0]['refusedCount'] >= 1" "$t: refusals counted"
done
expect_json list.json "j['meta']['refusedUnknownToken'] >= 1" "the wrong token counted"
# The one without a token waits for an operator, who lets it in.
wait_for 120 "node 15 to wait" grep -q "waiting for authorization" n15.log
ctl member authorize ctl "$NW" "$(cut -c1-10 n15/identity.public)"
wait_for 60 "node 15 to join" grep -q "joined $NW" n15.log

# Revoking the token lets its members stay.
ctl token revoke ctl "$NW" fleet
ctl member show -j ctl "$NW" "$M1" >m1.json
expect_json m1.json "j['authorized']" "revoking a token deauthorized its member"

# A restart keeps tokens and counts: a token made while the controller is down works afterwards, and the
# counts are those from before.
ctl token list -j ctl "$NW" >before.json
kill "$ctl"
wait "$ctl" || fail "the controller did not stop cleanly"
LATER=$(ctl token create ctl "$NW" --name later)
secrets+=("${LATER##*.}")
start
ctl token list -j ctl "$NW" >after.json
python3 - before.json after.json <<'PY' || fail "the tokens after a restart: $(cat before.json after.json)"
import json, sys
keep = lambda t: (t["name"], t["useCount"], t["refusedCount"], t["state"], t["usedBy"], t["expires"])
before, after = (json.load(open(f))["data"] for f in sys.argv[1:])
assert [keep(t) for t in after if t["name"] != "later"] == [keep(t) for t in before], "changed"
assert [t["state"] for t in after if t["name"] == "later"] == ["active"], "later"
PY
ZTRUN_JOIN_TOKEN=$LATER "$ZTRUN" -vv --home n16 --planet ctl/planet --wait 120 "$NW" -- true >n16.log 2>&1 ||
	fail "the token made while the controller was down: $(cat n16.log)"

# The token's secret is nowhere: not in a log at -vv, not in what the controller stores.
for s in "${secrets[@]}"; do
	! grep -rlF "$s" ./*.log ctl/controller.d || fail "a token's secret is in $(grep -rlF "$s" ./*.log ctl/controller.d)"
done
echo "PASS join tokens: ten nodes let in by one token, four refused, counts kept across a restart"
