/* sockcalls: one client and server over 127.0.0.1 and ::1 that exercises every socket call the
 * preload shim intercepts. It must pass on the kernel as it does under `ztrun none -- sockcalls`:
 * every expectation here is the kernel's own behaviour. One line per check, then "N checks passed, M failed";
 * the exit status is nonzero on any failure. Takes no arguments (the exec check re-runs it with some). */
#include "sockcalls.h"

void test_socket_flags(int fam)
{
	const char *f = fam_name(fam);
	int types[2] = {SOCK_STREAM, SOCK_DGRAM};
	for (int t = 0; t < 2; t++) {
		const char *tn = types[t] == SOCK_STREAM ? "tcp" : "udp";
		int fd = socket(fam, types[t] | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (CHECK_MSG(fd >= 0, "%s %s: socket(SOCK_NONBLOCK|SOCK_CLOEXEC)", f, tn)) {
			CHECK_MSG(fl_nonblock(fd), "%s %s: SOCK_NONBLOCK gives O_NONBLOCK", f, tn);
			CHECK_MSG(fd_cloexec(fd), "%s %s: SOCK_CLOEXEC gives FD_CLOEXEC", f, tn);
			close(fd);
		}
		fd = socket(fam, types[t], 0);
		if (CHECK_MSG(fd >= 0, "%s %s: socket() without flags", f, tn)) {
			CHECK_MSG(!fl_nonblock(fd) && !fd_cloexec(fd),
			          "%s %s: no flags, neither O_NONBLOCK nor FD_CLOEXEC", f, tn);
			int v;
			CHECK_MSG(get_int_opt(fd, SOL_SOCKET, SO_TYPE, &v) == 0 && v == types[t],
			          "%s %s: SO_TYPE", f, tn);
			CHECK_MSG(get_int_opt(fd, SOL_SOCKET, SO_DOMAIN, &v) == 0 && v == fam,
			          "%s %s: SO_DOMAIN", f, tn);
			int proto = types[t] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
			CHECK_MSG(get_int_opt(fd, SOL_SOCKET, SO_PROTOCOL, &v) == 0 && v == proto,
			          "%s %s: SO_PROTOCOL", f, tn);
			CHECK_MSG(get_int_opt(fd, SOL_SOCKET, SO_ERROR, &v) == 0 && v == 0,
			          "%s %s: SO_ERROR is 0 on a new socket", f, tn);
			close(fd);
		}
	}
}

void test_sockopts(int fam)
{
	const char *f = fam_name(fam);
	int fd = socket(fam, SOCK_STREAM, 0);
	if (!CHECK_MSG(fd >= 0, "%s opts: socket", f))
		return;
	int v;
	struct {
		int level, name;
		const char *what;
	} bools[] = {
	    {SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR"},
	    {SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT"},
	    {SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE"},
	    {IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY"},
	};
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		CHECK_MSG(set_int_opt(fd, bools[i].level, bools[i].name, 1) == 0 &&
		              get_int_opt(fd, bools[i].level, bools[i].name, &v) == 0 && v != 0,
		          "%s opts: %s set to 1 reads back nonzero", f, bools[i].what);
		CHECK_MSG(set_int_opt(fd, bools[i].level, bools[i].name, 0) == 0 &&
		              get_int_opt(fd, bools[i].level, bools[i].name, &v) == 0 && v == 0,
		          "%s opts: %s set to 0 reads back 0", f, bools[i].what);
	}
	if (fam == AF_INET6) {
		CHECK_MSG(set_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) == 0 &&
		              get_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v) == 0 && v == 1,
		          "v6 opts: IPV6_V6ONLY 1");
		CHECK_MSG(set_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0) == 0 &&
		              get_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v) == 0 && v == 0,
		          "v6 opts: IPV6_V6ONLY 0");
	}
	CHECK_MSG(get_int_opt(fd, SOL_SOCKET, SO_RCVBUF, &v) == 0 && v > 0,
	          "%s opts: SO_RCVBUF readable (%d)", f, v);
	CHECK_MSG(get_int_opt(fd, SOL_SOCKET, SO_SNDBUF, &v) == 0 && v > 0,
	          "%s opts: SO_SNDBUF readable (%d)", f, v);
	CHECK_MSG(get_int_opt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v) == 0 && v == 0,
	          "%s opts: SO_ACCEPTCONN 0 before listen", f);
	errno = 0;
	CHECK_MSG(get_int_opt(fd, SOL_SOCKET, 7777, &v) < 0 && errno == ENOPROTOOPT,
	          "%s opts: an unknown option gives ENOPROTOOPT", f);
	struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
	CHECK_MSG(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "%s opts: SO_RCVTIMEO set",
	          f);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--exec-child") == 0)
		return exec_child(atoi(argv[2]), atoi(argv[3]));
	alarm(240); /* a hang must fail the test, not block it */
	int fams[2] = {AF_INET, AF_INET6};
	for (int i = 0; i < 2; i++) {
		test_socket_flags(fams[i]);
		test_sockopts(fams[i]);
		test_tcp_basic(fams[i]);
		test_connect_nonblocking(fams[i]);
		test_refused(fams[i]);
		test_half_close(fams[i]);
		test_big(fams[i], false);
		test_big(fams[i], true);
		test_udp(fams[i]);
		test_fork_listener(fams[i]);
		test_exec(fams[i]);
		test_dup(fams[i]);
	}
	test_dualstack();
	test_threads();
	return zt_check_report();
}
