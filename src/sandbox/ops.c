/* The socket calls the supervisor makes for a stopped program (design: sandbox.h), each as the shim's
 * hook would make it (src/preload/hooks_socket.c, hooks_io.c), with the arguments read from and the
 * results written to the program's memory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "sandbox_int.h"

/* The largest datagram payload carried (UDP's own limit, rounded up). */
#define MAX_DGRAM 65536

static int low(uint64_t v)
{
	return (int)(uint32_t)v;
}

int zt_sandbox_fd_kind(int fd)
{
	struct sockaddr_un un;
	socklen_t len = sizeof(un);
	const size_t prefix = sizeof(ZT_NC_NAME_PREFIX) - 1, off = offsetof(struct sockaddr_un, sun_path);
	if (getsockname(fd, (struct sockaddr *)&un, &len) < 0 || len > sizeof(un) || un.sun_family != AF_UNIX ||
	    len < off + 1 + prefix + 3)
		return 0;
	const char *name = un.sun_path;
	size_t n = len - off;
	if (name[0] != '\0' || memcmp(name + 1, ZT_NC_NAME_PREFIX, prefix) != 0 || name[n - 2] != '/')
		return 0;
	char kind = name[n - 1];
	return kind == 's' || kind == 'l' || kind == 'd' || kind == 'c' ? kind : 0;
}

bool sb_is_fd_call(int nr)
{
	switch (nr) {
	case SYS_connect:
	case SYS_bind:
	case SYS_listen:
	case SYS_accept:
	case SYS_accept4:
	case SYS_getsockname:
	case SYS_getpeername:
	case SYS_setsockopt:
	case SYS_getsockopt:
	case SYS_sendto:
	case SYS_recvfrom:
	case SYS_sendmsg:
	case SYS_recvmsg:
	case SYS_sendmmsg:
	case SYS_recvmmsg:
		return true;
	default:
		return false;
	}
}

/* The errno when the service cannot be asked: the one the shim gives (hooks_socket.c). */
static int unavailable(enum zt_nc_op op)
{
	switch (op) {
	case ZT_NC_SOCKET:
		return EAFNOSUPPORT;
	case ZT_NC_BIND:
		return EADDRNOTAVAIL;
	case ZT_NC_CONNECT:
		return ENETUNREACH;
	default:
		return ENOBUFS;
	}
}

static void request(struct sb_call *c, enum zt_nc_op op, const void *body, size_t len, sb_reply_fn *fn)
{
	if (sb_request(c, op, c->fd, body, len, fn) < 0)
		sb_fail(c, unavailable(op));
}

static int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	int want = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return want == fl || fcntl(fd, F_SETFL, want) == 0 ? 0 : -errno;
}

/* An address argument (pointer, length) of the program, as the kernel takes it. */
static int read_addr(struct sb_call *c, uint64_t p, uint64_t len, struct zt_nc_addr *a)
{
	struct sockaddr_storage ss;
	if (len > sizeof(ss) || (int)len < 0)
		return -EINVAL;
	if (!p)
		return len ? -EFAULT : -EINVAL;
	memset(&ss, 0, sizeof(ss));
	if (sb_read(c, p, &ss, len) < 0)
		return -EFAULT;
	/* the RFC 2133 sockaddr_in6, without sin6_scope_id */
	if (len >= 24 && ss.ss_family == AF_INET6 && len < sizeof(struct sockaddr_in6))
		len = sizeof(struct sockaddr_in6);
	return zt_nc_addr_from_sockaddr(a, (struct sockaddr *)&ss, (socklen_t)len);
}

/* Writes a to the program's (p, *lenp) as getsockname() does: truncated, full length reported. */
static int write_addr(struct sb_call *c, const struct zt_nc_addr *a, uint64_t p, uint64_t lenp)
{
	uint32_t len;
	if (!p)
		return 0;
	if (!lenp || sb_read(c, lenp, &len, sizeof(len)) < 0)
		return -EFAULT;
	if ((int32_t)len < 0)
		return -EINVAL;
	struct sockaddr_storage ss;
	uint32_t full = zt_nc_addr_to_sockaddr(a, &ss);
	if (sb_write(c, p, &ss, len < full ? len : full) < 0 || sb_write(c, lenp, &full, sizeof(full)) < 0)
		return -EFAULT;
	return 0;
}

