/* The shim's resolver and interface list.
 *   test_hooks_resolv unit SHIM.so  - preloaded, no service: numeric getaddrinfo/getnameinfo match
 *                                      libc's own answers; /etc/hosts and localhost; errors; a name
 *                                      beyond /etc/hosts fails at once with EAI_AGAIN / TRY_AGAIN.
 *   ztrun none -- test_hooks_resolv ztrun
 *                                    - a fake DNS server thread on the virtual 127.0.0.1:53 (UDP and
 *                                      TCP) and ZTRUN_RESOLV_CONF naming it: A/AAAA, CNAME, search
 *                                      list, NXDOMAIN, NODATA, truncation to TCP, garbage and foreign
 *                                      replies ignored, PTR, res_query, many threads at once, getaddrinfo_a; and
 *                                      getifaddrs/if_nameindex show only lo. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <pthread.h>
#include <resolv.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

#include "fake_dns.h"
#include "harness.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int count_addrs(const struct addrinfo *ai, int family)
{
	int n = 0;
	for (; ai; ai = ai->ai_next)
		n += ai->ai_family == family;
	return n;
}

static bool has_addr(const struct addrinfo *ai, const char *text)
{
	for (; ai; ai = ai->ai_next) {
		char buf[INET6_ADDRSTRLEN];
		const void *a = ai->ai_family == AF_INET
		                    ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
		                    : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if (inet_ntop(ai->ai_family, a, buf, sizeof(buf)) && strcmp(buf, text) == 0)
			return true;
	}
	return false;
}

/* ---- unit: no service, compared with libc ---- */

typedef int gai_fn(const char *, const char *, const struct addrinfo *, struct addrinfo **);

static bool same_list(const struct addrinfo *a, const struct addrinfo *b)
{
	for (; a && b; a = a->ai_next, b = b->ai_next) {
		if (a->ai_family != b->ai_family || a->ai_socktype != b->ai_socktype ||
		    a->ai_protocol != b->ai_protocol || a->ai_addrlen != b->ai_addrlen ||
		    memcmp(a->ai_addr, b->ai_addr, a->ai_addrlen) != 0 ||
		    !a->ai_canonname != !b->ai_canonname ||
		    (a->ai_canonname && strcmp(a->ai_canonname, b->ai_canonname) != 0))
			return false;
	}
	return !a && !b;
}

