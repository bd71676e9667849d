#!/bin/bash
# A Go program (gonet/, built here with Debian's golang-go, CGO_ENABLED=0: no libc, every network
# call a raw syscall) under ztrun none: a TCP server and client, UDP both ways, and names through
# Go's own resolver, which reads the host's /etc/resolv.conf: its queries go to the network's
# nameserver (here a DNS server inside ztrun named by ZTRUN_RESOLV_CONF); with none, a lookup fails at
# once. The server is not reachable from the host; the host listener is never reached.
# usage: go.sh ZTRUN CACHE_DIR (Go's build cache is kept there between runs)
. "$(dirname "$0")/lib.sh"
CACHE=$(realpath -m "${2:?usage: $0 ZTRUN CACHE_DIR}")
command -v go >/dev/null || skip "no go (Debian package golang-go)"
mkdir -p "$CACHE"
( cd "$SANDBOX_DIR/gonet" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$CACHE/build" \
	GOPATH="$CACHE/path" go build -o "$WORK/gonet" . ) || fail "go build"
G="$WORK/gonet"
P=$(pick_port)
Q=$(pick_port)
start_host_listener "$Q"
cd "$WORK"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:2\n' >resolv.conf
ZTRUN_RESOLV_CONF="$WORK/resolv.conf" "$ZTRUN" none -- bash -c "
	set -e
	$WAIT_PORT
	'$G' serve 127.0.0.1:$P >serve.out 2>&1 &
	wait_port 127.0.0.1 $P
	touch up
	while [ ! -e checked ]; do sleep 0.05; done
	'$G' send 127.0.0.1:$P hello >send.out
	wait
	'$G' udp-echo 127.0.0.1:$P >udp-echo.out &
	for i in \$(seq 200); do grep -q bound udp-echo.out && break; sleep 0.05; done
	'$G' udp-send 127.0.0.1:$P hi >udp-send.out
	wait
	'$G' send 127.0.0.1:$Q hello >leak.out 2>&1 && echo reached >leak.status || echo refused >leak.status
	python3 '$SANDBOX_DIR/../integration/fakedns.py' dns-up &
	for i in \$(seq 200); do [ -e dns-up ] && break; sleep 0.05; done
	'$G' lookup test.example >lookup.out
	'$G' lookup localhost >localhost.out
	kill %1
" &
zt=$!
while [ ! -e up ]; do sleep 0.05; kill -0 $zt 2>/dev/null || fail "ztrun exited early: $(cat serve.out)"; done
assert_host_unreachable "$P"
touch checked
wait $zt || fail "ztrun exited with $?"
grep -qx "echo: hello" send.out || fail "TCP: $(cat send.out)"
grep -qx "from 127.0.0.1:$P: echo: hi" udp-send.out || fail "UDP: $(cat udp-send.out)"
[ "$(cat leak.status)" = refused ] || fail "Go reached the host's loopback: $(cat leak.out)"
[ "$(sort lookup.out | tr '\n' ' ')" = "10.9.8.7 fd00::7 " ] || fail "lookup test.example: $(cat lookup.out)"
grep -qx "127.0.0.1" localhost.out || fail "lookup localhost: $(cat localhost.out)"

# No nameserver on the network (none): the lookup fails at once instead of waiting for the host's.
start=$(date +%s%3N)
"$ZTRUN" none -- "$G" lookup test.example >nodns.out 2>&1 && fail "test.example resolved without a nameserver"
t=$(( $(date +%s%3N) - start ))
[ "$t" -lt 3000 ] || fail "a lookup without a nameserver took $t ms"
assert_host_untouched
echo "PASS Go: TCP, UDP and names on the virtual network (failed lookup in $t ms)"
