/* Joined connections: a TCP connect() to a listener of the same service (the private loopback, or
 * one of our own addresses) joins the two app sockets with one socketpair of their own, so their
 * bytes never pass through ztrun or lwIP. The service keeps nothing for such a connection: each end
 * carries its addresses in its abstract name (rpc.h), and the kernel keeps the name unique for as
 * long as either app holds that end. */
#include "joined_int.h"
#include "service_int.h"
#include "stack.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "lwip/priv/tcp_priv.h"

/* Where a joined end's addresses begin in its name, after ZT_NC_NAME_PREFIX "<pid>/". */
#define JOINED_MARK '='

/* Off unless ZTRUN_JOIN_LOOPBACK=1 (read at each connect): a write to a joined end whose peer has
 * closed fails at once with EPIPE, where TCP's first write after the peer's close still succeeds
 * (three checks of CPython's test_socket see it). */
static bool joined_enabled(void)
{
	const char *v = getenv("ZTRUN_JOIN_LOOPBACK");
	return v && strcmp(v, "1") == 0;
}

/* Hex of an address as a socket of `domain` shows it: 4 bytes of IPv4 or 16 of IPv6, then the port. */
static int put_hex_addr(char *out, size_t cap, int domain, const struct zt_nc_addr *a)
{
	size_t alen = domain == AF_INET ? 4 : 16, n = 0;
	for (size_t i = 0; i < alen && n + 3 < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%02x", a->addr[i]);
	const uint8_t *p = (const uint8_t *)&a->port_be;
	n += (size_t)snprintf(out + n, cap - n, "%02x%02x", p[0], p[1]);
	return (int)n;
}

static bool get_hex_addr(const char **s, int domain, struct zt_nc_addr *a)
{
	size_t alen = domain == AF_INET ? 4 : 16;
	uint8_t b[18];
	for (size_t i = 0; i < alen + 2; i++) {
		unsigned v;
		if (sscanf(*s, "%2x", &v) != 1 || !(*s)[0] || !(*s)[1])
			return false;
		b[i] = (uint8_t)v;
		*s += 2;
	}
	memset(a, 0, sizeof(*a));
	a->family = (uint16_t)domain;
	memcpy(a->addr, b, alen);
	memcpy(&a->port_be, b + alen, 2);
	return true;
}

/* Binds fd to the name of a joined end: "<prefix><pid>/=<4|6><local><peer>/s". */
static int bind_joined_name(int fd, pid_t pid, int domain, const struct zt_nc_addr *local,
                            const struct zt_nc_addr *peer)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char *p = sun.sun_path + 1;
	size_t cap = sizeof(sun.sun_path) - 1;
	int n = snprintf(p, cap, ZT_NC_NAME_PREFIX "%d/%c%c", (int)pid, JOINED_MARK, domain == AF_INET ? '4' : '6');
	n += put_hex_addr(p + n, cap - (size_t)n, domain, local);
	n += put_hex_addr(p + n, cap - (size_t)n, domain, peer);
	n += snprintf(p + n, cap - (size_t)n, "/s");
	if ((size_t)n >= cap)
		return -ENAMETOOLONG;
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	return bind(fd, (struct sockaddr *)&sun, len) < 0 ? -errno : 0;
}

/* Parses the name of fd as a joined end of this service's pid. */
static bool parse_joined(pid_t pid, int fd, int *domain, struct zt_nc_addr *local, struct zt_nc_addr *peer)
{
	char name[ZT_SOCK_NAME_MAX];
	if (!zt_sock_name_of(fd, name))
		return false;
	int p, used = 0;
	char mark, fam;
	if (sscanf(name, ZT_NC_NAME_PREFIX "%d/%c%c%n", &p, &mark, &fam, &used) != 3 || p != (int)pid ||
	    mark != JOINED_MARK || (fam != '4' && fam != '6'))
		return false;
	*domain = fam == '4' ? AF_INET : AF_INET6;
	const char *s = name + used;
	return get_hex_addr(&s, *domain, local) && get_hex_addr(&s, *domain, peer) && strcmp(s, "/s") == 0;
}

/* The listening socket of this service that a SYN to ip:port would reach, as tcp_input chooses it:
 * an exact address match first, else one bound to any address. */
static struct zt_sock *find_listener(const ip_addr_t *ip, uint16_t port)
{
	struct tcp_pcb_listen *any = NULL;
	for (struct tcp_pcb_listen *lp = tcp_listen_pcbs.listen_pcbs; lp; lp = lp->next) {
		if (lp->local_port != port)
			continue;
		if (IP_IS_ANY_TYPE_VAL(lp->local_ip)) {
			any = lp;
		} else if (IP_GET_TYPE(&lp->local_ip) == IP_GET_TYPE(ip)) {
			if (ip_addr_cmp(&lp->local_ip, ip))
				return lp->callback_arg;
			if (ip_addr_isany(&lp->local_ip))
				any = lp;
		}
	}
	return any ? any->callback_arg : NULL;
}

/* Options the app set on its end itself (timeouts, low-water mark) go with it to the new end. */
static void copy_native_options(int from, int to)
{
	static const int names[] = {SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVLOWAT};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t v[32];
		socklen_t len = sizeof(v);
		if (getsockopt(from, SOL_SOCKET, names[i], v, &len) == 0)
			setsockopt(to, SOL_SOCKET, names[i], v, len);
	}
}

