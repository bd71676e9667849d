/* sockcalls, UDP (datagrams, connected UDP, MSG_PEEK/TRUNC, recvmmsg/sendmmsg...) and a dual-stack
 * listener. */
#include "sockcalls.h"

static int udp_socket(int fam, struct sockaddr_storage *a, socklen_t *len)
{
	int fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	*len = loopback(fam, 0, a);
	if (bind(fd, (struct sockaddr *)a, *len) < 0) {
		close(fd);
		return -1;
	}
	*len = sizeof(*a);
	getsockname(fd, (struct sockaddr *)a, len);
	return fd;
}

void test_udp(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage aa, ba, from;
	socklen_t alen, blen, flen;
	int a = udp_socket(fam, &aa, &alen), b = udp_socket(fam, &ba, &blen);
	if (!CHECK_MSG(a >= 0 && b >= 0, "%s udp: two sockets bound to port 0", f))
		return;
	CHECK_MSG(port_of(&aa) != 0 && is_loopback(&aa, fam), "%s udp: getsockname gives loopback and a port",
	          f);
	char buf[256];
	int v;

	errno = 0;
	CHECK_MSG(send(a, "x", 1, 0) < 0 && errno == EDESTADDRREQ,
	          "%s udp: send unconnected gives EDESTADDRREQ", f);
	CHECK_MSG(sendto(a, "one", 3, 0, (struct sockaddr *)&ba, blen) == 3, "%s udp: sendto", f);
	flen = sizeof(from);
	CHECK_MSG(wait_fd(b, POLLIN) &&
	              recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 3 &&
	              memcmp(buf, "one", 3) == 0 && addr_eq(&from, &aa),
	          "%s udp: recvfrom gets data and the sender's address", f);

	struct iovec iov[2] = {{.iov_base = "ab", .iov_len = 2}, {.iov_base = "cde", .iov_len = 3}};
	struct msghdr m = {.msg_name = &ba, .msg_namelen = blen, .msg_iov = iov, .msg_iovlen = 2};
	CHECK_MSG(sendmsg(a, &m, 0) == 5, "%s udp: sendmsg with two iovecs", f);
	char p1[3], p2[8];
	struct iovec riov[2] = {{.iov_base = p1, .iov_len = sizeof(p1)},
	                        {.iov_base = p2, .iov_len = sizeof(p2)}};
	memset(&from, 0, sizeof(from));
	struct msghdr rm = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = riov, .msg_iovlen = 2};
	CHECK_MSG(wait_fd(b, POLLIN) && recvmsg(b, &rm, 0) == 5 && memcmp(p1, "abc", 3) == 0 &&
	              memcmp(p2, "de", 2) == 0 && addr_eq(&from, &aa) && !(rm.msg_flags & MSG_TRUNC),
	          "%s udp: recvmsg scatters and names the sender", f);

	CHECK_MSG(sendto(a, "", 0, 0, (struct sockaddr *)&ba, blen) == 0 && wait_fd(b, POLLIN) &&
	              recv(b, buf, sizeof(buf), 0) == 0,
	          "%s udp: an empty datagram arrives empty", f);

	char big[100];
	memset(big, 'z', sizeof(big));
	CHECK_MSG(sendto(a, big, sizeof(big), 0, (struct sockaddr *)&ba, blen) == (ssize_t)sizeof(big),
	          "%s udp: sendto 100", f);
	int avail = -1;
	CHECK_MSG(wait_fd(b, POLLIN) && ioctl(b, FIONREAD, &avail) == 0 && avail == (int)sizeof(big),
	          "%s udp: FIONREAD is the next datagram's size (%d)", f, avail);
	CHECK_MSG(recv(b, buf, 10, MSG_PEEK) == 10, "%s udp: MSG_PEEK", f);
	struct iovec tiov = {.iov_base = buf, .iov_len = 10};
	struct msghdr tm = {.msg_iov = &tiov, .msg_iovlen = 1};
	CHECK_MSG(recvmsg(b, &tm, 0) == 10 && (tm.msg_flags & MSG_TRUNC),
	          "%s udp: short buffer sets MSG_TRUNC", f);

	struct mmsghdr mv[3];
	struct iovec mio[3];
	const char *words[3] = {"red", "green", "blue"};
	memset(mv, 0, sizeof(mv));
	for (int i = 0; i < 3; i++) {
		mio[i].iov_base = (void *)words[i];
		mio[i].iov_len = strlen(words[i]);
		mv[i].msg_hdr.msg_iov = &mio[i];
		mv[i].msg_hdr.msg_iovlen = 1;
		mv[i].msg_hdr.msg_name = &ba;
		mv[i].msg_hdr.msg_namelen = blen;
	}
	CHECK_MSG(sendmmsg(a, mv, 3, 0) == 3, "%s udp: sendmmsg of 3", f);
	char rb[3][16];
	struct sockaddr_storage rfrom[3];
	memset(mv, 0, sizeof(mv));
	for (int i = 0; i < 3; i++) {
		mio[i].iov_base = rb[i];
		mio[i].iov_len = sizeof(rb[i]);
		mv[i].msg_hdr.msg_iov = &mio[i];
		mv[i].msg_hdr.msg_iovlen = 1;
		mv[i].msg_hdr.msg_name = &rfrom[i];
		mv[i].msg_hdr.msg_namelen = sizeof(rfrom[i]);
	}
	int got = 0;
	for (int tries = 0; got < 3 && tries < 3 && wait_fd(b, POLLIN); tries++) {
		int r = recvmmsg(b, mv + got, (unsigned)(3 - got), MSG_DONTWAIT, NULL);
		if (r > 0)
			got += r;
	}
	CHECK_MSG(got == 3 && mv[0].msg_len == 3 && memcmp(rb[0], "red", 3) == 0 && mv[2].msg_len == 4 &&
	              memcmp(rb[2], "blue", 4) == 0 && addr_eq(&rfrom[1], &aa),
	          "%s udp: recvmmsg gets 3 with senders", f);

	/* Connected: send/recv/read/write, and the peer reported. */
	CHECK_MSG(connect(a, (struct sockaddr *)&ba, blen) == 0, "%s udp: connect", f);
	struct sockaddr_storage pa;
	socklen_t plen = sizeof(pa);
	CHECK_MSG(getpeername(a, (struct sockaddr *)&pa, &plen) == 0 && addr_eq(&pa, &ba),
	          "%s udp: getpeername after connect", f);
	plen = sizeof(pa);
	CHECK_MSG(getsockname(a, (struct sockaddr *)&pa, &plen) == 0 && addr_eq(&pa, &aa),
	          "%s udp: getsockname unchanged by connect", f);
	CHECK_MSG(get_int_opt(a, SOL_SOCKET, SO_TYPE, &v) == 0 && v == SOCK_DGRAM,
	          "%s udp: SO_TYPE after connect", f);
	/* read() and write() on a datagram socket are used connected (read() on an unconnected one works
	 * on the kernel but not through the shim, which does not hook read: see src/preload). */
	CHECK_MSG(connect(b, (struct sockaddr *)&aa, alen) == 0, "%s udp: connect the other way too", f);
	CHECK_MSG(send(a, "two", 3, 0) == 3, "%s udp: send connected", f);
	flen = sizeof(from);
	CHECK_MSG(wait_fd(b, POLLIN) &&
	              recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 3 &&
	              memcmp(buf, "two", 3) == 0 && addr_eq(&from, &aa),
	          "%s udp: peer receives it from us", f);
	CHECK_MSG(write(a, "three", 5) == 5 && wait_fd(b, POLLIN) && read(b, buf, sizeof(buf)) == 5 &&
	              memcmp(buf, "three", 5) == 0,
	          "%s udp: write connected -> read", f);
	CHECK_MSG(sendto(b, "four", 4, 0, (struct sockaddr *)&aa, alen) == 4 && wait_fd(a, POLLIN) &&
	              recv(a, buf, sizeof(buf), 0) == 4 && memcmp(buf, "four", 4) == 0,
	          "%s udp: recv connected", f);
	CHECK_MSG(sendto(b, "five", 4, 0, (struct sockaddr *)&aa, alen) == 4 && wait_fd(a, POLLIN) &&
	              read(a, buf, sizeof(buf)) == 4 && memcmp(buf, "five", 4) == 0,
	          "%s udp: read connected", f);
	flen = sizeof(from);
	memset(&from, 0, sizeof(from));
	CHECK_MSG(sendto(b, "six", 3, 0, (struct sockaddr *)&aa, alen) == 3 && wait_fd(a, POLLIN) &&
	              recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 3 &&
	              addr_eq(&from, &ba),
	          "%s udp: recvfrom connected names the peer", f);
	memset(&from, 0, sizeof(from));
	struct iovec ciov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr cm = {
	    .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &ciov, .msg_iovlen = 1};
	CHECK_MSG(sendto(b, "seven", 5, 0, (struct sockaddr *)&aa, alen) == 5 && wait_fd(a, POLLIN) &&
	              recvmsg(a, &cm, 0) == 5 && addr_eq(&from, &ba),
	          "%s udp: recvmsg connected names the peer", f);
	CHECK_MSG(sendto(a, "eight", 5, 0, (struct sockaddr *)&ba, blen) == 5 && wait_fd(b, POLLIN) &&
	              recv(b, buf, sizeof(buf), 0) == 5,
	          "%s udp: sendto the connected peer", f);

	/* AF_UNSPEC dissolves the association. The kernel also drops a port that bind() chose, so
	 * the datagram goes to a fresh socket and the sender's port is not compared. */
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	CHECK_MSG(connect(a, &unspec, sizeof(unspec)) == 0, "%s udp: connect AF_UNSPEC", f);
	errno = 0;
	plen = sizeof(pa);
	CHECK_MSG(getpeername(a, (struct sockaddr *)&pa, &plen) < 0 && errno == ENOTCONN,
	          "%s udp: getpeername after disconnect gives ENOTCONN", f);
	errno = 0;
	CHECK_MSG(send(a, "x", 1, 0) < 0 && errno == EDESTADDRREQ,
	          "%s udp: send after disconnect gives EDESTADDRREQ", f);
	struct sockaddr_storage na;
	socklen_t nlen;
	int n = udp_socket(fam, &na, &nlen);
	flen = sizeof(from);
	CHECK_MSG(n >= 0 && sendto(a, "nine", 4, 0, (struct sockaddr *)&na, nlen) == 4 &&
	              wait_fd(n, POLLIN) &&
	              recvfrom(n, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 4 &&
	              is_loopback(&from, fam) && port_of(&from) != 0,
	          "%s udp: sendto after disconnect, recvfrom names the sender", f);
	if (n >= 0)
		close(n);
	close(a);
	close(b);
}

