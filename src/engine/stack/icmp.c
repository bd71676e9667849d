/* ICMP echo ("ping") sockets: socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) and its IPv6 twin, as Linux
 * offers them to unprivileged programs. The app writes an echo request (type, code, checksum,
 * identifier, sequence, data); we set the identifier to the socket's own and the checksum, as the
 * kernel does, and send it; echo replies carrying that identifier come back as datagrams without their
 * IP header. Framed like unconnected UDP ('d' or 'D', rpc.h). Echo requests to us stay lwIP's to answer. */
#include "sock_int.h"
#include "service_int.h"
#include "stack.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "lwip/inet_chksum.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/icmp6.h"
#include "lwip/raw.h"

#define ICMP_HDR 8

static bool is_v6(const struct zt_sock *s)
{
	return s->domain == AF_INET6;
}

/* A raw PCB sees whole IP packets: take ours (echo replies with our identifier), leave the rest. */
static u8_t on_raw_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	(void)pcb;
	struct zt_sock *s = arg;
	if (!s || s->app_gone)
		return 0;
	uint8_t first;
	if (pbuf_copy_partial(p, &first, 1, 0) != 1)
		return 0;
	size_t iphl = is_v6(s) ? 40 : (size_t)(first & 0x0f) * 4;
	uint8_t hdr[ICMP_HDR];
	if (p->tot_len < iphl + ICMP_HDR || pbuf_copy_partial(p, hdr, ICMP_HDR, (u16_t)iphl) != ICMP_HDR)
		return 0;
	uint8_t reply = is_v6(s) ? ICMP6_TYPE_EREP : ICMP_ER;
	uint16_t ident = (uint16_t)(hdr[4] << 8 | hdr[5]);
	if (hdr[0] != reply || ident != s->icmp_id)
		return 0;
	uint8_t *buf = s->svc->iobuf;
	size_t off = zt_dgram_frame_in(s, buf, addr, 0); /* ping asks for IP_RECVTTL */
	size_t len = pbuf_copy_partial(p, buf + off, (u16_t)(p->tot_len - iphl), (u16_t)iphl);
	send(s->fd, buf, off + len, MSG_DONTWAIT | MSG_NOSIGNAL);
	pbuf_free(p);
	return 1;
}

int zt_icmp_attach(struct zt_sock *s)
{
	struct raw_pcb *pcb = raw_new_ip_type(is_v6(s) ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4,
	                                      is_v6(s) ? IP6_NEXTH_ICMP6 : IP_PROTO_ICMP);
	if (!pcb)
		return -ENOBUFS;
	if (is_v6(s)) {
		/* lwIP fills in the ICMPv6 checksum, which covers a pseudo-header only the stack knows */
		pcb->chksum_reqd = 1;
		pcb->chksum_offset = 2;
	}
	/* The identifier the kernel would give the socket: any, but distinct among ours. */
	s->icmp_id = (uint16_t)(0x8000 | (s->id & 0x7fff));
	s->pcb.raw = pcb;
	raw_recv(pcb, on_raw_recv, s);
	return 0;
}

static void icmp_send_one(struct zt_sock *s, const uint8_t *data, size_t len)
{
	struct zt_nc_addr to;
	struct zt_nc_info info; /* ancillary data is not applied to echo requests */
	bool has_info;
	struct zt_nc_buf b = {.p = (uint8_t *)data, .len = len};
	zt_nc_get_frame(&b, &to, &info, &has_info);
	ip_addr_t ip;
	uint16_t port;
	if (b.bad || zt_stack_addr_from_nc(&to, &ip, &port) < 0 || IP_IS_V6(&ip) != is_v6(s))
		return;
	data += b.off;
	len -= b.off;
	uint8_t request = is_v6(s) ? ICMP6_TYPE_EREQ : ICMP_ECHO;
	if (len < ICMP_HDR || len > 0xffff - 48 || data[0] != request)
		return; /* a ping socket sends echo requests only (Linux: EINVAL) */
	struct pbuf *p = pbuf_alloc(PBUF_IP, (u16_t)len, PBUF_RAM);
	if (!p)
		return;
	pbuf_take(p, data, (u16_t)len);
	uint8_t *m = p->payload;
	m[4] = (uint8_t)(s->icmp_id >> 8);
	m[5] = (uint8_t)s->icmp_id;
	m[2] = m[3] = 0;
	if (!is_v6(s)) {
		u16_t sum = inet_chksum(m, (u16_t)len);
		memcpy(m + 2, &sum, 2);
	}
	raw_sendto(s->pcb.raw, p, &ip);
	pbuf_free(p);
}

void zt_icmp_io(struct zt_sock *s, uint32_t events)
{
	bool gone = events & (EPOLLHUP | EPOLLERR);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		for (int i = 0; i < 32 || gone; i++) {
			ssize_t n = recv(s->fd, s->svc->iobuf, sizeof(s->svc->iobuf), MSG_DONTWAIT);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (s->pcb.raw)
				icmp_send_one(s, s->svc->iobuf, (size_t)n);
		}
	}
	if (gone) {
		s->app_gone = true;
		zt_sock_kill(s);
	}
}
