/* SCM_RIGHTS done once for both sides of the contract (fdpass.h). */
#include "fdpass.h"

#include <errno.h>
#include <string.h>

ssize_t zt_fdpass_send(const struct zt_fdpass_ops *ops, int sock, const void *buf, size_t len, int fd,
                       int flags)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	ssize_t n = ops->sendmsg(sock, &m, flags | MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

int zt_fdpass_recv(const struct zt_fdpass_ops *ops, int sock, void *buf, size_t cap, int flags,
                   struct zt_fdpass_msg *msg)
{
	struct iovec iov = {.iov_base = buf, .iov_len = cap};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * ZT_FDPASS_MAX)];
	} c;
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof(c.buf)};
	*msg = (struct zt_fdpass_msg){.fd = -1};
	int rflags = (flags & ZT_FDPASS_INHERIT) ? flags & ~ZT_FDPASS_INHERIT : flags | MSG_CMSG_CLOEXEC;
	ssize_t n = ops->recvmsg(sock, &m, rflags);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0))
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int f;
			memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (msg->fd < 0) {
				msg->fd = f;
			} else {
				ops->close(f);
				msg->extra_fds++;
			}
		}
	}
	msg->len = (size_t)n;
	msg->truncated = m.msg_flags & MSG_TRUNC;
	msg->fds_lost = m.msg_flags & MSG_CTRUNC;
	return 0;
}