/* ---- socket() ---- */

static void socket_reply(struct sb_call *c, int32_t r, int fd, struct zt_nc_buf *b)
{
	int type = low(c->args[1]);
	(void)b;
	if (r < 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		sb_fail(c, r < 0 ? -r : EAFNOSUPPORT);
		return;
	}
	if (set_nonblock(fd, type & SOCK_NONBLOCK) < 0) {
		close(fd);
		sb_fail(c, ENOBUFS);
		return;
	}
	sb_answer_fd(c, fd, type & SOCK_CLOEXEC);
}

void sb_op_socket(struct sb_call *c)
{
	int domain = low(c->args[0]), type = low(c->args[1]), protocol = low(c->args[2]);
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (base & ~0xf) {
		sb_fail(c, EINVAL);
		return;
	}
	switch (base) {
	case SOCK_STREAM:
		if (protocol != 0 && protocol != IPPROTO_TCP) {
			sb_fail(c, EPROTONOSUPPORT);
			return;
		}
		break;
	case SOCK_DGRAM:
		if (protocol != 0 && protocol != IPPROTO_UDP &&
		    protocol != (domain == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
			sb_fail(c, EPROTONOSUPPORT);
			return;
		}
		break;
	case SOCK_RAW:
	case SOCK_PACKET:
		/* raw access would reach the host's network */
		sb_fail(c, EACCES);
		return;
	default:
		sb_fail(c, ESOCKTNOSUPPORT);
		return;
	}
	uint8_t body[12];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, (uint32_t)domain);
	zt_nc_put_u32(&b, (uint32_t)base);
	zt_nc_put_u32(&b, (uint32_t)protocol);
	if (sb_request(c, ZT_NC_SOCKET, -1, body, b.off, socket_reply) < 0)
		sb_fail(c, EAFNOSUPPORT);
}

/* ---- calls answered with a bare result, perhaps a new app end to install ---- */

static void simple_reply(struct sb_call *c, int32_t r, int fd, struct zt_nc_buf *b)
{
	(void)b;
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		sb_fail(c, -r);
		return;
	}
	if (fd >= 0) {
		int e = sb_install_over(c, fd);
		if (e < 0) {
			sb_fail(c, -e);
			return;
		}
	}
	/* the app end's own send buffer bounds what the app queues: follow SO_SNDBUF there too */
	int v;
	if (c->nr == SYS_setsockopt && low(c->args[1]) == SOL_SOCKET && low(c->args[2]) == SO_SNDBUF &&
	    low(c->args[4]) == sizeof(v) && sb_read(c, c->args[3], &v, sizeof(v)) == 0)
		setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	sb_answer(c, 0);
}

static void op_addr_call(struct sb_call *c, enum zt_nc_op op)
{
	struct zt_nc_addr a;
	int e = read_addr(c, c->args[1], c->args[2], &a);
	if (!e && op == ZT_NC_CONNECT)
		e = sb_dns_redirect(c->sb, &a);
	if (e < 0) {
		sb_fail(c, -e);
		return;
	}
	uint8_t body[ZT_NC_ADDR_LEN + 4];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_addr(&b, &a);
	if (op == ZT_NC_CONNECT)
		zt_nc_put_u32(&b, c->nonblock ? ZT_NC_CONNECT_NONBLOCK : 0);
	request(c, op, body, b.off, simple_reply);
}

static void name_reply(struct sb_call *c, int32_t r, int fd, struct zt_nc_buf *b)
{
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		sb_fail(c, -r);
		return;
	}
	struct zt_nc_addr a;
	zt_nc_get_addr(b, &a);
	int e = b->bad ? -ENOBUFS : write_addr(c, &a, c->args[1], c->args[2]);
	if (e < 0)
		sb_fail(c, -e);
	else
		sb_answer(c, 0);
}

