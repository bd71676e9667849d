/* sockcalls: one client and server over 127.0.0.1 and ::1 that exercises every socket call the
 * preload shim intercepts. It must pass on the kernel as it does under `ztrun none -- sockcalls`:
 * every expectation here is the kernel's own behaviour. One line per check, then "N passed, M failed";
 * the exit status is nonzero on any failure. Takes no arguments (the exec check re-runs it with some). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define IO_TIMEOUT_MS 20000
#define BIG_SIZE      (8u << 20)

static int passed, failed;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

/* Records one check; the errno at the time of the call is shown when it failed. */
static bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool check(bool ok, const char *fmt, ...)
{
	int saved = errno;
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&report_lock);
	if (ok) {
		passed++;
		printf("ok   %s\n", what);
	} else {
		failed++;
		printf("FAIL %s (errno %d: %s)\n", what, saved, strerror(saved));
	}
	fflush(stdout);
	pthread_mutex_unlock(&report_lock);
	errno = saved;
	return ok;
}

static const char *fam_name(int fam)
{
	return fam == AF_INET ? "v4" : "v6";
}

static socklen_t loopback(int fam, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	in6->sin6_addr = in6addr_loopback;
	return sizeof(*in6);
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static bool addr_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family || port_of(a) != port_of(b))
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	              &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

static bool is_loopback(const struct sockaddr_storage *ss, int fam)
{
	struct sockaddr_storage lo;
	loopback(fam, port_of(ss), &lo);
	return addr_eq(ss, &lo);
}

static int fl_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

static int fd_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	return fl >= 0 && (fl & FD_CLOEXEC);
}

static int get_int_opt(int fd, int level, int name, int *out)
{
	socklen_t len = sizeof(*out);
	*out = -1;
	return getsockopt(fd, level, name, out, &len);
}

