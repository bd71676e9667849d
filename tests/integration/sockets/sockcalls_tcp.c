/* sockcalls, TCP: connect/accept and names, non-blocking connect, refused connections, half close, and
 * 8 MiB each way through poll and epoll. */
#include "sockcalls.h"

void test_tcp_basic(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la, ca, pa, sa;
	socklen_t llen, len;
	int l = make_listener(fam, &la, &llen);
	if (!CHECK_MSG(l >= 0, "%s tcp: bind port 0 + listen", f))
		return;
	CHECK_MSG(port_of(&la) != 0 && is_loopback(&la, fam),
	          "%s tcp: getsockname gives loopback and a port (%u)", f, port_of(&la));
	int v;
	CHECK_MSG(get_int_opt(l, SOL_SOCKET, SO_ACCEPTCONN, &v) == 0 && v == 1,
	          "%s tcp: SO_ACCEPTCONN 1 on the listener", f);
	CHECK_MSG(fd_cloexec(l), "%s tcp: listen keeps FD_CLOEXEC", f);

	/* Nothing pending on a non-blocking listener. */
	fcntl(l, F_SETFL, fcntl(l, F_GETFL) | O_NONBLOCK);
	errno = 0;
	CHECK_MSG(accept(l, NULL, NULL) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK),
	          "%s tcp: accept on an idle non-blocking listener gives EAGAIN", f);
	fcntl(l, F_SETFL, fcntl(l, F_GETFL) & ~O_NONBLOCK);

	int c = connect_to(fam, &la, llen);
	if (!CHECK_MSG(c >= 0, "%s tcp: blocking connect", f)) {
		close(l);
		return;
	}
	len = sizeof(pa);
	CHECK_MSG(getpeername(c, (struct sockaddr *)&pa, &len) == 0 && addr_eq(&pa, &la),
	          "%s tcp: getpeername on the client is the listener", f);
	len = sizeof(ca);
	CHECK_MSG(getsockname(c, (struct sockaddr *)&ca, &len) == 0 && is_loopback(&ca, fam) &&
	              port_of(&ca) != 0,
	          "%s tcp: getsockname on the client is loopback with a port", f);

	len = sizeof(sa);
	int s = accept4(l, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (CHECK_MSG(s >= 0, "%s tcp: accept4(SOCK_NONBLOCK|SOCK_CLOEXEC)", f)) {
		CHECK_MSG(fl_nonblock(s), "%s tcp: accept4 result has O_NONBLOCK", f);
		CHECK_MSG(fd_cloexec(s), "%s tcp: accept4 result has FD_CLOEXEC", f);
		CHECK_MSG(
		    len == (fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) &&
		        addr_eq(&sa, &ca),
		    "%s tcp: accept4 reports the client's address", f);
		len = sizeof(pa);
		CHECK_MSG(getsockname(s, (struct sockaddr *)&pa, &len) == 0 && addr_eq(&pa, &la),
		          "%s tcp: getsockname on the accepted socket is the listener's address", f);
		len = sizeof(pa);
		CHECK_MSG(getpeername(s, (struct sockaddr *)&pa, &len) == 0 && addr_eq(&pa, &ca),
		          "%s tcp: getpeername on the accepted socket is the client", f);
		CHECK_MSG(get_int_opt(s, SOL_SOCKET, SO_TYPE, &v) == 0 && v == SOCK_STREAM,
		          "%s tcp: SO_TYPE of accepted", f);
		CHECK_MSG(get_int_opt(s, SOL_SOCKET, SO_ACCEPTCONN, &v) == 0 && v == 0,
		          "%s tcp: SO_ACCEPTCONN 0 on accepted", f);
		char buf[16];
		CHECK_MSG(send(c, "hello", 5, 0) == 5 && read_full(s, buf, 5) && memcmp(buf, "hello", 5) == 0,
		          "%s tcp: send -> read", f);
		CHECK_MSG(write(s, "world", 5) == 5 && wait_fd(c, POLLIN) &&
		              recv(c, buf, sizeof(buf), 0) == 5 && memcmp(buf, "world", 5) == 0,
		          "%s tcp: write -> recv", f);
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		CHECK_MSG(send(s, "x", 1, 0) == 1 && wait_fd(c, POLLIN) &&
		              recvfrom(c, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen) == 1 &&
		              buf[0] == 'x',
		          "%s tcp: recvfrom on a stream", f);
		close(s);
	}

	/* A second connection through plain accept: no flags on the result. */
	int c2 = connect_to(fam, &la, llen);
	int s2 = c2 >= 0 ? accept(l, NULL, NULL) : -1;
	if (CHECK_MSG(s2 >= 0, "%s tcp: accept", f)) {
		CHECK_MSG(!fl_nonblock(s2) && !fd_cloexec(s2), "%s tcp: accept result has neither flag", f);
		close(s2);
	}
	if (c2 >= 0)
		close(c2);
	close(c);
	close(l);

	int ns = socket(fam, SOCK_STREAM, 0);
	errno = 0;
	CHECK_MSG(ns >= 0 && accept4(ns, NULL, NULL, 0) < 0 && errno == EINVAL,
	          "%s tcp: accept4 on a non-listening socket gives EINVAL", f);
	errno = 0;
	len = sizeof(pa);
	CHECK_MSG(ns >= 0 && getpeername(ns, (struct sockaddr *)&pa, &len) < 0 && errno == ENOTCONN,
	          "%s tcp: getpeername on an unconnected socket gives ENOTCONN", f);
	if (ns >= 0)
		close(ns);
}

