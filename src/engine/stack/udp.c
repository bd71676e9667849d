/* UDP sockets: one datagram of the app's socketpair is one UDP datagram. Unconnected sockets ('d')
 * carry the peer address in front of each datagram; connected ones ('c') carry only the payload, so
 * read/write work on them. Datagrams that find the app's queue full are dropped, as a kernel would. */
#include "sock_int.h"
#include "service_int.h"
#include "stack.h"
#include "netif_int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ZT_UDP_DGRAMS_PER_EVENT 32

size_t zt_dgram_frame_in(struct zt_sock *s, uint8_t *buf, const ip_addr_t *from, uint16_t port)
{
	struct zt_nc_addr a;
	zt_stack_addr_to_nc(from, port, s->domain, &a);
	struct zt_nc_buf b = {.p = buf, .len = ZT_NC_ADDR_LEN + ZT_NC_INFO_LEN};
	if (s->kind != 'D') {
		zt_nc_put_frame(&b, &a, NULL);
		return b.off;
	}
	/* As Linux: IPV6_PKTINFO for any datagram on an IPv6 socket; for one that came over IPv4 the
	 * IP_ options, else the IPV6_ ones. */
	struct zt_nc_info info = {0};
	struct zt_nc_addr local;
	zt_stack_addr_to_nc(ip_current_dest_addr(), 0, s->domain, &local);
	memcpy(info.local, local.addr, 16);
	struct netif *in = ip_current_input_netif();
	if (in && zt_netif_is_ours(in))
		in = zt_netif_lwip(in->state); /* an extra IPv4 address's netif stands for its network's */
	info.ifindex = in ? netif_get_index(in) : 0;
	info.have = s->rx_info & ZT_NC_INFO_IPV6_PKTINFO;
	if (ip_current_is_v6()) {
		info.ttl = IP6H_HOPLIM(ip6_current_header());
		info.tos = IP6H_TC(ip6_current_header());
		info.have |= s->rx_info & (ZT_NC_INFO_IPV6_HOPLIMIT | ZT_NC_INFO_IPV6_TCLASS);
	} else {
		info.ttl = IPH_TTL(ip4_current_header());
		info.tos = IPH_TOS(ip4_current_header());
		info.have |= s->rx_info & (ZT_NC_INFO_IP_PKTINFO | ZT_NC_INFO_IP_TTL | ZT_NC_INFO_IP_TOS);
		if (s->domain == AF_INET)
			memcpy(info.local, ip_current_dest_addr(), 4);
	}
	zt_nc_put_frame(&b, &a, &info);
	return b.off;
}

