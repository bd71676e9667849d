#!/bin/bash
# ztrun controller network|member ...: the same commands with the daemon running (over its API) and stopped
# (in-process on HOME's files); what one way writes the other reads, and a restarted daemon serves it.
# Usage errors exit 2, failures 1, each with one line.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"
. "$(dirname "$0")/controller.sh"

H=$T/ctl
PORT=$(pick_port)
ctl() { zt controller "$@"; }

# Before any controller ran there: a clear refusal, nothing made.
ctl network list "$T/nothing"
expect_fail 1 "cannot use controller home $T/nothing: No such file or directory" "missing HOME"
[ ! -e "$T/nothing" ] || fail "a failed command made HOME"
mkdir "$T/empty"
ctl network list "$T/empty"
expect_fail 1 "cannot use controller home $T/empty: it has no identity.secret" "HOME without identity"

start_ctl "$H" "$PORT"

# create, with every option; the ID alone on stdout
ctl network create "$H" --name demo --pool 10.147.20.0/24 --pool 10.200.0.10-10.200.0.20 \
	--route 10.0.0.0/8,10.147.20.1 --route fd00::/64 --v6 rfc4193 --v6 6plane
expect_ok_quiet "network create"
NWID=$(cat "$T/out")
[[ "$NWID" =~ ^${CTL}[0-9a-f]{6}$ ]] || fail "network create printed '$NWID', not a network ID of $CTL"
api GET "/controller/network/$NWID"
expect_status 200 "the created network over the API"
expect_json "$T/body" "j['name'] == 'demo' and j['private'] is True" "name, private"
expect_json "$T/body" "j['ipAssignmentPools'] == [{'ipRangeStart': '10.147.20.1', 'ipRangeEnd': '10.147.20.254'}, \
	{'ipRangeStart': '10.200.0.10', 'ipRangeEnd': '10.200.0.20'}]" "pools from a CIDR and a range"
expect_json "$T/body" "sorted(map(str, j['routes'])) == sorted(map(str, [{'target': '10.0.0.0/8', 'via': '10.147.20.1'}, \
	{'target': 'fd00::/64', 'via': None}, {'target': '10.147.20.0/24', 'via': None}]))" \
	"routes: the given ones and the pool's CIDR"
expect_json "$T/body" "j['v4AssignMode']['zt'] is True and j['v6AssignMode'] == {'zt': False, 'rfc4193': True, \
	'6plane': True}" "assign modes"
ctl network create -j "$H" --public --pool fd00:1234::/64 --route 10.1.2.3/24
expect_ok_quiet "network create -j --public"
expect_json "$T/out" "j['private'] is False and j['v6AssignMode']['zt'] is True and j['ipAssignmentPools'] == \
	[{'ipRangeStart': 'fd00:1234::1', 'ipRangeEnd': 'fd00:1234::ffff:ffff:ffff:ffff'}]" "public, IPv6 pool"
expect_json "$T/out" "{'target': '10.1.2.0/24', 'via': None} in j['routes']" "a route target is written as its network"
PUB=$(json "$T/out" "j['id']")

# list and show, human and JSON
ctl network list "$H"
expect_ok_quiet "network list"
grep -q "^$NWID  private  demo$" "$T/out" || fail "network list lacks demo: $(cat "$T/out")"
grep -q "^$PUB  public" "$T/out" || fail "network list lacks the public one: $(cat "$T/out")"
ctl network list -j "$H"
expect_json "$T/out" "sorted(j) == sorted(['$NWID', '$PUB'])" "network list -j"
ctl network show "$H" "$NWID"
expect_ok_quiet "network show"
grep -q "^network $NWID$" "$T/out" && grep -q "name  *demo" "$T/out" && grep -q "10.147.20.1-10.147.20.254" "$T/out" ||
	fail "network show: $(cat "$T/out")"
ctl network show -j "$H" "$NWID"
expect_json "$T/out" "j['id'] == '$NWID' and j['name'] == 'demo'" "network show -j"

# members: authorize (before the node ever asked), set-ip, deauthorize, list, show
M1=abcdef0123 M2=0123456789
ctl member authorize "$H" "$NWID" "$M1"
expect_ok_quiet "member authorize"
[ ! -s "$T/out" ] || fail "authorize printed: $(cat "$T/out")"
ctl member authorize -j "$H" "$NWID" "$M2"
expect_json "$T/out" "j['address'] == '$M2' and j['authorized'] is True" "authorize -j prints the member"
ctl member set-ip "$H" "$NWID" "$M1" 10.147.20.5 fd00::5
expect_ok_quiet "member set-ip"
ctl member deauthorize "$H" "$NWID" "$M2"
expect_ok_quiet "member deauthorize"
api GET "/controller/network/$NWID/member/$M1"
expect_json "$T/body" "j['authorized'] is True and j['ipAssignments'] == ['10.147.20.5', 'fd00::5']" "M1 over the API"
api GET "/controller/network/$NWID/member/$M2"
expect_json "$T/body" "j['authorized'] is False and j['lastDeauthorizedTime'] > 0" "M2 over the API"
ctl member list "$H" "$NWID"
expect_ok_quiet "member list"
grep -q "^$M1  authorized    10.147.20.5, fd00::5$" "$T/out" && grep -q "^$M2  unauthorized  -$" "$T/out" ||
	fail "member list: $(cat "$T/out")"
ctl member list -j "$H" "$NWID"
expect_json "$T/out" "sorted(j) == ['$M2', '$M1'] or sorted(j) == sorted(['$M1', '$M2'])" "member list -j"
ctl member show "$H" "$NWID" "$M1"
expect_ok_quiet "member show"
grep -q "^member $M1 of network $NWID$" "$T/out" && grep -q "authorized  *yes" "$T/out" &&
	grep -q "identity  *(not seen yet)" "$T/out" || fail "member show: $(cat "$T/out")"
