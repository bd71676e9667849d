/* A network namespace of our own, with only its loopback, where joined connections are made
 * (joined.c). A socket lives in the namespace it was created in wherever its fd goes, so one small
 * process inside the namespace makes fresh sockets on request and hands them over; everything else
 * (bind, listen, connect, accept) the service does on them itself. */
#include "privnet.h"
#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BATCH 16

static int channel = -1;  /* to the helper; -1 before it starts */
static bool broken;       /* it could not start, or went away: no more joining */
static pid_t helper_pid;
static int pool[2][BATCH]; /* [0] AF_INET, [1] AF_INET6 */
static int npool[2];

static bool lo_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return false;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	bool ok = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
	close(s);
	return ok;
}

/* The kernel's own ports here (those connect() picks for joined connections) stay below lwIP's,
 * 49152-65535, so that a port lwIP picks for a virtual socket (bind to port 0) is never one a joined
 * connection holds, as the kernel's bind never picks a port in use either. A kernel that refuses
 * keeps its range: then they may coincide, and a listener at such a port joins nothing. */
static void ports_below_lwip(void)
{
	int fd = open("/proc/sys/net/ipv4/ip_local_port_range", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	static const char range[] = "32768 49151\n";
	if (write(fd, range, sizeof(range) - 1) < 0) {
		/* nothing to do: see above */
	}
	close(fd);
}

/* The helper: requests are 2 bytes (4 or 6, a count up to BATCH); each answer is one byte with that
 * many new non-blocking stream sockets attached, then, once the helper has closed its own copies of
 * them, one byte more. Until then a socket the service closes would stay open in the helper: a kernel
 * listener closed at that moment would go on holding its port (a bind() there failing EADDRINUSE).
 * It ends when the service closes its channel or ztrun dies. */
static void __attribute__((noreturn)) helper_main(int ch, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	if (dup2(ch, 0) < 0)
		_exit(1);
	syscall(SYS_close_range, 1u, ~0u, 0u);
	uint8_t ok = lo_up();
	ports_below_lwip();
	if (send(0, &ok, 1, MSG_NOSIGNAL) != 1 || !ok)
		_exit(1);
	for (;;) {
		uint8_t req[2];
		if (recv(0, req, sizeof(req), 0) != (ssize_t)sizeof(req))
			_exit(0);
		int fds[BATCH], n = 0;
		while (n < req[1] && n < BATCH) {
			int fd = socket(req[0] == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (fd < 0)
				break;
			fds[n++] = fd;
		}
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(fds))];
		} u;
		memset(&u, 0, sizeof(u));
		uint8_t byte = (uint8_t)n;
		struct iovec iov = {.iov_base = &byte, .iov_len = 1};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
		if (n) {
			m.msg_control = u.buf;
			m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
			struct cmsghdr *c = CMSG_FIRSTHDR(&m);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
		}
		ssize_t r = sendmsg(0, &m, MSG_NOSIGNAL);
		for (int i = 0; i < n; i++)
			close(fds[i]);
		/* Only now is the service's copy of each socket the only one: a socket it closes is closed. */
		if (r != 1 || send(0, &byte, 1, MSG_NOSIGNAL) != 1)
			_exit(0);
	}
}

static void give_up(void)
{
	broken = true;
	if (channel >= 0)
		close(channel);
	channel = -1;
}

/* Starts the helper in a new user and network namespace (as an unprivileged user may). A child with
 * no exit signal: waitpid(-1) in ztrun neither waits for it nor reaps it. */
static bool start(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		broken = true;
		return false;
	}
	pid_t parent = getpid();
	long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | CLONE_NEWNET), NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(sv[0]);
		helper_main(sv[1], parent);
	}
	close(sv[1]);
	channel = sv[0];
	uint8_t ok = 0;
	if (pid < 0 || recv(channel, &ok, 1, 0) != 1 || !ok) {
		give_up();
		return false;
	}
	helper_pid = (pid_t)pid;
	return true;
}

static bool refill(int k)
{
	uint8_t req[2] = {k ? 6 : 4, BATCH};
	if (send(channel, req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req)) {
		give_up();
		return false;
	}
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * BATCH)];
	} u;
	uint8_t n = 0;
	struct iovec iov = {.iov_base = &n, .iov_len = 1};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	ssize_t r;
	do
		r = recvmsg(channel, &m, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r != 1) {
		give_up();
		return false;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t got = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fds[BATCH];
		memcpy(fds, CMSG_DATA(c), got * sizeof(int));
		for (size_t i = 0; i < got; i++) {
			if (npool[k] < BATCH)
				pool[k][npool[k]++] = fds[i];
			else
				close(fds[i]);
		}
	}
	uint8_t closed;
	do
		r = recv(channel, &closed, 1, 0);
	while (r < 0 && errno == EINTR);
	if (r != 1) {
		while (npool[k])
			close(pool[k][--npool[k]]);
		give_up();
		return false;
	}
	return npool[k] > 0;
}

int zt_privnet_socket(int domain)
{
	int k = domain == AF_INET6;
	if (broken || (domain != AF_INET && domain != AF_INET6))
		return -EAGAIN;
	if (channel < 0 && !start())
		return -EAGAIN;
	if (npool[k] == 0 && !refill(k))
		return -EAGAIN;
	return pool[k][--npool[k]];
}

pid_t zt_privnet_pid(void)
{
	return channel >= 0 ? helper_pid : 0;
}
