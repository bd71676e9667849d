#!/bin/bash
# Debian's ping (file capability cap_net_raw) under ztrun none, as root keeps its capabilities: it
# runs, gets its echo replies over IPv4 and IPv6 with their real TTL (not 0), and warns of nothing.
. "$(dirname "$0")/../common/lib.sh"
command -v ping >/dev/null || skip "no ping (package iputils-ping)"
for dst in 127.0.0.1 ::1; do
	zt none -- ping -c 2 -W 5 "$dst"
	expect_rc 0 "ping $dst"
	[ ! -s "$T/err" ] || fail "ping $dst warned: $(cat "$T/err")"
	grep -q "2 received" "$T/out" || fail "ping $dst: $(cat "$T/out")"
	ttl=$(grep -o 'ttl=[0-9]*' "$T/out" | head -1 | cut -d= -f2)
	[ -n "$ttl" ] && [ "$ttl" -gt 0 ] || fail "ping $dst shows ttl=${ttl:-none}: $(cat "$T/out")"
done
echo "PASS ping under ztrun (ttl $ttl)"
