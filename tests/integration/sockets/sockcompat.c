/* sockcompat: the socket behaviours that CPython's own test suites found different under ztrun,
 * pinned one check at a time over 127.0.0.1 and ::1. Like sockcalls, it must pass on the kernel as
 * it does under `ztrun none -- sockcompat`, with its loopback connections joined (kernel TCP) or,
 * ZTRUN_JOIN_LOOPBACK=0, through lwIP: every expectation is the kernel's behaviour. One line per
 * check, then "N checks passed, M failed"; the exit status is nonzero on any failure. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sockcalls.h" /* the helpers it shares with sockcalls (sockcalls_util.c) */

/* recv on a TCP socket that never connected fails at once with ENOTCONN (Python's ssl wraps an
 * unconnected socket and probes it with a non-blocking recv); once connected, no data is EAGAIN. */
static void test_unconnected_stream(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage a;
	socklen_t len;
	int l = bound_socket(fam, SOCK_STREAM, 0, &a, &len);
	CHECK_MSG(l >= 0 && listen(l, 4) == 0, "%s stream: listener", f);
	int c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	char buf[8];
	errno = 0;
	CHECK_MSG(recv(c, buf, 1, 0) < 0 && errno == ENOTCONN, "%s stream: recv before connect: ENOTCONN", f);
	errno = 0;
	CHECK_MSG(recvfrom(c, buf, 1, MSG_PEEK, NULL, NULL) < 0 && errno == ENOTCONN,
	          "%s stream: recvfrom(MSG_PEEK) before connect: ENOTCONN", f);
	int r = connect(c, (struct sockaddr *)&a, len);
	CHECK_MSG(r == 0 || errno == EINPROGRESS, "%s stream: non-blocking connect", f);
	CHECK_MSG(wait_fd(c, POLLOUT), "%s stream: connect completes", f);
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	errno = 0;
	CHECK_MSG(recv(c, buf, 1, 0) < 0 && errno == EAGAIN,
	          "%s stream: recv with no data once connected: EAGAIN", f);
	CHECK_MSG(send(s, "hi", 2, 0) == 2 && wait_fd(c, POLLIN) && recv(c, buf, sizeof(buf), 0) == 2,
	          "%s stream: data flows after the ENOTCONN probe", f);
	close(s);
	close(c);
	close(l);
}

/* Reads until n bytes came (a stream may split them). */
static bool recv_full(int fd, char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		if (!wait_fd(fd, POLLIN))
			return false;
		ssize_t r = recv(fd, buf + got, n - got, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* Urgent data read in line (SO_OOBINLINE), as an FTP server reads ftplib's ABOR: every byte sent
 * with MSG_OOB arrives in the stream, in order, between what was sent before and after. */
static void test_urgent_inline(int fam)
{
	const char *f = fam_name(fam);
	int c = -1, s = -1;
	if (!CHECK_MSG(tcp_pair(fam, &c, &s), "%s urgent: connected pair", f))
		return;
	int one = 1;
	CHECK_MSG(setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)) == 0, "%s urgent: SO_OOBINLINE",
	          f);
	CHECK_MSG(send(c, "xy", 2, 0) == 2, "%s urgent: send before", f);
	CHECK_MSG(send(c, "ABOR\r\n", 6, MSG_OOB) == 6, "%s urgent: send(MSG_OOB) takes every byte", f);
	CHECK_MSG(send(c, "zz", 2, 0) == 2, "%s urgent: send after", f);
	char buf[16] = {0};
	CHECK_MSG(recv_full(s, buf, 10) && memcmp(buf, "xyABOR\r\nzz", 10) == 0,
	          "%s urgent: the receiver reads all of it in order", f);
	close(c);
	close(s);
}

/* A connect that failed may be tried again on the same socket, as asyncio does while a server
 * comes up: refused while nothing listens, connected once something does. */