/* Options the kernel enforces where the app blocks: set on the app end itself (hooks_socket.c). */
static bool option_is_local(int level, int name)
{
	return level == SOL_SOCKET && (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD ||
	                               name == SO_RCVTIMEO_NEW || name == SO_SNDTIMEO_NEW || name == SO_RCVLOWAT);
}

static void op_setsockopt(struct sb_call *c)
{
	uint32_t len = (uint32_t)c->args[4];
	uint8_t body[12 + ZT_NC_MAX_OPTLEN], val[ZT_NC_MAX_OPTLEN];
	if (len > ZT_NC_MAX_OPTLEN) {
		sb_fail(c, EINVAL);
		return;
	}
	if ((!c->args[3] && len) || sb_read(c, c->args[3], val, len) < 0) {
		sb_fail(c, EFAULT);
		return;
	}
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, (uint32_t)c->args[1]);
	zt_nc_put_u32(&b, (uint32_t)c->args[2]);
	zt_nc_put_u32(&b, len);
	zt_nc_put_bytes(&b, val, len);
	request(c, ZT_NC_SETSOCKOPT, body, b.off, simple_reply);
}

static void getsockopt_reply(struct sb_call *c, int32_t r, int fd, struct zt_nc_buf *b)
{
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		sb_fail(c, -r);
		return;
	}
	uint32_t got = zt_nc_get_u32(b);
	const void *bytes = zt_nc_get_bytes(b, got);
	if (b->bad || got > c->len) {
		sb_fail(c, ENOBUFS);
		return;
	}
	if (sb_write(c, c->args[3], bytes, got) < 0 || sb_write(c, c->args[4], &got, sizeof(got)) < 0)
		sb_fail(c, EFAULT);
	else
		sb_answer(c, 0);
}

static void op_getsockopt(struct sb_call *c)
{
	uint32_t len;
	if (!c->args[4] || sb_read(c, c->args[4], &len, sizeof(len)) < 0 || (!c->args[3] && len)) {
		sb_fail(c, EFAULT);
		return;
	}
	if ((int32_t)len < 0) {
		sb_fail(c, EINVAL);
		return;
	}
	c->len = len < ZT_NC_MAX_OPTLEN ? len : ZT_NC_MAX_OPTLEN;
	uint8_t body[12];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, (uint32_t)c->args[1]);
	zt_nc_put_u32(&b, (uint32_t)c->args[2]);
	zt_nc_put_u32(&b, (uint32_t)c->len);
	request(c, ZT_NC_GETSOCKOPT, body, b.off, getsockopt_reply);
}

/* ---- accept: one record per connection on the listener's app end ---- */

static bool must_not_wait(struct sb_call *c)
{
	return c->nonblock || (c->msgflags & MSG_DONTWAIT);
}

/* The call waits for fd to be ready, unless the program asked not to. */
static void wait_or_eagain(struct sb_call *c, uint32_t events, sb_ready_fn *fn)
{
	if (must_not_wait(c))
		sb_fail(c, EAGAIN);
	else if (sb_wait(c, events, fn) < 0)
		sb_fail(c, ENOBUFS);
}

