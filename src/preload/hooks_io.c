/* Hooks for the send and receive calls. Bytes of a virtual stream ('s') or connected datagram ('c')
 * socket pass straight through the kernel; an unconnected datagram socket ('d') carries each
 * datagram behind a ZT_NC_ADDR_LEN-byte address, which these hooks add and strip. Datagram app ends
 * are SOCK_SEQPACKET (rpc.h), so boundaries hold and a 0-byte read means the service is gone. Nothing here
 * allocates, locks or talks to the service, except recvfrom/recvmsg asking for a 'c' peer's address. */
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ancillary.h"
#include "hooks.h"

/* File descriptors and credentials must not reach the service through a socketpair; the kernel
 * refuses them on a TCP or UDP socket. Other ancillary data is not carried (see the report). */
static int check_control(const struct msghdr *msg)
{
	if (!msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr))
		return 0;
	struct msghdr *m = (struct msghdr *)msg;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    (cm->cmsg_type == SCM_RIGHTS || cm->cmsg_type == SCM_CREDENTIALS))
			return -EINVAL;
	return 0;
}

static bool same_addr(const struct zt_nc_addr *x, const struct zt_nc_addr *y)
{
	return x->family == y->family && x->port_be == y->port_be &&
	       memcmp(x->addr, y->addr, x->family == AF_INET ? 4 : 16) == 0;
}

/* A destination given on a connected datagram socket: the socketpair cannot carry it, so it is
 * accepted only when it is the connected peer. */