static void test_reconnect(int fam, bool nonblocking)
{
	const char *f = fam_name(fam);
	const char *how = nonblocking ? "non-blocking" : "blocking";
	struct sockaddr_storage a;
	socklen_t len;
	int l = bound_socket(fam, SOCK_STREAM, 0, &a, &len); /* bound, not listening: refuses */
	int c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
	int r = connect(c, (struct sockaddr *)&a, len);
	int err = r < 0 ? errno : 0;
	if (nonblocking && err == EINPROGRESS) {
		wait_fd(c, POLLOUT);
		socklen_t elen = sizeof(err);
		getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &elen);
	}
	CHECK_MSG(err == ECONNREFUSED, "%s reconnect (%s): refused while nothing listens", f, how);
	CHECK_MSG(listen(l, 4) == 0, "%s reconnect (%s): listen", f, how);
	/* Linux answers the first non-blocking retry with ECONNABORTED (the failed attempt's end) */
	for (int attempt = 0; attempt < 2; attempt++) {
		r = connect(c, (struct sockaddr *)&a, len);
		err = r < 0 ? errno : 0;
		if (nonblocking && err == EINPROGRESS) {
			wait_fd(c, POLLOUT);
			socklen_t elen = sizeof(err);
			getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &elen);
		}
		if (err != ECONNABORTED)
			break;
	}
	CHECK_MSG(err == 0, "%s reconnect (%s): the same socket connects once it listens", f, how);
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	char buf[4];
	CHECK_MSG(s >= 0 && send(c, "ok", 2, 0) == 2 && wait_fd(s, POLLIN) &&
	              recv(s, buf, sizeof(buf), 0) == 2,
	          "%s reconnect (%s): data flows", f, how);
	if (s >= 0)
		close(s);
	close(c);
	close(l);
}

/* UDP-Lite (RFC 3828), which lwIP speaks: datagrams both ways, its coverage option, and the option
 * refused on plain UDP. */
static void test_udplite(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage a, b;
	socklen_t alen, blen;
	int x = bound_socket(fam, SOCK_DGRAM, IPPROTO_UDPLITE, &a, &alen);
	int y = bound_socket(fam, SOCK_DGRAM, IPPROTO_UDPLITE, &b, &blen);
	if (!CHECK_MSG(x >= 0 && y >= 0, "%s udplite: two bound sockets", f))
		return;
	int v = -1;
	socklen_t vlen = sizeof(v);
	CHECK_MSG(getsockopt(x, SOL_SOCKET, SO_PROTOCOL, &v, &vlen) == 0 && v == IPPROTO_UDPLITE,
	      "%s udplite: SO_PROTOCOL says IPPROTO_UDPLITE", f);
	v = 20;
	CHECK_MSG(setsockopt(x, IPPROTO_UDPLITE, 10 /* UDPLITE_SEND_CSCOV */, &v, sizeof(v)) == 0,
	      "%s udplite: UDPLITE_SEND_CSCOV", f);
	v = 0;
	vlen = sizeof(v);
	CHECK_MSG(getsockopt(x, IPPROTO_UDPLITE, 10, &v, &vlen) == 0 && v == 20, "%s udplite: coverage reads back", f);
	v = 3;
	CHECK_MSG(setsockopt(y, IPPROTO_UDPLITE, 11 /* UDPLITE_RECV_CSCOV */, &v, sizeof(v)) == 0 &&
	          getsockopt(y, IPPROTO_UDPLITE, 11, &v, &vlen) == 0 && v == 8,
	      "%s udplite: a coverage under the header's 8 bytes becomes 8", f);
	char buf[64];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	CHECK_MSG(sendto(x, "lite datagram, 30 bytes long..", 30, 0, (struct sockaddr *)&b, blen) == 30 &&
	          wait_fd(y, POLLIN) && recvfrom(y, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 30 &&
	          memcmp(buf, "lite datagram", 13) == 0 && flen == alen && memcmp(&from, &a, alen) == 0,
	      "%s udplite: partial coverage datagram arrives with its source", f);
	CHECK_MSG(sendto(y, "back", 4, 0, (struct sockaddr *)&a, alen) == 4 && wait_fd(x, POLLIN) &&
	          recv(x, buf, sizeof(buf), 0) == 4,
	      "%s udplite: and back, fully covered", f);
	int u = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	v = 20;
	errno = 0;
	CHECK_MSG(setsockopt(u, IPPROTO_UDPLITE, 10, &v, sizeof(v)) < 0 && errno == ENOPROTOOPT,
	      "%s udplite: the coverage option on plain UDP: ENOPROTOOPT", f);
	close(u);
	close(x);
	close(y);
}

/* The control messages of one received datagram, in order: level, type and the first int (or byte)
 * of data; the pktinfo address and interface are checked apart. Returns how many came. */
struct cmsg_seen {
	int level, type, value;
	size_t len;
};

static int read_cmsgs(struct msghdr *m, struct cmsg_seen *seen, int max, struct sockaddr_storage *local,
                      unsigned *ifindex)
{
	int n = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm && n < max; cm = CMSG_NXTHDR(m, cm)) {
		seen[n] = (struct cmsg_seen){cm->cmsg_level, cm->cmsg_type, -1, cm->cmsg_len - CMSG_LEN(0)};
		if (seen[n].len == sizeof(int))
			memcpy(&seen[n].value, CMSG_DATA(cm), sizeof(int));
		else if (seen[n].len == 1)
			seen[n].value = *CMSG_DATA(cm);
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr = pi.ipi6_addr;
			*ifindex = pi.ipi6_ifindex;
		} else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
			*ifindex = (unsigned)pi.ipi_ifindex;
		}
		n++;
	}
	return n;
}

