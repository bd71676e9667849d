/* A static test program whose every network call is a raw syscall, as Go's and static programs'
 * are: the preload shim never sees it, only ztrun's seccomp supervisor can.
 *   rawnet tcp-server PORT            accepts one connection, answers "echo: LINE"
 *   rawnet tcp-client IP PORT MSG     blocking connect, sends MSG, prints the answer
 *   rawnet tcp-client-nb IP PORT MSG  the same with a non-blocking connect and epoll
 *   rawnet udp-server PORT            answers one datagram with "echo: DATAGRAM"
 *   rawnet udp-client IP PORT MSG     sendto/recvfrom (unconnected), prints the answer
 *   rawnet udp-client-msg IP PORT MSG the same with sendmsg/recvmsg
 *   rawnet udp-client-conn IP PORT MSG the same on a connected socket (send, then recvfrom)
 *   rawnet icmp-ttl IP                an ICMP echo on a datagram ICMP socket with IP_RECVTTL on (as
 *                                     ping run without privileges): prints "reply ttl=N" from the
 *                                     control message of the answer
 *   rawnet rcvtimeo                   recvfrom on a UDP socket with SO_RCVTIMEO 200 ms and nothing to
 *                                     read: prints the errno name (EAGAIN, as the kernel's)
 *   rawnet accept-opts                accepts a connection of its own from a listener with SO_RCVTIMEO
 *                                     2 s, SO_SNDTIMEO 3 s and SO_RCVLOWAT 7 (TCP, 127.0.0.1): prints
 *                                     what the accepted socket has, "rcvtimeo=2.0 sndtimeo=3.0
 *                                     rcvlowat=7 linger=0" as a kernel's inherits them (and no
 *                                     SO_LINGER: closed, it ends its connection with FIN); then
 *                                     closes the listener with a second connection queued and
 *                                     writes "bye" on the accepted one and closes it: "queued=reset
 *                                     accepted=bye,eof" as on a kernel
 *   rawnet io-uring                   prints the errno name io_uring_setup fails with
 *   rawnet rejoin PORT                connects to a listener of its own on 127.0.0.1 (a joined
 *                                     connection), disconnects that socket (connect AF_UNSPEC) and
 *                                     connects it to 127.0.0.1:PORT: prints "reached" or "refused"
 *   rawnet family FAMILY              prints the errno name socket(FAMILY, SOCK_DGRAM, 0) gives
 *   rawnet cost N                     prints the time per call of N getsockname() on a Unix socket
 *                                     (stopped, then continued natively), on a virtual TCP socket
 *                                     (answered by the service), with the shim's cookie (not stopped),
 *                                     and of getppid() (not named by the filter)
 * IP is IPv4 or IPv6. Exit status 0 on success, 1 with a message on stderr otherwise. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long sys(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);
	return r;
}

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "rawnet: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t make_addr(const char *ip, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		return sizeof(*in);
	}
	if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return sizeof(*in6);
	}
	fprintf(stderr, "rawnet: bad address %s\n", ip);
	exit(1);
}

static const char *addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
	                                         : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	int port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	char ip[64];
	if (!inet_ntop(ss->ss_family, a, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "family-%d", ss->ss_family);
	snprintf(buf, len, "%s port %d", ip, port);
	return buf;
}

static int tcp_server(int port)
{
	int fd = (int)sys(SYS_socket, AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	if (fd < 0)
		die("socket");
	int one = 1, zero = 0;
	if (sys(SYS_setsockopt, fd, SOL_SOCKET, SO_REUSEADDR, (long)&one, sizeof(one), 0) < 0)
		die("setsockopt SO_REUSEADDR");
	if (sys(SYS_setsockopt, fd, IPPROTO_IPV6, IPV6_V6ONLY, (long)&zero, sizeof(zero), 0) < 0)
		die("setsockopt IPV6_V6ONLY");
	struct sockaddr_storage ss;
	socklen_t len = make_addr("::", port, &ss);
	if (sys(SYS_bind, fd, (long)&ss, len, 0, 0, 0) < 0)
		die("bind");
	if (sys(SYS_listen, fd, 16, 0, 0, 0, 0) < 0)
		die("listen");
	len = sizeof(ss);
	if (sys(SYS_getsockname, fd, (long)&ss, (long)&len, 0, 0, 0) < 0)
		die("getsockname");
	char buf[256];
	printf("listening on %s\n", addr_str(&ss, buf, sizeof(buf)));
	fflush(stdout);
	len = sizeof(ss);
	int c = (int)sys(SYS_accept4, fd, (long)&ss, (long)&len, SOCK_CLOEXEC, 0, 0);
	if (c < 0)
		die("accept4");
	printf("accepted from %s\n", ss.ss_family == AF_INET6 ? "an IPv6 peer" : addr_str(&ss, buf, sizeof(buf)));
	ssize_t n = read(c, buf, sizeof(buf) - 1);
	if (n < 0)
		die("read");
	buf[n] = '\0';
	char out[300];
	int m = snprintf(out, sizeof(out), "echo: %s", buf);
	if (write(c, out, (size_t)m) != m)
		die("write");
	close(c);
	close(fd);
	return 0;
}

/* fd: a socket the program inherited (of ip's family), else -1 for a new one. */
static int tcp_client(const char *ip, int port, const char *msg, bool nonblock, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(ip, port, &ss);
	if (fd < 0)
		fd = (int)sys(SYS_socket, ss.ss_family, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0, 0, 0, 0);
	if (fd < 0)
		die("socket");
	int dom = -1;
	socklen_t dlen = sizeof(dom);
	if (sys(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, (long)&dom, (long)&dlen, 0) < 0)
		die("getsockopt SO_DOMAIN");
	if (dom != ss.ss_family) {
		fprintf(stderr, "rawnet: SO_DOMAIN %d, not %d\n", dom, ss.ss_family);
		exit(1);
	}
	long r = sys(SYS_connect, fd, (long)&ss, len, 0, 0, 0);
	if (r < 0 && !(nonblock && errno == EINPROGRESS))
		die("connect");
	if (nonblock) {
		int ep = epoll_create1(0);
		struct epoll_event ev = {.events = EPOLLOUT};
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			die("epoll");
		if (epoll_wait(ep, &ev, 1, 10000) != 1)
			die("epoll_wait (connect never finished)");
		int err = 0;
		socklen_t elen = sizeof(err);
		if (sys(SYS_getsockopt, fd, SOL_SOCKET, SO_ERROR, (long)&err, (long)&elen, 0) < 0)
			die("getsockopt SO_ERROR");
		if (err) {
			errno = err;
			die("connect (SO_ERROR)");
		}
		int fl = 0;
		if (ioctl(fd, FIONBIO, &fl) < 0)
			die("FIONBIO");
	}
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char buf[300];
	if (sys(SYS_getpeername, fd, (long)&peer, (long)&plen, 0, 0, 0) < 0)
		die("getpeername");
	printf("connected to %s\n", addr_str(&peer, buf, sizeof(buf)));
	if (sys(SYS_sendto, fd, (long)msg, (long)strlen(msg), 0, 0, 0) < 0)
		die("send");
	ssize_t n, total = 0;
	while ((n = read(fd, buf + total, sizeof(buf) - 1 - (size_t)total)) > 0)
		total += n;
	if (n < 0)
		die("read");
	buf[total] = '\0';
	printf("%s\n", buf);
	return 0;
}

