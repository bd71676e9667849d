/* socklazy_copies.c: a socket copied between socket() and connect() (fork, dup, fcntl(F_DUPFD),
 * SCM_RIGHTS, posix_spawn, exec) is one socket with its copies once one of them connects. */
#include <spawn.h>

#include "socklazy.h"

/* Made before a fork, connected by the child: the parent's copy is the same connected socket. */
void test_fork(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	int c = socket(fam, SOCK_STREAM, 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(connect(c, (struct sockaddr *)&la, len) == 0 && write(c, "c", 1) == 1 ? 0 : 1);
	int st = -1;
	waitpid(pid, &st, 0);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s fork: the child connected the parent's socket", f);
	int s = accept4(l, NULL, NULL, 0);
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	char b[2] = {0};
	CHECK_MSG(s >= 0 && getpeername(c, (struct sockaddr *)&peer, &pl) == 0 && addr_eq(&peer, &la),
	          "%s fork: the parent's copy is connected too", f);
	CHECK_MSG(s >= 0 && write_all(s, "p", 1) && read_full(c, b, 1) && b[0] == 'p' && read_full(s, b, 1) &&
	              b[0] == 'c',
	          "%s fork: the parent reads what the server sent; the server what the child sent", f);
	if (s >= 0)
		close(s);
	close(c);
	close(l);
}

/* dup and dup2 of an unconnected socket: the copies are one socket after connect(). */
void test_dup_lazy(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	int c = socket(fam, SOCK_STREAM, 0);
	int d = dup(c);
	int d2 = dup2(c, 201);
	CHECK_MSG(c >= 0 && d >= 0 && d2 == 201 && connect(d, (struct sockaddr *)&la, len) == 0,
	          "%s dup: connect through a copy", f);
	int s = accept4(l, NULL, NULL, 0);
	struct sockaddr_storage p1, p2;
	socklen_t n1 = sizeof(p1), n2 = sizeof(p2);
	CHECK_MSG(getpeername(c, (struct sockaddr *)&p1, &n1) == 0 && addr_eq(&p1, &la) &&
	              getpeername(d2, (struct sockaddr *)&p2, &n2) == 0 && addr_eq(&p2, &la),
	          "%s dup: the original and the dup2 copy are connected", f);
	char b[3] = {0};
	CHECK_MSG(s >= 0 && write_all(c, "a", 1) && write_all(d2, "b", 1) && write_all(d, "c", 1) &&
	              read_full(s, b, 3) && memcmp(b, "abc", 3) == 0,
	          "%s dup: bytes of every copy reach the one peer", f);
	close(d);
	close(d2);
	if (s >= 0)
		close(s);
	close(c);
	close(l);
}

/* fcntl(F_DUPFD, F_DUPFD_CLOEXEC) of an unconnected socket (CPython's socket.dup()): one socket,
 * whichever copy connects, and a close of one copy leaves the other working. */
void test_fcntl_dup(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	for (int which = 0; which < 2; which++) {
		int c = socket(fam, SOCK_STREAM, 0);
		int d = c >= 0 ? fcntl(c, which ? F_DUPFD : F_DUPFD_CLOEXEC, 300) : -1;
		int v = -1;
		bool got = d >= 300 && fd_cloexec(d) == !which && get_int_opt(d, SOL_SOCKET, SO_DOMAIN, &v) == 0 && v == fam;
		CHECK_MSG(got, "%s fcntl %s: a copy above 300 with SO_DOMAIN %d", f, which ? "F_DUPFD" : "F_DUPFD_CLOEXEC", fam);
		int first = which ? c : d, other = which ? d : c;
		bool ok = got && connect(first, (struct sockaddr *)&la, len) == 0;
		int s = ok ? accept4(l, NULL, NULL, 0) : -1;
		struct sockaddr_storage p;
		socklen_t pl = sizeof(p);
		CHECK_MSG(ok && s >= 0 && getpeername(other, (struct sockaddr *)&p, &pl) == 0 && addr_eq(&p, &la),
		          "%s fcntl: connect through the %s, the %s is connected too", f, which ? "original" : "copy",
		          which ? "copy" : "original");
		errno = 0;
		CHECK_MSG(connect(other, (struct sockaddr *)&la, len) < 0 && errno == EISCONN,
		          "%s fcntl: connect on the other copy says EISCONN", f);
		close(first);
		char b[2] = {0};
		CHECK_MSG(s >= 0 && write_all(other, "o", 1) && read_full(s, b, 1) && b[0] == 'o' && write_all(s, "s", 1) &&
		              read_full(other, b, 1) && b[0] == 's',
		          "%s fcntl: one copy closed, the other still talks both ways", f);
		close(other);
		CHECK_MSG(s >= 0 && read_eof(s), "%s fcntl: the last copy closed, the peer reads EOF", f);
		if (s >= 0)
			close(s);
	}
	close(l);
}

/* Sends fd over Unix socket u (SCM_RIGHTS). */
static bool send_fd(int u, int fd)
{
	char byte = 'f';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	return sendmsg(u, &m, 0) == 1;
}

static int recv_fd(int u)
{
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
	if (recvmsg(u, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	int fd = -1;
	if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(h), sizeof(int));
	return fd;
}

/* An unconnected socket passed to another process (SCM_RIGHTS; the process forked before the
 * socket was made), which connects it: the sender's copy is the same connected socket. */
void test_scm_rights(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	int u[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, u) < 0) {
		CHECK_MSG(false, "%s SCM_RIGHTS: socketpair", f);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int fd = recv_fd(u[1]);
		int v = -1;
		bool ok = fd >= 0 && get_int_opt(fd, SOL_SOCKET, SO_DOMAIN, &v) == 0 && v == fam &&
		          connect(fd, (struct sockaddr *)&la, len) == 0 && write(fd, "r", 1) == 1;
		_exit(ok ? 0 : 1);
	}
	int c = socket(fam, SOCK_STREAM, 0);
	bool sent = c >= 0 && send_fd(u[0], c);
	int st = -1;
	waitpid(pid, &st, 0);
	close(u[0]);
	close(u[1]);
	CHECK_MSG(sent && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	          "%s SCM_RIGHTS: the receiver sees the family and connects the sender's socket", f);
	int s = accept4(l, NULL, NULL, 0);
	struct sockaddr_storage p;
	socklen_t pl = sizeof(p);
	CHECK_MSG(s >= 0 && getpeername(c, (struct sockaddr *)&p, &pl) == 0 && addr_eq(&p, &la),
	          "%s SCM_RIGHTS: the sender's copy is connected too", f);
	char b[2] = {0};
	CHECK_MSG(s >= 0 && read_full(s, b, 1) && b[0] == 'r' && write_all(c, "c", 1) && read_full(s, b, 1) &&
	              b[0] == 'c' && write_all(s, "p", 1) && read_full(c, b, 1) && b[0] == 'p',
	          "%s SCM_RIGHTS: the server reads both copies' bytes; the sender reads the server's", f);
	if (s >= 0)
		close(s);
	close(c);
	close(l);
}

/* A socket given an option no placeholder keeps (IP_TOS: under ztrun it is the service's socket from
 * then on), then copied (dup), or watched by an epoll, or forked, before connect: every copy, and the
 * epoll, see the one connection. */
void test_copies_after_option(int fam)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	int level = fam == AF_INET ? IPPROTO_IP : IPPROTO_IPV6, name = fam == AF_INET ? IP_TOS : IPV6_TCLASS;
	for (int how = 0; how < 3; how++) {
		const char *what = how == 0 ? "dup" : how == 1 ? "epoll" : "fork";
		int c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
		bool ok = c >= 0 && set_int_opt(c, level, name, 0x10) == 0;
		int d = -1, ep = -1;
		pid_t pid = -1;
		struct epoll_event ev = {.events = EPOLLOUT, .data.fd = c}, got = {0};
		if (how == 0)
			ok = ok && (d = dup(c)) >= 0;
		else if (how == 1)
			ok = ok && (ep = epoll_create1(EPOLL_CLOEXEC)) >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) == 0;
		else if (ok && (pid = fork()) == 0)
			_exit(connect(c, (struct sockaddr *)&la, len) == 0 || errno == EINPROGRESS ? 0 : 1);
		int st = -1;
		if (how == 2 && pid > 0)
			waitpid(pid, &st, 0);
		else if (ok)
			ok = connect(c, (struct sockaddr *)&la, len) == 0 || errno == EINPROGRESS;
		ok = ok && (how != 2 || (WIFEXITED(st) && WEXITSTATUS(st) == 0));
		int s = ok ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
		struct sockaddr_storage p;
		socklen_t pl = sizeof(p);
		bool seen = s >= 0 && wait_fd(c, POLLOUT);
		if (how == 0)
			seen = seen && getpeername(d, (struct sockaddr *)&p, &pl) == 0 && addr_eq(&p, &la);
		else if (how == 1)
			seen = seen && epoll_wait(ep, &got, 1, IO_TIMEOUT_MS) == 1 && got.data.fd == c && (got.events & EPOLLOUT);
		else
			seen = seen && getpeername(c, (struct sockaddr *)&p, &pl) == 0 && addr_eq(&p, &la);
		char b = 0;
		CHECK_MSG(ok && seen && write_all(s, "t", 1) && wait_fd(how == 0 ? d : c, POLLIN) && read(how == 0 ? d : c, &b, 1) == 1 && b == 't',
		          "%s option then %s before connect: the copy (or the epoll) sees the one connection", f, what);
		if (s >= 0)
			close(s);
		if (d >= 0)
			close(d);
		if (ep >= 0)
			close(ep);
		close(c);
	}
	close(l);
}