void test_connect_nonblocking(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t llen;
	int l = make_listener(fam, &la, &llen);
	if (!CHECK_MSG(l >= 0, "%s nbconnect: listener", f))
		return;
	int c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&la, llen);
	CHECK_MSG(r == 0 || errno == EINPROGRESS, "%s nbconnect: connect gives 0 or EINPROGRESS", f);
	CHECK_MSG(wait_fd(c, POLLOUT), "%s nbconnect: poll POLLOUT", f);
	int v;
	CHECK_MSG(get_int_opt(c, SOL_SOCKET, SO_ERROR, &v) == 0 && v == 0, "%s nbconnect: SO_ERROR 0", f);
	struct sockaddr_storage pa;
	socklen_t len = sizeof(pa);
	CHECK_MSG(getpeername(c, (struct sockaddr *)&pa, &len) == 0 && addr_eq(&pa, &la),
	          "%s nbconnect: getpeername", f);
	/* Linux reports the completion once more as success (the old BSD idiom), then EISCONN. */
	errno = 0;
	r = connect(c, (struct sockaddr *)&la, llen);
	CHECK_MSG(r == 0 || errno == EISCONN, "%s nbconnect: connect again gives 0 or EISCONN", f);
	errno = 0;
	CHECK_MSG(connect(c, (struct sockaddr *)&la, llen) < 0 && errno == EISCONN,
	          "%s nbconnect: then EISCONN", f);
	int s = accept(l, NULL, NULL);
	char b = 0;
	CHECK_MSG(s >= 0 && write_all(c, "n", 1) && read_full(s, &b, 1) && b == 'n',
	          "%s nbconnect: data flows", f);
	if (s >= 0)
		close(s);
	close(c);
	close(l);
}

/* A loopback port nobody listens on: bound, then closed. */
static socklen_t closed_port(int fam, struct sockaddr_storage *a)
{
	socklen_t len = loopback(fam, 0, a);
	int fd = socket(fam, SOCK_STREAM, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)a, len) == 0) {
		len = sizeof(*a);
		getsockname(fd, (struct sockaddr *)a, &len);
	}
	if (fd >= 0)
		close(fd);
	return len;
}

void test_refused(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage a;
	socklen_t len = closed_port(fam, &a);
	int c = socket(fam, SOCK_STREAM, 0);
	errno = 0;
	CHECK_MSG(c >= 0 && connect(c, (struct sockaddr *)&a, len) < 0 && errno == ECONNREFUSED,
	          "%s refused: blocking connect gives ECONNREFUSED", f);
	if (c >= 0)
		close(c);
	c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	errno = 0;
	int r = connect(c, (struct sockaddr *)&a, len);
	/* Refused at once (the kernel's loopback may answer within the call) or in progress and refused
	 * later: either is right, anything else is not. */
	bool in_progress = r < 0 && errno == EINPROGRESS;
	CHECK_MSG(in_progress || (r < 0 && errno == ECONNREFUSED),
	          "%s refused: non-blocking connect gives EINPROGRESS or ECONNREFUSED", f);
	if (in_progress) {
		CHECK_MSG(wait_fd(c, POLLOUT), "%s refused: poll POLLOUT", f);
		int v;
		CHECK_MSG(get_int_opt(c, SOL_SOCKET, SO_ERROR, &v) == 0 && v == ECONNREFUSED,
		          "%s refused: SO_ERROR is ECONNREFUSED (%d)", f, v);
	}
	close(c);
}

