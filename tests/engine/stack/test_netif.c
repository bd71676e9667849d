/* Suite for stack/netif.c: two zt_netifs wired back to back (netif_fixture.h) carry ARP and ICMP, NDP,
 * TCP and UDP (many connections at once: test_netif_many.c), keep every frame within the MTU, follow
 * address changes, hold several IPv4 addresses, drop frames not for them and malformed frames, join
 * the multicast groups lwIP wants, and free cleanly with frames still queued. Each test must give
 * back every pool entry and heap byte it took. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/icmp.h"
#include "lwip/igmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/mld6.h"
#include "lwip/nd6.h"
#include "lwip/prot/icmp6.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "netif_fixture.h"
#include "stack/stack.h"
#include "vl2/mac.h"

static void test_arp_icmp4(void)
{
	wire_basic(2800);
	size_t since = W.nlog;
	CHECK(ping_answered("10.0.0.1", "10.0.0.2"));
	struct arp_match req = {1, "10.0.0.2", "10.0.0.1"}, rep = {2, "10.0.0.1", "10.0.0.2"};
	CHECK(wire_count(&W, 0, since, is_arp, &req) == 1);
	CHECK(wire_count(&W, 1, since, is_arp, &rep) == 1);
	/* the request is a broadcast, the reply and the echo are unicast to the MAC learned */
	struct ip_match echo = {IP_PROTO_ICMP, ICMP_ECHO, "10.0.0.2", "10.0.0.1", mac_b};
	CHECK(wire_count(&W, 0, since, is_ip, &echo) == 1);
	/* and the other way, ARP already done on both sides */
	since = W.nlog;
	CHECK(ping_answered("10.0.0.2", "10.0.0.1"));
	struct arp_match any_req = {1, NULL, NULL};
	CHECK(wire_count(&W, -1, since, is_arp, &any_req) == 0);
	CHECK(zt_netif_stats(W.end[1].nif)->rx_frames >= 2);
	wire_free(&W);
}

static void test_icmp6_ndp(void)
{
	wire_basic(2800);
	size_t since = W.nlog;
	CHECK(ping_answered(rfc_a, rfc_b));
	/* A solicits B's address on its solicited-node group; B advertises back */
	size_t ns = 0;
	for (size_t i = since; i < W.nlog; i++) {
		const struct wire_frame *f = &W.log[i];
		if (f->from == 0 && is_ns(f, NULL)) {
			ns++;
			CHECK(f->dst[0] == 0x33 && f->dst[1] == 0x33 && f->dst[2] == 0xff);
			CHECK(memcmp(f->data + 48 + 13, f->dst + 3, 3) == 0); /* the target's last 24 bits */
		}
	}
	CHECK(ns == 1);
	CHECK(wire_count(&W, 1, since, is_na, NULL) >= 1);
	CHECK(ping_answered(rfc_b, rfc_a));
	/* link-local addresses work too (lwIP derived them from the MACs) */
	wire_free(&W);
}

static void test_tcp(void)
{
	const char *pairs[][2] = {{"10.0.0.1", "10.0.0.2"}, {rfc_a, rfc_b}};
	for (int v = 0; v < 2; v++) {
		wire_basic(2800);
		struct tcp_pair t = {0};
		size_t since = W.nlog;
		CHECK(tcp_open(&t, pairs[v][0], pairs[v][1], 7000));
		CHECK(tcp_exchange(&t, 256 * 1024, 64 * 1024));
		/* it went over the wire, in frames as large as the MTU allows */
		struct ip_match seg = {IP_PROTO_TCP, -1, pairs[v][1], pairs[v][0], mac_b};
		if (v == 1)
			seg.proto = IP6_NEXTH_TCP;
		CHECK(wire_count(&W, 0, since, is_ip, &seg) > 256 * 1024 / 2800);
		CHECK(W.max_payload > 2000 && W.max_payload <= 2800 && W.oversize == 0);
		tcp_finish(&t);
		CHECK(t.c.err &&
		      t.c.err_code == ERR_RST); /* the client's PCB ended with the server's reset */
		wire_free(&W);
	}
}

