/* sockjoined: a TCP connection between two sockets of one program over 127.0.0.1 and ::1 is a TCP
 * connection in every way the program can see, as on a kernel loopback: names, readiness, what a
 * write or read says after the peer closed or reset, shutdown, urgent data, buffer sizes and the
 * options an accepted socket inherits from its listener (timeouts too), a listener's SO_RCVTIMEO
 * bounding accept(), a reset for connections its close leaves in its queue, ports, and what connect()
 * says again on a connected socket. Under ztrun
 * such connections are joined (src/engine/stack/joined.c); the program must pass natively and under
 * `ztrun none -- sockjoined`.
 * One line per check, then "N checks passed, M failed"; the exit status is nonzero on any failure. */
#include <linux/sockios.h>
#include <signal.h>

#include "sockcalls.h"

/* The events poll reports for fd right now. */
static short revents(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLPRI | POLLRDHUP};
	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

/* Waits up to IO_TIMEOUT_MS for any of `ev` on fd. */
static bool wait_ev(int fd, short ev)
{
	struct pollfd p = {.fd = fd, .events = ev};
	return poll(&p, 1, IO_TIMEOUT_MS) == 1 && (p.revents & ev);
}

/* A listener with `opts` applied before listen(), a client with them applied before connect(). */
static bool pair_with(int fam, int *c, int *s, struct sockaddr_storage *la, struct sockaddr_storage *from,
                      socklen_t *fromlen, void (*lopts)(int), void (*copts)(int))
{
	socklen_t len;
	int l = bound_socket(fam, SOCK_STREAM, 0, la, &len);
	if (l < 0)
		return false;
	if (lopts)
		lopts(l);
	*c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (copts)
		copts(*c);
	*s = -1;
	if (listen(l, 4) == 0 && connect(*c, (struct sockaddr *)la, len) == 0)
		*s = accept4(l, (struct sockaddr *)from, fromlen, SOCK_CLOEXEC);
	close(l);
	return *s >= 0;
}

static void test_names(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la, from, cname, cpeer, sname, speer;
	socklen_t fromlen = sizeof(from), n1 = sizeof(cname), n2 = sizeof(cpeer), n3 = sizeof(sname),
	          n4 = sizeof(speer);
	int c, s;
	if (!CHECK_MSG(pair_with(fam, &c, &s, &la, &from, &fromlen, NULL, NULL), "%s names: connected pair", f))
		return;
	CHECK_MSG(getsockname(c, (struct sockaddr *)&cname, &n1) == 0 && getpeername(c, (struct sockaddr *)&cpeer, &n2) == 0 &&
	              getsockname(s, (struct sockaddr *)&sname, &n3) == 0 &&
	              getpeername(s, (struct sockaddr *)&speer, &n4) == 0,
	          "%s names: getsockname/getpeername on both ends", f);
	CHECK_MSG(addr_eq(&cpeer, &la) && addr_eq(&sname, &la), "%s names: both ends name the listener's address", f);
	CHECK_MSG(addr_eq(&cname, &speer) && addr_eq(&cname, &from) && is_loopback(&cname, fam) && port_of(&cname),
	          "%s names: the client's address as accept() and getpeername() give it", f);
	int v = -1;
	CHECK_MSG(get_int_opt(c, SOL_SOCKET, SO_DOMAIN, &v) == 0 && v == fam && get_int_opt(s, SOL_SOCKET, SO_TYPE, &v) == 0 &&
	              v == SOCK_STREAM && get_int_opt(s, SOL_SOCKET, SO_PROTOCOL, &v) == 0 && v == IPPROTO_TCP,
	          "%s names: SO_DOMAIN, SO_TYPE, SO_PROTOCOL", f);
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	CHECK_MSG(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0 && ti.tcpi_state == TCP_ESTABLISHED,
	          "%s names: TCP_INFO says established", f);
	close(c);
	close(s);
}

/* Bytes sent are readable at the peer by the time send() returns (CPython's test_epoll
 * TestEPoll.test_control_and_wait). */