static void test_numeric_like_libc(void)
{
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	gai_fn *libc_gai = libc ? (gai_fn *)dlsym(libc, "getaddrinfo") : NULL;
	CHECK_MSG(libc_gai && libc_gai != getaddrinfo, "libc's own getaddrinfo to compare with");
	if (!libc_gai)
		return;
	static const char *hosts[] = {"127.0.0.1",      "127.1",     "10.1.2.3", "::1", "fe80::1%1",
	                              "::ffff:1.2.3.4", "1.2.3.4 x", "0x7f.1",   NULL};
	static const char *servs[] = {"80", "http", "domain", NULL, "65536", "-1", " 22", "nosuch", ""};
	static const struct {
		int family, socktype, protocol, flags;
	} hints[] = {
	    {0, 0, 0, 0},
	    {AF_INET, 0, 0, 0},
	    {AF_INET6, 0, 0, 0},
	    {AF_INET6, 0, 0, AI_V4MAPPED},
	    {AF_INET6, 0, 0, AI_V4MAPPED | AI_ALL},
	    {0, SOCK_STREAM, 0, AI_CANONNAME},
	    {0, SOCK_DGRAM, 0, AI_PASSIVE | AI_NUMERICHOST},
	    {0, 0, IPPROTO_UDP, 0},
	    {0, SOCK_RAW, 0, 0},
	    {0, SOCK_STREAM, IPPROTO_UDP, 0},
	    {0, SOCK_SEQPACKET, 0, 0},
	    {0, 0, IPPROTO_SCTP, AI_NUMERICSERV},
	    {0, 0, 0, AI_PASSIVE},
	    {AF_UNIX, 0, 0, 0},
	    {0, 0, 0, 0x8000},
	};
	int cases = 0, same = 0;
	for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
		for (size_t s = 0; s < sizeof(servs) / sizeof(servs[0]); s++) {
			for (size_t k = 0; k < sizeof(hints) / sizeof(hints[0]); k++) {
				if (!hosts[h] && !servs[s])
					continue;
				if (strcmp(hosts[h] ? hosts[h] : "", "1.2.3.4 x") == 0 &&
				    !(hints[k].flags & AI_NUMERICHOST))
					continue; /* libc would ask DNS for that one */
				struct addrinfo hi = {.ai_family = hints[k].family,
				                      .ai_socktype = hints[k].socktype,
				                      .ai_protocol = hints[k].protocol,
				                      .ai_flags = hints[k].flags};
				struct addrinfo *ours = NULL, *theirs = NULL;
				int e1 = getaddrinfo(hosts[h], servs[s], &hi, &ours);
				int e2 = libc_gai(hosts[h], servs[s], &hi, &theirs);
				cases++;
				if (e1 == e2 && (e1 != 0 || same_list(ours, theirs)))
					same++;
				else
					printf("     differs: host %s serv %s hints #%zu: ours %d libc %d\n",
					       hosts[h], servs[s] ? servs[s] : "(null)", k, e1, e2);
				if (!e1)
					freeaddrinfo(ours);
				if (!e2)
					freeaddrinfo(theirs);
			}
		}
	}
	printf("     %d of %d numeric cases as libc answers them\n", same, cases);
	CHECK_MSG(same == cases, "numeric getaddrinfo: results and errors as libc's");

	typedef int gni_fn(const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int);
	gni_fn *libc_gni = (gni_fn *)dlsym(libc, "getnameinfo");
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(22), .sin6_scope_id = 77};
	inet_pton(AF_INET6, "fe80::5", &in6.sin6_addr);
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(53)};
	inet_pton(AF_INET, "10.0.0.9", &in.sin_addr);
	int flagsets[] = {NI_NUMERICHOST | NI_NUMERICSERV, NI_NUMERICHOST, NI_NUMERICHOST | NI_DGRAM};
	bool all = true;
	for (size_t i = 0; i < 3; i++) {
		char h1[64], s1[32], h2[64], s2[32];
		int a = getnameinfo((struct sockaddr *)&in, sizeof(in), h1, sizeof(h1), s1, sizeof(s1),
		                    flagsets[i]);
		int b =
		    libc_gni((struct sockaddr *)&in, sizeof(in), h2, sizeof(h2), s2, sizeof(s2), flagsets[i]);
		all = all && a == b && !strcmp(h1, h2) && !strcmp(s1, s2);
		a = getnameinfo((struct sockaddr *)&in6, sizeof(in6), h1, sizeof(h1), s1, sizeof(s1),
		                flagsets[i]);
		b = libc_gni((struct sockaddr *)&in6, sizeof(in6), h2, sizeof(h2), s2, sizeof(s2),
		             flagsets[i]);
		/* the scope: libc names the host's interface 77 if it has one; we have none, so both say 77
		 */
		all = all && a == b && !strcmp(s1, s2) && !strcmp(h1, "fe80::5%77");
	}
	CHECK_MSG(all, "numeric getnameinfo as libc's");
	char tiny[4];
	CHECK_MSG(getnameinfo((struct sockaddr *)&in, sizeof(in), tiny, sizeof(tiny), NULL, 0,
	                      NI_NUMERICHOST) == EAI_OVERFLOW,
	          "getnameinfo: EAI_OVERFLOW for a short buffer");
}