struct udp_end {
	struct udp_pcb *pcb;
	size_t got, last_len;
	bool bad;
};

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct udp_end *e = arg;
	(void)pcb;
	(void)addr;
	(void)port;
	size_t off = 0;
	for (struct pbuf *q = p; q; q = q->next)
		for (u16_t i = 0; i < q->len; i++)
			e->bad |= ((uint8_t *)q->payload)[i] != pattern(off++);
	e->got++;
	e->last_len = p->tot_len;
	pbuf_free(p);
}

static void udp_open(struct udp_end *e, const char *ip, uint16_t port)
{
	ip_addr_t a;
	ipaddr_aton(ip, &a);
	e->pcb = udp_new_ip_type(IP_IS_V6(&a) ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4);
	CHECK(udp_bind(e->pcb, &a, port) == ERR_OK);
	udp_recv(e->pcb, on_udp, e);
}

static err_t udp_send_pattern(struct udp_end *from, const char *to, uint16_t port, size_t len)
{
	ip_addr_t a;
	ipaddr_aton(to, &a);
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	for (size_t i = 0; i < len; i++)
		pbuf_put_at(p, (u16_t)i, pattern(i));
	err_t e = udp_sendto(from->pcb, p, &a, port);
	pbuf_free(p);
	return e;
}

static bool udp_round(const char *a_ip, const char *b_ip, size_t len)
{
	struct udp_end a = {0}, b = {0};
	udp_open(&a, a_ip, 5000);
	udp_open(&b, b_ip, 6000);
	bool ok = udp_send_pattern(&a, b_ip, 6000, len) == ERR_OK;
	wire_settle(&W, 30);
	ok = ok && b.got == 1 && b.last_len == len && !b.bad;
	ok = ok && udp_send_pattern(&b, a_ip, 5000, len) == ERR_OK;
	wire_settle(&W, 30);
	ok = ok && a.got == 1 && a.last_len == len && !a.bad;
	udp_remove(a.pcb);
	udp_remove(b.pcb);
	return ok;
}

static void test_udp(void)
{
	wire_basic(2800);
	CHECK(udp_round("10.0.0.1", "10.0.0.2", 100));
	CHECK(udp_round(rfc_a, rfc_b, 100));
	wire_free(&W);
}

/* Every frame within the MTU: TCP segments are sized to it, large datagrams are fragmented, and a new MTU
 * applies to what is sent after it. */
static void test_mtu(void)
{
	wire_basic(1280);
	CHECK(zt_netif_mtu(W.end[0].nif) == 1280);
	CHECK(udp_round("10.0.0.1", "10.0.0.2", 4000));
	CHECK(udp_round(rfc_a, rfc_b, 4000));
	struct tcp_pair t = {0};
	CHECK(tcp_open(&t, "10.0.0.1", "10.0.0.2", 7001));
	CHECK(tcp_exchange(&t, 100 * 1024, 10 * 1024));
	CHECK(W.oversize == 0 && W.max_payload == 1280);
	struct tcp_pair t6 = {0};
	CHECK(tcp_open(&t6, rfc_a, rfc_b, 7002));
	CHECK(tcp_exchange(&t6, 100 * 1024, 10 * 1024));
	CHECK(W.oversize == 0 && W.max_payload == 1280);
	/* live: a larger MTU on both ends; the old connection keeps its MSS, new traffic uses the new size */
	struct zt_netif_ip a[] = {ipn("10.0.0.1", 24), ipn(rfc_a, 88)};
	struct zt_netif_ip b[] = {ipn("10.0.0.2", 24), ipn(rfc_b, 88)};
	CHECK(configure(0, a, 2, NULL, 0, 2000) == 0);
	CHECK(configure(1, b, 2, NULL, 0, 2000) == 0);
	CHECK(tcp_exchange(&t, 50 * 1024, 0));
	CHECK(udp_round("10.0.0.1", "10.0.0.2", 6000));
	CHECK(udp_round(rfc_a, rfc_b, 6000));
	struct tcp_pair u = {0}, u6 = {0};
	CHECK(tcp_open(&u, "10.0.0.1", "10.0.0.2", 7003));
	CHECK(tcp_open(&u6, rfc_a, rfc_b, 7004));
	CHECK(tcp_exchange(&u, 100 * 1024, 0));
	CHECK(tcp_exchange(&u6, 100 * 1024, 0));
	CHECK(W.oversize == 0 && W.max_payload == 2000);
	/* and smaller again: segments sized for 2000 are fragmented to fit 1300 */
	CHECK(configure(0, a, 2, NULL, 0, 1300) == 0);
	CHECK(configure(1, b, 2, NULL, 0, 1300) == 0);
	size_t since = W.nlog;
	CHECK(tcp_exchange(&u, 50 * 1024, 50 * 1024));
	CHECK(tcp_exchange(&u6, 50 * 1024, 50 * 1024));
	size_t over = 0, frags = 0;
	for (size_t i = since; i < W.nlog; i++) {
		const struct wire_frame *f = &W.log[i];
		over += f->len > 1300;
		frags += (f->type == 0x0800 && (be16(f->data + 6) & 0x2000)) ||
		         (f->type == 0x86dd && f->data[6] == 44);
	}
	CHECK(over == 0 && frags > 0);
	tcp_finish(&t);
	tcp_finish(&t6);
	tcp_finish(&u);
	tcp_finish(&u6);
	wire_free(&W);
}