static void accept_try(struct sb_call *c)
{
	int flags = c->nr == SYS_accept4 ? low(c->args[3]) : 0;
	uint8_t rec[ZT_NC_ADDR_LEN];
	struct zt_fdpass_msg got;
	int e = zt_fdpass_recv(&sb_fdpass_ops, c->fd, rec, sizeof(rec), MSG_DONTWAIT, &got);
	if (e == -EAGAIN || e == -EINTR) {
		wait_or_eagain(c, EPOLLIN, accept_try);
		return;
	}
	int fd = e < 0 ? -1 : got.fd;
	if (e < 0 || fd < 0 || got.len != ZT_NC_ADDR_LEN) {
		if (fd >= 0)
			close(fd);
		sb_fail(c, e < 0 ? -e : ECONNABORTED);
		return;
	}
	struct zt_nc_addr a;
	struct zt_nc_buf b = {.p = rec, .len = sizeof(rec)};
	zt_nc_get_addr(&b, &a);
	e = set_nonblock(fd, flags & SOCK_NONBLOCK);
	if (!e)
		e = write_addr(c, &a, c->args[1], c->args[2]);
	if (e < 0) {
		close(fd);
		sb_fail(c, -e);
		return;
	}
	sb_answer_fd(c, fd, flags & SOCK_CLOEXEC);
}

/* ---- datagrams: each one framed behind its address on a 'd' app end ---- */

/* Reads the program's iovec array and the bytes it names, up to cap, into out. */
static int gather(struct sb_call *c, uint64_t iov_p, uint64_t iovlen, uint8_t *out, size_t cap, size_t *got)
{
	*got = 0;
	if (iovlen > IOV_MAX)
		return -EMSGSIZE;
	for (uint64_t i = 0; i < iovlen; i++) {
		struct iovec v;
		if (sb_read(c, iov_p + i * sizeof(v), &v, sizeof(v)) < 0)
			return -EFAULT;
		if (v.iov_len > cap - *got)
			return -EMSGSIZE;
		if (sb_read(c, (uintptr_t)v.iov_base, out + *got, v.iov_len) < 0)
			return -EFAULT;
		*got += v.iov_len;
	}
	return 0;
}

/* Writes data into the program's iovec array; returns how much fit, or -errno. */
static ssize_t scatter(struct sb_call *c, uint64_t iov_p, uint64_t iovlen, const uint8_t *data, size_t len)
{
	size_t done = 0;
	if (iovlen > IOV_MAX)
		return -EMSGSIZE;
	for (uint64_t i = 0; i < iovlen && done < len; i++) {
		struct iovec v;
		if (sb_read(c, iov_p + i * sizeof(v), &v, sizeof(v)) < 0)
			return -EFAULT;
		size_t n = v.iov_len < len - done ? v.iov_len : len - done;
		if (sb_write(c, (uintptr_t)v.iov_base, data + done, n) < 0)
			return -EFAULT;
		done += n;
	}
	return (ssize_t)done;
}

static void send_try(struct sb_call *c)
{
	ssize_t n = send(c->fd, c->buf, c->len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		wait_or_eagain(c, EPOLLOUT, send_try);
		return;
	}
	if (n < 0) {
		sb_fail(c, errno);
		return;
	}
	uint32_t sent = (uint32_t)(c->kind == 'd' ? (size_t)n - ZT_NC_ADDR_LEN : (size_t)n);
	if (c->nr != SYS_sendmmsg) {
		sb_answer(c, sent);
		return;
	}
	/* sendmmsg: the first message only; the program sends the rest with its next call */
	if (sb_write(c, c->args[1] + offsetof(struct mmsghdr, msg_len), &sent, sizeof(sent)) < 0)
		sb_fail(c, EFAULT);
	else
		sb_answer(c, 1);
}