static int check_peer(int fd, const struct sockaddr *to, socklen_t tolen)
{
	struct zt_nc_addr want, peer;
	int e = zt_addr_in(&want, to, tolen);
	if (e < 0)
		return e;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (zt_name_call(ZT_NC_GETPEERNAME, fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	zt_addr_in(&peer, (struct sockaddr *)&ss, len);
	return same_addr(&want, &peer) ? 0 : -EISCONN;
}

static ssize_t send_framed(int fd, const struct msghdr *msg, int flags)
{
	if (!msg->msg_name || !msg->msg_namelen)
		return zt_fail(EDESTADDRREQ);
	if (msg->msg_iovlen > IOV_MAX)
		return zt_fail(EMSGSIZE);
	struct zt_nc_addr a;
	int e = zt_addr_in(&a, msg->msg_name, msg->msg_namelen);
	struct zt_nc_info info;
	if (e == 0)
		e = zt_anc_parse(msg, a.family, &info);
	if (e < 0)
		return zt_fail(-e);
	uint8_t hdr[ZT_NC_ADDR_LEN + ZT_NC_INFO_LEN];
	struct zt_nc_buf b = {.p = hdr, .len = sizeof(hdr)};
	zt_nc_put_frame(&b, &a, info.have ? &info : NULL);
	struct iovec v[IOV_MAX + 1];
	v[0].iov_base = hdr;
	v[0].iov_len = b.off;
	if (msg->msg_iovlen)
		memcpy(&v[1], msg->msg_iov, msg->msg_iovlen * sizeof(struct iovec));
	struct msghdr m = {.msg_iov = v, .msg_iovlen = msg->msg_iovlen + 1};
	ssize_t n = real_sendmsg(fd, &m, flags);
	if (n < 0)
		return -1;
	return n > (ssize_t)b.off ? n - (ssize_t)b.off : 0;
}

/* sendmsg on a virtual fd of the given kind, as the kernel's TCP or UDP would answer it. */
static ssize_t send_virtual(int kind, int fd, const struct msghdr *msg, int flags)
{
	if (check_control(msg) < 0)
		return zt_fail(EINVAL);
	/* Datagram app ends are SOCK_SEQPACKET, which raises SIGPIPE once the service is gone; UDP never
	 * does. */
	if (kind == 'd' || kind == 'D' || kind == 'c')
		flags |= MSG_NOSIGNAL;
	struct msghdr m = {.msg_iov = msg->msg_iov, .msg_iovlen = msg->msg_iovlen};
	switch (kind) {
	case 'd':
	case 'D':
		return send_framed(fd, msg, flags);
	case 'c':
		if (msg->msg_name && msg->msg_namelen) {
			int e = check_peer(fd, msg->msg_name, msg->msg_namelen);
			if (e < 0)
				return zt_fail(-e);
		}
		return real_sendmsg(fd, &m, flags);
	case 's':
		/* TCP ignores a destination on a connected socket; with MSG_FASTOPEN it connects first. */
		if ((flags & MSG_FASTOPEN) && msg->msg_name && msg->msg_namelen &&
		    connect(fd, (const struct sockaddr *)msg->msg_name, msg->msg_namelen) < 0 &&
		    errno != EISCONN)
			return -1;
		return real_sendmsg(fd, &m, flags & ~MSG_FASTOPEN);
	default: /* a listener: there is no connection to send on */
		return zt_fail(EPIPE);
	}
}

/* A framed datagram; on 'D' each has the info block, which becomes the control messages. */
static ssize_t recv_framed(int kind, int fd, struct msghdr *msg, int flags)
{
	if (msg->msg_iovlen > IOV_MAX)
		return zt_fail(EMSGSIZE);
	uint8_t hdr[ZT_NC_ADDR_LEN + ZT_NC_INFO_LEN];
	const ssize_t hlen = kind == 'D' ? ZT_NC_ADDR_LEN + ZT_NC_INFO_LEN : ZT_NC_ADDR_LEN;
	struct iovec v[IOV_MAX + 1];
	v[0].iov_base = hdr;
	v[0].iov_len = (size_t)hlen;
	if (msg->msg_iovlen)
		memcpy(&v[1], msg->msg_iov, msg->msg_iovlen * sizeof(struct iovec));
	struct zt_nc_addr a;
	struct zt_nc_info info;
	struct msghdr m;
	ssize_t n;
	for (;;) {
		memset(&m, 0, sizeof(m));
		m.msg_iov = v;
		m.msg_iovlen = msg->msg_iovlen + 1;
		n = real_recvmsg(fd, &m, flags);
		if (n <= 0) /* 0: the service closed its end (an empty datagram still has its header) */
			return n;
		struct zt_nc_buf b = {.p = hdr, .len = (size_t)hlen};
		if (n >= hlen) {
			bool has_info;
			zt_nc_get_frame(&b, &a, &info, &has_info);
			if (!b.bad && has_info == (kind == 'D'))
				break;
		}
		/* A runt or malformed frame is the service's bug, not the app's datagram: drop it. */
		zt_shim_debug("dropped a malformed datagram frame of %zd bytes on fd %d", n, fd);
		if (flags & MSG_PEEK)
			real_recv(fd, hdr, 0, MSG_DONTWAIT);
	}
	msg->msg_flags = m.msg_flags;
	zt_anc_build(msg, &info);
	if (msg->msg_name) {
		socklen_t len = msg->msg_namelen;
		zt_addr_out(&a, msg->msg_name, &len);
		msg->msg_namelen = len;
	}
	return n - hlen;
}

/* Whether the stream behind fd never connected: its service end is still unnamed (rpc.h). */
static bool stream_never_connected(int fd)
{
	struct sockaddr_un peer;
	socklen_t len = sizeof(peer);
	int saved = errno;
	bool never = real_getpeername(fd, (struct sockaddr *)&peer, &len) == 0 &&
	             len <= offsetof(struct sockaddr_un, sun_path);
	errno = saved;
	return never;
}

/* A stream's recvmsg. TCP answers ENOTCONN on a socket that never connected, where the socketpair
 * says EAGAIN (Python's ssl probes an unconnected socket so): a read that finds nothing costs one
 * getpeername more; one with data costs nothing. (A blocking read still waits: see shim.h.) */
static ssize_t recv_stream(int fd, struct msghdr *m, int flags)
{
	ssize_t n = real_recvmsg(fd, m, flags);
	if (n < 0 && errno == EAGAIN && stream_never_connected(fd))
		return zt_fail(ENOTCONN);
	return n;
}

/* recvmsg on a virtual fd of the given kind. */
static ssize_t recv_virtual(int kind, int fd, struct msghdr *msg, int flags)
{
	if (flags & MSG_ERRQUEUE) /* no ICMP errors are queued for the app */
		return zt_fail(EAGAIN);
	if (kind == 'd' || kind == 'D')
		return recv_framed(kind, fd, msg, flags);
	if (kind == 'l')
		return zt_fail(ENOTCONN);
	struct msghdr m = {.msg_iov = msg->msg_iov, .msg_iovlen = msg->msg_iovlen};
	ssize_t n = kind == 's' ? recv_stream(fd, &m, flags) : real_recvmsg(fd, &m, flags);
	if (n < 0)
		return -1;
	msg->msg_flags = m.msg_flags;
	msg->msg_controllen = 0;
	if (msg->msg_name) {
		socklen_t len = 0;
		if (kind == 'c') {
			int saved = errno;
			len = msg->msg_namelen;
			if (zt_name_call(ZT_NC_GETPEERNAME, fd, msg->msg_name, &len) < 0)
				len = 0;
			errno = saved;
		}
		msg->msg_namelen = len; /* TCP reports no address */
	}
	return n;
}

ZT_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	zt_shim_init();
	int kind;
	if (!zt_shim_enabled || !(kind = zt_fd_kind(fd)))
		return CALL_REAL(send, fd, buf, len, flags);
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	return send_virtual(kind, fd, &m, flags);
}

ZT_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, __CONST_SOCKADDR_ARG to_arg,
                         socklen_t tolen)
{
	const struct sockaddr *to = ZT_CSA(to_arg);
	zt_shim_init();
	int kind;
	if (!zt_shim_enabled || !(kind = zt_fd_kind(fd)))
		return CALL_REAL(sendto, fd, buf, len, flags, to, tolen);
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr m = {
	    .msg_name = (void *)to, .msg_namelen = to ? tolen : 0, .msg_iov = &iov, .msg_iovlen = 1};
	return send_virtual(kind, fd, &m, flags);
}

