/* Hooks for the socket calls that need the service: socket, bind, listen, accept, connect, names
 * and options. Each one falls through to libc at once for an fd that is not virtual. */
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "appopt.h"
#include "hooks.h"

int zt_fail(int err)
{
	errno = err;
	return -1;
}

/* The errno a call gives when the service cannot be asked or answered nonsense (rpc.h); running out
 * of fds and a signal are said as they are. */
static int unavailable(enum zt_nc_op op, int rpc_err)
{
	if (rpc_err == -EMFILE || rpc_err == -ENFILE || rpc_err == -EINTR)
		return -rpc_err;
	return zt_nc_unavailable_errno(op);
}

int zt_addr_in(struct zt_nc_addr *a, const struct sockaddr *sa, socklen_t len)
{
	if (!sa)
		return len ? -EFAULT : -EINVAL;
	/* The kernel takes the RFC 2133 sockaddr_in6, which lacks sin6_scope_id. */
	if (len >= sizeof(sa_family_t) && sa->sa_family == AF_INET6 && len >= 24 &&
	    len < sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;
		memset(&in6, 0, sizeof(in6));
		memcpy(&in6, sa, len);
		return zt_nc_addr_from_sockaddr(a, (const struct sockaddr *)&in6, sizeof(in6));
	}
	return zt_nc_addr_from_sockaddr(a, sa, len);
}

int zt_addr_out(const struct zt_nc_addr *a, struct sockaddr *sa, socklen_t *len)
{
	if (!sa)
		return 0;
	if (!len)
		return -EFAULT;
	struct sockaddr_storage ss;
	socklen_t full = zt_nc_addr_to_sockaddr(a, &ss);
	memcpy(sa, &ss, *len < full ? *len : full);
	*len = full;
	return 0;
}

/* Sets O_NONBLOCK and FD_CLOEXEC on a received fd to what the caller asked for. */
int zt_set_fd_flags(int fd, bool nonblock, bool cloexec)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	int want = nonblock ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	if (want != fl && fcntl(fd, F_SETFL, want) < 0)
		return -errno;
	if (!cloexec && fcntl(fd, F_SETFD, 0) < 0)
		return -errno;
	return 0;
}

/* Puts the service's new app end `nfd` in place of the app's `fd` (same number, same O_NONBLOCK and
 * FD_CLOEXEC, and the timeouts and low-water mark the app set on it) and closes nfd. */
