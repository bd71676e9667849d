# Shared by the integration tests: each test runs real servers and clients inside `ztrun none`.
# usage in a test: . "$(dirname "$0")/lib.sh"; then $ZTRUN is the binary under test (argument 1).
set -eu
ZTRUN=$(realpath "${1:?usage: $0 /path/to/ztrun}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-it.XXXXXX")
export XDG_RUNTIME_DIR="$WORK/run"
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# Never the user's home, never ZeroTier's public planet (the built-in default): a ztrun that is not
# given a planet in a test fails to start instead of contacting the public roots.
export ZTRUN_HOME="$WORK/default-home"
export ZTRUN_PLANET="$WORK/no-planet-given"
cleanup() {
	rc=$?
	# the runtime directory must be gone whatever happened
	if [ -n "$(ls -A "$XDG_RUNTIME_DIR" 2>/dev/null)" ]; then
		echo "FAIL: runtime directory left behind: $(ls "$XDG_RUNTIME_DIR")" >&2
		rc=1
	fi
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# A port that nothing on the host listens on, so "unreachable from the host" means something.
free_host_port() {
	while :; do
		p=$(( (RANDOM % 12000) + 20000 ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# From the host (outside ztrun), the port must refuse connections.
assert_host_unreachable() {
	if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
		fail "port $1 is reachable from the host"
	fi
}

# Helpers for the script that runs inside ztrun: wait_port HOST PORT waits until a server in the
# background accepts; host_unreachable PORT fails if the host's own network stack (a process started
# without the shim sees the host's) can reach PORT, i.e. if the server leaked out of ztrun.
WAIT_PORT='wait_port() { for i in $(seq 1 200); do if (exec 3<>/dev/tcp/$1/$2) 2>/dev/null; then host_unreachable $2; return; fi; sleep 0.05; done; echo "server on $1:$2 never came up" >&2; return 1; }
host_unreachable() { if env -u LD_PRELOAD -u ZT_NC_NETWORK bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; then echo "FAIL: port $1 is reachable from the host" >&2; return 1; fi; }'
