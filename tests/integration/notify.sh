#!/bin/bash
# Readiness for systemd (Type=notify), against a socket this test makes: ztrun sends READY=1 once
# COMMAND has been exec'd, and on a ZeroTier network only after the network has its addresses;
# STOPPING=1 when it forwards SIGTERM. NOTIFY_SOCKET is ztrun's, not passed on to COMMAND. The same
# for `ztrun service` (and its --ready-fd): ready once its networks' sockets exist.
# Usage: notify.sh ZTRUN HTTPSTUB
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/lib.sh"
STUB=$(realpath "$2")
cd "$WORK"
before_cleanup() { bash "$HERE/../../cmake/package/ztrun-ctest.sh" cleanup "$ZTRUN" "$WORK/net"; }

n=0
listen() { # listen SOCKET UNTIL [FILE TEXT]: a receiver in the background, its output in a new recv.out
	n=$((n + 1))
	python3 "$HERE/notify_recv.py" "$@" >recv$n.out 2>&1 &
	r=$!
	pids+=($r)
	for _ in $(seq 200); do grep -q listening recv$n.out && { ln -sf recv$n.out recv.out; return; }; sleep 0.05; done
	fail "the receiver did not start: $(cat recv$n.out)"
}

# ztrun none, a path socket: READY=1 from ztrun itself, with COMMAND already exec'd.
listen "$WORK/notify" STOPPING
NOTIFY_SOCKET="$WORK/notify" "$ZTRUN" none -- sh -c 'echo "${NOTIFY_SOCKET-unset}" >env.tmp && mv env.tmp env.out; exec sleep 30' &
zt=$!
for _ in $(seq 200); do grep -q "^children=" recv.out && break; sleep 0.05; done
grep -q "^pid=$zt READY=1|STATUS=running sh on none$" recv.out || fail "no READY=1 from ztrun (pid $zt): $(cat recv.out)"
grep -qE "^children=(sh|sleep)$" recv.out || fail "READY=1 before COMMAND ran: $(cat recv.out)"
# READY=1 follows the exec of sh, not its first line: SIGTERM only once it has written what it saw.
wait_for_file env.out
kill -TERM $zt
wait $zt || true
wait $r || true
grep -q "^pid=$zt STOPPING=1$" recv.out || fail "no STOPPING=1 on SIGTERM: $(cat recv.out)"
[ "$(cat env.out)" = unset ] || fail "COMMAND inherited NOTIFY_SOCKET=$(cat env.out)"

# An abstract socket (@name), as systemd may give.
listen "@ztrun-notify-$$" READY
NOTIFY_SOCKET="@ztrun-notify-$$" "$ZTRUN" none -- true
wait $r || true
grep -q "READY=1" recv.out || fail "abstract socket: no READY=1: $(cat recv.out)"

# On a private ZeroTier network (controller on loopback): READY=1 only once joined.
bash "$HERE/../../cmake/package/ztrun-ctest.sh" setup "$ZTRUN" "$WORK/net" >/dev/null
mkdir -p node
"$ZTRUN" idtool generate node/identity.secret node/identity.public >/dev/null
"$ZTRUN" controller member authorize net/ctl "$(cat net/network)" "$(cut -d: -f1 node/identity.public)" >/dev/null
listen "$WORK/notify2" READY "$WORK/node.log" "joined $(cat net/network)"
NOTIFY_SOCKET="$WORK/notify2" "$ZTRUN" --home node --planet net/ctl/planet "$(cat net/network)" -- \
	"$STUB" 8080 >/dev/null 2>node.log &
zt=$!
wait $r || true
grep -q "^pid=$zt READY=1" recv.out || fail "network: no READY=1: $(cat recv.out) $(cat node.log)"
grep -q "^file=yes$" recv.out || fail "READY=1 before the network was joined: $(cat recv.out) $(cat node.log)"
grep -q "^children=httpstub$" recv.out || fail "network: READY=1 before COMMAND ran: $(cat recv.out)"
kill -TERM $zt
rc=0
wait $zt || rc=$?
[ $rc = 0 ] || fail "ztrun exited $rc after SIGTERM: $(cat node.log)"

# ztrun service: READY=1 (and "1" on --ready-fd, then closed) only once the socket of every network
# of networks.d exists, from the service's own pid; STOPPING=1 on SIGTERM.
NW=$(cat net/network)
mkdir -p svc/networks.d && cp net/ctl/planet svc/planet && touch "svc/networks.d/$NW.conf"
listen "$WORK/notify3" STOPPING "$WORK/svc/nc_$NW" ""
mkfifo ready.fifo
NOTIFY_SOCKET="$WORK/notify3" env -u ZTRUN_PLANET "$ZTRUN" service -p 0 --ready-fd 3 svc 3>ready.fifo 2>svc.log &
svc=$!
pids+=($svc)
# "1" and then end of file (the fd closed), read whole:
word=$(timeout 60 cat ready.fifo) || fail "--ready-fd: no 1 and close within 60 s ('$word'): $(cat svc.log)"
[ "$word" = 1 ] && [ -S "svc/nc_$NW" ] || fail "--ready-fd said '$word' with nc_$NW $(ls svc)"
for _ in $(seq 200); do grep -q "^file=" recv.out && break; sleep 0.05; done
grep -q "^pid=$svc READY=1" recv.out || fail "service: no READY=1 from its pid $svc: $(cat recv.out) $(cat svc.log)"
grep -q "^file=yes$" recv.out || fail "service: READY=1 before nc_$NW existed: $(cat recv.out)"
kill -TERM $svc
wait $svc || fail "the service exited $? after SIGTERM: $(cat svc.log)"
wait $r || true
grep -q "^pid=$svc STOPPING=1$" recv.out || fail "service: no STOPPING=1 on SIGTERM: $(cat recv.out)"
echo "PASS readiness notification"