ctl member set-ip "$H" "$NWID" "$M2" --none
expect_ok_quiet "set-ip --none"
ctl network delete "$H" "$PUB"
expect_ok_quiet "network delete"

# Failures: one line naming what failed and why, exit 1.
ctl network show "$H" "${CTL}000001"
expect_fail 1 "cannot show network ${CTL}000001: no network ${CTL}000001 here" "unknown network"
ctl member show "$H" "$NWID" 0000000001
expect_fail 1 "cannot show member 0000000001 of network $NWID: network $NWID has no member 0000000001" "unknown member"
ctl member authorize "$H" "${CTL}000001" "$M1"
expect_fail 1 "cannot authorize member $M1 of network ${CTL}000001: no network" "member of an unknown network"
# an IP in no route is stored (as stock does) but never reaches the member: said so
ctl member set-ip "$H" "$NWID" 2222222222 192.168.77.1
[ "$rc" = 0 ] || fail "set-ip outside the routes: exit $rc: $(cat "$T/err")"
grep -q "^ztrun: warning: 192.168.77.1 is in no route of network $NWID" "$T/err" ||
	fail "no warning about an IP outside the routes: $(cat "$T/err")"
# Usage errors: exit 2.
ctl network frobnicate "$H"
expect_fail 2 "bad network command 'frobnicate'" "unknown command"
ctl network show "$H"
expect_fail 2 "missing NWID (usage: ztrun controller network show [-j] HOME NWID)" "no NWID"
ctl network show "$H" 12345
expect_fail 2 "bad network ID '12345': not 16 hex digits" "short NWID"
ctl member show "$H" "$NWID" xyz
expect_fail 2 "bad member address 'xyz': not 10 hex digits" "bad address"
ctl member set-ip "$H" "$NWID" "$M1"
expect_fail 2 "missing IP (or --none to remove all)" "set-ip without IPs"
ctl member set-ip "$H" "$NWID" "$M1" 10.0.0.300
expect_fail 2 "bad IP '10.0.0.300'" "bad IP"
ctl network create "$H" --pool 10.0.0.0/33
expect_fail 2 "bad --pool '10.0.0.0/33'" "bad pool"
ctl network create "$H" --route 10.0.0.0/8,nowhere
expect_fail 2 "bad --route '10.0.0.0/8,nowhere'" "bad route"
ctl network create "$H" --v6 v7
expect_fail 2 "bad --v6 'v7' (rfc4193 or 6plane)" "bad --v6"
ctl network list "$H" extra
expect_fail 2 "unexpected argument 'extra'" "extra argument"
ctl network list --bogus "$H"
expect_fail 2 "bad option '--bogus'" "bad option"
ctl member
expect_fail 2 "missing member COMMAND" "no command"

# The daemon's own view, then a restart: everything is still there.
ctl network show -j "$H" "$NWID"
cp "$T/out" "$T/net-running.json"
ctl member list -j "$H" "$NWID"
cp "$T/out" "$T/members-running.json"
stop_ctl
[ "$(cat "$H/zerotier-one.pid")" = "$ctl_pid" ] || fail "pid file changed"

# Stopped: the same commands work on the files (HOME locked meanwhile), and read what the daemon wrote.
ctl network show -j "$H" "$NWID"
expect_ok_quiet "network show, daemon stopped"
cmp -s "$T/out" "$T/net-running.json" || fail "offline show differs: $(cat "$T/out") vs $(cat "$T/net-running.json")"
ctl member list -j "$H" "$NWID"
cmp -s "$T/out" "$T/members-running.json" || fail "offline member list differs"
ctl network create "$H" --name offline --pool 10.99.0.0/16
expect_ok_quiet "network create, daemon stopped"
OFF=$(cat "$T/out")
M3=1111111111
ctl member authorize "$H" "$OFF" "$M3"
expect_ok_quiet "member authorize, daemon stopped"
ctl member set-ip "$H" "$OFF" "$M3" 10.99.1.1
expect_ok_quiet "member set-ip, daemon stopped"
ctl member deauthorize "$H" "$NWID" "$M1"
expect_ok_quiet "member deauthorize, daemon stopped"
# another process holding HOME without serving the API: a clear error after a short wait
exec 9>"$H/ztrun.lock"
flock 9
ctl network list "$H"
expect_fail 1 "cannot reach the controller of $H: process" "HOME locked by a non-controller"
flock -u 9
exec 9>&-

# Restarted, the daemon serves the offline edits and everything from before.
start_ctl "$H" "$PORT"
api GET "/controller/network/$OFF"
expect_status 200 "offline network served"
expect_json "$T/body" "j['name'] == 'offline'" "offline network"
api GET "/controller/network/$OFF/member/$M3"
expect_json "$T/body" "j['authorized'] is True and j['ipAssignments'] == ['10.99.1.1']" "offline member"
api GET "/controller/network/$NWID/member/$M1"
expect_json "$T/body" "j['authorized'] is False and j['ipAssignments'] == ['10.147.20.5', 'fd00::5']" \
	"offline deauthorization"
ctl network list "$H"
grep -q "^$OFF  private  offline$" "$T/out" && grep -q "^$NWID  private  demo$" "$T/out" ||
	fail "list after restart: $(cat "$T/out")"
grep -q "loaded 6 records" "$T/ctl.log" || fail "restart did not load 6 records: $(grep loaded "$T/ctl.log")"
stop_ctl
echo ok
