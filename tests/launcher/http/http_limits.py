#!/usr/bin/env python3
"""The API's HTTP server against clients that try to hold it up or fill its memory (slowloris and friends),
over raw sockets.

usage: http_limits.py PORT TOKEN PID NWID (NWID: a network the 100-POST burst renames)
Each case checks that a legitimate request is still answered at once, that no client is reset, and that
memory stays bounded. Exits non-zero with a message on the first failure."""
import json
import select
import socket
import sys
import threading
import time

from rawhttp import connector, fail, read_all

PORT, TOKEN, PID, NWID = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
MAX_CONNS = 64   # ZT_HTTP_MAX_CONNS
HEAD_MS = 5000   # ZT_HTTP_HEAD_MS
connect = connector(PORT)


def status_of(data):
    if not data.startswith(b"HTTP/1.1 "):
        return None
    return int(data.split()[1])


def legit(what, limit=3.0):
    """A whole request with the token is answered 200 within `limit` seconds."""
    t0 = time.time()
    s = connect()
    s.sendall(("GET /controller HTTP/1.1\r\nX-ZT1-Auth: %s\r\nConnection: close\r\n\r\n" % TOKEN).encode())
    data = read_all(s)
    s.close()
    took = time.time() - t0
    if status_of(data) != 200:
        fail("%s: a legitimate request got %r" % (what, data[:120]))
    if took > limit:
        fail("%s: a legitimate request took %.1f s" % (what, took))
    return took


def rss_kb():
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# --- Idle connections: more than the server keeps take the oldest ones' places -----------------------------
idle = [connect() for _ in range(MAX_CONNS + 16)]
time.sleep(0.5)
legit("80 idle connections")
time.sleep(0.5)
closed = []
for i, s in enumerate(idle):
    r, _, _ = select.select([s], [], [], 0)
    if r:
        data = read_all(s, timeout=2)
        if status_of(data) != 408 or data.endswith(b"<reset>") or data.endswith(b"<open>"):
            fail("an idle connection that gave up its place: expected a whole 408 and close, got %r" % data)
        closed.append(i)
still = [i for i in range(len(idle)) if i not in closed]
if len(still) > MAX_CONNS or not closed or max(closed) > min(still):
    fail("80 idle connections: the oldest must give way; closed %r" % closed)
for s in idle:
    s.close()

# --- Slowloris: 64 partial heads, a byte each second, and the attacker reconnecting what is closed ----------
stop = threading.Event()
reconnects = [0]


def dribbler():
    conns = []
    while not stop.is_set():
        while len(conns) < MAX_CONNS and not stop.is_set():
            try:
                s = connect()
                s.sendall(b"GET /controller HTTP/1.1\r\nX-Slow: ")
                conns.append(s)
                reconnects[0] += 1
            except OSError:
                time.sleep(0.05)
        for s in list(conns):
            try:
                s.send(b"z")
                r, _, _ = select.select([s], [], [], 0)
                if r:
                    raise ConnectionError  # answered (408): start another
            except OSError:
                s.close()
                conns.remove(s)
        stop.wait(0.2)
    for s in conns:
        s.close()


t = threading.Thread(target=dribbler)
t.start()
time.sleep(1.5)
worst = 0
for _ in range(20):
    worst = max(worst, legit("64 dribbling clients that reconnect", limit=3.0))
    time.sleep(0.3)  # the attacker fills the freed slot again
stop.set()
t.join()
print("slowloris: 20 requests, slowest %.2f s, %d attacker connections" % (worst, reconnects[0]))

# --- One dribbler alone: its head's deadline runs from its first byte, whatever it sends after -------------
s = connect()
t0 = time.time()
s.sendall(b"GET /controller HTTP/1.1\r\n")
data = b""
while time.time() - t0 < HEAD_MS / 1000 + 10:
    r, _, _ = select.select([s], [], [], 1.0)
    if r:
        data = read_all(s, timeout=2)
        break
    try:
        s.send(b"X-A: b\r\n")
    except OSError:
        break
took = time.time() - t0
s.close()
if status_of(data) != 408 or b"close" not in data.lower():
    fail("a head sent a line a second: expected 408 and close, got %r" % data[:200])
if took < HEAD_MS / 1000 - 0.5 or took > HEAD_MS / 1000 + 5:
    fail("a head sent a line a second was cut after %.1f s (deadline %d ms)" % (took, HEAD_MS))

# --- The token is checked before a body is read ------------------------------------------------------------
s = connect()
t0 = time.time()
s.sendall(b"POST /controller/network HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n{")
data = read_all(s, timeout=5)
s.close()
if status_of(data) != 401 or time.time() - t0 > 3:
    fail("a 1 MiB POST without a token must be refused from its head: %r" % data[:200])
before = rss_kb()
senders = []
body = b"{" + b" " * ((1 << 20) - 2) + b"}"
for _ in range(MAX_CONNS):
    s = connect()
    s.sendall(b"POST /controller/network HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body))
    senders.append(s)


def push(s):
    try:
        s.sendall(body)
    except OSError:
        pass


ths = [threading.Thread(target=push, args=(s,)) for s in senders]
for th in ths:
    th.start()
peak = before
for th in ths:
    th.join(20)
    peak = max(peak, rss_kb())
for s in senders:
    s.close()
if peak - before > 16 * 1024:
    fail("64 unauthenticated 1 MiB bodies: RSS %d kB -> %d kB" % (before, peak))
print("64 unauthenticated 1 MiB POSTs: RSS %d kB -> %d kB at most" % (before, peak))

# --- 100 POSTs at once: every one gets a whole answer, none a reset -----------------------------------------
req = "POST /controller/network/%s HTTP/1.1\r\nX-ZT1-Auth: %s\r\nContent-Length: %%d\r\nConnection: close\r\n\r\n" % (
    NWID, TOKEN)
answers = {}
lock = threading.Lock()
gate = threading.Barrier(100)


def poster(i):
    b = json.dumps({"name": "burst%d" % i}).encode()
    gate.wait()
    try:
        s = connect()
        s.sendall((req % len(b)).encode() + b)
        data = read_all(s)
        s.close()
    except OSError as e:
        data = repr(e).encode()
    st = status_of(data) if not data.endswith((b"<reset>", b"<open>")) else None
    with lock:
        answers[st] = answers.get(st, 0) + 1


ths = [threading.Thread(target=poster, args=(i,)) for i in range(100)]
for th in ths:
    th.start()
for th in ths:
    th.join()
if set(answers) - {200, 408, 503}:
    fail("100 POSTs at once: answers %r (None: a reset, or no answer)" % answers)
print("100 POSTs at once: %r" % answers)

# --- Every slot busy with an authorized request: the newcomer is told 503, whole ----------------------------
busy = []
for _ in range(MAX_CONNS):
    s = connect()
    s.sendall(("POST /controller/network HTTP/1.1\r\nX-ZT1-Auth: %s\r\nContent-Length: 10\r\n\r\n{" % TOKEN).encode())
    busy.append(s)
time.sleep(0.5)
s = connect()
s.sendall(b"POST /controller/network HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
data = read_all(s, timeout=5)
s.close()
if status_of(data) != 503 or b"too many" not in data or b"Connection: close" not in data:
    fail("a 65th connection while 64 send bodies: expected a whole 503, got %r" % data[:300])
for s in busy:
    s.close()
time.sleep(0.3)
legit("after the busy slots closed")
print("ok")
