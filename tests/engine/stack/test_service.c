/* The socket service driven through the raw contract of rpc.h, without the shim: real socketpairs,
 * real lwIP over the private loopback, a client in a forked process, the loop in this one. Also feeds
 * the control socket malformed messages, which must cost the client its connection and nothing more,
 * and takes all of lwIP's memory, which must cost the client ENOBUFS and nothing more.
 * Loopback connections go through lwIP here; test_joined.c has them joined as kernel TCP. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "loop.h"
#include "lwip/mem.h"
#include "stack/service.h"
#include "rpc_client.h"

static char sock_path[108], sock_path2[108];

static int nc_so_error(int ctl, int fd)
{
	uint8_t body[12], out[64];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, SOL_SOCKET);
	zt_nc_put_u32(&b, SO_ERROR);
	zt_nc_put_u32(&b, 4);
	size_t n = 0;
	int r = rpc_call(ctl, ZT_NC_GETSOCKOPT, fd, body, b.off, NULL, out, &n);
	if (r < 0)
		return r;
	int v = -1;
	if (n >= 8)
		memcpy(&v, out + 4, 4);
	return v;
}

static void scenario_tcp(void)
{
	int ctl = rpc_open(sock_path);
	CHECK(ctl >= 0);
	int ls = rpc_socket(ctl, AF_INET, SOCK_STREAM);
	CHECK(ls >= 0);
	CHECK(rpc_addr_op(ctl, ZT_NC_BIND, ls, rpc_addr("127.0.0.1", 0), 0, NULL) == 0);
	int lfd = -1;
	CHECK(rpc_call(ctl, ZT_NC_LISTEN, ls, (const uint8_t *)"\x10\0\0\0", 4, &lfd, NULL, NULL) == 0);
	CHECK(lfd >= 0);
	dup2(lfd, ls); /* what the shim does: the listener takes the socket's place */
	close(lfd);
	struct zt_nc_addr la;
	CHECK(rpc_name(ctl, ZT_NC_GETSOCKNAME, ls, &la) == 0);
	CHECK(la.family == AF_INET && la.port_be != 0);

	int cs = rpc_socket(ctl, AF_INET, SOCK_STREAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, cs, la, 0, NULL) == 0);
	uint8_t rec[64];
	int as = -1;
	CHECK(rpc_recv_fd(ls, rec, sizeof(rec), &as) == ZT_NC_ADDR_LEN);
	CHECK(as >= 0);
	struct zt_nc_addr peer, cname;
	CHECK(rpc_name(ctl, ZT_NC_GETPEERNAME, as, &peer) == 0);
	CHECK(rpc_name(ctl, ZT_NC_GETSOCKNAME, cs, &cname) == 0);
	CHECK(peer.port_be == cname.port_be);

	/* 4 MiB one way while the other side reads, then a half-close and a reply the other way */
	size_t total = 4 << 20, sent = 0, got = 0;
	uint8_t *src = malloc(total), *dst = malloc(total);
	for (size_t i = 0; i < total; i++)
		src[i] = (uint8_t)(i * 7 + (i >> 13));
	fcntl(cs, F_SETFL, O_NONBLOCK);
	while (got < total) {
		struct pollfd p[2] = {{cs, sent < total ? POLLOUT : 0, 0}, {as, POLLIN, 0}};
		if (poll(p, 2, 5000) <= 0)
			break;
		if (p[0].revents & POLLOUT) {
			ssize_t n = write(cs, src + sent, total - sent);
			if (n > 0)
				sent += (size_t)n;
		}
		if (p[1].revents & POLLIN) {
			ssize_t n = read(as, dst + got, total - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
	}
	CHECK(got == total && memcmp(src, dst, total) == 0);
	shutdown(cs, SHUT_WR);
	char c;
	CHECK(read(as, &c, 1) == 0); /* FIN arrived */
	CHECK(write(as, "pong", 4) == 4);
	fcntl(cs, F_SETFL, 0);
	char buf[8] = {0};
	CHECK(read(cs, buf, 4) == 4 && memcmp(buf, "pong", 4) == 0);
	close(as);
	CHECK(read(cs, buf, 1) == 0);
	free(src);
	free(dst);
	close(cs);
	close(ls);
	close(ctl);
}

/* The app writes and closes at once: what was still in the socketpair must all arrive, then EOF.
 * The sizes straddle what the buffers between the two ends hold (socketpairs, lwIP's send buffer
 * and window): for some of them the writer finishes and closes while the reader still sleeps, so
 * the service gets the hang-up with lwIP's send buffer full and bytes still in the socketpair. */
static void write_then_close(size_t total)
{
	int ctl = rpc_open(sock_path);
	int ls = rpc_socket(ctl, AF_INET, SOCK_STREAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_BIND, ls, rpc_addr("127.0.0.1", 0), 0, NULL) == 0);
	int lfd = -1;
	CHECK(rpc_call(ctl, ZT_NC_LISTEN, ls, (const uint8_t *)"\x10\0\0\0", 4, &lfd, NULL, NULL) == 0);
	dup2(lfd, ls);
	close(lfd);
	struct zt_nc_addr la;
	CHECK(rpc_name(ctl, ZT_NC_GETSOCKNAME, ls, &la) == 0);
	int cs = rpc_socket(ctl, AF_INET, SOCK_STREAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, cs, la, 0, NULL) == 0);
	uint8_t rec[64];
	int as = -1;
	CHECK(rpc_recv_fd(ls, rec, sizeof(rec), &as) == ZT_NC_ADDR_LEN);
	pid_t writer = fork();
	if (writer == 0) {
		uint8_t *buf = malloc(total);
		for (size_t i = 0; i < total; i++)
			buf[i] = (uint8_t)(i % 251);
		size_t off = 0;
		while (off < total) {
			ssize_t n = write(cs, buf + off, total - off);
			if (n <= 0)
				_exit(1);
			off += (size_t)n;
		}
		_exit(0); /* closes cs with its tail still queued */
	}
	close(cs);
	usleep(200 * 1000);
	size_t got = 0;
	bool intact = true;
	uint8_t buf[65536];
	for (;;) {
		ssize_t n = read(as, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			intact = intact && buf[i] == (uint8_t)((got + (size_t)i) % 251);
		got += (size_t)n;
	}
	int st;
	waitpid(writer, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (got != total)
		fprintf(stderr, "write_then_close(%zu): %zu bytes arrived\n", total, got);
	CHECK(got == total);
	CHECK(intact);
	close(as);
	close(ls);
	close(ctl);
}

static void scenario_write_then_close(void)
{
	for (size_t kib = 256; kib <= 2048; kib += 256)
		write_then_close(kib * 1024);
}

static void scenario_refused(void)
{
	int ctl = rpc_open(sock_path);
	int s = rpc_socket(ctl, AF_INET, SOCK_STREAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, s, rpc_addr("127.0.0.1", 1), 0, NULL) == -ECONNREFUSED);
	int t = rpc_socket(ctl, AF_INET, SOCK_STREAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, t, rpc_addr("127.0.0.1", 1), ZT_NC_CONNECT_NONBLOCK, NULL) ==
	      -EINPROGRESS);
	/* the app's end turns writable only when the handshake is over, as a kernel socket does */
	struct pollfd pw = {.fd = t, .events = POLLOUT};
	CHECK(poll(&pw, 1, 5000) == 1 && (pw.revents & POLLOUT));
	CHECK(nc_so_error(ctl, t) == ECONNREFUSED);
	CHECK(nc_so_error(ctl, t) == 0); /* reading SO_ERROR clears it */
	/* connect() repeated while the first is in progress answers once the handshake is over (hiredis
	 * checks its connects so): the error, or 0 for the first to find the connection made (Linux's
	 * answer there, once), never EALREADY; a connect() after that EISCONN */
	int u = rpc_socket(ctl, AF_INET, SOCK_STREAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, u, rpc_addr("127.0.0.1", 1), ZT_NC_CONNECT_NONBLOCK, NULL) ==
	      -EINPROGRESS);
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, u, rpc_addr("127.0.0.1", 1), ZT_NC_CONNECT_NONBLOCK, NULL) ==
	      -ECONNREFUSED);
	int ls = rpc_socket(ctl, AF_INET, SOCK_STREAM), lfd = -1;
	CHECK(rpc_addr_op(ctl, ZT_NC_BIND, ls, rpc_addr("127.0.0.1", 0), 0, NULL) == 0);
	CHECK(rpc_call(ctl, ZT_NC_LISTEN, ls, (const uint8_t *)"\x10\0\0\0", 4, &lfd, NULL, NULL) == 0);
	struct zt_nc_addr la;
	CHECK(rpc_name(ctl, ZT_NC_GETSOCKNAME, lfd, &la) == 0);
	int v = rpc_socket(ctl, AF_INET, SOCK_STREAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, v, la, ZT_NC_CONNECT_NONBLOCK, NULL) == -EINPROGRESS);
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, v, la, ZT_NC_CONNECT_NONBLOCK, NULL) == 0);
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, v, la, ZT_NC_CONNECT_NONBLOCK, NULL) == -EISCONN);
	close(u);
	close(v);
	close(lfd);
	close(ls);
	/* a fd that is not a virtual socket */
	CHECK(nc_so_error(ctl, 0) == -ENOTSOCK);
	close(s);
	close(t);
	close(ctl);
}