static void test_readiness(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la, from;
	socklen_t fl = sizeof(from);
	int c, s;
	if (!CHECK_MSG(pair_with(fam, &c, &s, &la, &from, &fl, NULL, NULL), "%s readiness: connected pair", f))
		return;
	CHECK_MSG(revents(c) == POLLOUT && revents(s) == POLLOUT, "%s readiness: both only writable at first", f);
	CHECK_MSG(send(c, "x", 1, 0) == 1 && send(s, "y", 1, 0) == 1, "%s readiness: send on both ends", f);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event e1 = {.events = EPOLLIN | EPOLLOUT, .data.fd = c}, e2 = {.events = EPOLLIN | EPOLLOUT, .data.fd = s};
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &e1);
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &e2);
	struct epoll_event got[4];
	int n = epoll_wait(ep, got, 4, 0);
	CHECK_MSG(n == 2 && got[0].events == (EPOLLIN | EPOLLOUT) && got[1].events == (EPOLLIN | EPOLLOUT),
	          "%s readiness: at once, both readable and writable (epoll, no wait)", f);
	close(ep);
	close(c);
	close(s);
}

/* The peer closed, having read everything: a FIN, so EOF and POLLRDHUP but no POLLHUP; the first
 * write still succeeds (the peer answers it with a reset), the next fails with EPIPE. */
static void test_write_after_close(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la, from;
	socklen_t fl = sizeof(from);
	int c, s;
	if (!CHECK_MSG(pair_with(fam, &c, &s, &la, &from, &fl, NULL, NULL), "%s after close: connected pair", f))
		return;
	close(s);
	CHECK_MSG(wait_ev(c, POLLRDHUP) && revents(c) == (POLLIN | POLLOUT | POLLRDHUP),
	          "%s after close: POLLIN|POLLOUT|POLLRDHUP, no POLLHUP", f);
	char buf[4];
	CHECK_MSG(recv(c, buf, sizeof(buf), 0) == 0, "%s after close: read gives EOF", f);
	CHECK_MSG(send(c, "late", 4, MSG_NOSIGNAL) == 4, "%s after close: the first write succeeds", f);
	CHECK_MSG(wait_ev(c, POLLHUP), "%s after close: the peer's reset comes back (POLLHUP)", f);
	errno = 0;
	CHECK_MSG(send(c, "late", 4, MSG_NOSIGNAL) < 0 && errno == EPIPE, "%s after close: the next write: EPIPE", f);
	close(c);
}

