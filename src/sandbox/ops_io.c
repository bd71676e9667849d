/* The data calls the supervisor makes for a stopped program (design: sandbox.h): accept() on a
 * listener's app end, and sends and receives on datagram sockets, whose bytes are framed behind an
 * address (rpc.h). The arguments are read from and the results written to the program's memory. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ancillary.h"
#include "appopt.h"
#include "sandbox_int.h"

/* The largest datagram payload carried (UDP's own limit, rounded up). */
#define MAX_DGRAM 65536

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
	int flags = c->nr == SYS_accept4 ? sb_low(c->args[3]) : 0;
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
	uint16_t fl = zt_nc_get_addr_flags(&b, &a, ZT_NC_ADDR_RESET_UNACCEPTED | ZT_NC_ADDR_ACK_ACCEPT);
	bool armed = fl & ZT_NC_ADDR_RESET_UNACCEPTED;
	struct linger off = {0, 0};
	e = armed && setsockopt(fd, SOL_SOCKET, SO_LINGER, &off, sizeof(off)) < 0 ? -errno : 0;
	if (!e)
		e = sb_set_nonblock(fd, flags & SOCK_NONBLOCK);
	if (!e)
		e = sb_write_addr(c, &a, c->args[1], c->args[2]);
	if (!e) /* the listener's timeouts, low-water mark and SO_LINGER, as a kernel's accepted socket */
		zt_appopt_copy(c->fd, fd, getsockopt, setsockopt);
	if (e < 0) {
		close(fd);
		sb_fail(c, -e);
		return;
	}
	/* The service holds nothing back from this loop, so there is room: it reads them at once. */
	if (fl & ZT_NC_ADDR_ACK_ACCEPT)
		send(c->fd, rec, ZT_NC_ADDR_LEN, MSG_DONTWAIT | MSG_NOSIGNAL);
	sb_answer_fd(c, fd, flags & SOCK_CLOEXEC);
}

void sb_op_accept(struct sb_call *c)
{
	if (c->kind != 'l') {
		sb_continue(c);
		return;
	}
	if (c->nr == SYS_accept4 && (sb_low(c->args[3]) & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))) {
		sb_fail(c, EINVAL);
		return;
	}
	accept_try(c);
}

/* ---- datagrams: each one framed behind its address on a 'd' or 'D' app end (rpc.h) ---- */

static bool framed(int kind)
{
	return kind == 'd' || kind == 'D';
}

/* The control messages of the program's sendmsg into an info block, as the shim reads them. */
static int read_control(struct sb_call *c, const struct msghdr *m, int family, struct zt_nc_info *info)
{
	uint8_t control[512];
	memset(info, 0, sizeof(*info));
	if (!m->msg_control || !m->msg_controllen)
		return 0;
	if (m->msg_controllen > sizeof(control))
		return -ENOBUFS;
	if (sb_read(c, (uintptr_t)m->msg_control, control, m->msg_controllen) < 0)
		return -EFAULT;
	struct msghdr local = {.msg_control = control, .msg_controllen = m->msg_controllen};
	return zt_anc_parse(&local, family, info);
}

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
	uint32_t sent = (uint32_t)((size_t)n - c->hdr);
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