static void scenario_udp(void)
{
	int ctl = rpc_open(sock_path);
	int a = rpc_socket(ctl, AF_INET, SOCK_DGRAM), b = rpc_socket(ctl, AF_INET, SOCK_DGRAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_BIND, a, rpc_addr("127.0.0.1", 0), 0, NULL) == 0);
	struct zt_nc_addr aa;
	CHECK(rpc_name(ctl, ZT_NC_GETSOCKNAME, a, &aa) == 0);
	uint8_t dg[ZT_NC_ADDR_LEN + 5];
	struct zt_nc_buf w = {.p = dg, .len = sizeof(dg)};
	zt_nc_put_addr(&w, &aa);
	zt_nc_put_bytes(&w, "hello", 5);
	CHECK(send(b, dg, w.off, 0) == (ssize_t)w.off);
	uint8_t in[128];
	ssize_t got = recv(a, in, sizeof(in), 0);
	if (got != ZT_NC_ADDR_LEN + 5)
		fprintf(stderr, "udp recv: %zd %s\n", got, strerror(errno));
	CHECK(got == ZT_NC_ADDR_LEN + 5);
	struct zt_nc_buf r = {.p = in, .len = ZT_NC_ADDR_LEN};
	struct zt_nc_addr from, bname;
	zt_nc_get_addr(&r, &from);
	CHECK(memcmp(in + ZT_NC_ADDR_LEN, "hello", 5) == 0);
	CHECK(rpc_name(ctl, ZT_NC_GETSOCKNAME, b, &bname) == 0);
	CHECK(from.port_be == bname.port_be && from.port_be != 0);
	/* connected: raw datagrams both ways */
	int cfd = -1;
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, b, aa, 0, &cfd) == 0 && cfd >= 0);
	dup2(cfd, b);
	close(cfd);
	CHECK(write(b, "raw", 3) == 3);
	CHECK(recv(a, in, sizeof(in), 0) == ZT_NC_ADDR_LEN + 3);
	close(a);
	close(b);
	close(ctl);
}