static int set_int_opt(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

static bool wait_fd(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;
	do
		r = poll(&p, 1, IO_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r == 1;
}

/* Reads exactly n bytes (EOF or timeout: false). Works on blocking and non-blocking fds. */
static bool read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		if (!wait_fd(fd, POLLIN))
			return false;
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static bool write_all(int fd, const void *buf, size_t n)
{
	size_t put = 0;
	while (put < n) {
		if (!wait_fd(fd, POLLOUT))
			return false;
		ssize_t r = write(fd, (const char *)buf + put, n - put);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return false;
		put += (size_t)r;
	}
	return true;
}

/* True when the peer has closed: a read returns 0 in time. */
static bool read_eof(int fd)
{
	char c;
	if (!wait_fd(fd, POLLIN))
		return false;
	return read(fd, &c, 1) == 0;
}

/* A listening TCP socket on the loopback address, port chosen by the kernel (or the stack). */
static int make_listener(int fam, struct sockaddr_storage *addr, socklen_t *len)
{
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	*len = loopback(fam, 0, addr);
	if (bind(fd, (struct sockaddr *)addr, *len) < 0 || listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	*len = sizeof(*addr);
	if (getsockname(fd, (struct sockaddr *)addr, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(int fam, const struct sockaddr_storage *addr, socklen_t len)
{
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)addr, len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A connected pair: *c the client, *s the accepted end. */
static bool tcp_pair(int fam, int *c, int *s)
{
	struct sockaddr_storage a;
	socklen_t len;
	int l = make_listener(fam, &a, &len);
	if (l < 0)
		return false;
	*c = connect_to(fam, &a, len);
	*s = *c >= 0 ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
	close(l);
	if (*c < 0 || *s < 0) {
		if (*c >= 0)
			close(*c);
		return false;
	}
	return true;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 13) + (i >> 21));
}

static void test_socket_flags(int fam)
{
	const char *f = fam_name(fam);
	int types[2] = {SOCK_STREAM, SOCK_DGRAM};
	for (int t = 0; t < 2; t++) {
		const char *tn = types[t] == SOCK_STREAM ? "tcp" : "udp";
		int fd = socket(fam, types[t] | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (check(fd >= 0, "%s %s: socket(SOCK_NONBLOCK|SOCK_CLOEXEC)", f, tn)) {
			check(fl_nonblock(fd), "%s %s: SOCK_NONBLOCK gives O_NONBLOCK", f, tn);
			check(fd_cloexec(fd), "%s %s: SOCK_CLOEXEC gives FD_CLOEXEC", f, tn);
			close(fd);
		}
		fd = socket(fam, types[t], 0);
		if (check(fd >= 0, "%s %s: socket() without flags", f, tn)) {
			check(!fl_nonblock(fd) && !fd_cloexec(fd),
			      "%s %s: no flags, neither O_NONBLOCK nor FD_CLOEXEC", f, tn);
			int v;
			check(get_int_opt(fd, SOL_SOCKET, SO_TYPE, &v) == 0 && v == types[t],
			      "%s %s: SO_TYPE", f, tn);
			check(get_int_opt(fd, SOL_SOCKET, SO_DOMAIN, &v) == 0 && v == fam, "%s %s: SO_DOMAIN",
			      f, tn);
			int proto = types[t] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
			check(get_int_opt(fd, SOL_SOCKET, SO_PROTOCOL, &v) == 0 && v == proto,
			      "%s %s: SO_PROTOCOL", f, tn);
			check(get_int_opt(fd, SOL_SOCKET, SO_ERROR, &v) == 0 && v == 0,
			      "%s %s: SO_ERROR is 0 on a new socket", f, tn);
			close(fd);
		}
	}
}

static void test_sockopts(int fam)
{
	const char *f = fam_name(fam);
	int fd = socket(fam, SOCK_STREAM, 0);
	if (!check(fd >= 0, "%s opts: socket", f))
		return;
	int v;
	struct {
		int level, name;
		const char *what;
	} bools[] = {
	    {SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR"},
	    {SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT"},
	    {SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE"},
	    {IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY"},
	};
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		check(set_int_opt(fd, bools[i].level, bools[i].name, 1) == 0 &&
		          get_int_opt(fd, bools[i].level, bools[i].name, &v) == 0 && v != 0,
		      "%s opts: %s set to 1 reads back nonzero", f, bools[i].what);
		check(set_int_opt(fd, bools[i].level, bools[i].name, 0) == 0 &&
		          get_int_opt(fd, bools[i].level, bools[i].name, &v) == 0 && v == 0,
		      "%s opts: %s set to 0 reads back 0", f, bools[i].what);
	}
	if (fam == AF_INET6) {
		check(set_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) == 0 &&
		          get_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v) == 0 && v == 1,
		      "v6 opts: IPV6_V6ONLY 1");
		check(set_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0) == 0 &&
		          get_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v) == 0 && v == 0,
		      "v6 opts: IPV6_V6ONLY 0");
	}
	check(get_int_opt(fd, SOL_SOCKET, SO_RCVBUF, &v) == 0 && v > 0, "%s opts: SO_RCVBUF readable (%d)", f,
	      v);
	check(get_int_opt(fd, SOL_SOCKET, SO_SNDBUF, &v) == 0 && v > 0, "%s opts: SO_SNDBUF readable (%d)", f,
	      v);
	check(get_int_opt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v) == 0 && v == 0,
	      "%s opts: SO_ACCEPTCONN 0 before listen", f);
	errno = 0;
	check(get_int_opt(fd, SOL_SOCKET, 7777, &v) < 0 && errno == ENOPROTOOPT,
	      "%s opts: an unknown option gives ENOPROTOOPT", f);
	struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
	check(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "%s opts: SO_RCVTIMEO set", f);
	close(fd);
}

static void test_tcp_basic(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la, ca, pa, sa;
	socklen_t llen, len;
	int l = make_listener(fam, &la, &llen);
	if (!check(l >= 0, "%s tcp: bind port 0 + listen", f))
		return;
	check(port_of(&la) != 0 && is_loopback(&la, fam),
	      "%s tcp: getsockname gives loopback and a port (%u)", f, port_of(&la));
	int v;
	check(get_int_opt(l, SOL_SOCKET, SO_ACCEPTCONN, &v) == 0 && v == 1,
	      "%s tcp: SO_ACCEPTCONN 1 on the listener", f);
	check(fd_cloexec(l), "%s tcp: listen keeps FD_CLOEXEC", f);

	/* Nothing pending on a non-blocking listener. */
	fcntl(l, F_SETFL, fcntl(l, F_GETFL) | O_NONBLOCK);
	errno = 0;
	check(accept(l, NULL, NULL) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK),
	      "%s tcp: accept on an idle non-blocking listener gives EAGAIN", f);
	fcntl(l, F_SETFL, fcntl(l, F_GETFL) & ~O_NONBLOCK);

	int c = connect_to(fam, &la, llen);
	if (!check(c >= 0, "%s tcp: blocking connect", f)) {
		close(l);
		return;
	}
	len = sizeof(pa);
	check(getpeername(c, (struct sockaddr *)&pa, &len) == 0 && addr_eq(&pa, &la),
	      "%s tcp: getpeername on the client is the listener", f);
	len = sizeof(ca);
	check(getsockname(c, (struct sockaddr *)&ca, &len) == 0 && is_loopback(&ca, fam) && port_of(&ca) != 0,
	      "%s tcp: getsockname on the client is loopback with a port", f);

	len = sizeof(sa);
	int s = accept4(l, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (check(s >= 0, "%s tcp: accept4(SOCK_NONBLOCK|SOCK_CLOEXEC)", f)) {
		check(fl_nonblock(s), "%s tcp: accept4 result has O_NONBLOCK", f);
		check(fd_cloexec(s), "%s tcp: accept4 result has FD_CLOEXEC", f);
		check(len == (fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) &&
		          addr_eq(&sa, &ca),
		      "%s tcp: accept4 reports the client's address", f);
		len = sizeof(pa);
		check(getsockname(s, (struct sockaddr *)&pa, &len) == 0 && addr_eq(&pa, &la),
		      "%s tcp: getsockname on the accepted socket is the listener's address", f);
		len = sizeof(pa);
		check(getpeername(s, (struct sockaddr *)&pa, &len) == 0 && addr_eq(&pa, &ca),
		      "%s tcp: getpeername on the accepted socket is the client", f);
		check(get_int_opt(s, SOL_SOCKET, SO_TYPE, &v) == 0 && v == SOCK_STREAM,
		      "%s tcp: SO_TYPE of accepted", f);
		check(get_int_opt(s, SOL_SOCKET, SO_ACCEPTCONN, &v) == 0 && v == 0,
		      "%s tcp: SO_ACCEPTCONN 0 on accepted", f);
		char buf[16];
		check(send(c, "hello", 5, 0) == 5 && read_full(s, buf, 5) && memcmp(buf, "hello", 5) == 0,
		      "%s tcp: send -> read", f);
		check(write(s, "world", 5) == 5 && wait_fd(c, POLLIN) && recv(c, buf, sizeof(buf), 0) == 5 &&
		          memcmp(buf, "world", 5) == 0,
		      "%s tcp: write -> recv", f);
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		check(send(s, "x", 1, 0) == 1 && wait_fd(c, POLLIN) &&
		          recvfrom(c, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen) == 1 &&
		          buf[0] == 'x',
		      "%s tcp: recvfrom on a stream", f);
		close(s);
	}

	/* A second connection through plain accept: no flags on the result. */
	int c2 = connect_to(fam, &la, llen);
	int s2 = c2 >= 0 ? accept(l, NULL, NULL) : -1;
	if (check(s2 >= 0, "%s tcp: accept", f)) {
		check(!fl_nonblock(s2) && !fd_cloexec(s2), "%s tcp: accept result has neither flag", f);
		close(s2);
	}
	if (c2 >= 0)
		close(c2);
	close(c);
	close(l);

	int ns = socket(fam, SOCK_STREAM, 0);
	errno = 0;
	check(ns >= 0 && accept4(ns, NULL, NULL, 0) < 0 && errno == EINVAL,
	      "%s tcp: accept4 on a non-listening socket gives EINVAL", f);
	errno = 0;
	len = sizeof(pa);
	check(ns >= 0 && getpeername(ns, (struct sockaddr *)&pa, &len) < 0 && errno == ENOTCONN,
	      "%s tcp: getpeername on an unconnected socket gives ENOTCONN", f);
	if (ns >= 0)
		close(ns);
}

static void test_connect_nonblocking(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t llen;
	int l = make_listener(fam, &la, &llen);
	if (!check(l >= 0, "%s nbconnect: listener", f))
		return;
	int c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&la, llen);
	check(r == 0 || errno == EINPROGRESS, "%s nbconnect: connect gives 0 or EINPROGRESS", f);
	check(wait_fd(c, POLLOUT), "%s nbconnect: poll POLLOUT", f);
	int v;
	check(get_int_opt(c, SOL_SOCKET, SO_ERROR, &v) == 0 && v == 0, "%s nbconnect: SO_ERROR 0", f);
	struct sockaddr_storage pa;
	socklen_t len = sizeof(pa);
	check(getpeername(c, (struct sockaddr *)&pa, &len) == 0 && addr_eq(&pa, &la),
	      "%s nbconnect: getpeername", f);
	/* Linux reports the completion once more as success (the old BSD idiom), then EISCONN. */
	errno = 0;
	r = connect(c, (struct sockaddr *)&la, llen);
	check(r == 0 || errno == EISCONN, "%s nbconnect: connect again gives 0 or EISCONN", f);
	errno = 0;
	check(connect(c, (struct sockaddr *)&la, llen) < 0 && errno == EISCONN, "%s nbconnect: then EISCONN",
	      f);
	int s = accept(l, NULL, NULL);
	char b = 0;
	check(s >= 0 && write_all(c, "n", 1) && read_full(s, &b, 1) && b == 'n', "%s nbconnect: data flows",
	      f);
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

static void test_refused(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage a;
	socklen_t len = closed_port(fam, &a);
	int c = socket(fam, SOCK_STREAM, 0);
	errno = 0;
	check(c >= 0 && connect(c, (struct sockaddr *)&a, len) < 0 && errno == ECONNREFUSED,
	      "%s refused: blocking connect gives ECONNREFUSED", f);
	if (c >= 0)
		close(c);
	c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	errno = 0;
	int r = connect(c, (struct sockaddr *)&a, len);
	/* Refused at once (the kernel's loopback may answer within the call) or in progress and refused
	 * later: either is right, anything else is not. */
	if (r < 0 && errno == EINPROGRESS) {
		check(wait_fd(c, POLLOUT), "%s refused: poll POLLOUT", f);
		int v;
		check(get_int_opt(c, SOL_SOCKET, SO_ERROR, &v) == 0 && v == ECONNREFUSED,
		      "%s refused: SO_ERROR is ECONNREFUSED (%d)", f, v);
	} else {
		check(r < 0 && errno == ECONNREFUSED,
		      "%s refused: non-blocking connect gives EINPROGRESS or ECONNREFUSED", f);
	}
	close(c);
}

static void test_half_close(int fam)
{
	const char *f = fam_name(fam);
	int c, s;
	if (!check(tcp_pair(fam, &c, &s), "%s halfclose: connected pair", f))
		return;
	char buf[8];
	check(write_all(c, "hello", 5) && shutdown(c, SHUT_WR) == 0,
	      "%s halfclose: client writes, shutdown(SHUT_WR)", f);
	check(read_full(s, buf, 5) && memcmp(buf, "hello", 5) == 0 && read_eof(s),
	      "%s halfclose: server reads data then EOF", f);
	check(write_all(s, "world", 5) && read_full(c, buf, 5) && memcmp(buf, "world", 5) == 0,
	      "%s halfclose: data still flows server -> client", f);
	close(s);
	check(read_eof(c), "%s halfclose: client sees EOF after server close", f);
	close(c);
}

/* Moves BIG_SIZE bytes from one end to the other in one thread, both non-blocking, and checks every
 * byte. use_epoll picks the readiness API. */
static void test_big(int fam, bool use_epoll)
{
	const char *f = fam_name(fam);
	const char *api = use_epoll ? "epoll" : "poll";
	int c, s;
	if (!check(tcp_pair(fam, &c, &s), "%s big/%s: connected pair", f, api))
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
	check(!bad && !stuck && got == BIG_SIZE, "%s big/%s: 8 MiB arrive intact (%zu bytes)", f, api, got);
	check(read_eof(to), "%s big/%s: then EOF", f, api);
	if (ep >= 0)
		close(ep);
	close(c);
	close(s);
}

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

static void test_udp(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage aa, ba, from;
	socklen_t alen, blen, flen;
	int a = udp_socket(fam, &aa, &alen), b = udp_socket(fam, &ba, &blen);
	if (!check(a >= 0 && b >= 0, "%s udp: two sockets bound to port 0", f))
		return;
	check(port_of(&aa) != 0 && is_loopback(&aa, fam), "%s udp: getsockname gives loopback and a port", f);
	char buf[256];
	int v;

	errno = 0;
	check(send(a, "x", 1, 0) < 0 && errno == EDESTADDRREQ, "%s udp: send unconnected gives EDESTADDRREQ",
	      f);
	check(sendto(a, "one", 3, 0, (struct sockaddr *)&ba, blen) == 3, "%s udp: sendto", f);
	flen = sizeof(from);
	check(wait_fd(b, POLLIN) && recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 3 &&
	          memcmp(buf, "one", 3) == 0 && addr_eq(&from, &aa),
	      "%s udp: recvfrom gets data and the sender's address", f);

	struct iovec iov[2] = {{.iov_base = "ab", .iov_len = 2}, {.iov_base = "cde", .iov_len = 3}};
	struct msghdr m = {.msg_name = &ba, .msg_namelen = blen, .msg_iov = iov, .msg_iovlen = 2};
	check(sendmsg(a, &m, 0) == 5, "%s udp: sendmsg with two iovecs", f);
	char p1[3], p2[8];
	struct iovec riov[2] = {{.iov_base = p1, .iov_len = sizeof(p1)},
	                        {.iov_base = p2, .iov_len = sizeof(p2)}};
	memset(&from, 0, sizeof(from));
	struct msghdr rm = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = riov, .msg_iovlen = 2};
	check(wait_fd(b, POLLIN) && recvmsg(b, &rm, 0) == 5 && memcmp(p1, "abc", 3) == 0 &&
	          memcmp(p2, "de", 2) == 0 && addr_eq(&from, &aa) && !(rm.msg_flags & MSG_TRUNC),
	      "%s udp: recvmsg scatters and names the sender", f);

	check(sendto(a, "", 0, 0, (struct sockaddr *)&ba, blen) == 0 && wait_fd(b, POLLIN) &&
	          recv(b, buf, sizeof(buf), 0) == 0,
	      "%s udp: an empty datagram arrives empty", f);

	char big[100];
	memset(big, 'z', sizeof(big));
	check(sendto(a, big, sizeof(big), 0, (struct sockaddr *)&ba, blen) == (ssize_t)sizeof(big),
	      "%s udp: sendto 100", f);
	int avail = -1;
	check(wait_fd(b, POLLIN) && ioctl(b, FIONREAD, &avail) == 0 && avail == (int)sizeof(big),
	      "%s udp: FIONREAD is the next datagram's size (%d)", f, avail);
	check(recv(b, buf, 10, MSG_PEEK) == 10, "%s udp: MSG_PEEK", f);
	struct iovec tiov = {.iov_base = buf, .iov_len = 10};
	struct msghdr tm = {.msg_iov = &tiov, .msg_iovlen = 1};
	check(recvmsg(b, &tm, 0) == 10 && (tm.msg_flags & MSG_TRUNC), "%s udp: short buffer sets MSG_TRUNC",
	      f);

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
	check(sendmmsg(a, mv, 3, 0) == 3, "%s udp: sendmmsg of 3", f);
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
	check(got == 3 && mv[0].msg_len == 3 && memcmp(rb[0], "red", 3) == 0 && mv[2].msg_len == 4 &&
	          memcmp(rb[2], "blue", 4) == 0 && addr_eq(&rfrom[1], &aa),
	      "%s udp: recvmmsg gets 3 with senders", f);

	/* Connected: send/recv/read/write, and the peer reported. */
	check(connect(a, (struct sockaddr *)&ba, blen) == 0, "%s udp: connect", f);
	struct sockaddr_storage pa;
	socklen_t plen = sizeof(pa);
	check(getpeername(a, (struct sockaddr *)&pa, &plen) == 0 && addr_eq(&pa, &ba),
	      "%s udp: getpeername after connect", f);
	plen = sizeof(pa);
	check(getsockname(a, (struct sockaddr *)&pa, &plen) == 0 && addr_eq(&pa, &aa),
	      "%s udp: getsockname unchanged by connect", f);
	check(get_int_opt(a, SOL_SOCKET, SO_TYPE, &v) == 0 && v == SOCK_DGRAM,
	      "%s udp: SO_TYPE after connect", f);
	/* read() and write() on a datagram socket are used connected (read() on an unconnected one works
	 * on the kernel but not through the shim, which does not hook read: see src/preload). */
	check(connect(b, (struct sockaddr *)&aa, alen) == 0, "%s udp: connect the other way too", f);
	check(send(a, "two", 3, 0) == 3, "%s udp: send connected", f);
	flen = sizeof(from);
	check(wait_fd(b, POLLIN) && recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 3 &&
	          memcmp(buf, "two", 3) == 0 && addr_eq(&from, &aa),
	      "%s udp: peer receives it from us", f);
	check(write(a, "three", 5) == 5 && wait_fd(b, POLLIN) && read(b, buf, sizeof(buf)) == 5 &&
	          memcmp(buf, "three", 5) == 0,
	      "%s udp: write connected -> read", f);
	check(sendto(b, "four", 4, 0, (struct sockaddr *)&aa, alen) == 4 && wait_fd(a, POLLIN) &&
	          recv(a, buf, sizeof(buf), 0) == 4 && memcmp(buf, "four", 4) == 0,
	      "%s udp: recv connected", f);
	check(sendto(b, "five", 4, 0, (struct sockaddr *)&aa, alen) == 4 && wait_fd(a, POLLIN) &&
	          read(a, buf, sizeof(buf)) == 4 && memcmp(buf, "five", 4) == 0,
	      "%s udp: read connected", f);
	flen = sizeof(from);
	memset(&from, 0, sizeof(from));
	check(sendto(b, "six", 3, 0, (struct sockaddr *)&aa, alen) == 3 && wait_fd(a, POLLIN) &&
	          recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 3 &&
	          addr_eq(&from, &ba),
	      "%s udp: recvfrom connected names the peer", f);
	memset(&from, 0, sizeof(from));
	struct iovec ciov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr cm = {
	    .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &ciov, .msg_iovlen = 1};
	check(sendto(b, "seven", 5, 0, (struct sockaddr *)&aa, alen) == 5 && wait_fd(a, POLLIN) &&
	          recvmsg(a, &cm, 0) == 5 && addr_eq(&from, &ba),
	      "%s udp: recvmsg connected names the peer", f);
	check(sendto(a, "eight", 5, 0, (struct sockaddr *)&ba, blen) == 5 && wait_fd(b, POLLIN) &&
	          recv(b, buf, sizeof(buf), 0) == 5,
	      "%s udp: sendto the connected peer", f);

	/* AF_UNSPEC dissolves the association. The kernel also drops a port that bind() chose, so
	 * the datagram goes to a fresh socket and the sender's port is not compared. */
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	check(connect(a, &unspec, sizeof(unspec)) == 0, "%s udp: connect AF_UNSPEC", f);
	errno = 0;
	plen = sizeof(pa);
	check(getpeername(a, (struct sockaddr *)&pa, &plen) < 0 && errno == ENOTCONN,
	      "%s udp: getpeername after disconnect gives ENOTCONN", f);
	errno = 0;
	check(send(a, "x", 1, 0) < 0 && errno == EDESTADDRREQ,
	      "%s udp: send after disconnect gives EDESTADDRREQ", f);
	struct sockaddr_storage na;
	socklen_t nlen;
	int n = udp_socket(fam, &na, &nlen);
	flen = sizeof(from);
	check(n >= 0 && sendto(a, "nine", 4, 0, (struct sockaddr *)&na, nlen) == 4 && wait_fd(n, POLLIN) &&
	          recvfrom(n, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 4 &&
	          is_loopback(&from, fam) && port_of(&from) != 0,
	      "%s udp: sendto after disconnect, recvfrom names the sender", f);
	if (n >= 0)
		close(n);
	close(a);
	close(b);
}

static void test_dualstack(void)
{
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	if (!check(l >= 0, "dual: v6 socket"))
		return;
	check(set_int_opt(l, IPPROTO_IPV6, IPV6_V6ONLY, 0) == 0, "dual: IPV6_V6ONLY=0");
	struct sockaddr_in6 any = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT};
	struct sockaddr_storage la;
	socklen_t len = sizeof(la);
	if (!check(bind(l, (struct sockaddr *)&any, sizeof(any)) == 0 && listen(l, 4) == 0 &&
	               getsockname(l, (struct sockaddr *)&la, &len) == 0,
	           "dual: bind [::]:0 and listen")) {
		close(l);
		return;
	}
	struct sockaddr_storage v4;
	socklen_t v4len = loopback(AF_INET, port_of(&la), &v4);
	int c = connect_to(AF_INET, &v4, v4len);
	check(c >= 0, "dual: v4 client connects to 127.0.0.1");
	struct sockaddr_in6 peer;
	len = sizeof(peer);
	int s = c >= 0 ? accept(l, (struct sockaddr *)&peer, &len) : -1;
	if (check(s >= 0, "dual: accept")) {
		char text[INET6_ADDRSTRLEN] = "";
		inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof(text));
		check(len == sizeof(peer) && peer.sin6_family == AF_INET6 &&
		          strcmp(text, "::ffff:127.0.0.1") == 0,
		      "dual: the v4 client shows up as ::ffff:127.0.0.1 (%s)", text);
		struct sockaddr_in cl;
		len = sizeof(cl);
		check(getsockname(c, (struct sockaddr *)&cl, &len) == 0 && cl.sin_port == peer.sin6_port,
		      "dual: same port both sides");
		char b = 0;
		check(write_all(c, "d", 1) && read_full(s, &b, 1) && b == 'd', "dual: data flows");
		close(s);
	}
	if (c >= 0)
		close(c);
	close(l);
}

static void test_fork_listener(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t llen;
	int l = make_listener(fam, &la, &llen);
	if (!check(l >= 0, "%s fork: listener", f))
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int s = accept(l, NULL, NULL);
		if (s < 0)
			_exit(2);
		/* The child also makes a socket of its own: its own control connection after fork. */
		int extra = socket(fam, SOCK_DGRAM, 0);
		if (extra < 0)
			_exit(3);
		close(extra);
		_exit(write_all(s, "child", 5) ? 0 : 4);
	}
	if (!check(pid > 0, "%s fork: fork", f)) {
		close(l);
		return;
	}
	int c = connect_to(fam, &la, llen);
	char buf[5];
	check(c >= 0 && read_full(c, buf, 5) && memcmp(buf, "child", 5) == 0,
	      "%s fork: child accepts and writes", f);
	int st = 0;
	check(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "%s fork: child exits 0 (status %d)", f, st);
	/* The parent's socket calls still work after the child has gone. */
	int v;
	check(get_int_opt(l, SOL_SOCKET, SO_ACCEPTCONN, &v) == 0 && v == 1,
	      "%s fork: parent still talks to its socket", f);
	if (c >= 0)
		close(c);
	close(l);
}

