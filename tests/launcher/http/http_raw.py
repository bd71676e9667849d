#!/usr/bin/env python3
"""Bad and odd HTTP against a running controller's API, over raw sockets: what curl cannot send.

usage: http_raw.py PORT TOKEN NWID
Each case checks the answer (status, Connection, a clear JSON error) and that the server keeps serving.
Exits non-zero with a message on the first failure."""
import json
import socket
import sys
import time

from rawhttp import connector, fail, read_all

PORT, TOKEN, NWID = int(sys.argv[1]), sys.argv[2], sys.argv[3]
connect = connector(PORT)


def responses(data):
    """Splits raw bytes into (status, headers dict, body) answers, by Content-Length."""
    out = []
    while data.startswith(b"HTTP/"):
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        n = int(hdrs.get("content-length", "0"))
        out.append((status, hdrs, rest[:n]))
        data = rest[n:]
    return out, data


def exchange(raw, half_close=False, timeout=10):
    s = connect()
    try:
        s.sendall(raw)
    except (BrokenPipeError, ConnectionResetError):
        pass
    if half_close:
        s.shutdown(socket.SHUT_WR)
    data = read_all(s, timeout)
    s.close()
    return responses(data)


def expect_error(raw, status, what, words=None):
    rs, rest = exchange(raw)
    if not rs:
        fail("%s: no answer (got %r)" % (what, rest[:200]))
    st, h, body = rs[0]
    if st != status:
        fail("%s: status %d, expected %d: %r" % (what, st, status, body))
    if h.get("connection") != "close":
        fail("%s: an error that desynchronizes the stream must close it (Connection: %s)" % (what, h.get("connection")))
    try:
        err = json.loads(body)["error"]
    except Exception:
        fail("%s: body is not {\"error\": ...}: %r" % (what, body))
    if words and words not in err:
        fail("%s: error %r does not say %r" % (what, err, words))
    if len(rs) != 1:
        fail("%s: more than one answer after an error: %r" % (what, rs))


def get(path, token=TOKEN, extra=b""):
    return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-ZT1-Auth: %s\r\n" % (path, token)).encode() + extra + b"\r\n"


def alive(what):
    rs, _ = exchange(get("/controller", extra=b"Connection: close\r\n"))
    if not rs or rs[0][0] != 200:
        fail("after %s the API no longer answers: %r" % (what, rs))