/* The peer closed with bytes unread: a reset, ECONNRESET through SO_ERROR once, then reads say 0. */
static void test_reset(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la, from;
	socklen_t fl = sizeof(from);
	int c, s;
	if (!CHECK_MSG(pair_with(fam, &c, &s, &la, &from, &fl, NULL, NULL), "%s reset: connected pair", f))
		return;
	CHECK_MSG(send(c, "unread", 6, 0) == 6 && wait_ev(s, POLLIN), "%s reset: bytes reach the peer", f);
	close(s);
	CHECK_MSG(wait_ev(c, POLLERR) && (revents(c) & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP),
	          "%s reset: POLLERR|POLLHUP", f);
	int e = -1;
	CHECK_MSG(get_int_opt(c, SOL_SOCKET, SO_ERROR, &e) == 0 && e == ECONNRESET, "%s reset: SO_ERROR ECONNRESET", f);
	CHECK_MSG(get_int_opt(c, SOL_SOCKET, SO_ERROR, &e) == 0 && e == 0, "%s reset: SO_ERROR is cleared once read", f);
	errno = 0;
	CHECK_MSG(send(c, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE, "%s reset: a write then: EPIPE", f);
	close(c);
}

static void test_shutdown(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la, from;
	socklen_t fl = sizeof(from);
	int c, s;
	if (!CHECK_MSG(pair_with(fam, &c, &s, &la, &from, &fl, NULL, NULL), "%s shutdown: connected pair", f))
		return;
	char buf[8];
	CHECK_MSG(shutdown(c, SHUT_WR) == 0 && wait_ev(s, POLLRDHUP) && recv(s, buf, sizeof(buf), 0) == 0,
	          "%s shutdown: SHUT_WR gives the peer EOF", f);
	CHECK_MSG(revents(s) == (POLLIN | POLLOUT | POLLRDHUP), "%s shutdown: the peer: no POLLHUP yet", f);
	errno = 0;
	CHECK_MSG(send(c, "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE, "%s shutdown: writing after SHUT_WR: EPIPE", f);
	CHECK_MSG(send(s, "back", 4, 0) == 4 && wait_ev(c, POLLIN) && recv(c, buf, sizeof(buf), 0) == 4,
	          "%s shutdown: the other direction still flows", f);
	CHECK_MSG(shutdown(s, SHUT_WR) == 0 && wait_ev(c, POLLHUP) && recv(c, buf, sizeof(buf), 0) == 0,
	          "%s shutdown: both directions shut: POLLHUP and EOF", f);
	errno = 0;
	CHECK_MSG(shutdown(c, 7) < 0 && errno == EINVAL, "%s shutdown: a bad how: EINVAL", f);
	close(c);
	close(s);
}

/* Urgent data out of line: one byte, POLLPRI, recv(MSG_OOB), SIOCATMARK at it. */
static void test_urgent(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la, from;
	socklen_t fl = sizeof(from);
	int c, s;
	if (!CHECK_MSG(pair_with(fam, &c, &s, &la, &from, &fl, NULL, NULL), "%s urgent: connected pair", f))
		return;
	CHECK_MSG(send(c, "ab", 2, 0) == 2 && send(c, "!", 1, MSG_OOB) == 1, "%s urgent: send, then MSG_OOB", f);
	CHECK_MSG(wait_ev(s, POLLPRI), "%s urgent: POLLPRI at the receiver", f);
	char b = 0, buf[4] = {0};
	CHECK_MSG(recv(s, &b, 1, MSG_OOB) == 1 && b == '!', "%s urgent: recv(MSG_OOB) gets the byte", f);
	int mark = -1;
	CHECK_MSG(recv(s, buf, sizeof(buf), 0) == 2 && memcmp(buf, "ab", 2) == 0 && ioctl(s, SIOCATMARK, &mark) == 0 &&
	              mark == 1,
	          "%s urgent: the stream without it, then SIOCATMARK", f);
	errno = 0;
	CHECK_MSG(recv(s, &b, 1, MSG_OOB) < 0 && errno == EINVAL, "%s urgent: read once only: EINVAL", f);
	close(c);
	close(s);
}

static void listener_opts(int l)
{
	set_int_opt(l, IPPROTO_TCP, TCP_NODELAY, 1);
	set_int_opt(l, SOL_SOCKET, SO_RCVBUF, 50000);
	set_int_opt(l, SOL_SOCKET, SO_KEEPALIVE, 1);
	struct timeval rcv = {2, 0}, snd = {3, 0};
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof(rcv));
	setsockopt(l, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof(snd));
	set_int_opt(l, SOL_SOCKET, SO_RCVLOWAT, 7);
}

/* fd's SO_RCVTIMEO (or SO_SNDTIMEO) in whole seconds, -1 if it is not whole or unreadable. */
static long timeout_s(int fd, int name)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);
	return getsockopt(fd, SOL_SOCKET, name, &tv, &len) == 0 && tv.tv_usec == 0 ? tv.tv_sec : -1;
}

static void client_opts(int c)
{
	set_int_opt(c, SOL_SOCKET, SO_RCVBUF, 65536);
	set_int_opt(c, SOL_SOCKET, SO_SNDBUF, 32768);
}

/* Options set before connect() hold after it; an accepted socket has its listener's. */
static void test_options(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la, from;
	socklen_t fl = sizeof(from);
	int c, s, v = -1;
	if (!CHECK_MSG(pair_with(fam, &c, &s, &la, &from, &fl, listener_opts, client_opts), "%s options: pair", f))
		return;
	CHECK_MSG(get_int_opt(c, SOL_SOCKET, SO_RCVBUF, &v) == 0 && v == 131072, "%s options: SO_RCVBUF as set, doubled", f);
	CHECK_MSG(get_int_opt(c, SOL_SOCKET, SO_SNDBUF, &v) == 0 && v == 65536, "%s options: SO_SNDBUF as set, doubled", f);
	CHECK_MSG(get_int_opt(c, IPPROTO_TCP, TCP_NODELAY, &v) == 0 && v == 0, "%s options: TCP_NODELAY off by default", f);
	CHECK_MSG(set_int_opt(c, IPPROTO_TCP, TCP_NODELAY, 1) == 0 && get_int_opt(c, IPPROTO_TCP, TCP_NODELAY, &v) == 0 &&
	              v == 1,
	          "%s options: TCP_NODELAY on a connected socket", f);
	CHECK_MSG(get_int_opt(s, IPPROTO_TCP, TCP_NODELAY, &v) == 0 && v == 1 &&
	              get_int_opt(s, SOL_SOCKET, SO_KEEPALIVE, &v) == 0 && v == 1 &&
	              get_int_opt(s, SOL_SOCKET, SO_RCVBUF, &v) == 0 && v == 100000,
	          "%s options: the accepted socket inherits TCP_NODELAY, SO_KEEPALIVE, SO_RCVBUF", f);
	CHECK_MSG(timeout_s(s, SO_RCVTIMEO) == 2 && timeout_s(s, SO_SNDTIMEO) == 3 &&
	              get_int_opt(s, SOL_SOCKET, SO_RCVLOWAT, &v) == 0 && v == 7,
	          "%s options: the accepted socket inherits SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVLOWAT", f);
	struct linger lg = {-1, -1};
	socklen_t ll = sizeof(lg);
	CHECK_MSG(getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &ll) == 0 && lg.l_onoff == 0,
	          "%s options: the accepted socket has no SO_LINGER (closed, it sends FIN)", f);
	CHECK_MSG(get_int_opt(s, SOL_SOCKET, SO_ERROR, &v) == 0 && v == 0 &&
	              get_int_opt(s, SOL_SOCKET, SO_ACCEPTCONN, &v) == 0 && v == 0,
	          "%s options: SO_ERROR 0, SO_ACCEPTCONN 0", f);
	close(c);
	close(s);
}

