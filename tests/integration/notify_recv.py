"""A service manager's end of sd_notify for the tests: binds a datagram socket at argv[1] (or
@name), then prints each message as "pid=N <lines joined by |>" until STOPPING=1 or READY=1
(argv[2]: which ends it) or 60 s. At READY=1 it also prints what the sender had started:
"children=<comm of each child of the sender>", and, if argv[3] names a file, whether it held
argv[4] at that moment, or with argv[4] "" whether it existed ("file=yes|no")."""
import os, socket, struct, sys, time

path, until = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print("listening", flush=True)
s.settimeout(60)
while True:
    try:
        data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    except socket.timeout:
        print("timeout", flush=True)
        break
    pid = 0
    for level, kind, d in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", d[:12])[0]
    text = data.decode(errors="replace")
    print("pid=%d %s" % (pid, text.replace("\n", "|")), flush=True)
    lines = text.split("\n")
    if "READY=1" in lines:
        kids = []
        try:
            for t in os.listdir("/proc/%d/task" % pid):
                for c in open("/proc/%d/task/%s/children" % (pid, t)).read().split():
                    kids.append(open("/proc/%s/comm" % c).read().strip())
        except OSError as e:
            kids.append("error:%s" % e)
        print("children=%s" % ",".join(kids), flush=True)
        if len(sys.argv) > 4:
            try:
                held = os.path.exists(sys.argv[3]) if sys.argv[4] == "" else sys.argv[4] in open(sys.argv[3]).read()
            except OSError:
                held = False
            print("file=%s" % ("yes" if held else "no"), flush=True)
    if until + "=1" in lines:
        break