/* Garbage, truncation, wrong versions, stray fds: each costs the sender its connection at most. */
static void scenario_bad_input(void)
{
	const struct {
		const char *what;
		uint8_t msg[16];
		size_t len;
	} bad[] = {
	    {"empty", {0}, 0},
	    {"short header", {1, 1, 0}, 3},
	    {"bad version", {1, 99, 0, 0, 1, 0, 0, 0}, 8},
	    {"unknown op", {200, 1, 0, 0, 1, 0, 0, 0}, 8},
	    {"truncated socket body", {1, 1, 0, 0, 1, 0, 0, 0, 2, 0}, 10},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ctl = rpc_open(sock_path);
		CHECK(ctl >= 0);
		rpc_send_fd(ctl, bad[i].msg, bad[i].len, -1);
		uint8_t rep[64];
		int fd;
		ssize_t n = rpc_recv_fd(ctl, rep, sizeof(rep), &fd);
		/* either a clear -EINVAL reply or a hang-up; never silence */
		if (n >= ZT_NC_REPLY_HDR_LEN) {
			struct zt_nc_buf r = {.p = rep + 8, .len = 4};
			int res = (int)zt_nc_get_u32(&r);
			if (res != -EINVAL)
				fprintf(stderr, "bad input '%s': result %d\n", bad[i].what, res);
			CHECK(res == -EINVAL);
		} else {
			CHECK(n == 0 || n == -ECONNRESET);
		}
		close(ctl);
	}
	/* oversized */
	int ctl = rpc_open(sock_path);
	uint8_t big[4096];
	memset(big, 0xab, sizeof(big));
	rpc_send_fd(ctl, big, sizeof(big), -1);
	int fd;
	uint8_t rep[64];
	CHECK(rpc_recv_fd(ctl, rep, sizeof(rep), &fd) <= 0);
	close(ctl);
	/* a client that asks and leaves before the answer */
	ctl = rpc_open(sock_path);
	int s = rpc_socket(ctl, AF_INET, SOCK_STREAM);
	uint8_t body[ZT_NC_ADDR_LEN + 4];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	struct zt_nc_addr dst = rpc_addr("127.0.0.1", 1);
	zt_nc_put_addr(&b, &dst);
	zt_nc_put_u32(&b, 0);
	uint8_t msg[64];
	struct zt_nc_buf m = {.p = msg, .len = sizeof(msg)};
	zt_nc_put_req_hdr(&m, ZT_NC_CONNECT, 1);
	zt_nc_put_bytes(&m, body, b.off);
	rpc_send_fd(ctl, msg, m.off, s);
	close(ctl);
	close(s);
	/* and the service still serves */
	ctl = rpc_open(sock_path);
	CHECK(ctl >= 0);
	s = rpc_socket(ctl, AF_INET6, SOCK_STREAM);
	CHECK(s >= 0);
	close(s);
	close(ctl);
}

