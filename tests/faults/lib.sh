# The fault tests' harness, sourced after tests/common/lib.sh's arguments (ztrun first): a private
# ZeroTier network on this host's loopback made of real processes - ztrun's controller (also the
# planet's only root) and ztrun nodes - that a test then breaks: it kills, restarts, or puts a lossy
# underlay (lossy_relay.py) between them.
#   start_controller [--endpoint 127.0.0.1/PORT]: the controller in $T/ctl on a free port ($CPORT)
#   make_network NAME POOL: a network with an IPv4 pool; sets $NW
#   member NAME: a home $T/NAME with an identity authorized on $NW; sets ADDR[NAME]
#   node NAME [ztrun options] -- COMMAND...: that member's ztrun running COMMAND, in the background,
#     output in $T/NAME.log (a restarted node's earlier log goes to $T/NAME.log.N); sets PID[NAME]
#   joined_ip NAME: waits until the node's log says it joined, prints its IPv4 address
#   stop_relay PID OUT LOSS: stops a lossy_relay.py, prints its counters (from OUT, its stdout) and
#     fails unless it dropped (when LOSS is not 0), duplicated and reordered datagrams
FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$FAULTS_DIR/../common/lib.sh"
declare -A ADDR PID
CPORT=

# The controller, started or restarted on $CPORT (a free port the first time).
start_controller() {
	[ -n "$CPORT" ] || CPORT=$(pick_port)
	"$ZTRUN" controller -p "$CPORT" "$@" "$T/ctl" >>"$T/ctl.log" 2>&1 &
	PID[ctl]=$!
	pids+=("${PID[ctl]}")
	# Its identity takes seconds on a loaded machine: wait while it lives.
	until [ -s "$T/ctl/planet" ] && [ -s "$T/ctl/zerotier-one.port" ] &&
		[ "$(cat "$T/ctl/zerotier-one.port")" = "$CPORT" ] && api_up; do
		kill -0 "${PID[ctl]}" 2>/dev/null || fail "the controller exited at start: $(cat "$T/ctl.log")"
		sleep 0.05
	done
}

api_up() {
	curl -s -o /dev/null -H "X-ZT1-Auth: $(cat "$T/ctl/authtoken.secret" 2>/dev/null)" \
		"http://127.0.0.1:$CPORT/controller"
}

stop_controller() {
	kill "${PID[ctl]}"
	wait "${PID[ctl]}" 2>/dev/null || true
}

make_network() { # NAME POOL
	NW=$("$ZTRUN" controller network create "$T/ctl" --name "$1" --pool "$2")
	[ ${#NW} = 16 ] || fail "network create printed '$NW'"
}

member() { # NAME
	mkdir -p "$T/$1"
	"$ZTRUN" idtool generate "$T/$1/identity.secret" "$T/$1/identity.public" >/dev/null
	ADDR[$1]=$(cut -d: -f1 "$T/$1/identity.public")
	"$ZTRUN" controller member authorize "$T/ctl" "$NW" "${ADDR[$1]}" >/dev/null
}

node() { # NAME [OPTIONS] -- COMMAND...
	local name=$1 opts=()
	shift
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	local n=1
	while [ -e "$T/$name.log" ] && [ -e "$T/$name.log.$n" ]; do n=$((n + 1)); done
	[ ! -e "$T/$name.log" ] || mv "$T/$name.log" "$T/$name.log.$n"
	"$ZTRUN" --home "$T/$name" --planet "$T/ctl/planet" "${opts[@]}" "$NW" -- "$@" >"$T/$name.log" 2>&1 &
	PID[$name]=$!
	pids+=("${PID[$name]}")
}

joined_ip() { # NAME
	wait_for 90 "node $1 to join" grep -q "joined $NW" "$T/$1.log"
	grep -o "joined $NW as node ${ADDR[$1]}: [0-9.]*" "$T/$1.log" | tail -1 | sed 's/.*: //'
}

# The node's UDP port, from its home.
node_port() { # NAME
	cat "$T/$1/zerotier-one.port"
}

# fds and resident KiB of a process: "FDS RSS".
fds_rss() { # PID
	echo "$(ls "/proc/$1/fd" | wc -l) $(awk '/^VmRSS/ {print $2}' "/proc/$1/status")"
}

# Stops lossy_relay.py and checks from the one line of counters it prints at exit that the faults
# really happened: a loss rate of 0 drops nothing, any other must have dropped something.
# The relay's random source: a fresh seed each run, as a fixed one made every run meet the same stretch
# of its draws at the same point of a transfer (with a seed of 12, about one run in ten lost the
# receiver's ACKs 6-11 times in a row some 80-100 KiB into 256 KiB, and stalled for a minute or two).
# LOSSY_SEED=N repeats a run's losses; the seed is printed.
relay_seed() {
	RELAY_SEED=${LOSSY_SEED:-$((RANDOM << 15 | RANDOM))}
	echo "relay seed $RELAY_SEED (LOSSY_SEED=$RELAY_SEED repeats it)"
}

stop_relay() { # PID OUT LOSS
	kill "$1"
	wait "$1" 2>/dev/null || true
	local line
	line=$(tail -1 "$2")
	echo "relay: $line"
	relay_count() { echo "$line" | sed -n "s/.* $1=\([0-9]*\) .*/\1/p"; }
	[ "$3" = 0 ] || [ "$(relay_count dropped)" -gt 0 ] || fail "the relay dropped nothing: $line"
	[ "$(relay_count duplicated)" -gt 0 ] && [ "$(relay_count reordered)" -gt 0 ] ||
		fail "the relay did not do all it should: $line"
}