/* Placeholders among the fds a native sendmsg passes (SCM_RIGHTS) become the service's sockets first:
 * the receiver's copy and the sender's must stay one socket, as the kernel's. */
static void realize_passed(const struct msghdr *msg)
{
	if (!zt_shim_enabled || !msg || !msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr))
		return;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(msg); h; h = CMSG_NXTHDR((struct msghdr *)msg, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS || h->cmsg_len < CMSG_LEN(0))
			continue;
		size_t n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int pfd;
			memcpy(&pfd, CMSG_DATA(h) + i * sizeof(int), sizeof(pfd));
			zt_realize_shared(pfd); /* and no longer solo */
		}
	}
}

ZT_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	zt_shim_init();
	int kind;
	if (!zt_shim_enabled || !(kind = zt_fd_kind(fd))) {
		realize_passed(msg);
		return CALL_REAL(sendmsg, fd, msg, flags);
	}
	if (!msg)
		return zt_fail(EFAULT);
	return send_virtual(kind, fd, msg, flags);
}

ZT_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	zt_shim_init();
	int kind;
	if (!zt_shim_enabled || !(kind = zt_fd_kind(fd))) {
		for (unsigned int i = 0; vec && i < vlen; i++)
			realize_passed(&vec[i].msg_hdr);
		return CALL_REAL(sendmmsg, fd, vec, vlen, flags);
	}
	if (vlen > IOV_MAX) /* the kernel's UIO_MAXIOV cap */
		vlen = IOV_MAX;
	unsigned int i;
	for (i = 0; i < vlen; i++) {
		ssize_t n = send_virtual(kind, fd, &vec[i].msg_hdr, flags);
		if (n < 0)
			return i ? (int)i : -1;
		vec[i].msg_len = (unsigned int)n;
	}
	return (int)i;
}

ZT_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	zt_shim_init();
	int kind;
	if (!zt_shim_enabled || !(kind = zt_fd_kind(fd)))
		return CALL_REAL(recv, fd, buf, len, flags);
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	return recv_virtual(kind, fd, &m, flags);
}

ZT_EXPORT ssize_t recvfrom(int fd, void *restrict buf, size_t len, int flags, __SOCKADDR_ARG from_arg,
                           socklen_t *restrict fromlen)
{
	struct sockaddr *from = ZT_SA(from_arg);
	zt_shim_init();
	int kind;
	if (!zt_shim_enabled || !(kind = zt_fd_kind(fd)))
		return CALL_REAL(recvfrom, fd, buf, len, flags, from, fromlen);
	if (from && !fromlen)
		return zt_fail(EFAULT);
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr m = {
	    .msg_name = from, .msg_namelen = from ? *fromlen : 0, .msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n = recv_virtual(kind, fd, &m, flags);
	if (n >= 0 && from)
		*fromlen = m.msg_namelen;
	return n;
}

ZT_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	zt_shim_init();
	int kind;
	if (!zt_shim_enabled || !(kind = zt_fd_kind(fd)))
		return CALL_REAL(recvmsg, fd, msg, flags);
	if (!msg)
		return zt_fail(EFAULT);
	return recv_virtual(kind, fd, msg, flags);
}

/* read() and write() on an fd the shim may have made a datagram socket (zt_dgram_hint): on an
 * unconnected one ('d', 'D') they are recv() without an address and a send() without a destination,
 * which UDP refuses; on anything else they stay the kernel's (and the hint goes). Returns true with
 * *r set when it answered. */