static void op_send(struct sb_call *c)
{
	uint64_t name = 0, namelen = 0;
	struct msghdr m = {0};
	if (c->nr == SYS_sendto) {
		name = c->args[4];
		namelen = c->args[5];
		c->msgflags = low(c->args[3]);
	} else {
		if (c->nr == SYS_sendmmsg && low(c->args[2]) == 0) {
			sb_answer(c, 0);
			return;
		}
		if (sb_read(c, c->args[1], &m, sizeof(m)) < 0) {
			sb_fail(c, EFAULT);
			return;
		}
		name = (uintptr_t)m.msg_name;
		namelen = m.msg_namelen;
		c->msgflags = low(c->nr == SYS_sendmsg ? c->args[2] : c->args[3]);
	}
	if (!name)
		namelen = 0;
	if (c->kind == 'l' || (c->kind != 'd' && !namelen)) {
		/* nothing to translate: the kernel's own answer */
		sb_continue(c);
		return;
	}
	if (c->kind == 'd' && !namelen) {
		sb_fail(c, EDESTADDRREQ);
		return;
	}
	size_t hdr = c->kind == 'd' ? ZT_NC_ADDR_LEN : 0, got = 0;
	c->buf = malloc(hdr + MAX_DGRAM);
	if (!c->buf) {
		sb_fail(c, ENOBUFS);
		return;
	}
	int e = 0;
	if (c->kind == 'd') {
		struct zt_nc_addr a = {0};
		e = read_addr(c, name, namelen, &a);
		if (!e)
			e = sb_dns_redirect(c->sb, &a);
		struct zt_nc_buf b = {.p = c->buf, .len = ZT_NC_ADDR_LEN};
		zt_nc_put_addr(&b, &a);
	}
	/* On a connected socket the address is not carried: it goes to the peer (as TCP does). */
	if (!e && c->nr == SYS_sendto) {
		size_t len = c->args[2] < MAX_DGRAM ? (size_t)c->args[2] : MAX_DGRAM;
		if (c->kind == 'd' && c->args[2] > MAX_DGRAM)
			e = -EMSGSIZE;
		else if (sb_read(c, c->args[1], c->buf + hdr, len) < 0)
			e = -EFAULT;
		got = len;
	} else if (!e) {
		e = gather(c, (uintptr_t)m.msg_iov, m.msg_iovlen, c->buf + hdr, MAX_DGRAM, &got);
	}
	if (e < 0) {
		sb_fail(c, -e);
		return;
	}
	c->len = hdr + got;
	send_try(c);
}

/* A datagram for the program: on 'd' framed behind its source, on 'c' raw from the peer. */
static void recv_try(struct sb_call *c)
{
	size_t hdr = c->kind == 'd' ? ZT_NC_ADDR_LEN : 0;
	ssize_t n = recv(c->fd, c->buf, hdr + MAX_DGRAM, MSG_DONTWAIT | (c->msgflags & MSG_PEEK));
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		wait_or_eagain(c, EPOLLIN, recv_try);
		return;
	}
	if (n < 0) {
		sb_fail(c, errno);
		return;
	}
	if (n == 0 && hdr) { /* the service is gone */
		sb_answer(c, 0);
		return;
	}
	struct zt_nc_addr a = c->peer;
	if (hdr) {
		struct zt_nc_buf b = {.p = c->buf, .len = (size_t)n};
		zt_nc_get_addr(&b, &a);
		if (b.bad) {
			sb_fail(c, EIO);
			return;
		}
	}
	const uint8_t *payload = c->buf + hdr;
	size_t plen = (size_t)n - hdr;
	struct sockaddr_storage ss;
	uint32_t full = zt_nc_addr_to_sockaddr(&a, &ss);
	if (c->nr == SYS_recvfrom) {
		size_t cap = c->args[2], copied = plen < cap ? plen : cap;
		int e = sb_write(c, c->args[1], payload, copied);
		if (!e)
			e = write_addr(c, &a, c->args[4], c->args[5]);
		if (e < 0)
			sb_fail(c, -e);
		else
			sb_answer(c, (c->msgflags & MSG_TRUNC) ? plen : copied);
		return;
	}
	struct msghdr m;
	if (sb_read(c, c->args[1], &m, sizeof(m)) < 0) {
		sb_fail(c, EFAULT);
		return;
	}
	ssize_t copied = scatter(c, (uintptr_t)m.msg_iov, m.msg_iovlen, payload, plen);
	if (copied < 0) {
		sb_fail(c, (int)-copied);
		return;
	}
	if (m.msg_name) {
		uint32_t room = m.msg_namelen;
		if (sb_write(c, (uintptr_t)m.msg_name, &ss, room < full ? room : full) < 0) {
			sb_fail(c, EFAULT);
			return;
		}
		m.msg_namelen = full;
	} else {
		m.msg_namelen = 0;
	}
	m.msg_controllen = 0;
	m.msg_flags = (size_t)copied < plen ? MSG_TRUNC : 0;
	if (sb_write(c, c->args[1], &m, sizeof(m)) < 0) {
		sb_fail(c, EFAULT);
		return;
	}
	uint32_t result = (uint32_t)((c->msgflags & MSG_TRUNC) ? plen : (size_t)copied);
	if (c->nr == SYS_recvmmsg) {
		/* the first message only, as a kernel recvmmsg that found one waiting */
		if (sb_write(c, c->args[1] + offsetof(struct mmsghdr, msg_len), &result, sizeof(result)) < 0)
			sb_fail(c, EFAULT);
		else
			sb_answer(c, 1);
		return;
	}
	sb_answer(c, result);
}

