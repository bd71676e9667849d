/* The socket service's request parser and handlers, fed through a real control connection. Byte 0 of
 * an input chooses which fd rides along (none, a TCP or a UDP virtual socket, a plain pipe) and, with
 * its top bit, whether the rest is sent raw; otherwise byte 1 picks the op and a valid header is put
 * in front of the rest, so the fuzzer spends its time in the request bodies. The service must answer
 * or hang up, never crash or hang. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "loop.h"
#include "stack/service.h"
#include "fdpass.h"
#include "rpc.h"

static struct zt_loop *loop;
static struct zt_service *svc;
static char path[108];
static int tcp_fd = -1, udp_fd = -1, pipe_fd = -1;

static int ctl_open(void)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	strcpy(sun.sun_path, path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The contract's own SCM_RIGHTS code (fdpass.h), with libc's calls. */
static const struct zt_fdpass_ops libc_ops = {sendmsg, recvmsg, close};

static void send_msg(int ctl, const void *msg, size_t len, int fd)
{
	zt_fdpass_send(&libc_ops, ctl, msg, len, fd, 0);
}

/* Runs the loop until a reply (or a hang-up) arrives on ctl; closes any fd the reply carried.
 * Returns 1 for a reply, 0 for a hang-up, -1 if nothing came (a hang: the fuzzer's timeout flags it). */
static int drain(int ctl, int *fd_out)
{
	for (int round = 0; round < 200; round++) {
		zt_loop_run_once(loop, round < 100 ? 0 : 5);
		uint8_t buf[ZT_NC_MAX_MSG];
		struct zt_fdpass_msg m;
		if (zt_fdpass_recv(&libc_ops, ctl, buf, sizeof(buf), MSG_DONTWAIT, &m) < 0)
			continue;
		if (fd_out && *fd_out < 0)
			*fd_out = m.fd;
		else if (m.fd >= 0)
			close(m.fd);
		return m.len > 0;
	}
	return -1;
}

static int make_socket(int ctl, int type)
{
	uint8_t msg[32];
	struct zt_nc_buf b = {.p = msg, .len = sizeof(msg)};
	zt_nc_put_req_hdr(&b, ZT_NC_SOCKET, 1);
	zt_nc_put_u32(&b, AF_INET6);
	zt_nc_put_u32(&b, (uint32_t)type);
	zt_nc_put_u32(&b, 0);
	send_msg(ctl, msg, b.off, -1);
	int fd = -1;
	drain(ctl, &fd);
	return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char dir[] = "/tmp/ztrun-fuzz-rpc.XXXXXX";
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/nc_fuzz", dir);
	if (zt_loop_new(&loop) < 0 ||
	    zt_service_new(&svc, loop, &(struct zt_service_config){.socket_path = path}) < 0)
		abort();
	int ctl = ctl_open();
	tcp_fd = make_socket(ctl, SOCK_STREAM);
	udp_fd = make_socket(ctl, SOCK_DGRAM);
	int p[2];
	if (ctl < 0 || tcp_fd < 0 || udp_fd < 0 || pipe(p) < 0)
		abort();
	pipe_fd = p[0];
	close(ctl);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const int fds[] = {-1, tcp_fd, udp_fd, pipe_fd};
	int ctl = ctl_open();
	if (ctl < 0)
		abort();
	if ((data[0] & 0x80) || size < 2) {
		send_msg(ctl, data + 1, size - 1, fds[data[0] % 4]);
	} else {
		uint8_t msg[ZT_NC_MAX_MSG + 64];
		struct zt_nc_buf b = {.p = msg, .len = sizeof(msg)};
		zt_nc_put_req_hdr(&b, (enum zt_nc_op)(1 + data[1] % ZT_NC_OP_LAST), 7);
		zt_nc_put_bytes(&b, data + 2,
		                size - 2 < sizeof(msg) - b.off ? size - 2 : sizeof(msg) - b.off);
		send_msg(ctl, msg, b.off, fds[data[0] % 4]);
	}
	if (drain(ctl, NULL) < 0)
		abort(); /* neither an answer nor a hang-up */
	close(ctl);
	/* let the service see the connection and any socket it made go */
	for (int i = 0; i < 4; i++)
		zt_loop_run_once(loop, 0);
	return 0;
}
