#!/bin/bash
# The controller daemon and its HTTP API as stock tools use it (spec §10.2): the files it makes at first
# start, the token, networks and members created with curl, the JSON fields of stock's examples, refused
# requests that change nothing, and SIGTERM.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"
. "$(dirname "$0")/controller.sh"

H=$T/ctl
PORT=$(pick_port)
start_ctl "$H" "$PORT"

# First start: identity, planet naming us as its only root, its key, the token, port and pid files.
for f in identity.secret identity.public planet planet.key authtoken.secret zerotier-one.port zerotier-one.pid; do
	[ -s "$H/$f" ] || fail "no $f after first start"
done
for f in identity.secret planet.key authtoken.secret; do
	[ "$(stat -c %a "$H/$f")" = 600 ] || fail "$f is mode $(stat -c %a "$H/$f"), expected 600"
done
[[ "$TOKEN" =~ ^[a-z0-9]{24}$ ]] || fail "token '$TOKEN' is not 24 characters of [a-z0-9] as stock's"
[ "$(cat "$H/zerotier-one.port")" = "$PORT" ] || fail "zerotier-one.port is not $PORT"
[ "$(cat "$H/zerotier-one.pid")" = "$ctl_pid" ] || fail "zerotier-one.pid is not the controller's pid"
"$ZTRUN" planet show -j "$H/planet" >"$T/planet.json" || fail "the planet does not read back"
expect_json "$T/planet.json" "len(j['roots']) == 1 and j['roots'][0]['identity'].startswith('$CTL:')" \
	"planet names the controller as its only root"
expect_json "$T/planet.json" "j['roots'][0]['stableEndpoints'] == ['127.0.0.1/$PORT']" "planet endpoint"

# The token: required on every path, in any of stock's three forms.
status=$(curl -s -o "$T/body" -w '%{http_code}' "http://127.0.0.1:$PORT/controller")
expect_status 401 "GET /controller without token"
expect_json "$T/body" "'authtoken.secret' in j['error']" "401 names the token file"
status=$(curl -s -o "$T/body" -w '%{http_code}' -H "X-ZT1-Auth: nope" "http://127.0.0.1:$PORT/controller/network")
expect_status 401 "wrong token"
status=$(curl -s -o "$T/body" -w '%{http_code}' "http://127.0.0.1:$PORT/nothing")
expect_status 401 "unknown path without token"
api GET /controller
expect_status 200 "GET /controller"
expect_json "$T/body" "j['controller'] is True and j['apiVersion'] == 4 and j['databaseReady'] is True" "/controller"
expect_json "$T/body" "isinstance(j['clock'], int) and abs(j['clock'] / 1000 - $(date +%s)) < 60" "/controller clock"
status=$(curl -s -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/controller")
expect_status 200 "Bearer token"
status=$(curl -s -o "$T/body" -w '%{http_code}' "http://127.0.0.1:$PORT/controller?auth=$TOKEN")
expect_status 200 "?auth= token"
api GET /status
expect_status 200 "GET /status"
expect_json "$T/body" "j['address'] == '$CTL' and j['version'] == '1.14.1'" "/status"
api GET /nothing
expect_status 404 "unknown path"

# Networks, as the spec's typical test setup makes them.
api GET /controller/network
expect_status 200 "empty list"
expect_json "$T/body" "j == []" "no networks yet"
api POST "/controller/network/${CTL}______" '{"name":"t","private":true,"v4AssignMode":{"zt":true},
  "ipAssignmentPools":[{"ipRangeStart":"10.147.20.1","ipRangeEnd":"10.147.20.254"}],
  "routes":[{"target":"10.147.20.0/24","via":null}]}'
expect_status 200 "POST /controller/network/${CTL}______"
NWID=$(json "$T/body" "j['id']")
[[ "$NWID" =~ ^${CTL}[0-9a-f]{6}$ ]] || fail "network ID '$NWID' is not the controller's address + 6 hex digits"
cp "$T/body" "$T/net.json"
expect_json "$T/net.json" "j['nwid'] == j['id'] and j['objtype'] == 'network' and j['name'] == 't'" "network ids"
expect_json "$T/net.json" "j['private'] is True and j['enableBroadcast'] is True and j['multicastLimit'] == 32 \
	and j['mtu'] == 2800" "network defaults"
