/* socklazy: what a TCP socket does between socket() and connect(), and that connect() carries it
 * over, as on a kernel. Under ztrun a stream's socket() is a placeholder of the shim's until it
 * connects (src/preload/lazy.c, rpc.h "Lazy streams"): a socket closed unused, options set before
 * connect, a connect that fails, a non-blocking connect, its flags and fd number, a fork or a dup
 * (or fcntl(F_DUPFD), or SCM_RIGHTS to another process) between socket and connect (both copies are
 * one socket), an epoll that watches it before connect, the same after an option made it the
 * service's socket (under ztrun such a socket may not join),
 * a listener made from one, its names. The checks of copies are in socklazy_copies.c.
 * Must pass natively, under `ztrun none --` (joined connections) and with ZTRUN_JOIN_LOOPBACK=0
 * (through lwIP). One line per check, then "N checks passed, M failed". */
#include <signal.h>

#include "socklazy.h"

static int count_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* A socket closed without ever being used, many times over: nothing is left behind. */
static void test_unused(int fam)
{
	const char *f = fam_name(fam);
	int first = socket(fam, SOCK_STREAM, 0), v = -1; /* under ztrun: the shim's connections open */
	get_int_opt(first, SOL_SOCKET, SO_TYPE, &v);
	close(first);
	int before = count_fds(), bad = 0;
	for (int i = 0; i < 2000; i++) {
		int fd = socket(fam, SOCK_STREAM, 0);
		if (fd < 0 || close(fd) != 0)
			bad++;
	}
	CHECK_MSG(bad == 0 && count_fds() == before, "%s unused: 2000 sockets made and closed, no fd left", f);
	int fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	int t = -1, p = -1;
	v = -1;
	CHECK_MSG(fd >= 0 && fl_nonblock(fd) == 1 && fd_cloexec(fd) == 1 && get_int_opt(fd, SOL_SOCKET, SO_DOMAIN, &v) == 0 &&
	              v == fam && get_int_opt(fd, SOL_SOCKET, SO_TYPE, &t) == 0 && t == SOCK_STREAM &&
	              get_int_opt(fd, SOL_SOCKET, SO_PROTOCOL, &p) == 0 && p == IPPROTO_TCP,
	          "%s unused: flags, SO_DOMAIN, SO_TYPE, SO_PROTOCOL of a fresh socket", f);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	errno = 0;
	CHECK_MSG(getpeername(fd, (struct sockaddr *)&ss, &len) < 0 && errno == ENOTCONN,
	          "%s unused: getpeername says ENOTCONN", f);
	len = sizeof(ss);
	CHECK_MSG(getsockname(fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == fam && port_of(&ss) == 0,
	          "%s unused: getsockname says the family, port 0", f);
	close(fd);
}

/* Options set before connect() are the connected socket's. */
static void test_options_before(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	int c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = 7, .tv_usec = 0}, got = {0, 0};
	socklen_t gl = sizeof(got);
	bool set = c >= 0 && set_int_opt(c, IPPROTO_TCP, TCP_NODELAY, 1) == 0 &&
	           set_int_opt(c, SOL_SOCKET, SO_KEEPALIVE, 1) == 0 &&
	           setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0;
	int fdnum = c;
	bool ok = set && connect(c, (struct sockaddr *)&la, len) == 0;
	int s = ok ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
	CHECK_MSG(set && ok && s >= 0 && c == fdnum, "%s options: set before connect, connected", f);
	int nd = 0, ka = 0;
	CHECK_MSG(get_int_opt(c, IPPROTO_TCP, TCP_NODELAY, &nd) == 0 && nd == 1 &&
	              get_int_opt(c, SOL_SOCKET, SO_KEEPALIVE, &ka) == 0 && ka == 1 &&
	              getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &got, &gl) == 0 && got.tv_sec == 7,
	          "%s options: TCP_NODELAY, SO_KEEPALIVE and SO_RCVTIMEO carried over", f);
	CHECK_MSG(write_all(c, "ab", 2) && s >= 0 && read_full(s, (char[2]){0}, 2), "%s options: bytes pass", f);
	if (s >= 0)
		close(s);
	close(c);
	close(l);
}

/* Options set before connect in curl's order (TCP_NODELAY, the keepalive ones) and the others a
 * client may set then: getsockopt before connect says what was set, as a kernel's; bad values fail
 * as on a kernel; after connect the connected socket has them all. */
