#!/bin/bash
# Debian's caddy (a Go program: its sockets are raw syscalls, out of the shim's sight) serving a file
# to another node of a private ZeroTier network: ztrun's controller on loopback, caddy under one ztrun
# node, curl under another; the file arrives intact and caddy's port is not open on the host.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
command -v caddy >/dev/null || skip "no caddy (Debian package caddy)"
PORT=$(pick_port)
WEB=$(pick_port)
cd "$WORK"
"$ZTRUN" controller -p "$PORT" ctl 2>ctl.log &
pids+=($!)
controller_up() { [ -s ctl/planet ] && [ -s ctl/zerotier-one.port ]; }
wait_for 60 "the controller" controller_up
NW=$("$ZTRUN" controller network create ctl --name caddy --pool 10.78.0.0/24)
[ ${#NW} = 16 ] || fail "network create printed '$NW'"
for n in a b; do
	mkdir -p $n
	"$ZTRUN" idtool generate $n/identity.secret $n/identity.public >/dev/null
	"$ZTRUN" controller member authorize ctl "$NW" "$(cut -d: -f1 $n/identity.public)" >/dev/null
done
mkdir -p www caddy-home
head -c 3000000 /dev/urandom >www/blob
want=$(sha256sum <www/blob)
HOME="$WORK/caddy-home" XDG_DATA_HOME="$WORK/caddy-home" XDG_CONFIG_HOME="$WORK/caddy-home" \
	"$ZTRUN" --home a --planet ctl/planet --wait 30 "$NW" -- \
	caddy file-server --listen ":$WEB" --root "$WORK/www" >a.log 2>&1 &
pids+=($!)
wait_for 60 "caddy's node to join" grep -q "joined $NW" a.log
A4=$(grep -o '10\.78\.0\.[0-9]*' a.log | head -1)
[ -n "$A4" ] || fail "caddy's node never joined: $(cat a.log)"
"$ZTRUN" --home b --planet ctl/planet --wait 30 "$NW" -- \
	curl -sS -m 20 --retry 5 --retry-connrefused -o got "http://$A4:$WEB/blob" 2>b.log || fail "curl: $(cat b.log)"
[ "$(sha256sum <got)" = "$want" ] || fail "the file arrived damaged"
assert_host_unreachable "$WEB"
echo "PASS caddy served 3 MB to another node of a private network"
