/* The shim against a fake service: a thread in this process that speaks rpc.h with the same helpers,
 * hands out socketpair ends bound to ztnc names, and records what it was sent. Checks the shim's
 * side of the contract: request encoding, fd flags, installing new ends over the app's fd, the accept
 * record, datagram framing, stale replies, EINTR, per-thread and per-process control connections,
 * and that the app cannot close or overwrite them.
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

#include "harness.h"
#include "rpc.h"

#define MAX_CONNS 16
#define MAX_SOCKS 64

struct fake_sock {
	int kind;
	uint32_t domain, type, protocol;
	int svc;   /* the service's end of the current data pair */
	int svc_l; /* the service's end of the listener pair */
	struct zt_nc_addr local, peer;
	bool connected;
	int reuseaddr;
};

static struct fake {
	pthread_mutex_t mu;
	int lfd, wake[2];
	int conns[MAX_CONNS];
	int nconns, accepted, closed, clones;
	struct fake_sock socks[MAX_SOCKS];
	int nsocks;
	/* The last request, as received. */
	int last_op, last_had_fd, requests;
	uint8_t last_body[ZT_NC_MAX_MSG];
	size_t last_body_len;
	/* Misbehaviour asked for by the test, each for the next reply. */
	bool stale_next, bad_version_next, refuse_clone;
	int connect_delay_ms;
} F = {.mu = PTHREAD_MUTEX_INITIALIZER};

static char ctl_path[108];

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
static int fake_pair(int id, int kind, int type, int *svc)
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

static void fake_send(int conn, const uint8_t *msg, size_t len, int fd)
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
	if (op != ZT_NC_SOCKET && op != ZT_NC_CLONE && op != ZT_NC_IFADDRS && !s) {
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

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* A table entry for a connection the test hands out through a listener, as the service would. */
static int fake_new_stream(void)
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
static struct fake_sock *sock_of(int fd)
{
	pthread_mutex_lock(&F.mu);
	int id = fake_id_of(fd, NULL);
	pthread_mutex_unlock(&F.mu);
	return id >= 0 ? &F.socks[id] : NULL;
}

static int kind_of(int fd)
{
	int k = 0;
	pthread_mutex_lock(&F.mu);
	int id = fake_id_of(fd, &k);
	pthread_mutex_unlock(&F.mu);
	return id >= 0 ? k : 0;
}

/* The control connection of this thread: the fd whose peer is the fake's socket. */
static int find_ctl_fd(void)
{
	for (int fd = 3; fd < 4096; fd++) {
		struct sockaddr_un un;
		socklen_t len = sizeof(un);
		if (syscall(SYS_getpeername, fd, &un, &len) == 0 && un.sun_family == AF_UNIX &&
		    strcmp(un.sun_path, ctl_path) == 0)
			return fd;
	}
	return -1;
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

	/* A record with two fds, or a short one, costs that record only. */
	int before = count_fds();
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
	CHECK_MSG(count_fds() == before, "accept: no fd leaked by bad records");

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
	int before = count_fds();
	pthread_mutex_lock(&F.mu);
	F.stale_next = true;
	pthread_mutex_unlock(&F.mu);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(fd >= 0 && kind_of(fd) == 's', "a stale reply is skipped");
	/* Two more: the app's new fd, and the fake's end of its pair (both in this process). */
	CHECK_MSG(count_fds() == before + 2, "the stale reply's fd is closed");
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
	CHECK_MSG(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vlen) == 0 && v == SOCK_STREAM,
	          "the next call reconnects");
	close(fd);
}

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

