/* Joined connections: a TCP connect() to a loopback address where a listener of the same service
 * waits becomes a kernel TCP connection between the two apps, made on the loopback of a network
 * namespace of our own (privnet.c): the connecting app gets the connected socket in place of its
 * own, the listener's app the accepted one through its accept queue. Their bytes never pass through
 * ztrun or lwIP, and every call on them is the kernel's TCP: errors after a close, shutdown, urgent
 * data, buffers, options, names, readiness. The namespace has nothing but its loopback, so even a
 * socket the app disconnects (connect AF_UNSPEC) and connects again reaches nothing outside.
 * Inside, each listener that joins connections gets a kernel listener at its own address and port,
 * so names come out as on the virtual loopback; the service keeps nothing per connection once the
 * listener's app has its socket. */
#include "joined_int.h"
#include "privnet.h"
#include "service_int.h"
#include "stack.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwip/priv/tcp_priv.h"

/* The listener's app gets the accepted socket once the connecting app holds its own (the shim
 * installed it over its fd, which closed the old end: the loop sees that end hang up), so that when
 * accept() returns the connecting socket is connected, as on a kernel, for any thread that looks.
 * Where the connecting app keeps copies of its old end (dup, fork), the listener's app gets it after
 * HANDOVER_MS anyway. A connection of a socket that had no old end (CONNECT_NEW: the shim's
 * placeholder) is handed over before the loop sleeps again, after the connect's reply went. */
#define HANDOVER_MS 200

struct handover {
	struct handover *next;
	struct zt_sock *l;
	uint64_t sid; /* the connecting socket's old end: its hang-up is the signal */
	int afd;
	uint8_t rec[ZT_NC_ADDR_LEN];
	int64_t due;
};
static struct handover *handovers;

/* Closes fd with a reset, as a kernel resets a connection its listener never accepted. */
static void close_reset(int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void hand_over(struct handover **pp)
{
	struct handover *h = *pp;
	*pp = h->next;
	if (zt_send_with_fd(h->l->fd, h->rec, sizeof(h->rec), h->afd) < 0)
		close_reset(h->afd); /* a full accept queue, or the listener just closed */
	else
		close(h->afd);
	free(h);
}

void zt_joined_replaced(struct zt_sock *s)
{
	for (struct handover **pp = &handovers; *pp; pp = &(*pp)->next) {
		if ((*pp)->sid == s->id) {
			hand_over(pp);
			return;
		}
	}
}

int64_t zt_joined_due(int64_t now)
{
	int64_t next = -1;
	for (struct handover **pp = &handovers; *pp;) {
		if ((*pp)->due <= now) {
			hand_over(pp);
			continue;
		}
		if (next < 0 || (*pp)->due < next)
			next = (*pp)->due;
		pp = &(*pp)->next;
	}
	return next;
}

/* Read at each connect: tests of lwIP's own path turn joining off around their scenarios. */
static bool joined_enabled(void)
{
	const char *v = getenv("ZTRUN_JOIN_LOOPBACK");
	return !(v && strcmp(v, "0") == 0);
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

/* Whether every copy of l's app end is closed, which the loop may not have told yet: then l goes
 * now, as when it tells (tcp.c), and the connect finds no listener, as on a kernel. */
static bool listener_gone(struct zt_sock *l)
{
	struct pollfd p = {.fd = l->fd, .events = 0};
	if (poll(&p, 1, 0) != 1 || !(p.revents & (POLLHUP | POLLERR)))
		return false;
	l->app_gone = true;
	zt_sock_kill(l);
	return true;
}

static bool is_loopback(const ip_addr_t *ip)
{
	return (IP_IS_V4(ip) && ip4_addr_isloopback(ip_2_ip4(ip))) ||
	       (IP_IS_V6(ip) && ip6_addr_isloopback(ip_2_ip6(ip)));
}

static int set_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

/* Waits at most a second for fd to be ready for `events`: our sockets are non-blocking (privnet.c),
 * and on the namespace's loopback a connection is there at once but for a busy softirq. */
static bool wait_ready(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;
	do
		r = poll(&p, 1, 1000);
	while (r < 0 && errno == EINTR);
	return r == 1;
}

/* The options the app set on its virtual socket, on the kernel's (what the kernel refuses, lwIP
 * took: the app was told yes then). A kernel accepted socket inherits its listener's options. */
static void replay_options(const struct zt_sockopt_val *opts, int nopts, int fd)
{
	for (int i = 0; i < nopts; i++)
		setsockopt(fd, opts[i].level, opts[i].name, opts[i].val, (socklen_t)opts[i].len);
}

static bool has_option(const struct zt_sock *s, int level, int name)
{
	for (int i = 0; i < s->nopts; i++)
		if (s->opts[i].level == level && s->opts[i].name == name)
			return true;
	return false;
}

static socklen_t to_sockaddr(const ip_addr_t *ip, uint16_t port, int domain, struct sockaddr_storage *ss)
{
	struct zt_nc_addr a;
	zt_stack_addr_to_nc(ip, port, domain, &a);
	return zt_nc_addr_to_sockaddr(&a, ss);
}

/* l's kernel listener in the private namespace, at l's own address and port; made at l's first
 * joined connection. */
static int kernel_listener(struct zt_sock *l)
{
	if (l->join_lfd >= 0)
		return l->join_lfd;
	struct tcp_pcb_listen *lp = (struct tcp_pcb_listen *)l->pcb.tcp;
	int fd = zt_privnet_socket(l->domain);
	if (fd < 0)
		return fd;
	struct sockaddr_storage ss;
	socklen_t len = to_sockaddr(&lp->local_ip, lp->local_port, l->domain, &ss);
	set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (l->domain == AF_INET6)
		set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, l->v6only);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, SOMAXCONN) < 0) {
		close(fd);
		return -EAGAIN;
	}
	l->join_lfd = fd;
	return fd;
}

