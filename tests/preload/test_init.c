/* The shim where it must stay out of the way. "disabled": loaded without ZT_NC_NETWORK, every call is
 * the kernel's. "nosvc": ZT_NC_NETWORK names a socket that does not exist, so AF_INET/AF_INET6 sockets
 * fail cleanly (no crash, no leaked fd, a sensible errno) while everything else still works.
 * Usage: test_init disabled|nosvc /path/to/libztrun-preload.so */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "harness.h"

/* AF_UNIX in every shape an app uses it: never the shim's business. */
static void check_unix(void)
{
	int sv[2];
	CHECK_MSG(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "unix: socketpair");
	char buf[8];
	CHECK_MSG(send(sv[0], "abc", 3, 0) == 3 && recv(sv[1], buf, sizeof(buf), 0) == 3 &&
	              memcmp(buf, "abc", 3) == 0,
	          "unix: send/recv");
	struct sockaddr_un from;
	socklen_t flen = sizeof(from);
	CHECK_MSG(sendto(sv[0], "de", 2, 0, NULL, 0) == 2 &&
	              recvfrom(sv[1], buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 2 &&
	              flen <= offsetof(struct sockaddr_un, sun_path),
	          "unix: sendto/recvfrom report the unnamed AF_UNIX peer");

	/* SCM_RIGHTS through the hooks untouched. */
	int p[2];
	CHECK_MSG(pipe(p) == 0, "unix: pipe");
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = {.iov_base = "f", .iov_len = 1};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[1], sizeof(int));
	CHECK_MSG(sendmsg(sv[0], &m, 0) == 1, "unix: sendmsg with SCM_RIGHTS");
	char c;
	struct iovec riov = {.iov_base = &c, .iov_len = 1};
	struct msghdr rm = {
	    .msg_iov = &riov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)};
	int got = -1;
	if (recvmsg(sv[1], &rm, MSG_CMSG_CLOEXEC) == 1 && CMSG_FIRSTHDR(&rm))
		memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&rm)), sizeof(int));
	CHECK_MSG(got >= 0 && write(got, "z", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'z',
	          "unix: recvmsg delivers the passed fd");
	if (got >= 0)
		close(got);
	close(p[0]);
	close(p[1]);
	int v = 0;
	socklen_t len = sizeof(v);
	CHECK_MSG(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM,
	          "unix: getsockopt SO_TYPE");
	close(sv[0]);
	close(sv[1]);

	/* An abstract-name listener: bind, listen, connect, accept4, names. */
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "ztrun-test-%d", (int)getpid());
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	CHECK_MSG(l >= 0 && bind(l, (struct sockaddr *)&sa, salen) == 0 && listen(l, 1) == 0,
	          "unix: bind + listen");
	int c1 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_MSG(connect(c1, (struct sockaddr *)&sa, salen) == 0, "unix: connect");
	int a = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK_MSG(a >= 0 && (fcntl(a, F_GETFL) & O_NONBLOCK) && (fcntl(a, F_GETFD) & FD_CLOEXEC),
	          "unix: accept4 flags");
	struct sockaddr_un got_name;
	len = sizeof(got_name);
	CHECK_MSG(getsockname(l, (struct sockaddr *)&got_name, &len) == 0 && len == salen &&
	              memcmp(got_name.sun_path, sa.sun_path, (size_t)n + 1) == 0,
	          "unix: getsockname");
	close(a);
	close(c1);
	close(l);
}

static void check_fds(void)
{
	int p[2];
	CHECK_MSG(pipe(p) == 0, "fds: pipe");
	CHECK_MSG(dup2(p[0], 150) == 150 && dup3(p[1], 151, O_CLOEXEC) == 151,
	          "fds: dup2/dup3 onto free numbers");
	CHECK_MSG(close_range(150, 151, 0) == 0 && fcntl(150, F_GETFD) < 0 && fcntl(151, F_GETFD) < 0,
	          "fds: close_range closes");
	errno = 0;
	CHECK_MSG(close(-1) < 0 && errno == EBADF, "fds: close(-1) gives EBADF");
	close(p[0]);
	close(p[1]);
}

static void check_disabled(void)
{
	/* Plain kernel TCP over loopback. */
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	CHECK_MSG(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0 &&
	              getsockname(l, (struct sockaddr *)&a, &len) == 0 && a.sin_port != 0,
	          "disabled: AF_INET listener is a kernel one");
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0, "disabled: connect");
	int s = accept(l, NULL, NULL);
	char b = 0;
	CHECK_MSG(s >= 0 && send(c, "k", 1, 0) == 1 && recv(s, &b, 1, 0) == 1 && b == 'k', "disabled: data");
	struct sockaddr_storage ss;
	len = sizeof(ss);
	CHECK_MSG(getsockname(c, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_INET,
	          "disabled: names are AF_INET");
	int raw = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	CHECK_MSG(raw >= 0 || errno == EPERM, "disabled: SOCK_RAW is the kernel's decision");
	if (raw >= 0)
		close(raw);
	close(s);
	close(c);
	close(l);
}

static void check_nosvc(void)
{
	int before = zt_test_count_fds();
	errno = 0;
	CHECK_MSG(socket(AF_INET, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT,
	          "nosvc: AF_INET stream fails, EAFNOSUPPORT");
	errno = 0;
	CHECK_MSG(socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0) < 0 && errno == EAFNOSUPPORT,
	          "nosvc: AF_INET6 dgram fails, EAFNOSUPPORT");
	for (int i = 0; i < 50; i++)
		socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(zt_test_count_fds() == before, "nosvc: failed attempts leak no fd");
	errno = 0;
	CHECK_MSG(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) < 0 && errno == EACCES,
	          "nosvc: SOCK_RAW refused with EACCES");
	errno = 0;
	CHECK_MSG(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) < 0 && errno == EAFNOSUPPORT,
	          "nosvc: ping socket (the service's) fails as the other sockets do, EAFNOSUPPORT");
	errno = 0;
	CHECK_MSG(socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMPV6) < 0 && errno == EPROTONOSUPPORT,
	          "nosvc: ICMPv6 on an IPv4 socket gives EPROTONOSUPPORT");
	errno = 0;
	CHECK_MSG(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) < 0 && errno == EPROTONOSUPPORT,
	          "nosvc: stream with UDP gives EPROTONOSUPPORT");
	errno = 0;
	CHECK_MSG(socket(AF_INET6, SOCK_SEQPACKET, 0) < 0 && errno == ESOCKTNOSUPPORT,
	          "nosvc: seqpacket gives ESOCKTNOSUPPORT");
	errno = 0;
	CHECK_MSG(socket(AF_INET, SOCK_STREAM | 0x40000000, 0) < 0 && errno == EINVAL,
	          "nosvc: unknown type flags give EINVAL");
	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	CHECK_MSG(nl >= 0, "nosvc: AF_NETLINK passes through");
	if (nl >= 0)
		close(nl);
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "disabled") && strcmp(argv[1], "nosvc"))) {
		fprintf(stderr, "usage: %s disabled|nosvc SHIM.so\n", argv[0]);
		return 2;
	}
	bool nosvc = strcmp(argv[1], "nosvc") == 0;
	char missing[64];
	snprintf(missing, sizeof(missing), "/nonexistent/ztrun-%d/ctl", (int)getpid());
	zt_test_preload(argv, argv[2], nosvc ? missing : NULL);
	CHECK_MSG(getenv("LD_PRELOAD") != NULL, "running with the shim preloaded");
	if (nosvc)
		check_nosvc();
	else
		check_disabled();
	check_unix();
	check_fds();
	return zt_check_report();
}
