#!/bin/bash
# examples/docker as a real container: the FROM-scratch image of Containerfile.scratch (ztrun as the
# ENTRYPOINT, httpstub as the app, made by make-rootfs.sh) built and run with podman, its identity in
# a volume; a ztrun node outside the container fetches from the app over a private network (our
# controller on loopback, the container on the host's network namespace so it reaches it). The
# container authorizes itself with a join token mounted as a Docker secret would be. The container
# restarted with the same volume is the same node, needing no second use; `podman stop` ends it with
# status 0.
# Skipped, with the reason, where podman cannot build or run an image.
# Usage: podman.sh ZTRUN HTTPSTUB
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/lib.sh"
STUB=$(realpath "$2")
EX=$HERE/../../examples/docker
FX=$HERE/../../cmake/package/ztrun-ctest.sh
command -v podman >/dev/null || skip "podman is not installed (scripts/deps.sh test installs it)"
command -v curl >/dev/null || skip "no curl"
TAG=ztrun-test-$$-$RANDOM
IMG=localhost/$TAG
RUN=(podman run --runtime runc --ulimit nofile=4096:4096 --ulimit nproc=32768:32768 --network host)
before_cleanup() {
	podman rm -f -t 0 "$TAG" >/dev/null 2>&1 || true
	podman rmi -f "$IMG" >/dev/null 2>&1 || true
	bash "$FX" cleanup "$ZTRUN" "$T/net"
}
cd "$T"

# The image: Containerfile.scratch over a root file system of ztrun and httpstub.
mkdir ctx
cp "$EX/Containerfile.scratch" "$EX/ztrun-entrypoint.sh" ctx/
sh "$EX/make-rootfs.sh" ctx/rootfs "$ZTRUN" "$STUB" || fail "make-rootfs.sh failed"
podman build -q -f ctx/Containerfile.scratch -t "$IMG" ctx >build.log 2>&1 ||
	skip "podman cannot build an image here: $(tail -1 build.log)"
# Can this machine run a container at all? (a kernel or runtime that refuses is a skip, not a failure)
"${RUN[@]}" --rm --entrypoint /bin/sh "$IMG" -c 'echo ok' >probe.log 2>&1 ||
	skip "podman cannot run a container here: $(tail -1 probe.log)"

bash "$FX" setup "$ZTRUN" "$T/net" >/dev/null
NW=$(cat net/network)
mkdir -p vol && chmod 700 vol
cp net/ctl/planet vol/planet # the volume holds the node's home: its identity and the private planet
# The container authorizes itself: a join token of one use, mounted where a Docker secret would be.
"$ZTRUN" controller token create net/ctl "$NW" --name podman >token || fail "token create"
chmod 600 token
start() { # the container, detached, as `docker run -d` would run it
	"${RUN[@]}" -d --name "$TAG" -v "$T/vol:/var/lib/ztrun" -e ZTRUN_NETWORK="$NW" -e ZTRUN_WAIT=60 \
		-v "$T/token:/run/secrets/ztrun_join_token:ro" \
		"$IMG" httpstub -m "hello from a container" 8080 >cid 2>run.err ||
		fail "podman run: $(cat run.err)"
}
start
for _ in $(seq 300); do [ -s vol/identity.public ] && break; sleep 0.1; done
[ -s vol/identity.public ] || fail "no identity in the volume: $(podman logs "$TAG" 2>&1 | tail -5)"
ADDR=$(cut -d: -f1 vol/identity.public)
for _ in $(seq 600); do podman logs "$TAG" 2>&1 | grep -q "joined $NW" && break; sleep 0.1; done
IP=$(podman logs "$TAG" 2>&1 | grep "joined $NW" | grep -oE ' 10\.251\.[0-9.]+' | tr -d ' ') ||
	fail "the container did not join: $(podman logs "$TAG" 2>&1 | tail -5)"
[ -n "$IP" ] || fail "no address for the container's node $ADDR"

# A ztrun node outside the container fetches from the app inside it.
mkdir -p client
"$ZTRUN" idtool generate client/identity.secret client/identity.public >/dev/null
"$ZTRUN" controller member authorize net/ctl "$NW" "$(cut -d: -f1 client/identity.public)" >/dev/null
fetch() {
	"$ZTRUN" --home client --planet net/ctl/planet --wait 60 "$NW" -- \
		curl -fsS -m 20 --retry 10 --retry-connrefused "http://$IP:8080/$1" >fetch.out 2>client.log ||
		fail "fetch from the container at $IP: $(cat client.log)"
	grep -qx "hello from a container" fetch.out || fail "fetched: $(cat fetch.out)"
}
fetch first
assert_host_unreachable 8080 # the app's port is on the ZeroTier network, not the host's

# podman stop: SIGTERM to ztrun (PID 1) ends the app gracefully, status 0.
podman stop -t 20 "$TAG" >/dev/null || fail "podman stop"
st=$(podman inspect -f '{{.State.ExitCode}}' "$TAG")
[ "$st" = 0 ] || fail "the container exited with $st after podman stop: $(podman logs "$TAG" 2>&1 | tail -5)"
podman logs "$TAG" 2>&1 | grep -qx "httpstub: stopped by SIGTERM" ||
	fail "the app was not stopped by SIGTERM: $(podman logs "$TAG" 2>&1 | tail -5)"
podman rm "$TAG" >/dev/null

# A new container on the same volume is the same node, authorized already: no new identity, and the
# token (one use, spent) is not needed again.
start
fetch again
[ "$(cut -d: -f1 vol/identity.public)" = "$ADDR" ] || fail "the restarted container is a new node"
"$ZTRUN" controller token list -j net/ctl "$NW" >tokens.json
expect_json tokens.json "j['data'][0]['useCount'] == 1 and j['data'][0]['usedBy'][0]['address'] == '$ADDR'" \
	"the token let the container in once"
! podman logs "$TAG" 2>&1 | grep -qF "$(cut -d. -f3 token)" || fail "the token is in the container's log"
echo "PASS examples/docker with podman: node $ADDR at $IP served from a FROM-scratch container"