/* A socket without FD_CLOEXEC inherited by a program posix_spawn starts (glibc runs no fork
 * handlers there), which connects it: the spawner's copy is the same connected socket. */
void test_spawn(int fam, const char *self)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	int c = socket(fam, SOCK_STREAM, 0);
	char fdarg[16], portarg[16];
	snprintf(fdarg, sizeof(fdarg), "%d", c);
	snprintf(portarg, sizeof(portarg), "%u", (unsigned)port_of(&la));
	char *argv[] = {(char *)self, "connect-fd", fdarg, (char *)f, portarg, NULL};
	extern char **environ;
	pid_t pid = -1;
	int r = c >= 0 ? posix_spawn(&pid, self, NULL, NULL, argv, environ) : -1;
	int st = -1;
	if (r == 0)
		waitpid(pid, &st, 0);
	CHECK_MSG(r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s posix_spawn: the program connected the inherited socket", f);
	int s = accept4(l, NULL, NULL, 0);
	struct sockaddr_storage p;
	socklen_t pl = sizeof(p);
	char b[2] = {0};
	CHECK_MSG(s >= 0 && getpeername(c, (struct sockaddr *)&p, &pl) == 0 && addr_eq(&p, &la) && read_full(s, b, 1) &&
	              b[0] == 'x' && write_all(c, "y", 1) && read_full(s, b, 1) && b[0] == 'y',
	          "%s posix_spawn: the spawner's copy is connected too, both copies' bytes arrive", f);
	if (s >= 0)
		close(s);
	close(c);
	close(l);
}

