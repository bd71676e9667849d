#!/bin/bash
# The main job: builds ztrun, then runs a whole private ZeroTier network on this machine's loopback,
# all from the one binary: a controller (also the planet's root), a web server under one ztrun node,
# and curl under another, which fetches the page across the virtual network. Then stops everything.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build
command -v curl >/dev/null && command -v python3 >/dev/null || scripts/deps.sh test
set -o pipefail
cmake --preset default 2>&1 >/dev/null | { grep -v Doxygen || true; } >&2
cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
ZTRUN=$PWD/build/src/launcher/ztrun
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-demo.XXXXXX")
pids=()
stop() {
	kill "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$DEMO"
}
trap stop EXIT
cd "$DEMO"
say() { printf '\n== %s\n' "$*"; }
# A free UDP/TCP port on loopback for the controller
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

say "1. A controller on 127.0.0.1:$PORT: the root of its own private planet, and the controller of its networks"
"$ZTRUN" controller -v -p "$PORT" controller 2>controller.log &
pids+=($!)
for _ in $(seq 100); do [ -s controller/planet ] && [ -s controller/zerotier-one.port ] && break; sleep 0.05; done
grep -v warning controller.log | sed 's/^/   /'

say "2. A network with an IPv4 pool and RFC4193 IPv6 addresses"
NW=$("$ZTRUN" controller network create controller --name demo --pool 10.99.0.0/24 --v6 rfc4193)
echo "   network $NW"

say "3. python3 -m http.server under ztrun on that network: it waits until the node is authorized"
mkdir -p www && echo "Hello from a web server on a private ZeroTier network" >www/index.html
"$ZTRUN" --home server --planet controller/planet "$NW" -- \
	python3 -m http.server 8080 --bind :: --directory www >server.log 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q "joining" server.log 2>/dev/null && break; sleep 0.05; done
sed 's/^/   /' server.log
SERVER=$(cut -d: -f1 server/identity.public)

say "4. Authorize node $SERVER"
"$ZTRUN" controller member authorize controller "$NW" "$SERVER" >/dev/null
for _ in $(seq 200); do grep -q "joined" server.log && break; sleep 0.05; done
grep "joined" server.log | sed 's/^/   /'
IP=$(grep -o '10\.99\.0\.[0-9]*' server.log | head -1)

say "5. A second node, authorized before it ever asks, runs curl http://$IP:8080/"
mkdir -p client
"$ZTRUN" idtool generate client/identity.secret client/identity.public >/dev/null
"$ZTRUN" controller member authorize controller "$NW" "$(cut -d: -f1 client/identity.public)" >/dev/null
"$ZTRUN" --home client --planet controller/planet "$NW" -- curl -sS -m 20 --retry 3 --retry-connrefused \
	"http://$IP:8080/" 2>client.log | sed 's/^/   curl got: /'
grep "joined" client.log | sed 's/^/   /'

say "6. The members, as the controller sees them"
"$ZTRUN" controller member list controller "$NW" | sed 's/^/   /'
say "Done: stopping the controller and the server."
