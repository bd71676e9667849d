#!/usr/bin/env python3
"""Opens, uses and closes COUNT TCP connections one after another: an HTTP GET to HOST:PORT, the
whole answer read, then close. After WARM of them it writes DIR/warm and waits for DIR/go-warm
(the test samples ztrun's fds and memory meanwhile); after all, DIR/done and waits for DIR/go-done.
usage: churn_client.py HOST PORT WARM COUNT DIR"""
import os
import socket
import sys
import time

host, port, warm, count, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]


def mark(name):
    open(os.path.join(d, name + ".tmp"), "w").write("%d\n" % n)
    os.rename(os.path.join(d, name + ".tmp"), os.path.join(d, name))
    while not os.path.exists(os.path.join(d, "go-" + name)):
        time.sleep(0.05)


def one(i):
    for attempt in range(20):
        try:
            s = socket.create_connection((host, port), timeout=20)
            break
        except OSError:
            time.sleep(0.2)  # the server may still be starting
    else:
        raise SystemExit("cannot connect to %s:%d" % (host, port))
    s.sendall(b"GET /c%d HTTP/1.0\r\n\r\n" % i)
    data = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        data += b
    s.close()
    if not data.startswith(b"HTTP/1.0 200") or not data.endswith(b"path: /c%d\n" % i):
        raise SystemExit("connection %d: bad answer %r" % (i, data[:200]))


n = 0
start = time.monotonic()
for n in range(1, warm + 1):
    one(n)
mark("warm")
t = time.monotonic()
for n in range(warm + 1, warm + count + 1):
    one(n)
print("%d connections in %.1f s" % (count, time.monotonic() - t), flush=True)
mark("done")