static void peer_reply(struct sb_call *c, int32_t r, int fd, struct zt_nc_buf *b)
{
	if (fd >= 0)
		close(fd);
	if (r == 0)
		zt_nc_get_addr(b, &c->peer);
	if (r < 0 || b->bad) {
		sb_fail(c, r < 0 ? -r : ENOBUFS);
		return;
	}
	recv_try(c);
}

static void op_recv(struct sb_call *c)
{
	bool wants_name = c->nr == SYS_recvfrom;
	if (c->kind == 'c' && c->nr == SYS_recvmsg) {
		struct msghdr m;
		wants_name = sb_read(c, c->args[1], &m, sizeof(m)) == 0 && m.msg_name;
	}
	if (c->kind != 'd' && !(c->kind == 'c' && wants_name)) {
		/* a stream, or a connected datagram socket whose peer is not asked: the kernel's own bytes */
		sb_continue(c);
		return;
	}
	if (c->nr == SYS_recvmmsg && low(c->args[2]) == 0) {
		sb_answer(c, 0);
		return;
	}
	c->msgflags = low(c->nr == SYS_recvmsg ? c->args[2] : c->args[3]);
	c->buf = malloc(ZT_NC_ADDR_LEN + MAX_DGRAM);
	if (!c->buf) {
		sb_fail(c, ENOBUFS);
		return;
	}
	if (c->kind == 'c')
		request(c, ZT_NC_GETPEERNAME, NULL, 0, peer_reply);
	else
		recv_try(c);
}

void sb_op_fd(struct sb_call *c)
{
	switch (c->nr) {
	case SYS_connect:
		if (c->kind == 'l')
			sb_continue(c);
		else
			op_addr_call(c, ZT_NC_CONNECT);
		return;
	case SYS_bind:
		op_addr_call(c, ZT_NC_BIND);
		return;
	case SYS_listen: {
		uint8_t body[4];
		struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
		zt_nc_put_u32(&b, (uint32_t)c->args[1]);
		request(c, ZT_NC_LISTEN, body, b.off, simple_reply);
		return;
	}
	case SYS_accept:
	case SYS_accept4:
		if (c->kind != 'l') {
			sb_continue(c);
			return;
		}
		if (c->nr == SYS_accept4 && (low(c->args[3]) & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))) {
			sb_fail(c, EINVAL);
			return;
		}
		accept_try(c);
		return;
	case SYS_getsockname:
	case SYS_getpeername:
		request(c, c->nr == SYS_getsockname ? ZT_NC_GETSOCKNAME : ZT_NC_GETPEERNAME, NULL, 0, name_reply);
		return;
	case SYS_setsockopt:
	case SYS_getsockopt:
		if (option_is_local(low(c->args[1]), low(c->args[2])))
			sb_continue(c);
		else if (c->nr == SYS_setsockopt)
			op_setsockopt(c);
		else
			op_getsockopt(c);
		return;
	case SYS_sendto:
	case SYS_sendmsg:
	case SYS_sendmmsg:
		op_send(c);
		return;
	default:
		op_recv(c);
		return;
	}
}