void sb_op_send(struct sb_call *c)
{
	uint64_t name = 0, namelen = 0;
	struct msghdr m = {0};
	if (c->nr == SYS_sendto) {
		name = c->args[4];
		namelen = c->args[5];
		c->msgflags = sb_low(c->args[3]);
	} else {
		if (c->nr == SYS_sendmmsg && sb_low(c->args[2]) == 0) {
			sb_answer(c, 0);
			return;
		}
		if (sb_read(c, c->args[1], &m, sizeof(m)) < 0) {
			sb_fail(c, EFAULT);
			return;
		}
		name = (uintptr_t)m.msg_name;
		namelen = m.msg_namelen;
		c->msgflags = sb_low(c->nr == SYS_sendmsg ? c->args[2] : c->args[3]);
	}
	if (!name)
		namelen = 0;
	if (c->kind == 'l' || (!framed(c->kind) && !namelen)) {
		/* nothing to translate: the kernel's own answer */
		sb_continue(c);
		return;
	}
	if (framed(c->kind) && !namelen) {
		sb_fail(c, EDESTADDRREQ);
		return;
	}
	size_t hdr = 0, got = 0;
	c->buf = malloc(ZT_NC_ADDR_LEN + ZT_NC_INFO_LEN + MAX_DGRAM);
	if (!c->buf) {
		sb_fail(c, ENOBUFS);
		return;
	}
	int e = 0;
	if (framed(c->kind)) {
		struct zt_nc_addr a = {0};
		struct zt_nc_info info = {0};
		e = sb_read_addr(c, name, namelen, &a);
		if (!e)
			e = sb_dns_redirect(c->sb, &a);
		if (!e && c->nr != SYS_sendto)
			e = read_control(c, &m, a.family, &info);
		struct zt_nc_buf b = {.p = c->buf, .len = ZT_NC_ADDR_LEN + ZT_NC_INFO_LEN};
		zt_nc_put_frame(&b, &a, info.have ? &info : NULL);
		hdr = b.off;
	}
	c->hdr = hdr;
	/* On a connected socket the address is not carried: it goes to the peer (as TCP does). */
	if (!e && c->nr == SYS_sendto) {
		size_t len = c->args[2] < MAX_DGRAM ? (size_t)c->args[2] : MAX_DGRAM;
		if (framed(c->kind) && c->args[2] > MAX_DGRAM)
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

/* The info block of a datagram as recvmsg's control messages, written into the program's buffer. */
static int write_control(struct sb_call *c, struct msghdr *m, const struct zt_nc_info *info)
{
	uint8_t control[512];
	struct msghdr local = {.msg_control = control,
	                       .msg_controllen = m->msg_controllen < sizeof(control) ? m->msg_controllen
	                                                                           : sizeof(control)};
	if (!m->msg_control)
		local.msg_controllen = 0;
	zt_anc_build(&local, info);
	if (local.msg_controllen && sb_write(c, (uintptr_t)m->msg_control, control, local.msg_controllen) < 0)
		return -EFAULT;
	m->msg_controllen = local.msg_controllen;
	m->msg_flags |= local.msg_flags & MSG_CTRUNC;
	return 0;
}

/* A datagram for the program: on 'd' framed behind its source, on 'D' with an info block too, on 'c'
 * raw from the peer. */
static void recv_try(struct sb_call *c)
{
	size_t hdr = c->kind == 'd' ? ZT_NC_ADDR_LEN : c->kind == 'D' ? ZT_NC_ADDR_LEN + ZT_NC_INFO_LEN : 0;
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
	struct zt_nc_info info = {0};
	if (hdr) {
		struct zt_nc_buf b = {.p = c->buf, .len = (size_t)n};
		bool has_info;
		zt_nc_get_frame(&b, &a, &info, &has_info);
		if (b.bad || b.off != hdr || has_info != (c->kind == 'D')) {
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
			e = sb_write_addr(c, &a, c->args[4], c->args[5]);
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
	m.msg_flags = (size_t)copied < plen ? MSG_TRUNC : 0;
	if (c->kind != 'D')
		m.msg_controllen = 0;
	else if (write_control(c, &m, &info) < 0) {
		sb_fail(c, EFAULT);
		return;
	}
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

void sb_op_recv(struct sb_call *c)
{
	bool wants_name = c->nr == SYS_recvfrom;
	if (c->kind == 'c' && c->nr == SYS_recvmsg) {
		struct msghdr m;
		wants_name = sb_read(c, c->args[1], &m, sizeof(m)) == 0 && m.msg_name;
	}
	if (!framed(c->kind) && !(c->kind == 'c' && wants_name)) {
		/* a stream, or a connected datagram socket whose peer is not asked: the kernel's own bytes */
		sb_continue(c);
		return;
	}
	if (c->nr == SYS_recvmmsg && sb_low(c->args[2]) == 0) {
		sb_answer(c, 0);
		return;
	}
	c->msgflags = sb_low(c->nr == SYS_recvmsg ? c->args[2] : c->args[3]);
	c->buf = malloc(ZT_NC_ADDR_LEN + ZT_NC_INFO_LEN + MAX_DGRAM);
	if (!c->buf) {
		sb_fail(c, ENOBUFS);
		return;
	}
	if (c->kind == 'c')
		sb_ask(c, ZT_NC_GETPEERNAME, NULL, 0, peer_reply);
	else
		recv_try(c);
}