/* B's IPv4 address changes from .2 to .3 while an IPv6 and an IPv4 connection are open: the IPv4 one
 * (on the old address) is aborted, the IPv6 one carries on, .2 stops answering and .3 answers. */
static void test_address_change(void)
{
	wire_basic(2800);
	struct tcp_pair t4 = {0}, t6 = {0};
	CHECK(tcp_open(&t4, "10.0.0.1", "10.0.0.2", 7003));
	CHECK(tcp_open(&t6, rfc_a, rfc_b, 7004));
	CHECK(tcp_exchange(&t6, 10000, 10000));
	CHECK(ping_answered("10.0.0.1", "10.0.0.2"));
	unsigned changes = W.end[1].mcast_changes;
	struct zt_netif_ip b[] = {ipn("10.0.0.3", 24), ipn(rfc_b, 88)};
	CHECK(configure(1, b, 2, NULL, 0, 0) == 0);
	CHECK(W.end[1].mcast_changes > changes); /* the ARP group of .3 replaces that of .2 */
	CHECK(t4.s.err && t4.s.pcb == NULL);     /* B's end of the connection on .2 is gone */
	CHECK(!t6.c.err && !t6.s.err);
	CHECK(tcp_exchange(&t6, 20000, 20000));
	CHECK(!ping_answered("10.0.0.1", "10.0.0.2"));
	CHECK(ping_answered("10.0.0.1", "10.0.0.3"));
	/* the same for IPv6: B's RFC4193 address replaced by another */
	struct zt_netif_ip b2[] = {ipn("10.0.0.3", 24), ipn("fd00:9::2", 64)};
	struct zt_netif_ip a2[] = {ipn("10.0.0.1", 24), ipn(rfc_a, 88), ipn("fd00:9::1", 64)};
	CHECK(configure(0, a2, 3, NULL, 0, 0) == 0);
	CHECK(configure(1, b2, 2, NULL, 0, 0) == 0);
	CHECK(t6.s.err);
	CHECK(!ping_answered(rfc_a, rfc_b));
	CHECK(ping_answered("fd00:9::1", "fd00:9::2"));
	CHECK(ping_answered("10.0.0.1", "10.0.0.3")); /* IPv4 untouched by the IPv6 change */
	tcp_end_abort(&t4.c);
	tcp_end_abort(&t4.s);
	tcp_end_abort(&t6.c);
	tcp_end_abort(&t6.s);
	wire_settle(&W, 20);
	wire_free(&W);
}

