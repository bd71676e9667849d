/* Loopback connections joined as kernel TCP connections (src/engine/stack/joined.c), driven through the
 * raw contract of rpc.h as test_service.c drives the rest of the service: a client in a forked process,
 * the service's loop in this one. Skipped where no user namespace can be made (privnet.c needs one). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "loop.h"
#include "stack/privnet.h"
#include "stack/service.h"
#include "rpc_client.h"

static char sock_path[108];

/* A connect to a listener of the same service on the loopback is joined: the reply carries a
 * kernel TCP socket (of ztrun's own network namespace), connected to the one the listener's app
 * accepts, with the names the virtual sockets have; the service holds nothing for it. */
static void scenario_joined(void)
{
	int ctl = rpc_open(sock_path);
	CHECK(ctl >= 0);
	int ls = rpc_socket(ctl, AF_INET6, SOCK_STREAM), lfd = -1;
	CHECK(rpc_addr_op(ctl, ZT_NC_BIND, ls, rpc_addr("::", 0), 0, NULL) == 0);
	CHECK(rpc_call(ctl, ZT_NC_LISTEN, ls, (const uint8_t *)"\x10\0\0\0", 4, &lfd, NULL, NULL) == 0);
	struct zt_nc_addr la;
	CHECK(rpc_name(ctl, ZT_NC_GETSOCKNAME, lfd, &la) == 0);
	/* an IPv4 client to the dual-stack listener, non-blocking: EINPROGRESS as from a kernel, and
	 * the new socket, whose next connect() says 0 once */
	int cs = rpc_socket(ctl, AF_INET, SOCK_STREAM), c2 = -1;
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, cs, rpc_addr("127.0.0.1", ntohs(la.port_be)), ZT_NC_CONNECT_NONBLOCK,
	                  &c2) == -EINPROGRESS);
	CHECK(c2 >= 0);
	dup2(c2, cs);
	close(c2);
	int v = 0;
	socklen_t vl = sizeof(v);
	CHECK(getsockopt(cs, SOL_SOCKET, SO_DOMAIN, &v, &vl) == 0 && v == AF_INET);
	uint8_t rec[64];
	int as = -1;
	CHECK(rpc_recv_fd(lfd, rec, sizeof(rec), &as) == ZT_NC_ADDR_LEN && as >= 0);
	struct zt_nc_buf rb = {.p = rec, .len = ZT_NC_ADDR_LEN};
	struct zt_nc_addr from;
	bool armed = false;
	zt_nc_get_addr_flag(&rb, &from, ZT_NC_ADDR_RESET_UNACCEPTED, &armed);
	/* it comes set to reset if closed unaccepted, and the accepter turns that off (rpc.h) */
	struct linger lg = {0, 0};
	socklen_t ll = sizeof(lg);
	CHECK(armed && getsockopt(as, SOL_SOCKET, SO_LINGER, &lg, &ll) == 0 && lg.l_onoff == 1 && lg.l_linger == 0);
	lg.l_onoff = 0;
	CHECK(setsockopt(as, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	struct sockaddr_in cname, cpeer;
	struct sockaddr_in6 aname, apeer;
	socklen_t l1 = sizeof(cname), l2 = sizeof(cpeer), l3 = sizeof(aname), l4 = sizeof(apeer);
	CHECK(getsockname(cs, (struct sockaddr *)&cname, &l1) == 0 && getpeername(cs, (struct sockaddr *)&cpeer, &l2) == 0);
	CHECK(getsockname(as, (struct sockaddr *)&aname, &l3) == 0 && getpeername(as, (struct sockaddr *)&apeer, &l4) == 0);
	static const uint8_t v4mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
	CHECK(cname.sin_family == AF_INET && cname.sin_port != 0 && cname.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	CHECK(cpeer.sin_family == AF_INET && cpeer.sin_port == la.port_be);
	/* the accepting side sees the client as an IPv4-mapped address of its own IPv6 domain */
	CHECK(from.family == AF_INET6 && from.port_be == cname.sin_port && memcmp(from.addr, v4mapped, 16) == 0);
	CHECK(apeer.sin6_family == AF_INET6 && apeer.sin6_port == cname.sin_port &&
	      memcmp(&apeer.sin6_addr, v4mapped, 16) == 0);
	CHECK(aname.sin6_family == AF_INET6 && aname.sin6_port == la.port_be);
	CHECK(getsockopt(cs, SOL_SOCKET, SO_ERROR, &v, &vl) == 0 && v == 0);
	CHECK(connect(cs, (struct sockaddr *)&cpeer, sizeof(cpeer)) == 0);
	CHECK(connect(cs, (struct sockaddr *)&cpeer, sizeof(cpeer)) < 0 && errno == EISCONN);
	/* bytes and a half-close, both ways */
	fcntl(cs, F_SETFL, 0);
	CHECK(write(cs, "ping", 4) == 4);
	char buf[8] = {0};
	CHECK(read(as, buf, 4) == 4 && memcmp(buf, "ping", 4) == 0);
	shutdown(cs, SHUT_WR);
	CHECK(read(as, buf, 1) == 0);
	CHECK(write(as, "pong", 4) == 4);
	CHECK(read(cs, buf, 4) == 4 && memcmp(buf, "pong", 4) == 0);
	close(as);
	CHECK(read(cs, buf, 1) == 0);
	/* a disconnected joined socket reaches nothing outside the namespace: no route but loopback */
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	struct sockaddr_in out = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(0xc0000201)};
	CHECK(connect(cs, &unspec, sizeof(unspec)) == 0);
	CHECK(connect(cs, (struct sockaddr *)&out, sizeof(out)) < 0 && errno == ENETUNREACH);
	/* nobody listens on this port: lwIP's way, refused */
	int rs = rpc_socket(ctl, AF_INET, SOCK_STREAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, rs, rpc_addr("127.0.0.1", 1), 0, NULL) == -ECONNREFUSED);
	close(rs);
	close(cs);
	close(lfd);
	close(ls);
	close(ctl);
}

