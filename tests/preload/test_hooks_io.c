/* The I/O hooks (hooks_io.c) against a fake service (fake_service.h): datagram framing through
 * send/recv, sendto/recvfrom, sendmsg/recvmsg and their multi-message forms.
 * Usage: test_hooks_io /path/to/libztrun-preload.so */
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

static void test_datagrams(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct fake_sock *s = sock_of(fd);
	struct sockaddr_in to = {
	    .sin_family = AF_INET, .sin_port = htons(53), .sin_addr.s_addr = htonl(0x0a000002)};
	CHECK_MSG(sendto(fd, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)) == 5,
	          "sendto: payload length returned");
	uint8_t frame[128];
	ssize_t n = recv(s->svc, frame, sizeof(frame), MSG_DONTWAIT);
	struct zt_nc_buf b = {.p = frame, .len = n > 0 ? (size_t)n : 0};
	struct zt_nc_addr a;
	zt_nc_get_addr(&b, &a);
	CHECK_MSG(n == ZT_NC_ADDR_LEN + 5 && !b.bad && a.family == AF_INET && a.port_be == htons(53) &&
	              memcmp(a.addr, &to.sin_addr, 4) == 0 && memcmp(frame + ZT_NC_ADDR_LEN, "hello", 5) == 0,
	          "sendto: one frame, destination then payload");
	struct iovec iov[2] = {{.iov_base = "ab", .iov_len = 2}, {.iov_base = "c", .iov_len = 1}};
	struct msghdr m = {.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = iov, .msg_iovlen = 2};
	n = sendmsg(fd, &m, 0);
	CHECK_MSG(n == 3 && recv(s->svc, frame, sizeof(frame), MSG_DONTWAIT) == ZT_NC_ADDR_LEN + 3 &&
	              memcmp(frame + ZT_NC_ADDR_LEN, "abc", 3) == 0,
	          "sendmsg: gathered behind one header");
	errno = 0;
	CHECK_MSG(send(fd, "x", 1, 0) < 0 && errno == EDESTADDRREQ,
	          "send without a destination: EDESTADDRREQ");
	int p[2];
	CHECK_MSG(pipe(p) == 0, "pipe");
	union {
		struct cmsghdr align;
		char cb[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	m.msg_control = u.cb;
	m.msg_controllen = sizeof(u.cb);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	errno = 0;
	CHECK_MSG(sendmsg(fd, &m, 0) < 0 && errno == EINVAL,
	          "sendmsg with SCM_RIGHTS: EINVAL, no fd reaches the service");
	close(p[0]);
	close(p[1]);

	/* From the service: a framed datagram with its source. */
	uint8_t out[ZT_NC_ADDR_LEN + 4];
	struct zt_nc_buf ob = {.p = out, .len = sizeof(out)};
	struct zt_nc_addr src = {.family = AF_INET6, .port_be = htons(4444), .scope_id = 0};
	src.addr[15] = 1;
	zt_nc_put_addr(&ob, &src);
	zt_nc_put_bytes(&ob, "data", 4);
	send(s->svc, out, sizeof(out), 0);
	int avail = -1;
	CHECK_MSG(ioctl(fd, FIONREAD, &avail) == 0 && avail == 4, "FIONREAD: the payload only");
	struct sockaddr_in6 from;
	socklen_t flen = sizeof(from);
	char buf[16];
	CHECK_MSG(recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 4 &&
	              memcmp(buf, "data", 4) == 0 && flen == sizeof(from) && from.sin6_port == htons(4444) &&
	              from.sin6_addr.s6_addr[15] == 1,
	          "recvfrom: payload and source from the frame");
	send(s->svc, out, sizeof(out), 0);
	char p1[1], p2[8];
	struct iovec riov[2] = {{.iov_base = p1, .iov_len = 1}, {.iov_base = p2, .iov_len = 8}};
	struct msghdr rm = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = riov, .msg_iovlen = 2};
	CHECK_MSG(recvmsg(fd, &rm, 0) == 4 && p1[0] == 'd' && memcmp(p2, "ata", 3) == 0 &&
	              rm.msg_namelen == sizeof(from) && rm.msg_controllen == 0,
	          "recvmsg: scattered, named");
	send(s->svc, out, sizeof(out), 0);
	CHECK_MSG(recv(fd, buf, 2, 0) == 2, "recv: a short buffer");
	send(s->svc, "runt", 4, 0);
	send(s->svc, out, sizeof(out), 0);
	CHECK_MSG(recv(fd, buf, sizeof(buf), 0) == 4 && memcmp(buf, "data", 4) == 0,
	          "recv: a runt frame is dropped");

	/* connect installs a 'c' end over the fd; datagrams then go raw. */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	int num = fd;
	CHECK_MSG(connect(fd, (struct sockaddr *)&to, sizeof(to)) == 0 && fd == num && kind_of(fd) == 'c' &&
	              (fcntl(fd, F_GETFL) & O_NONBLOCK),
	          "connect (udp): a 'c' end in place, O_NONBLOCK kept");
	CHECK_MSG(send(fd, "raw", 3, 0) == 3 && recv(s->svc, frame, sizeof(frame), MSG_DONTWAIT) == 3 &&
	              memcmp(frame, "raw", 3) == 0,
	          "send (connected): no header");
	CHECK_MSG(sendto(fd, "same", 4, 0, (struct sockaddr *)&to, sizeof(to)) == 4,
	          "sendto the connected peer");
	recv(s->svc, frame, sizeof(frame), MSG_DONTWAIT);
	struct sockaddr_in other = to;
	other.sin_port = htons(54);
	errno = 0;
	CHECK_MSG(sendto(fd, "x", 1, 0, (struct sockaddr *)&other, sizeof(other)) < 0 && errno == EISCONN,
	          "sendto another address when connected: EISCONN");
	send(s->svc, "back", 4, 0);
	struct sockaddr_in fromv4;
	flen = sizeof(fromv4);
	CHECK_MSG(recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&fromv4, &flen) == 4 &&
	              fromv4.sin_port == htons(53),
	          "recvfrom (connected): the peer's address, from the service");
	errno = 0;
	CHECK_MSG(recv(fd, buf, sizeof(buf), MSG_ERRQUEUE) < 0 && errno == EAGAIN, "MSG_ERRQUEUE: EAGAIN");
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	CHECK_MSG(connect(fd, &unspec, sizeof(unspec)) == 0 && kind_of(fd) == 'd',
	          "connect AF_UNSPEC: back to 'd'");
	close(fd);
}

int main(int argc, char **argv)
{
	static void (*const tests[])(void) = {
	    test_datagrams,
	    NULL,
	};
	return fake_service_main(argc, argv, tests);
}
