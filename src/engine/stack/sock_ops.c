/* The requests of rpc.h on one virtual socket (socket, bind, listen, connect, get*name, set/getsockopt):
 * each decodes its request body, acts on lwIP through tcp.c/udp.c/icmp.c/sockopt.c and returns 0 or
 * -errno for service.c's dispatcher to send back. */
#include "joined_int.h"
#include "netif.h"
#include "service_int.h"
#include "stack.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A new socket of the service; 0 with *reply_fd its app end, or -errno. */
static int new_socket(struct zt_service *svc, int domain, int type, int proto, int *reply_fd)
{
	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	if (type == SOCK_STREAM && proto != 0 && proto != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	bool icmp = type == SOCK_DGRAM && proto == (domain == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	bool lite = type == SOCK_DGRAM && proto == IPPROTO_UDPLITE;
	if (type == SOCK_DGRAM && proto != 0 && proto != IPPROTO_UDP && !icmp && !lite)
		return -EPROTONOSUPPORT;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	u8_t iptype = domain == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY;
	int app_fd;
	struct zt_sock *s = zt_sock_new(svc, domain, type, type == SOCK_STREAM ? 's' : 'd', &app_fd);
	if (!s)
		return app_fd;
	s->protocol = icmp || lite ? proto : type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	if (icmp) {
		zt_icmp_attach(s);
	} else if (type == SOCK_STREAM) {
		struct tcp_pcb *pcb = tcp_new_ip_type(iptype);
		if (pcb)
			zt_tcp_attach(s, pcb);
	} else {
		struct udp_pcb *pcb = udp_new_ip_type(iptype);
		if (pcb && lite)
			udp_setflags(pcb, udp_flags(pcb) | UDP_FLAGS_UDPLITE);
		if (pcb)
			zt_udp_attach(s, pcb);
	}
	if (!s->pcb.tcp && !s->pcb.udp) {
		close(app_fd);
		zt_sock_kill(s);
		return -ENOBUFS;
	}
	zt_sock_update_watch(s);
	*reply_fd = app_fd;
	return 0;
}

/* The options a placeholder carried (rpc.h, ZT_NC_CARRIED_MAX), to the end of the request; how many,
 * or -EINVAL. */
static int get_carried(struct zt_nc_buf *req, struct zt_sockopt_val *o, int max)
{
	int n = 0;
	while (!req->bad && req->off < req->len) {
		uint32_t level = zt_nc_get_u32(req), name = zt_nc_get_u32(req), len = zt_nc_get_u32(req);
		const void *val = len <= sizeof(o->val) ? zt_nc_get_bytes(req, len) : NULL;
		if (req->bad || !val || n == max)
			return -EINVAL;
		o[n].level = (int)level;
		o[n].name = (int)name;
		o[n].len = (int)len;
		memcpy(o[n].val, val, len);
		n++;
	}
	return req->bad ? -EINVAL : n;
}

/* Sets carried options on new stream socket s (its app end app_fd), as its setsockopt() would. */
static void set_carried(struct zt_sock *s, int app_fd, const struct zt_sockopt_val *o, int n)
{
	for (int i = 0; i < n; i++)
		zt_sockopt_set(s, app_fd, o[i].level, o[i].name, o[i].val, (uint32_t)o[i].len);
}

#define CARRIED_MAX (ZT_NC_CARRIED_MAX / 16)

int zt_op_socket(struct zt_service *svc, struct zt_nc_buf *req, int *reply_fd)
{
	int domain = (int)zt_nc_get_u32(req), type = (int)zt_nc_get_u32(req), proto = (int)zt_nc_get_u32(req);
	uint32_t flags = req->off < req->len ? zt_nc_get_u32(req) : 0;
	struct zt_sockopt_val opts[CARRIED_MAX];
	int nopts = get_carried(req, opts, CARRIED_MAX);
	if (req->bad || nopts < 0 || (nopts && type != SOCK_STREAM))
		return -EINVAL;
	int r = new_socket(svc, domain, type, proto, reply_fd);
	struct zt_sock *s = r == 0 && (nopts || (flags & ZT_NC_SOCKET_SHARED)) ? zt_sock_lookup(svc, *reply_fd) : NULL;
	if (s && (flags & ZT_NC_SOCKET_SHARED))
		s->no_join = true;
	if (s)
		set_carried(s, *reply_fd, opts, nopts);
	return r;
}

int zt_op_connect_new(struct zt_service *svc, struct zt_nc_buf *req, int *reply_fd)
{
	int domain = (int)zt_nc_get_u32(req);
	struct zt_nc_addr a;
	zt_nc_get_addr(req, &a);
	uint32_t flags = zt_nc_get_u32(req);
	struct zt_sockopt_val opts[CARRIED_MAX];
	int nopts = get_carried(req, opts, CARRIED_MAX);
	if (req->bad || nopts < 0)
		return -EINVAL;
	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	ip_addr_t ip;
	uint16_t port;
	/* A joined connection needs no virtual socket at all; --fallthrough decides first (zt_op_connect). */
	bool nonblock = flags & ZT_NC_CONNECT_NONBLOCK;
	if (!svc->fallthrough && (int)a.family == domain && zt_stack_addr_from_nc(&a, &ip, &port) == 0) {
		int c = zt_joined_connect_new(svc, domain, &ip, port, nonblock, opts, nopts);
		if (c >= 0) {
			*reply_fd = c;
			return nonblock ? -EINPROGRESS : 0;
		}
	}
	int r = new_socket(svc, domain, SOCK_STREAM, IPPROTO_TCP, reply_fd);
	struct zt_sock *s = r == 0 && nopts ? zt_sock_lookup(svc, *reply_fd) : NULL;
	if (s)
		set_carried(s, *reply_fd, opts, nopts);
	return r < 0 ? r : ZT_NC_CONNECT_AGAIN;
}

/* A port a joined connection holds is taken too (joined.c). */
static int bind_once(struct zt_sock *s, const ip_addr_t *ip, uint16_t port)
{
	if (s->type == SOCK_DGRAM)
		return zt_udp_bind(s, ip, port);
	int r = zt_joined_bind_check(s, ip, port);
	return r < 0 ? r : zt_tcp_bind(s, ip, port);
}

int zt_op_bind(struct zt_sock *s, struct zt_nc_buf *req)
{
	struct zt_nc_addr a;
	zt_nc_get_addr(req, &a);
	if (req->bad)
		return -EINVAL;
	if ((int)a.family != s->domain)
		return s->domain == AF_INET6 ? -EINVAL : -EAFNOSUPPORT;
	ip_addr_t ip;
	uint16_t port;
	int r = zt_stack_addr_from_nc(&a, &ip, &port);
	if (r < 0)
		return r;
	if (IP_IS_V4(&ip) && s->domain == AF_INET6 && s->v6only)
		return -EADDRNOTAVAIL;
	/* "::" on a dual-stack socket is both families' any-address */
	if (s->domain == AF_INET6 && !s->v6only && ip_addr_isany(&ip) && IP_IS_V6(&ip))
		ip = *IP_ANY_TYPE;
	else if (s->domain == AF_INET6 && s->v6only && ip_addr_isany(&ip))
		ip = *IP6_ADDR_ANY;
	if (zt_sock_is_icmp(s)) {
		if (!zt_stack_addr_is_local(&ip))
			return -EADDRNOTAVAIL;
		return zt_stack_errno(raw_bind(s->pcb.raw, &ip));
	}
	r = bind_once(s, &ip, port);
	if (r == -EADDRINUSE && zt_sock_settle_port(s->svc, s->type, port))
		r = bind_once(s, &ip, port);
	return r;
}

int zt_op_listen(struct zt_sock *s, struct zt_nc_buf *req, int *reply_fd)
{
	int backlog = (int)zt_nc_get_u32(req);
	if (req->bad)
		return -EINVAL;
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	bool was_listening = s->state == ZT_SOCK_LISTENING;
	int r = zt_tcp_listen(s, backlog);
	/* A listener at this port that its app closed a moment ago, before we saw the hang-up (bind with
	 * SO_REUSEADDR let this one take the port; lwIP refuses the second listener): settle it first. */
	if (r == -EADDRINUSE && s->pcb.tcp && zt_sock_settle_port(s->svc, SOCK_STREAM, s->pcb.tcp->local_port))
		r = zt_tcp_listen(s, backlog);
	if (r < 0 || was_listening)
		return r;
	r = zt_sock_repair(s, 'l');
	if (r < 0)
		return r; /* the pcb listens, but the app cannot accept: the socket stays unusable */
	*reply_fd = r;
	return 0;
}

/* --fallthrough: a destination none of our networks reaches is the host's. Returns ZT_NC_CONNECT_HOST
 * with *reply_fd a new socket of the host's stack (the caller connects it), 0 when the destination is
 * ours (or no address the normal path would take), or -errno. */
static int fall_through(struct zt_sock *s, const struct zt_nc_addr *a, int *reply_fd)
{
	ip_addr_t ip;
	uint16_t port;
	if (a->family == AF_UNSPEC || zt_stack_addr_from_nc(a, &ip, &port) < 0 || zt_netif_reaches(&ip))
		return 0;
	int fd = socket(s->domain, s->type | SOCK_CLOEXEC, s->protocol);
	if (fd < 0)
		return -errno;
	*reply_fd = fd;
	return ZT_NC_CONNECT_HOST;
}

int zt_op_connect(struct zt_service *svc, struct zt_rpc_conn *conn, uint32_t id, struct zt_sock *s,
                  int app_fd, struct zt_nc_buf *req, int *reply_fd, bool *deferred)
{
	struct zt_nc_addr a;
	zt_nc_get_addr(req, &a);
	uint32_t flags = zt_nc_get_u32(req);
	if (req->bad)
		return -EINVAL;
	if (zt_sock_is_icmp(s))
		return -EOPNOTSUPP; /* ping sockets here send with an address (sendto), as ping does */
	if (flags & ZT_NC_CONNECT_SHARED)
		s->no_join = true;
	if (svc->fallthrough && (s->type == SOCK_DGRAM || s->state == ZT_SOCK_NEW)) {
		int r = fall_through(s, &a, reply_fd);
		if (r != 0)
			return r;
	}
	if (s->type == SOCK_DGRAM) {
		int r = zt_udp_connect(s, &a);
		if (r > 0) {
			*reply_fd = r;
			r = 0;
		}
		return r;
	}
	if (a.family == AF_UNSPEC)
		return -EAFNOSUPPORT;
	if ((int)a.family != s->domain)
		return -EAFNOSUPPORT;
	ip_addr_t ip;
	uint16_t port;
	int r = zt_stack_addr_from_nc(&a, &ip, &port);
	if (r < 0)
		return r;
	r = zt_joined_connect(s, &ip, port, flags & ZT_NC_CONNECT_NONBLOCK);
	if (r >= 0) {
		/* joined to a listener of ours: connected (non-blocking: the kernel's next connect() says 0) */
		*reply_fd = r;
		return (flags & ZT_NC_CONNECT_NONBLOCK) ? -EINPROGRESS : 0;
	}
	r = zt_tcp_connect(s, &ip, port);
	/* Non-blocking: the app polls for POLLOUT, which must come only when the handshake is over. */
	if (r == -EINPROGRESS && (flags & ZT_NC_CONNECT_NONBLOCK)) {
		zt_tcp_block_writes(s, app_fd);
		s->connect_untold = true;
	}
	if (r == -EINPROGRESS && !(flags & ZT_NC_CONNECT_NONBLOCK)) {
		if (zt_sock_add_waiter(s, conn, id, ZT_NC_CONNECT, false) == 0)
			*deferred = true;
	}
	/* connect() again while the first is in progress: on a kernel the app polled for POLLOUT, which
	 * came only once the handshake was over, and gets EISCONN or the error. Our socketpair is always
	 * writable, so the answer waits for the handshake here (hiredis checks a connect this way). */
	if (r == -EALREADY && zt_sock_add_waiter(s, conn, id, ZT_NC_CONNECT, true) == 0)
		*deferred = true;
	return r;
}

int zt_op_name(struct zt_sock *s, bool peer, uint8_t *out, size_t *outlen)
{
	struct zt_nc_addr a;
	if (zt_sock_is_icmp(s)) {
		if (peer)
			return -ENOTCONN;
		zt_stack_addr_to_nc(&s->pcb.raw->local_ip, s->icmp_id, s->domain, &a);
	} else if (s->type == SOCK_STREAM) {
		struct tcp_pcb *pcb = s->pcb.tcp;
		if (peer) {
			if (!pcb || s->state != ZT_SOCK_CONNECTED)
				return -ENOTCONN;
			zt_stack_addr_to_nc(&pcb->remote_ip, pcb->remote_port, s->domain, &a);
		} else if (pcb) {
			zt_stack_addr_to_nc(&pcb->local_ip, pcb->local_port, s->domain, &a);
		} else {
			zt_stack_addr_to_nc(s->name_port ? &s->name_ip : NULL, s->name_port, s->domain, &a);
		}
	} else {
		struct udp_pcb *pcb = s->pcb.udp;
		if (peer) {
			if (s->kind != 'c')
				return -ENOTCONN;
			zt_stack_addr_to_nc(&pcb->remote_ip, pcb->remote_port, s->domain, &a);
		} else {
			zt_stack_addr_to_nc(&pcb->local_ip, pcb->local_port, s->domain, &a);
		}
	}
	struct zt_nc_buf b = {.p = out, .len = ZT_NC_ADDR_LEN};
	zt_nc_put_addr(&b, &a);
	*outlen = b.off;
	return 0;
}

int zt_op_setsockopt(struct zt_sock *s, int app_fd, struct zt_nc_buf *req, int *reply_fd)
{
	int level = (int)zt_nc_get_u32(req), name = (int)zt_nc_get_u32(req);
	uint32_t len = zt_nc_get_u32(req);
	const void *val = len <= ZT_NC_MAX_OPTLEN ? zt_nc_get_bytes(req, len) : NULL;
	if (req->bad || !val)
		return -EINVAL;
	int r = zt_sockopt_set(s, app_fd, level, name, val, len);
	/* A receive option turned on: from now on each datagram brings what IP said of it (rpc.h) */
	if (r == 0 && s->kind == 'd' && s->rx_info) {
		r = zt_sock_repair(s, 'D');
		if (r >= 0) {
			*reply_fd = r;
			r = 0;
		}
	}
	return r;
}

int zt_op_getsockopt(struct zt_sock *s, int app_fd, struct zt_nc_buf *req, uint8_t *out, size_t *outlen)
{
	int level = (int)zt_nc_get_u32(req), name = (int)zt_nc_get_u32(req);
	uint32_t maxlen = zt_nc_get_u32(req);
	if (req->bad)
		return -EINVAL;
	if (maxlen > ZT_NC_MAX_OPTLEN)
		maxlen = ZT_NC_MAX_OPTLEN;
	uint8_t val[ZT_NC_MAX_OPTLEN];
	uint32_t len = maxlen;
	int r = zt_sockopt_get(s, app_fd, level, name, val, &len);
	if (r < 0)
		return r;
	struct zt_nc_buf b = {.p = out, .len = 4 + ZT_NC_MAX_OPTLEN};
	zt_nc_put_u32(&b, len);
	zt_nc_put_bytes(&b, val, len);
	*outlen = b.off;
	return 0;
}
