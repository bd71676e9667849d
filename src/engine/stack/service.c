/* The socket service: accepts rpc connections from shims, decodes requests (rpc.h) and turns
 * them into operations on virtual sockets. A malformed request gets -EINVAL; a message that is not
 * a request at all ends that rpc connection. Nothing a client sends can stop the service. */
#include "service_int.h"
#include "netif_int.h"
#include "stack.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define ZT_CONN_MSGS_PER_EVENT 16
#define ZT_CONN_MAX_FDS        4

void zt_service_reply(struct zt_rpc_conn *conn, enum zt_nc_op op, uint32_t id, int result, const void *payload,
                      size_t plen, int fd)
{
	uint8_t msg[ZT_NC_MAX_MSG];
	struct zt_nc_buf b = {.p = msg, .len = sizeof(msg)};
	zt_nc_put_reply_hdr(&b, op, id, fd >= 0 ? ZT_NC_REPLY_HAS_FD : 0, result);
	zt_nc_put_bytes(&b, payload, plen);
	if (b.bad || conn->dead)
		return;
	/* A client that does not read its replies is broken; it loses its rpc connection, not us
	 * our loop. */
	if (zt_send_with_fd(conn->fd, msg, b.off, fd) < 0)
		shutdown(conn->fd, SHUT_RDWR);
}