/* SO_RCVTIMEO set on a socket before listen() bounds its accept(). */
static void test_accept_timeout(int fam)
{
	struct sockaddr_storage la;
	socklen_t len;
	int l = bound_socket(fam, SOCK_STREAM, 0, &la, &len);
	struct timeval tv = {0, 100000};
	if (!CHECK_MSG(l >= 0 && setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	                   listen(l, 4) == 0,
	               "%s accept timeout: listener", fam_name(fam)))
		return;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int a = accept(l, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK_MSG(a < 0 && errno == EAGAIN && ms >= 90 && ms < 5000,
	          "%s accept timeout: EAGAIN after the listener's SO_RCVTIMEO (%ld ms)", fam_name(fam), ms);
	close(l);
}

/* A connection still in the accept queue when its listener closes is reset, data sent or not, and
 * whatever SO_LINGER the listener has, which an accepted socket inherits. */
static void test_queued_reset(int fam)
{
	const char *f = fam_name(fam);
	for (int round = 0; round < 3; round++) {
		bool data = round == 1, linger = round == 2;
		const char *what = data ? "with data" : linger ? "listener with SO_LINGER" : "without data";
		struct sockaddr_storage la;
		socklen_t len;
		int l = make_listener(fam, &la, &len);
		struct linger own = {1, 5}, got = {-1, -1};
		socklen_t gl = sizeof(got);
		if (linger && l >= 0)
			CHECK_MSG(setsockopt(l, SOL_SOCKET, SO_LINGER, &own, sizeof(own)) == 0, "%s queued %s: set", f, what);
		int first = linger && l >= 0 ? connect_to(fam, &la, len) : -1;
		int a = first >= 0 ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
		if (linger)
			CHECK_MSG(a >= 0 && getsockopt(a, SOL_SOCKET, SO_LINGER, &got, &gl) == 0 && got.l_onoff == 1 &&
			              got.l_linger == 5,
			          "%s queued %s: an accepted socket inherits it", f, what);
		int c = l >= 0 ? connect_to(fam, &la, len) : -1;
		if (!CHECK_MSG(c >= 0, "%s queued %s: connected", f, what)) {
			if (l >= 0)
				close(l);
			continue;
		}
		CHECK_MSG((!data || write_all(c, "hello", 5)) && wait_ev(l, POLLIN), "%s queued %s: in the accept queue", f,
		          what);
		close(l);
		char buf[8];
		CHECK_MSG(wait_ev(c, POLLIN | POLLERR) && recv(c, buf, sizeof(buf), 0) < 0 && errno == ECONNRESET,
		          "%s queued %s: reset when its listener closes", f, what);
		close(c);
		if (a >= 0)
			close(a);
		if (first >= 0)
			close(first);
	}
}

/* connect() again on a connected socket: EISCONN after a blocking connect; after a non-blocking one
 * (EINPROGRESS) 0 once the handshake is over, then EISCONN. Both ends are blocking unless asked. */
static void test_connect_again(int fam)
{
	const char *f = fam_name(fam);
	for (int nb = 0; nb < 2; nb++) {
		const char *how = nb ? "non-blocking" : "blocking";
		struct sockaddr_storage la;
		socklen_t len;
		int l = make_listener(fam, &la, &len);
		int c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC | (nb ? SOCK_NONBLOCK : 0), 0);
		int r = l >= 0 && c >= 0 ? connect(c, (struct sockaddr *)&la, len) : -1;
		if (!CHECK_MSG(nb ? r < 0 && errno == EINPROGRESS : r == 0, "%s connect again (%s): first connect", f,
		               how)) {
			close(c);
			close(l);
			continue;
		}
		if (nb)
			CHECK_MSG(wait_ev(c, POLLOUT) && connect(c, (struct sockaddr *)&la, len) == 0,
			          "%s connect again (%s): 0 once connected", f, how);
		errno = 0;
		CHECK_MSG(connect(c, (struct sockaddr *)&la, len) < 0 && errno == EISCONN,
		          "%s connect again (%s): then EISCONN (%s)", f, how, strerror(errno));
		int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		CHECK_MSG(a >= 0 && !(fcntl(a, F_GETFL) & O_NONBLOCK) &&
		              (fcntl(c, F_GETFL) & O_NONBLOCK) == (nb ? O_NONBLOCK : 0),
		          "%s connect again (%s): O_NONBLOCK only where asked", f, how);
		close(a);
		close(c);
		close(l);
	}
}

