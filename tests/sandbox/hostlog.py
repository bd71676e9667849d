# A listener on the host's loopback that the tests' programs must never reach: TCP on 127.0.0.1 and
# ::1, UDP on 127.0.0.1, all on PORT. Every connection or datagram appends a line to LOG (and gets
# "HOST\n" back). usage: hostlog.py PORT LOG READY_FILE
import os, socket, sys, threading, time

port, log, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
parent = os.getppid()

def orphaned():
    # ends with the test, even one killed without its EXIT trap (a CTest timeout)
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)

threading.Thread(target=orphaned, daemon=True).start()

def note(what):
    with open(log, "a") as f:
        f.write(what + "\n")

def tcp(family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    s.listen(16)
    def run():
        while True:
            c, peer = s.accept()
            note("tcp from %s" % (peer,))
            try:
                c.sendall(b"HOST\n")
            except OSError:
                pass
            c.close()
    threading.Thread(target=run, daemon=True).start()

tcp(socket.AF_INET, "127.0.0.1")
tcp(socket.AF_INET6, "::1")
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", port))
open(ready, "w").close()
while True:
    data, peer = u.recvfrom(2048)
    note("udp from %s" % (peer,))
    u.sendto(b"HOST\n", peer)
