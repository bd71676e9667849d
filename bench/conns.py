# Opens N concurrent HTTP/1.1 keep-alive connections to HOST:PORT, one GET on each, and holds them
# all open at once; then prints "served rss_kib..." where rss_kib is the resident memory of process PID
# (ztrun) while every connection is open (0 when PID is 0; PID may be a comma-separated list: one
# rss_kib each). At most 256 connects are in flight.
# usage: python3 conns.py N HOST PORT PID[,PID...]
import os, selectors, socket, sys, time

n, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pids = [int(p) for p in sys.argv[4].split(",")]
req = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
sel = selectors.DefaultSelector()
opened = served = failed = 0
pending = 0
deadline = time.monotonic() + 120


def open_one():
    global opened, pending, failed, n
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as e:
        print("socket after %d connections:" % opened, e, file=sys.stderr)
        n = opened + failed  # no more sockets: report what was reached
        return False
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    except OSError as e:
        print("connect:", e, file=sys.stderr)
        failed += 1
        s.close()
        return False
    sel.register(s, selectors.EVENT_WRITE, [b""])
    opened += 1
    pending += 1
    return True


held = []
while served + failed < n and time.monotonic() < deadline:
    while opened + failed < n and pending < 256:
        if not open_one():
            break
    for key, ev in sel.select(timeout=1):
        s, buf = key.fileobj, key.data
        if ev & selectors.EVENT_WRITE:
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                print("connect:", os.strerror(err), file=sys.stderr)
                sel.unregister(s)
                s.close()
                failed += 1
                pending -= 1
                continue
            s.send(req)
            sel.modify(s, selectors.EVENT_READ, buf)
            continue
        try:
            data = s.recv(4096)
        except BlockingIOError:
            continue
        except OSError:
            data = b""
        buf[0] += data
        if not data or b"\r\n\r\n" in buf[0]:
            sel.unregister(s)
            pending -= 1
            if data and buf[0].startswith(b"HTTP/1.1 200"):
                served += 1
                held.append(s)
            else:
                failed += 1
                s.close()

def rss(pid):
    if not pid:
        return 0
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


print(served, *[rss(p) for p in pids])