/* The re-executed child: fd is an inherited connected TCP socket. */
static int exec_child(int fd, int fam)
{
	int v, bad = 0;
	if (get_int_opt(fd, SOL_SOCKET, SO_TYPE, &v) != 0 || v != SOCK_STREAM)
		bad |= 1;
	if (get_int_opt(fd, SOL_SOCKET, SO_DOMAIN, &v) != 0 || v != fam)
		bad |= 2;
	struct sockaddr_storage pa;
	socklen_t len = sizeof(pa);
	if (getpeername(fd, (struct sockaddr *)&pa, &len) != 0 || !is_loopback(&pa, fam))
		bad |= 4;
	char buf[4];
	if (!write_all(fd, "exec", 4) || !read_full(fd, buf, 4) || memcmp(buf, "ping", 4) != 0 ||
	    !write_all(fd, "pong", 4))
		bad |= 8;
	return bad;
}

static void test_exec(int fam)
{
	const char *f = fam_name(fam);
	int c, s;
	if (!check(tcp_pair(fam, &c, &s), "%s exec: connected pair", f))
		return;
	fcntl(s, F_SETFD, 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char fdarg[16], famarg[16];
		snprintf(fdarg, sizeof(fdarg), "%d", s);
		snprintf(famarg, sizeof(famarg), "%d", fam);
		char *argv[] = {"sockcalls", "--exec-child", fdarg, famarg, NULL};
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(s);
	char buf[4];
	check(pid > 0 && read_full(c, buf, 4) && memcmp(buf, "exec", 4) == 0,
	      "%s exec: exec'd child writes on the inherited socket", f);
	check(write_all(c, "ping", 4) && read_full(c, buf, 4) && memcmp(buf, "pong", 4) == 0,
	      "%s exec: and answers", f);
	int st = 0;
	check(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "%s exec: child's checks pass (status %d)", f, st);
	check(read_eof(c), "%s exec: EOF once the child exits", f);
	close(c);
}

struct thread_job {
	int fam;
	int ok_rounds;
};

static void *thread_main(void *arg)
{
	struct thread_job *job = arg;
	static uint8_t chunk[1 << 16];
	for (int round = 0; round < 10; round++) {
		int c, s;
		if (!tcp_pair(job->fam, &c, &s))
			break;
		bool ok = true;
		size_t total = 1 << 20, moved = 0;
		uint8_t in[1 << 16];
		while (ok && moved < total) {
			size_t n = sizeof(chunk) < total - moved ? sizeof(chunk) : total - moved;
			ok = write_all(c, chunk, n) && read_full(s, in, n);
			moved += n;
		}
		int v;
		ok = ok && get_int_opt(c, SOL_SOCKET, SO_TYPE, &v) == 0 && v == SOCK_STREAM;
		close(c);
		close(s);
		if (!ok)
			break;
		job->ok_rounds++;
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[2];
	struct thread_job jobs[2] = {{AF_INET, 0}, {AF_INET6, 0}};
	int started = 0;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, thread_main, &jobs[i]) == 0)
			started++;
	check(started == 2, "threads: two threads started");
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	check(jobs[0].ok_rounds == 10 && jobs[1].ok_rounds == 10,
	      "threads: 10 connects + 1 MiB each in two threads at once (%d, %d)", jobs[0].ok_rounds,
	      jobs[1].ok_rounds);
}

