#!/bin/bash
# Name resolution under ztrun none never leaves the virtual network: getent and python resolve
# localhost and numeric names; other names fail at once (no nameserver); dns_sockets.sh checks with
# strace that no lookup opens a kernel socket. With ZTRUN_RESOLV_CONF naming a DNS server that runs
# inside ztrun on the virtual 127.0.0.1:53, names resolve through it: truncated replies go to TCP, garbage replies are ignored.
# The interface list holds lo only.
. "$(dirname "$0")/../common/lib.sh"

ms() { date +%s%3N; }

# --- without a nameserver ---
out=$("$ZTRUN" none -- getent hosts localhost) || fail "getent hosts localhost: status $?"
echo "$out" | grep -q "localhost" || fail "getent hosts localhost printed: $out"
out=$("$ZTRUN" none -- getent ahosts 10.1.2.3) || fail "getent ahosts 10.1.2.3: status $?"
echo "$out" | grep -q "^10.1.2.3 " || fail "numeric getent ahosts printed: $out"
out=$("$ZTRUN" none -- getent hosts 127.0.0.1) || fail "getent hosts 127.0.0.1: status $?"
echo "$out" | grep -q "localhost" || fail "reverse of 127.0.0.1 printed: $out"

t0=$(ms)
rc=0
"$ZTRUN" none -- getent hosts example.com >/dev/null || rc=$?
t=$(($(ms) - t0))
[ "$rc" = 2 ] || fail "getent hosts example.com: status $rc, want 2 (not found)"
[ "$t" -lt 2000 ] || fail "getent hosts example.com took $t ms"

"$ZTRUN" none -- python3 -c '
import socket, sys
assert socket.getaddrinfo("localhost", 80, 0, socket.SOCK_STREAM)[0][4][0] in ("127.0.0.1", "::1")
assert socket.getaddrinfo("10.1.2.3", 80, 0, socket.SOCK_STREAM)[0][4] == ("10.1.2.3", 80)
try:
    socket.getaddrinfo("example.com", 80)
    sys.exit("example.com resolved with no nameserver")
except socket.gaierror as e:
    assert e.errno == socket.EAI_AGAIN, e
assert socket.if_nameindex() == [(1, "lo")], socket.if_nameindex()
' || fail "python resolver checks without a nameserver"

# --- a DNS server inside ztrun, on the virtual loopback ---
cat >"$WORK/resolv.conf" <<EOF
nameserver 127.0.0.1
search corp.example
options timeout:1 attempts:2
EOF
cat >"$WORK/fakedns.py" <<'EOF'
import socket, struct, sys, threading

def parse(q):
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode())
        i += 1 + q[i]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    return ".".join(labels).lower(), qtype, i + 5

def rr(typ, rdata):
    return struct.pack(">HHHIH", 0xC00C, typ, 1, 60, len(rdata)) + rdata

def answer(q, tcp):
    name, qtype, end = parse(q)
    flags, ans = 0x8180, []
    if name in ("test.example", "host.corp.example"):
        if qtype == 1:
            ans = [rr(1, socket.inet_aton("10.9.8.7" if name[0] == "t" else "10.1.1.1"))]
        elif qtype == 28 and name[0] == "t":
            ans = [rr(28, socket.inet_pton(socket.AF_INET6, "fd00::7"))]
    elif name == "big.example":
        if not tcp:
            flags |= 0x0200
        elif qtype == 1:
            ans = [rr(1, bytes([10, 3, 0, i])) for i in range(1, 25)]
    elif name == "garbage.example":
        if qtype == 1:
            ans = [rr(1, socket.inet_aton("10.6.6.6"))]
    else:
        flags |= 3
    return name, q[:2] + struct.pack(">HHHHH", flags, 1, len(ans), 0, 0) + q[12:end] + b"".join(ans)

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 53))
tcp = socket.socket()
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("127.0.0.1", 53))
tcp.listen(8)

def serve_udp():
    while True:
        q, peer = udp.recvfrom(512)
        name, r = answer(q, False)
        if name == "garbage.example":
            udp.sendto(r[:2] + b"\x81\x80\x00\x01\x7f\xff" + bytes(range(40)), peer)  # lies about its length
            udp.sendto(r[:-3], peer)  # a record cut short
            udp.sendto(bytes([r[0] ^ 0xFF, r[1]]) + r[2:], peer)  # someone else's ID
        udp.sendto(r, peer)

def serve_tcp():
    while True:
        c, _ = tcp.accept()
        n = struct.unpack(">H", c.recv(2, socket.MSG_WAITALL))[0]
        _, r = answer(c.recv(n, socket.MSG_WAITALL), True)
        c.sendall(struct.pack(">H", len(r)) + r)
        c.close()

threading.Thread(target=serve_tcp, daemon=True).start()
open(sys.argv[1], "w").close()
serve_udp()
EOF
export ZTRUN_RESOLV_CONF="$WORK/resolv.conf"
"$ZTRUN" none -- bash -c "
	set -e
	python3 '$WORK/fakedns.py' '$WORK/dns-up' &
	for i in \$(seq 1 100); do [ -e '$WORK/dns-up' ] && break; sleep 0.05; done
	[ -e '$WORK/dns-up' ] || { echo 'fake DNS server never came up' >&2; exit 1; }
	getent hosts test.example >'$WORK/getent.out'
	getent ahosts host >'$WORK/getent-search.out'
	python3 -c '
import socket
ai = socket.getaddrinfo(\"test.example\", 80, 0, socket.SOCK_STREAM)
assert {a[4][0] for a in ai} == {\"10.9.8.7\", \"fd00::7\"}, ai
big = socket.getaddrinfo(\"big.example\", 80, socket.AF_INET, socket.SOCK_STREAM)
assert len(big) == 24, (\"truncation must fall back to TCP\", big)
g = socket.getaddrinfo(\"garbage.example\", 80, socket.AF_INET, socket.SOCK_STREAM)
assert [a[4][0] for a in g] == [\"10.6.6.6\"], g
try:
    socket.getaddrinfo(\"nx.example\", 80)
    raise SystemExit(\"nx.example resolved\")
except socket.gaierror as e:
    assert e.errno == socket.EAI_NONAME, e
print(\"python: fake DNS answers ok\")
'
	kill %1
" || fail "lookups through the fake DNS server"
grep -q "^fd00::7 *test.example" "$WORK/getent.out" || fail "getent hosts test.example printed: $(cat "$WORK/getent.out")"
grep -q "^10.1.1.1 " "$WORK/getent-search.out" || fail "search list: getent ahosts host printed: $(cat "$WORK/getent-search.out")"
echo "PASS dns: no host resolver, no host interfaces; DNS over the virtual network works"
