#include "netif_fixture.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/prot/icmp6.h"
#include "lwip/tcp.h"
#include "loop.h"
#include "stack/stack.h"
#include "vl2/mac.h"

struct wire W;
uint8_t mac_a[6], mac_b[6];
char rfc_a[64], rfc_b[64], plane_a[64], plane_b[64], rfc_c[64];

/* --- building configs ------------------------------------------------------------------------------ */

struct zt_netif_ip ipn(const char *text, unsigned prefix)
{
	struct zt_netif_ip a = {.prefix = prefix};
	if (inet_pton(AF_INET, text, a.ip) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, text, a.ip) == 1)
		a.family = AF_INET6;
	return a;
}

struct zt_netif_route route(const char *target, unsigned prefix, const char *via, unsigned metric)
{
	struct zt_netif_route r = {.target = ipn(target, prefix), .metric = metric};
	if (via)
		r.via = ipn(via, 0);
	return r;
}

int configure(int end, const struct zt_netif_ip *addrs, size_t n, const struct zt_netif_route *routes,
              size_t nr, unsigned mtu)
{
	struct zt_netif_ipconfig c = {
	    .addrs = addrs, .naddrs = n, .routes = routes, .nroutes = nr, .mtu = mtu};
	return zt_netif_set_config(W.end[end].nif, &c);
}

/* A at 10.0.0.1/24 and B at 10.0.0.2/24, each with its RFC4193 /88 address. */
void wire_basic(unsigned mtu)
{
	CHECK(wire_init(&W, NWID, mac_a, mac_b, mtu) == 0);
	struct zt_netif_ip a[] = {ipn("10.0.0.1", 24), ipn(rfc_a, 88)};
	struct zt_netif_ip b[] = {ipn("10.0.0.2", 24), ipn(rfc_b, 88)};
	CHECK(configure(0, a, 2, NULL, 0, 0) == 0);
	CHECK(configure(1, b, 2, NULL, 0, 0) == 0);
	wire_pump(&W);
}

/* --- reading frames -------------------------------------------------------------------------------- */

uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool addr_is(const uint8_t *p, int family, const char *text)
{
	uint8_t a[16];
	if (inet_pton(family, text, a) != 1)
		return false;
	return memcmp(p, a, family == AF_INET ? 4 : 16) == 0;
}

bool is_ip(const struct wire_frame *f, void *arg)
{
	const struct ip_match *m = arg;
	if (m->dst_mac && memcmp(f->dst, m->dst_mac, 6) != 0)
		return false;
	if (f->type == 0x0800 && f->len >= 20) {
		size_t ihl = (size_t)(f->data[0] & 15) * 4;
		if (f->data[9] != m->proto || (m->dst && !addr_is(f->data + 16, AF_INET, m->dst)) ||
		    (m->src && !addr_is(f->data + 12, AF_INET, m->src)))
			return false;
		/* a first fragment or a whole datagram carries the ICMP header */
		return m->icmp_type < 0 ||
		       (f->len > ihl && (be16(f->data + 6) & 0x1fff) == 0 && f->data[ihl] == m->icmp_type);
	}
	if (f->type == 0x86dd && f->len >= 41) {
		if (f->data[6] != m->proto || (m->dst && !addr_is(f->data + 24, AF_INET6, m->dst)) ||
		    (m->src && !addr_is(f->data + 8, AF_INET6, m->src)))
			return false;
		return m->icmp_type < 0 || f->data[40] == m->icmp_type;
	}
	return false;
}

bool is_arp(const struct wire_frame *f, void *arg)
{
	const struct arp_match *m = arg;
	if (f->type != 0x0806 || f->len < 28 || be16(f->data + 6) != m->op)
		return false;
	return (!m->target || addr_is(f->data + 24, AF_INET, m->target)) &&
	       (!m->sender || addr_is(f->data + 14, AF_INET, m->sender));
}

/* --- sending with lwIP's own output path ------------------------------------------------------------ */

err_t ping4(const char *src, const char *dst, uint16_t seq)
{
	struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + 32, PBUF_RAM);
	struct icmp_echo_hdr *h = p->payload;
	memset(h, 0, p->len);
	h->type = ICMP_ECHO;
	h->id = lwip_htons(0x4242);
	h->seqno = lwip_htons(seq);
	memset(h + 1, 0xa5, 32);
	h->chksum = inet_chksum(h, p->len);
	ip4_addr_t s, d;
	ip4addr_aton(src, &s);
	ip4addr_aton(dst, &d);
	err_t e = ip4_output(p, &s, &d, 64, 0, IP_PROTO_ICMP);
	pbuf_free(p);
	return e;
}

