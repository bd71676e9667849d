/* The socket hooks (hooks_socket.c) against a fake service (fake_service.h): socket() and its flags,
 * names and options, listen and accept (the accept record, the new end installed over the app's fd),
 * connect (blocking, non-blocking, EINTR, a stale reply skipped).
 * Usage: test_hooks_socket /path/to/libztrun-preload.so */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "fake_service.h"

/* The kind letter an fd's name ends with (rpc.h), as the shim reads it: also a placeholder's (past
 * the shim's getsockname, which would make it a socket of the service). */
static int name_kind(int fd)
{
	struct sockaddr_un un;
	socklen_t len = sizeof(un);
	return syscall(SYS_getsockname, fd, &un, &len) < 0 ? 0 : zt_nc_name_kind(&un, len);
}

static void test_socket(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	CHECK_MSG(fd >= 0 && kind_of(fd) == 's', "socket: a stream app end named 's'");
	CHECK_MSG(F.last_op == ZT_NC_SOCKET && !F.last_had_fd && F.last_body_len == 12,
	          "socket: request shape");
	struct fake_sock *s = sock_of(fd);
	CHECK_MSG(s && s->domain == AF_INET6 && s->type == SOCK_STREAM && s->protocol == IPPROTO_TCP,
	          "socket: domain, type without flags, protocol");
	CHECK_MSG((fcntl(fd, F_GETFL) & O_NONBLOCK) && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	          "socket: flags applied");
	int ctl = find_ctl_fd();
	CHECK_MSG(ctl >= 3 && ctl != fd && (fcntl(ctl, F_GETFD) & FD_CLOEXEC),
	          "socket: control connection is close-on-exec");
	CHECK_MSG(ctl > fd, "socket: control connection kept above the app's numbers");
	close(fd);

	/* Once this thread reached the service, a stream's socket() is a placeholder of its own; the
	 * first call that needs the service's socket asks for it, as socket() did, keeping fd and flags. */
	int before = F.requests;
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_MSG(fd >= 0 && name_kind(fd) == 'U' && F.requests == before && (fcntl(fd, F_GETFL) & O_NONBLOCK) &&
	              !(fcntl(fd, F_GETFD) & FD_CLOEXEC),
	          "socket: a stream placeholder 'U', no request, flags applied");
	int fdnum = fd, v = 0;
	socklen_t vlen = sizeof(v);
	CHECK_MSG(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &vlen) == 0 && v == AF_INET6 &&
	              F.requests == before + 2 && kind_of(fd) == 's' && fd == fdnum &&
	              (fcntl(fd, F_GETFL) & O_NONBLOCK) && !(fcntl(fd, F_GETFD) & FD_CLOEXEC),
	          "socket: the placeholder's first call asks for the socket and installs it");
	s = sock_of(fd);
	CHECK_MSG(s && s->domain == AF_INET6 && s->type == SOCK_STREAM, "socket: the placeholder's domain");
	close(fd);
	before = F.requests;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(fd >= 0 && name_kind(fd) == 'u', "socket: an AF_INET placeholder is 'u'");
	close(fd);
	CHECK_MSG(F.requests == before, "socket: a placeholder closed unused costs no request");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_MSG(fd >= 0 && kind_of(fd) == 'd' && !(fcntl(fd, F_GETFL) & O_NONBLOCK) &&
	              !(fcntl(fd, F_GETFD) & FD_CLOEXEC),
	          "socket: a datagram app end named 'd', no flags");
	close(fd);
}

