#!/bin/bash
# What the controller keeps on disk: records survive SIGKILL; damaged record files are reported and skipped
# while the rest is served; leftovers of interrupted writes and deletes are cleaned up; the planet gets a
# new signed revision when --endpoint changes; start-up errors are one clear line.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"
. "$(dirname "$0")/controller.sh"

H=$T/ctl
PORT=$(pick_port)

# Bad command lines.
zt controller
expect_fail 2 "missing HOME" "no HOME"
zt controller -p 0 "$H"
expect_fail 2 "bad port '0'" "port 0 cannot go into a planet"
zt controller --bind 0.0.0.0 "$H"
expect_fail 2 "--bind 0.0.0.0 is no address members can reach" "unspecified bind without --endpoint"
zt controller "$H" extra
expect_fail 2 "unexpected argument 'extra'" "two HOMEs"
zt controller --help
[ "$rc" = 0 ] && grep -q "^Usage: ztrun controller" "$T/out" && grep -q "member set-ip" "$T/out" ||
	fail "controller --help: $rc $(cat "$T/out")"
[ ! -e "$H" ] || fail "bad command lines made HOME"

start_ctl "$H" "$PORT"
api POST /controller/network '{"name":"kept"}'
NWID=$(json "$T/body" "j['id']")
api POST /controller/network '{"name":"other"}'
NWID2=$(json "$T/body" "j['id']")
for m in 1111111111 2222222222 3333333333; do
	api POST "/controller/network/$NWID/member/$m" '{"authorized":true}'
	expect_status 200 "member $m"
done
api DELETE "/controller/network/$NWID/member/3333333333"
expect_status 200 "delete a member"
[ ! -e "$H/controller.d/network/$NWID/member/3333333333.json" ] || fail "deleted member file still there"
for f in $(find "$H/controller.d" -type f); do
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f is mode $(stat -c %a "$f")"
done

# A second controller on the same HOME, and another on a taken port.
zt controller -p "$(pick_port)" "$H"
expect_fail 1 "cannot use home $H: in use by process $ctl_pid" "second controller on HOME"
zt controller -p "$PORT" "$T/other"
expect_fail 1 "cannot start the node on port $PORT (UDP, TCP 127.0.0.1 for the API): Address already in use" "busy port"

# SIGKILL loses nothing that was answered.
{
	kill -KILL "$ctl_pid"
	wait "$ctl_pid"
} 2>/dev/null || true
find "$H/controller.d" -name '*.tmp-*' | grep -q . && fail "temporary files after SIGKILL"

# Damage: a network file that is not JSON, a member whose id disagrees with its name, a member of no
# network, a file that is no record at all; plus leftovers of an interrupted write and delete.
echo '{"id": broken' >"$H/controller.d/network/${CTL}aaaaaa.json"
sed 's/2222222222/4444444444/g' "$H/controller.d/network/$NWID/member/2222222222.json" \
	>"$H/controller.d/network/$NWID/member/5555555555.json"
mkdir -p "$H/controller.d/network/${CTL}bbbbbb/member"
cp "$H/controller.d/network/$NWID/member/1111111111.json" "$H/controller.d/network/${CTL}bbbbbb/member/"
echo hello >"$H/controller.d/network/README"
echo '{"partial' >"$H/controller.d/network/$NWID.json.tmp-AbC123"
mkdir -p "$H/controller.d/network/.deleting-${CTL}cccccc-1234abcd/member"
echo '{}' >"$H/controller.d/network/.deleting-${CTL}cccccc-1234abcd/member/1111111111.json"
: >"$T/ctl.log"
start_ctl "$H" "$PORT"
grep -q "skipping $H/controller.d/network/${CTL}aaaaaa.json: " "$T/ctl.log" ||
	fail "the broken network file was not reported: $(cat "$T/ctl.log")"
grep -q "skipping $H/controller.d/network/$NWID/member/5555555555.json: " "$T/ctl.log" ||
	fail "the mismatched member was not reported: $(cat "$T/ctl.log")"
[ "$(grep -c '^ztrun: skipping' "$T/ctl.log")" = 2 ] || fail "expected two skipped files: $(cat "$T/ctl.log")"
grep -q "loaded 4 records" "$T/ctl.log" || fail "expected 4 good records: $(grep loaded "$T/ctl.log")"
[ ! -e "$H/controller.d/network/$NWID.json.tmp-AbC123" ] || fail "a temporary file was left"
[ ! -e "$H/controller.d/network/.deleting-${CTL}cccccc-1234abcd" ] || fail "a deleted network was left"
[ -e "$H/controller.d/network/${CTL}aaaaaa.json" ] || fail "a damaged record was removed (it must stay for repair)"
api GET /controller/network
expect_json "$T/body" "sorted(j) == sorted(['$NWID', '$NWID2'])" "the good networks are served"
api GET "/controller/network/$NWID/member"
expect_json "$T/body" "sorted(j) == ['1111111111', '2222222222']" "the good members are served"
api GET "/controller/network/$NWID"
expect_json "$T/body" "j['name'] == 'kept'" "network after SIGKILL"
stop_ctl

# The planet: same endpoints, no new revision; another --endpoint, the next revision of the same world,
# signed with planet.key, which nodes holding the first accept.
cp "$H/planet" "$T/planet.1"
: >"$T/ctl.log"
start_ctl "$H" "$PORT"
stop_ctl
cmp -s "$H/planet" "$T/planet.1" || fail "a restart with the same endpoints changed the planet"
: >"$T/ctl.log"
start_ctl "$H" "$PORT" --endpoint "127.0.0.2/$PORT" --endpoint "127.0.0.1/$PORT"
grep -q "updated $H/planet" "$T/ctl.log" || fail "no planet update: $(cat "$T/ctl.log")"
stop_ctl
"$ZTRUN" planet verify --previous "$T/planet.1" "$H/planet" >/dev/null 2>"$T/err" ||
	fail "the new planet is not a valid update of the old: $(cat "$T/err")"
"$ZTRUN" planet show -j "$H/planet" >"$T/planet.json"
expect_json "$T/planet.json" "j['roots'][0]['stableEndpoints'] == ['127.0.0.2/$PORT', '127.0.0.1/$PORT']" \
	"updated endpoints"
# without --endpoint, a port the planet does not name is warned about
: >"$T/ctl.log"
P2=$(pick_port)
start_ctl "$H" "$P2"
grep -q "names no endpoint with port $P2" "$T/ctl.log" || fail "no warning about the port: $(cat "$T/ctl.log")"
stop_ctl
# a token file that is no token
: >"$H/authtoken.secret"
zt controller -p "$PORT" "$H"
expect_fail 1 "cannot use $H/authtoken.secret: empty" "empty token file"
echo ok