# --- Malformed requests: 400 and close ------------------------------------------------------------------
expect_error(b"garbage\r\n\r\n", 400, "no request line")
expect_error(b"GET /controller\r\nHost: x\r\n\r\n", 400, "no version")
expect_error(b"GET  /controller HTTP/1.1\r\nHost: x\r\n\r\n", 400, "double space")
expect_error(b"GET controller HTTP/1.1\r\nHost: x\r\n\r\n", 400, "not origin-form")
expect_error(b"GET /controller HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400, "space in a field name")
expect_error(b"GET /controller HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n", 400, "space before the colon")
expect_error(b"GET /controller HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n continued\r\n\r\n", 400, "obs-fold")
expect_error(b"GET /controller HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400, "bare CR")
expect_error(b"GET /controller HTTP/1.1\r\nHost: x\r\nX-A: \x01\r\n\r\n", 400, "control character")
# HTTP/1.1 without Host: RFC 9112 says 400, but stock's zerotier-cli sends exactly this (and stock's
# server answers it), so it is served, with the token checked as ever.
rs, _ = exchange(("GET /controller HTTP/1.1\r\nX-ZT1-Auth: %s\r\nConnection: close\r\n\r\n" % TOKEN).encode())
if not rs or rs[0][0] != 200:
    fail("HTTP/1.1 without Host (as zerotier-cli sends it): %r" % (rs,))
rs, _ = exchange(b"GET /controller HTTP/1.1\r\nConnection: close\r\n\r\n")
if not rs or rs[0][0] != 401:
    fail("HTTP/1.1 without Host or token: %r" % (rs,))
expect_error(b"GET /controller HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts")
expect_error(b"POST /controller/network HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
             400, "two different Content-Lengths")
expect_error(b"POST /controller/network HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400,
             "negative Content-Length")
expect_error(b"POST /controller/network HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n", 400,
             "Content-Length not digits")
expect_error(b"\x00\xff\xfe binary \x00\r\n\r\n", 400, "binary junk")
expect_error(b"PROPFINDPROPFINDX /controller HTTP/1.1\r\nHost: x\r\n\r\n", 501, "a 17-character method",
             "method not implemented")
expect_error(b"GET /controller HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP/2.0", "HTTP/1.0 and HTTP/1.1")
expect_error(b"POST /controller/network HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501,
             "chunked", "Content-Length")
alive("malformed requests")

# --- Too large: 431 / 414 / 413 ---------------------------------------------------------------------------
expect_error(b"GET /controller HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", 431, "20 KB header",
             "16 KiB")
expect_error(b"GET /controller HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(100)) + b"\r\n",
             431, "100 header fields", "64 header fields")
expect_error(b"GET /" + b"a" * 17000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "17 KB request line")
expect_error(b"A" * 17000, 414, "17 KB without a newline")
expect_error(b"POST /controller/network HTTP/1.1\r\nHost: x\r\nX-ZT1-Auth: " + TOKEN.encode() +
             b"\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413, "huge Content-Length", "1 MiB")
# a body just over the limit, really sent: answered 413 at once, and the answer arrives despite the
# unread body (lingering close, not a reset)
s = connect()
s.sendall(b"POST /controller/network HTTP/1.1\r\nHost: x\r\nX-ZT1-Auth: " + TOKEN.encode() +
          b"\r\nContent-Length: %d\r\n\r\n" % ((1 << 20) + 1))
try:
    s.sendall(b"{" + b" " * (1 << 20))
except (BrokenPipeError, ConnectionResetError):
    pass
rs, _ = responses(read_all(s))
s.close()
if not rs or rs[0][0] != 413:
    fail("1 MiB + 1 body: expected 413, got %r" % (rs,))
alive("oversized requests")

# --- Keep-alive, pipelining, HTTP/1.0, HEAD ----------------------------------------------------------------
s = connect()
s.sendall(get("/controller") + get("/controller/network") + get("/controller", extra=b"Connection: close\r\n"))
rs, rest = responses(read_all(s))
s.close()
if [r[0] for r in rs] != [200, 200, 200] or rest:
    fail("three pipelined requests: got %r, left %r" % ([r[0] for r in rs], rest))
if [r[1]["connection"] for r in rs] != ["keep-alive", "keep-alive", "close"]:
    fail("pipelined Connection headers: %r" % [r[1]["connection"] for r in rs])
if json.loads(rs[0][2])["apiVersion"] != 4 or NWID not in json.loads(rs[1][2]):
    fail("pipelined bodies: %r" % [r[2] for r in rs])
rs, _ = exchange(("GET /controller HTTP/1.0\r\nX-ZT1-Auth: %s\r\n\r\n" % TOKEN).encode())
if len(rs) != 1 or rs[0][0] != 200 or rs[0][1]["connection"] != "close":
    fail("HTTP/1.0 without keep-alive must close after one answer: %r" % rs)
rs, rest = exchange(("HEAD /status HTTP/1.1\r\nHost: x\r\nX-ZT1-Auth: %s\r\nConnection: close\r\n\r\n" % TOKEN).encode())
if len(rs) != 1 or rs[0][0] != 200 or rs[0][2] != b"" or int(rs[0][1]["content-length"]) == 0:
    fail("HEAD: headers with the length, no body: %r %r" % (rs, rest))
# a request whose body comes after the client half-closes is still answered
body = b'{"name":"halfclose"}'
rs, _ = exchange(("POST /controller/network/%s HTTP/1.1\r\nHost: x\r\nX-ZT1-Auth: %s\r\nContent-Length: %d\r\n\r\n"
                  % (NWID, TOKEN, len(body))).encode() + body, half_close=True)
if not rs or rs[0][0] != 200 or json.loads(rs[0][2])["name"] != "halfclose":
    fail("half-closed client: %r" % rs)
# Expect: 100-continue: the interim answer comes before the body is sent, the final one after
body = b'{"name":"continued"}'
s = connect()
s.sendall(("POST /controller/network/%s HTTP/1.1\r\nHost: x\r\nX-ZT1-Auth: %s\r\nExpect: 100-continue\r\n"
           "Content-Length: %d\r\nConnection: close\r\n\r\n" % (NWID, TOKEN, len(body))).encode())
first = s.recv(4096)
if first != b"HTTP/1.1 100 Continue\r\n\r\n":
    fail("Expect: 100-continue: got %r before sending the body" % first)
s.sendall(body)
rs, _ = responses(read_all(s))
s.close()
if len(rs) != 1 or rs[0][0] != 200 or json.loads(rs[0][2])["name"] != "continued":
    fail("Expect: 100-continue: final answer %r" % rs)
# a client that gives up halfway costs nothing
s = connect()
s.sendall(b"POST /controller/network HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"na")
s.close()
alive("clients that went away")

# --- Auth ---------------------------------------------------------------------------------------------------
CLOSE = b"Connection: close\r\n"
for raw, what in [(get("/controller", token="wrong", extra=CLOSE), "wrong token"),
                  (b"GET /controller HTTP/1.1\r\nHost: x\r\n" + CLOSE + b"\r\n", "no token"),
                  (get("/controller", token=TOKEN[:-1], extra=CLOSE), "token prefix"),
                  (get("/controller", token=TOKEN + "x", extra=CLOSE), "token plus one"),
                  (b"GET /controller/network HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + TOKEN.encode() + b"\r\n" +
                   CLOSE + b"\r\n", "Basic instead of Bearer"),
                  (b"DELETE /controller/network/" + NWID.encode() + b" HTTP/1.1\r\nHost: x\r\n" + CLOSE + b"\r\n",
                   "DELETE without token")]:
    rs, _ = exchange(raw)
    if len(rs) != 1 or rs[0][0] != 401 or "authtoken.secret" not in json.loads(rs[0][2])["error"]:
        fail("%s: expected 401 naming authtoken.secret, got %r" % (what, rs))
rs, _ = exchange(("GET /controller?auth=%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % TOKEN).encode())
if not rs or rs[0][0] != 200:
    fail("?auth= token: %r" % rs)
rs, _ = exchange(("GET /controller HTTP/1.1\r\nHost: x\r\nAuthorization: bearer %s\r\nConnection: close\r\n\r\n"
                  % TOKEN).encode())
if not rs or rs[0][0] != 200:
    fail("Authorization: bearer (any case): %r" % rs)

# --- Slow and idle clients do not hold the server up --------------------------------------------------------
slow = [connect() for _ in range(20)]
for i, s in enumerate(slow):
    s.sendall(b"GET /controller HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"z" * i)
t0 = time.time()
alive("20 half-sent requests")
if time.time() - t0 > 2:
    fail("a normal request took %.1f s while others dribble" % (time.time() - t0))
for s in slow:
    s.close()
# one byte at a time still works (the parser is called again as bytes arrive)
s = connect()
for b in get("/controller", extra=b"Connection: close\r\n"):
    s.send(bytes([b]))
rs, _ = responses(read_all(s))
s.close()
if not rs or rs[0][0] != 200:
    fail("request sent byte by byte: %r" % rs)

print("ok")