static void test_files_and_offline(void)
{
	struct addrinfo hi = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_CANONNAME}, *ai = NULL;
	CHECK_MSG(getaddrinfo("localhost", "80", &hi, &ai) == 0 && has_addr(ai, "127.0.0.1") &&
	              ai->ai_canonname && strcmp(ai->ai_canonname, "localhost") == 0,
	          "localhost from /etc/hosts, with its canonical name");
	if (ai)
		freeaddrinfo(ai);
	hi.ai_family = AF_INET6;
	ai = NULL;
	CHECK_MSG(getaddrinfo("localhost", "80", &hi, &ai) == 0 && has_addr(ai, "::1"),
	          "localhost over IPv6: ::1 (RFC 6761), never asked of DNS");
	if (ai)
		freeaddrinfo(ai);
	ai = NULL;
	hi.ai_family = AF_UNSPEC;
	CHECK_MSG(getaddrinfo("foo.localhost.", NULL, &hi, &ai) == 0 && has_addr(ai, "127.0.0.1") &&
	              has_addr(ai, "::1"),
	          "names under .localhost are loopback");
	if (ai)
		freeaddrinfo(ai);

	double t0 = now_s();
	ai = NULL;
	int e = getaddrinfo("example.com", "80", NULL, &ai);
	CHECK_MSG(e == EAI_AGAIN && now_s() - t0 < 1.0,
	          "no nameserver: EAI_AGAIN at once, as glibc with none reachable");
	struct hostent *he = gethostbyname("example.com");
	CHECK_MSG(!he && h_errno == TRY_AGAIN, "gethostbyname without a nameserver: TRY_AGAIN");
	he = gethostbyname("localhost");
	CHECK_MSG(he && he->h_addrtype == AF_INET && he->h_length == 4 &&
	              strcmp(he->h_name, "localhost") == 0 && he->h_addr_list[0] &&
	              ((uint8_t *)he->h_addr_list[0])[0] == 127 && !he->h_addr_list[1],
	          "gethostbyname(localhost)");
	he = gethostbyname2("10.1.2.3", AF_INET);
	CHECK_MSG(he && strcmp(he->h_name, "10.1.2.3") == 0 && ((uint8_t *)he->h_addr_list[0])[3] == 3,
	          "gethostbyname2 of a numeric name is that address");
	struct hostent ret, *res = NULL;
	char small[8];
	int herr = 0;
	CHECK_MSG(gethostbyname_r("localhost", &ret, small, sizeof(small), &res, &herr) == ERANGE && !res &&
	              herr == NETDB_INTERNAL,
	          "gethostbyname_r: ERANGE for a small buffer");
	char big[1024];
	CHECK_MSG(gethostbyname2_r("localhost", AF_INET, &ret, big, sizeof(big), &res, &herr) == 0 &&
	              res == &ret,
	          "gethostbyname2_r(localhost)");
	CHECK_MSG(gethostbyname2_r("localhost", AF_UNIX, &ret, big, sizeof(big), &res, &herr) == EAFNOSUPPORT,
	          "gethostbyname2_r: EAFNOSUPPORT for another family");
	uint8_t lo[4] = {127, 0, 0, 1};
	he = gethostbyaddr(lo, 4, AF_INET);
	CHECK_MSG(he && strcmp(he->h_name, "localhost") == 0, "gethostbyaddr(127.0.0.1) from /etc/hosts");
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	char host[64];
	CHECK_MSG(getnameinfo((struct sockaddr *)&in, sizeof(in), host, sizeof(host), NULL, 0, 0) == 0 &&
	              strcmp(host, "localhost") == 0,
	          "getnameinfo(127.0.0.1) from /etc/hosts");
	in.sin_addr.s_addr = inet_addr("10.7.7.7");
	CHECK_MSG(getnameinfo((struct sockaddr *)&in, sizeof(in), host, sizeof(host), NULL, 0, 0) == 0 &&
	              strcmp(host, "10.7.7.7") == 0,
	          "getnameinfo of an unknown address: numeric");
	CHECK_MSG(getnameinfo((struct sockaddr *)&in, sizeof(in), host, sizeof(host), NULL, 0, NI_NAMEREQD) ==
	              EAI_AGAIN,
	          "getnameinfo NI_NAMEREQD without a nameserver: EAI_AGAIN");
	unsigned char ans[512];
	CHECK_MSG(res_query("example.com", C_IN, T_A, ans, sizeof(ans)) == -1 && h_errno == TRY_AGAIN,
	          "res_query without a nameserver: -1, TRY_AGAIN");
}