static void *thread_socket(void *arg)
{
	int *ok = arg;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	*ok = fd >= 0 && find_ctl_fd() >= 0;
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void test_threads_and_fork(void)
{
	int accepted = F.accepted, closed = F.closed, ok = 0;
	pthread_t t;
	pthread_create(&t, NULL, thread_socket, &ok);
	pthread_join(t, NULL);
	usleep(50000);
	CHECK_MSG(ok && F.accepted == accepted + 1, "a thread opens its own control connection");
	CHECK_MSG(F.closed == closed + 1, "and closes it when it exits");

	/* fork: the child gets a connection the service cloned beforehand (it may change uid). */
	accepted = F.accepted;
	int clones = F.clones;
	for (int refuse = 0; refuse < 2; refuse++) {
		pthread_mutex_lock(&F.mu);
		F.refuse_clone = refuse;
		pthread_mutex_unlock(&F.mu);
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			/* (The fake's table here is a copy from before the fork: ask nothing of it.) */
			int fd = socket(AF_INET, SOCK_DGRAM, 0);
			_exit(fd >= 0 ? 0 : 1);
		}
		int st = -1;
		waitpid(pid, &st, 0);
		if (!refuse)
			CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0 && F.clones == clones + 1 &&
			              F.accepted == accepted,
			          "a forked child uses the connection cloned for it");
		else
			CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0 && F.clones == clones + 1 &&
			              F.accepted == accepted + 1,
			          "without a clone, a forked child connects by itself");
	}
	F.refuse_clone = false;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(fd >= 0 && F.accepted == accepted + 1 && kind_of(fd) == 's',
	          "the parent keeps using its own");
	close(fd);
}

static void test_protection(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	close(fd);
	int ctl = find_ctl_fd();
	int accepted = F.accepted;
	errno = 0;
	CHECK_MSG(ctl >= 0 && close(ctl) < 0 && errno == EBADF, "close of the control connection: EBADF");
	int nul = open("/dev/null", O_RDONLY);
	CHECK_MSG(dup2(nul, ctl) == ctl, "dup2 onto the control connection's number succeeds");
	int moved = find_ctl_fd();
	CHECK_MSG(moved >= 0 && moved != ctl && fcntl(ctl, F_GETFD) >= 0,
	          "the control connection moved out of the way");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(fd >= 0 && F.accepted == accepted, "and still serves, without reconnecting");
	close(fd);
	close(ctl);
	CHECK_MSG(dup3(nul, moved, 0) == moved && find_ctl_fd() != moved, "dup3 too");
	close(moved);
	ctl = find_ctl_fd();
	CHECK_MSG(dup2(nul, ctl - 1) == ctl - 1 && dup2(nul, ctl + 1) == ctl + 1, "fds placed around it");
	CHECK_MSG(close_range((unsigned)ctl - 1, (unsigned)ctl + 1, 0) == 0 && fcntl(ctl - 1, F_GETFD) < 0 &&
	              fcntl(ctl + 1, F_GETFD) < 0 && find_ctl_fd() == ctl,
	          "close_range closes around the control connection");
	CHECK_MSG(dup2(nul, ctl + 2) == ctl + 2, "an fd above it");
	closefrom(ctl);
	CHECK_MSG(fcntl(ctl + 2, F_GETFD) < 0 && find_ctl_fd() == ctl, "closefrom spares it");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_MSG(fd >= 0 && F.accepted == accepted, "all the while on one connection");
	close(fd);
	close(nul);
}

