#!/bin/bash
# CPython's own networking test suites (Debian's libpython3.X-testsuite) without ztrun and under
# `ztrun none`, at the same time on this machine, then under `ztrun NWID` on a private network
# (our controller on loopback): every test that passes without ztrun must pass under both, except
# those cpython_known.txt excuses with a reason. Skipped (77) when the suites are not installed.
# PYTHON=... picks another interpreter that has them.
. "$(dirname "$0")/../common/lib.sh"
here=$(dirname "$(realpath "$0")")
PY=${PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import test.test_socket, test.test_asyncio.test_events' 2>/dev/null; then
	skip "$PY has no test suites (Debian: libpython3.11-testsuite, which scripts/deps.sh test installs)"
fi
# test_socketserver asks for regrtest's "network" resource, though it only uses localhost; nothing
# else gets a resource, so no test here reaches beyond loopback. VSOCK tests hang natively on VMs.
MODULES="test_socket test_selectors test_socketserver:network test_httplib test_urllib2_localnet
	test_asyncio.test_sock_lowlevel test_asyncio.test_streams test_asyncio.test_events test_ftplib
	test_smtplib test_poplib test_xmlrpc test_wsgiref test_epoll test_poll test_select"
JOBS=${CPYTHON_JOBS:-3}
start=$(date +%s)
# shellcheck disable=SC2086
"$PY" "$here/cpython_suites.py" run "$WORK/native" -j "$JOBS" -x '*VSOCK*' $MODULES &
native=$!
pids+=($native)
# shellcheck disable=SC2086
"$ZTRUN" none -- "$PY" "$here/cpython_suites.py" run "$WORK/ztrun" -j "$JOBS" -x '*VSOCK*' $MODULES ||
	fail "ztrun exited with $?"
wait $native || fail "the native run exited with $?"
echo "both runs took $(($(date +%s) - start)) s"

# A private network: these suites use only loopback addresses, which the node has too, besides its
# ZeroTier interface and addresses (getifaddrs, binding to any address, the host's name).
cd "$WORK"
PORT=$(pick_port)
"$ZTRUN" controller -p "$PORT" ctl >ctl.log 2>&1 &
ctl=$!
pids+=($ctl)
wait_for 60 "the controller's planet" test -s ctl/planet -a -s ctl/zerotier-one.port
NW=$("$ZTRUN" controller network create ctl --name cpython --pool 10.78.0.0/24 --v6 rfc4193)
mkdir -p node
"$ZTRUN" idtool generate node/identity.secret node/identity.public >/dev/null
"$ZTRUN" controller member authorize ctl "$NW" "$(cut -d: -f1 node/identity.public)" >/dev/null
start=$(date +%s)
# shellcheck disable=SC2086
"$ZTRUN" --home node --planet ctl/planet --wait 60 "$NW" -- "$PY" "$here/cpython_suites.py" run \
	"$WORK/network" -j "$JOBS" -x '*VSOCK*' $MODULES 2>network.log || fail "ztrun $NW exited with $?"
echo "the run on network $NW took $(($(date +%s) - start)) s"

# Loopback connections between the suites' own sockets are kernel TCP connections in a network
# namespace of ztrun's own; where no user namespace can be made they go through lwIP, whose data
# reaches the peer a moment after send() returns, not at once.
known=$here/cpython_known.txt
if ! unshare -Urn true 2>/dev/null; then
	known=$WORK/known.txt
	cp "$here/cpython_known.txt" "$known"
	echo "test.test_epoll.TestEPoll.test_control_and_wait  timing: no user namespaces here (unshare -Urn)" >>"$known"
fi
status=0
echo "== under ztrun none"
"$PY" "$here/cpython_suites.py" compare "$WORK/native" "$WORK/ztrun" --known "$known" ||
	status=1
echo "== under ztrun $NW (a private network)"
"$PY" "$here/cpython_suites.py" compare "$WORK/native" "$WORK/network" --known "$known" ||
	status=1
[ $status = 0 ] || fail "tests that pass without ztrun fail under it (the logs: KEEP_WORK=1, $WORK/*/MODULE.log)"
echo "PASS CPython's suites under ztrun none and on a private network"
