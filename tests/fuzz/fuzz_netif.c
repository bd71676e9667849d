/* Fuzz target: zt_netif_frame_in and lwIP behind it. Each input configures one netif (MTU, NDP emulation,
 * broadcast, a secondary IPv4 address) and feeds it a stream of frames; with a TCP echo listener and a UDP
 * echo socket behind it, answers go out through frame_out, which checks them against the MTU. Optionally the
 * harness repairs IP and transport checksums, so mutations reach past lwIP's checks. After each input the
 * netif is freed and every lwIP pool entry and heap byte must be back. */
#include "fuzz_common.h"

#include <string.h>

#include "lwip/ip4_frag.h"
#include "lwip/ip6_frag.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "loop.h"
#include "stack/netif.h"
#include "stack/stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NWID 0x8056c2e21c000001ULL

static unsigned cur_mtu;
static volatile uint32_t sink;

static void frame_out(void *arg, const uint8_t dst[6], const uint8_t src[6], uint16_t ethertype,
                      uint16_t vlan, const void *payload, size_t len)
{
	(void)arg;
	FUZZ_ASSERT(len <= cur_mtu && vlan == 0);
	FUZZ_ASSERT(memcmp(src, "\x02\x11\x22\x33\x44\x55", 6) == 0);
	const uint8_t *p = payload;
	uint32_t s = dst[0] + ethertype;
	for (size_t i = 0; i < len; i++) /* every byte readable */
		s += p[i];
	sink += s;
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (!p) {
		tcp_close(pcb);
		return ERR_OK;
	}
	for (struct pbuf *q = p; q; q = q->next)
		if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK)
			break;
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	tcp_recv(pcb, echo_recv);
	return ERR_OK;
}

static void udp_echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	(void)arg;
	udp_sendto(pcb, p, addr, port);
	pbuf_free(p);
}

struct pools {
	unsigned used[MEMP_MAX];
	size_t heap;
};

static void snapshot(struct pools *p)
{
	for (int i = 0; i < MEMP_MAX; i++)
		p->used[i] = lwip_stats.memp[i]->used;
	p->heap = zt_lwip_heap_outside_pools();
}

static const struct pools *baseline(void)
{
	static struct pools base;
	static struct zt_loop *loop; /* kept for the process's life */
	static bool ready;
	if (!ready) {
		if (zt_loop_new(&loop) < 0 || zt_stack_init(loop) < 0)
			abort();
		struct tcp_pcb *l = tcp_new_ip_type(IPADDR_TYPE_ANY);
		tcp_bind(l, IP_ANY_TYPE, 80);
		l = tcp_listen(l);
		tcp_accept(l, echo_accept);
		struct udp_pcb *u = udp_new_ip_type(IPADDR_TYPE_ANY);
		udp_bind(u, IP_ANY_TYPE, 7);
		udp_recv(u, udp_echo, NULL);
		snapshot(&base);
		ready = true;
	}
	return &base;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static void put_csum(uint8_t *at, uint32_t s, bool udp)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	uint16_t c = (uint16_t)~s;
	if (udp && c == 0)
		c = 0xffff;
	at[0] = (uint8_t)(c >> 8);
	at[1] = (uint8_t)c;
}

static int csum_offset(uint8_t proto)
{
	return proto == 6 ? 16 : proto == 17 ? 6 : proto == 1 || proto == 58 ? 2 : -1;
}

/* Makes the checksums of an IPv4 or IPv6 packet right, as far as its (possibly lying) lengths allow. */
static void fix_checksums(uint8_t *b, size_t len, uint16_t type)
{
	if (type == 0x0800 && len >= 20 && (b[0] >> 4) == 4) {
		size_t ihl = (size_t)(b[0] & 15) * 4, tot = (size_t)(b[2] << 8 | b[3]);
		if (ihl < 20 || ihl > len)
			return;
		b[10] = b[11] = 0;
		put_csum(b + 10, sum16(b, ihl, 0), false);
		tot = tot > len ? len : tot;
		int off = csum_offset(b[9]);
		if (tot < ihl || ((b[6] << 8 | b[7]) & 0x3fff) || off < 0 || tot - ihl < (size_t)off + 2)
			return;
		uint8_t *l4 = b + ihl;
		size_t l4len = tot - ihl;
		l4[off] = l4[off + 1] = 0;
		uint32_t s = b[9] == 1 ? 0 : sum16(b + 12, 8, b[9] + (uint32_t)l4len);
		put_csum(l4 + off, sum16(l4, l4len, s), b[9] == 17);
	} else if (type == 0x86dd && len >= 40) {
		size_t plen = (size_t)(b[4] << 8 | b[5]);
		plen = 40 + plen > len ? len - 40 : plen;
		int off = csum_offset(b[6]);
		if (off < 0 || b[6] == 1 || plen < (size_t)off + 2)
			return;
		uint8_t *l4 = b + 40;
		l4[off] = l4[off + 1] = 0;
		put_csum(l4 + off, sum16(l4, plen, sum16(b + 8, 32, b[6] + (uint32_t)plen)), b[6] == 17);
	}
}

