#!/bin/bash
# Isolation whatever the program does: with a listener on the host's loopback, `env -u LD_PRELOAD curl`,
# bash's /dev/tcp without the shim, and (as root) a child that drops its uid and then execs, so ld.so
# cannot read the 0500 shim, all fail to connect (the virtual network has no such server) and the host
# listener sees nothing; a server started without the shim is reachable inside, not from the host.
# A joined loopback connection's socket (a kernel TCP socket), disconnected and connected again to
# the host listener's port, by a static program and through the shim, reaches nothing either.
# Where seccomp user notification is unavailable (here: ztrun inside ztrun, one listener per process
# tree) ztrun says so once and runs with LD_PRELOAD only. no_new_privs: as root ztrun leaves it off;
# an ordinary user's ztrun sets it, so a setuid-root program inside runs without privilege.
. "$(dirname "$0")/lib.sh"
RAWNET=$(realpath "${2:?usage: $0 ZTRUN RAWNET}")
P=$(pick_port)
Q=$(pick_port)
start_host_listener "$P"
cd "$WORK"
cat >rejoin.py <<'EOF'
import ctypes, socket, sys
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
c = socket.socket(); c.connect(l.getsockname()); a, _ = l.accept()
unspec = (ctypes.c_ubyte * 16)()  # a sockaddr of family AF_UNSPEC: disconnect
if ctypes.CDLL(None, use_errno=True).connect(c.fileno(), unspec, 16) != 0:
    sys.exit("connect(AF_UNSPEC): errno %d" % ctypes.get_errno())
try:
    c.connect(("127.0.0.1", int(sys.argv[1]))); print("reached")
except OSError:
    print("refused")
EOF
"$ZTRUN" none -- bash -c "
	$WAIT_PORT
	'$RAWNET' rejoin $P >rejoin.static 2>&1
	python3 rejoin.py $P >rejoin.shim 2>&1
	env -u LD_PRELOAD curl -sS -m 5 http://127.0.0.1:$P/ >curl.out 2>&1 && echo reached >curl.status || echo refused >curl.status
	env -u LD_PRELOAD bash -c 'exec 3<>/dev/tcp/127.0.0.1/$P' 2>/dev/null && echo reached >bash.status || echo refused >bash.status
	env -u LD_PRELOAD python3 -m http.server $Q --bind 127.0.0.1 >server.log 2>&1 &
	wait_port 127.0.0.1 $Q && touch up
	curl -sS -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$Q/ >inside.code
	while [ ! -e checked ]; do sleep 0.05; done
	kill %1
" &
zt=$!
while [ ! -e up ]; do sleep 0.05; kill -0 $zt 2>/dev/null || fail "ztrun exited early"; done
assert_host_unreachable "$Q"
touch checked
wait $zt || fail "ztrun exited with $?"
[ "$(cat curl.status)" = refused ] || fail "env -u LD_PRELOAD curl: $(cat curl.out)"
grep -q "Connection refused\|Couldn't connect" curl.out || fail "curl without the shim: $(cat curl.out)"
[ "$(cat bash.status)" = refused ] || fail "bash /dev/tcp without the shim reached a server"
[ "$(cat inside.code)" = 200 ] || fail "a server started without the shim was not reachable inside"
[ "$(cat rejoin.static)" = refused ] || fail "a static program's joined socket, connected again: $(cat rejoin.static)"
[ "$(cat rejoin.shim)" = refused ] || fail "a joined socket connected again through the shim: $(cat rejoin.shim)"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 711 "$WORK"
	mkdir -m 777 uid
	"$ZTRUN" --keep-caps none -- setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "
		grep -c ztrun-preload /proc/self/maps >uid/uid.maps
		curl -sS -m 5 http://127.0.0.1:$P/ >uid/uid.out 2>&1 && echo reached >uid/uid.status || echo refused >uid/uid.status" 2>uid.err || true
	[ "$(cat uid/uid.maps)" = 0 ] || fail "the uid-dropped child loaded the shim: this test needs one that cannot"
	[ "$(cat uid/uid.status)" = refused ] || fail "uid-dropped child: $(cat uid/uid.out)"
	grep -q "Connection refused\|Couldn't connect" uid/uid.out || fail "uid-dropped child: $(cat uid/uid.out)"
else
	echo "SKIP uid drop: not root"
fi
assert_host_untouched

# ztrun inside ztrun: the inner one cannot have a listener of its own and says so, once. (Started
# without the shim: an ASan build of ztrun must have its runtime first.)
"$ZTRUN" none -- env -u LD_PRELOAD "$ZTRUN" none -- true 2>nested.err || fail "nested ztrun: $(cat nested.err)"
[ "$(grep -c 'seccomp user notification is not available' nested.err)" = 1 ] ||
	fail "nested ztrun did not say once that it runs without seccomp: $(cat nested.err)"

# no_new_privs and setuid programs
nnp() { grep NoNewPrivs /proc/self/status | tr -d ' \t' | cut -d: -f2; }
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	[ "$("$ZTRUN" none -- grep NoNewPrivs /proc/self/status | tr -d ' \t')" = NoNewPrivs:0 ] ||
		fail "as root, COMMAND runs with no_new_privs"
	mkdir -p nobody/bin nobody/run
	cp "$ZTRUN" /usr/bin/id nobody/bin/
	chown root:root nobody/bin/id && chmod 4755 nobody/bin/id
	chown 65534:65534 nobody/run && chmod 700 nobody/run
	chmod 755 "$WORK" nobody nobody/bin
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all env XDG_RUNTIME_DIR="$WORK/nobody/run" "$@"; }
	if [ "$(as_nobody nobody/bin/id -u)" = 0 ]; then
		[ "$(as_nobody nobody/bin/ztrun none -- grep NoNewPrivs /proc/self/status | tr -d ' \t')" = NoNewPrivs:1 ] ||
			fail "an ordinary user's COMMAND runs without no_new_privs"
		out=$(as_nobody nobody/bin/ztrun none -- nobody/bin/id -u) || fail "setuid id inside ztrun failed"
		[ "$out" = 65534 ] || fail "a setuid-root program gained root inside an ordinary user's ztrun: $out"
	else
		echo "SKIP setuid: the setuid bit does not work in $WORK"
	fi
fi
echo "PASS no way out: LD_PRELOAD removed, /dev/tcp, uid dropped; nested ztrun falls back, said once"