/* Ancillary data on UDP (RFC 3542 for IPv6, IP_PKTINFO and friends for IPv4), as DNS servers and QUIC
 * stacks use it: the sender sets hop limit and traffic class per datagram, the receiver learns them
 * with the address the datagram was sent to and its interface, in the kernel's order, and a control
 * buffer too small for all of it is truncated as the kernel truncates it. */
static void test_ancillary(int fam)
{
	const char *f = fam_name(fam);
	bool v6 = fam == AF_INET6;
	struct sockaddr_storage a, b;
	socklen_t alen, blen;
	int x = bound_socket(fam, SOCK_DGRAM, 0, &a, &alen);
	int y = bound_socket(fam, SOCK_DGRAM, 0, &b, &blen);
	if (!CHECK_MSG(x >= 0 && y >= 0, "%s ancillary: two bound UDP sockets", f))
		return;
	int one = 1, lvl = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int opts[3] = {v6 ? IPV6_RECVPKTINFO : IP_PKTINFO, v6 ? IPV6_RECVHOPLIMIT : IP_RECVTTL,
	               v6 ? IPV6_RECVTCLASS : IP_RECVTOS};
	for (int i = 0; i < 3; i++)
		CHECK_MSG(setsockopt(y, lvl, opts[i], &one, sizeof(one)) == 0, "%s ancillary: receive option %d on", f,
		      opts[i]);
	/* hop limit 7 and traffic class 0x20, per datagram */
	union {
		char buf[CMSG_SPACE(sizeof(int)) * 2];
		struct cmsghdr align;
	} out;
	memset(&out, 0, sizeof(out));
	struct iovec iov = {.iov_base = "anc", .iov_len = 3};
	struct msghdr m = {.msg_name = &b, .msg_namelen = blen, .msg_iov = &iov, .msg_iovlen = 1,
	                   .msg_control = out.buf, .msg_controllen = sizeof(out.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int ttl = 7, tos = 0x20;
	cm->cmsg_level = lvl;
	cm->cmsg_type = v6 ? IPV6_HOPLIMIT : IP_TTL;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &ttl, sizeof(int));
	cm = CMSG_NXTHDR(&m, cm);
	cm->cmsg_level = lvl;
	cm->cmsg_type = v6 ? IPV6_TCLASS : IP_TOS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &tos, sizeof(int));
	CHECK_MSG(sendmsg(x, &m, 0) == 3, "%s ancillary: sendmsg with hop limit and traffic class", f);

	union {
		char buf[256];
		struct cmsghdr align;
	} in;
	char data[16];
	struct iovec riov = {.iov_base = data, .iov_len = sizeof(data)};
	struct msghdr r = {.msg_iov = &riov, .msg_iovlen = 1, .msg_control = in.buf, .msg_controllen = sizeof(in.buf)};
	CHECK_MSG(wait_fd(y, POLLIN) && recvmsg(y, &r, 0) == 3 && !(r.msg_flags & MSG_CTRUNC),
	      "%s ancillary: recvmsg with room for everything", f);
	struct cmsg_seen seen[4];
	struct sockaddr_storage local = {.ss_family = (sa_family_t)fam};
	unsigned ifindex = 0;
	int n = read_cmsgs(&r, seen, 4, &local, &ifindex);
	int pktinfo = v6 ? IPV6_PKTINFO : IP_PKTINFO, hops = v6 ? IPV6_HOPLIMIT : IP_TTL, tc = v6 ? IPV6_TCLASS : IP_TOS;
	CHECK_MSG(n == 3 && seen[0].type == pktinfo && seen[1].type == hops && seen[2].type == tc &&
	          seen[0].level == lvl && seen[1].level == lvl && seen[2].level == lvl,
	      "%s ancillary: pktinfo, hop limit, traffic class, in that order (got %d)", f, n);
	CHECK_MSG(n == 3 && seen[1].value == 7 && seen[1].len == sizeof(int), "%s ancillary: the hop limit sent (%d)", f,
	      n == 3 ? seen[1].value : -1);
	CHECK_MSG(n == 3 && seen[2].value == 0x20 && seen[2].len == (v6 ? sizeof(int) : 1),
	      "%s ancillary: the traffic class sent (%d)", f, n == 3 ? seen[2].value : -1);
	struct sockaddr_storage lo;
	loopback(fam, 0, &lo);
	bool same = v6 ? memcmp(&((struct sockaddr_in6 *)&local)->sin6_addr, &in6addr_loopback, 16) == 0
	               : ((struct sockaddr_in *)&local)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
	CHECK_MSG(same && ifindex == if_nametoindex("lo"), "%s ancillary: pktinfo names the loopback address and lo (%u)",
	      f, ifindex);

	/* Room for the first message and 4 bytes: the rest is cut, as put_cmsg() cuts it. */
	CHECK_MSG(sendto(x, "cut", 3, 0, (struct sockaddr *)&b, blen) == 3, "%s ancillary: a second datagram", f);
	size_t first = v6 ? CMSG_SPACE(sizeof(struct in6_pktinfo)) : CMSG_SPACE(sizeof(struct in_pktinfo));
	memset(&in, 0, sizeof(in));
	r = (struct msghdr){.msg_iov = &riov, .msg_iovlen = 1, .msg_control = in.buf, .msg_controllen = first + 4};
	CHECK_MSG(wait_fd(y, POLLIN) && recvmsg(y, &r, 0) == 3 && (r.msg_flags & MSG_CTRUNC) && r.msg_controllen == first,
	      "%s ancillary: a short control buffer: MSG_CTRUNC, only what fit (%zu of %zu)", f,
	      (size_t)r.msg_controllen, first);
	r = (struct msghdr){.msg_iov = &riov, .msg_iovlen = 1};
	CHECK_MSG(sendto(x, "none", 4, 0, (struct sockaddr *)&b, blen) == 4 && wait_fd(y, POLLIN) &&
	          recvmsg(y, &r, 0) == 4 && (r.msg_flags & MSG_CTRUNC) && r.msg_controllen == 0,
	      "%s ancillary: no control buffer: MSG_CTRUNC", f);

	int bad = 300;
	cm = CMSG_FIRSTHDR(&m);
	memcpy(CMSG_DATA(cm), &bad, sizeof(int));
	errno = 0;
	CHECK_MSG(sendmsg(x, &m, 0) < 0 && errno == EINVAL, "%s ancillary: a hop limit of 300: EINVAL", f);
	close(x);
	close(y);
}