/* Two services on one loop (ztrun service: one per network). Their app ends live in one abstract
 * namespace, so sockets of both, open at once, must get distinct names; and they share lwIP, so a
 * connection from one service's socket reaches the other's listener over the loopback. Runs first,
 * while both services' socket counts would start equal. */
static void scenario_two_services(void)
{
	int a = rpc_open(sock_path), b = rpc_open(sock_path2);
	CHECK(a >= 0 && b >= 0);
	int sa[3], sb[3];
	for (int i = 0; i < 3; i++) {
		sa[i] = rpc_socket(a, AF_INET, SOCK_STREAM);
		sb[i] = rpc_socket(b, AF_INET, SOCK_STREAM);
		CHECK(sa[i] >= 0 && sb[i] >= 0);
	}
	CHECK(rpc_addr_op(a, ZT_NC_BIND, sa[0], rpc_addr("127.0.0.1", 0), 0, NULL) == 0);
	int lfd = -1;
	CHECK(rpc_call(a, ZT_NC_LISTEN, sa[0], (const uint8_t *)"\x10\0\0\0", 4, &lfd, NULL, NULL) == 0);
	dup2(lfd, sa[0]);
	close(lfd);
	struct zt_nc_addr la;
	CHECK(rpc_name(a, ZT_NC_GETSOCKNAME, sa[0], &la) == 0);
	/* b's socket asked of a: not a's, whatever its number says */
	CHECK(rpc_addr_op(a, ZT_NC_CONNECT, sb[1], la, 0, NULL) == -ENOTSOCK);
	CHECK(rpc_addr_op(b, ZT_NC_CONNECT, sb[1], la, 0, NULL) == 0);
	uint8_t rec[64];
	int as = -1;
	CHECK(rpc_recv_fd(sa[0], rec, sizeof(rec), &as) == ZT_NC_ADDR_LEN);
	CHECK(write(sb[1], "ping", 4) == 4);
	char buf[8] = {0};
	CHECK(as >= 0 && read(as, buf, sizeof(buf)) == 4 && memcmp(buf, "ping", 4) == 0);
	close(as);
	for (int i = 0; i < 3; i++) {
		close(sa[i]);
		close(sb[i]);
	}
	close(a);
	close(b);
}

