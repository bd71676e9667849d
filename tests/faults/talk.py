#!/usr/bin/env python3
"""Two ends that keep talking, for tests that break the network under them.

server PORT: echoes every line back, on as many connections as come.
client HOST PORT: one connection held open for the whole run, and a new connection every
  0.5 s; on both it sends a line and waits (2 s at most) for the same line back, 4 KiB of it
  each 0.2 s on the held one. It prints one line per exchange, "held ok TIME", "new ok TIME",
  or "held fail TIME why" / "new fail TIME why" (TIME in seconds since the epoch). A held
  connection that fails is not opened again: every later exchange on it is "held fail"."""
import os
import socket
import sys
import threading
import time


def serve(port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(64)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def echo(c):
    with c, c.makefile("rb") as f:
        for line in f:
            c.sendall(line)


def exchange(s, f, payload):
    s.sendall(payload)
    back = f.readline()
    if back != payload:
        raise OSError("got %d bytes back, sent %d" % (len(back), len(payload)))


out_lock = threading.Lock()


def say(what, ok, why=""):
    with out_lock:
        print(what, "ok" if ok else "fail", "%.3f" % time.time(), why, flush=True)


def held(host, port):
    try:
        s = socket.create_connection((host, port), timeout=10)
        s.settimeout(2)
        f = s.makefile("rb")
    except OSError as e:
        s = None
        why = str(e)
    n = 0
    while True:
        if s:
            n += 1
            try:
                exchange(s, f, b"%08d " % n + os.urandom(2046).hex().encode() + b"\n")
                say("held", True)
            except OSError as e:
                why = str(e) or type(e).__name__
                s.close()
                s = None
        if not s:
            say("held", False, why)
        time.sleep(0.2)


def fresh(host, port):
    while True:
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                s.settimeout(2)
                exchange(s, s.makefile("rb"), b"hello %f\n" % time.time())
            say("new", True)
        except OSError as e:
            say("new", False, str(e) or type(e).__name__)
        time.sleep(0.5)


if sys.argv[1] == "server":
    serve(int(sys.argv[2]))
else:
    host, port = sys.argv[2], int(sys.argv[3])
    threading.Thread(target=fresh, args=(host, port), daemon=True).start()
    held(host, port)