static void on_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	(void)pcb;
	struct zt_sock *s = arg;
	/* lwIP gives UDP and UDP-Lite datagrams to whichever PCB has the port: each socket takes its own */
	bool lite = ip_current_header_proto() == IP_PROTO_UDPLITE;
	if (!s || s->app_gone || lite != (s->protocol == IPPROTO_UDPLITE)) {
		pbuf_free(p);
		return;
	}
	uint8_t *buf = s->svc->iobuf;
	size_t off = s->kind == 'c' ? 0 : zt_dgram_frame_in(s, buf, addr, port);
	size_t len = pbuf_copy_partial(p, buf + off, p->tot_len, 0); /* iobuf holds 64 KiB + header */
	pbuf_free(p);
	send(s->fd, buf, off + len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void zt_udp_attach(struct zt_sock *s, struct udp_pcb *pcb)
{
	s->pcb.udp = pcb;
	udp_recv(pcb, on_udp_recv, s);
}

/* Sends p as the app's ancillary data asked: hop limit, traffic class, source address, interface. */
static void udp_send_with_info(struct zt_sock *s, struct pbuf *p, const ip_addr_t *ip, uint16_t port,
                               const struct zt_nc_info *info)
{
	struct udp_pcb *pcb = s->pcb.udp;
	u8_t ttl = pcb->ttl, tos = pcb->tos;
	if (info->have & (ZT_NC_INFO_IP_TTL | ZT_NC_INFO_IPV6_HOPLIMIT))
		pcb->ttl = info->ttl;
	if (info->have & (ZT_NC_INFO_IP_TOS | ZT_NC_INFO_IPV6_TCLASS))
		pcb->tos = info->tos;
	ip_addr_t src = *IP_ANY_TYPE;
	if (info->have & (ZT_NC_INFO_IP_PKTINFO | ZT_NC_INFO_IPV6_PKTINFO)) {
		struct zt_nc_addr l = {.family = (uint16_t)s->domain};
		memcpy(l.addr, info->local, 16);
		uint16_t unused;
		if (zt_stack_addr_from_nc(&l, &src, &unused) < 0)
			src = *IP_ANY_TYPE;
	}
	struct netif *out = info->ifindex ? netif_get_by_index((u8_t)info->ifindex) : NULL;
	bool has_src = !ip_addr_isany(&src) && IP_GET_TYPE(&src) == IP_GET_TYPE(ip);
	if (has_src && !zt_stack_addr_is_local(&src)) {
		/* not ours to send from: dropped (the kernel would refuse the sendmsg) */
	} else if (has_src || out) {
		if (!out)
			out = ip_route(&src, ip);
		if (out)
			udp_sendto_if_src(pcb, p, ip, port, out, has_src ? &src : ip_netif_get_local_ip(out, ip));
	} else {
		udp_sendto(pcb, p, ip, port);
	}
	pcb->ttl = ttl;
	pcb->tos = tos;
}

static void udp_send_one(struct zt_sock *s, const uint8_t *data, size_t len)
{
	ip_addr_t ip;
	uint16_t port = 0;
	struct zt_nc_info info = {0};
	if (s->kind != 'c') {
		struct zt_nc_addr to;
		struct zt_nc_buf b = {.p = (uint8_t *)data, .len = len};
		bool has_info;
		zt_nc_get_frame(&b, &to, &info, &has_info);
		if (b.bad || zt_stack_addr_from_nc(&to, &ip, &port) < 0)
			return;
		if (IP_IS_V4(&ip) && s->domain == AF_INET6 && s->v6only)
			return;
		if (IP_IS_V6(&ip) && s->domain == AF_INET)
			return;
		data += b.off;
		len -= b.off;
	}
	if (len > 0xffff - 8)
		return;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return;
	pbuf_take(p, data, (u16_t)len);
	if (s->kind != 'c' && info.have)
		udp_send_with_info(s, p, &ip, port, &info);
	else if (s->kind != 'c')
		udp_sendto(s->pcb.udp, p, &ip, port);
	else
		udp_send(s->pcb.udp, p);
	s->bound = true;
	pbuf_free(p);
}

void zt_udp_io(struct zt_sock *s, uint32_t events)
{
	bool gone = events & (EPOLLHUP | EPOLLERR);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		/* once the app has hung up, send everything it left behind before the socket goes */
		for (int i = 0; i < ZT_UDP_DGRAMS_PER_EVENT || gone; i++) {
			ssize_t n = recv(s->fd, s->svc->iobuf, sizeof(s->svc->iobuf), MSG_DONTWAIT);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;
			/* seqpacket: 0 is an empty datagram, or the end once the app hung up */
			if (n == 0 && (s->kind != 'c' || (events & (EPOLLHUP | EPOLLERR))))
				break;
			if (s->pcb.udp)
				udp_send_one(s, s->svc->iobuf, (size_t)n);
		}
	}
	if (gone) {
		s->app_gone = true;
		zt_sock_kill(s);
	}
}

int zt_udp_bind(struct zt_sock *s, const ip_addr_t *ip, uint16_t port)
{
	if (s->bound)
		return -EINVAL;
	if (!zt_stack_addr_is_local(ip))
		return -EADDRNOTAVAIL;
	err_t e = udp_bind(s->pcb.udp, ip, port);
	if (e != ERR_OK)
		return zt_stack_errno(e);
	s->bound = true;
	return 0;
}

int zt_udp_connect(struct zt_sock *s, const struct zt_nc_addr *to)
{
	if (to->family == AF_UNSPEC) {
		udp_disconnect(s->pcb.udp);
		char kind = s->rx_info ? 'D' : 'd';
		return s->kind == kind ? 0 : zt_sock_repair(s, kind);
	}
	ip_addr_t ip;
	uint16_t port;
	int r = zt_stack_addr_from_nc(to, &ip, &port);
	if (r < 0)
		return r;
	if ((IP_IS_V4(&ip) && s->domain == AF_INET6 && s->v6only) || (IP_IS_V6(&ip) && s->domain == AF_INET))
		return -EAFNOSUPPORT;
	err_t e = udp_connect(s->pcb.udp, &ip, port);
	if (e != ERR_OK)
		return zt_stack_errno(e);
	s->bound = true;
	return zt_sock_repair(s, 'c');
}