/* Whether two socket addresses are one, an IPv4-mapped IPv6 address the same as its IPv4 one. */
static bool same_name(const struct sockaddr_storage *a, socklen_t alen, const struct sockaddr_storage *b,
                      socklen_t blen)
{
	struct zt_nc_addr na, nb;
	ip_addr_t ia, ib;
	uint16_t pa, pb;
	if (zt_nc_addr_from_sockaddr(&na, (const struct sockaddr *)a, alen) < 0 ||
	    zt_nc_addr_from_sockaddr(&nb, (const struct sockaddr *)b, blen) < 0 ||
	    zt_stack_addr_from_nc(&na, &ia, &pa) < 0 || zt_stack_addr_from_nc(&nb, &ib, &pb) < 0)
		return false;
	return pa == pb && ip_addr_cmp(&ia, &ib);
}

/* Accepts from kl (non-blocking) the connection whose peer is c, whose address goes to *peer;
 * anything else queued there (an app that connected a disconnected joined socket to this address)
 * is closed. */
static int accept_own(int kl, int c, struct zt_nc_addr *peer)
{
	struct sockaddr_storage want, got;
	socklen_t wlen = sizeof(want);
	if (getsockname(c, (struct sockaddr *)&want, &wlen) < 0)
		return -EAGAIN;
	for (int tries = 0; tries < 64; tries++) {
		socklen_t glen = sizeof(got);
		memset(&got, 0, sizeof(got));
		/* non-blocking as most accepters want it (the accepter sets the app's flag) */
		int a = accept4(kl, (struct sockaddr *)&got, &glen, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (a < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN && wait_ready(kl, POLLIN))
				continue;
			return -EAGAIN;
		}
		if (same_name(&got, glen, &want, wlen) &&
		    zt_nc_addr_from_sockaddr(peer, (struct sockaddr *)&got, glen) == 0)
			return a;
		close(a);
	}
	return -EAGAIN;
}

/* The connecting socket: the app's options (opts: s's own, or those a placeholder carried), its bound
 * address if it bound one (s NULL: a fresh socket of `domain`, which has none), connected to l's
 * kernel listener at ip:port. The connect is non-blocking; for an app's blocking connect a second
 * connect() once the handshake is over makes the socket say EISCONN to the app's next one, as after
 * a blocking connect; after a non-blocking one the kernel says 0 to the app's next connect() once,
 * as after its own EINPROGRESS. The socket stays non-blocking: the installer sets the app's flag. */
static int kernel_connect(const struct zt_sock *s, const struct zt_sockopt_val *opts, int nopts, int domain,
                          const ip_addr_t *ip, uint16_t port, bool nonblock)
{
	int c = zt_privnet_socket(domain);
	if (c < 0)
		return c;
	if (s && domain == AF_INET6)
		set_int(c, IPPROTO_IPV6, IPV6_V6ONLY, s->v6only);
	replay_options(opts, nopts, c);
	struct sockaddr_storage ss;
	socklen_t len;
	if (s && s->bound) {
		struct tcp_pcb *pcb = s->pcb.tcp;
		len = to_sockaddr(&pcb->local_ip, pcb->local_port, domain, &ss);
		if (bind(c, (struct sockaddr *)&ss, len) < 0)
			goto fail;
	}
	len = to_sockaddr(ip, port, domain, &ss);
	if (connect(c, (struct sockaddr *)&ss, len) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		if (!nonblock && (!wait_ready(c, POLLOUT) || connect(c, (struct sockaddr *)&ss, len) < 0))
			goto fail;
	}
	return c;
fail:
	close(c);
	return -EAGAIN;
}

/* A connection of socket s (NULL: a fresh one of svc and domain) to ip:port, joined (see
 * zt_joined_connect). */