/* bind() to port 0 never picks a port a connected socket of the program holds. Under ztrun
 * (ZT_NC_NETWORK set), where bind(0) on a virtual socket takes lwIP's ports (49152-65535), the ports
 * the kernel picks for joined connections stay below them; connections to eight listeners, as the
 * kernel's choice starts at a place of its own for each destination. */
static void test_ports(int fam)
{
	enum { LISTENERS = 8, PER = 8, BINDS = 512 };
	const char *f = fam_name(fam);
	static bool held[65536];
	memset(held, 0, sizeof(held));
	int fds[LISTENERS * (2 * PER + 1)], n = 0, conns = 0;
	bool below = true;
	for (int i = 0; i < LISTENERS; i++) {
		struct sockaddr_storage la, cn;
		socklen_t len, cl;
		int l = make_listener(fam, &la, &len);
		if (l < 0)
			break;
		fds[n++] = l;
		for (int j = 0; j < PER; j++) {
			int c = connect_to(fam, &la, len);
			int a = c >= 0 ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
			if (c >= 0)
				fds[n++] = c;
			if (a < 0)
				break;
			fds[n++] = a;
			cl = sizeof(cn);
			if (getsockname(c, (struct sockaddr *)&cn, &cl) < 0)
				break;
			held[port_of(&cn)] = true;
			below = below && port_of(&cn) < 49152;
			conns++;
		}
	}
	CHECK_MSG(conns == LISTENERS * PER, "%s ports: %d connections to %d listeners", f, LISTENERS * PER,
	          LISTENERS);
	if (getenv("ZT_NC_NETWORK"))
		CHECK_MSG(below,
		          "%s ports: under ztrun, those of joined connections are below lwIP's 49152-65535",
		          f);
	int clash = 0, binds = 0;
	for (; binds < BINDS; binds++) {
		struct sockaddr_storage b;
		socklen_t bl;
		int fd = bound_socket(fam, SOCK_STREAM, 0, &b, &bl);
		if (fd < 0)
			break;
		clash += held[port_of(&b)];
		close(fd);
	}
	CHECK_MSG(binds == BINDS && clash == 0,
	          "%s ports: bind(0) picked no port a connection holds (%d of %d did)", f, clash, binds);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

int main(void)
{
	alarm(120); /* a hang must fail the test, not block it */
	signal(SIGPIPE, SIG_IGN);
	int fams[2] = {AF_INET, AF_INET6};
	for (int i = 0; i < 2; i++) {
		test_names(fams[i]);
		test_readiness(fams[i]);
		test_write_after_close(fams[i]);
		test_reset(fams[i]);
		test_shutdown(fams[i]);
		test_urgent(fams[i]);
		test_options(fams[i]);
		test_accept_timeout(fams[i]);
		test_ports(fams[i]);
		test_queued_reset(fams[i]);
		test_connect_again(fams[i]);
	}
	return zt_check_report();
}