static int op_socket(struct zt_service *svc, struct zt_nc_buf *req, int *reply_fd)
{
	int domain = (int)zt_nc_get_u32(req), type = (int)zt_nc_get_u32(req), proto = (int)zt_nc_get_u32(req);
	if (req->bad)
		return -EINVAL;
	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	if (type == SOCK_STREAM && proto != 0 && proto != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	bool icmp = type == SOCK_DGRAM && proto == (domain == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (type == SOCK_DGRAM && proto != 0 && proto != IPPROTO_UDP && !icmp)
		return -EPROTONOSUPPORT;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	u8_t iptype = domain == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY;
	int app_fd;
	struct zt_sock *s = zt_sock_new(svc, domain, type, type == SOCK_STREAM ? 's' : 'd', &app_fd);
	if (!s)
		return app_fd;
	s->protocol = icmp ? proto : type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	if (icmp) {
		zt_icmp_attach(s);
	} else if (type == SOCK_STREAM) {
		struct tcp_pcb *pcb = tcp_new_ip_type(iptype);
		if (pcb)
			zt_tcp_attach(s, pcb);
	} else {
		struct udp_pcb *pcb = udp_new_ip_type(iptype);
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

static int op_bind(struct zt_sock *s, struct zt_nc_buf *req)
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
	r = s->type == SOCK_STREAM ? zt_tcp_bind(s, &ip, port) : zt_udp_bind(s, &ip, port);
	if (r == -EADDRINUSE && zt_sock_settle_port(s->svc, s->type, port))
		r = s->type == SOCK_STREAM ? zt_tcp_bind(s, &ip, port) : zt_udp_bind(s, &ip, port);
	return r;
}

static int op_listen(struct zt_sock *s, struct zt_nc_buf *req, int *reply_fd)
{
	int backlog = (int)zt_nc_get_u32(req);
	if (req->bad)
		return -EINVAL;
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	bool was_listening = s->state == ZT_SOCK_LISTENING;
	int r = zt_tcp_listen(s, backlog);
	if (r < 0 || was_listening)
		return r;
	r = zt_sock_repair(s, 'l');
	if (r < 0)
		return r; /* the pcb listens, but the app cannot accept: the socket stays unusable */
	*reply_fd = r;
	return 0;
}

static int op_connect(struct zt_service *svc, struct zt_rpc_conn *conn, uint32_t id, struct zt_sock *s, int app_fd,
                      struct zt_nc_buf *req, int *reply_fd, bool *deferred)
{
	(void)svc;
	struct zt_nc_addr a;
	zt_nc_get_addr(req, &a);
	uint32_t flags = zt_nc_get_u32(req);
	if (req->bad)
		return -EINVAL;
	if (zt_sock_is_icmp(s))
		return -EOPNOTSUPP; /* ping sockets here send with an address (sendto), as ping does */
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
	r = zt_tcp_connect(s, &ip, port);
	/* Non-blocking: the app polls for POLLOUT, which must come only when the handshake is over. */
	if (r == -EINPROGRESS && (flags & ZT_NC_CONNECT_NONBLOCK))
		zt_tcp_block_writes(s, app_fd);
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

static int op_name(struct zt_sock *s, bool peer, uint8_t *out, size_t *outlen)
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
			zt_stack_addr_to_nc(NULL, 0, s->domain, &a);
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

static int op_setsockopt(struct zt_sock *s, int app_fd, struct zt_nc_buf *req)
{
	int level = (int)zt_nc_get_u32(req), name = (int)zt_nc_get_u32(req);
	uint32_t len = zt_nc_get_u32(req);
	const void *val = len <= ZT_NC_MAX_OPTLEN ? zt_nc_get_bytes(req, len) : NULL;
	if (req->bad || !val)
		return -EINVAL;
	return zt_sockopt_set(s, app_fd, level, name, val, len);
}

static int op_getsockopt(struct zt_sock *s, int app_fd, struct zt_nc_buf *req, uint8_t *out, size_t *outlen)
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

static int op_clone(struct zt_service *svc, int *reply_fd);

/* ---- ZT_NC_IFADDRS: lwIP's netifs as the app's interfaces (rpc.h) ---- */

/* A network's secondary netifs (one per extra IPv4 address) are shown as part of its primary. */
static struct netif *ifaddr_primary(struct netif *n)
{
	return zt_netif_is_ours(n) ? zt_netif_lwip(n->state) : n;
}

/* The name zerotier-one gives the network's tap on Linux: "zt" and 40 bits folded from the
 * network ID in base32 (osdep/LinuxEthernetTap.cpp), so scripts written for it find theirs. */
static void ifaddr_name(struct netif *p, char name[ZT_NC_IFNAMSIZ])
{
	memset(name, 0, ZT_NC_IFNAMSIZ);
	if (p->name[0] == 'l' && p->name[1] == 'o' && !zt_netif_is_ours(p)) {
		memcpy(name, "lo", 2);
	} else if (zt_netif_is_ours(p)) {
		uint64_t nwid = ((struct zt_netif *)p->state)->cfg.nwid;
		uint64_t v = (nwid ^ (nwid >> 24)) & 0xffffffffffULL;
		name[0] = 'z';
		name[1] = 't';
		for (int i = 0; i < 8; i++)
			name[2 + i] = "abcdefghijklmnopqrstuvwxyz234567"[(v >> (35 - 5 * i)) & 0x1f];
	} else {
		snprintf(name, ZT_NC_IFNAMSIZ, "%c%c%u", p->name[0], p->name[1], (unsigned)p->num);
	}
}

static uint32_t ifaddr_flags(struct netif *p)
{
	uint32_t f = (netif_is_up(p) ? IFF_UP : 0) | (netif_is_link_up(p) ? IFF_RUNNING : 0);
	if (!zt_netif_is_ours(p) && p->name[0] == 'l' && p->name[1] == 'o')
		return f | IFF_LOOPBACK; /* as Linux shows lo: no broadcast, no multicast flag */
	if (p->flags & NETIF_FLAG_BROADCAST)
		f |= IFF_BROADCAST;
	if (p->flags & (NETIF_FLAG_IGMP | NETIF_FLAG_MLD6))
		f |= IFF_MULTICAST;
	return f;
}

/* Entry k of the list rpc.h describes (links, then IPv4, then IPv6); false past the end. */
static bool ifaddr_entry(size_t k, struct netif **owner, uint16_t *family, uint16_t *prefix, uint8_t addr[16])
{
	size_t i = 0;
	struct netif *n;
	NETIF_FOREACH(n)
	{
		if (ifaddr_primary(n) == n && i++ == k) {
			*owner = n;
			*family = ZT_NC_IF_LINK;
			*prefix = n->hwaddr_len <= 16 ? n->hwaddr_len : 0;
			memcpy(addr, n->hwaddr, *prefix);
			return true;
		}
	}
	NETIF_FOREACH(n)
	{
		if (!ip4_addr_isany_val(*netif_ip4_addr(n)) && i++ == k) {
			*owner = ifaddr_primary(n);
			*family = AF_INET;
			uint32_t mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(n)));
			*prefix = 0;
			while (*prefix < 32 && (mask & (0x80000000u >> *prefix)))
				(*prefix)++;
			memcpy(addr, &netif_ip4_addr(n)->addr, 4);
			return true;
		}
	}
	NETIF_FOREACH(n)
	{
		for (int a = 0; a < LWIP_IPV6_NUM_ADDRESSES; a++) {
			if (!ip6_addr_isvalid(netif_ip6_addr_state(n, a)) || i++ != k)
				continue;
			const ip6_addr_t *ip6 = netif_ip6_addr(n, a);
			*owner = ifaddr_primary(n);
			*family = AF_INET6;
			if (ip6_addr_isloopback(ip6))
				*prefix = 128;
			else if (ip6_addr_islinklocal(ip6) || !zt_netif_is_ours(n))
				*prefix = 64;
			else
				*prefix = (uint16_t)((struct zt_netif *)n->state)->v6prefix[a];
			memcpy(addr, ip6->addr, 16);
			return true;
		}
	}
	return false;
}

static int op_ifaddrs(struct zt_nc_buf *req, uint8_t *out, size_t cap, size_t *outlen)
{
	uint32_t first = zt_nc_get_u32(req);
	if (req->bad)
		return -EINVAL;
	struct netif *owner;
	uint16_t family, prefix;
	uint8_t addr[16];
	uint32_t total = 0;
	while (ifaddr_entry(total, &owner, &family, &prefix, addr))
		total++;
	struct zt_nc_buf b = {.p = out, .len = cap};
	zt_nc_put_u32(&b, total);
	zt_nc_put_u32(&b, 0); /* count, filled in below */
	uint32_t count = 0;
	for (uint32_t k = first; k < total && b.len - b.off >= ZT_NC_IFADDR_LEN; k++, count++) {
		memset(addr, 0, sizeof(addr));
		ifaddr_entry(k, &owner, &family, &prefix, addr);
		char name[ZT_NC_IFNAMSIZ];
		ifaddr_name(owner, name);
		zt_nc_put_bytes(&b, name, sizeof(name));
		zt_nc_put_u32(&b, netif_get_index(owner));
		zt_nc_put_u32(&b, ifaddr_flags(owner));
		zt_nc_put_u32(&b, owner->mtu ? owner->mtu
		                             : 65536); /* lwIP's loopback has no MTU; Linux says 64 KiB */
		zt_nc_put_u32(&b, (uint32_t)family | (uint32_t)prefix << 16);
		zt_nc_put_bytes(&b, addr, 16);
	}
	struct zt_nc_buf c = {.p = out + 4, .len = 4};
	zt_nc_put_u32(&c, count);
	*outlen = b.off;
	return b.bad ? -EPROTO : 0;
}

static void handle_request(struct zt_rpc_conn *conn, uint8_t *msg, size_t len, int fd)
{
	struct zt_service *svc = conn->svc;
	struct zt_nc_buf req = {.p = msg, .len = len};
	uint32_t w = zt_nc_get_u32(&req), id = zt_nc_get_u32(&req);
	enum zt_nc_op op = (enum zt_nc_op)(w & 0xff);
	if (req.bad || ((w >> 8) & 0xff) != ZT_NC_VERSION || op < ZT_NC_SOCKET || op > ZT_NC_IFADDRS) {
		shutdown(conn->fd, SHUT_RDWR); /* not our protocol: hang up on it */
		return;
	}
	uint8_t out[4 + ZT_NC_MAX_OPTLEN];
	size_t outlen = 0;
	int reply_fd = -1, r;
	bool deferred = false;
	struct zt_sock *s = NULL;
	if (op != ZT_NC_SOCKET && op != ZT_NC_CLONE && op != ZT_NC_IFADDRS) {
		s = fd >= 0 ? zt_sock_lookup(svc, fd) : NULL;
		if (!s) {
			zt_service_reply(conn, op, id, fd >= 0 ? -ENOTSOCK : -EBADF, NULL, 0, -1);
			return;
		}
	}
	switch (op) {
	case ZT_NC_SOCKET:
		r = op_socket(svc, &req, &reply_fd);
		break;
	case ZT_NC_BIND:
		r = op_bind(s, &req);
		break;
	case ZT_NC_LISTEN:
		r = op_listen(s, &req, &reply_fd);
		break;
	case ZT_NC_CONNECT:
		r = op_connect(svc, conn, id, s, fd, &req, &reply_fd, &deferred);
		break;
	case ZT_NC_GETSOCKNAME:
	case ZT_NC_GETPEERNAME:
		r = op_name(s, op == ZT_NC_GETPEERNAME, out, &outlen);
		break;
	case ZT_NC_SETSOCKOPT:
		r = op_setsockopt(s, fd, &req);
		break;
	case ZT_NC_CLONE:
		r = op_clone(svc, &reply_fd);
		break;
	case ZT_NC_IFADDRS:
		r = op_ifaddrs(&req, out, sizeof(out), &outlen);
		break;
	default:
		r = op_getsockopt(s, fd, &req, out, &outlen);
		break;
	}
	if (deferred)
		return;
	zt_service_reply(conn, op, id, r, r < 0 ? NULL : out, r < 0 ? 0 : outlen, reply_fd);
	if (reply_fd >= 0)
		close(reply_fd);
}

static int conn_add(struct zt_service *svc, int fd);

static int op_clone(struct zt_service *svc, int *reply_fd)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	int r = fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0 ? -errno : conn_add(svc, sv[0]);
	if (r < 0) {
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	*reply_fd = sv[1];
	return 0;
}

static void conn_close(struct zt_rpc_conn *conn)
{
	struct zt_service *svc = conn->svc;
	zt_loop_unwatch(svc->loop, &conn->watch);
	close(conn->fd);
	conn->dead = true;
	/* Replies still owed to this connection have nobody to go to. */
	for (size_t b = 0; b < ZT_SVC_BUCKETS; b++)
		for (struct zt_sock *s = svc->buckets[b]; s; s = s->next_in_bucket)
			for (int i = 0; i < s->nwaiters; i++)
				if (s->waiters[i].conn == conn)
					s->waiters[i].conn = NULL;
}

static void conn_io(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	(void)loop;
	(void)w;
	struct zt_rpc_conn *conn = arg;
	for (int i = 0; i < ZT_CONN_MSGS_PER_EVENT && !conn->dead; i++) {
		uint8_t msg[ZT_NC_MAX_MSG + 1];
		union {
			char buf[CMSG_SPACE(ZT_CONN_MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec iov = {msg, sizeof(msg)};
		struct msghdr mh = {
		    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
		ssize_t n = recvmsg(conn->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		int fds[ZT_CONN_MAX_FDS], nfds = 0;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); n >= 0 && cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t j = 0; j < k && nfds < ZT_CONN_MAX_FDS; j++)
				memcpy(&fds[nfds++], CMSG_DATA(cm) + j * sizeof(int), sizeof(int));
		}
		if (n <= 0 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || nfds > 1) {
			/* EOF, error, or a message no shim sends: this client is done or broken */
			for (int j = 0; j < nfds; j++)
				close(fds[j]);
			conn_close(conn);
			return;
		}
		handle_request(conn, msg, (size_t)n, nfds ? fds[0] : -1);
		if (nfds)
			close(fds[0]);
	}
	if ((events & (EPOLLHUP | EPOLLERR)) && !conn->dead) {
		/* drain first: a request sent right before exit still deserves its side effects */
		conn_io(loop, w, 0, arg);
		if (!conn->dead)
			conn_close(conn);
	}
}

/* Is the process at the other end of fd one of our own uid? */
static bool peer_is_owner(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && len == sizeof(cr) &&
	       cr.uid == geteuid();
}

static void listen_io(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	(void)loop;
	(void)w;
	(void)events;
	struct zt_service *svc = arg;
	for (int i = 0; i < 16; i++) {
		int fd = accept4(svc->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if ((svc->owner_only && !peer_is_owner(fd)) || conn_add(svc, fd) < 0)
			close(fd);
	}
}

static int conn_add(struct zt_service *svc, int fd)
{
	struct zt_rpc_conn *conn = calloc(1, sizeof(*conn));
	if (!conn)
		return -ENOMEM;
	int r = zt_loop_watch(svc->loop, &conn->watch, fd, EPOLLIN, conn_io, conn);
	if (r < 0) {
		free(conn);
		return r;
	}
	conn->fd = fd;
	conn->svc = svc;
	conn->next = svc->conns;
	svc->conns = conn;
	return 0;
}

/* Between rounds: free what handlers retired during the round. */
static int64_t service_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	(void)now;
	struct zt_service *svc = arg;
	zt_sock_reap(svc);
	for (struct zt_rpc_conn **pp = &svc->conns; *pp;) {
		struct zt_rpc_conn *c = *pp;
		if (c->dead) {
			*pp = c->next;
			free(c);
		} else {
			pp = &c->next;
		}
	}
	return -1;
}

int zt_service_new(struct zt_service **out, struct zt_loop *loop, const struct zt_service_config *cfg)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (!cfg->socket_path || strlen(cfg->socket_path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	struct zt_service *svc = calloc(1, sizeof(*svc));
	if (!svc)
		return -ENOMEM;
	svc->loop = loop;
	svc->pid = getpid();
	svc->lfd = -1;
	int err = -ENOMEM;
	svc->path = strdup(cfg->socket_path);
	if (!svc->path)
		goto fail;
	strcpy(sun.sun_path, cfg->socket_path);
	svc->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (svc->lfd < 0)
		goto fail_errno;
	unlink(cfg->socket_path);
	svc->owner_only = cfg->owner_only;
	/* The file takes the umask's mode at bind: 0600 from the start, with no moment open to others. */
	mode_t old_umask = cfg->owner_only ? umask(0177) : 0;
	int bound = bind(svc->lfd, (struct sockaddr *)&sun, sizeof(sun));
	if (cfg->owner_only)
		umask(old_umask);
	struct stat st;
	if (bound < 0 || listen(svc->lfd, 128) < 0 || stat(cfg->socket_path, &st) < 0)
		goto fail_errno;
	svc->path_dev = st.st_dev;
	svc->path_ino = st.st_ino;
	err = zt_stack_init(loop);
	if (err)
		goto fail;
	err = zt_loop_before_sleep(loop, service_hook, svc);
	if (!err)
		err = zt_loop_watch(loop, &svc->lwatch, svc->lfd, EPOLLIN, listen_io, svc);
	if (err) {
		zt_loop_remove_hook(loop, service_hook, svc);
		zt_stack_release(loop);
		goto fail;
	}
	*out = svc;
	return 0;
fail_errno:
	err = -errno;
fail:
	if (svc->lfd >= 0) {
		close(svc->lfd);
		unlink(cfg->socket_path);
	}
	free(svc->path);
	free(svc);
	return err;
}

void zt_service_free(struct zt_service *svc)
{
	if (!svc)
		return;
	zt_loop_remove_hook(svc->loop, service_hook, svc);
	zt_sock_free_all(svc);
	while (svc->conns) {
		struct zt_rpc_conn *c = svc->conns;
		svc->conns = c->next;
		if (!c->dead)
			conn_close(c);
		free(c);
	}
	zt_loop_unwatch(svc->loop, &svc->lwatch);
	close(svc->lfd);
	/* A service started since on the same path (the network joined again) keeps its socket. */
	struct stat st;
	if (stat(svc->path, &st) == 0 && st.st_dev == svc->path_dev && st.st_ino == svc->path_ino)
		unlink(svc->path);
	zt_stack_release(svc->loop);
	free(svc->path);
	free(svc);
}

size_t zt_service_socket_count(const struct zt_service *svc)
{
	return svc->nsocks;
}