expect_json "$T/net.json" "j['v4AssignMode'] == {'zt': True} and j['v6AssignMode'] == \
	{'zt': False, 'rfc4193': False, '6plane': False}" "assign modes"
expect_json "$T/net.json" "j['ipAssignmentPools'] == [{'ipRangeStart': '10.147.20.1', 'ipRangeEnd': '10.147.20.254'}]" \
	"pools"
expect_json "$T/net.json" "j['routes'] == [{'target': '10.147.20.0/24', 'via': None}]" "routes"
expect_json "$T/net.json" "j['rules'] == [{'type': 'ACTION_ACCEPT'}] and j['capabilities'] == [] and j['tags'] == []" \
	"rules, capabilities, tags"
expect_json "$T/net.json" "isinstance(j['revision'], int) and isinstance(j['creationTime'], int)" "revision, time"
[ -s "$H/controller.d/network/$NWID.json" ] || fail "no controller.d/network/$NWID.json"
api POST /controller/network '{"name":"second"}'
expect_status 200 "POST /controller/network"
NWID2=$(json "$T/body" "j['id']")
[[ "$NWID2" =~ ^${CTL}[0-9a-f]{6}$ ]] && [ "$NWID2" != "$NWID" ] || fail "second network ID '$NWID2'"
api GET /controller/network
expect_json "$T/body" "sorted(j) == sorted(['$NWID', '$NWID2'])" "network list"
api GET "/controller/network/$NWID"
expect_status 200 "GET network"
expect_json "$T/body" "j['name'] == 't' and j['routes'] == [{'target': '10.147.20.0/24', 'via': None}]" "GET network"
# omitted fields keep their value
api POST "/controller/network/$NWID" '{"multicastLimit":64}'
expect_status 200 "update network"
expect_json "$T/body" "j['multicastLimit'] == 64 and j['name'] == 't' and j['revision'] > $(json "$T/net.json" "j['revision']")" \
	"update keeps other fields and bumps the revision"
api GET "/controller/network/${CTL}abcdef"
[ "$NWID" = "${CTL}abcdef" ] || expect_status 404 "unknown network"

# Members: authorized before they ever ask, with stock's fields.
M=abcdef0123
api POST "/controller/network/$NWID/member/$M" '{"authorized":true}'
expect_status 200 "authorize a member"
cp "$T/body" "$T/member.json"
expect_json "$T/member.json" "j['id'] == '$M' and j['address'] == '$M' and j['nwid'] == '$NWID' and j['objtype'] == 'member'" \
	"member ids"
expect_json "$T/member.json" "j['authorized'] is True and j['activeBridge'] is False and j['noAutoAssignIps'] is False" \
	"member flags"
expect_json "$T/member.json" "j['ipAssignments'] == [] and j['tags'] == [] and j['capabilities'] == []" "member lists"
expect_json "$T/member.json" "j['vMajor'] == -1 and j['vMinor'] == -1 and j['vRev'] == -1 and j['vProto'] == -1" \
	"versions unknown until the member asks"
expect_json "$T/member.json" "j['lastAuthorizedTime'] > 0 and j['lastAuthorizedCredentialType'] == 'api'" \
	"authorization recorded"
[ -s "$H/controller.d/network/$NWID/member/$M.json" ] || fail "no member file"
api POST "/controller/network/$NWID/member/$M" '{"ipAssignments":["10.147.20.9"],"name":"m1"}'
expect_status 200 "set member IPs"
expect_json "$T/body" "j['ipAssignments'] == ['10.147.20.9'] and j['name'] == 'm1' and j['authorized'] is True" \
	"member update keeps authorization"