/* ---- ztrun: a fake DNS server on the virtual loopback (fake_dns.c) ---- */

static void *resolve_many(void *arg)
{
	int *ok = arg;
	for (int i = 0; i < 20; i++) {
		struct addrinfo hi = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
		if (getaddrinfo("test.example", "80", &hi, &ai) == 0 && has_addr(ai, "10.9.8.7"))
			(*ok)++;
		if (ai)
			freeaddrinfo(ai);
	}
	return NULL;
}

static atomic_int gai_notified;
static void gai_notify(union sigval v)
{
	atomic_store(&gai_notified, v.sival_int);
}

/* getaddrinfo_a through the shim's resolver (libc's would ask the host's): waiting, and not
 * waiting with gai_suspend, gai_error, gai_cancel and a SIGEV_THREAD notification. */
static void test_gai_async(void)
{
	struct addrinfo hi = {.ai_socktype = SOCK_STREAM};
	struct gaicb a = {.ar_name = "test.example", .ar_service = "80", .ar_request = &hi},
	             b = {.ar_name = "nx.example", .ar_request = &hi}, *list[3] = {&a, NULL, &b};
	CHECK_MSG(getaddrinfo_a(GAI_WAIT, list, 3, NULL) == 0 && gai_error(&a) == 0 &&
	              has_addr(a.ar_result, "10.9.8.7") && gai_error(&b) == EAI_NONAME,
	          "getaddrinfo_a(GAI_WAIT): each request's answer from the fake server");
	CHECK_MSG(gai_cancel(&a) == EAI_ALLDONE, "gai_cancel of a finished request: EAI_ALLDONE");
	freeaddrinfo(a.ar_result);
	a.ar_result = NULL;
	struct sigevent sev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = gai_notify,
	                       .sigev_value.sival_int = 42};
	const struct gaicb *wait[1] = {&a};
	CHECK_MSG(getaddrinfo_a(GAI_NOWAIT, list, 1, &sev) == 0, "getaddrinfo_a(GAI_NOWAIT)");
	int e = EAI_INPROGRESS, r = 0;
	for (int i = 0; i < 50 && (e = gai_error(&a)) == EAI_INPROGRESS; i++)
		r = gai_suspend(wait, 1, &(struct timespec){.tv_sec = 1});
	CHECK_MSG(e == 0 && r == 0 && has_addr(a.ar_result, "10.9.8.7"), "gai_suspend, then the answer");
	CHECK_MSG(gai_suspend(wait, 1, NULL) == EAI_ALLDONE, "gai_suspend with nothing in progress: EAI_ALLDONE");
	for (int i = 0; i < 5000 && !atomic_load(&gai_notified); i++)
		usleep(1000);
	CHECK_MSG(atomic_load(&gai_notified) == 42, "SIGEV_THREAD notification with its value");
	freeaddrinfo(a.ar_result);
}