static int udp_server(int port)
{
	int fd = (int)sys(SYS_socket, AF_INET, SOCK_DGRAM, 0, 0, 0, 0);
	if (fd < 0)
		die("socket");
	struct sockaddr_storage ss;
	socklen_t len = make_addr("0.0.0.0", port, &ss);
	if (sys(SYS_bind, fd, (long)&ss, len, 0, 0, 0) < 0)
		die("bind");
	printf("bound\n");
	fflush(stdout);
	char buf[256], out[300], name[80];
	len = sizeof(ss);
	long n = sys(SYS_recvfrom, fd, (long)buf, sizeof(buf) - 1, 0, (long)&ss, (long)&len);
	if (n < 0)
		die("recvfrom");
	buf[n] = '\0';
	printf("datagram from %s\n", addr_str(&ss, name, sizeof(name)));
	int m = snprintf(out, sizeof(out), "echo: %s", buf);
	if (sys(SYS_sendto, fd, (long)out, m, 0, (long)&ss, len) != m)
		die("sendto");
	return 0;
}

static int udp_client(const char *ip, int port, const char *msg, int how)
{
	struct sockaddr_storage ss, from;
	socklen_t len = make_addr(ip, port, &ss), flen = sizeof(from);
	int fd = (int)sys(SYS_socket, ss.ss_family, SOCK_DGRAM, 0, 0, 0, 0);
	if (fd < 0)
		die("socket");
	char buf[300], name[80];
	long n;
	if (how == 2) {
		if (sys(SYS_connect, fd, (long)&ss, len, 0, 0, 0) < 0)
			die("connect");
		if (sys(SYS_sendto, fd, (long)msg, (long)strlen(msg), 0, 0, 0) < 0)
			die("send");
		n = sys(SYS_recvfrom, fd, (long)buf, sizeof(buf) - 1, 0, (long)&from, (long)&flen);
		if (n < 0)
			die("recvfrom");
	} else if (how == 1) {
		struct iovec iov = {(void *)msg, strlen(msg)};
		struct msghdr m = {.msg_name = &ss, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1};
		if (sys(SYS_sendmsg, fd, (long)&m, 0, 0, 0, 0) < 0)
			die("sendmsg");
		struct iovec riov[2] = {{buf, 3}, {buf + 3, sizeof(buf) - 4}};
		struct msghdr r = {.msg_name = &from, .msg_namelen = flen, .msg_iov = riov, .msg_iovlen = 2};
		n = sys(SYS_recvmsg, fd, (long)&r, 0, 0, 0, 0);
		flen = r.msg_namelen;
		if (n < 0)
			die("recvmsg");
	} else {
		if (sys(SYS_sendto, fd, (long)msg, (long)strlen(msg), 0, (long)&ss, len) < 0)
			die("sendto");
		n = sys(SYS_recvfrom, fd, (long)buf, sizeof(buf) - 1, 0, (long)&from, (long)&flen);
		if (n < 0)
			die("recvfrom");
	}
	buf[n] = '\0';
	(void)flen;
	printf("from %s: %s\n", addr_str(&from, name, sizeof(name)), buf);
	return 0;
}