static void test_dup(int fam)
{
	const char *f = fam_name(fam);
	int c, s;
	if (!check(tcp_pair(fam, &c, &s), "%s dup: connected pair", f))
		return;
	char buf[4];
	int d = dup(c);
	check(d >= 0 && close(c) == 0, "%s dup: dup, then close the original", f);
	check(write_all(d, "dup1", 4) && read_full(s, buf, 4) && memcmp(buf, "dup1", 4) == 0,
	      "%s dup: the copy still sends", f);
	int target = 200;
	check(dup2(d, target) == target, "%s dup: dup2 onto %d", f, target);
	check(close(d) == 0, "%s dup: close the first copy", f);
	int v;
	check(get_int_opt(target, SOL_SOCKET, SO_TYPE, &v) == 0 && v == SOCK_STREAM,
	      "%s dup: SO_TYPE on the dup2 copy", f);
	struct sockaddr_storage pa;
	socklen_t len = sizeof(pa);
	check(getpeername(target, (struct sockaddr *)&pa, &len) == 0 && is_loopback(&pa, fam),
	      "%s dup: getpeername on the dup2 copy", f);
	check(write_all(target, "dup2", 4) && read_full(s, buf, 4) && memcmp(buf, "dup2", 4) == 0,
	      "%s dup: the dup2 copy sends", f);
	int t3 = fcntl(target, F_DUPFD_CLOEXEC, 300);
	check(t3 >= 300 && dup3(t3, target, O_CLOEXEC) == target && fd_cloexec(target),
	      "%s dup: dup3 with O_CLOEXEC", f);
	if (t3 >= 0)
		close(t3);
	close(target);
	check(read_eof(s), "%s dup: EOF once the last copy is closed", f);
	close(s);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--exec-child") == 0)
		return exec_child(atoi(argv[2]), atoi(argv[3]));
	alarm(240); /* a hang must fail the test, not block it */
	int fams[2] = {AF_INET, AF_INET6};
	for (int i = 0; i < 2; i++) {
		test_socket_flags(fams[i]);
		test_sockopts(fams[i]);
		test_tcp_basic(fams[i]);
		test_connect_nonblocking(fams[i]);
		test_refused(fams[i]);
		test_half_close(fams[i]);
		test_big(fams[i], false);
		test_big(fams[i], true);
		test_udp(fams[i]);
		test_fork_listener(fams[i]);
		test_exec(fams[i]);
		test_dup(fams[i]);
	}
	test_dualstack();
	test_threads();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