static int install_over(int nfd, int fd)
{
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
	int e = 0;
	if (fl < 0 || fdfl < 0)
		e = -errno;
	else
		e = zt_set_fd_flags(nfd, fl & O_NONBLOCK, true);
	if (e == 0)
		zt_appopt_copy(fd, nfd, real_getsockopt, real_setsockopt);
	if (e == 0 && real_dup3(nfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0)
		e = -errno;
	real_close(nfd);
	return e;
}

/* A request about an existing virtual socket whose reply is a bare result, perhaps with a new app end
 * to install over fd. Returns 0 or sets errno and returns -1. */
static int simple_call(enum zt_nc_op op, int fd, const void *body, size_t len, bool interruptible)
{
	struct zt_rpc_reply rep;
	int e = zt_rpc(op, fd, body, len, interruptible, &rep);
	if (e < 0)
		return zt_fail(unavailable(op, e));
	/* A new end comes with success, or with EINPROGRESS from a non-blocking connect (rpc.h). */
	bool install = rep.result >= 0 || (op == ZT_NC_CONNECT && rep.result == -EINPROGRESS);
	if (rep.fd >= 0 && !install)
		real_close(rep.fd);
	if (rep.fd >= 0 && install && (e = install_over(rep.fd, fd)) < 0)
		return zt_fail(-e);
	if (op == ZT_NC_CONNECT && rep.result == ZT_NC_CONNECT_HOST)
		return rep.fd >= 0 ? ZT_NC_CONNECT_HOST : zt_fail(EPROTO);
	return rep.result < 0 ? zt_fail(-rep.result) : 0;
}

ZT_EXPORT int socket(int domain, int type, int protocol)
{
	zt_shim_init();
	if (!zt_shim_enabled || (domain != AF_INET && domain != AF_INET6))
		return CALL_REAL(socket, domain, type, protocol);
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (base & ~0xf)
		return zt_fail(EINVAL);
	switch (base) {
	case SOCK_STREAM:
		if (protocol != 0 && protocol != IPPROTO_TCP)
			return zt_fail(EPROTONOSUPPORT);
		break;
	case SOCK_DGRAM:
		/* ICMP echo ("ping") sockets are the service's too; raw ICMP below stays refused */
		if (protocol != 0 && protocol != IPPROTO_UDP && protocol != IPPROTO_UDPLITE &&
		    protocol != (domain == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6))
			return zt_fail(EPROTONOSUPPORT);
		break;
	case SOCK_RAW:
	case SOCK_PACKET:
		/* Raw access would reach the host's network, which the app must not see. */
		return zt_fail(EACCES);
	default:
		return zt_fail(ESOCKTNOSUPPORT);
	}
	/* A placeholder until it connects (rpc.h, Lazy streams), once this thread has reached the
	 * service: without one socket() fails at once, as it always did. */
	if (base == SOCK_STREAM && zt_rpc_conn_ready()) {
		int fd = zt_lazy_new(domain, type & (SOCK_NONBLOCK | SOCK_CLOEXEC));
		if (fd >= 0 || fd == -EMFILE || fd == -ENFILE || fd == -ENOBUFS || fd == -ENOMEM)
			return fd >= 0 ? fd : zt_fail(-fd);
	}
	uint8_t body[12];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, (uint32_t)domain);
	zt_nc_put_u32(&b, (uint32_t)base);
	zt_nc_put_u32(&b, (uint32_t)protocol);
	struct zt_rpc_reply rep;
	int e = zt_rpc(ZT_NC_SOCKET, -1, body, b.off, false, &rep);
	if (e < 0)
		return zt_fail(unavailable(ZT_NC_SOCKET, e));
	if (rep.result < 0) {
		if (rep.fd >= 0)
			real_close(rep.fd);
		return zt_fail(-rep.result);
	}
	int want = base == SOCK_STREAM ? 's' : 'd';
	if (rep.fd < 0 || zt_fd_kind(rep.fd) != want) {
		zt_shim_debug("socket: service answered without a '%c' app end", want);
		if (rep.fd >= 0)
			real_close(rep.fd);
		return zt_fail(unavailable(ZT_NC_SOCKET, -EPROTO));
	}
	e = zt_set_fd_flags(rep.fd, type & SOCK_NONBLOCK, type & SOCK_CLOEXEC);
	if (e < 0) {
		real_close(rep.fd);
		return zt_fail(-e);
	}
	zt_dgram_hint_set(rep.fd, want == 'd');
	zt_solo_set(rep.fd, want == 's');
	return rep.fd;
}

ZT_EXPORT int bind(int fd, __CONST_SOCKADDR_ARG addr_arg, socklen_t len)
{
	const struct sockaddr *addr = ZT_CSA(addr_arg);
	zt_shim_init();
	if (!zt_shim_enabled || !zt_fd_kind(fd))
		return CALL_REAL(bind, fd, addr, len);
	struct zt_nc_addr a;
	int e = zt_addr_in(&a, addr, len);
	if (e < 0)
		return zt_fail(-e);
	uint8_t body[ZT_NC_ADDR_LEN];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_addr(&b, &a);
	return simple_call(ZT_NC_BIND, fd, body, b.off, false);
}

ZT_EXPORT int listen(int fd, int backlog)
{
	zt_shim_init();
	if (!zt_shim_enabled || !zt_fd_kind(fd))
		return CALL_REAL(listen, fd, backlog);
	uint8_t body[4];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, (uint32_t)backlog);
	int r = simple_call(ZT_NC_LISTEN, fd, body, b.off, false);
	zt_lopts_forget(fd); /* a new end, perhaps: its options are read again at the next accept */
	return r;
}

/* Sends accept record `rec` back on listener fd (rpc.h, ZT_NC_ADDR_ACK_ACCEPT): the service then
 * knows the app holds that connection. Waits for room if the service has not read earlier ones. */
static void ack_accept(int fd, const uint8_t *rec)
{
	for (;;) {
		if (real_send(fd, rec, ZT_NC_ADDR_LEN, MSG_DONTWAIT | MSG_NOSIGNAL) == ZT_NC_ADDR_LEN)
			return;
		if (errno == EINTR)
			continue;
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (errno != EAGAIN || (poll(&p, 1, -1) < 0 && errno != EINTR))
			return; /* the listener is gone: nothing waits for this any more */
	}
}

/* accept on a listener ('l'): one SOCK_SEQPACKET message per connection, the peer address as bytes
 * and the connection's app end as SCM_RIGHTS. Blocking, EAGAIN and EINTR are the kernel's own. */