err_t ping6(const char *src, const char *dst, uint16_t seq)
{
	struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp6_echo_hdr) + 32, PBUF_RAM);
	struct icmp6_echo_hdr *h = p->payload;
	memset(h, 0, p->len);
	h->type = ICMP6_TYPE_EREQ;
	h->id = lwip_htons(0x4243);
	h->seqno = lwip_htons(seq);
	memset(h + 1, 0x5a, 32);
	ip6_addr_t s, d;
	ip6addr_aton(src, &s);
	ip6addr_aton(dst, &d);
	h->chksum = ip6_chksum_pseudo(p, IP6_NEXTH_ICMP6, p->tot_len, &s, &d);
	err_t e = ip6_output(p, &s, &d, 64, 0, IP6_NEXTH_ICMP6);
	pbuf_free(p);
	return e;
}

/* Pings dst from src and reports whether an echo reply came back across the wire. */
bool ping_answered(const char *src, const char *dst)
{
	static uint16_t seq;
	size_t since = W.nlog;
	bool v6 = strchr(dst, ':') != NULL;
	err_t e = v6 ? ping6(src, dst, ++seq) : ping4(src, dst, ++seq);
	if (e != ERR_OK)
		return false;
	wire_settle(&W, 20);
	struct ip_match reply = {v6 ? IP6_NEXTH_ICMP6 : IP_PROTO_ICMP, v6 ? ICMP6_TYPE_EREP : ICMP_ER, src,
	                         dst, NULL};
	return wire_count(&W, -1, since, is_ip, &reply) == 1;
}

/* --- raw TCP ends ---------------------------------------------------------------------------------- */

uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 13));
}