/* A socket of the namespace is the service's alone once it has it: the helper that made it has closed
 * its own copy, or a kernel listener the service closes would go on holding its port for a while, and
 * the app's bind() there right after its close() fail with EADDRINUSE. Returns the failures. */
static int privnet_handover(void)
{
	int failed = 0;
	for (int i = 0; i < 20 * 16 && !failed; i++) {
		int fd = zt_privnet_socket(i % 2 ? AF_INET6 : AF_INET);
		if (fd < 0)
			return 1;
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)zt_privnet_pid());
		DIR *d = opendir(path);
		if (!d)
			return 1;
		for (struct dirent *e; (e = readdir(d));)
			if (e->d_name[0] != '.' && strcmp(e->d_name, "0") != 0)
				failed++; /* anything but its channel */
		closedir(d);
		close(fd);
	}
	printf("%s privnet handover\n", failed ? "FAIL" : "PASS");
	return failed;
}

/* Whether this process may make a user and network namespace, as joining needs (privnet.c). */
static bool can_unshare(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 ? 0 : 1);
	int status = 1;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(void)
{
	if (!can_unshare()) {
		printf("SKIP joined: no user namespaces here\n");
		return 77;
	}
	char dir[] = "/tmp/ztrun-joined-test.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock_path, sizeof(sock_path), "%s/nc_test", dir);
	struct zt_loop *loop;
	struct zt_service *svc;
	if (zt_loop_new(&loop) < 0 ||
	    zt_service_new(&svc, loop, &(struct zt_service_config){.socket_path = sock_path}) < 0) {
		fprintf(stderr, "cannot start service\n");
		return 1;
	}
	unsetenv("ZTRUN_JOIN_LOOPBACK");
	int status = rpc_client_run(loop, scenario_joined, 20);
	int failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("%s joined\n", failed ? "FAIL" : "PASS");
	failed += privnet_handover();
	/* let the service see the client's sockets close: it holds nothing for a joined connection */
	for (int i = 0; i < 50; i++)
		zt_loop_run_once(loop, 10);
	if (zt_service_socket_count(svc) != 0) {
		printf("FAIL leak: %zu sockets still held\n", zt_service_socket_count(svc));
		failed++;
	}
	zt_service_free(svc);
	zt_loop_free(loop);
	rmdir(dir);
	return failed ? 1 : 0;
}
