#!/bin/bash
# A program with file capabilities run by an ordinary user: Debian's ping (cap_net_raw=ep) as nobody
# under ztrun none. The filter's no_new_privs means exec gains no capability, and ld.so ignores
# LD_PRELOAD for a capability program (AT_SECURE), so only the supervisor sees its sockets: an ICMP
# datagram socket with IP_RECVTTL, and receives bounded by SO_RCVTIMEO. Its echoes are answered on
# the virtual loopback (TTL 255, the stack's), every one of them.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to run ping as another user (runuser)"
command -v runuser >/dev/null || skip "no runuser"
PING=$(command -v ping) || skip "no ping (iputils-ping)"
id nobody >/dev/null 2>&1 || skip "no user nobody"
# nobody needs to reach ztrun and a home of its own
chmod 711 "$T"
mkdir -m 0700 "$T/nb" "$T/nb/run"
chown -R nobody "$T/nb"
cp "$ZTRUN" "$T/ztrun" && chmod 755 "$T/ztrun"
set +e
runuser -u nobody -- env HOME="$T/nb" ZTRUN_HOME="$T/nb/home" ZTRUN_PLANET="$ZTRUN_PLANET" \
	XDG_RUNTIME_DIR="$T/nb/run" timeout 30 "$T/ztrun" none -- "$PING" -c 3 -i 0.2 -W 5 127.0.0.1 >ping.out 2>&1
rc=$?
set -e
cp ping.out "$T/ping.log"
[ $rc = 0 ] || fail "ping as nobody under ztrun: status $rc"
grep -q "^3 packets transmitted, 3 received" "$T/ping.log" || fail "not every echo was answered"
[ "$(grep -c "ttl=255" "$T/ping.log")" = 3 ] || fail "the replies are not the virtual stack's (TTL 255)"
echo "PASS ping (file capabilities) as an ordinary user: all on the virtual loopback"