/* Several IPv4 addresses in different subnets on one network, and more than fit. */
static void test_many_ipv4(void)
{
	CHECK(wire_init(&W, NWID, mac_a, mac_b, 2800) == 0);
	struct zt_netif_ip a[] = {ipn("10.0.0.1", 24), ipn("192.168.7.1", 24), ipn(rfc_a, 88)};
	struct zt_netif_ip b[ZT_NETIF_MAX_IP4 + 2];
	char text[ZT_NETIF_MAX_IP4 + 2][32];
	for (int i = 0; i < ZT_NETIF_MAX_IP4 + 2; i++) {
		snprintf(text[i], sizeof(text[i]), i == 0 ? "192.168.7.2" : "10.0.0.%d", 10 + i);
		b[i] = ipn(text[i], 24);
	}
	CHECK(configure(0, a, 3, NULL, 0, 0) == 0);
	CHECK(configure(1, b, ZT_NETIF_MAX_IP4 + 2, NULL, 0, 0) == -ENOSPC);
	CHECK(zt_netif_stats(W.end[1].nif)->addrs_ignored == 2);
	CHECK(ping_answered("192.168.7.1", "192.168.7.2"));
	CHECK(ping_answered("10.0.0.1", "10.0.0.11"));
	CHECK(ping_answered("10.0.0.1", text[ZT_NETIF_MAX_IP4 - 1]));
	CHECK(!ping_answered("10.0.0.1", text[ZT_NETIF_MAX_IP4]));
	struct tcp_pair t = {0};
	CHECK(tcp_open(&t, "10.0.0.1", "10.0.0.13", 7005));
	CHECK(tcp_exchange(&t, 50000, 50000));
	/* B's first address goes: the primary netif keeps its IPv6, the connection on .13 carries on */
	CHECK(configure(1, b + 1, 5, NULL, 0, 0) == 0);
	CHECK(!ping_answered("192.168.7.1", "192.168.7.2"));
	CHECK(tcp_exchange(&t, 50000, 50000));
	/* a new address takes the primary's empty IPv4 slot */
	struct zt_netif_ip b3[] = {b[1], b[2], b[3], ipn("192.168.7.3", 24)};
	CHECK(configure(1, b3, 4, NULL, 0, 0) == 0);
	CHECK(ping_answered("192.168.7.1", "192.168.7.3"));
	CHECK(tcp_exchange(&t, 1000, 1000));
	tcp_finish(&t);
	/* malformed configs change nothing */
	struct zt_netif_ip bad[] = {ipn("10.0.0.50", 33)};
	CHECK(configure(1, bad, 1, NULL, 0, 0) == -EINVAL);
	struct zt_netif_route badr[] = {route("10.0.0.0", 8, "fd00::1", 0)};
	CHECK(configure(1, b3, 4, badr, 1, 0) == -EINVAL);
	CHECK(ping_answered("192.168.7.1", "192.168.7.3"));
	wire_free(&W);
}