static void test_options_carried(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	int c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct {
		int level, name, v;
	} opts[] = {
	    {IPPROTO_TCP, TCP_NODELAY, 1},  {SOL_SOCKET, SO_KEEPALIVE, 1},  {IPPROTO_TCP, TCP_KEEPIDLE, 61},
	    {IPPROTO_TCP, TCP_KEEPINTVL, 17}, {IPPROTO_TCP, TCP_KEEPCNT, 5}, {SOL_SOCKET, SO_REUSEADDR, 1},
	    {SOL_SOCKET, SO_RCVBUF, 65536}, {SOL_SOCKET, SO_SNDBUF, 32768},
	};
	size_t n = sizeof(opts) / sizeof(opts[0]);
	int nd = -1;
	CHECK_MSG(c >= 0 && get_int_opt(c, IPPROTO_TCP, TCP_NODELAY, &nd) == 0 && nd == 0,
	          "%s carried: TCP_NODELAY of a fresh socket says 0", f);
	bool set = c >= 0;
	for (size_t i = 0; i < n; i++)
		set = set && set_int_opt(c, opts[i].level, opts[i].name, opts[i].v) == 0;
	CHECK_MSG(set, "%s carried: TCP_NODELAY, keepalive, SO_REUSEADDR, buffer sizes set before connect", f);
	/* what a kernel answers before connect: TCP's own values, SOL_SOCKET's as its getsockopt */
	int want[8], got[8];
	for (size_t i = 0; i < n; i++) {
		want[i] = opts[i].v;
		got[i] = -1;
		get_int_opt(c, opts[i].level, opts[i].name, &got[i]);
	}
	bool same = got[0] == 1 && got[1] == 1 && got[2] == 61 && got[3] == 17 && got[4] == 5 && got[5] == 1;
	CHECK_MSG(same && got[6] >= want[6] && got[7] >= want[7],
	          "%s carried: getsockopt before connect says what was set (%d %d %d %d %d %d %d %d)", f, got[0], got[1],
	          got[2], got[3], got[4], got[5], got[6], got[7]);
	int bad[3] = {0, 40000, 200}, names[3] = {TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT};
	bool refused = true;
	for (int i = 0; i < 3; i++) {
		errno = 0;
		refused = refused && set_int_opt(c, IPPROTO_TCP, names[i], bad[i]) < 0 && errno == EINVAL;
	}
	char shortv = 1;
	errno = 0;
	refused = refused && setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &shortv, 1) < 0 && errno == EINVAL;
	CHECK_MSG(refused, "%s carried: keepalive values out of range and a short TCP_NODELAY say EINVAL", f);
	int v = -1;
	CHECK_MSG(get_int_opt(c, IPPROTO_TCP, TCP_KEEPIDLE, &v) == 0 && v == 61, "%s carried: a refused value changes nothing", f);
	int fdnum = c;
	bool ok = connect(c, (struct sockaddr *)&la, len) == 0;
	int s = ok ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
	CHECK_MSG(ok && s >= 0 && c == fdnum, "%s carried: connected", f);
	for (size_t i = 0; i < n; i++)
		get_int_opt(c, opts[i].level, opts[i].name, &got[i]);
	CHECK_MSG(got[0] == 1 && got[1] == 1 && got[2] == 61 && got[3] == 17 && got[4] == 5 && got[5] == 1 &&
	              got[6] >= want[6] && got[7] >= want[7],
	          "%s carried: the connected socket has them (%d %d %d %d %d %d %d %d)", f, got[0], got[1], got[2], got[3],
	          got[4], got[5], got[6], got[7]);
	CHECK_MSG(s >= 0 && write_all(c, "k", 1) && read_full(s, (char[1]){0}, 1), "%s carried: bytes pass", f);
	if (s >= 0)
		close(s);
	close(c);
	/* carried into a socket made before connect (a dup here): the copy has them too */
	c = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
	set = c >= 0 && set_int_opt(c, IPPROTO_TCP, TCP_NODELAY, 1) == 0 && set_int_opt(c, IPPROTO_TCP, TCP_KEEPCNT, 3) == 0;
	int d = set ? dup(c) : -1;
	nd = v = -1;
	CHECK_MSG(d >= 0 && get_int_opt(d, IPPROTO_TCP, TCP_NODELAY, &nd) == 0 && nd == 1 &&
	              get_int_opt(d, IPPROTO_TCP, TCP_KEEPCNT, &v) == 0 && v == 3 && connect(d, (struct sockaddr *)&la, len) == 0,
	          "%s carried: set, then dup: the copy has them and connects", f);
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s >= 0)
		close(s);
	if (d >= 0)
		close(d);
	close(c);
	close(l);
}