/* After a failed non-blocking connect, Linux ends the attempt at the next connect(): its error, or
 * ECONNABORTED when SO_ERROR already took it; only the connect after that starts anew. Checked
 * once the refusal has surely arrived (POLLOUT), so the order is the same each run. */
static void test_connect_after_failure(int fam, bool read_so_error)
{
	const char *f = fam_name(fam);
	const char *how = read_so_error ? "SO_ERROR read" : "SO_ERROR not read";
	struct sockaddr_storage a;
	socklen_t len;
	int l = bound_socket(fam, SOCK_STREAM, 0, &a, &len); /* bound, not listening: refuses */
	int c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	CHECK_MSG(connect(c, (struct sockaddr *)&a, len) < 0 && errno == EINPROGRESS && wait_fd(c, POLLOUT),
	          "%s connect after failure (%s): first attempt in progress, then over", f, how);
	int err = 0;
	socklen_t elen = sizeof(err);
	if (read_so_error)
		CHECK_MSG(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == ECONNREFUSED,
		          "%s connect after failure (%s): SO_ERROR says refused", f, how);
	int want = read_so_error ? ECONNABORTED : ECONNREFUSED;
	CHECK_MSG(connect(c, (struct sockaddr *)&a, len) < 0 && errno == want,
	          "%s connect after failure (%s): the next connect ends the attempt (%s)", f, how,
	          read_so_error ? "ECONNABORTED" : "ECONNREFUSED");
	CHECK_MSG(connect(c, (struct sockaddr *)&a, len) < 0 && errno == EINPROGRESS,
	          "%s connect after failure (%s): the one after starts anew", f, how);
	close(c);
	close(l);
}

