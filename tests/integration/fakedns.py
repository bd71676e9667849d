# A DNS server for the tests: UDP and TCP on 127.0.0.1:53 (run it inside ztrun, on the virtual
# loopback). usage: fakedns.py READY_FILE [ADDRESS] (created once it listens; ADDRESS: where, instead of
# 127.0.0.1). Answers test.example (10.9.8.7,
# fd00::7), host.corp.example (10.1.1.1), big.example (truncated over UDP, 24 A records over TCP),
# garbage.example (three bad replies before the good one); NXDOMAIN for anything else.
import socket, struct, sys, threading

def parse(q):
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode())
        i += 1 + q[i]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    return ".".join(labels).lower(), qtype, i + 5

def rr(typ, rdata):
    return struct.pack(">HHHIH", 0xC00C, typ, 1, 60, len(rdata)) + rdata

def answer(q, tcp):
    name, qtype, end = parse(q)
    flags, ans = 0x8180, []
    if name in ("test.example", "host.corp.example"):
        if qtype == 1:
            ans = [rr(1, socket.inet_aton("10.9.8.7" if name[0] == "t" else "10.1.1.1"))]
        elif qtype == 28 and name[0] == "t":
            ans = [rr(28, socket.inet_pton(socket.AF_INET6, "fd00::7"))]
    elif name == "big.example":
        if not tcp:
            flags |= 0x0200
        elif qtype == 1:
            ans = [rr(1, bytes([10, 3, 0, i])) for i in range(1, 25)]
    elif name == "garbage.example":
        if qtype == 1:
            ans = [rr(1, socket.inet_aton("10.6.6.6"))]
    else:
        flags |= 3
    return name, q[:2] + struct.pack(">HHHHH", flags, 1, len(ans), 0, 0) + q[12:end] + b"".join(ans)

where = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind((where, 53))
tcp = socket.socket()
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((where, 53))
tcp.listen(8)

def serve_udp():
    while True:
        q, peer = udp.recvfrom(512)
        name, r = answer(q, False)
        if name == "garbage.example":
            udp.sendto(r[:2] + b"\x81\x80\x00\x01\x7f\xff" + bytes(range(40)), peer)  # lies about its length
            udp.sendto(r[:-3], peer)  # a record cut short
            udp.sendto(bytes([r[0] ^ 0xFF, r[1]]) + r[2:], peer)  # someone else's ID
        udp.sendto(r, peer)

def serve_tcp():
    while True:
        c, _ = tcp.accept()
        n = struct.unpack(">H", c.recv(2, socket.MSG_WAITALL))[0]
        _, r = answer(c.recv(n, socket.MSG_WAITALL), True)
        c.sendall(struct.pack(">H", len(r)) + r)
        c.close()

threading.Thread(target=serve_tcp, daemon=True).start()
open(sys.argv[1], "w").close()
serve_udp()
