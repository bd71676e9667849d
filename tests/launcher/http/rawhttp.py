"""Raw-socket helpers of the HTTP tests (http_raw.py, http_limits.py): what curl cannot send."""
import socket
import sys


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def connector(port):
    """A connect() to the API on 127.0.0.1:port, with a 10 s timeout on every call."""
    def connect():
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.settimeout(10)
        return s
    return connect


def read_all(s, timeout=10):
    """Everything until the server closes (or timeout: then '<open>' is appended; a reset: '<reset>')."""
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return out
            out += b
    except socket.timeout:
        return out + b"<open>"
    except ConnectionResetError:
        return out + b"<reset>"