static int icmp_ttl(const char *ip)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(ip, 0, &ss);
	int fd = (int)sys(SYS_socket, AF_INET, SOCK_DGRAM, IPPROTO_ICMP, 0, 0, 0);
	int on = 1;
	struct timeval tv = {5, 0};
	if (fd < 0)
		die("socket");
	if (sys(SYS_setsockopt, fd, IPPROTO_IP, IP_RECVTTL, (long)&on, sizeof(on), 0) < 0 ||
	    sys(SYS_setsockopt, fd, SOL_SOCKET, SO_RCVTIMEO, (long)&tv, sizeof(tv), 0) < 0)
		die("setsockopt");
	uint8_t echo[16] = {8, 0, 0, 0, 0, 0, 0, 1, 'r', 'a', 'w', 'n', 'e', 't', '!', '!'};
	if (sys(SYS_sendto, fd, (long)echo, sizeof(echo), 0, (long)&ss, len) < 0)
		die("sendto");
	uint8_t buf[256];
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(int)) * 4];
	} control;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b, .msg_controllen = sizeof(control)};
	long n = sys(SYS_recvmsg, fd, (long)&m, 0, 0, 0, 0);
	if (n < 0)
		die("recvmsg");
	int ttl = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
			memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
	printf("reply type=%d ttl=%d\n", n > 0 ? buf[0] : -1, ttl);
	return 0;
}

static int rcvtimeo(void)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr("127.0.0.1", 0, &ss);
	int fd = (int)sys(SYS_socket, AF_INET, SOCK_DGRAM, 0, 0, 0, 0);
	struct timeval tv = {0, 200000};
	if (fd < 0)
		die("socket");
	if (sys(SYS_bind, fd, (long)&ss, len, 0, 0, 0) < 0)
		die("bind");
	if (sys(SYS_setsockopt, fd, SOL_SOCKET, SO_RCVTIMEO, (long)&tv, sizeof(tv), 0) < 0)
		die("setsockopt");
	char buf[16];
	long n = sys(SYS_recvfrom, fd, (long)buf, sizeof(buf), 0, 0, 0);
	printf("%s\n", n < 0 ? strerrorname_np(errno) : "received");
	return 0;
}

