/* One message with an fd attached (SCM_RIGHTS), as both sides of rpc.h send and receive it: the shim
 * (with its real_ socket calls) and the socket service (with libc's). Depends on libc only. */
#ifndef ZTRUN_FDPASS_H
#define ZTRUN_FDPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Most fds one received message may carry; more are lost to the kernel (fds_lost). No message of the
 * contract carries more than one. */
#define ZT_FDPASS_MAX 4

/* The calls a side makes them with. */
struct zt_fdpass_ops {
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*close)(int);
};

/* Sends buf as one message with fd attached (none if fd < 0), with flags | MSG_NOSIGNAL (a peer that
 * went away is an error here, never a SIGPIPE). The bytes sent, or -errno (EINTR is the caller's). */
ssize_t zt_fdpass_send(const struct zt_fdpass_ops *ops, int sock, const void *buf, size_t len, int fd,
                       int flags);

/* What one received message brought. */
struct zt_fdpass_msg {
	size_t len;     /* its bytes in the buffer; 0 when the peer closed */
	int fd;         /* the first fd it carried, now the caller's, or -1 */
	int extra_fds;  /* how many more it carried: a protocol error, already closed here */
	bool truncated; /* MSG_TRUNC: it was longer than the buffer */
	bool fds_lost;  /* MSG_CTRUNC: fds it carried were not installed (out of fds, or too many) */
};

/* Receives one message into buf with flags | MSG_CMSG_CLOEXEC (no received fd leaks into a child the
 * app runs), unless flags has ZT_FDPASS_INHERIT (for an fd the app wants without FD_CLOEXEC at once).
 * 0 with *msg filled, or -errno with nothing received (EINTR is the caller's). */
#define ZT_FDPASS_INHERIT 0x20000000 /* MSG_FASTOPEN, which means nothing to recvmsg */
int zt_fdpass_recv(const struct zt_fdpass_ops *ops, int sock, void *buf, size_t cap, int flags,
                   struct zt_fdpass_msg *msg);

#endif