/* Once a non-blocking connect has completed, the next connect() says 0 (Linux moves the socket from
 * connecting to connected there, once) and only the one after EISCONN: asyncio's sock_connect after
 * a cancelled attempt relies on it (test_sock_client_connect_racing). */
static void test_connect_again_after_success(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage a;
	socklen_t len;
	int l = bound_socket(fam, SOCK_STREAM, 0, &a, &len);
	int c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool pending = l >= 0 && listen(l, 4) == 0 && connect(c, (struct sockaddr *)&a, len) < 0 && errno == EINPROGRESS;
	CHECK_MSG(pending && wait_fd(c, POLLOUT), "%s connect again: a non-blocking connect completes", f);
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	CHECK_MSG(s >= 0 && connect(c, (struct sockaddr *)&a, len) == 0,
	          "%s connect again: the first connect() after completion says 0", f);
	errno = 0;
	CHECK_MSG(connect(c, (struct sockaddr *)&a, len) < 0 && errno == EISCONN,
	          "%s connect again: the next one EISCONN", f);
	close(s);
	close(c);
	close(l);
}

/* read()/readv() and write()/writev() on an unconnected UDP socket: the payload alone, and
 * EDESTADDRREQ (there is no destination); a dup() of it the same. Connected, both work; after
 * connect(AF_UNSPEC), write() fails again. */
static void test_udp_read_write(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage a, b;
	socklen_t alen, blen;
	int x = bound_socket(fam, SOCK_DGRAM, 0, &a, &alen);
	int y = bound_socket(fam, SOCK_DGRAM, 0, &b, &blen);
	char buf[64];
	errno = 0;
	CHECK_MSG(write(x, "ping", 4) < 0 && errno == EDESTADDRREQ, "%s udp: write() unconnected: EDESTADDRREQ", f);
	struct iovec out = {.iov_base = "ping", .iov_len = 4};
	errno = 0;
	CHECK_MSG(writev(x, &out, 1) < 0 && errno == EDESTADDRREQ, "%s udp: writev() unconnected: EDESTADDRREQ",
	          f);
	CHECK_MSG(sendto(y, "hello", 5, 0, (struct sockaddr *)&a, alen) == 5 && wait_fd(x, POLLIN) &&
	              read(x, buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0,
	          "%s udp: read() unconnected: the payload alone", f);
	int d = dup(x);
	char p1[2], p2[8];
	struct iovec in[2] = {{.iov_base = p1, .iov_len = sizeof(p1)}, {.iov_base = p2, .iov_len = sizeof(p2)}};
	CHECK_MSG(sendto(y, "again", 5, 0, (struct sockaddr *)&a, alen) == 5 && wait_fd(d, POLLIN) &&
	              readv(d, in, 2) == 5 && memcmp(p1, "ag", 2) == 0 && memcmp(p2, "ain", 3) == 0,
	          "%s udp: readv() on a dup: the payload alone", f);
	errno = 0;
	CHECK_MSG(write(d, "ping", 4) < 0 && errno == EDESTADDRREQ, "%s udp: write() on a dup: EDESTADDRREQ", f);
	close(d);
	CHECK_MSG(connect(x, (struct sockaddr *)&b, blen) == 0 && write(x, "conn", 4) == 4 && wait_fd(y, POLLIN) &&
	              recv(y, buf, sizeof(buf), 0) == 4 && memcmp(buf, "conn", 4) == 0,
	          "%s udp: write() once connected", f);
	CHECK_MSG(sendto(y, "back", 4, 0, (struct sockaddr *)&a, alen) == 4 && wait_fd(x, POLLIN) &&
	              read(x, buf, sizeof(buf)) == 4 && memcmp(buf, "back", 4) == 0,
	          "%s udp: read() once connected", f);
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	errno = 0;
	CHECK_MSG(connect(x, &unspec, sizeof(unspec)) == 0 && write(x, "ping", 4) < 0 && errno == EDESTADDRREQ,
	          "%s udp: write() after connect(AF_UNSPEC): EDESTADDRREQ", f);
	close(x);
	close(y);
}

/* A listener closed and its port listened on again at once, SO_REUSEADDR on both (CPython's
 * test_start_server: create_server on port 0, close, start_server on that port): listen() succeeds. */
static void test_listen_again(int fam)
{
	const char *f = fam_name(fam);
	int one = 1, ok = 0, rounds = 20;
	for (int i = 0; i < rounds; i++) {
		struct sockaddr_storage a;
		socklen_t len = loopback(fam, 0, &a);
		int l = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(l, (struct sockaddr *)&a, len) < 0 || listen(l, 4) < 0 ||
		    getsockname(l, (struct sockaddr *)&a, &(socklen_t){sizeof(a)}) < 0) {
			close(l);
			continue;
		}
		close(l);
		int m = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (m >= 0 && setsockopt(m, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
		    bind(m, (struct sockaddr *)&a, len) == 0 && listen(m, 4) == 0)
			ok++;
		close(m);
	}
	CHECK_MSG(ok == rounds, "%s listen again at once on a port just closed: %d of %d", f, ok, rounds);
}

/* Whether a new TCP socket (SO_REUSEADDR as `reuse`) can bind the loopback or any address (`any`) of
 * fam at port: 0, or the errno. */
static int bind_errno(int fam, bool any, uint16_t port, bool reuse)
{
	struct sockaddr_storage a;
	socklen_t len = loopback(fam, port, &a);
	if (any && fam == AF_INET)
		((struct sockaddr_in *)&a)->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (any)
		((struct sockaddr_in6 *)&a)->sin6_addr = in6addr_any;
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	int e = set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, reuse) == 0 && bind(fd, (struct sockaddr *)&a, len) == 0 ? 0
	                                                                                                           : errno;
	close(fd);
	return e;
}