static int join(struct zt_service *svc, const struct zt_sock *s, const struct zt_sockopt_val *opts, int nopts,
                int domain, const ip_addr_t *ip, uint16_t port, bool nonblock)
{
	if (!joined_enabled() || !is_loopback(ip))
		return -EAGAIN;
	if (IP_IS_V4(ip) && domain == AF_INET6 && s && s->v6only)
		return -EAGAIN;
	struct zt_sock *l = find_listener(ip, port);
	/* A listener with connections still queued in lwIP keeps its order: this one queues too. */
	if (!l || l->svc != svc || l->kind != 'l' || l->app_gone || l->dead || l->acceptq_head ||
	    listener_gone(l))
		return -EAGAIN;
	int kl = kernel_listener(l);
	if (kl < 0)
		return -EAGAIN;
	int c = kernel_connect(s, opts, nopts, domain, ip, port, nonblock);
	if (c < 0)
		return -EAGAIN;
	struct zt_nc_addr from;
	int a = accept_own(kl, c, &from);
	if (a < 0) {
		close(c);
		return -EAGAIN;
	}
	/* the accepted socket: no options of our kernel listener, the app listener's instead */
	if (!has_option(l, SOL_SOCKET, SO_REUSEADDR))
		set_int(a, SOL_SOCKET, SO_REUSEADDR, 0);
	replay_options(l->opts, l->nopts, a);
	/* Closed unaccepted (the listener's app closes it with this still queued), it resets, as a
	 * kernel's listener resets what it queued; the accepter gives it its listener's SO_LINGER, the
	 * app's own or none (rpc.h). */
	struct linger abort_close = {1, 0};
	bool arm = setsockopt(a, SOL_SOCKET, SO_LINGER, &abort_close, sizeof(abort_close)) == 0;
	uint8_t rec[ZT_NC_ADDR_LEN];
	struct zt_nc_buf b = {.p = rec, .len = sizeof(rec)};
	struct handover *h = calloc(1, sizeof(*h));
	if (!h) {
		close(a);
		close(c);
		return -EAGAIN;
	}
	if (arm)
		from.family |= ZT_NC_ADDR_RESET_UNACCEPTED;
	zt_nc_put_addr(&b, &from);
	memcpy(h->rec, rec, sizeof(rec));
	h->l = l;
	h->sid = s ? s->id : 0; /* ids start at 1 */
	h->afd = a;
	h->due = zt_now_ms() + (s ? HANDOVER_MS : 0);
	h->next = handovers;
	handovers = h;
	return c;
}

int zt_joined_connect(struct zt_sock *s, const ip_addr_t *ip, uint16_t port, bool nonblock)
{
	if (s->state != ZT_SOCK_NEW || !s->pcb.tcp || s->no_join)
		return -EAGAIN;
	return join(s->svc, s, s->opts, s->nopts, s->domain, ip, port, nonblock);
}

int zt_joined_connect_new(struct zt_service *svc, int domain, const ip_addr_t *ip, uint16_t port,
                          bool nonblock, const struct zt_sockopt_val *opts, int nopts)
{
	return join(svc, NULL, opts, nopts, domain, ip, port, nonblock);
}

static int opt_int(const struct zt_sock *s, int level, int name)
{
	int v = 0;
	for (int i = 0; i < s->nopts; i++)
		if (s->opts[i].level == level && s->opts[i].name == name && s->opts[i].len >= (int)sizeof(v))
			memcpy(&v, s->opts[i].val, sizeof(v));
	return v;
}

int zt_joined_bind_check(const struct zt_sock *s, const ip_addr_t *ip, uint16_t port)
{
	/* The namespace's sockets are all on its loopback, and there are none before it exists. */
	if (port == 0 || zt_privnet_pid() == 0 || !(is_loopback(ip) || ip_addr_isany(ip)))
		return 0;
	int fd = zt_privnet_socket(s->domain);
	if (fd < 0)
		return 0;
	set_int(fd, SOL_SOCKET, SO_REUSEADDR, opt_int(s, SOL_SOCKET, SO_REUSEADDR) != 0);
	if (s->domain == AF_INET6)
		set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, s->v6only);
	struct sockaddr_storage ss;
	socklen_t len = to_sockaddr(ip, port, s->domain, &ss);
	int r = bind(fd, (struct sockaddr *)&ss, len) < 0 && errno == EADDRINUSE ? -EADDRINUSE : 0;
	close(fd);
	return r;
}

void zt_joined_listener_closed(struct zt_sock *l)
{
	for (struct handover **pp = &handovers; *pp;) {
		struct handover *h = *pp;
		if (h->l != l) {
			pp = &h->next;
			continue;
		}
		*pp = h->next;
		close_reset(h->afd);
		free(h);
	}
	if (l->join_lfd >= 0)
		close(l->join_lfd);
	l->join_lfd = -1;
}