static int accept_virtual(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return zt_fail(EINVAL);
	if (addr && !addrlen)
		return zt_fail(EFAULT);
	uint8_t rec[ZT_NC_ADDR_LEN + 1];
	struct zt_fdpass_msg m;
	int r = zt_fdpass_recv(&zt_shim_fdpass, fd, rec, sizeof(rec), (flags & SOCK_CLOEXEC) ? 0 : ZT_FDPASS_INHERIT, &m);
	if (r < 0)
		return zt_fail(-r);
	int nfd = m.fd;
	if (m.len == 0) { /* the service shut the listener */
		if (nfd >= 0)
			real_close(nfd);
		return zt_fail(EINVAL);
	}
	if (nfd < 0)
		return zt_fail(m.fds_lost ? EMFILE : ECONNABORTED);
	struct zt_nc_buf b = {.p = rec, .len = m.len};
	struct zt_nc_addr a;
	uint16_t fl = zt_nc_get_addr_flags(&b, &a, ZT_NC_ADDR_RESET_UNACCEPTED | ZT_NC_ADDR_ACK_ACCEPT);
	bool armed = fl & ZT_NC_ADDR_RESET_UNACCEPTED;
	if (m.extra_fds || b.bad || m.len != ZT_NC_ADDR_LEN || m.truncated || m.fds_lost) {
		real_close(nfd);
		return zt_fail(ECONNABORTED);
	}
	/* FD_CLOEXEC came as asked (recvmsg); a joined connection's socket (armed) comes O_NONBLOCK */
	int e = 0;
	if (!armed)
		e = zt_set_fd_flags(nfd, flags & SOCK_NONBLOCK, true);
	else if (!(flags & SOCK_NONBLOCK) && fcntl(nfd, F_SETFL, O_RDWR) < 0)
		e = -errno;
	if (e == 0)
		e = zt_addr_out(&a, addr, addrlen);
	struct linger off = {0, 0};
	if (e == 0 && armed && real_setsockopt(nfd, SOL_SOCKET, SO_LINGER, &off, sizeof(off)) < 0)
		e = -errno;
	if (e == 0) { /* the listener's timeouts, low-water mark and SO_LINGER, as a kernel's accepted socket */
		struct zt_appopt_set lo;
		zt_lopts_get(fd, &lo);
		zt_appopt_apply(nfd, real_setsockopt, &lo);
	}
	if (e < 0) {
		real_close(nfd);
		return zt_fail(-e);
	}
	if (fl & ZT_NC_ADDR_ACK_ACCEPT)
		ack_accept(fd, rec);
	return nfd;
}

static int accept_common(int kind, int fd, struct sockaddr *addr, socklen_t *addrlen, int flags)
{
	switch (kind) {
	case 'l':
		return accept_virtual(fd, addr, addrlen, flags);
	case 's':
		return zt_fail(EINVAL);
	default:
		return zt_fail(EOPNOTSUPP);
	}
}

ZT_EXPORT int accept(int fd, __SOCKADDR_ARG addr_arg, socklen_t *restrict addrlen)
{
	struct sockaddr *addr = ZT_SA(addr_arg);
	zt_shim_init();
	int kind;
	if (!zt_shim_enabled || !(kind = zt_fd_kind(fd)))
		return CALL_REAL(accept, fd, addr, addrlen);
	return accept_common(kind, fd, addr, addrlen, 0);
}

ZT_EXPORT int accept4(int fd, __SOCKADDR_ARG addr_arg, socklen_t *restrict addrlen, int flags)
{
	struct sockaddr *addr = ZT_SA(addr_arg);
	zt_shim_init();
	int kind;
	if (!zt_shim_enabled || !(kind = zt_fd_kind(fd)))
		return CALL_REAL(accept4, fd, addr, addrlen, flags);
	return accept_common(kind, fd, addr, addrlen, flags);
}