api GET "/controller/network/$NWID/member"
expect_status 200 "member list"
expect_json "$T/body" "list(j) == ['$M'] and isinstance(j['$M'], int)" "member list is {address: revision}"
api GET "/unstable/controller/network/$NWID/member"
expect_status 200 "unstable member list"
expect_json "$T/body" "j['data'][0]['id'] == '$M' and 'meta' in j" "unstable listing"
api GET "/controller/network/$NWID/member/0000000001"
expect_status 404 "unknown member"

# Refused requests change nothing, on disk or in what the API says.
before=$(store_digest "$H")
api GET "/controller/network/$NWID"
cp "$T/body" "$T/before.json"
for body in 'not json' '[1,2]' '{"private":"yes"}' '{"mtu":"big"}' '{"multicastLimit":-5}' \
	'{"ipAssignmentPools":[{"ipRangeStart":"nope","ipRangeEnd":"10.0.0.1"}]}' '{"routes":[{"target":"300.1.1.1/24"}]}' \
	'{"name":5}' '{"v4AssignMode":true}' '{"rules":[{"type":"ACTION_BOGUS"}]}'; do
	api POST "/controller/network/$NWID" "$body"
	expect_status 400 "network body $body"
	expect_json "$T/body" "isinstance(j['error'], str) and len(j['error']) > 5" "400 for $body says why"
done
for body in '{"authorized":"true"}' '{"authorized":1}' '{"ipAssignments":"10.0.0.1"}' '{"ipAssignments":["x"]}' \
	'{"tags":7}' '{"noAutoAssignIps":null}'; do
	api POST "/controller/network/$NWID/member/$M" "$body"
	expect_status 400 "member body $body"
	expect_json "$T/body" "isinstance(j['error'], str)" "400 for $body says why"
done
api POST "/controller/network/ffffffffff______" '{}'
[ "$status" = 400 ] || [ "$status" = 404 ] || fail "a network of another controller: status $status"
status=$(curl -s -o "$T/body" -w '%{http_code}' -X DELETE "http://127.0.0.1:$PORT/controller/network/$NWID")
expect_status 401 "DELETE without token"
[ "$(store_digest "$H")" = "$before" ] || fail "refused requests changed controller.d"
api GET "/controller/network/$NWID"
cmp -s "$T/body" "$T/before.json" || fail "refused requests changed the network: $(cat "$T/body")"

# A body larger than curl sends without "Expect: 100-continue" goes through (and the limit is 1 MiB).
python3 -c "import json; print(json.dumps({'name': 'x' * 100, 'authTokens': {('t%05d' % i): 0 for i in range(20000)}}))" >"$T/big.json"
status=$(curl -s -o "$T/body" -w '%{http_code}' -m 20 -X POST -H "X-ZT1-Auth: $TOKEN" --data-binary @"$T/big.json" \
	"http://127.0.0.1:$PORT/controller/network/$NWID2")
[ "$status" = 200 ] || [ "$status" = 400 ] || fail "a 300 KB body: status $status: $(head -c 300 "$T/body")"
head -c $((2 << 20)) /dev/zero | tr '\0' ' ' >"$T/huge.json"
status=$(curl -s -o "$T/body" -w '%{http_code}' -m 20 -X POST -H "X-ZT1-Auth: $TOKEN" --data-binary @"$T/huge.json" \
	"http://127.0.0.1:$PORT/controller/network/$NWID2")
expect_status 413 "a 2 MiB body"

# Delete: the member, then a network with its directory.
api DELETE "/controller/network/$NWID2"
expect_status 200 "delete network"
api GET "/controller/network/$NWID2"
expect_status 404 "deleted network"
[ ! -e "$H/controller.d/network/$NWID2.json" ] && [ ! -e "$H/controller.d/network/$NWID2" ] ||
	fail "deleted network left files: $(find "$H/controller.d")"

# SIGTERM: a clean stop, exit 0.
stop_ctl
grep -q "stopping" "$T/ctl.log" || fail "no stopping line"
curl -s -m 2 -o /dev/null "http://127.0.0.1:$PORT/controller" && fail "API still answers after stop"
echo ok