/* bind() to a port a connection of the program holds: EADDRINUSE, on its address or the any-address,
 * SO_REUSEADDR or not (the connection has none); a listener's port, once it is closed, stays its
 * accepted connection's, which SO_REUSEADDR on both lets a new listener share (a server restarted
 * while its old connections live). */
static void test_bind_held_port(int fam)
{
	const char *f = fam_name(fam);
	for (int lreuse = 0; lreuse < 2; lreuse++) {
		struct sockaddr_storage la, cn;
		socklen_t len, cl = sizeof(cn);
		int l = bound_socket(fam, SOCK_STREAM, 0, &la, &len);
		if (l >= 0 && lreuse)
			set_int_opt(l, SOL_SOCKET, SO_REUSEADDR, 1);
		int c = l >= 0 && listen(l, 4) == 0 ? connect_to(fam, &la, len) : -1;
		int a = c >= 0 ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
		if (!CHECK_MSG(a >= 0 && getsockname(c, (struct sockaddr *)&cn, &cl) == 0,
		               "%s bind held port (listener SO_REUSEADDR %d): connected", f, lreuse)) {
			close(l);
			close(c);
			continue;
		}
		uint16_t cp = port_of(&cn), lp = port_of(&la);
		CHECK_MSG(bind_errno(fam, false, cp, false) == EADDRINUSE && bind_errno(fam, false, cp, true) == EADDRINUSE &&
		              bind_errno(fam, true, cp, false) == EADDRINUSE && bind_errno(fam, true, cp, true) == EADDRINUSE,
		          "%s bind held port: the client's port is in use, on its address and any", f);
		close(l);
		CHECK_MSG(bind_errno(fam, false, lp, false) == EADDRINUSE && bind_errno(fam, true, lp, false) == EADDRINUSE,
		          "%s bind held port: a closed listener's port stays its connection's", f);
		CHECK_MSG(bind_errno(fam, false, lp, true) == (lreuse ? 0 : EADDRINUSE),
		          "%s bind held port: SO_REUSEADDR shares it only where the listener had it too (%d)", f, lreuse);
		close(a);
		close(c);
	}
}

/* A connection still in the accept queue when its listener closes is reset, data sent or not; one
 * accepted before, written to and closed after it, ends with FIN after all it was sent. */