int zt_install_placeholder(int nfd, int fd, bool nonblock, bool nfd_nonblock)
{
	int fdfl = fcntl(fd, F_GETFD), e = 0;
	if (fdfl < 0 || (nonblock != nfd_nonblock && fcntl(nfd, F_SETFL, nonblock ? O_RDWR | O_NONBLOCK : O_RDWR) < 0))
		e = -errno;
	if (e == 0 && real_dup3(nfd, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0)
		e = -errno;
	real_close(nfd);
	return e;
}

/* connect() of a placeholder: the socket and its connection in one request (rpc.h, CONNECT_NEW).
 * Returns what connect() returns, or 1 when fd is now an 's' socket still to connect. */
static int connect_new(int fd, int kind, const struct zt_nc_addr *a, bool nonblock)
{
	uint8_t body[4 + ZT_NC_ADDR_LEN + 4 + ZT_NC_CARRIED_MAX];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, kind == 'U' ? AF_INET6 : AF_INET);
	zt_nc_put_addr(&b, a);
	zt_nc_put_u32(&b, nonblock ? ZT_NC_CONNECT_NONBLOCK : 0);
	zt_lazy_put_opts(fd, &b);
	struct zt_rpc_reply rep;
	int e = zt_rpc(ZT_NC_CONNECT_NEW, -1, body, b.off, !nonblock, &rep);
	if (e < 0)
		return zt_fail(unavailable(ZT_NC_CONNECT, e));
	bool again = rep.result == ZT_NC_CONNECT_AGAIN;
	bool install = rep.result == 0 || rep.result == -EINPROGRESS || again;
	if (rep.fd >= 0 && !install)
		real_close(rep.fd);
	if (install && rep.fd < 0)
		return zt_fail(unavailable(ZT_NC_CONNECT, -EPROTO));
	if (!install)
		return zt_fail(rep.result < 0 ? -rep.result : EPROTO);
	if (again && zt_fd_kind_any(rep.fd) != 's') {
		real_close(rep.fd);
		return zt_fail(unavailable(ZT_NC_CONNECT, -EPROTO));
	}
	if ((e = zt_install_placeholder(rep.fd, fd, nonblock, !again)) < 0)
		return zt_fail(-e);
	zt_lazy_forget(fd);
	if (again) {
		zt_lazy_opts_to_app_end(fd);
		zt_solo_set(fd, true);
		return 1;
	}
	zt_dgram_hint_set(fd, false); /* a kernel TCP socket now: read() and write() need not ask */
	return rep.result < 0 ? zt_fail(-rep.result) : 0;
}

ZT_EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr_arg, socklen_t len)
{
	const struct sockaddr *addr = ZT_CSA(addr_arg);
	zt_shim_init();
	int kind;
	if (!zt_shim_enabled || !(kind = zt_fd_kind_any(fd)))
		return CALL_REAL(connect, fd, addr, len);
	struct zt_nc_addr a;
	int e = zt_addr_in(&a, addr, len);
	if (e < 0)
		return zt_fail(-e);
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	bool nonblock = fl & O_NONBLOCK;
	if (kind == 'u' || kind == 'U') {
		zt_lazy_lock(fd);
		int now = zt_lazy_still(fd, kind), r = 1;
		if (now == kind)
			r = connect_new(fd, kind, &a, nonblock);
		zt_lazy_unlock(fd);
		if (r <= 0)
			return r;
		kind = now == kind ? 's' : now; /* another thread made it a socket meanwhile */
		if (!kind)
			return CALL_REAL(connect, fd, addr, len);
	}
	uint8_t body[ZT_NC_ADDR_LEN + 4];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_addr(&b, &a);
	/* a stream socket that may have copies must not be joined (hooks_fd.c, zt_solo) */
	zt_nc_put_u32(&b, (nonblock ? ZT_NC_CONNECT_NONBLOCK : 0) | (kind == 's' && !zt_solo(fd) ? ZT_NC_CONNECT_SHARED : 0));
	/* A blocking stream connect waits for the handshake; a signal ends the wait with EINTR as in the
	 * kernel, and the connection goes on (its late reply is dropped as stale). */
	bool waits = (kind == 's' || kind == 'l') && !nonblock;
	if (kind == 'd' || kind == 'D' || kind == 'c') /* connect(AF_UNSPEC) makes it unconnected again */
		zt_dgram_hint_set(fd, true);
	int r = simple_call(ZT_NC_CONNECT, fd, body, b.off, waits);
	if (r == ZT_NC_CONNECT_HOST) /* --fallthrough: fd is now a socket of the host's stack */
		return CALL_REAL(connect, fd, addr, len);
	return r;
}

/* GETSOCKNAME/GETPEERNAME for a virtual fd. */
int zt_name_call(enum zt_nc_op op, int fd, struct sockaddr *addr, socklen_t *len)
{
	if (!len || !addr)
		return zt_fail(EFAULT);
	struct zt_rpc_reply rep;
	int e = zt_rpc(op, fd, NULL, 0, false, &rep);
	if (e < 0)
		return zt_fail(unavailable(op, e));
	if (rep.fd >= 0)
		real_close(rep.fd);
	if (rep.result < 0)
		return zt_fail(-rep.result);
	struct zt_nc_buf b = {.p = rep.body, .len = rep.body_len};
	struct zt_nc_addr a;
	zt_nc_get_addr(&b, &a);
	if (b.bad)
		return zt_fail(unavailable(op, -EPROTO));
	e = zt_addr_out(&a, addr, len);
	return e < 0 ? zt_fail(-e) : 0;
}