/* lwIP's memory is capped (64 MiB for all it holds, lwipopts.h): the loop's side takes all of it
 * (heap_fill) before this client runs, and gives it back after (heap_release). socket() then gets
 * ENOBUFS, TCP and UDP alike (lwIP may first end a connection in TIME_WAIT or closing to make room
 * for a PCB, as it does when its pool is short, hence a few tries; those that were made are held,
 * else closing them would give memory back), and the control connection keeps answering; the
 * scenarios after this one show the service whole again. */
static int held_fds[48], nheld;

/* socket() until one fails, holding those that did not (closed, they would give memory back) */
static int socket_until_refused(int ctl, int domain, int type)
{
	int r;
	while ((r = rpc_socket(ctl, domain, type)) >= 0) {
		if (nheld == (int)(sizeof(held_fds) / sizeof(held_fds[0]))) {
			close(r);
			break;
		}
		held_fds[nheld++] = r;
	}
	return r;
}

static void scenario_heap_full(void)
{
	int ctl = rpc_open(sock_path);
	CHECK(ctl >= 0);
	CHECK_EQ_INT(socket_until_refused(ctl, AF_INET, SOCK_STREAM), -ENOBUFS);
	CHECK_EQ_INT(socket_until_refused(ctl, AF_INET6, SOCK_STREAM), -ENOBUFS);
	CHECK_EQ_INT(socket_until_refused(ctl, AF_INET, SOCK_DGRAM), -ENOBUFS);
	while (nheld)
		close(held_fds[--nheld]);
	close(ctl);
}

static void *heap_hog[4096];
static size_t heap_hogs;

static void heap_fill(void)
{
	for (size_t size = 1 << 20; size >= 8; size /= 2) {
		void *p;
		while (heap_hogs < sizeof(heap_hog) / sizeof(heap_hog[0]) &&
		       (p = mem_malloc((mem_size_t)size)))
			heap_hog[heap_hogs++] = p;
	}
}

static void heap_release(void)
{
	while (heap_hogs)
		mem_free(heap_hog[--heap_hogs]);
}

/* An owner-only service: its socket is 0600, and a connection from another uid that gets through
 * anyway (the file made world-writable here) is hung up on without an answer. Needs root to be
 * another uid; without it only the mode is checked. */
static void scenario_owner_only(void)
{
	struct stat st;
	CHECK(stat(sock_path2, &st) == 0 && (st.st_mode & 0777) == 0600);
	if (geteuid() != 0)
		return;
	char dir[108];
	snprintf(dir, sizeof(dir), "%s", sock_path2);
	*strrchr(dir, '/') = '\0';
	CHECK(chmod(dir, 0711) == 0); /* others may reach the socket: only its own checks keep them out */
	pid_t pid = fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		if (rpc_open(sock_path2) >= 0)
			_exit(3); /* 0600 let another uid in */
		_exit(0);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(chmod(sock_path2, 0666) == 0);
	pid = fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		int ctl = rpc_open(sock_path2);
		if (ctl < 0)
			_exit(4);
		_exit(rpc_socket(ctl, AF_INET, SOCK_STREAM) >= 0 ? 5 : 0);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(chmod(sock_path2, 0600) == 0 && chmod(dir, 0700) == 0);
	/* and its owner still gets in */
	int ctl = rpc_open(sock_path2);
	int s = rpc_socket(ctl, AF_INET6, SOCK_STREAM);
	CHECK(ctl >= 0 && s >= 0);
	close(s);
	close(ctl);
}

