#!/bin/bash
# Name lookups under ztrun none never open a kernel socket: strace shows the app (and ztrun) opening no
# AF_INET/AF_INET6/AF_NETLINK socket, where glibc's resolver would open a UDP socket to the host's
# nameserver. Skipped (exit 77) where strace is not installed.
. "$(dirname "$0")/../common/lib.sh"

command -v strace >/dev/null || skip "strace is not installed (scripts/deps.sh test installs it)"
# In the ASan build: LeakSanitizer cannot work under ptrace and would fail ztrun at exit.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
rc=0
strace -f -e trace=socket,connect -o "$WORK/strace.getent" "$ZTRUN" none -- getent hosts example.com >/dev/null || rc=$?
[ "$rc" = 2 ] || fail "getent hosts example.com under strace: status $rc, want 2 (not found)"
strace -f -e trace=socket,connect -o "$WORK/strace.py" "$ZTRUN" none -- python3 -c '
import socket
try: socket.getaddrinfo("example.com", 443)
except socket.gaierror: pass
socket.getaddrinfo("localhost", 443)
socket.gethostbyname("localhost")
socket.if_nameindex()' || fail "python lookups under strace: status $?"
for f in "$WORK/strace.getent" "$WORK/strace.py"; do
	[ -s "$f" ] || fail "strace wrote nothing to $f"
	if grep -E 'socket\((AF_INET|AF_INET6|AF_NETLINK|PF_INET|PF_NETLINK)' "$f"; then
		fail "a kernel inet/netlink socket was opened (see above, $f)"
	fi
done
echo "strace: no AF_INET/AF_INET6/AF_NETLINK socket in $(grep -c 'socket(' "$WORK/strace.getent" "$WORK/strace.py" | tr '\n' ' ')"
