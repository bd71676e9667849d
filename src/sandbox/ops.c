/* The socket calls the supervisor makes for a stopped program (design: sandbox.h), each as the shim's
 * hook would make it (src/preload/hooks_socket.c, hooks_io.c), with the arguments read from and the
 * results written to the program's memory. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "appopt.h"
#include "sandbox_int.h"

int zt_sandbox_fd_kind(int fd)
{
	struct sockaddr_un un;
	socklen_t len = sizeof(un);
	int kind = getsockname(fd, (struct sockaddr *)&un, &len) < 0 ? 0 : zt_nc_name_kind(&un, len);
	return kind && strchr("sldDcuU", kind) ? kind : 0;
}

/* A placeholder of the shim's (rpc.h, Lazy streams) that the program inherited across an exec (the
 * shim realizes it before a fork, a spawn or a pass over SCM_RIGHTS) is the service's socket to the
 * program, made as the shim makes it from a placeholder that may have copies (never joined),
 * installed over the program's fd; then the call goes on on it. */
static void realize_reply(struct sb_call *c, int32_t r, int fd, struct zt_nc_buf *b)
{
	(void)b;
	if (r < 0 || fd < 0 || zt_sandbox_fd_kind(fd) != 's') {
		if (fd >= 0)
			close(fd);
		sb_fail(c, r < 0 ? -r : ENOBUFS);
		return;
	}
	int keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	int e = keep < 0 ? -errno : sb_install_over(c, fd);
	if (keep < 0)
		close(fd);
	if (e < 0) {
		if (keep >= 0)
			close(keep);
		sb_fail(c, -e);
		return;
	}
	close(c->fd);
	c->fd = keep;
	c->kind = 's';
	sb_op_fd(c);
}

void sb_realize(struct sb_call *c)
{
	uint8_t body[16];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, c->kind == 'U' ? AF_INET6 : AF_INET);
	zt_nc_put_u32(&b, SOCK_STREAM);
	zt_nc_put_u32(&b, IPPROTO_TCP);
	zt_nc_put_u32(&b, ZT_NC_SOCKET_SHARED);
	if (sb_request(c, ZT_NC_SOCKET, -1, body, b.off, realize_reply) < 0)
		sb_fail(c, ENOBUFS);
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

void sb_ask(struct sb_call *c, enum zt_nc_op op, const void *body, size_t len, sb_reply_fn *fn)
{
	if (sb_request(c, op, c->fd, body, len, fn) < 0)
		sb_fail(c, zt_nc_unavailable_errno(op));
}

int sb_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	int want = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return want == fl || fcntl(fd, F_SETFL, want) == 0 ? 0 : -errno;
}

int sb_read_addr(struct sb_call *c, uint64_t p, uint64_t len, struct zt_nc_addr *a)
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

int sb_write_addr(struct sb_call *c, const struct zt_nc_addr *a, uint64_t p, uint64_t lenp)
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
	int type = sb_low(c->args[1]);
	(void)b;
	if (r < 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		sb_fail(c, r < 0 ? -r : EAFNOSUPPORT);
		return;
	}
	if (sb_set_nonblock(fd, type & SOCK_NONBLOCK) < 0) {
		close(fd);
		sb_fail(c, ENOBUFS);
		return;
	}
	sb_answer_fd(c, fd, type & SOCK_CLOEXEC);
}

void sb_op_socket(struct sb_call *c)
{
	int domain = sb_low(c->args[0]), type = sb_low(c->args[1]), protocol = sb_low(c->args[2]);
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
	/* A new end comes with success, or with EINPROGRESS from a non-blocking connect (rpc.h). */
	bool install = r >= 0 || (c->nr == SYS_connect && r == -EINPROGRESS);
	if (!install) {
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
	if (r < 0) {
		sb_fail(c, -r);
		return;
	}
	if (c->nr == SYS_connect && r == ZT_NC_CONNECT_HOST) {
		/* --fallthrough: the fd is now the host's socket; the program's connect runs on it */
		if (fd >= 0)
			sb_continue(c);
		else
			sb_fail(c, EPROTO);
		return;
	}
	/* the app end's own send buffer bounds what the app queues: follow SO_SNDBUF there too */
	int v;
	if (c->nr == SYS_setsockopt && sb_low(c->args[1]) == SOL_SOCKET && sb_low(c->args[2]) == SO_SNDBUF &&
	    sb_low(c->args[4]) == sizeof(v) && sb_read(c, c->args[3], &v, sizeof(v)) == 0)
		setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	sb_answer(c, 0);
}

static void op_addr_call(struct sb_call *c, enum zt_nc_op op)
{
	struct zt_nc_addr a;
	int e = sb_read_addr(c, c->args[1], c->args[2], &a);
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
	sb_ask(c, op, body, b.off, simple_reply);
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
	int e = b->bad ? -ENOBUFS : sb_write_addr(c, &a, c->args[1], c->args[2]);
	if (e < 0)
		sb_fail(c, -e);
	else
		sb_answer(c, 0);
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
	sb_ask(c, ZT_NC_SETSOCKOPT, body, b.off, simple_reply);
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
	sb_ask(c, ZT_NC_GETSOCKOPT, body, b.off, getsockopt_reply);
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
		sb_ask(c, ZT_NC_LISTEN, body, b.off, simple_reply);
		return;
	}
	case SYS_accept:
	case SYS_accept4:
		sb_op_accept(c);
		return;
	case SYS_getsockname:
	case SYS_getpeername:
		sb_ask(c, c->nr == SYS_getsockname ? ZT_NC_GETSOCKNAME : ZT_NC_GETPEERNAME, NULL, 0, name_reply);
		return;
	case SYS_setsockopt:
	case SYS_getsockopt:
		if (zt_appopt_is_local(sb_low(c->args[1]), sb_low(c->args[2])))
			sb_continue(c);
		else if (c->nr == SYS_setsockopt)
			op_setsockopt(c);
		else
			op_getsockopt(c);
		return;
	case SYS_sendto:
	case SYS_sendmsg:
	case SYS_sendmmsg:
		sb_op_send(c);
		return;
	default:
		sb_op_recv(c);
		return;
	}
}
