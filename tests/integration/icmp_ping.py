# ICMP echo through a ping socket (SOCK_DGRAM, IPPROTO_ICMP/ICMPV6), as unprivileged ping uses;
# exits 0 if every HOST answered. usage: icmp_ping.py HOST...
import socket, struct, sys, time
def ping(host, family):
    proto = socket.IPPROTO_ICMP if family == socket.AF_INET else socket.IPPROTO_ICMPV6
    s = socket.socket(family, socket.SOCK_DGRAM, proto)
    s.settimeout(3)
    typ = 8 if family == socket.AF_INET else 128
    msg = struct.pack("!BBHHH", typ, 0, 0, 0, 1) + b"ztrun-ping"
    t = time.time()
    s.sendto(msg, (host, 0))
    data, addr = s.recvfrom(2048)
    rtyp = data[0]
    ok = rtyp == (0 if family == socket.AF_INET else 129) and data.endswith(b"ztrun-ping")
    print(f"reply from {addr[0]} type {rtyp} in {(time.time()-t)*1000:.1f} ms ok={ok}")
    return ok
ok = all(ping(h, socket.AF_INET6 if ":" in h else socket.AF_INET) for h in sys.argv[1:])
sys.exit(0 if ok else 1)