/* Frames to another member's MAC, or from a broadcast or our own MAC, never reach lwIP. */
static void test_foreign_frames(void)
{
	wire_basic(2800);
	CHECK(ping_answered("10.0.0.1", "10.0.0.2")); /* ARP done */
	/* take A's echo request and hand it to B addressed to another MAC */
	size_t since = W.nlog;
	CHECK(ping4("10.0.0.1", "10.0.0.2", 99) == ERR_OK);
	struct wire_frame req = W.log[W.nlog - 1];
	W.next = W.nlog; /* not delivered */
	const struct zt_netif_stats *st = zt_netif_stats(W.end[1].nif);
	uint64_t not_for_us = st->rx_not_for_us, bad = st->rx_bad, rx = st->rx_frames;
	uint8_t other[6] = {0x02, 0x99, 0x99, 0x99, 0x99, 0x99},
	        bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	zt_netif_frame_in(W.end[1].nif, mac_a, other, 0x0800, req.data, req.len);
	zt_netif_frame_in(W.end[1].nif, bcast, mac_b, 0x0800, req.data, req.len);
	zt_netif_frame_in(W.end[1].nif, mac_b, mac_b, 0x0800, req.data, req.len);
	zt_netif_frame_in(W.end[1].nif, mac_a, mac_b, 0x8100, req.data, req.len);
	zt_netif_frame_in(W.end[1].nif, mac_a, mac_b, 0x88cc, req.data, req.len);
	wire_pump(&W); /* no timers: nothing else may reach B meanwhile */
	CHECK(st->rx_not_for_us == not_for_us + 1);
	CHECK(st->rx_bad == bad + 4);
	CHECK(st->rx_frames == rx);
	struct ip_match reply = {IP_PROTO_ICMP, ICMP_ER, NULL, NULL, NULL};
	CHECK(wire_count(&W, 1, since, is_ip, &reply) == 0);
	/* the same frame to the right MAC is answered */
	zt_netif_frame_in(W.end[1].nif, mac_a, mac_b, 0x0800, req.data, req.len);
	wire_settle(&W, 10);
	CHECK(wire_count(&W, 1, since, is_ip, &reply) == 1);

	/* an ICMPv6 echo request from :: (lwIP would leak its answer): dropped */
	CHECK(ping_answered(rfc_a, rfc_b));
	CHECK(ping6(rfc_a, rfc_b, 98) == ERR_OK);
	struct wire_frame req6 = W.log[W.nlog - 1];
	W.next = W.nlog;
	uint8_t pkt[200];
	CHECK(req6.type == 0x86dd && req6.len <= sizeof(pkt));
	memcpy(pkt, req6.data, req6.len);
	memset(pkt + 8, 0, 16);
	uint32_t sum = 58 + (uint32_t)(req6.len - 40);
	pkt[42] = pkt[43] = 0;
	for (size_t i = 8; i + 1 < req6.len; i += 2)
		sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	pkt[42] = (uint8_t)(~sum >> 8);
	pkt[43] = (uint8_t)~sum;
	bad = st->rx_bad;
	since = W.nlog;
	zt_netif_frame_in(W.end[1].nif, mac_a, mac_b, 0x86dd, pkt, req6.len);
	/* and from 127.0.0.1: its answer would land on the apps' private loopback */
	CHECK(req.len <= sizeof(pkt));
	memcpy(pkt, req.data, req.len);
	pkt[12] = 127;
	pkt[13] = pkt[14] = 0;
	pkt[15] = 1;
	pkt[10] = pkt[11] = 0;
	sum = 0;
	for (size_t i = 0; i < 20; i += 2)
		sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	pkt[10] = (uint8_t)(~sum >> 8);
	pkt[11] = (uint8_t)~sum;
	zt_netif_frame_in(W.end[1].nif, mac_a, mac_b, 0x0800, pkt, req.len);
	wire_pump(&W);
	CHECK(st->rx_bad == bad + 2 && W.nlog == since);
	wire_free(&W);
}

