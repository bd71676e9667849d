/* The socket service with two netifs attached, back to back on the fake wire: app sockets (driven through
 * the raw contract of rpc.h by a forked client) bound to A's and B's addresses talk TCP and UDP, over IPv4
 * and IPv6, and every byte crosses the wire as frames; TCP's handshakes advertise the MSS the netif's MTU
 * gives, or with ZTRUN_TCP_SMALL_SEGMENTS=1 one that keeps each segment to one ZeroTier datagram. The
 * service's loop and the wire run in this process.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "loop.h"
#include "stack/service.h"
#include "wire.h"
#include "rpc_client.h"

#define NWID 0x8056c2e21c000001ULL

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static const uint8_t mac_a[6] = {0x02, 0xaa, 0, 0, 0, 1}, mac_b[6] = {0x02, 0xbb, 0, 0, 0, 2};
static const char *ip4_a = "10.147.20.1", *ip4_b = "10.147.20.2", *ip6_a = "fd80:56c2:e21c::1",
                  *ip6_b = "fd80:56c2:e21c::2";

static char sock_path[108];

/* --- scenarios (in the forked client) ---------------------------------------------------------------- */

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 13 + (i >> 11));
}

/* A listener on B's address, a client bound to A's: 1 MiB each way at once, then a half-close. */
static void tcp_across(const char *a, const char *b)
{
	int ctl = rpc_open(sock_path);
	CHECK(ctl >= 0);
	int ls = rpc_socket(ctl, strchr(b, ':') ? AF_INET6 : AF_INET, SOCK_STREAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_BIND, ls, rpc_addr(b, 7000), 0, NULL) == 0);
	int lfd = -1;
	CHECK(rpc_call(ctl, ZT_NC_LISTEN, ls, (const uint8_t *)"\x10\0\0\0", 4, &lfd, NULL, NULL) == 0);
	dup2(lfd, ls);
	close(lfd);
	int cs = rpc_socket(ctl, strchr(a, ':') ? AF_INET6 : AF_INET, SOCK_STREAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_BIND, cs, rpc_addr(a, 0), 0, NULL) == 0);
	CHECK(rpc_addr_op(ctl, ZT_NC_CONNECT, cs, rpc_addr(b, 7000), 0, NULL) == 0);
	uint8_t rec[64];
	int as = -1;
	CHECK(rpc_recv_fd(ls, rec, sizeof(rec), &as) == ZT_NC_ADDR_LEN);
	struct zt_nc_addr peer, mine;
	CHECK(rpc_name(ctl, ZT_NC_GETPEERNAME, as, &peer) == 0);
	CHECK(rpc_name(ctl, ZT_NC_GETSOCKNAME, cs, &mine) == 0);
	struct zt_nc_addr want = rpc_addr(a, 0);
	CHECK(memcmp(peer.addr, want.addr, 16) == 0 && memcmp(mine.addr, want.addr, 16) == 0);

	size_t total = 1 << 20, sent[2] = {0}, got[2] = {0};
	bool intact = true;
	int fds[2] = {cs, as};
	fcntl(cs, F_SETFL, O_NONBLOCK);
	fcntl(as, F_SETFL, O_NONBLOCK);
	uint8_t buf[32768];
	while (got[0] < total || got[1] < total) {
		struct pollfd p[2];
		for (int i = 0; i < 2; i++)
			p[i] = (struct pollfd){fds[i], (short)(POLLIN | (sent[i] < total ? POLLOUT : 0)), 0};
		if (poll(p, 2, 5000) <= 0)
			break;
		for (int i = 0; i < 2; i++) {
			if ((p[i].revents & POLLOUT) && sent[i] < total) {
				size_t n = total - sent[i] < sizeof(buf) ? total - sent[i] : sizeof(buf);
				for (size_t k = 0; k < n; k++)
					buf[k] = pattern(sent[i] + k);
				ssize_t w = write(fds[i], buf, n);
				if (w > 0)
					sent[i] += (size_t)w;
			}
			if (p[i].revents & POLLIN) {
				ssize_t r = read(fds[i], buf, sizeof(buf));
				for (ssize_t k = 0; k < r; k++)
					intact = intact && buf[k] == pattern(got[i] + (size_t)k);
				if (r > 0)
					got[i] += (size_t)r;
			}
		}
	}
	CHECK(got[0] == total && got[1] == total && intact);
	shutdown(cs, SHUT_WR);
	fcntl(as, F_SETFL, 0);
	char c;
	CHECK(read(as, &c, 1) == 0);
	close(as);
	fcntl(cs, F_SETFL, 0);
	CHECK(read(cs, &c, 1) == 0);
	close(cs);
	close(ls);
	close(ctl);
}

