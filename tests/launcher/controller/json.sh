#!/bin/bash
# The controller reads JSON strictly: the API refuses bad bodies with a message and changes nothing
# (json_strict.py), and a record on disk that is not strict JSON is refused with its reason at start while
# the rest are served.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"
. "$(dirname "$0")/controller.sh"

H=$T/ctl
PORT=$(pick_port)
start_ctl "$H" "$PORT"
api POST /controller/network '{"name":"strict"}'
expect_status 200 "create a network"
NWID=$(json "$T/body" "j['id']")
api POST "/controller/network/$NWID/member/abcdef0123" '{"authorized":false}'
expect_status 200 "make a member"
python3 "$(dirname "$0")/json_strict.py" "$PORT" "$TOKEN" "$NWID" "$CTL" || fail "json_strict.py"
kill -0 "$ctl_pid" 2>/dev/null || fail "the controller died"
stop_ctl

# records on disk: one with a key twice, one with invalid UTF-8, one cut short; each is named with why
rec=$H/controller.d/network/$NWID.json
[ -f "$rec" ] || fail "no record at $rec"
mk() { # mk NWID-SUFFIX CONTENT
	local id=${CTL}$1
	printf '%s' "$2" | sed "s/@ID@/$id/" >"$H/controller.d/network/$id.json"
}
mk 0000a1 '{"id":"@ID@","nwid":"@ID@","name":"a","name":"b"}'
mk 0000a2 $'{"id":"@ID@","nwid":"@ID@","name":"\xff"}'
mk 0000a3 '{"id":"@ID@","nwid":"@ID@","name":"cut'
: >"$T/ctl.log"
start_ctl "$H" "$PORT"
grep -q "0000a1.json.*given twice" "$T/ctl.log" || fail "duplicate key on disk not reported: $(cat "$T/ctl.log")"
grep -q "0000a2.json.*invalid UTF-8" "$T/ctl.log" || fail "invalid UTF-8 on disk not reported"
grep -q "0000a3.json.*unterminated string" "$T/ctl.log" || fail "a cut record not reported"
api GET /controller/network
expect_json "$T/body" "j == ['$NWID']" "only the good record is served"
stop_ctl
echo ok