static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Truncated, inconsistent and random frames of every ethertype: dropped by lwIP, nothing leaks. */
static void test_malformed(void)
{
	wire_basic(2800);
	CHECK(ping_answered("10.0.0.1", "10.0.0.2"));
	CHECK(ping_answered(rfc_a, rfc_b));
	/* real frames from the log as templates */
	size_t templates = W.nlog;
	struct zt_netif *b = W.end[1].nif;
	static uint8_t buf[ZT_NETIF_MTU_MAX + 100];
	uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const uint16_t types[] = {0x0800, 0x0806, 0x86dd};
	for (int t = 0; t < 3; t++)
		for (size_t len = 0; len < 80; len++) {
			memset(buf, 0, len);
			zt_netif_frame_in(b, mac_a, mac_b, types[t], buf, len);
			memset(buf, 0xff, len);
			zt_netif_frame_in(b, mac_a, bcast, types[t], buf, len);
		}
	for (size_t i = 0; i < templates; i++) {
		const struct wire_frame f = W.log[i];
		/* every truncation of every real frame, and the same with its length fields lying */
		for (size_t len = 0; len < f.len; len++) {
			memcpy(buf, f.data, f.len);
			zt_netif_frame_in(b, mac_a, mac_b, f.type, buf, len);
			if (f.len > 8) {
				buf[2] ^= 0x40;
				buf[5] ^= 0x10;
				zt_netif_frame_in(b, mac_a, mac_b, f.type, buf, f.len);
			}
		}
		wire_pump(&W);
	}
	/* random mutations of real frames, and pure noise up to the largest frame */
	for (int round = 0; round < 20000; round++) {
		const struct wire_frame f = W.log[rng() % templates];
		size_t len = f.len;
		memcpy(buf, f.data, f.len);
		int flips = 1 + rng() % 4;
		for (int k = 0; k < flips && len; k++)
			buf[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
		if (rng() % 4 == 0)
			len = rng() % (f.len + 1);
		zt_netif_frame_in(b, mac_a, rng() % 3 ? mac_b : bcast, rng() % 8 ? f.type : types[rng() % 3],
		                  buf, len);
		if (round % 500 == 0) {
			len = rng() % (ZT_NETIF_MTU_MAX + 50);
			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)rng();
			zt_netif_frame_in(b, mac_a, mac_b, types[rng() % 3], buf, len);
		}
		if (round % 100 == 0) {
			W.next = W.nlog; /* B's answers to noise are not delivered back */
			wire_pump(&W);
		}
	}
	W.next = W.nlog;
	wire_pump(&W);
	/* B still works, once it forgets the MACs the noise taught it (as an attacker's ARP could) */
	struct netif *n;
	NETIF_FOREACH(n)
	{
		etharp_cleanup_netif(n);
		nd6_cleanup_netif(n);
	}
	CHECK(ping_answered("10.0.0.1", "10.0.0.2"));
	CHECK(ping_answered(rfc_a, rfc_b));
	wire_free(&W);
}

static bool has_group(const struct zt_netif_group *g, size_t n, const uint8_t mac[6], uint32_t adi)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(g[i].mac, mac, 6) == 0 && g[i].adi == adi)
			return true;
	return false;
}