void test_dualstack(void)
{
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	if (!CHECK_MSG(l >= 0, "dual: v6 socket"))
		return;
	CHECK_MSG(set_int_opt(l, IPPROTO_IPV6, IPV6_V6ONLY, 0) == 0, "dual: IPV6_V6ONLY=0");
	struct sockaddr_in6 any = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	struct sockaddr_storage la;
	socklen_t len = sizeof(la);
	if (!CHECK_MSG(bind(l, (struct sockaddr *)&any, sizeof(any)) == 0 && listen(l, 4) == 0 &&
	                   getsockname(l, (struct sockaddr *)&la, &len) == 0,
	               "dual: bind [::]:0 and listen")) {
		close(l);
		return;
	}
	struct sockaddr_storage v4;
	socklen_t v4len = loopback(AF_INET, port_of(&la), &v4);
	int c = connect_to(AF_INET, &v4, v4len);
	CHECK_MSG(c >= 0, "dual: v4 client connects to 127.0.0.1");
	struct sockaddr_in6 peer;
	len = sizeof(peer);
	int s = c >= 0 ? accept(l, (struct sockaddr *)&peer, &len) : -1;
	if (CHECK_MSG(s >= 0, "dual: accept")) {
		char text[INET6_ADDRSTRLEN] = "";
		inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof(text));
		CHECK_MSG(len == sizeof(peer) && peer.sin6_family == AF_INET6 &&
		              strcmp(text, "::ffff:127.0.0.1") == 0,
		          "dual: the v4 client shows up as ::ffff:127.0.0.1 (%s)", text);
		struct sockaddr_in cl;
		len = sizeof(cl);
		CHECK_MSG(getsockname(c, (struct sockaddr *)&cl, &len) == 0 && cl.sin_port == peer.sin6_port,
		          "dual: same port both sides");
		char b = 0;
		CHECK_MSG(write_all(c, "d", 1) && read_full(s, &b, 1) && b == 'd', "dual: data flows");
		close(s);
	}
	if (c >= 0)
		close(c);
	close(l);
}
