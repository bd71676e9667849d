#!/bin/bash
# The main job: builds ztrun and runs a web server and its client inside `ztrun none`, a private
# network that nothing on the host can reach, and shows that the host indeed cannot.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build
command -v curl >/dev/null && command -v python3 >/dev/null || scripts/deps.sh test
set -o pipefail
cmake --preset default 2>&1 >/dev/null | { grep -v Doxygen || true; } >&2
cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
ZTRUN=$PWD/build/src/launcher/ztrun
WWW=$(mktemp -d)
trap 'rm -rf "$WWW"' EXIT
echo "Hello from inside ztrun's private network" > "$WWW/index.html"
PORT=8000

echo "== ztrun none: python3 -m http.server on 127.0.0.1:$PORT, curl on the same private network"
"$ZTRUN" none -- bash -c "
	python3 -m http.server $PORT --bind 127.0.0.1 --directory '$WWW' >/dev/null 2>&1 &
	for i in \$(seq 100); do curl -s -o /dev/null http://127.0.0.1:$PORT/ && break; sleep 0.05; done
	echo -n 'inside ztrun, curl says: '; curl -s http://127.0.0.1:$PORT/
	touch '$WWW/up'
	while [ ! -e '$WWW/host-check' ]; do sleep 0.05; done
	echo -n 'from the host, the same port: '; cat '$WWW/host-check'
	kill %1
" &
zt=$!
# While the server runs inside ztrun, the host's kernel knows nothing of it.
while [ ! -e "$WWW/up" ]; do sleep 0.05; done
if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then
	echo "something on the host listens on $PORT (not ztrun's server)" > "$WWW/host-check"
else
	echo "connection refused (the server lives only in ztrun)" > "$WWW/host-check"
fi
wait $zt