int zt_joined_connect(struct zt_sock *s, int app_fd, const ip_addr_t *ip, uint16_t port)
{
	struct tcp_pcb *pcb = s->pcb.tcp;
	if (!joined_enabled() || s->state != ZT_SOCK_NEW || !pcb || ip_addr_isany(ip) || !zt_stack_addr_is_local(ip))
		return -EAGAIN;
	if (IP_IS_V4(ip) && s->domain == AF_INET6 && s->v6only)
		return -EAGAIN;
	struct zt_sock *l = find_listener(ip, port);
	/* A listener with connections still queued in lwIP keeps its order: this one queues too. */
	if (!l || l->svc != s->svc || l->kind != 'l' || l->app_gone || l->dead || l->acceptq_head)
		return -EAGAIN;
	/* The local address: the bound one, else as a kernel picks it for the loopback (127.0.0.1 for
	 * all of 127/8) or for one of our own addresses (that address). */
	ip_addr_t local_ip;
	if (s->bound && !ip_addr_isany(&pcb->local_ip))
		ip_addr_copy(local_ip, pcb->local_ip);
	else if (IP_IS_V4(ip) && ip4_addr_isloopback(ip_2_ip4(ip)))
		IP_ADDR4(&local_ip, 127, 0, 0, 1);
	else
		ip_addr_copy(local_ip, *ip);
	if (!s->bound) {
		/* an ephemeral port from lwIP's own allocator, held until the app's old end closes */
		const ip_addr_t *any = s->domain == AF_INET ? IP4_ADDR_ANY : s->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE;
		if (tcp_bind(pcb, any, 0) != ERR_OK)
			return -EAGAIN;
		s->bound = true;
	}
	struct zt_nc_addr c_local, c_peer, a_local, a_peer;
	zt_stack_addr_to_nc(&local_ip, pcb->local_port, s->domain, &c_local);
	zt_stack_addr_to_nc(ip, port, s->domain, &c_peer);
	zt_stack_addr_to_nc(ip, port, l->domain, &a_local);
	zt_stack_addr_to_nc(&local_ip, pcb->local_port, l->domain, &a_peer);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -EAGAIN;
	/* Urgent data arrives in line, as it does through lwIP (see make_pair). */
	int one = 1;
	setsockopt(sv[0], SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
	setsockopt(sv[1], SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
	uint8_t rec[ZT_NC_ADDR_LEN];
	struct zt_nc_buf b = {.p = rec, .len = sizeof(rec)};
	zt_nc_put_addr(&b, &a_peer);
	if (bind_joined_name(sv[0], s->svc->pid, s->domain, &c_local, &c_peer) < 0 ||
	    bind_joined_name(sv[1], s->svc->pid, l->domain, &a_local, &a_peer) < 0 ||
	    zt_send_with_fd(l->fd, rec, sizeof(rec), sv[1]) < 0) {
		/* the same four addresses are joined already, or the listener's queue is full: lwIP's way */
		close(sv[0]);
		close(sv[1]);
		return -EAGAIN;
	}
	close(sv[1]);
	copy_native_options(app_fd, sv[0]);
	return sv[0];
}

/* Socket options of a joined end are answered as for a connected TCP socket of ours, with the same
 * code (sockopt.c), on a stand-in with no PCB: what the app's own end implements is applied to it,
 * what lwIP would is accepted, unknown options get ENOPROTOOPT alike. Nothing is remembered. */
static struct zt_sock *stand_in(struct zt_service *svc, int domain)
{
	static struct zt_sock s;
	memset(&s, 0, sizeof(s));
	s.svc = svc;
	s.kind = 's';
	s.domain = domain;
	s.type = SOCK_STREAM;
	s.protocol = IPPROTO_TCP;
	s.state = ZT_SOCK_CONNECTED;
	s.bound = true;
	s.fd = s.app_fd_pending = -1;
	return &s;
}

static int joined_getsockopt(struct zt_sock *s, int fd, struct zt_nc_buf *req, uint8_t *out, size_t *outlen)
{
	struct zt_nc_buf head = *req;
	int level = (int)zt_nc_get_u32(&head), name = (int)zt_nc_get_u32(&head);
	int r = zt_op_getsockopt(s, fd, req, out, outlen);
	/* the reply is u32 length + value: tcpi_state, which the stand-in has no PCB to say */
	if (r == 0 && level == IPPROTO_TCP && name == TCP_INFO && *outlen > 4)
		out[4] = TCP_ESTABLISHED;
	return r;
}

bool zt_joined_request(struct zt_service *svc, int fd, enum zt_nc_op op, struct zt_nc_buf *req, uint8_t *out,
                       size_t *outlen, int *result)
{
	int domain;
	struct zt_nc_addr local, peer;
	if (!parse_joined(svc->pid, fd, &domain, &local, &peer))
		return false;
	struct zt_nc_buf b = {.p = out, .len = ZT_NC_ADDR_LEN};
	switch (op) {
	case ZT_NC_GETSOCKNAME:
	case ZT_NC_GETPEERNAME:
		zt_nc_put_addr(&b, op == ZT_NC_GETSOCKNAME ? &local : &peer);
		*outlen = b.off;
		*result = 0;
		break;
	case ZT_NC_CONNECT:
		*result = -EISCONN;
		break;
	case ZT_NC_SETSOCKOPT: {
		int no_fd = -1; /* a stream stand-in is never re-made */
		*result = zt_op_setsockopt(stand_in(svc, domain), fd, req, &no_fd);
		break;
	}
	case ZT_NC_GETSOCKOPT:
		*result = joined_getsockopt(stand_in(svc, domain), fd, req, out, outlen);
		break;
	default: /* bind, listen: as on a connected TCP socket */
		*result = -EINVAL;
		break;
	}
	return true;
}
