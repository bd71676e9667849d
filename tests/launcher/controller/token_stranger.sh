#!/bin/bash
# The management CLI must never hand the token to a stranger: when HOME's lock is held by something that
# does not serve the API, and another process listens on the port in HOME/zerotier-one.port (any local
# user can bind a free port), the CLI refuses at once and the listener receives no token.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"
. "$(dirname "$0")/controller.sh"
PORT=$(pick_port)
start_ctl "$T/ctl" "$PORT"
stop_ctl
# The home is held by a process that is not the controller (it serves nothing) ...
(exec 9>>"$T/ctl/ztrun.lock" && flock 9 && exec sleep 60) & # one process: killing it frees the lock
pids+=($!)
# ... and a stranger listens on the controller's port, recording what it is sent.
python3 - "$PORT" "$T/stranger.txt" >"$T/stranger.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
open(sys.argv[2] + ".ready", "w").close()
while True:
    c, _ = s.accept(); c.settimeout(2)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            d = c.recv(4096)
            if not d: break
            data += d
    except OSError: pass
    open(sys.argv[2], "ab").write(data)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]"); c.close()
PY
pids+=($!)
for _ in $(seq 100); do [ -e "$T/stranger.txt.ready" ] && break; sleep 0.05; done
[ -e "$T/stranger.txt.ready" ] || fail "the stranger never listened"
set +e
"$ZTRUN" controller network list "$T/ctl" >"$T/out" 2>"$T/err"
rc=$?
set -e
[ $rc = 1 ] || fail "the CLI exited $rc talking to a stranger: $(cat "$T/out" "$T/err")"
grep -q "not the" "$T/err" || fail "no clear refusal: $(cat "$T/err")"
if [ -s "$T/stranger.txt" ] && grep -q "$TOKEN" "$T/stranger.txt"; then
	fail "the stranger received the token"
fi
echo ok