/* A free loopback port nobody listens on (bound, never listened, closed). */
static socklen_t dead_port(int fam, struct sockaddr_storage *ss)
{
	socklen_t len;
	int fd = bound_socket(fam, SOCK_STREAM, 0, ss, &len);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? len : 0;
}

/* A connect that fails says so, blocking and not, and leaves a socket that can be closed. */
static void test_refused_lazy(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage ss;
	socklen_t len = dead_port(fam, &ss);
	int c = socket(fam, SOCK_STREAM, 0);
	errno = 0;
	CHECK_MSG(len && c >= 0 && connect(c, (struct sockaddr *)&ss, len) < 0 && errno == ECONNREFUSED,
	          "%s refused: a blocking connect says ECONNREFUSED", f);
	close(c);
	c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = c >= 0 ? connect(c, (struct sockaddr *)&ss, len) : -1;
	int e = errno, err = -1;
	bool said = r < 0 && (e == ECONNREFUSED ||
	                      (e == EINPROGRESS && wait_fd(c, POLLOUT) && get_int_opt(c, SOL_SOCKET, SO_ERROR, &err) == 0 &&
	                       err == ECONNREFUSED));
	CHECK_MSG(said, "%s refused: a non-blocking connect says ECONNREFUSED (at once or in SO_ERROR)", f);
	close(c);
	/* a family the socket is not of */
	struct sockaddr_storage other;
	socklen_t olen = loopback(fam == AF_INET ? AF_INET6 : AF_INET, 9, &other);
	c = socket(fam, SOCK_STREAM, 0);
	errno = 0;
	r = connect(c, (struct sockaddr *)&other, olen);
	e = errno;
	CHECK_MSG(r < 0 && (e == EAFNOSUPPORT || e == EINVAL), "%s refused: another family's address fails (%s)", f,
	          strerror(e));
	close(c);
}

/* A non-blocking connect: EINPROGRESS (or at once), writable when done, same fd and flags. */
static void test_nonblocking(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	int c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0), fdnum = c;
	int r = c >= 0 ? connect(c, (struct sockaddr *)&la, len) : -1;
	int err = -1;
	CHECK_MSG((r == 0 || errno == EINPROGRESS) && wait_fd(c, POLLOUT) &&
	              get_int_opt(c, SOL_SOCKET, SO_ERROR, &err) == 0 && err == 0,
	          "%s non-blocking: EINPROGRESS, then writable with SO_ERROR 0", f);
	CHECK_MSG(c == fdnum && fl_nonblock(c) == 1 && fd_cloexec(c) == 0,
	          "%s non-blocking: same fd, still O_NONBLOCK, still without FD_CLOEXEC", f);
	errno = 0;
	r = connect(c, (struct sockaddr *)&la, len);
	CHECK_MSG(r == 0 || errno == EISCONN, "%s non-blocking: connect again says 0 or EISCONN", f);
	int s = accept4(l, NULL, NULL, 0);
	char b[3] = {0};
	CHECK_MSG(s >= 0 && write_all(s, "xyz", 3) && read_full(c, b, 3) && memcmp(b, "xyz", 3) == 0,
	          "%s non-blocking: bytes pass", f);
	if (s >= 0)
		close(s);
	close(c);
	close(l);
}

/* A listener from socket(), bind, listen with no option set before. */
static void test_listener(int fam)
{
	const char *f = fam_name(fam);
	int l = socket(fam, SOCK_STREAM, 0);
	struct sockaddr_storage la;
	socklen_t len = loopback(fam, 0, &la);
	bool ok = l >= 0 && bind(l, (struct sockaddr *)&la, len) == 0 && listen(l, 4) == 0;
	len = sizeof(la);
	ok = ok && getsockname(l, (struct sockaddr *)&la, &len) == 0 && port_of(&la) != 0;
	int c = ok ? connect_to(fam, &la, len) : -1;
	int s = c >= 0 ? accept(l, NULL, NULL) : -1;
	CHECK_MSG(ok && c >= 0 && s >= 0, "%s listener: socket, bind, listen, a connection accepted", f);
	char b = 0;
	CHECK_MSG(s >= 0 && write_all(c, "q", 1) && read_full(s, &b, 1) && b == 'q', "%s listener: bytes pass", f);
	if (s >= 0)
		close(s);
	if (c >= 0)
		close(c);
	close(l);
}

