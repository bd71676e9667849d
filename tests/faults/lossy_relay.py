#!/usr/bin/env python3
"""A lossy UDP underlay for ZeroTier nodes: every address a node learns is one of ours.

The planet names the relay's listening port as the root's endpoint; the relay forwards what arrives
there to the root's real port. Every other endpoint that talks through the relay gets a socket of
its own here (its address as the others see it, as behind a NAT), so nodes that the root introduces
to each other reach each other through the relay too: a datagram that arrives at the socket standing
for endpoint E, from endpoint X, leaves the socket standing for X towards E. On the way each datagram
may be dropped, duplicated or held back a few milliseconds (reordered), each at its own rate, from a
seeded random source so a run can be repeated.

usage: lossy_relay.py LISTEN_PORT [ROOT_IP/]ROOT_PORT [--bind IP] [--loss P] [--dup P] [--reorder P]
                      [--seed N]
Its sockets are on 127.0.0.1, or on --bind's address (stock nodes refuse loopback paths: for them
the relay runs on a veth address in a network namespace). It prints "ready" when it listens and, at
SIGTERM, one line of counters."""
import argparse
import heapq
import random
import selectors
import signal
import socket
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("listen", type=int)
ap.add_argument("root")
ap.add_argument("--bind", default="127.0.0.1")
ap.add_argument("--loss", type=float, default=0.0)
ap.add_argument("--dup", type=float, default=0.0)
ap.add_argument("--reorder", type=float, default=0.0)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--trace", help="write a line per second: datagrams and bytes per direction")
o = ap.parse_args()
rnd = random.Random(o.seed)
sel = selectors.DefaultSelector()
stand_for = {}  # real endpoint -> our socket that stands for it
count = {"in": 0, "out": 0, "dropped": 0, "duplicated": 0, "reordered": 0}


def socket_for(real, port=0):
    s = stand_for.get(real)
    if s is None:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        s.bind((o.bind, port))
        s.setblocking(False)
        stand_for[real] = s
        sel.register(s, selectors.EVENT_READ, real)
    return s


def send(s, data, to):
    try:
        s.sendto(data, to)
        count["out"] += 1
        if o.trace:
            trace.setdefault(("out", s.getsockname()[1], to[1]), [0, 0])[0] += 1
    except (BlockingIOError, ConnectionRefusedError):
        count["dropped"] += 1  # a full buffer or a dead endpoint: loss as the wire would have it


held = []  # (due, seq, socket, data, to)
seq = 0


def forward(s, data, to):
    global seq
    if rnd.random() < o.loss:
        count["dropped"] += 1
        return
    copies = 2 if rnd.random() < o.dup else 1
    count["duplicated"] += copies - 1
    for _ in range(copies):
        if rnd.random() < o.reorder:
            count["reordered"] += 1
            seq += 1
            heapq.heappush(held, (time.monotonic() + rnd.uniform(0.001, 0.008), seq, s, data, to))
        else:
            send(s, data, to)


stop = False
trace = {}
next_trace = 0


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)
root_ip, _, root_port = o.root.rpartition("/")
socket_for((root_ip or "127.0.0.1", int(root_port)), o.listen)
print("ready", flush=True)
while not stop:
    timeout = max(0.0, held[0][0] - time.monotonic()) if held else 0.5
    for key, _ in sel.select(timeout):
        dest = key.data  # the real endpoint this socket stands for
        for _ in range(64):
            try:
                data, src = key.fileobj.recvfrom(65535)
            except (BlockingIOError, ConnectionRefusedError):
                break
            count["in"] += 1
            if o.trace:
                k = (src[1], dest[1])
                t = trace.setdefault(k, [0, 0])
                t[0] += 1
                t[1] += len(data)
            forward(socket_for(src), data, dest)
    now = time.monotonic()
    if o.trace and now >= next_trace:
        with open(o.trace, "a") as f:
            f.write("%.0f %s\n" % (now, " ".join(":".join(map(str, k)) + "=%d/%d" % tuple(v) for k, v in sorted(trace.items(), key=str))))
        trace.clear()
        next_trace = now + 1
    while held and held[0][0] <= now:
        _, _, s, data, to = heapq.heappop(held)
        send(s, data, to)
print(" ".join(f"{k}={v}" for k, v in count.items()), "endpoints=%d" % len(stand_for), flush=True)
sys.exit(0)
