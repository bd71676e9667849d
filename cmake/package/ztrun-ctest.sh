#!/bin/bash
# Runs the tests that ztrun_add_test() (ZtrunTest.cmake) declares, and the fixture behind
# NETWORK private: a ztrun controller on loopback with one network, whose members are the tests.
#
#   ztrun-ctest.sh setup   ZTRUN DIR          start the controller, make the network (in DIR)
#   ztrun-ctest.sh cleanup ZTRUN DIR          stop it and remove DIR
#   ztrun-ctest.sh private ZTRUN DIR [--server N ARG1..ARGN] -- CMD...
#       CMD on a new node of the network; with --server, the N-word server command runs on another
#       node, and CMD starts once that node has joined, with its addresses in ZTRUN_SERVER_IP,
#       ZTRUN_SERVER_IP6 and ZTRUN_SERVER_NODE. (await-server is that start, inside CMD's node.)
# Every node is given the private planet: nothing here ever contacts ZeroTier's public roots.
set -eu
mode=${1:?usage: ztrun-ctest.sh setup|cleanup|private ZTRUN ...}
ZTRUN=${2:?missing the ztrun executable}
shift 2

say() { echo "ztrun-ctest: $*" >&2; }

random_port() { # below the kernel's ephemeral range, so no client connection takes it meanwhile
	echo $(($(od -An -N2 -tu2 /dev/urandom) % 12000 + 20000))
}

setup() {
	dir=$1
	rm -rf "$dir"
	mkdir -p "$dir"
	tries=0
	while :; do
		port=$(random_port)
		# Detached from the setup test: CTest waits for the test's output pipes to close.
		setsid "$ZTRUN" controller -p "$port" "$dir/ctl" </dev/null >"$dir/controller.log" 2>&1 &
		echo $! >"$dir/controller.pid"
		i=0
		while [ $i -lt 300 ]; do
			[ -s "$dir/ctl/zerotier-one.port" ] && [ -s "$dir/ctl/planet" ] && break
			kill -0 "$(cat "$dir/controller.pid")" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		[ -s "$dir/ctl/zerotier-one.port" ] && break
		tries=$((tries + 1))
		# a port taken by someone else is the one failure worth another try
		if [ $tries -ge 10 ] || ! grep -q "port" "$dir/controller.log"; then
			say "the controller did not start: $(cat "$dir/controller.log")"
			exit 1
		fi
	done
	nw=$("$ZTRUN" controller network create "$dir/ctl" --name ctest --pool 10.251.0.0/16 --v6 rfc4193)
	echo "$nw" >"$dir/network"
	echo "private network $nw, controller on 127.0.0.1 port $port"
}

cleanup() {
	dir=$1
	if [ -s "$dir/controller.pid" ]; then
		pid=$(cat "$dir/controller.pid")
		kill -TERM "$pid" 2>/dev/null || true
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}

# new_node DIR: a home with an identity, authorized on the network before it asks; prints the home.
new_node() {
	home=$(mktemp -d "$1/node.XXXXXX")
	"$ZTRUN" idtool generate "$home/identity.secret" "$home/identity.public" >/dev/null
	"$ZTRUN" controller member authorize "$1/ctl" "$(cat "$1/network")" \
		"$(cut -d: -f1 "$home/identity.public")" >/dev/null
	echo "$home"
}

private() {
	local dir=$1 n=0 nw chome shome= server_pid= rc=0
	shift
	[ -s "$dir/network" ] || { say "no private network in $dir (did the fixture's setup test run?)"; exit 1; }
	nw=$(cat "$dir/network")
	if [ "${1:-}" = --server ]; then
		n=$2
		shift 2
	fi
	local server=("${@:1:n}")
	shift "$n"
	[ "${1:-}" = -- ] || { say "usage: private ZTRUN DIR [--server N ARGS...] -- CMD..."; exit 2; }
	shift
	export ZTRUN_NETWORK=$nw
	chome=$(new_node "$dir")
	if [ "$n" -eq 0 ]; then
		exec "$ZTRUN" --home "$chome" --planet "$dir/ctl/planet" "$nw" -- "$@"
	fi
	# Both nodes join at once; the client's command starts when the server's node has joined.
	shome=$(new_node "$dir")
	"$ZTRUN" --home "$shome" --planet "$dir/ctl/planet" "$nw" -- "${server[@]}" \
		</dev/null >"$shome/server.log" 2>&1 &
	server_pid=$!
	trap 'kill -TERM $server_pid 2>/dev/null; wait $server_pid 2>/dev/null' EXIT
	"$ZTRUN" --home "$chome" --planet "$dir/ctl/planet" "$nw" -- \
		bash "$0" await-server "$ZTRUN" "$shome" $server_pid -- "$@" || rc=$?
	if ! kill -0 $server_pid 2>/dev/null; then
		say "the server ended before the test did: $(cat "$shome/server.log")"
		[ $rc != 0 ] || rc=1
	fi
	exit $rc
}

# Inside the client's node: waits for the server's node to join, tells CMD where it is, runs CMD.
await_server() {
	local shome=$1 pid=$2 log=$1/server.log
	shift 3
	while ! grep -q "joined $ZTRUN_NETWORK" "$log"; do
		kill -0 "$pid" 2>/dev/null || { say "the server's node ended: $(cat "$log")"; exit 1; }
		sleep 0.1
	done
	export ZTRUN_SERVER_NODE ZTRUN_SERVER_IP ZTRUN_SERVER_IP6
	ZTRUN_SERVER_NODE=$(cut -d: -f1 "$shome/identity.public")
	ZTRUN_SERVER_IP=$(grep "joined $ZTRUN_NETWORK" "$log" | grep -oE ' 10\.251\.[0-9.]+' | tr -d ' ')
	ZTRUN_SERVER_IP6=$(grep "joined $ZTRUN_NETWORK" "$log" | grep -oE ' fd[0-9a-f]{2}:[0-9a-f:]+' | tr -d ' ')
	exec "$@"
}

case $mode in
setup) setup "$@" ;;
cleanup) cleanup "$@" ;;
private) private "$@" ;;
await-server) await_server "$@" ;;
*)
	say "unknown mode '$mode'"
	exit 2
	;;
esac