static bool dgram_rw(int fd, const struct iovec *iov, int iovcnt, bool out, ssize_t *r)
{
	zt_shim_init();
	if (!zt_shim_enabled || !zt_dgram_hint(fd))
		return false;
	int kind = zt_fd_kind(fd);
	if (kind != 'd' && kind != 'D') {
		if (kind != 'c') /* a connected datagram socket may be disconnected again */
			zt_dgram_hint_set(fd, false);
		return false;
	}
	if (iovcnt < 0 || iovcnt > IOV_MAX) {
		*r = zt_fail(EINVAL);
		return true;
	}
	struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
	*r = out ? zt_fail(EDESTADDRREQ) : recv_virtual(kind, fd, &m, 0);
	return true;
}

ZT_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	ssize_t r;
	if (dgram_rw(fd, &iov, 1, false, &r))
		return r;
	return CALL_REAL(read, fd, buf, len);
}

ZT_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	ssize_t r;
	if (dgram_rw(fd, &iov, 1, true, &r))
		return r;
	return CALL_REAL(write, fd, buf, len);
}

ZT_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t r;
	if (dgram_rw(fd, iov, iovcnt, false, &r))
		return r;
	return CALL_REAL(readv, fd, iov, iovcnt);
}

ZT_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t r;
	if (dgram_rw(fd, iov, iovcnt, true, &r))
		return r;
	return CALL_REAL(writev, fd, iov, iovcnt);
}

static bool past(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

ZT_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *tmo)
{
	zt_shim_init();
	int kind;
	if (!zt_shim_enabled || !(kind = zt_fd_kind(fd)))
		return CALL_REAL(recvmmsg, fd, vec, vlen, flags, tmo);
	if (tmo && (tmo->tv_sec < 0 || tmo->tv_nsec < 0 || tmo->tv_nsec >= 1000000000L))
		return zt_fail(EINVAL);
	if (vlen > IOV_MAX)
		vlen = IOV_MAX;
	/* As in the kernel, the timeout is checked after each datagram, never while waiting. */
	struct timespec deadline = {0, 0};
	if (tmo) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += tmo->tv_sec;
		deadline.tv_nsec += tmo->tv_nsec;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	int each = flags & ~MSG_WAITFORONE;
	unsigned int i;
	for (i = 0; i < vlen; i++) {
		ssize_t n = recv_virtual(kind, fd, &vec[i].msg_hdr, each);
		if (n < 0)
			return i ? (int)i : -1;
		vec[i].msg_len = (unsigned int)n;
		if (flags & MSG_WAITFORONE)
			each |= MSG_DONTWAIT;
		if (tmo && past(&deadline)) {
			i++;
			break;
		}
	}
	return (int)i;
}

ZT_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	zt_shim_init();
	/* An overflowing length goes to libc's own check, which reports it as FORTIFY does. */
	if (len > buflen || !zt_shim_enabled)
		return CALL_REAL(recv_chk, fd, buf, len, buflen, flags);
	return recv(fd, buf, len, flags);
}

ZT_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
                                 __SOCKADDR_ARG from_arg, socklen_t *fromlen)
{
	struct sockaddr *from = ZT_SA(from_arg);
	zt_shim_init();
	if (len > buflen || !zt_shim_enabled)
		return CALL_REAL(recvfrom_chk, fd, buf, len, buflen, flags, from, fromlen);
	return recvfrom(fd, buf, len, flags, from, fromlen);
}

ZT_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	zt_shim_init();
	int r;
	if (zt_shim_enabled && zt_if_ioctl(fd, request, arg, &r))
		return r;
	r = CALL_REAL(ioctl, fd, request, arg);
	if (r != 0 || request != FIONREAD || !zt_shim_enabled || !arg)
		return r;
	/* UDP answers the size of the next datagram; a SOCK_SEQPACKET app end would count every queued
	 * one, and on 'd' our address headers too. */
	int kind = zt_fd_kind(fd);
	if (kind == 'd' || kind == 'D' || kind == 'c') {
		int saved = errno;
		ssize_t next = real_recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		ssize_t hlen = kind == 'D' ? ZT_NC_ADDR_LEN + ZT_NC_INFO_LEN : kind == 'd' ? ZT_NC_ADDR_LEN : 0;
		if (next > 0)
			next = next > hlen ? next - hlen : 0;
		*(int *)arg = next > 0 ? (int)next : 0;
		errno = saved;
	}
	return r;
}
