/* The shim's own socket calls on native fds, made as raw syscalls that carry ZT_NC_SYSCALL_COOKIE
 * (rpc.h) so that ztrun's seccomp filter lets them through without stopping at its supervisor: a
 * dynamically linked program pays nothing for the filter. libc's wrappers for these calls are thin
 * (the one difference: these are no pthread cancellation points). */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#define COOKIE ((long)ZT_NC_SYSCALL_COOKIE)

static int d_bind(int fd, const struct sockaddr *a, socklen_t l)
{
	return (int)syscall(SYS_bind, fd, a, l, 0, 0, COOKIE);
}

static int d_listen(int fd, int backlog)
{
	return (int)syscall(SYS_listen, fd, backlog, 0, 0, 0, COOKIE);
}

static int d_accept4(int fd, struct sockaddr *a, socklen_t *l, int flags)
{
	return (int)syscall(SYS_accept4, fd, a, l, flags, 0, COOKIE);
}

static int d_accept(int fd, struct sockaddr *a, socklen_t *l)
{
	return d_accept4(fd, a, l, 0);
}

static int d_connect(int fd, const struct sockaddr *a, socklen_t l)
{
	return (int)syscall(SYS_connect, fd, a, l, 0, 0, COOKIE);
}

static int d_getsockname(int fd, struct sockaddr *a, socklen_t *l)
{
	return (int)syscall(SYS_getsockname, fd, a, l, 0, 0, COOKIE);
}

static int d_getpeername(int fd, struct sockaddr *a, socklen_t *l)
{
	return (int)syscall(SYS_getpeername, fd, a, l, 0, 0, COOKIE);
}

static int d_setsockopt(int fd, int level, int name, const void *v, socklen_t l)
{
	return (int)syscall(SYS_setsockopt, fd, level, name, v, l, COOKIE);
}

static int d_getsockopt(int fd, int level, int name, void *v, socklen_t *l)
{
	return (int)syscall(SYS_getsockopt, fd, level, name, v, l, COOKIE);
}

static ssize_t d_sendmsg(int fd, const struct msghdr *m, int flags)
{
	return syscall(SYS_sendmsg, fd, m, flags, 0, 0, COOKIE);
}

static ssize_t d_recvmsg(int fd, struct msghdr *m, int flags)
{
	return syscall(SYS_recvmsg, fd, m, flags, 0, 0, COOKIE);
}

static int d_sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	return (int)syscall(SYS_sendmmsg, fd, v, n, flags, 0, COOKIE);
}

static int d_recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags, struct timespec *t)
{
	return (int)syscall(SYS_recvmmsg, fd, v, n, flags, t, COOKIE);
}

/* sendto and recvfrom use all six arguments: with an address they become sendmsg and recvmsg. */
static ssize_t d_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                        socklen_t tolen)
{
	if (!to)
		return syscall(SYS_sendto, fd, buf, len, flags, NULL, 0);
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr m = {.msg_name = (void *)to, .msg_namelen = tolen, .msg_iov = &iov, .msg_iovlen = 1};
	return d_sendmsg(fd, &m, flags);
}

static ssize_t d_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	if (!from)
		return syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
	if (!fromlen) {
		errno = EFAULT;
		return -1;
	}
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr m = {.msg_name = from, .msg_namelen = *fromlen, .msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n = d_recvmsg(fd, &m, flags);
	if (n >= 0)
		*fromlen = m.msg_namelen;
	return n;
}

static ssize_t (*libc_recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);

static ssize_t d_recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags, struct sockaddr *from,
                              socklen_t *fromlen)
{
	if (len > buflen && libc_recvfrom_chk) /* libc reports the overflow and aborts */
		return libc_recvfrom_chk(fd, buf, len, buflen, flags, from, fromlen);
	return d_recvfrom(fd, buf, len, flags, from, fromlen);
}

void zt_direct_init(void)
{
	real_bind = d_bind;
	real_listen = d_listen;
	real_accept = d_accept;
	real_accept4 = d_accept4;
	real_connect = d_connect;
	real_getsockname = d_getsockname;
	real_getpeername = d_getpeername;
	real_setsockopt = d_setsockopt;
	real_getsockopt = d_getsockopt;
	real_sendto = d_sendto;
	real_sendmsg = d_sendmsg;
	real_sendmmsg = d_sendmmsg;
	real_recvfrom = d_recvfrom;
	real_recvmsg = d_recvmsg;
	real_recvmmsg = d_recvmmsg;
	libc_recvfrom_chk = real_recvfrom_chk;
	if (real_recvfrom_chk)
		real_recvfrom_chk = d_recvfrom_chk;
}