void tcp_end_push(struct tcp_end *e)
{
	static uint8_t buf[16384];
	while (e->pcb && e->tx_sent < e->tx_total) {
		size_t n = e->tx_total - e->tx_sent, room = tcp_sndbuf(e->pcb);
		n = n > room ? room : n;
		n = n > sizeof(buf) ? sizeof(buf) : n;
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(e->tx_sent + i);
		if (tcp_write(e->pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
		e->tx_sent += n;
	}
	if (e->pcb)
		tcp_output(e->pcb);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb;
	(void)len;
	tcp_end_push(arg);
	return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct tcp_end *e = arg;
	(void)err;
	if (!p) {
		e->fin = true;
		if (e->abort_on_fin) {
			e->pcb = NULL;
			tcp_abort(pcb);
			return ERR_ABRT;
		}
		return ERR_OK;
	}
	for (struct pbuf *q = p; q; q = q->next)
		for (u16_t i = 0; i < q->len; i++)
			e->rx_bad |= ((uint8_t *)q->payload)[i] != pattern(e->rx++);
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct tcp_end *e = arg;
	e->err = true;
	e->err_code = err;
	e->pcb = NULL;
}

static void tcp_callbacks(struct tcp_pcb *pcb, struct tcp_end *e)
{
	tcp_arg(pcb, e);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tcp_end *e = arg;
	(void)pcb;
	(void)err;
	e->connected = true;
	tcp_end_push(e);
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tcp_end *e = arg;
	if (err != ERR_OK || !pcb || e->pcb)
		return ERR_VAL;
	e->pcb = pcb;
	e->connected = true;
	tcp_callbacks(pcb, e);
	tcp_end_push(e);
	return ERR_OK;
}

static bool pair_connected(void *arg)
{
	struct tcp_pair *t = arg;
	return (t->c.connected && t->s.connected) || t->c.err;
}

static bool pair_done(void *arg)
{
	struct tcp_pair *t = arg;
	return (t->s.rx >= t->c.tx_total && t->c.rx >= t->s.tx_total) || t->c.err || t->s.err;
}

/* A connection from cli (bound to that address, so it leaves on cli's netif) to a listener on srv. */
bool tcp_open(struct tcp_pair *t, const char *cli, const char *srv, uint16_t port)
{
	ip_addr_t ca, sa;
	ipaddr_aton(cli, &ca);
	ipaddr_aton(srv, &sa);
	u8_t type = IP_IS_V6(&sa) ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4;
	struct tcp_pcb *l = tcp_new_ip_type(type);
	CHECK(tcp_bind(l, &sa, port) == ERR_OK);
	t->s.listener = tcp_listen(l);
	tcp_arg(t->s.listener, &t->s);
	tcp_accept(t->s.listener, on_accept);
	t->c.pcb = tcp_new_ip_type(type);
	tcp_callbacks(t->c.pcb, &t->c);
	CHECK(tcp_bind(t->c.pcb, &ca, 0) == ERR_OK);
	CHECK(tcp_connect(t->c.pcb, &sa, port, on_connected) == ERR_OK);
	return wire_run_until(&W, pair_connected, t, 3000) && !t->c.err;
}

void tcp_end_abort(struct tcp_end *e)
{
	if (e->pcb) {
		struct tcp_pcb *p = e->pcb;
		e->pcb = NULL;
		tcp_err(p, NULL);
		tcp_abort(p);
	}
	if (e->listener) {
		tcp_close(e->listener);
		e->listener = NULL;
	}
}

/* Moves `up` bytes from client to server and `down` back, at once. */
bool tcp_exchange(struct tcp_pair *t, size_t up, size_t down)
{
	t->c.tx_total += up;
	t->s.tx_total += down;
	tcp_end_push(&t->c);
	tcp_end_push(&t->s);
	bool ok = wire_run_until(&W, pair_done, t, 10000);
	return ok && !t->c.rx_bad && !t->s.rx_bad && t->s.rx == t->c.tx_total && t->c.rx == t->s.tx_total;
}

/* Client closes, server sees the FIN and resets: no PCB waits in TIME_WAIT after the test. */
void tcp_finish(struct tcp_pair *t)
{
	t->s.abort_on_fin = true;
	if (t->c.pcb) {
		struct tcp_pcb *p = t->c.pcb;
		t->c.pcb = NULL;
		CHECK(tcp_close(p) == ERR_OK);
	}
	wire_settle(&W, 50);
	CHECK(t->s.fin);
	tcp_end_abort(&t->s);
	wire_settle(&W, 20);
}

bool is_ns(const struct wire_frame *f, void *arg)
{
	struct ip_match m = {IP6_NEXTH_ICMP6, ICMP6_TYPE_NS, NULL, NULL, NULL};
	(void)arg;
	return is_ip(f, &m);
}

bool is_na(const struct wire_frame *f, void *arg)
{
	struct ip_match m = {IP6_NEXTH_ICMP6, ICMP6_TYPE_NA, NULL, NULL, NULL};
	(void)arg;
	return is_ip(f, &m);
}

/* --- the runner ------------------------------------------------------------------------------------ */

static struct zt_loop *loop;
static struct pools pools_before;

static void start_lwip(void)
{
	if (zt_loop_new(&loop) < 0 || zt_stack_init(loop) < 0) {
		fprintf(stderr, "cannot start lwIP\n");
		exit(1);
	}
	zt_mac_from_address(mac_a, ZT_A, NWID);
	zt_mac_from_address(mac_b, ZT_B, NWID);
	uint8_t ip[16];
	const struct {
		char *text;
		uint64_t zt;
		bool plane;
	} v6[] = {{rfc_a, ZT_A, false},
	          {rfc_b, ZT_B, false},
	          {rfc_c, ZT_C, false},
	          {plane_a, ZT_A, true},
	          {plane_b, ZT_B, true}};
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		(v6[i].plane ? zt_ipv6_6plane : zt_ipv6_rfc4193)(ip, NWID, v6[i].zt);
		inet_ntop(AF_INET6, ip, v6[i].text, 64);
	}
}

void netif_fixture_run_hooks(void)
{
	zt_loop_run_once(loop, 0);
}

static void take_pools(void)
{
	pools_snapshot(&pools_before);
}

static bool pools_back(const char *test)
{
	struct pools after;
	pools_snapshot(&after);
	return pools_same(&pools_before, &after, test);
}

int netif_suite_main(const char *suite, const struct zt_test *tests, size_t n, int argc, char **argv)
{
	zt_test_guard(take_pools, pools_back);
	int status = zt_test_main(suite, tests, n, start_lwip, argc, argv);
	zt_loop_free(loop);
	return status;
}