void test_half_close(int fam)
{
	const char *f = fam_name(fam);
	int c, s;
	if (!CHECK_MSG(tcp_pair(fam, &c, &s), "%s halfclose: connected pair", f))
		return;
	char buf[8];
	CHECK_MSG(write_all(c, "hello", 5) && shutdown(c, SHUT_WR) == 0,
	          "%s halfclose: client writes, shutdown(SHUT_WR)", f);
	CHECK_MSG(read_full(s, buf, 5) && memcmp(buf, "hello", 5) == 0 && read_eof(s),
	          "%s halfclose: server reads data then EOF", f);
	CHECK_MSG(write_all(s, "world", 5) && read_full(c, buf, 5) && memcmp(buf, "world", 5) == 0,
	          "%s halfclose: data still flows server -> client", f);
	close(s);
	CHECK_MSG(read_eof(c), "%s halfclose: client sees EOF after server close", f);
	close(c);
}

/* Moves BIG_SIZE bytes from one end to the other in one thread, both non-blocking, and checks every
 * byte. use_epoll picks the readiness API. */
void test_big(int fam, bool use_epoll)
{
	const char *f = fam_name(fam);
	const char *api = use_epoll ? "epoll" : "poll";
	int c, s;
	if (!CHECK_MSG(tcp_pair(fam, &c, &s), "%s big/%s: connected pair", f, api))
		return;
	int from = use_epoll ? s : c, to = use_epoll ? c : s;
	fcntl(from, F_SETFL, O_NONBLOCK);
	fcntl(to, F_SETFL, O_NONBLOCK);
	size_t sent = 0, got = 0;
	bool bad = false, stuck = false;
	uint8_t out[65536], in[65536];
	int ep = -1;
	if (use_epoll) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event e1 = {.events = EPOLLOUT, .data.fd = from};
		struct epoll_event e2 = {.events = EPOLLIN, .data.fd = to};
		epoll_ctl(ep, EPOLL_CTL_ADD, from, &e1);
		epoll_ctl(ep, EPOLL_CTL_ADD, to, &e2);
	}
	while (got < BIG_SIZE && !bad && !stuck) {
		bool can_write = false, can_read = false;
		if (use_epoll) {
			struct epoll_event ev[2];
			int n = epoll_wait(ep, ev, 2, IO_TIMEOUT_MS);
			if (n <= 0 && errno != EINTR)
				stuck = true;
			for (int i = 0; i < n; i++) {
				if (ev[i].data.fd == from && (ev[i].events & EPOLLOUT))
					can_write = true;
				if (ev[i].data.fd == to && (ev[i].events & (EPOLLIN | EPOLLHUP)))
					can_read = true;
			}
		} else {
			struct pollfd p[2] = {{.fd = sent < BIG_SIZE ? from : -1, .events = POLLOUT},
			                      {.fd = to, .events = POLLIN}};
			int n = poll(p, 2, IO_TIMEOUT_MS);
			if (n <= 0 && errno != EINTR)
				stuck = true;
			can_write = p[0].revents & POLLOUT;
			can_read = p[1].revents & (POLLIN | POLLHUP);
		}
		if (can_write && sent < BIG_SIZE) {
			size_t n = BIG_SIZE - sent < sizeof(out) ? BIG_SIZE - sent : sizeof(out);
			for (size_t i = 0; i < n; i++)
				out[i] = pattern(sent + i);
			ssize_t w = send(from, out, n, MSG_NOSIGNAL);
			if (w > 0)
				sent += (size_t)w;
			else if (w < 0 && errno != EAGAIN)
				bad = true;
			if (sent == BIG_SIZE) {
				shutdown(from, SHUT_WR);
				if (use_epoll)
					epoll_ctl(ep, EPOLL_CTL_DEL, from, NULL);
			}
		}
		if (can_read) {
			ssize_t r = recv(to, in, sizeof(in), 0);
			if (r > 0) {
				for (ssize_t i = 0; i < r; i++)
					if (in[i] != pattern(got + (size_t)i))
						bad = true;
				got += (size_t)r;
			} else if (r == 0 || errno != EAGAIN) {
				bad = true;
			}
		}
	}
	CHECK_MSG(!bad && !stuck && got == BIG_SIZE, "%s big/%s: 8 MiB arrive intact (%zu bytes)", f, api,
	          got);
	CHECK_MSG(read_eof(to), "%s big/%s: then EOF", f, api);
	if (ep >= 0)
		close(ep);
	close(c);
	close(s);
}
