#include "fake_service.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
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

#include "harness.h"
#include "rpc.h"

struct fake F = {.mu = PTHREAD_MUTEX_INITIALIZER};

char ctl_path[108];

/* The service's own view of an app fd: its abstract name, read with the raw syscall (the hooked
 * getsockname would ask the service, i.e. ourselves). Returns the socket id, or -1. */
static int fake_id_of(int fd, int *kind)
{
	struct sockaddr_un un;
	socklen_t len = sizeof(un);
	if (syscall(SYS_getsockname, fd, &un, &len) < 0 || len <= offsetof(struct sockaddr_un, sun_path) + 1)
		return -1;
	char name[128];
	size_t n = len - offsetof(struct sockaddr_un, sun_path) - 1;
	memcpy(name, un.sun_path + 1, n);
	name[n] = 0;
	int pid, id;
	char k;
	if (sscanf(name, ZT_NC_NAME_PREFIX "%d/%d/%c", &pid, &id, &k) != 3 || id < 0 || id >= F.nsocks)
		return -1;
	if (kind)
		*kind = k;
	return id;
}

/* A new socketpair whose app end is named for socket id and kind. Returns the app end. */
int fake_pair(int id, int kind, int type, int *svc)
{
	int sv[2];
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	int n = snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, ZT_NC_NAME_PREFIX "%d/%d/%c",
	                 (int)getpid(), id, kind);
	if (bind(sv[1], (struct sockaddr *)&un,
	         (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	*svc = sv[0];
	return sv[1];
}

void fake_send(int conn, const uint8_t *msg, size_t len, int fd)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		m.msg_control = u.b;
		m.msg_controllen = sizeof(u.b);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	sendmsg(conn, &m, MSG_NOSIGNAL);
}

static void fake_reply(int conn, enum zt_nc_op op, uint32_t id, int32_t result, const uint8_t *body,
                       size_t blen, int fd)
{
	uint8_t msg[ZT_NC_MAX_MSG];
	struct zt_nc_buf b = {.p = msg, .len = sizeof(msg)};
	if (F.stale_next) {
		/* An old reply first, carrying an fd the shim must close. */
		F.stale_next = false;
		int junk = open("/dev/null", O_RDONLY | O_CLOEXEC);
		zt_nc_put_reply_hdr(&b, op, id - 1, ZT_NC_REPLY_HAS_FD, 0);
		fake_send(conn, msg, b.off, junk);
		close(junk);
		b.off = 0;
	}
	zt_nc_put_reply_hdr(&b, op, id, fd >= 0 ? ZT_NC_REPLY_HAS_FD : 0, result);
	if (F.bad_version_next) {
		F.bad_version_next = false;
		msg[1] = 99;
	}
	zt_nc_put_bytes(&b, body, blen);
	fake_send(conn, msg, b.off, fd);
}

/* The interface list the fake reports: lo, and a ZeroTier-like "ztfake000" with a MAC, an IPv4 /24
 * and a link-local IPv6 address. At most three entries per reply, so the shim has to page. */
static const struct fake_if {
	const char *name;
	uint32_t index, flags;
	uint16_t family, prefix;
	uint8_t addr[16];
} fake_ifs[] = {
    {"lo", 1, IFF_UP | IFF_LOOPBACK | IFF_RUNNING, ZT_NC_IF_LINK, 0, {0}},
    {"ztfake000",
     2,
     IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST,
     ZT_NC_IF_LINK,
     6,
     {0x32, 1, 2, 3, 4, 5}},
    {"lo", 1, IFF_UP | IFF_LOOPBACK | IFF_RUNNING, AF_INET, 8, {127, 0, 0, 1}},
    {"ztfake000", 2, IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST, AF_INET, 24, {10, 147, 17, 5}},
    {"lo", 1, IFF_UP | IFF_LOOPBACK | IFF_RUNNING, AF_INET6, 128, {[15] = 1}},
    {"ztfake000",
     2,
     IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST,
     AF_INET6,
     64,
     {0xfe, 0x80, [15] = 9}},
};
#define FAKE_NIFS (sizeof(fake_ifs) / sizeof(fake_ifs[0]))

static size_t fake_ifaddrs(uint32_t first, uint8_t *out, size_t cap)
{
	struct zt_nc_buf b = {.p = out, .len = cap};
	uint32_t count = 0;
	zt_nc_put_u32(&b, FAKE_NIFS);
	zt_nc_put_u32(&b, 0);
	for (uint32_t k = first; k < FAKE_NIFS && count < 3; k++, count++) {
		char name[ZT_NC_IFNAMSIZ] = {0};
		strcpy(name, fake_ifs[k].name);
		zt_nc_put_bytes(&b, name, sizeof(name));
		zt_nc_put_u32(&b, fake_ifs[k].index);
		zt_nc_put_u32(&b, fake_ifs[k].flags);
		zt_nc_put_u32(&b, fake_ifs[k].family == ZT_NC_IF_LINK && k == 0 ? 65536 : 2800);
		zt_nc_put_u32(&b, (uint32_t)fake_ifs[k].family | (uint32_t)fake_ifs[k].prefix << 16);
		zt_nc_put_bytes(&b, fake_ifs[k].addr, 16);
	}
	struct zt_nc_buf c = {.p = out + 4, .len = 4};
	zt_nc_put_u32(&c, count);
	return b.off;
}

static void fake_handle(int conn, const uint8_t *msg, size_t len, int fd)
{
	struct zt_nc_buf in = {.p = (uint8_t *)msg, .len = len};
	uint32_t w0 = zt_nc_get_u32(&in);
	uint32_t rid = zt_nc_get_u32(&in);
	enum zt_nc_op op = (enum zt_nc_op)(w0 & 0xff);
	if (in.bad)
		return;
	F.requests++;
	F.last_op = op;
	F.last_had_fd = fd >= 0;
	F.last_body_len = len - in.off;
	memcpy(F.last_body, msg + in.off, F.last_body_len);
	int kind = 0;
	int id = fd >= 0 ? fake_id_of(fd, &kind) : -1;
	if (fd >= 0) /* before replying, so that the app's fd count is settled when it has the reply */
		close(fd);
	struct fake_sock *s = id >= 0 ? &F.socks[id] : NULL;
	uint8_t out[ZT_NC_MAX_MSG];
	struct zt_nc_buf ob = {.p = out, .len = sizeof(out)};
	int32_t result = 0;
	int give = -1;
	struct zt_nc_addr a;
	if (op != ZT_NC_SOCKET && op != ZT_NC_CLONE && op != ZT_NC_IFADDRS && op != ZT_NC_CONNECT_NEW && !s) {
		fake_reply(conn, op, rid, -EBADF, NULL, 0, -1);
		return;
	}
	switch (op) {
	case ZT_NC_SOCKET: {
		struct fake_sock *n = &F.socks[F.nsocks];
		memset(n, 0, sizeof(*n));
		n->domain = zt_nc_get_u32(&in);
		n->type = zt_nc_get_u32(&in);
		n->protocol = zt_nc_get_u32(&in);
		n->kind = n->type == SOCK_STREAM ? 's' : 'd';
		n->svc_l = -1;
		n->local.family = (uint16_t)n->domain;
		give = fake_pair(F.nsocks, n->kind, n->kind == 's' ? SOCK_STREAM : SOCK_SEQPACKET, &n->svc);
		F.nsocks++;
		break;
	}
	case ZT_NC_CONNECT_NEW: { /* never joined here: a new socket, which the shim then connects */
		struct fake_sock *n = &F.socks[F.nsocks];
		memset(n, 0, sizeof(*n));
		n->domain = zt_nc_get_u32(&in);
		n->type = SOCK_STREAM;
		n->protocol = IPPROTO_TCP;
		n->kind = 's';
		n->svc_l = -1;
		n->local.family = (uint16_t)n->domain;
		give = fake_pair(F.nsocks, 's', SOCK_STREAM, &n->svc);
		F.nsocks++;
		result = ZT_NC_CONNECT_AGAIN;
		break;
	}
	case ZT_NC_BIND:
		zt_nc_get_addr(&in, &s->local);
		if (!s->local.port_be)
			s->local.port_be = htons(40000);
		break;
	case ZT_NC_LISTEN:
		if (kind == 's') {
			give = fake_pair(id, 'l', SOCK_SEQPACKET, &s->svc_l);
			s->kind = 'l';
		}
		break;
	case ZT_NC_CONNECT: {
		zt_nc_get_addr(&in, &a);
		uint32_t flags = zt_nc_get_u32(&in);
		if (kind == 'd' || kind == 'c') {
			close(s->svc);
			s->connected = a.family != AF_UNSPEC;
			s->peer = a;
			s->kind = s->connected ? 'c' : 'd';
			give = fake_pair(id, s->kind, SOCK_SEQPACKET, &s->svc);
		} else if (ntohs(a.port_be) == 1) {
			result = -ECONNREFUSED;
		} else {
			if (ntohs(a.port_be) == 3)
				usleep((useconds_t)F.connect_delay_ms * 1000);
			s->connected = true;
			s->peer = a;
			result = (flags & ZT_NC_CONNECT_NONBLOCK) ? -EINPROGRESS : 0;
		}
		break;
	}
	case ZT_NC_GETSOCKNAME:
		zt_nc_put_addr(&ob, &s->local);
		break;
	case ZT_NC_GETPEERNAME:
		if (s->connected)
			zt_nc_put_addr(&ob, &s->peer);
		else
			result = -ENOTCONN;
		break;
	case ZT_NC_SETSOCKOPT: {
		int level = (int)zt_nc_get_u32(&in), name = (int)zt_nc_get_u32(&in);
		uint32_t olen = zt_nc_get_u32(&in);
		const void *val = zt_nc_get_bytes(&in, olen);
		if (level == SOL_SOCKET && name == SO_REUSEADDR && olen == 4 && val)
			memcpy(&s->reuseaddr, val, 4);
		else
			result = -ENOPROTOOPT;
		break;
	}
	case ZT_NC_GETSOCKOPT: {
		int level = (int)zt_nc_get_u32(&in), name = (int)zt_nc_get_u32(&in);
		uint32_t maxlen = zt_nc_get_u32(&in);
		int v;
		if (level == SOL_SOCKET && name == SO_TYPE)
			v = s->kind == 's' || s->kind == 'l' ? SOCK_STREAM : SOCK_DGRAM;
		else if (level == SOL_SOCKET && name == SO_DOMAIN)
			v = (int)s->domain;
		else if (level == SOL_SOCKET && name == SO_REUSEADDR)
			v = s->reuseaddr;
		else {
			result = -ENOPROTOOPT;
			break;
		}
		uint32_t n = maxlen < 4 ? maxlen : 4;
		zt_nc_put_u32(&ob, n);
		zt_nc_put_bytes(&ob, &v, n);
		break;
	}
	case ZT_NC_IFADDRS: {
		uint8_t body[ZT_NC_MAX_MSG];
		size_t blen = fake_ifaddrs(zt_nc_get_u32(&in), body, sizeof(body));
		fake_reply(conn, op, rid, 0, body, blen, -1);
		return;
	}
	case ZT_NC_CLONE: {
		int sv[2];
		if (F.refuse_clone || F.nconns == MAX_CONNS ||
		    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
			result = -EOPNOTSUPP;
			break;
		}
		F.conns[F.nconns++] = sv[0];
		F.clones++;
		give = sv[1];
		break;
	}
	}
	fake_reply(conn, op, rid, result, out, ob.off, give);
	if (give >= 0)
		close(give);
}

static void *fake_main(void *unused)
{
	(void)unused;
	for (;;) {
		struct pollfd p[MAX_CONNS + 2];
		int n = 0;
		p[n++] = (struct pollfd){.fd = F.wake[0], .events = POLLIN};
		p[n++] = (struct pollfd){.fd = F.lfd, .events = POLLIN};
		pthread_mutex_lock(&F.mu);
		for (int i = 0; i < F.nconns; i++)
			p[n++] = (struct pollfd){.fd = F.conns[i], .events = POLLIN};
		pthread_mutex_unlock(&F.mu);
		if (poll(p, (nfds_t)n, -1) < 0)
			continue;
		if (p[0].revents)
			return NULL;
		pthread_mutex_lock(&F.mu);
		if (p[1].revents & POLLIN) {
			int c = accept4(F.lfd, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0 && F.nconns < MAX_CONNS) {
				F.conns[F.nconns++] = c;
				F.accepted++;
			} else if (c >= 0) {
				close(c);
			}
		}
		for (int i = 2; i < n; i++) {
			if (!p[i].revents)
				continue;
			uint8_t msg[ZT_NC_MAX_MSG];
			union {
				struct cmsghdr align;
				char b[CMSG_SPACE(sizeof(int))];
			} u;
			struct iovec iov = {.iov_base = msg, .iov_len = sizeof(msg)};
			struct msghdr m = {.msg_iov = &iov,
			                   .msg_iovlen = 1,
			                   .msg_control = u.b,
			                   .msg_controllen = sizeof(u.b)};
			ssize_t r = recvmsg(p[i].fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
			if (r <= 0 && !(r < 0 && errno == EAGAIN)) {
				close(p[i].fd);
				for (int j = 0; j < F.nconns; j++)
					if (F.conns[j] == p[i].fd)
						F.conns[j] = F.conns[--F.nconns];
				F.closed++;
				continue;
			}
			if (r <= 0)
				continue;
			int fd = -1;
			struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
			if (cm && cm->cmsg_type == SCM_RIGHTS)
				memcpy(&fd, CMSG_DATA(cm), sizeof(int));
			fake_handle(p[i].fd, msg, (size_t)r, fd);
		}
		pthread_mutex_unlock(&F.mu);
	}
}

/* A table entry for a connection the test hands out through a listener, as the service would. */
int fake_new_stream(void)
{
	pthread_mutex_lock(&F.mu);
	int id = F.nsocks++;
	memset(&F.socks[id], 0, sizeof(F.socks[id]));
	F.socks[id].kind = 's';
	F.socks[id].domain = AF_INET;
	F.socks[id].type = SOCK_STREAM;
	F.socks[id].svc = F.socks[id].svc_l = -1;
	pthread_mutex_unlock(&F.mu);
	return id;
}

/* The app's-eye id of a virtual fd in the fake's table. */
struct fake_sock *sock_of(int fd)
{
	pthread_mutex_lock(&F.mu);
	int id = fake_id_of(fd, NULL);
	pthread_mutex_unlock(&F.mu);
	return id >= 0 ? &F.socks[id] : NULL;
}

int kind_of(int fd)
{
	int k = 0;
	pthread_mutex_lock(&F.mu);
	int id = fake_id_of(fd, &k);
	pthread_mutex_unlock(&F.mu);
	return id >= 0 ? k : 0;
}

/* The control connection of this thread: the fd whose peer is the fake's socket. */
int find_ctl_fd(void)
{
	for (int fd = 3; fd < 4096; fd++) {
		struct sockaddr_un un = {0};
		socklen_t len = sizeof(un);
		/* an unnamed peer's address is the family alone: sun_path is not written */
		if (syscall(SYS_getpeername, fd, &un, &len) == 0 && un.sun_family == AF_UNIX &&
		    len > offsetof(struct sockaddr_un, sun_path) && strcmp(un.sun_path, ctl_path) == 0)
			return fd;
	}
	return -1;
}

int fake_service_main(int argc, char **argv, void (*const tests[])(void))
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SHIM.so\n", argv[0]);
		return 2;
	}
	char dir[] = "/tmp/ztrun-shim-test-XXXXXX";
	if (!getenv("ZTRUN_TEST_PRELOADED")) {
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			return 2;
		}
		snprintf(ctl_path, sizeof(ctl_path), "%s/ctl", dir);
	}
	zt_test_preload(argv, argv[1], ctl_path);
	snprintf(ctl_path, sizeof(ctl_path), "%s", getenv("ZT_NC_NETWORK"));

	F.lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	strcpy(un.sun_path, ctl_path);
	if (F.lfd < 0 || bind(F.lfd, (struct sockaddr *)&un, sizeof(un)) < 0 || listen(F.lfd, 8) < 0 ||
	    pipe2(F.wake, O_CLOEXEC) < 0) {
		perror("fake service");
		return 2;
	}
	pthread_t t;
	pthread_create(&t, NULL, fake_main, NULL);

	for (size_t i = 0; tests[i]; i++)
		tests[i]();

	CHECK_MSG(write(F.wake[1], "x", 1) == 1, "wake the fake service");
	pthread_join(t, NULL);
	unlink(ctl_path);
	char *slash = strrchr(ctl_path, '/');
	if (slash) {
		*slash = 0;
		rmdir(ctl_path);
	}
	return zt_check_report();
}