/* The spawned side of test_spawn: connect inherited fd to the loopback's port, write "x". */
int connect_fd(const char *fdarg, const char *fam, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(strcmp(fam, "v6") == 0 ? AF_INET6 : AF_INET, (uint16_t)atoi(port), &ss);
	int fd = atoi(fdarg);
	return connect(fd, (struct sockaddr *)&ss, len) == 0 && write(fd, "x", 1) == 1 ? 0 : 1;
}

/* Options set before an exec that keeps the socket: the new program's socket has them, before and
 * after its connect. */
void test_exec_carried(int fam, const char *self)
{
	const char *f = fam_name(fam);
	struct sockaddr_storage la;
	socklen_t len;
	int l = make_listener(fam, &la, &len);
	pid_t pid = fork();
	if (pid == 0) {
		close(socket(fam, SOCK_STREAM, 0)); /* under ztrun a thread's first socket() asks the service */
		int c = socket(fam, SOCK_STREAM, 0);
		if (c < 0 || set_int_opt(c, IPPROTO_TCP, TCP_NODELAY, 1) < 0 || set_int_opt(c, IPPROTO_TCP, TCP_KEEPCNT, 4) < 0 ||
		    set_int_opt(c, SOL_SOCKET, SO_KEEPALIVE, 1) < 0)
			_exit(3);
		char fdarg[16], portarg[16];
		snprintf(fdarg, sizeof(fdarg), "%d", c);
		snprintf(portarg, sizeof(portarg), "%u", (unsigned)port_of(&la));
		execl(self, self, "check-opts", fdarg, f, portarg, (char *)NULL);
		_exit(4);
	}
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	char b = 0;
	bool got = s >= 0 && read_full(s, &b, 1) && b == 'e';
	int st = -1;
	waitpid(pid, &st, 0);
	CHECK_MSG(got && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	          "%s exec: options set before an exec are the new program's socket's, before and after its connect (status %d)",
	          f, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	if (s >= 0)
		close(s);
	close(l);
}

/* The exec'd side of test_exec_carried. */
int check_opts(const char *fdarg, const char *fam, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(strcmp(fam, "v6") == 0 ? AF_INET6 : AF_INET, (uint16_t)atoi(port), &ss);
	int fd = atoi(fdarg);
	for (int round = 0; round < 2; round++) {
		int nd = -1, cnt = -1, ka = -1;
		if (get_int_opt(fd, IPPROTO_TCP, TCP_NODELAY, &nd) < 0 || nd != 1 || get_int_opt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt) < 0 ||
		    cnt != 4 || get_int_opt(fd, SOL_SOCKET, SO_KEEPALIVE, &ka) < 0 || ka != 1)
			return 10 + round;
		if (round == 0 && connect(fd, (struct sockaddr *)&ss, len) < 0)
			return 2;
	}
	return write(fd, "e", 1) == 1 ? 0 : 1;
}
