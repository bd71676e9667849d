#!/bin/bash
# ztrun service: a root and a leaf of a private planet on this host's loopback; the leaf goes online
# through the root. The home directory is locked; bad planets and busy ports are clear errors.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"

port=$(pick_port)
"$ZTRUN" idtool generate "$T/root.secret" "$T/root.public" >/dev/null
mkdir -p "$T/root" "$T/leaf"
cp "$T/root.secret" "$T/root/identity.secret"
cp "$T/root.public" "$T/root/identity.public"
"$ZTRUN" planet new -o "$T/planet" --root "$T/root.public" --endpoint "127.0.0.1/$port" 2>/dev/null

"$ZTRUN" service -v --home "$T/root" --planet "$T/planet" -p "$port" 2>"$T/root.log" &
pids+=($!)
"$ZTRUN" service -v --home "$T/leaf" --planet "$T/planet" -p 0 2>"$T/leaf.log" &
pids+=($!)
# Until the leaf ($2) says in its log ($1) that it is online, while it and the root live: making the
# identities takes a while under ASan on a loaded machine. Given up after 150 s (ctest stops the test at
# 180 s), so that the logs say why.
wait_online() {
	local end=$((SECONDS + 150))
	while ! grep -q "online" "$1" && kill -0 "${pids[0]}" "$2" 2>/dev/null; do
		[ "$SECONDS" -lt "$end" ] || fail "no root answered the leaf in 150 s"
		sleep 0.1
	done
}
wait_online "$T/leaf.log" "${pids[1]}"
grep -q "online: a root answered" "$T/leaf.log" || fail "leaf never went online: $(cat "$T/leaf.log")"
grep -q "(new identity)" "$T/leaf.log" || fail "leaf did not make an identity"
[ -s "$T/leaf/identity.secret" ] && [ "$(stat -c %a "$T/leaf/identity.secret")" = 600 ] ||
	fail "identity.secret missing or not 0600"
leaf_port=$(cat "$T/leaf/zerotier-one.port")
[ "$leaf_port" -gt 0 ] || fail "no zerotier-one.port"
# The root keeps what it learned of the leaf.
ls "$T/root/peers.d/"*.peer >/dev/null 2>&1 || fail "root stored no peer"

# The API reads JSON strictly: a body it cannot take is refused whole (400), and no network is joined.
tok=$(cat "$T/leaf/authtoken.secret")
for body in '{"allowDNS":1}' '{"allowDNS":true} x' '{"allowDNS":true,"allowDNS":false}' '[true]' \
	$'{"allowDNS":"\xff"}'; do
	code=$(curl -s -o "$T/body" -w '%{http_code}' -m 10 -H "X-ZT1-Auth: $tok" --data-binary "$body" \
		"http://127.0.0.1:$leaf_port/network/8056c2e21c000001") || true
	[ "$code" = 400 ] && grep -q '"error"' "$T/body" || fail "service API took the body $body: $code $(cat "$T/body")"
done
code=$(curl -s -o "$T/body" -w '%{http_code}' -m 10 -H "X-ZT1-Auth: $tok" "http://127.0.0.1:$leaf_port/network")
[ "$code" = 200 ] && [ "$(tr -d ' \n' <"$T/body")" = "[]" ] || fail "a refused body joined a network: $(cat "$T/body")"

# One node per home: the second is refused, naming the holder and the way out.
zt service --home "$T/leaf" --planet "$T/planet" -p 0
expect_rc 1 "second node on a home"
grep -q "in use by process ${pids[1]}" "$T/err" && grep -q -- "--ephemeral" "$T/err" ||
	fail "lock error unclear: $(cat "$T/err")"
# A busy port.
zt service --ephemeral --planet "$T/planet" -p "$port"
expect_rc 1 "busy port"
grep -q "Address already in use" "$T/err" || fail "busy port error unclear: $(cat "$T/err")"
# A file that is not a planet.
echo "not a planet" >"$T/bad"
zt service --ephemeral --planet "$T/bad" -p 0
expect_rc 1 "bad planet"
grep -q "cannot load the planet" "$T/err" || fail "bad planet error unclear: $(cat "$T/err")"
# -p 0 lets the kernel pick a free UDP port, and the local API listens on TCP at the same number: the
# kernel's ephemeral ports are also those of outgoing TCP connections, so the pick may be taken on TCP.
# Then the node takes another. In a namespace of our own whose kernel has eight ports to pick from,
# seven of them held by TCP listeners.
if unshare -rn true 2>/dev/null; then
	unshare -rn bash -c '
		ip link set lo up && echo "40000 40007" >/proc/sys/net/ipv4/ip_local_port_range || exit 1
		python3 -c "
import os, socket, time
held = []
for p in range(40000, 40007):
    s = socket.socket(); s.bind((\"127.0.0.1\", p)); s.listen(); held.append(s)
print(\"held\", flush=True)
parent = os.getppid()
while os.getppid() == parent: time.sleep(0.1)" >"$2/held" &
		while [ ! -s "$2/held" ]; do sleep 0.05; done
		exec "$1" service -v --home "$2/ns" --planet "$2/planet" -p 0' - "$ZTRUN" "$T" 2>"$T/ns.log" &
	pids+=($!)
	ns_started() { grep -q "API on" "$T/ns.log" || ! kill -0 "${pids[-1]}" 2>/dev/null; }
	wait_for 60 "the node in a namespace" ns_started
	grep -q "UDP port 40007, planet .*API on 127.0.0.1:40007" "$T/ns.log" ||
		fail "-p 0 did not find the port free for UDP and TCP: $(cat "$T/ns.log")"
	kill "${pids[-1]}"
else
	echo "SKIPPED part: -p 0 with TCP ports taken (unshare -rn cannot make a namespace here)" >&2
fi

# Bad arguments.
zt service --port 70000
expect_rc 2 "bad port"
zt service --home "$T/x" --ephemeral
expect_rc 2 "--home with --ephemeral"

# SIGTERM stops a node cleanly; its identity survives for the next start.
kill -TERM "${pids[1]}"
wait "${pids[1]}" || fail "leaf exited with $? on SIGTERM"
addr=$(cut -d: -f1 "$T/leaf/identity.public")
"$ZTRUN" service -v --home "$T/leaf" --planet "$T/planet" -p 0 2>"$T/leaf2.log" &
pids+=($!)
wait_online "$T/leaf2.log" "${pids[2]}"
grep -q "node $addr on" "$T/leaf2.log" || fail "restart did not reuse the identity: $(cat "$T/leaf2.log")"
grep -q "online" "$T/leaf2.log" || fail "restarted leaf never went online"
echo ok
