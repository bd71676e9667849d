/* The client side of rpc.h for tests; see rpc_client.h. */
#include "rpc_client.h"

#include "fdpass.h"
#include "harness.h"
#include "loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static uint32_t next_id;

int rpc_open(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	strncpy(sun.sun_path, path, sizeof(sun.sun_path) - 1);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The contract's own SCM_RIGHTS code (fdpass.h), with libc's calls. */
static const struct zt_fdpass_ops libc_ops = {sendmsg, recvmsg, close};

int rpc_send_fd(int sock, const void *msg, size_t len, int fd)
{
	ssize_t n = zt_fdpass_send(&libc_ops, sock, msg, len, fd, 0);
	return n < 0 ? (int)n : 0;
}

ssize_t rpc_recv_fd(int sock, uint8_t *buf, size_t len, int *fd_out)
{
	struct zt_fdpass_msg m;
	int err = zt_fdpass_recv(&libc_ops, sock, buf, len, 0, &m);
	*fd_out = err < 0 ? -1 : m.fd;
	return err < 0 ? err : (ssize_t)m.len;
}

int rpc_call(int ctl, enum zt_nc_op op, int fd, const uint8_t *body, size_t blen, int *fd_out, uint8_t *out,
             size_t *outlen)
{
	uint8_t msg[ZT_NC_MAX_MSG];
	struct zt_nc_buf b = {.p = msg, .len = sizeof(msg)};
	uint32_t id = ++next_id;
	zt_nc_put_req_hdr(&b, op, id);
	zt_nc_put_bytes(&b, body, blen);
	if (rpc_send_fd(ctl, msg, b.off, fd) < 0)
		return -EPIPE;
	uint8_t rep[ZT_NC_MAX_MSG];
	int rfd;
	ssize_t n = rpc_recv_fd(ctl, rep, sizeof(rep), &rfd);
	if (n < ZT_NC_REPLY_HDR_LEN)
		return -EPIPE;
	struct zt_nc_buf r = {.p = rep, .len = (size_t)n};
	uint32_t w = zt_nc_get_u32(&r), rid = zt_nc_get_u32(&r);
	int result = (int)zt_nc_get_u32(&r);
	if ((w & 0xff) != (uint32_t)op || rid != id)
		result = -EPROTO;
	if (fd_out)
		*fd_out = rfd;
	else if (rfd >= 0)
		close(rfd);
	if (out && outlen) {
		*outlen = r.len - r.off;
		memcpy(out, rep + r.off, *outlen);
	}
	return result;
}

int rpc_socket(int ctl, int domain, int type)
{
	uint8_t body[12];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, (uint32_t)domain);
	zt_nc_put_u32(&b, (uint32_t)type);
	zt_nc_put_u32(&b, 0);
	int fd = -1;
	int r = rpc_call(ctl, ZT_NC_SOCKET, -1, body, b.off, &fd, NULL, NULL);
	return r < 0 ? r : fd;
}

struct zt_nc_addr rpc_addr(const char *text, uint16_t port)
{
	struct zt_nc_addr a = {.family = strchr(text, ':') ? AF_INET6 : AF_INET, .port_be = htons(port)};
	inet_pton(a.family, text, a.addr);
	return a;
}

int rpc_addr_op(int ctl, enum zt_nc_op op, int fd, struct zt_nc_addr a, uint32_t flags, int *fd_out)
{
	uint8_t body[ZT_NC_ADDR_LEN + 4];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_addr(&b, &a);
	zt_nc_put_u32(&b, flags);
	return rpc_call(ctl, op, fd, body, op == ZT_NC_CONNECT ? b.off : ZT_NC_ADDR_LEN, fd_out, NULL, NULL);
}

int rpc_name(int ctl, enum zt_nc_op op, int fd, struct zt_nc_addr *a)
{
	uint8_t out[64];
	size_t n = 0;
	int r = rpc_call(ctl, op, fd, NULL, 0, NULL, out, &n);
	struct zt_nc_buf b = {.p = out, .len = n};
	if (r == 0)
		zt_nc_get_addr(&b, a);
	return r;
}

int rpc_client_run(struct zt_loop *loop, void (*fn)(void), int slice_ms)
{
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(zt_test_failures() ? 1 : 0);
	}
	int status = -1;
	int64_t deadline = zt_now_ms() + 30000;
	while (pid > 0 && waitpid(pid, &status, WNOHANG) == 0) {
		if (zt_now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		zt_loop_run_once(loop, slice_ms);
	}
	return status;
}
