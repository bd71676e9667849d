#!/bin/bash
# examples/docker: the image's entrypoint as PID 1 of a new PID namespace (what a container gives
# it; `unshare --pid --fork`): the app's exit status is passed on, signals are forwarded, orphans
# are reaped, and SIGTERM (docker stop) ends the app gracefully. The Dockerfile's parts are checked
# (identity in a volume, entrypoint, network from env or file), and a join token lets the container in by
# itself (from a Docker secret's file or the environment). Building and running the image itself needs
# a container engine: not done here.
# Usage: docker.sh ZTRUN HTTPSTUB
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/lib.sh"
STUB=$(realpath "$2")
EX=$HERE/../../examples/docker
unshare --pid --fork true 2>/dev/null || skip "cannot make a PID namespace here (unshare --pid needs root)"
mkdir -p "$T/bin"
ln -s "$ZTRUN" "$T/bin/ztrun"
export PATH="$T/bin:$PATH"
cd "$T"
as_container() { # the entrypoint as PID 1, with the arguments as CMD
	ZTRUN_NETWORK=none exec unshare --pid --fork --kill-child sh "$EX/ztrun-entrypoint.sh" "$@"
}
pid1_of() { # the host's pid of the namespace's PID 1: unshare's child
	local p
	for _ in $(seq 100); do
		p=$(pgrep -P "$1" | head -1) && [ -n "$p" ] && { echo "$p"; return; }
		sleep 0.05
	done
	fail "no PID 1 under unshare $1"
}

# The app's exit status, as the container's.
set +e
(as_container sh -c 'exit 7')
rc=$?
set -e
[ $rc = 7 ] || fail "exit status: $rc, expected 7"

# No network at all: a clear error, 125.
set +e
env -u ZTRUN_NETWORK unshare --pid --fork sh "$EX/ztrun-entrypoint.sh" true 2>err.txt
rc=$?
set -e
[ $rc = 125 ] && grep -q "^ztrun-entrypoint: no network" err.txt || fail "no network: $rc $(cat err.txt)"

# Signals forwarded, orphans reaped: the app leaves an orphan that exits at once, then waits for
# SIGUSR1.
as_container sh -c '(sleep 0.1 &); trap "echo got-usr1 >usr1.txt; exit 0" USR1; touch up.txt
	while :; do sleep 0.1; done' &
u=$!
pids+=($u)
wait_for_file up.txt
z=$(pid1_of $u)
[ "$(cat /proc/$z/comm)" = ztrun ] || fail "PID 1 is $(cat /proc/$z/comm), not ztrun"
sleep 0.5 # the orphan has exited by now
zombies=$(ps -o stat=,comm= --ppid "$z" | awk '$1 ~ /^Z/' | wc -l)
[ "$zombies" = 0 ] || fail "orphans not reaped: $(ps -o pid=,stat=,comm= --ppid "$z")"
kill -USR1 "$z"
rc=0
wait $u || rc=$?
[ $rc = 0 ] && [ "$(cat usr1.txt 2>/dev/null)" = got-usr1 ] || fail "SIGUSR1 not forwarded (status $rc)"

# docker stop: SIGTERM to PID 1 ends the server gracefully; its status 0 is the container's.
as_container "$STUB" 8080 >stub.log 2>stub.err &
u=$!
pids+=($u)
for _ in $(seq 200); do grep -q listening stub.log && break; sleep 0.05; done
grep -q listening stub.log || fail "httpstub did not start: $(cat stub.err)"
z=$(pid1_of $u)
kill -TERM "$z"
rc=0
wait $u || rc=$?
[ $rc = 0 ] || fail "after SIGTERM: status $rc: $(cat stub.err)"
grep -qx "httpstub: stopped by SIGTERM" stub.err || fail "the server did not stop on SIGTERM: $(cat stub.err)"

# A join token: the container authorizes itself on a private network (our controller on loopback, its
# planet mounted), from the Docker secret's file or from the environment; the app sees neither.
PORT=$(pick_port)
"$ZTRUN" controller -p "$PORT" ctl 2>ctl.log &
pids+=($!)
wait_for 60 "the controller" test -s ctl/zerotier-one.port
NW=$("$ZTRUN" controller network create ctl --pool 10.79.0.0/24)
"$ZTRUN" controller token create ctl "$NW" --uses 2 --name docker >secret.token
chmod 600 secret.token
run_token() { # HOME, then the environment for the entrypoint
	local home=$1
	shift
	env "$@" ZTRUN_NETWORK="$NW" ZTRUN_PLANET=ctl/planet ZTRUN_HOME="$home" ZTRUN_WAIT=60 \
		unshare --pid --fork sh "$EX/ztrun-entrypoint.sh" sh -c 'env >"$0.env"' "$home" 2>"$home.log" ||
		fail "the container with a join token ($*): $(cat "$home.log")"
	grep -q "joined $NW as node .*: 10\.79\.0\." "$home.log" || fail "not joined: $(cat "$home.log")"
	! grep -q "ZTRUN_JOIN_TOKEN=\|$(cut -d. -f3 secret.token)" "$home.env" || fail "the app got the token"
}
run_token c1 ZTRUN_JOIN_TOKEN_FILE="$T/secret.token"
run_token c2 ZTRUN_JOIN_TOKEN="$(cat secret.token)" ZTRUN_JOIN_TOKEN_FILE=/nonexistent
"$ZTRUN" controller token list -j ctl "$NW" >tokens.json
expect_json tokens.json "j['data'][0]['useCount'] == 2" "the token's two uses"

# The Dockerfile: ztrun's entrypoint, identity in a volume and never copied in, a default command.
D=$EX/Dockerfile
grep -qx 'ENTRYPOINT \["/usr/local/bin/ztrun-entrypoint"\]' "$D" || fail "Dockerfile: no ztrun entrypoint"
grep -qx 'VOLUME /var/lib/ztrun' "$D" || fail "Dockerfile: the identity is not in a volume"
grep -q 'ZTRUN_HOME=/var/lib/ztrun' "$D" || fail "Dockerfile: ZTRUN_HOME is not the volume"
! grep -qi 'identity' <(grep -E '^(COPY|ADD)' "$D") || fail "Dockerfile: an identity is baked in"
echo "PASS examples/docker: PID 1 behaviour, a join token from a secret file and from the environment"
