#!/bin/bash
# --fallthrough: a server in a network namespace this test makes, which only the host's stack reaches
# (a veth pair), is reached from `ztrun --fallthrough none` by a dynamic program (curl, the shim) and
# by a static one making raw syscalls (rawnet, the seccomp supervisor), over TCP and connected UDP;
# without --fallthrough the same connections fail (all or nothing), and with it the loopback stays
# ztrun's own (a listener on the host's loopback is never reached). A name resolves through the
# host's nameservers, which a private /etc/resolv.conf (a mount namespace) points at a DNS server in
# the namespace: no lookup leaves the machine. Needs root for the namespaces (else skipped).
. "$(dirname "$0")/lib.sh"
RAWNET=$(realpath "${2:?usage: $0 ZTRUN RAWNET [GO_CACHE_DIR]}")
CACHE=${3:+$(realpath -m "$3")}
[ "$(id -u)" = 0 ] && command -v ip >/dev/null && command -v unshare >/dev/null ||
	skip "needs root, iproute2 and unshare for a network namespace"
ns=compatft$$
va=cft$$a vb=cft$$b
net=10.213.$((RANDOM % 250)).
before_cleanup() {
	ip link del "$va" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
}
ip netns add "$ns" || skip "cannot make a network namespace here"
ip link add "$va" type veth peer name "$vb" netns "$ns"
ip addr add "${net}1/30" dev "$va"
ip link set "$va" up
ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0
ip netns exec "$ns" ip addr add "${net}2/30" dev "$vb"
ip netns exec "$ns" ip link set "$vb" up
ip netns exec "$ns" ip link set lo up
S=${net}2
P=$(pick_port)
start_host_listener "$P"
cd "$WORK"
mkdir www && echo "served from the namespace" >www/index.html
ip netns exec "$ns" python3 -m http.server "$P" --bind "$S" --directory www >http.log 2>&1 &
pids+=($!)
wait_for 20 "the namespace's web server" curl -s -o /dev/null "http://$S:$P/"

zt none -- curl -sS -m 10 "http://$S:$P/"
[ "$rc" != 0 ] || fail "without --fallthrough the host's network was reached: $(cat "$T/out")"
zt --fallthrough none -- curl -sS -m 10 "http://$S:$P/"
expect_rc 0 "curl with --fallthrough"
grep -qx "served from the namespace" "$T/out" || fail "curl got: $(cat "$T/out") $(cat "$T/err")"

# The static program: its connect is stopped, falls through and runs on the host's socket.
wait_line() { for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return; sleep 0.05; done; fail "no '$2' in $1: $(cat "$1")"; }
Q=$(pick_port)
ip netns exec "$ns" "$RAWNET" tcp-server "$Q" >srv.out 2>&1 &
pids+=($!)
wait_line srv.out listening
zt none -- "$RAWNET" tcp-client "$S" "$Q" lost
[ "$rc" != 0 ] || fail "a static program reached the host's network without --fallthrough"
zt --fallthrough none -- "$RAWNET" tcp-client-nb "$S" "$Q" static
expect_rc 0 "the static TCP client with --fallthrough"
grep -qx "echo: static" "$T/out" || fail "static TCP: $(cat "$T/out") $(cat "$T/err")"
ip netns exec "$ns" "$RAWNET" udp-server "$Q" >usrv.out 2>&1 &
pids+=($!)
wait_line usrv.out bound
zt --fallthrough none -- "$RAWNET" udp-client-conn "$S" "$Q" datagram
expect_rc 0 "the static connected UDP client with --fallthrough"
grep -qx "from $S port $Q: echo: datagram" "$T/out" || fail "static UDP: $(cat "$T/out") $(cat "$T/err")"

# Names: the network pushes none, so they go to the host's nameservers, here a DNS server in the
# namespace named by a private /etc/resolv.conf (a mount namespace of this test's own).
ip netns exec "$ns" python3 "$SANDBOX_DIR/../integration/fakedns.py" "$T/dns.up" "$S" >dns.log 2>&1 &
pids+=($!)
wait_for 20 "the namespace's DNS server" test -e "$T/dns.up"
echo "nameserver $S" >resolv.conf
lookup_cmd="python3 -c \"import socket; print(socket.getaddrinfo('test.example', 80, socket.AF_INET)[0][4][0])\""
private_resolv() { # [--fallthrough]: the lookup under ztrun none, with our resolv.conf as the host's
	set +e
	unshare -m sh -c "mount --bind '$WORK/resolv.conf' /etc/resolv.conf && exec '$ZTRUN' $* none -- $lookup_cmd" \
		>"$T/out" 2>"$T/err"
	rc=$?
	set -e
}
private_resolv --fallthrough
expect_rc 0 "a name looked up with --fallthrough"
grep -qx "10.9.8.7" "$T/out" || fail "test.example resolved to: $(cat "$T/out") $(cat "$T/err")"
private_resolv
[ "$rc" != 0 ] || fail "without --fallthrough a name resolved through the host: $(cat "$T/out")"
# The same through a Go program's own resolver (the seccomp supervisor), when Go is there.
if [ -n "$CACHE" ] && command -v go >/dev/null; then
	( cd "$SANDBOX_DIR/gonet" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$CACHE/build" \
		GOPATH="$CACHE/path" go build -o "$WORK/gonet" . ) || fail "go build"
	lookup_cmd="'$WORK/gonet' lookup test.example"
	private_resolv --fallthrough
	expect_rc 0 "Go's resolver with --fallthrough"
	grep -q "10.9.8.7" "$T/out" || fail "Go's lookup of test.example: $(cat "$T/out") $(cat "$T/err")"
fi

# Loopback is ztrun's own whatever the option: the host's listener on it hears nothing.
zt --fallthrough none -- curl -sS -m 5 "http://127.0.0.1:$P/"
[ "$rc" != 0 ] || fail "--fallthrough reached the host's loopback: $(cat "$T/out")"
assert_host_untouched
echo "PASS --fallthrough: TCP and connected UDP to a namespace only the host reaches; loopback stays ours"
