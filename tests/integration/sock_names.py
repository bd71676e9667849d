# Run by ztrun_add_test (NETWORK none): a program in the same network namespace that binds the abstract
# names app sockets used to get ("\0ztnc/<ztrun pid>/<id>/<kind>", guessable) cannot make socket() fail
# inside ztrun: the names carry a random part. This program is that squatter and the app at once: ztrun
# is its parent. Exits non-zero (an exception) if any socket call fails.
import os, resource, socket
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
ztrun = os.getppid()
held = []
for i in range(1, 301):
    for kind in "sldcD":
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        u.bind(b"\0ztnc/%d/%d/%s" % (ztrun, i, kind.encode()))
        held.append(u)
made = []
for i in range(60):
    made.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    made.append(socket.socket(socket.AF_INET6, socket.SOCK_DGRAM))
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
c = socket.create_connection(srv.getsockname())
a, _ = srv.accept()
c.sendall(b"through")
assert a.recv(16) == b"through"
assert len(held) == 1500 and len(made) == 120, (len(held), len(made))
print("ok", len(held), len(made))