static void test_dns(void)
{
	CHECK_MSG(fake_dns_start() == 0, "fake DNS server on the virtual 127.0.0.1:53 (no privilege needed)");

	struct addrinfo hi = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_CANONNAME}, *ai = NULL;
	CHECK_MSG(getaddrinfo("test.example", "80", &hi, &ai) == 0 && count_addrs(ai, AF_INET) == 1 &&
	              count_addrs(ai, AF_INET6) == 1 && has_addr(ai, "10.9.8.7") && has_addr(ai, "fd00::7") &&
	              strcmp(ai->ai_canonname, "test.example") == 0,
	          "getaddrinfo: A and AAAA from the fake server");
	if (ai)
		freeaddrinfo(ai);
	ai = NULL;
	CHECK_MSG(getaddrinfo("alias.example", NULL, &hi, &ai) == 0 && has_addr(ai, "10.2.2.2") &&
	              strcmp(ai->ai_canonname, "real.example") == 0,
	          "CNAME followed; the canonical name is its target");
	if (ai)
		freeaddrinfo(ai);
	ai = NULL;
	CHECK_MSG(getaddrinfo("host", NULL, &hi, &ai) == 0 && has_addr(ai, "10.1.1.1"),
	          "search list: host -> host.corp.example");
	if (ai)
		freeaddrinfo(ai);
	ai = NULL;
	CHECK_MSG(getaddrinfo("nx.example", NULL, &hi, &ai) == EAI_NONAME, "NXDOMAIN: EAI_NONAME");
	CHECK_MSG(getaddrinfo("nodata.example", NULL, &hi, &ai) == EAI_NODATA,
	          "NOERROR without records: EAI_NODATA");
	struct addrinfo h4 = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
	CHECK_MSG(getaddrinfo("big.example", NULL, &h4, &ai) == 0 && count_addrs(ai, AF_INET) == FAKE_DNS_NBIG,
	          "a truncated UDP reply is asked again over TCP");
	if (ai)
		freeaddrinfo(ai);
	ai = NULL;
	CHECK_MSG(getaddrinfo("garbage.example", NULL, &h4, &ai) == 0 && count_addrs(ai, AF_INET) == 1 &&
	              has_addr(ai, "10.6.6.6"),
	          "a foreign and a malformed reply are ignored; the good one after them is taken");
	if (ai)
		freeaddrinfo(ai);
	ai = NULL;
	double t0 = now_s();
	CHECK_MSG(getaddrinfo("garbage-only.example", NULL, &h4, &ai) == EAI_AGAIN && now_s() - t0 < 3.0,
	          "only garbage: EAI_AGAIN after the timeout (1 s, 1 attempt)");

	struct hostent *he = gethostbyname("alias.example");
	CHECK_MSG(he && strcmp(he->h_name, "real.example") == 0 && he->h_aliases[0] &&
	              strcmp(he->h_aliases[0], "alias.example") == 0 &&
	              ((uint8_t *)he->h_addr_list[0])[3] == 2,
	          "gethostbyname: canonical name, alias, address");
	he = gethostbyname2("test.example", AF_INET6);
	CHECK_MSG(he && he->h_length == 16 && ((uint8_t *)he->h_addr_list[0])[15] == 7,
	          "gethostbyname2 AF_INET6");
	he = gethostbyname("nx.example");
	CHECK_MSG(!he && h_errno == HOST_NOT_FOUND, "gethostbyname of an NXDOMAIN: HOST_NOT_FOUND");

	struct sockaddr_in in = {.sin_family = AF_INET};
	inet_pton(AF_INET, "10.9.8.7", &in.sin_addr);
	char host[128];
	CHECK_MSG(getnameinfo((struct sockaddr *)&in, sizeof(in), host, sizeof(host), NULL, 0, NI_NAMEREQD) ==
	                  0 &&
	              strcmp(host, "test.example") == 0,
	          "getnameinfo: PTR over the virtual network");
	unsigned char ans[512];
	int n = res_query("test.example", C_IN, T_A, ans, sizeof(ans));
	CHECK_MSG(n > 12 && (ans[3] & 0xf) == 0 && ans[7] == 1, "res_query: the raw answer");
	n = res_search("host", C_IN, T_A, ans, sizeof(ans));
	CHECK_MSG(n > 12 && ans[7] == 1, "res_search applies the search list");
	CHECK_MSG(res_query("nx.example", C_IN, T_A, ans, sizeof(ans)) == -1 && h_errno == HOST_NOT_FOUND,
	          "res_query of an NXDOMAIN: HOST_NOT_FOUND");

	pthread_t th[8];
	int oks[8] = {0};
	for (int i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, resolve_many, &oks[i]);
	int total = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		total += oks[i];
	}
	CHECK_MSG(total == 160, "8 threads x 20 lookups at once");
	test_gai_async();

	fake_dns_stop();
}