/* getifaddrs, if_* and SIOCGIF* show the service's interfaces, paged in, never the host's. */
static void test_interfaces(void)
{
	struct ifaddrs *ifa = NULL;
	CHECK_MSG(getifaddrs(&ifa) == 0 && ifa, "getifaddrs through the service");
	int n = 0, links = 0, v4 = 0, v6 = 0;
	bool saw_zt4 = false, saw_ll_scope = false, saw_mac = false;
	for (struct ifaddrs *p = ifa; p; p = p->ifa_next, n++) {
		if (!p->ifa_addr)
			continue;
		if (p->ifa_addr->sa_family == AF_PACKET) {
			links++;
			struct sockaddr_ll *ll = (struct sockaddr_ll *)p->ifa_addr;
			saw_mac = saw_mac ||
			          (ll->sll_halen == 6 && ll->sll_addr[0] == 0x32 && ll->sll_ifindex == 2);
		} else if (p->ifa_addr->sa_family == AF_INET) {
			v4++;
			struct sockaddr_in *a = (struct sockaddr_in *)p->ifa_addr,
			                   *m = (struct sockaddr_in *)p->ifa_netmask,
			                   *b = (struct sockaddr_in *)p->ifa_broadaddr;
			if (strcmp(p->ifa_name, "ztfake000") == 0)
				saw_zt4 = a->sin_addr.s_addr == inet_addr("10.147.17.5") &&
				          m->sin_addr.s_addr == inet_addr("255.255.255.0") && b &&
				          b->sin_addr.s_addr == inet_addr("10.147.17.255");
		} else if (p->ifa_addr->sa_family == AF_INET6) {
			v6++;
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)p->ifa_addr;
			if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr))
				saw_ll_scope = a->sin6_scope_id == 2;
		}
	}
	CHECK_MSG(n == 6 && links == 2 && v4 == 2 && v6 == 2, "getifaddrs: every entry of every page");
	CHECK_MSG(saw_zt4, "getifaddrs: IPv4 address, netmask and broadcast");
	CHECK_MSG(saw_ll_scope, "getifaddrs: a link-local address carries its interface as scope");
	CHECK_MSG(saw_mac, "getifaddrs: the link entry carries the MAC and index");
	freeifaddrs(ifa); /* libc's own: our block must be its shape */

	struct if_nameindex *ni = if_nameindex();
	CHECK_MSG(ni && ni[0].if_index == 1 && strcmp(ni[0].if_name, "lo") == 0 && ni[1].if_index == 2 &&
	              strcmp(ni[1].if_name, "ztfake000") == 0 && ni[2].if_index == 0 && !ni[2].if_name,
	          "if_nameindex lists lo and the network");
	if_freenameindex(ni);
	char name[IF_NAMESIZE];
	CHECK_MSG(if_nametoindex("ztfake000") == 2 && if_nametoindex("eth0") == 0 && errno == ENODEV,
	          "if_nametoindex: ours, and ENODEV for the host's");
	CHECK_MSG(if_indextoname(1, name) && strcmp(name, "lo") == 0, "if_indextoname(1) is lo");
	CHECK_MSG(!if_indextoname(7, name) && errno == ENXIO, "if_indextoname of an unknown index: ENXIO");

	int s =
	    socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0); /* any socket: the question is about interfaces */
	struct ifconf ic = {.ifc_len = 0, .ifc_buf = NULL};
	CHECK_MSG(ioctl(s, SIOCGIFCONF, &ic) == 0 && ic.ifc_len == 2 * (int)sizeof(struct ifreq),
	          "SIOCGIFCONF without a buffer: the length needed");
	struct ifreq reqs[4];
	ic.ifc_len = sizeof(reqs);
	ic.ifc_req = reqs;
	CHECK_MSG(ioctl(s, SIOCGIFCONF, &ic) == 0 && ic.ifc_len == 2 * (int)sizeof(struct ifreq) &&
	              strcmp(reqs[0].ifr_name, "lo") == 0 && strcmp(reqs[1].ifr_name, "ztfake000") == 0,
	          "SIOCGIFCONF lists the IPv4 interfaces");
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "ztfake000");
	CHECK_MSG(ioctl(s, SIOCGIFADDR, &r) == 0 &&
	              ((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr == inet_addr("10.147.17.5"),
	          "SIOCGIFADDR");
	CHECK_MSG(ioctl(s, SIOCGIFFLAGS, &r) == 0 && (r.ifr_flags & IFF_UP) && (r.ifr_flags & IFF_BROADCAST),
	          "SIOCGIFFLAGS");
	CHECK_MSG(ioctl(s, SIOCGIFMTU, &r) == 0 && r.ifr_mtu == 2800, "SIOCGIFMTU");
	CHECK_MSG(ioctl(s, SIOCGIFHWADDR, &r) == 0 && (uint8_t)r.ifr_hwaddr.sa_data[0] == 0x32,
	          "SIOCGIFHWADDR");
	CHECK_MSG(ioctl(s, SIOCSIFMTU, &r) < 0 && errno == EPERM, "SIOCSIFMTU: EPERM");
	r.ifr_ifindex = 1;
	CHECK_MSG(ioctl(s, SIOCGIFNAME, &r) == 0 && strcmp(r.ifr_name, "lo") == 0, "SIOCGIFNAME");
	strcpy(r.ifr_name, "eth0");
	CHECK_MSG(ioctl(s, SIOCGIFINDEX, &r) < 0 && errno == ENODEV,
	          "SIOCGIFINDEX of a host interface: ENODEV");
	close(s);
}

int main(int argc, char **argv)
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

	test_socket();
	test_names_and_options();
	test_listen_accept();
	test_connect();
	test_datagrams();
	test_threads_and_fork();
	test_protection();
	test_interfaces();

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