static void scenario_tcp4(void)
{
	tcp_across(ip4_a, ip4_b);
}

static void scenario_tcp6(void)
{
	tcp_across(ip6_a, ip6_b);
}

/* Datagrams from A's address to B's and back, with the source each side sees. */
static void udp_across(const char *a, const char *b)
{
	int ctl = rpc_open(sock_path);
	int domain = strchr(a, ':') ? AF_INET6 : AF_INET;
	int sa = rpc_socket(ctl, domain, SOCK_DGRAM), sb = rpc_socket(ctl, domain, SOCK_DGRAM);
	CHECK(rpc_addr_op(ctl, ZT_NC_BIND, sa, rpc_addr(a, 5000), 0, NULL) == 0);
	CHECK(rpc_addr_op(ctl, ZT_NC_BIND, sb, rpc_addr(b, 6000), 0, NULL) == 0);
	for (int dir = 0; dir < 2; dir++) {
		int from = dir ? sb : sa, to = dir ? sa : sb;
		struct zt_nc_addr dst = dir ? rpc_addr(a, 5000) : rpc_addr(b, 6000),
		                  src = dir ? rpc_addr(b, 6000) : rpc_addr(a, 5000);
		uint8_t dg[ZT_NC_ADDR_LEN + 3000];
		struct zt_nc_buf w = {.p = dg, .len = sizeof(dg)};
		zt_nc_put_addr(&w, &dst);
		for (size_t i = 0; i < 3000; i++)
			dg[w.off + i] = pattern(i);
		CHECK(send(from, dg, w.off + 3000, 0) == (ssize_t)(w.off + 3000));
		uint8_t in[ZT_NC_ADDR_LEN + 4000];
		struct pollfd p = {to, POLLIN, 0};
		CHECK(poll(&p, 1, 5000) == 1);
		ssize_t got = recv(to, in, sizeof(in), MSG_DONTWAIT);
		CHECK(got == ZT_NC_ADDR_LEN + 3000);
		struct zt_nc_buf r = {.p = in, .len = ZT_NC_ADDR_LEN};
		struct zt_nc_addr seen;
		zt_nc_get_addr(&r, &seen);
		CHECK(seen.port_be == src.port_be &&
		      memcmp(seen.addr, src.addr, domain == AF_INET ? 4 : 16) == 0);
		bool intact = got == ZT_NC_ADDR_LEN + 3000;
		for (size_t i = 0; intact && i < 3000; i++)
			intact = in[ZT_NC_ADDR_LEN + i] == pattern(i);
		CHECK(intact);
	}
	close(sa);
	close(sb);
	close(ctl);
}

static void scenario_udp4(void)
{
	udp_across(ip4_a, ip4_b);
}

static void scenario_udp6(void)
{
	udp_across(ip6_a, ip6_b);
}

/* --- the service's side ------------------------------------------------------------------------------ */

static struct wire W;

/* Frames reach lwIP in batches, as the launcher gives them (netjoin.c): each socket's data is written to
 * its app at a batch's end. */
static int64_t wire_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	(void)now;
	zt_netif_rx_batch_begin();
	wire_pump(arg);
	zt_netif_rx_batch_end();
	return -1;
}

struct seg_match {
	int from;
	uint8_t proto;
	const char *dst;
};

/* A TCP or UDP packet (or a first fragment) from one end to the other's address: proof it used the wire. */
static bool is_seg(const struct wire_frame *f, void *arg)
{
	const struct seg_match *m = arg;
	uint8_t want[16];
	bool v6 = strchr(m->dst, ':') != NULL;
	inet_pton(v6 ? AF_INET6 : AF_INET, m->dst, want);
	if (!v6)
		return f->type == 0x0800 && f->len >= 20 && f->data[9] == m->proto &&
		       memcmp(f->data + 16, want, 4) == 0;
	return f->type == 0x86dd && f->len >= 40 && (f->data[6] == m->proto || f->data[6] == 44) &&
	       memcmp(f->data + 24, want, 16) == 0;
}

struct syn_match {
	int from;
	bool ack;      /* a SYN-ACK, not a SYN */
	int mss;       /* out: the MSS option's value, -1 if none */
	bool sack_ok;  /* out: it offered SACK (RFC 2018) */
	size_t max_ip; /* out: the longest TCP packet either way, IP header included */
};