ZT_EXPORT int getsockname(int fd, __SOCKADDR_ARG addr_arg, socklen_t *restrict len)
{
	struct sockaddr *addr = ZT_SA(addr_arg);
	zt_shim_init();
	if (!zt_shim_enabled || !zt_fd_kind(fd))
		return CALL_REAL(getsockname, fd, addr, len);
	return zt_name_call(ZT_NC_GETSOCKNAME, fd, addr, len);
}

ZT_EXPORT int getpeername(int fd, __SOCKADDR_ARG addr_arg, socklen_t *restrict len)
{
	struct sockaddr *addr = ZT_SA(addr_arg);
	zt_shim_init();
	if (!zt_shim_enabled || !zt_fd_kind(fd))
		return CALL_REAL(getpeername, fd, addr, len);
	return zt_name_call(ZT_NC_GETPEERNAME, fd, addr, len);
}

/* setsockopt of a virtual socket or a placeholder. */
static int setsockopt_virtual(int fd, int level, int name, const void *val, socklen_t len)
{
	int r;
	if (zt_lazy_hint(fd) && zt_lazy_setopt(fd, level, name, val, len, &r))
		return r;
	if (!zt_fd_kind(fd) || zt_appopt_is_local(level, name))
		return CALL_REAL(setsockopt, fd, level, name, val, len);
	if (len > ZT_NC_MAX_OPTLEN)
		return zt_fail(EINVAL);
	if (!val && len)
		return zt_fail(EFAULT);
	uint8_t body[12 + ZT_NC_MAX_OPTLEN];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, (uint32_t)level);
	zt_nc_put_u32(&b, (uint32_t)name);
	zt_nc_put_u32(&b, len);
	zt_nc_put_bytes(&b, val, len);
	r = simple_call(ZT_NC_SETSOCKOPT, fd, body, b.off, false);
	/* The app end's own send buffer bounds what the app can queue before blocking: follow the
	 * app's wish there too (best effort; the service's answer is the one reported). */
	if (r == 0 && level == SOL_SOCKET && name == SO_SNDBUF) {
		int saved = errno;
		real_setsockopt(fd, level, name, val, len);
		errno = saved;
	}
	return r;
}

ZT_EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return CALL_REAL(setsockopt, fd, level, name, val, len);
	int r = setsockopt_virtual(fd, level, name, val, len);
	if (zt_appopt_is_copied(level, name)) /* after the change: a listener's cached ones are stale */
		zt_lopts_changed();
	return r;
}

ZT_EXPORT int getsockopt(int fd, int level, int name, void *restrict val, socklen_t *restrict len)
{
	zt_shim_init();
	int r;
	if (zt_shim_enabled && zt_lazy_hint(fd) && zt_lazy_getopt(fd, level, name, val, len, &r))
		return r;
	if (!zt_shim_enabled || !zt_fd_kind(fd) || zt_appopt_is_local(level, name))
		return CALL_REAL(getsockopt, fd, level, name, val, len);
	if (!len || (!val && *len))
		return zt_fail(EFAULT);
	if ((int)*len < 0)
		return zt_fail(EINVAL);
	uint32_t maxlen = *len < ZT_NC_MAX_OPTLEN ? *len : ZT_NC_MAX_OPTLEN;
	uint8_t body[12];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, (uint32_t)level);
	zt_nc_put_u32(&b, (uint32_t)name);
	zt_nc_put_u32(&b, maxlen);
	struct zt_rpc_reply rep;
	int e = zt_rpc(ZT_NC_GETSOCKOPT, fd, body, b.off, false, &rep);
	if (e < 0)
		return zt_fail(unavailable(ZT_NC_GETSOCKOPT, e));
	if (rep.fd >= 0)
		real_close(rep.fd);
	if (rep.result < 0)
		return zt_fail(-rep.result);
	struct zt_nc_buf rb = {.p = rep.body, .len = rep.body_len};
	uint32_t got = zt_nc_get_u32(&rb);
	const void *bytes = zt_nc_get_bytes(&rb, got);
	if (rb.bad || got > maxlen)
		return zt_fail(unavailable(ZT_NC_GETSOCKOPT, -EPROTO));
	if (got)
		memcpy(val, bytes, got);
	*len = got;
	return 0;
}
