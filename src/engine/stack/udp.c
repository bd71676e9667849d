/* UDP sockets: one datagram of the app's socketpair is one UDP datagram. Unconnected sockets ('d')
 * carry the peer address in front of each datagram; connected ones ('c') carry only the payload, so
 * read/write work on them. Datagrams that find the app's queue full are dropped, as a kernel would. */
#include "sock.h"
#include "service_int.h"
#include "stack.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#define ZT_UDP_DGRAMS_PER_EVENT 32

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
	size_t off = 0;
	if (s->kind == 'd') {
		struct zt_nc_addr from;
		zt_stack_addr_to_nc(addr, port, s->domain, &from);
		struct zt_nc_buf b = {.p = buf, .len = ZT_NC_ADDR_LEN};
		zt_nc_put_addr(&b, &from);
		off = b.off;
	}
	size_t len = pbuf_copy_partial(p, buf + off, p->tot_len, 0); /* iobuf holds 64 KiB + address */
	pbuf_free(p);
	send(s->fd, buf, off + len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void zt_udp_attach(struct zt_sock *s, struct udp_pcb *pcb)
{
	s->pcb.udp = pcb;
	udp_recv(pcb, on_udp_recv, s);
}

static void udp_send_one(struct zt_sock *s, const uint8_t *data, size_t len)
{
	ip_addr_t ip;
	uint16_t port = 0;
	if (s->kind == 'd') {
		struct zt_nc_addr to;
		struct zt_nc_buf b = {.p = (uint8_t *)data, .len = len};
		zt_nc_get_addr(&b, &to);
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
	if (s->kind == 'd')
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
			if (n == 0 && (s->kind == 'd' || (events & (EPOLLHUP | EPOLLERR))))
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
		return s->kind == 'd' ? 0 : zt_sock_repair(s, 'd');
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