static void test_interfaces_none(void)
{
	struct ifaddrs *ifa = NULL;
	CHECK_MSG(getifaddrs(&ifa) == 0, "getifaddrs under ztrun none");
	bool only_lo = true, v4 = false, v6 = false;
	for (struct ifaddrs *p = ifa; p; p = p->ifa_next) {
		only_lo = only_lo && strcmp(p->ifa_name, "lo") == 0;
		if (p->ifa_addr && p->ifa_addr->sa_family == AF_INET)
			v4 = ((struct sockaddr_in *)p->ifa_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
		if (p->ifa_addr && p->ifa_addr->sa_family == AF_INET6)
			v6 = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr);
	}
	CHECK_MSG(only_lo && v4 && v6, "getifaddrs: only lo, with 127.0.0.1 and ::1");
	freeifaddrs(ifa);
	struct if_nameindex *ni = if_nameindex();
	CHECK_MSG(ni && ni[0].if_index == 1 && strcmp(ni[0].if_name, "lo") == 0 && !ni[1].if_name,
	          "if_nameindex: lo only");
	if_freenameindex(ni);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "unit") == 0) {
		char dir[] = "/tmp/ztrun-resolver-test-XXXXXX", ctl[64] = "";
		if (!getenv("ZTRUN_TEST_PRELOADED")) {
			if (!mkdtemp(dir))
				return 2;
			snprintf(ctl, sizeof(ctl), "%s/ctl",
			         dir); /* nobody listens: no service, no resolv.conf */
			unsetenv("ZTRUN_RESOLV_CONF");
		}
		zt_test_preload(argv, argv[2], ctl);
		test_numeric_like_libc();
		test_files_and_offline();
		snprintf(ctl, sizeof(ctl), "%s", getenv("ZT_NC_NETWORK"));
		char *slash = strrchr(ctl, '/');
		if (slash) {
			*slash = 0;
			rmdir(ctl);
		}
		return zt_check_report();
	}
	if (argc >= 2 && strcmp(argv[1], "ztrun") == 0) {
		if (!getenv("LD_PRELOAD") || !getenv("ZT_NC_NETWORK")) {
			fprintf(stderr, "run me as: ztrun none -- %s ztrun\n", argv[0]);
			return 2;
		}
		/* The shim reads ZTRUN_RESOLV_CONF at start: set it, then start again. */
		if (!getenv("ZTRUN_RESOLV_CONF")) {
			char dir[] = "/tmp/ztrun-resolver-test-XXXXXX", path[64];
			if (!mkdtemp(dir))
				return 2;
			snprintf(path, sizeof(path), "%s/resolv.conf", dir);
			FILE *f = fopen(path, "w");
			if (!f)
				return 2;
			fprintf(f,
			        "# the fake server of this test\nnameserver 127.0.0.1\nsearch corp.example\n"
			        "options ndots:1 timeout:1 attempts:1\n");
			fclose(f);
			setenv("ZTRUN_RESOLV_CONF", path, 1);
			execv("/proc/self/exe", argv);
			return 2;
		}
		test_dns();
		test_interfaces_none();
		char path[256];
		snprintf(path, sizeof(path), "%s", getenv("ZTRUN_RESOLV_CONF"));
		unlink(path);
		*strrchr(path, '/') = 0;
		rmdir(path);
		return zt_check_report();
	}
	fprintf(stderr, "usage: %s unit SHIM.so | ztrun\n", argv[0]);
	return 2;
}