int main(void)
{
	char dir[] = "/tmp/ztrun-svc-test.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock_path, sizeof(sock_path), "%s/nc_test", dir);
	snprintf(sock_path2, sizeof(sock_path2), "%s/nc_test2", dir);
	struct zt_loop *loop;
	struct zt_service *svc, *svc2;
	if (zt_loop_new(&loop) < 0 ||
	    zt_service_new(&svc, loop, &(struct zt_service_config){.socket_path = sock_path}) < 0 ||
	    zt_service_new(&svc2, loop,
	                   &(struct zt_service_config){.socket_path = sock_path2, .owner_only = true}) < 0) {
		fprintf(stderr, "cannot start service\n");
		return 1;
	}
	static const struct {
		const char *name;
		void (*fn)(void);
		void (*before)(void), (*after)(void); /* on the loop's side */
	} scenarios[] = {{"two_services", scenario_two_services, NULL, NULL},
	                 {"owner_only", scenario_owner_only, NULL, NULL},
	                 {"heap_full", scenario_heap_full, heap_fill, heap_release},
	                 {"tcp", scenario_tcp, NULL, NULL},
	                 {"write_then_close", scenario_write_then_close, NULL, NULL},
	                 {"refused", scenario_refused, NULL, NULL},
	                 {"udp", scenario_udp, NULL, NULL},
	                 {"bad_input", scenario_bad_input, NULL, NULL}};
	/* loopback connections through lwIP, not joined as kernel TCP (test_joined.c has those) */
	setenv("ZTRUN_JOIN_LOOPBACK", "0", 1);
	int passed = 0, failed = 0;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (scenarios[i].before)
			scenarios[i].before();
		int status = rpc_client_run(loop, scenarios[i].fn, 20);
		if (scenarios[i].after)
			scenarios[i].after();
		bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		printf("%s %s\n", ok ? "PASS" : "FAIL", scenarios[i].name);
		ok ? passed++ : failed++;
	}
	/* let the service see every client's sockets close, then nothing must be left */
	for (int i = 0; i < 50; i++)
		zt_loop_run_once(loop, 10);
	if (zt_service_socket_count(svc) + zt_service_socket_count(svc2) != 0) {
		printf("FAIL leak: %zu sockets still held\n",
		       zt_service_socket_count(svc) + zt_service_socket_count(svc2));
		failed++;
	}
	/* networks joined and left many times (ztrun service): each service's hooks go with it */
	char cycle_path[120];
	snprintf(cycle_path, sizeof(cycle_path), "%s/nc_cycle", dir);
	for (int i = 0; i < 100; i++) {
		struct zt_service *t = NULL;
		if (zt_service_new(&t, loop, &(struct zt_service_config){.socket_path = cycle_path}) < 0) {
			printf("FAIL service %d of a join/leave cycle could not start\n", i);
			failed++;
			break;
		}
		zt_loop_run_once(loop, 0);
		zt_service_free(t);
		zt_loop_run_once(loop, 0);
	}
	/* a service started on the path of one still running takes it over; the old one, freed later,
	 * leaves the new one's socket alone */
	struct zt_service *old_svc = NULL, *new_svc = NULL;
	struct stat st;
	if (zt_service_new(&old_svc, loop, &(struct zt_service_config){.socket_path = cycle_path}) < 0 ||
	    zt_service_new(&new_svc, loop, &(struct zt_service_config){.socket_path = cycle_path}) < 0) {
		printf("FAIL a second service on one path\n");
		failed++;
	}
	zt_service_free(old_svc);
	int probe = rpc_open(cycle_path);
	if (probe < 0) {
		printf("FAIL freeing the replaced service took the new one's socket\n");
		failed++;
	}
	close(probe);
	zt_loop_run_once(loop, 0);
	zt_service_free(new_svc);
	if (stat(cycle_path, &st) == 0) {
		printf("FAIL a freed service left its socket file\n");
		failed++;
	}
	zt_service_free(svc2);
	if (stat(sock_path2, &st) == 0) {
		printf("FAIL a freed service left its socket file\n");
		failed++;
	}
	zt_service_free(svc);
	zt_loop_free(loop);
	rmdir(dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
