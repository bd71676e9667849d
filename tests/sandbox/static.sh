#!/bin/bash
# A static program whose network calls are raw syscalls (rawnet.c), which the preload shim never sees,
# under ztrun none: TCP over IPv4 and IPv6 with blocking and non-blocking (epoll) connect, TCP on an
# unconnected socket inherited across exec from a program of the shim (its placeholder), UDP with
# sendto/recvfrom, sendmsg/recvmsg and on a connected socket, all on the virtual loopback, while a listener on the host's
# loopback on the same port is never reached; an ICMP echo with IP_RECVTTL (ping without privileges) and
# SO_RCVTIMEO honoured by a blocked receive; an accepted socket inherits its listener's timeouts and
# low-water mark, and a listener's close resets its queued connection, not the accepted one (joined
# and through lwIP); io_uring_setup gives ENOSYS and packet sockets
# EAFNOSUPPORT. With --no-seccomp the same client does reach the host (so the check can fail).
. "$(dirname "$0")/lib.sh"
RAWNET=$(realpath "${2:?usage: $0 ZTRUN RAWNET}")
P=$(pick_port)
start_host_listener "$P"
cd "$WORK"
"$ZTRUN" none -- bash -c "
	set -e
	wait_line() { for i in \$(seq 200); do grep -q \"\$2\" \"\$1\" 2>/dev/null && return; sleep 0.05; done; echo \"no '\$2' in \$1\" >&2; return 1; }
	'$RAWNET' tcp-server $P >srv1.out & wait_line srv1.out listening
	'$RAWNET' tcp-client 127.0.0.1 $P one >cli1.out; wait
	'$RAWNET' tcp-server $P >srv2.out & wait_line srv2.out listening
	'$RAWNET' tcp-client-nb ::1 $P two >cli2.out; wait
	'$RAWNET' tcp-server $P >srv3.out & wait_line srv3.out listening
	# (a thread's first socket() asks the service; the next is a placeholder, which the exec keeps)
	python3 -c 'import os, socket, sys; socket.socket().close(); s = socket.socket(); os.set_inheritable(s.fileno(), True); os.execv(sys.argv[1], [sys.argv[1], \"tcp-client-fd\", str(s.fileno()), \"127.0.0.1\", sys.argv[2], \"six\"])' '$RAWNET' $P >cli3.out; wait
	'$RAWNET' udp-server $P >usrv1.out & wait_line usrv1.out bound
	'$RAWNET' udp-client 127.0.0.1 $P three >ucli1.out; wait
	'$RAWNET' udp-server $P >usrv2.out & wait_line usrv2.out bound
	'$RAWNET' udp-client-msg 127.0.0.1 $P four >ucli2.out; wait
	'$RAWNET' udp-server $P >usrv3.out & wait_line usrv3.out bound
	'$RAWNET' udp-client-conn 127.0.0.1 $P five >ucli3.out; wait
	'$RAWNET' icmp-ttl 127.0.0.1 >icmp.out
	timeout 10 '$RAWNET' rcvtimeo >rcvtimeo.out
	'$RAWNET' accept-opts >acceptopts.out
	'$RAWNET' io-uring >uring.out
	'$RAWNET' family 17 >packet.out
	'$RAWNET' family 1 >unix.out
" || fail "the static programs failed (status $?)"
grep -qx "listening on :: port $P" srv1.out || fail "server: $(cat srv1.out)"
grep -qx "connected to 127.0.0.1 port $P" cli1.out || fail "client: $(cat cli1.out)"
grep -qx "echo: one" cli1.out || fail "TCP over IPv4: $(cat cli1.out)"
grep -qx "echo: two" cli2.out || fail "TCP over IPv6, non-blocking connect: $(cat cli2.out)"
grep -qx "echo: six" cli3.out || fail "TCP on a socket inherited unconnected from a program of the shim: $(cat cli3.out)"
grep -q "^datagram from 127.0.0.1 port [0-9]" usrv1.out || fail "UDP server: $(cat usrv1.out)"
grep -qx "from 127.0.0.1 port $P: echo: three" ucli1.out || fail "UDP sendto/recvfrom: $(cat ucli1.out)"
grep -qx "from 127.0.0.1 port $P: echo: four" ucli2.out || fail "UDP sendmsg/recvmsg: $(cat ucli2.out)"
grep -qx "from 127.0.0.1 port $P: echo: five" ucli3.out || fail "connected UDP, recvfrom: $(cat ucli3.out)"
grep -qx "reply type=0 ttl=255" icmp.out || fail "ICMP echo with IP_RECVTTL: $(cat icmp.out)"
grep -qx EAGAIN rcvtimeo.out || fail "recvfrom with SO_RCVTIMEO: $(cat rcvtimeo.out)"
# the same connection through lwIP rather than joined as kernel TCP
ZTRUN_JOIN_LOOPBACK=0 "$ZTRUN" none -- "$RAWNET" accept-opts >acceptopts-lwip.out || fail "accept-opts through lwIP"
want_opts="$("$RAWNET" accept-opts)" # natively: what a kernel's accepted socket inherits
for f in acceptopts.out acceptopts-lwip.out; do
	[ "$(cat $f)" = "$want_opts" ] || fail "accepted socket's timeouts, low-water mark, linger, queued reset ($f): $(cat $f), natively $want_opts"
done
grep -qx ENOSYS uring.out || fail "io_uring_setup: $(cat uring.out)"
grep -qx EAFNOSUPPORT packet.out || fail "AF_PACKET socket: $(cat packet.out)"
grep -qx created unix.out || fail "AF_UNIX socket: $(cat unix.out)"
assert_host_untouched

# The control: without the filter the static client is not on the virtual network at all.
"$ZTRUN" --no-seccomp none -- "$RAWNET" tcp-client 127.0.0.1 "$P" leak >leak.out 2>&1 || true
grep -qx "connected to 127.0.0.1 port $P" leak.out || fail "--no-seccomp: the static client did not reach the host: $(cat leak.out)"
grep -q "^tcp from" host.out || fail "--no-seccomp: the host listener saw nothing"
echo "PASS static raw-syscall program: TCP, UDP, io_uring refused, the host never reached"