static void test_queued_reset(int fam)
{
	const char *f = fam_name(fam);
	for (int data = 0; data < 2; data++) {
		const char *what = data ? "with data" : "without data";
		struct sockaddr_storage la;
		socklen_t len;
		int l = make_listener(fam, &la, &len);
		int done = l >= 0 ? connect_to(fam, &la, len) : -1;
		int a = done >= 0 ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
		int c = a >= 0 ? connect_to(fam, &la, len) : -1;
		if (!CHECK_MSG(c >= 0, "%s queued %s: connected", f, what)) {
			close(l);
			close(a);
			close(done);
			continue;
		}
		CHECK_MSG((!data || write_all(c, "hello", 5)) && wait_fd(l, POLLIN), "%s queued %s: in the accept queue",
		          f, what);
		close(l);
		CHECK_MSG(write_all(a, "bye", 3), "%s queued %s: the accepted one writes", f, what);
		close(a);
		/* SO_ERROR and a write tell a reset from a FIN; through lwIP recv() then says EOF where a
		 * kernel's says ECONNRESET (README). */
		char buf[8];
		int e = -1;
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		CHECK_MSG(wait_fd(c, POLLIN | POLLERR) && get_int_opt(c, SOL_SOCKET, SO_ERROR, &e) == 0 && e == ECONNRESET,
		          "%s queued %s: reset when its listener closes (SO_ERROR %d)", f, what, e);
		CHECK_MSG(getpeername(c, (struct sockaddr *)&peer, &pl) < 0 && errno == ENOTCONN,
		          "%s queued %s: then getpeername() says ENOTCONN", f, what);
		CHECK_MSG(send(c, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE, "%s queued %s: and a write EPIPE", f, what);
		CHECK_MSG(read_full(done, buf, 3) && memcmp(buf, "bye", 3) == 0 && read_eof(done),
		          "%s queued %s: the one accepted before reads all, then EOF", f, what);
		close(c);
		close(done);
	}
}

/* A close() with received data unread, or with SO_LINGER {1, 0}, resets the connection, as Linux
 * does: the peer's SO_ERROR says ECONNRESET and its write EPIPE, and its name stays what it was. With
 * everything read it ends with FIN. */
static void test_close_resets(int fam)
{
	const char *f = fam_name(fam);
	static const char *const how[] = {"everything read", "data unread", "SO_LINGER {1, 0}"};
	for (int k = 0; k < 3; k++) {
		int c = -1, s = -1;
		if (!CHECK_MSG(tcp_pair(fam, &c, &s), "%s close (%s): connected pair", f, how[k]))
			continue;
		char buf[8];
		CHECK_MSG(write_all(c, "hello", 5) && wait_fd(s, POLLIN) && (k == 1 || read_full(s, buf, 5)),
		          "%s close (%s): the data arrives", f, how[k]);
		struct sockaddr_storage name, after;
		socklen_t nl = sizeof(name), al = sizeof(after);
		getsockname(c, (struct sockaddr *)&name, &nl);
		struct linger abort_close = {1, 0};
		if (k == 2)
			CHECK_MSG(setsockopt(s, SOL_SOCKET, SO_LINGER, &abort_close, sizeof(abort_close)) == 0,
			          "%s close (%s): set", f, how[k]);
		close(s);
		int e = -1;
		bool woke = wait_fd(c, POLLIN | POLLERR) && get_int_opt(c, SOL_SOCKET, SO_ERROR, &e) == 0;
		if (k == 0)
			CHECK_MSG(woke && e == 0 && read_eof(c), "%s close (%s): FIN, the peer reads EOF", f, how[k]);
		else
			CHECK_MSG(woke && e == ECONNRESET && send(c, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE,
			          "%s close (%s): reset, the peer's SO_ERROR %d, then a write EPIPE", f, how[k], e);
		CHECK_MSG(getsockname(c, (struct sockaddr *)&after, &al) == 0 && addr_eq(&name, &after),
		          "%s close (%s): the peer's getsockname() after as before", f, how[k]);
		close(c);
	}
}

int main(void)
{
	alarm(120); /* a hang must fail the test, not block it */
	int fams[2] = {AF_INET, AF_INET6};
	for (int i = 0; i < 2; i++) {
		test_unconnected_stream(fams[i]);
		test_urgent_inline(fams[i]);
		test_reconnect(fams[i], false);
		test_reconnect(fams[i], true);
		test_udplite(fams[i]);
		test_ancillary(fams[i]);
		test_connect_after_failure(fams[i], false);
		test_connect_after_failure(fams[i], true);
		test_udp_read_write(fams[i]);
		test_connect_again_after_success(fams[i]);
		test_listen_again(fams[i]);
		test_bind_held_port(fams[i]);
		test_queued_reset(fams[i]);
		test_close_resets(fams[i]);
	}
	return zt_check_report();
}