/* The TCP header of an unfragmented IPv4 or IPv6 packet, or NULL; *ip_len: the packet's length. */
static const uint8_t *tcp_header(const struct wire_frame *f, size_t *ip_len)
{
	if (f->type == 0x0800 && f->len >= 40 && f->data[9] == 6) {
		size_t ihl = (size_t)(f->data[0] & 15) * 4;
		*ip_len = be16(f->data + 2);
		return f->len >= ihl + 20 ? f->data + ihl : NULL;
	}
	if (f->type == 0x86dd && f->len >= 60 && f->data[6] == 6) {
		*ip_len = 40 + (size_t)be16(f->data + 4);
		return f->data + 40;
	}
	return NULL;
}

/* The option of that kind in a TCP header (its kind byte), or NULL. */
static const uint8_t *tcp_option(const uint8_t *t, uint8_t kind)
{
	size_t hlen = (size_t)(t[12] >> 4) * 4;
	for (size_t i = 20; i < hlen && t[i] != 0;) {
		if (t[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hlen || t[i + 1] < 2 || i + t[i + 1] > hlen)
			return NULL;
		if (t[i] == kind)
			return t + i;
		i += t[i + 1];
	}
	return NULL;
}

/* A SYN (or SYN-ACK) from one end: its options, from the last such frame; notes the longest TCP
 * packet either way on the side. */
static bool is_syn(const struct wire_frame *f, void *arg)
{
	struct syn_match *m = arg;
	size_t ip_len = 0;
	const uint8_t *t = tcp_header(f, &ip_len);
	if (!t)
		return false;
	if (ip_len > m->max_ip)
		m->max_ip = ip_len;
	if (f->from != m->from || !(t[13] & 0x02) || !!(t[13] & 0x10) != m->ack)
		return false;
	const uint8_t *mss = tcp_option(t, 2);
	m->mss = mss && mss[1] == 4 ? be16(mss + 2) : -1;
	m->sack_ok = tcp_option(t, 4) != NULL;
	return true;
}

/* The handshake since frame `since`: the SYN (from A) and SYN-ACK (from B) advertised MSS `want` and
 * offered SACK, and each TCP packet either way fitted max_ip. */
static bool handshake_ok(size_t since, int want, size_t max_ip, const char *name)
{
	struct syn_match syn = {0, false, -1, false, 0}, synack = {1, true, -1, false, 0};
	size_t n = wire_count(&W, 0, since, is_syn, &syn) + wire_count(&W, 1, since, is_syn, &synack);
	size_t longest = syn.max_ip > synack.max_ip ? syn.max_ip : synack.max_ip;
	bool ok = n >= 2 && syn.mss == want && synack.mss == want && syn.sack_ok && synack.sack_ok &&
	          longest <= max_ip;
	if (!ok)
		fprintf(stderr,
		        "%s: SYN advertised MSS %d, SYN-ACK %d (want %d); SACK offered: %d, %d; longest TCP "
		        "packet %zu (max %zu)\n",
		        name, syn.mss, synack.mss, want, syn.sack_ok, synack.sack_ok, longest, max_ip);
	return ok;
}

/* The wire loses the 20th TCP segment with data from A: B then tells A what it holds beyond the hole
 * (SACK blocks), as a stock peer's Linux TCP needs to repair losses without waiting for a timeout. */
static bool drop_20th_from_a(const struct wire_frame *f, void *arg)
{
	int *seen = arg;
	size_t ip_len = 0;
	const uint8_t *t = tcp_header(f, &ip_len);
	size_t ip_hlen = f->type == 0x0800 ? (size_t)(f->data[0] & 15) * 4 : 40;
	if (f->from != 0 || !t || ip_len <= ip_hlen + (size_t)(t[12] >> 4) * 4)
		return false;
	return ++*seen == 20;
}

static bool has_sack_blocks(const struct wire_frame *f, void *arg)
{
	(void)arg;
	size_t ip_len;
	const uint8_t *t = tcp_header(f, &ip_len);
	return t && tcp_option(t, 5) != NULL;
}

int main(void)
{
	/* Both netifs are this process's, so the service would join their connections directly
	 * (joined.c): what is tested here is lwIP's path between them. */
	setenv("ZTRUN_JOIN_LOOPBACK", "0", 1);
	char dir[] = "/tmp/ztrun-netif-svc.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock_path, sizeof(sock_path), "%s/nc", dir);
	struct zt_loop *loop;
	struct zt_service *svc;
	if (zt_loop_new(&loop) < 0 ||
	    zt_service_new(&svc, loop, &(struct zt_service_config){.socket_path = sock_path}) < 0 ||
	    wire_init(&W, NWID, mac_a, mac_b, 2800) < 0 || zt_loop_before_sleep(loop, wire_hook, &W) < 0) {
		fprintf(stderr, "cannot start the service and its netifs\n");
		return 1;
	}
	struct zt_netif_ip a[2] = {{AF_INET, {0}, 24}, {AF_INET6, {0}, 88}},
	                   b[2] = {{AF_INET, {0}, 24}, {AF_INET6, {0}, 88}};
	inet_pton(AF_INET, ip4_a, a[0].ip);
	inet_pton(AF_INET6, ip6_a, a[1].ip);
	inet_pton(AF_INET, ip4_b, b[0].ip);
	inet_pton(AF_INET6, ip6_b, b[1].ip);
	CHECK(zt_netif_set_config(W.end[0].nif, &(struct zt_netif_ipconfig){.addrs = a, .naddrs = 2}) == 0);
	CHECK(zt_netif_set_config(W.end[1].nif, &(struct zt_netif_ipconfig){.addrs = b, .naddrs = 2}) == 0);

	/* TCP's MSS: what the SYN and SYN-ACK advertise (and so the longest packet either way), from the
	 * netif's MTU (2800) by default; with ZTRUN_TCP_SMALL_SEGMENTS=1 what fits one ZeroTier datagram
	 * (1394 bytes of IP packet), both ways. Both offer SACK, and a receiver missing a segment sends
	 * SACK blocks. */
	static const struct {
		const char *name;
		void (*fn)(void);
		uint8_t proto;
		const char *dst;
		bool small;
		int mss;
		bool lose_one; /* the wire loses a segment: B must answer with SACK blocks */
	} scenarios[] = {{"tcp4", scenario_tcp4, 6, "10.147.20.2", false, 2760, false},
	                 {"tcp6", scenario_tcp6, 6, "fd80:56c2:e21c::2", false, 2740, false},
	                 {"tcp4 small segments", scenario_tcp4, 6, "10.147.20.2", true, 1354, false},
	                 {"tcp6 small segments", scenario_tcp6, 6, "fd80:56c2:e21c::2", true, 1334, false},
	                 {"tcp4 a segment lost", scenario_tcp4, 6, "10.147.20.2", false, 2760, true},
	                 {"udp4", scenario_udp4, 17, "10.147.20.2", false, 0, false},
	                 {"udp6", scenario_udp6, 17, "fd80:56c2:e21c::2", false, 0, false}};
	int passed = 0, failed = 0;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		size_t since = W.nlog;
		if (scenarios[i].small)
			setenv("ZTRUN_TCP_SMALL_SEGMENTS", "1", 1);
		else
			unsetenv("ZTRUN_TCP_SMALL_SEGMENTS");
		int seen = 0;
		W.drop = scenarios[i].lose_one ? drop_20th_from_a : NULL;
		W.drop_arg = &seen;
		int status = rpc_client_run(loop, scenarios[i].fn, 5);
		W.drop = NULL;
		struct seg_match m = {0, scenarios[i].proto, scenarios[i].dst};
		size_t frames = wire_count(&W, 0, since, is_seg, &m);
		bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && frames > 0 && W.oversize == 0;
		if (scenarios[i].proto == 6 &&
		    !handshake_ok(since, scenarios[i].mss, scenarios[i].small ? 1394 : 2800,
		                  scenarios[i].name))
			ok = false;
		size_t sacks = wire_count(&W, 1, since, has_sack_blocks, NULL);
		if (scenarios[i].lose_one && (seen < 20 || sacks == 0)) {
			fprintf(stderr, "%s: %d segments from A, %zu ACKs from B with SACK blocks\n",
			        scenarios[i].name, seen, sacks);
			ok = false;
		}
		if (!ok)
			fprintf(stderr, "%s: client status %d, %zu frames A->B\n", scenarios[i].name, status,
			        frames);
		printf("%s %s\n", ok ? "PASS" : "FAIL", scenarios[i].name);
		ok ? passed++ : failed++;
	}
	for (int i = 0; i < 50; i++)
		zt_loop_run_once(loop, 10);
	if (zt_service_socket_count(svc) != 0 || zt_test_failures()) {
		printf("FAIL leak: %zu sockets still held\n", zt_service_socket_count(svc));
		failed++;
	}
	zt_service_free(svc);
	wire_free(&W);
	zt_loop_free(loop);
	unlink(sock_path);
	rmdir(dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
