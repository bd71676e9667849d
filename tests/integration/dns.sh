#!/bin/bash
# Name resolution under ztrun none never leaves the virtual network: getent and python resolve
# localhost and numeric names; other names fail at once (no nameserver); dns_sockets.sh checks with
# strace that no lookup opens a kernel socket. With ZTRUN_RESOLV_CONF naming a DNS server that runs
# inside ztrun on the virtual 127.0.0.1:53, names resolve through it: truncated replies go to TCP, garbage replies are ignored.
# The interface list holds lo only.
. "$(dirname "$0")/../common/lib.sh"
FAKEDNS=$(cd "$(dirname "$0")" && pwd)/fakedns.py

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
export ZTRUN_RESOLV_CONF="$WORK/resolv.conf"
"$ZTRUN" none -- bash -c "
	set -e
	python3 '$FAKEDNS' '$WORK/dns-up' &
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