static struct zt_netif_ip ip(int family, const char *bytes, unsigned prefix)
{
	struct zt_netif_ip a = {.family = family, .prefix = prefix};
	memcpy(a.ip, bytes, family == AF_INET ? 4 : 16);
	return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pools *base = baseline();
	struct zt_rd r = {.p = data, .len = size};
	uint8_t flags = zt_rd_u8(&r);
	unsigned mtu = 1280 + zt_rd_u16(&r) % 8721;
	if (r.bad)
		return 0;
	cur_mtu = mtu;
	static const uint8_t mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	struct zt_netif_config cfg = {.nwid = NWID, .mtu = mtu, .frame_out = frame_out};
	memcpy(cfg.mac, mac, 6);
	struct zt_netif *nif;
	FUZZ_ASSERT(zt_netif_new(&nif, &cfg) == 0);
	struct zt_netif_ip addrs[] = {
	    ip(AF_INET, "\x0a\x93\x14\x05", 24),
	    ip(AF_INET6, "\xfd\x80\x56\xc2\xe2\x1c\x00\x00\x01\x99\x93\x11\x22\x33\x44\x55", 88),
	    ip(AF_INET6, "\xfc\x9c\x56\xc2\xe3\x11\x22\x33\x44\x55\x00\x00\x00\x00\x00\x01", 40),
	    ip(AF_INET, "\x0a\x00\x00\x05", 8),
	};
	struct zt_netif_route routes[] = {
	    {ip(AF_INET, "\x0a\x09\x00\x00", 16), ip(AF_INET, "\x0a\x93\x14\x01", 0), 0},
	    {ip(AF_INET6, "\xfd\x99\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16),
	     ip(AF_INET6, "\xfd\x80\x56\xc2\xe2\x1c\x00\x00\x01\x99\x93\x66\x77\x88\x99\xaa", 0), 0},
	};
	struct zt_netif_ipconfig c = {.addrs = addrs,
	                              .naddrs = flags & 4 ? 4 : 3,
	                              .routes = routes,
	                              .nroutes = 2,
	                              .mtu = mtu,
	                              .broadcast = flags & 2,
	                              .ndp_emulation = flags & 1};
	FUZZ_ASSERT(zt_netif_set_config(nif, &c) == 0);

	static uint8_t buf[ZT_NETIF_MTU_MAX + 64];
	static const uint16_t types[] = {0x0800, 0x0806, 0x86dd};
	while (zt_rd_left(&r) >= 3) {
		uint8_t kind = zt_rd_u8(&r);
		size_t len = zt_rd_u16(&r);
		uint16_t type = (kind & 3) == 3 ? zt_rd_u16(&r) : types[kind & 3];
		uint8_t dst[6];
		switch ((kind >> 2) & 3) {
		case 0:
			memcpy(dst, mac, 6);
			break;
		case 1:
			memset(dst, 0xff, 6);
			break;
		case 2:
			memcpy(dst, "\x33\x33\xff\x33\x44\x55", 6);
			break;
		default:
			memcpy(dst, "\x01\x00\x5e\x00\x00\x01", 6);
		}
		uint8_t src[6] = {0x02, 0x66, 0x77, 0x88, 0x99, (uint8_t)(kind >> 5)};
		len = len > zt_rd_left(&r) ? zt_rd_left(&r) : len;
		len = len > sizeof(buf) ? sizeof(buf) : len; /* still past the largest frame a netif takes */
		const uint8_t *p = zt_rd_bytes(&r, len);
		if (!p)
			break;
		memcpy(buf, p, len);
		if (flags & 8)
			fix_checksums(buf, len, type);
		zt_netif_frame_in(nif, src, dst, type, buf, len);
		netif_poll_all();
	}
	zt_netif_free(nif);
	/* expire half-reassembled datagrams; their ICMP "time exceeded" may loop back to 127.0.0.1 */
	for (int i = 0; i < 100; i++) {
		ip_reass_tmr();
		ip6_reass_tmr();
	}
	netif_poll_all();
	struct pools after;
	snapshot(&after);
	for (int i = 0; i < MEMP_MAX; i++)
		FUZZ_ASSERT(i == MEMP_SYS_TIMEOUT || after.used[i] == base->used[i]);
	FUZZ_ASSERT(after.heap == base->heap);
	return 0;
}
