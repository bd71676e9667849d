#!/usr/bin/env python3
"""JSON the controller API must refuse (400 with a message naming the fault) and leave every record as it
was: invalid UTF-8, \\u0000, lone surrogates, trailing garbage, duplicate keys, numbers a double cannot
hold, deep nesting, IDs of another record or another controller; and what it must keep intact (UTF-8 and
escaped non-ASCII names).

usage: json_strict.py PORT TOKEN NWID CTL"""
import json
import socket
import sys

PORT, TOKEN, NWID, CTL = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
MEMBER = "abcdef0123"


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def call(method, path, body=b""):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    s.sendall(("%s %s HTTP/1.1\r\nX-ZT1-Auth: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
               % (method, path, TOKEN, len(body))).encode() + body)
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        fail("%s %s: no HTTP answer: %r" % (method, path, data[:200]))
    return int(head.split()[1]), rest


def state():
    out = []
    for p in ("/controller/network", "/controller/network/" + NWID, "/controller/network/%s/member/%s" % (NWID, MEMBER)):
        st, body = call("GET", p)
        j = json.loads(body)
        if isinstance(j, dict):
            j.pop("clock", None)
        out.append((st, j))
    return out


NET = "/controller/network/" + NWID
MEM = "%s/member/%s" % (NET, MEMBER)
before = state()
cases = [
    (NET, b'{"name":"a\xffb"}', "invalid UTF-8"),
    (NET, b'{"name":"\xc0\xaf"}', "invalid UTF-8"),                   # overlong '/'
    (NET, b'{"name":"\xed\xa0\x80"}', "invalid UTF-8"),               # a surrogate in UTF-8
    (NET, b'{"name":"\xf4\x90\x80\x80"}', "invalid UTF-8"),           # beyond U+10FFFF
    (NET, b'{"name":"ab\xe2\x82"}', "invalid UTF-8"),                 # cut short
    (NET, b'{"name":"a\\u0000b"}', "\\u0000"),
    (NET, b'{"name":"\\ud800"}', "unpaired surrogate"),
    (NET, b'{"name":"\\udc00x"}', "unpaired surrogate"),
    (NET, b'{"name":"\\ud800\\u0041"}', "unpaired surrogate"),
    (NET, b'{"name":"a\tb"}', "control character"),
    (NET, b'{"name":"a"} x', "after the JSON value"),
    (NET, b'{"name":"a"}{"name":"b"}', "after the JSON value"),
    (NET, b'{"name":"a"}\x00', "after the JSON value"),
    (NET, b'{"name":"a","name":"b"}', "given twice"),
    (NET, b'{"private":true,"routes":[{"target":"10.1.0.0/16","target":"10.2.0.0/16"}]}', "given twice"),
    (NET, b'{"mtu":1e999}', "out of range"),
    (NET, b'{"multicastLimit":123456789012345678901234567890}', "beyond 2^53"),
    (NET, b'{"multicastLimit":16666666666666666.66666666666466}', "beyond 2^53"),
    (NET, b'{"multicastLimit":-1e400}', "out of range"),
    (NET, b'{"multicastLimit":' + b"1" * 100 + b'}', "more than 63"),
    (NET, b'{"name":' + b"[" * 100000 + b"]" * 100000 + b'}', "nested deeper"),
    (NET, b"[" * 33 + b"]" * 33, "nested deeper"),
    (NET, b'{"name":"a",}', "expected a key"),
    (NET, b"{'name':'a'}", "expected a key"),
    (NET, b'{"name":NaN}', "not JSON"),
    (NET, b'{"id":"0123456789abcdef"}', "another record than the path"),
    (NET, b'{"nwid":"%s"}' % (CTL.encode() + b"ffffff"), "another record than the path"),
    (MEM, b'{"address":"1111111111"}', "another record than the path"),
    (MEM, b'{"id":"1111111111","authorized":false}', "another record than the path"),
    (MEM, b'{"nwid":"0123456789abcdef"}', "another record than the path"),
    (MEM, b'{"authorized":true,"authorized":false}', "given twice"),
    (MEM, b'{"nwid":"%s","authorized":false}' % (CTL.encode() + b"abcdef"), "another record than the path"),
    (MEM, b'\xef\xbb\xbf{"authorized":false}', "not JSON"),           # a BOM is not JSON (RFC 8259 8.1)
]
for path, body, words in cases:
    st, ans = call("POST", path, body)
    try:
        err = json.loads(ans)["error"]
    except Exception:
        fail("%r: the answer is not {\"error\": ...}: %d %r" % (body[:60], st, ans[:200]))
    if st != 400 or words not in err:
        fail("%r: expected 400 saying %r, got %d %r" % (body[:60], words, st, err))
# a network ID that is not this controller's cannot be made
other = ("%010x" % (int(CTL, 16) ^ 1)) + "000001"
st, ans = call("POST", "/controller/network/" + other, b'{"name":"x"}')
if st != 400 or "another controller" not in json.loads(ans)["error"]:
    fail("a network of another controller: %d %r" % (st, ans))
if state() != before:
    fail("a refused body changed the records:\n%r\n%r" % (before, state()))

# what must pass: non-ASCII names raw and escaped (a pair), and a body naming its own record
for body, want in [('{"name":"caf\u00e9 \U0001f600"}'.encode(), "caf\u00e9 \U0001f600"),
                   (b'{"name":"caf\\u00e9 \\ud83d\\ude00"}', "caf\u00e9 \U0001f600"),
                   (('{"id":"%s","nwid":"%s","name":"same"}' % (NWID, NWID.upper())).encode(), "same")]:
    st, ans = call("POST", NET, body)
    if st != 200 or json.loads(ans)["name"] != want:
        fail("%r: expected 200 and name %r, got %d %r" % (body, want, st, ans))
    st, ans = call("GET", NET)
    if json.loads(ans)["name"] != want:
        fail("%r: read back as %r" % (body, json.loads(ans)["name"]))
st, ans = call("POST", MEM, ('{"id":"%s","address":"%s","nwid":"%s","authorized":true}' % (MEMBER, MEMBER, NWID)).encode())
if st != 200 or json.loads(ans)["authorized"] is not True:
    fail("a member body naming itself: %d %r" % (st, ans))
print("ok")