static void test_multicast_groups(void)
{
	CHECK(wire_init(&W, NWID, mac_a, mac_b, 2800) == 0);
	struct zt_netif *a = W.end[0].nif;
	struct zt_netif_ip addrs[] = {ipn("10.0.0.1", 24), ipn("10.1.0.1", 16), ipn(rfc_a, 88),
	                              ipn(plane_a, 40)};
	struct zt_netif_ipconfig c = {.addrs = addrs, .naddrs = 4, .broadcast = false};
	CHECK(zt_netif_set_config(a, &c) == 0);
	struct zt_netif_group g[64];
	size_t n = zt_netif_multicast_groups(a, g, 64);
	CHECK(n <= 64);
	const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, allnodes[6] = {0x33, 0x33, 0, 0, 0, 1},
	              allsystems[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	CHECK(has_group(g, n, bcast, 0x0a000001) && has_group(g, n, bcast, 0x0a010001));
	CHECK(!has_group(g, n, bcast, 0));
	CHECK(has_group(g, n, allnodes, 0) && has_group(g, n, allsystems, 0));
	/* each IPv6 address's resolution group: RFC4193, 6PLANE (…::1, shared by every member) and
	 * link-local, made as VL2 makes it */
	struct zt_mcast_group want;
	uint8_t ip[16];
	inet_pton(AF_INET6, rfc_a, ip);
	zt_mcast_group_for_ipv6(&want, ip);
	CHECK(has_group(g, n, want.mac, want.adi));
	inet_pton(AF_INET6, plane_a, ip);
	zt_mcast_group_for_ipv6(&want, ip);
	CHECK(has_group(g, n, want.mac, want.adi) && want.mac[5] == 1 && want.mac[3] == 0);
	const uint8_t ll[6] = {0x33, 0x33, 0xff, mac_a[3], mac_a[4], mac_a[5]};
	CHECK(has_group(g, n, ll, 0));
	/* two ARP groups, all-systems (both netifs), all-nodes, three solicited-node groups */
	CHECK(n == 7);
	for (size_t i = 1; i < n; i++)
		CHECK(memcmp(g[i - 1].mac, g[i].mac, 6) < 0 ||
		      (memcmp(g[i - 1].mac, g[i].mac, 6) == 0 && g[i - 1].adi < g[i].adi));
	CHECK(zt_netif_multicast_groups(a, NULL, 0) == n);

	/* broadcast on: one more */
	c.broadcast = true;
	CHECK(zt_netif_set_config(a, &c) == 0);
	CHECK(zt_netif_multicast_groups(a, g, 64) == n + 1 && has_group(g, n + 1, bcast, 0));

	/* an app joins an IPv4 and an IPv6 group: reported at once and listed, gone after leaving */
	unsigned changes = W.end[0].mcast_changes;
	ip4_addr_t g4;
	ip6_addr_t g6;
	ip4addr_aton("239.1.2.3", &g4);
	ip6addr_aton("ff05::1:3", &g6);
	CHECK(igmp_joingroup_netif(zt_netif_lwip(a), &g4) == ERR_OK);
	CHECK(mld6_joingroup_netif(zt_netif_lwip(a), &g6) == ERR_OK);
	CHECK(W.end[0].mcast_changes >= changes + 2);
	size_t m = zt_netif_multicast_groups(a, g, 64);
	const uint8_t m4[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03},
	              m6[6] = {0x33, 0x33, 0x00, 0x01, 0x00, 0x03};
	CHECK(m == n + 3 && has_group(g, m, m4, 0) && has_group(g, m, m6, 0));
	CHECK(igmp_leavegroup_netif(zt_netif_lwip(a), &g4) == ERR_OK);
	CHECK(mld6_leavegroup_netif(zt_netif_lwip(a), &g6) == ERR_OK);
	CHECK(zt_netif_multicast_groups(a, g, 64) == n + 1);
	/* a secondary netif's groups count too */
	struct zt_netif_ip fewer[] = {ipn("10.1.0.1", 16), ipn(rfc_a, 88)};
	c = (struct zt_netif_ipconfig){.addrs = fewer, .naddrs = 2};
	CHECK(zt_netif_set_config(a, &c) == 0);
	n = zt_netif_multicast_groups(a, g, 64);
	CHECK(has_group(g, n, bcast, 0x0a010001) && !has_group(g, n, bcast, 0x0a000001));
	inet_pton(AF_INET6, plane_a, ip);
	zt_mcast_group_for_ipv6(&want, ip);
	CHECK(!has_group(g, n, want.mac, want.adi));
	wire_free(&W);
}

/* Creation errors, and a netif freed with frames still queued in lwIP (ARP, NDP, loopback). */
static void test_lifecycle(void)
{
	struct zt_netif *n = NULL;
	struct zt_netif_config cfg = {.nwid = NWID, .mtu = 2800};
	memcpy(cfg.mac, mac_a, 6);
	CHECK(zt_netif_new(&n, &cfg) == -EINVAL && n == NULL); /* no frame_out */
	wire_basic(99999);
	CHECK(zt_netif_mtu(W.end[0].nif) == ZT_NETIF_MTU_MAX);
	CHECK(ping4("10.0.0.1", "10.0.0.77", 1) == ERR_OK); /* waits in ARP's queue */
	CHECK(ping6(rfc_a, "fd00::77", 1) == ERR_RTE);
	CHECK(ping4("10.0.0.1", "10.0.0.1", 2) == ERR_OK); /* to itself: lwIP's loopback queue */
	wire_free(&W);
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(test_arp_icmp4),
	    ZT_TEST(test_icmp6_ndp),
	    ZT_TEST(test_tcp),
	    ZT_TEST(test_udp),
	    ZT_TEST(test_mtu),
	    ZT_TEST(test_address_change),
	    ZT_TEST(test_many_ipv4),
	    ZT_TEST(test_foreign_frames),
	    ZT_TEST(test_malformed),
	    ZT_TEST(test_multicast_groups),
	    ZT_TEST(test_lifecycle),
	};
	return netif_suite_main("stack_netif", tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
