#!/bin/bash
# examples/shell, each script run as a user would, against a private network on loopback (our
# controller, made by cmake/package/ztrun-ctest.sh) with httpstub served by another ztrun node.
# Usage: shell.sh ZTRUN HTTPSTUB
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/lib.sh"
STUB=$(realpath "$2")
EX=$HERE/../../examples/shell
FX=$HERE/../../cmake/package/ztrun-ctest.sh
command -v curl >/dev/null || skip "no curl"
mkdir -p "$T/bin"
ln -s "$ZTRUN" "$T/bin/ztrun"
export PATH="$T/bin:$PATH"
before_cleanup() { bash "$FX" cleanup "$ZTRUN" "$T/net"; }
cd "$T"
bash "$FX" setup "$ZTRUN" "$T/net" >/dev/null
NW=$(cat net/network)
export ZTRUN_PLANET=$T/net/ctl/planet
node() { # node HOME: an identity, authorized
	mkdir -p "$1"
	ztrun idtool generate "$1/identity.secret" "$1/identity.public" >/dev/null
	ztrun controller member authorize net/ctl "$NW" "$(cut -d: -f1 "$1/identity.public")" >/dev/null
}
node server
ztrun --home server "$NW" -- "$STUB" -m "hello, shell" 8080 >server.log 2>&1 &
pids+=($!)
for _ in $(seq 600); do grep -q "joined $NW" server.log && break; sleep 0.1; done
IP=$(grep "joined $NW" server.log | grep -oE ' 10\.251\.[0-9.]+' | tr -d ' ')
[ -n "$IP" ] || fail "the server's node did not join: $(cat server.log)"

# on-network.sh: the command's status passes through; ztrun's own failures are explained.
node client
set +e
ZTRUN_HOME=$T/client sh "$EX/on-network.sh" "$NW" curl -fsS --retry 10 --retry-connrefused "http://$IP:8080/on" >on.out 2>on.err
rc=$?
set -e
[ $rc = 0 ] && grep -qx "path: /on" on.out || fail "on-network.sh: status $rc, $(cat on.out on.err)"
set +e
ZTRUN_HOME=$T/client sh "$EX/on-network.sh" "$NW" sh -c 'exit 3' 2>on.err
rc=$?
ZTRUN_HOME=$T/client sh "$EX/on-network.sh" "$NW" no-such-command-here 2>on.err
rc2=$?
set -e
[ $rc = 3 ] || fail "on-network.sh did not pass status 3 on: $rc"
[ $rc2 = 127 ] && grep -q "^on-network: 'no-such-command-here' not found" on.err ||
	fail "on-network.sh, a missing command: status $rc2, $(cat on.err)"
mkdir -p stranger
ztrun idtool generate stranger/identity.secret stranger/identity.public >/dev/null # never authorized
set +e
ZTRUN_WAIT=2 ZTRUN_HOME=$T/stranger sh "$EX/on-network.sh" "$NW" true 2>on.err
rc=$?
set -e
[ $rc = 125 ] && grep -q "^on-network: ztrun failed (network $NW not up within 2 s?)" on.err ||
	fail "on-network.sh, a network that does not come up: status $rc, $(cat on.err)"

# fetch-once.sh: a one-off client with a home of its own.
ZTRUN_CLIENT_HOME=$T/client sh "$EX/fetch-once.sh" "$NW" "http://$IP:8080/once" >once.out 2>once.err ||
	fail "fetch-once.sh: $(cat once.err)"
grep -qx "hello, shell" once.out || fail "fetch-once.sh printed: $(cat once.out)"

# start-now.sh: --wait 0, the command retries until the network is up.
ZTRUN_HOME=$T/client sh "$EX/start-now.sh" "$NW" "http://$IP:8080/now" >now.out 2>now.err ||
	fail "start-now.sh: $(cat now.err)"
grep -qx "path: /now" now.out || fail "start-now.sh printed: $(cat now.out)"
echo "PASS examples/shell"