static int accept_opts(void)
{
	int l = (int)sys(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	int c = (int)sys(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	struct sockaddr_storage ss;
	socklen_t len = make_addr("127.0.0.1", 0, &ss);
	struct timeval rcv = {2, 0}, snd = {3, 0};
	int lowat = 7;
	if (l < 0 || c < 0 || sys(SYS_bind, l, (long)&ss, len, 0, 0, 0) < 0 ||
	    sys(SYS_setsockopt, l, SOL_SOCKET, SO_RCVTIMEO, (long)&rcv, sizeof(rcv), 0) < 0 ||
	    sys(SYS_setsockopt, l, SOL_SOCKET, SO_SNDTIMEO, (long)&snd, sizeof(snd), 0) < 0 ||
	    sys(SYS_setsockopt, l, SOL_SOCKET, SO_RCVLOWAT, (long)&lowat, sizeof(lowat), 0) < 0 ||
	    sys(SYS_listen, l, 4, 0, 0, 0, 0) < 0 || sys(SYS_getsockname, l, (long)&ss, (long)&len, 0, 0, 0) < 0)
		die("listener");
	int a;
	if (sys(SYS_connect, c, (long)&ss, len, 0, 0, 0) < 0 || (a = (int)sys(SYS_accept4, l, 0, 0, 0, 0, 0)) < 0)
		die("connect to our own listener");
	socklen_t tl = sizeof(rcv), il = sizeof(lowat);
	memset(&rcv, 0, sizeof(rcv));
	memset(&snd, 0, sizeof(snd));
	lowat = 0;
	if (sys(SYS_getsockopt, a, SOL_SOCKET, SO_RCVTIMEO, (long)&rcv, (long)&tl, 0) < 0 ||
	    (tl = sizeof(snd), sys(SYS_getsockopt, a, SOL_SOCKET, SO_SNDTIMEO, (long)&snd, (long)&tl, 0) < 0) ||
	    sys(SYS_getsockopt, a, SOL_SOCKET, SO_RCVLOWAT, (long)&lowat, (long)&il, 0) < 0)
		die("getsockopt");
	struct linger lg = {-1, -1};
	socklen_t ll = sizeof(lg);
	if (sys(SYS_getsockopt, a, SOL_SOCKET, SO_LINGER, (long)&lg, (long)&ll, 0) < 0)
		die("getsockopt SO_LINGER");
	/* a second connection left queued: the listener's close resets it; the accepted one ends with
	 * FIN after what it wrote */
	int q = (int)sys(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	struct pollfd pl = {.fd = l, .events = POLLIN};
	if (q < 0 || sys(SYS_connect, q, (long)&ss, len, 0, 0, 0) < 0 || poll(&pl, 1, 5000) != 1)
		die("a second connection");
	close(l);
	if (sys(SYS_sendto, a, (long)"bye", 3, 0, 0, 0) != 3)
		die("write");
	close(a);
	struct pollfd pq = {.fd = q, .events = POLLIN};
	int e = -1;
	socklen_t el = sizeof(e);
	if (poll(&pq, 1, 5000) != 1 || sys(SYS_getsockopt, q, SOL_SOCKET, SO_ERROR, (long)&e, (long)&el, 0) < 0)
		die("the queued connection");
	char buf[8] = {0};
	long n = sys(SYS_recvfrom, c, (long)buf, sizeof(buf), MSG_WAITALL, 0, 0);
	printf("rcvtimeo=%.1f sndtimeo=%.1f rcvlowat=%d linger=%d queued=%s accepted=%.*s,%s\n",
	       (double)rcv.tv_sec + rcv.tv_usec / 1e6, (double)snd.tv_sec + snd.tv_usec / 1e6, lowat, lg.l_onoff,
	       e == ECONNRESET ? "reset" : e ? "error" : "fin", n > 0 ? (int)n : 0, buf, n == 3 ? "eof" : "short");
	return 0;
}

/* A joined connection's socket is a kernel TCP socket: disconnected and connected again, it must
 * reach nothing of the host's (joined.c makes it in a network namespace with only its loopback). */
static int rejoin(int port)
{
	int l = (int)sys(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	int c = (int)sys(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
	struct sockaddr_storage ss;
	socklen_t len = make_addr("127.0.0.1", 0, &ss);
	if (l < 0 || c < 0 || sys(SYS_bind, l, (long)&ss, len, 0, 0, 0) < 0 || sys(SYS_listen, l, 4, 0, 0, 0, 0) < 0 ||
	    sys(SYS_getsockname, l, (long)&ss, (long)&len, 0, 0, 0) < 0)
		die("listener");
	if (sys(SYS_connect, c, (long)&ss, len, 0, 0, 0) < 0 || sys(SYS_accept4, l, 0, 0, SOCK_CLOEXEC, 0, 0) < 0)
		die("connect to our own listener");
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	if (sys(SYS_connect, c, (long)&unspec, sizeof(unspec), 0, 0, 0) < 0)
		die("connect(AF_UNSPEC)");
	len = make_addr("127.0.0.1", port, &ss);
	puts(sys(SYS_connect, c, (long)&ss, len, 0, 0, 0) == 0 ? "reached" : "refused");
	return 0;
}

static double per_call_us(int fd, long cookie, int n)
{
	struct timespec t0, t1;
	struct sockaddr_storage ss;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		socklen_t len = sizeof(ss);
		if (sys(SYS_getsockname, fd, (long)&ss, (long)&len, 0, 0, cookie) < 0)
			die("getsockname");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / n;
}

static int cost(int n)
{
	int un = (int)sys(SYS_socket, AF_UNIX, SOCK_STREAM, 0, 0, 0, 0);
	int tcp = (int)sys(SYS_socket, AF_INET, SOCK_STREAM, 0, 0, 0, 0);
	if (un < 0 || tcp < 0)
		die("socket");
	printf("unix-continued %.2f us\n", per_call_us(un, 0, n));
	printf("virtual-served %.2f us\n", per_call_us(tcp, 0, n));
	printf("cookie-native %.2f us\n", per_call_us(un, 0x7a7472756e736363L, n));
	/* a call the filter does not name: the whole filter runs, then the kernel's own call */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n * 10; i++)
		sys(SYS_getppid, 0, 0, 0, 0, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("other-syscall %.3f us\n",
	       ((double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / (n * 10));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "cost") == 0)
		return cost(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "icmp-ttl") == 0)
		return icmp_ttl(argv[2]);
	if (argc == 2 && strcmp(argv[1], "rcvtimeo") == 0)
		return rcvtimeo();
	if (argc == 2 && strcmp(argv[1], "accept-opts") == 0)
		return accept_opts();
	if (argc == 2 && strcmp(argv[1], "io-uring") == 0) {
		char params[120] = {0};
		long r = sys(SYS_io_uring_setup, 4, (long)params, 0, 0, 0, 0);
		printf("%s\n", r < 0 ? strerrorname_np(errno) : "created");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "family") == 0) {
		long r = sys(SYS_socket, atoi(argv[2]), SOCK_DGRAM, 0, 0, 0, 0);
		printf("%s\n", r < 0 ? strerrorname_np(errno) : "created");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "rejoin") == 0)
		return rejoin(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "tcp-server") == 0)
		return tcp_server(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "udp-server") == 0)
		return udp_server(atoi(argv[2]));
	if (argc == 6 && strcmp(argv[1], "tcp-client-fd") == 0)
		return tcp_client(argv[3], atoi(argv[4]), argv[5], false, atoi(argv[2]));
	if (argc == 5 && strcmp(argv[1], "tcp-client") == 0)
		return tcp_client(argv[2], atoi(argv[3]), argv[4], false, -1);
	if (argc == 5 && strcmp(argv[1], "tcp-client-nb") == 0)
		return tcp_client(argv[2], atoi(argv[3]), argv[4], true, -1);
	if (argc == 5 && strcmp(argv[1], "udp-client") == 0)
		return udp_client(argv[2], atoi(argv[3]), argv[4], 0);
	if (argc == 5 && strcmp(argv[1], "udp-client-msg") == 0)
		return udp_client(argv[2], atoi(argv[3]), argv[4], 1);
	if (argc == 5 && strcmp(argv[1], "udp-client-conn") == 0)
		return udp_client(argv[2], atoi(argv[3]), argv[4], 2);
	fprintf(stderr, "usage: see the comment at the top of rawnet.c\n");
	return 2;
}