static void test_names_and_options(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(8080)};
	inet_pton(AF_INET, "10.1.2.3", &a.sin_addr);
	CHECK_MSG(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "bind");
	struct fake_sock *s = sock_of(fd);
	CHECK_MSG(F.last_op == ZT_NC_BIND && F.last_had_fd && s && s->local.family == AF_INET &&
	              s->local.port_be == htons(8080) && memcmp(s->local.addr, &a.sin_addr, 4) == 0,
	          "bind: the address arrives encoded");
	errno = 0;
	CHECK_MSG(bind(fd, (struct sockaddr *)&a, sizeof(a) - 1) < 0 && errno == EINVAL,
	          "bind: a short address gives EINVAL");
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	errno = 0;
	CHECK_MSG(bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0 && errno == EAFNOSUPPORT,
	          "bind: another family gives EAFNOSUPPORT");
	struct sockaddr_in got;
	socklen_t len = sizeof(got);
	CHECK_MSG(getsockname(fd, (struct sockaddr *)&got, &len) == 0 && len == sizeof(got) &&
	              got.sin_port == htons(8080) && got.sin_addr.s_addr == a.sin_addr.s_addr,
	          "getsockname: the service's answer");
	len = 4;
	memset(&got, 0xee, sizeof(got));
	CHECK_MSG(getsockname(fd, (struct sockaddr *)&got, &len) == 0 && len == sizeof(got) &&
	              got.sin_family == AF_INET && ((unsigned char *)&got)[4] == 0xee,
	          "getsockname: truncates to the buffer, reports the full length");
	errno = 0;
	len = sizeof(got);
	CHECK_MSG(getpeername(fd, (struct sockaddr *)&got, &len) < 0 && errno == ENOTCONN,
	          "getpeername: the service's errno");

	int v = 1;
	CHECK_MSG(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)) == 0, "setsockopt: SO_REUSEADDR");
	struct zt_nc_buf b = {.p = F.last_body, .len = F.last_body_len};
	int level = (int)zt_nc_get_u32(&b), name = (int)zt_nc_get_u32(&b);
	uint32_t olen = zt_nc_get_u32(&b);
	const void *val = zt_nc_get_bytes(&b, olen);
	CHECK_MSG(!b.bad && level == SOL_SOCKET && name == SO_REUSEADDR && olen == 4 &&
	              memcmp(val, &v, 4) == 0 && b.off == b.len,
	          "setsockopt: level, name, length and value encoded");
	errno = 0;
	CHECK_MSG(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) < 0 && errno == ENOPROTOOPT,
	          "setsockopt: the service's ENOPROTOOPT reaches the app");
	v = 0;
	socklen_t vlen = sizeof(v);
	CHECK_MSG(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &vlen) == 0 && v == 1 && vlen == 4,
	          "getsockopt: SO_REUSEADDR");
	vlen = sizeof(v);
	CHECK_MSG(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vlen) == 0 && v == SOCK_STREAM,
	          "getsockopt: SO_TYPE");
	char small[2] = {0, 0};
	vlen = sizeof(small);
	CHECK_MSG(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, small, &vlen) == 0 && vlen == 2,
	          "getsockopt: maxlen is the app's");
	errno = 0;
	vlen = sizeof(v);
	CHECK_MSG(getsockopt(fd, SOL_SOCKET, SO_PRIORITY, &v, &vlen) < 0 && errno == ENOPROTOOPT,
	          "getsockopt: ENOPROTOOPT");
	int before = F.requests;
	struct timeval tv = {.tv_sec = 1, .tv_usec = 500000}, tv2;
	socklen_t tlen = sizeof(tv2);
	CHECK_MSG(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	              getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv2, &tlen) == 0 && tv2.tv_sec == 1 &&
	              F.requests == before,
	          "SO_RCVTIMEO stays on the app end, the service is not asked");
	close(fd);
}