/* SO_RCVTIMEO of an accepted socket, in seconds; -1 when it cannot be read. */
static int rcvtimeo_of(int fd)
{
	struct timeval tv = {0, 0};
	socklen_t len = sizeof(tv);
	return getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0 ? (int)tv.tv_sec : -1;
}

/* Accepted sockets inherit what their listener has at the time, through changes between accepts,
 * made on the listener or on a copy of it (the shim keeps a listener's options between accepts). */
static void test_listener_opts_change(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	int d = dup(l), got[4] = {-2, -2, -2, -2};
	struct timeval tv[4] = {{3, 0}, {3, 0}, {5, 0}, {0, 0}};
	for (int i = 0; i < 4; i++) {
		/* 3, the same 3 again (from the kept copy), 5 set through the dup, then none through the listener */
		if (i != 1)
			setsockopt(i == 2 ? d : l, SOL_SOCKET, SO_RCVTIMEO, &tv[i], sizeof(tv[i]));
		int c = connect_to(fam, &la, len);
		int s = c >= 0 ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
		got[i] = s >= 0 ? rcvtimeo_of(s) : -1;
		if (s >= 0)
			close(s);
		if (c >= 0)
			close(c);
	}
	CHECK_MSG(got[0] == 3 && got[1] == 3 && got[2] == 5 && got[3] == 0,
	          "%s listener: accepted sockets follow its SO_RCVTIMEO as it changes (%d %d %d %d, want 3 3 5 0)", f, got[0],
	          got[1], got[2], got[3]);
	close(d);
	close(l);
}

/* An epoll that watches the socket before connect() sees it connect (nginx's upstream connects). */
static void test_epoll_before(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct epoll_event ev = {.events = EPOLLOUT, .data.fd = c}, got = {0};
	bool added = ep >= 0 && c >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) == 0;
	int r = added ? connect(c, (struct sockaddr *)&la, len) : -1;
	int n = (r == 0 || errno == EINPROGRESS) ? epoll_wait(ep, &got, 1, IO_TIMEOUT_MS) : -1;
	CHECK_MSG(added && n == 1 && got.data.fd == c && (got.events & EPOLLOUT),
	          "%s epoll: registered before connect, it says EPOLLOUT once connected", f);
	int s = accept4(l, NULL, NULL, 0);
	ev.events = EPOLLIN;
	char b = 0;
	CHECK_MSG(s >= 0 && epoll_ctl(ep, EPOLL_CTL_MOD, c, &ev) == 0 && write_all(s, "e", 1) &&
	              epoll_wait(ep, &got, 1, IO_TIMEOUT_MS) == 1 && (got.events & EPOLLIN) && read_full(c, &b, 1) && b == 'e',
	          "%s epoll: and EPOLLIN for the peer's bytes", f);
	if (s >= 0)
		close(s);
	close(c);
	close(ep);
	close(l);
}

/* recv() on a socket that never connected: ENOTCONN, as TCP says. */
static void test_recv_unconnected(int fam)
{
	const char *f = fam_name(fam);
	int c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	char b;
	errno = 0;
	CHECK_MSG(c >= 0 && recv(c, &b, 1, 0) < 0 && errno == ENOTCONN, "%s unconnected: recv says ENOTCONN", f);
	close(c);
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "check-opts") == 0)
		return check_opts(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "connect-fd") == 0)
		return connect_fd(argv[2], argv[3], argv[4]);
	char self[4096];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[sl > 0 ? sl : 0] = 0;
	alarm(120); /* a hang must fail the test, not block it */
	signal(SIGPIPE, SIG_IGN);
	int fams[2] = {AF_INET, AF_INET6};
	for (int i = 0; i < 2; i++) {
		test_unused(fams[i]);
		test_options_before(fams[i]);
		test_options_carried(fams[i]);
		test_refused_lazy(fams[i]);
		test_nonblocking(fams[i]);
		test_fork(fams[i]);
		test_dup_lazy(fams[i]);
		test_fcntl_dup(fams[i]);
		test_scm_rights(fams[i]);
		test_spawn(fams[i], self);
		test_exec_carried(fams[i], self);
		test_copies_after_option(fams[i]);
		test_listener(fams[i]);
		test_listener_opts_change(fams[i]);
		test_recv_unconnected(fams[i]);
		test_epoll_before(fams[i]);
	}
	return zt_check_report();
}