static void test_listen_accept(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int fdnum = fd;
	CHECK_MSG(listen(fd, 7) == 0 && kind_of(fd) == 'l',
	          "listen: the 'l' end is installed on the same fd");
	struct zt_nc_buf b = {.p = F.last_body, .len = F.last_body_len};
	CHECK_MSG(zt_nc_get_u32(&b) == 7, "listen: backlog encoded");
	CHECK_MSG(fd == fdnum && (fcntl(fd, F_GETFL) & O_NONBLOCK) && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	          "listen: O_NONBLOCK and FD_CLOEXEC kept");
	struct fake_sock *s = sock_of(fd);
	errno = 0;
	CHECK_MSG(accept(fd, NULL, NULL) < 0 && errno == EAGAIN,
	          "accept: EAGAIN from the empty non-blocking listener");

	/* An accept record: the peer address, then a new 's' end as SCM_RIGHTS. */
	int svc, app = fake_pair(fake_new_stream(), 's', SOCK_STREAM, &svc);
	uint8_t rec[ZT_NC_ADDR_LEN];
	struct zt_nc_buf rb = {.p = rec, .len = sizeof(rec)};
	struct zt_nc_addr peer = {.family = AF_INET, .port_be = htons(5555), .addr = {192, 168, 1, 9}};
	zt_nc_put_addr(&rb, &peer);
	fake_send(s->svc_l, rec, sizeof(rec), app);
	close(app);
	struct sockaddr_in pa;
	socklen_t plen = sizeof(pa);
	int c = accept4(fd, (struct sockaddr *)&pa, &plen, SOCK_CLOEXEC);
	CHECK_MSG(c >= 0 && kind_of(c) == 's' && !(fcntl(c, F_GETFL) & O_NONBLOCK) &&
	              (fcntl(c, F_GETFD) & FD_CLOEXEC),
	          "accept4: the connection's end, flags as asked");
	CHECK_MSG(plen == sizeof(pa) && pa.sin_family == AF_INET && pa.sin_port == htons(5555) &&
	              pa.sin_addr.s_addr == htonl(0xc0a80109),
	          "accept4: the peer address from the record");
	char x = 0;
	CHECK_MSG(write(svc, "q", 1) == 1 && read(c, &x, 1) == 1 && x == 'q', "accept4: data flows natively");
	close(c);
	close(svc);
	uint8_t back[ZT_NC_ADDR_LEN + 1];
	errno = 0;
	CHECK_MSG(recv(s->svc_l, back, sizeof(back), MSG_DONTWAIT) < 0 && errno == EAGAIN,
	          "accept4: a record without ZT_NC_ADDR_ACK_ACCEPT is not sent back");
	/* With ZT_NC_ADDR_ACK_ACCEPT the accepter sends the record back as it came (rpc.h). */
	int svc3, app3 = fake_pair(fake_new_stream(), 's', SOCK_STREAM, &svc3);
	struct zt_nc_addr acked = peer;
	acked.family |= ZT_NC_ADDR_ACK_ACCEPT;
	uint8_t rec3[ZT_NC_ADDR_LEN];
	struct zt_nc_buf rb3 = {.p = rec3, .len = sizeof(rec3)};
	zt_nc_put_addr(&rb3, &acked);
	fake_send(s->svc_l, rec3, sizeof(rec3), app3);
	close(app3);
	plen = sizeof(pa);
	int c3 = accept4(fd, (struct sockaddr *)&pa, &plen, 0);
	CHECK_MSG(c3 >= 0 && pa.sin_port == htons(5555) &&
	              recv(s->svc_l, back, sizeof(back), MSG_DONTWAIT) == ZT_NC_ADDR_LEN &&
	              memcmp(back, rec3, sizeof(rec3)) == 0,
	          "accept4: a record with ZT_NC_ADDR_ACK_ACCEPT comes back as it came, once accepted");
	close(c3);
	close(svc3);

	/* A record with two fds, or a short one, costs that record only. */
	int before = zt_test_count_fds();
	int svc2, app2 = fake_pair(fake_new_stream(), 's', SOCK_STREAM, &svc2);
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(2 * sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = {.iov_base = rec, .iov_len = sizeof(rec)};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
	int two[2] = {app2, app2};
	memcpy(CMSG_DATA(cm), two, sizeof(two));
	sendmsg(s->svc_l, &m, 0);
	close(app2);
	errno = 0;
	CHECK_MSG(accept(fd, NULL, NULL) < 0 && errno == ECONNABORTED,
	          "accept: a record with two fds is ECONNABORTED");
	fake_send(s->svc_l, rec, 10, -1);
	errno = 0;
	CHECK_MSG(accept(fd, NULL, NULL) < 0 && errno == ECONNABORTED,
	          "accept: a short record is ECONNABORTED");
	close(svc2);
	CHECK_MSG(zt_test_count_fds() == before, "accept: no fd leaked by bad records");

	int st = socket(AF_INET, SOCK_STREAM, 0);
	errno = 0;
	CHECK_MSG(accept4(st, NULL, NULL, 0) < 0 && errno == EINVAL,
	          "accept4: EINVAL on a stream socket not listening");
	int dg = socket(AF_INET, SOCK_DGRAM, 0);
	errno = 0;
	CHECK_MSG(accept(dg, NULL, NULL) < 0 && errno == EOPNOTSUPP,
	          "accept: EOPNOTSUPP on a datagram socket");
	errno = 0;
	CHECK_MSG(accept4(fd, NULL, NULL, 0x4000000) < 0 && errno == EINVAL,
	          "accept4: unknown flags give EINVAL");
	char buf[4];
	errno = 0;
	CHECK_MSG(recv(fd, buf, sizeof(buf), 0) < 0 && errno == ENOTCONN,
	          "recv on a listener: ENOTCONN, no record eaten");
	close(st);
	close(dg);
	close(fd);
}

static void sigalrm(int sig)
{
	(void)sig;
}

static void test_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {
	    .sin_family = AF_INET, .sin_port = htons(80), .sin_addr.s_addr = htonl(0x0a000001)};
	CHECK_MSG(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0,
	          "connect: blocking, the service says connected");
	struct zt_nc_buf b = {.p = F.last_body, .len = F.last_body_len};
	struct zt_nc_addr got;
	zt_nc_get_addr(&b, &got);
	uint32_t flags = zt_nc_get_u32(&b);
	CHECK_MSG(!b.bad && got.port_be == htons(80) && flags == 0, "connect: address and flags encoded");
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	errno = 0;
	CHECK_MSG(connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EINPROGRESS,
	          "connect: non-blocking, EINPROGRESS");
	b = (struct zt_nc_buf){.p = F.last_body, .len = F.last_body_len};
	zt_nc_get_addr(&b, &got);
	CHECK_MSG(zt_nc_get_u32(&b) == ZT_NC_CONNECT_NONBLOCK, "connect: ZT_NC_CONNECT_NONBLOCK sent");
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons(1);
	errno = 0;
	CHECK_MSG(connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == ECONNREFUSED,
	          "connect: ECONNREFUSED");
	close(fd);

	/* A signal during a blocking connect: EINTR, and the late reply is dropped as stale. */
	struct sigaction sa = {.sa_handler = sigalrm}; /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons(3);
	F.connect_delay_ms = 300;
	struct itimerval it = {.it_value = {.tv_sec = 0, .tv_usec = 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	errno = 0;
	CHECK_MSG(connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno == EINTR,
	          "connect: EINTR on a signal");
	struct sockaddr_in n;
	socklen_t len = sizeof(n);
	errno = 0;
	CHECK_MSG(getpeername(fd, (struct sockaddr *)&n, &len) == 0 && n.sin_port == htons(3),
	          "the next request skips the stale connect reply");
	F.connect_delay_ms = 0;
	close(fd);

	/* Stale replies (with an fd) ahead of the real one, and a reply of another version. */
	int before = zt_test_count_fds();
	pthread_mutex_lock(&F.mu);
	F.stale_next = true;
	pthread_mutex_unlock(&F.mu);
	fd = socket(AF_INET, SOCK_DGRAM, 0); /* a stream's socket() asks nothing now (test_socket) */
	CHECK_MSG(fd >= 0 && kind_of(fd) == 'd', "a stale reply is skipped");
	/* Two more: the app's new fd, and the fake's end of its pair (both in this process). */
	CHECK_MSG(zt_test_count_fds() == before + 2, "the stale reply's fd is closed");
	int closed = F.closed;
	pthread_mutex_lock(&F.mu);
	F.bad_version_next = true;
	pthread_mutex_unlock(&F.mu);
	int v;
	socklen_t vlen = sizeof(v);
	errno = 0;
	CHECK_MSG(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vlen) < 0 && errno == ENOBUFS,
	          "a reply of another version fails the call");
	usleep(50000);
	CHECK_MSG(F.closed == closed + 1, "and drops that control connection");
	vlen = sizeof(v);
	CHECK_MSG(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vlen) == 0 && v == SOCK_DGRAM,
	          "the next call reconnects");
	close(fd);
}

/* The service hangs up on a thread that used it: a stream's socket() fails at once, as before there
 * were placeholders (the app learns it then, not at connect), and the next one reconnects. */
static void test_service_gone(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0); /* this thread's connection is open */
	close(fd);
	int ctl = find_ctl_fd();
	CHECK_MSG(ctl >= 0 && shutdown(ctl, SHUT_RDWR) == 0, "hang-up: the thread's connection shut down");
	errno = 0;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(fd < 0 && errno == EAFNOSUPPORT, "hang-up: a stream's socket() fails at once, EAFNOSUPPORT");
	if (fd >= 0)
		close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(fd >= 0 && kind_of(fd) == 's', "hang-up: the next socket() reconnects");
	close(fd);
}

int main(int argc, char **argv)
{
	static void (*const tests[])(void) = {
	    test_socket, test_names_and_options, test_listen_accept, test_connect, test_service_gone, NULL,
	};
	return fake_service_main(argc, argv, tests);
}
