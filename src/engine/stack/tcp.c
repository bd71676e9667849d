/* TCP sockets: lwIP raw-API callbacks on one side, the app's stream socketpair on the other.
 * Backpressure: we read the socketpair only while lwIP has send space, and acknowledge received data
 * to lwIP (tcp_recved, i.e. open the window) only once the socketpair has taken it. */
#include "netif_int.h"
#include "sock_int.h"
#include "joined_int.h"
#include "service_int.h"
#include "stack.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "arch/zt_hooks.h"
#include "lwip/priv/tcp_priv.h"

#define ZT_TCP_READS_PER_EVENT 8

static void tcp_detach(struct zt_sock *s, bool abort_it)
{
	struct tcp_pcb *pcb = s->pcb.tcp;
	if (!pcb)
		return;
	s->pcb.tcp = NULL;
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	/* lwIP frees a pcb after tcp_close on its own time; abort when closing fails (no memory). A
	 * callback of that pcb must then return ERR_ABRT: see cb_result(). */
	if (abort_it || tcp_close(pcb) != ERR_OK) {
		tcp_abort(pcb);
		s->svc->aborted_pcb = pcb;
	}
}

/* What a callback of pcb returns: ERR_ABRT if pcb was aborted while it ran. */
static err_t cb_result(struct zt_sock *s, struct tcp_pcb *pcb)
{
	if (s->svc->aborted_pcb != pcb)
		return ERR_OK;
	s->svc->aborted_pcb = NULL;
	return ERR_ABRT;
}

/* Frees s once both sides are finished with it: the app closed every copy of its end, and nothing
 * we owe lwIP or the app remains. */
void zt_tcp_maybe_finish(struct zt_sock *s)
{
	if (!s->app_gone)
		return;
	if (s->pcb.tcp && s->app_eof && s->txlen == 0)
		tcp_detach(s, false);
	if (!s->pcb.tcp)
		zt_sock_kill(s);
}

static void tcp_flush_tx(struct zt_sock *s)
{
	struct tcp_pcb *pcb = s->pcb.tcp;
	if (!pcb)
		return;
	if (s->txlen) {
		u16_t n = (u16_t)(s->txlen > tcp_sndbuf(pcb) ? tcp_sndbuf(pcb) : s->txlen);
		if (n && tcp_write(pcb, s->txbuf, n, TCP_WRITE_FLAG_COPY) == ERR_OK) {
			memmove(s->txbuf, s->txbuf + n, s->txlen - n);
			s->txlen -= n;
		}
	}
	if (s->txlen == 0 && s->app_eof && !s->shut_sent && s->state == ZT_SOCK_CONNECTED) {
		s->shut_sent = true;
		if (s->remote_eof)
			tcp_detach(s, false);
		else
			tcp_shutdown(pcb, 0, 1);
	}
	if (s->pcb.tcp)
		tcp_output(s->pcb.tcp);
}

void zt_tcp_block_writes(struct zt_sock *s, int app_fd)
{
	static const uint8_t zeros[16384];
	for (;;) {
		/* MSG_DONTWAIT: app_fd shares its file status flags with the app's own fd */
		ssize_t n = send(app_fd, zeros, sizeof(zeros), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0)
			break;
		s->filler += (size_t)n;
	}
}

/* The handshake is over: the app's end becomes writable again (POLLOUT). */
static void drop_filler(struct zt_sock *s)
{
	while (s->filler) {
		size_t want = s->filler < sizeof(s->svc->iobuf) ? s->filler : sizeof(s->svc->iobuf);
		ssize_t n = recv(s->fd, s->svc->iobuf, want, MSG_DONTWAIT);
		if (n <= 0)
			break;
		s->filler -= (size_t)n;
	}
	s->filler = 0;
}

/* App -> lwIP: read the socketpair only as far as lwIP can queue what we read. */
static void tcp_read_app(struct zt_sock *s)
{
	uint8_t *buf = s->svc->iobuf;
	drop_filler(s);
	for (int i = 0; (i < ZT_TCP_READS_PER_EVENT || !s->pcb.tcp) && s->txlen == 0 && !s->app_eof; i++) {
		struct tcp_pcb *pcb = s->pcb.tcp;
		size_t room = pcb ? tcp_sndbuf(pcb) : 65536;
		if (pcb) {
			size_t qroom = TCP_SND_QUEUELEN - tcp_sndqueuelen(pcb);
			size_t mss = tcp_mss(pcb) ? tcp_mss(pcb) : 536;
			if (qroom < 4)
				break;
			if (room > (qroom - 3) * mss)
				room = (qroom - 3) * mss;
		}
		if (room == 0)
			break;
		ssize_t n = read(s->fd, buf, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN)
				s->app_eof = true;
			break;
		}
		if (n == 0) {
			s->app_eof = true;
			break;
		}
		if (!pcb)
			continue; /* the connection is gone: discard, as a reset socket would */
		if (tcp_write(pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK) {
			/* Out of lwIP memory: keep the bytes and stop reading until something is sent. */
			s->txbuf = malloc((size_t)n);
			if (!s->txbuf) {
				tcp_detach(s, true);
				s->state = ZT_SOCK_DONE;
				break;
			}
			memcpy(s->txbuf, buf, (size_t)n);
			s->txlen = (size_t)n;
		}
	}
	tcp_flush_tx(s);
}

/* Opens lwIP's receive window by n bytes (tcp_recved takes at most a u16 at a time). */
static void tcp_open_window(struct zt_sock *s, size_t n)
{
	while (n && s->pcb.tcp) {
		u16_t chunk = (u16_t)(n > 0xffff ? 0xffff : n);
		tcp_recved(s->pcb.tcp, chunk);
		n -= chunk;
	}
}

/* lwIP -> app: write queued pbufs into the socketpair, then open the window by what it took. */
static void tcp_flush_rx(struct zt_sock *s)
{
	while (s->rxq) {
		struct iovec iov[64];
		int n = 0;
		for (struct pbuf *q = s->rxq; q && n < 64; q = q->next)
			iov[n++] = (struct iovec){q->payload, q->len};
		ssize_t w = writev(s->fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		/* an error means the app can no longer read: what it would have read is dropped */
		tcp_open_window(s, zt_sock_rx_consume(s, w < 0 ? SIZE_MAX : (size_t)w));
	}
	if (!s->rxq && s->need_fin_to_app) {
		s->need_fin_to_app = false;
		shutdown(s->fd, SHUT_WR);
	}
}

/* Queues a received pbuf chain as single pbufs. */
static void rx_append(struct zt_sock *s, struct pbuf *p)
{
	if (s->rxtail)
		s->rxtail->next = p;
	else
		s->rxq = p;
	for (; p; p = p->next) {
		s->rxbytes += p->len;
		s->rxtail = p;
	}
}

/* Sockets with data to write to their apps at the end of the current batch of frames (lwIP is one per
 * process, and so is this). */
static struct zt_sock *rx_pending;
static unsigned rx_batch_depth;

void zt_netif_rx_batch_begin(void)
{
	if (rx_batch_depth++ == 0)
		zt_netif_acks_hold(true);
}

void zt_netif_rx_batch_end(void)
{
	if (rx_batch_depth == 0 || --rx_batch_depth > 0)
		return;
	zt_netif_acks_hold(false); /* before the window updates that writing to the apps may send */
	while (rx_pending) {
		struct zt_sock *s = rx_pending;
		rx_pending = s->next_rx_pending;
		s->next_rx_pending = NULL;
		s->rx_pending = false;
		if (s->dead)
			continue;
		tcp_flush_rx(s);
		zt_sock_update_watch(s);
		zt_tcp_maybe_finish(s);
	}
}

void zt_tcp_rx_forget(struct zt_sock *s)
{
	for (struct zt_sock **pp = &rx_pending; s->rx_pending && *pp; pp = &(*pp)->next_rx_pending) {
		if (*pp == s) {
			*pp = s->next_rx_pending;
			s->rx_pending = false;
			break;
		}
	}
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct zt_sock *s = arg;
	if (!s) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (err != ERR_OK || !p) {
		if (p)
			pbuf_free(p);
		s->remote_eof = true;
		s->need_fin_to_app = true;
		/* Both directions are closed: the pcb has nothing left to do for us. */
		if (s->shut_sent)
			tcp_detach(s, false);
	} else if (s->app_gone) {
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
	} else {
		rx_append(s, p);
		/* More segments for this socket may be in the same batch: write them to the app together. */
		if (rx_batch_depth && !s->need_fin_to_app) {
			if (!s->rx_pending) {
				s->rx_pending = true;
				s->next_rx_pending = rx_pending;
				rx_pending = s;
			}
			return cb_result(s, pcb);
		}
	}
	tcp_flush_rx(s);
	zt_sock_update_watch(s);
	zt_tcp_maybe_finish(s);
	return cb_result(s, pcb);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)len;
	struct zt_sock *s = arg;
	if (!s)
		return ERR_OK;
	if (s->app_gone && !s->app_eof && s->txlen == 0)
		tcp_read_app(s);
	else
		tcp_flush_tx(s);
	zt_sock_update_watch(s);
	zt_tcp_maybe_finish(s);
	return cb_result(s, pcb);
}

/* lwIP has already freed the pcb when this runs. */
static void on_err(void *arg, err_t err)
{
	struct zt_sock *s = arg;
	if (!s)
		return;
	s->pcb.tcp = NULL;
	bool connecting = s->state == ZT_SOCK_CONNECTING;
	s->state = ZT_SOCK_DONE;
	s->connect_failed = connecting;
	drop_filler(s);
	if (connecting) {
		s->so_error = err == ERR_RST    ? ECONNREFUSED
		              : err == ERR_ABRT ? ETIMEDOUT
		                                : -zt_stack_errno(err);
		/* A connect() waiting for the handshake takes the error, as Linux's does (and clears it) */
		if (zt_sock_reply_waiters(s, ZT_NC_CONNECT, -s->so_error) > 0) {
			s->connect_failure_told = true;
			s->so_error = 0;
		}
	} else {
		/* The app reads what arrived, then EOF; its writes now fail with EPIPE as after a reset.
		 * (A failed connect keeps its socketpair open so that SO_ERROR can still be asked.) */
		s->so_error = err == ERR_RST ? ECONNRESET : ECONNABORTED;
		s->need_fin_to_app = true;
		shutdown(s->fd, SHUT_RD);
		s->self_shut = true;
		tcp_flush_rx(s);
	}
	zt_sock_update_watch(s);
	zt_tcp_maybe_finish(s);
}

/* The largest IP packet one ZeroTier datagram carries whole: the default physical MTU (1432) less the
 * packet header (28) and a FRAME's network ID and ethertype (10). */
#define ZT_TCP_DATAGRAM_IP 1394

/* ZTRUN_TCP_SMALL_SEGMENTS=1 (read at each connection): segments between this node and others that each
 * fit one datagram, both ways: what ztrun sends, and (through the MSS its SYN or SYN-ACK advertises)
 * what the peer sends. A full one (2760 bytes at ZeroTier's MTU) crosses the underlay as two and is
 * lost if either is: 36% of segments at 20% datagram loss, where lwIP's TCP (no SACK, a window of 1-3
 * segments) then waits a timeout for nearly each, and a stock peer's Linux TCP, whose timeout doubles
 * to 120 s, gave up. Off by default: on a clean underlay the smaller segments cost throughput. */
static bool small_segments(const struct tcp_pcb *pcb)
{
	const char *v = getenv("ZTRUN_TCP_SMALL_SEGMENTS");
	return v && strcmp(v, "1") == 0 && !ip_addr_isloopback(&pcb->remote_ip);
}

static u16_t small_mss(const struct tcp_pcb *pcb)
{
	return (u16_t)(ZT_TCP_DATAGRAM_IP - (IP_IS_V6(&pcb->remote_ip) ? 60 : 40));
}

/* The MSS a SYN or SYN-ACK advertises (lwIP's hook, third_party/lwip/arch/zt_hooks.h). */
static u16_t syn_mss(const struct tcp_pcb *pcb, u16_t mss)
{
	return small_segments(pcb) && small_mss(pcb) < mss ? small_mss(pcb) : mss;
}

void zt_tcp_hooks_install(void)
{
	zt_lwip_tcp_hooks.syn_mss = syn_mss;
}

/* For a connection just made: segments as above, and the first retransmission timeout RFC 6298 asks
 * for, 1 s. lwIP starts at 3 s and its estimate moves a quarter of the way per sample, so under loss,
 * which leaves few samples, it stayed seconds long for the first seconds of a transfer. */
void zt_tcp_tune(struct tcp_pcb *pcb)
{
	if (small_segments(pcb) && pcb->mss > small_mss(pcb))
		pcb->mss = small_mss(pcb);
	if (pcb->sa == 0 && pcb->sv > 1000 / TCP_SLOW_INTERVAL) {
		pcb->sv = 1000 / TCP_SLOW_INTERVAL;
		pcb->rto = pcb->sv;
	}
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct zt_sock *s = arg;
	if (!s)
		return ERR_OK;
	s->state = ZT_SOCK_CONNECTED;
	zt_tcp_tune(pcb);
	zt_tcp_keep_name(s, pcb);
	zt_sock_reply_waiters(s, ZT_NC_CONNECT, zt_stack_errno(err));
	zt_sock_update_watch(s);
	/* Bytes the app wrote before the handshake finished are waiting in the socketpair. */
	tcp_read_app(s);
	zt_sock_update_watch(s);
	return cb_result(s, pcb);
}

void zt_tcp_keep_name(struct zt_sock *s, const struct tcp_pcb *pcb)
{
	ip_addr_copy(s->name_ip, pcb->local_ip);
	s->name_port = pcb->local_port;
}

void zt_tcp_attach(struct zt_sock *s, struct tcp_pcb *pcb)
{
	s->pcb.tcp = pcb;
	tcp_arg(pcb, s);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
}

/* The app closed a connection with data it never read (still ours to write, or unread in its end,
 * which the kernel tells us with ECONNRESET on ours), or with SO_LINGER {1, 0}: Linux resets it
 * then, dropping what was not sent yet, and so do we. */
static bool closed_as_reset(struct zt_sock *s)
{
	if (!s->pcb.tcp || s->state != ZT_SOCK_CONNECTED)
		return false;
	int err = 0;
	socklen_t len = sizeof(err);
	bool unread_at_app = getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == ECONNRESET;
	return s->rxq || unread_at_app || zt_sockopt_linger_abort(s);
}

void zt_tcp_io(struct zt_sock *s, uint32_t events)
{
	if (s->kind == 'l') {
		zt_tcp_listener_io(s, events);
		return;
	}
	if (events & EPOLLOUT)
		tcp_flush_rx(s);
	if ((events & (EPOLLHUP | EPOLLERR)) && s->ack_wanted && zt_tcp_dropped_unaccepted(s)) {
		/* Its listener's close dropped it from the app's queue: reset, as a kernel's listener
		 * resets what it queued. */
		s->app_gone = true;
		zt_sock_kill(s);
		return;
	}
	/* Shut both ways by us after a reset, the service end hangs up whatever the app does. */
	if ((events & (EPOLLHUP | EPOLLERR)) && s->self_shut && !s->app_gone && zt_sock_park(s))
		return;
	if (events & (EPOLLHUP | EPOLLERR)) {
		/* Every copy of the app's end is closed. What it wrote before closing is still in the
		 * socketpair and goes out in full: from now on lwIP's sent callback drives the reading,
		 * since a hung-up fd would wake the loop without end. What we owe the app is dropped. */
		s->app_gone = true;
		if (closed_as_reset(s)) {
			/* not inside a callback of the pcb: nothing is to return ERR_ABRT for it */
			tcp_detach(s, true);
			s->svc->aborted_pcb = NULL;
		}
		zt_joined_replaced(s);
		zt_loop_unwatch(s->svc->loop, &s->watch);
		tcp_open_window(s, zt_sock_rx_consume(s, SIZE_MAX));
		s->need_fin_to_app = false;
		if (s->state == ZT_SOCK_NEW && s->pcb.tcp)
			tcp_detach(s, false);
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		tcp_read_app(s);
	zt_sock_update_watch(s);
	zt_tcp_maybe_finish(s);
}

/* What lwIP's tcp_bind lets through: a dual-stack any-address (IP_ANY_TYPE) on one side and an
 * IPv6 address on the other hold the same port, as on Linux. */
static bool dual_stack_clash(struct tcp_pcb *pcb, const ip_addr_t *ip, uint16_t port)
{
	bool reuse = ip_get_option(pcb, SOF_REUSEADDR);
	int lists = reuse ? NUM_TCP_PCB_LISTS_NO_TIME_WAIT : NUM_TCP_PCB_LISTS;
	for (int i = 0; port && i < lists; i++) {
		for (struct tcp_pcb *c = *tcp_pcb_lists[i]; c; c = c->next) {
			if (c == pcb || c->local_port != port || (reuse && ip_get_option(c, SOF_REUSEADDR)))
				continue;
			if ((IP_IS_ANY_TYPE_VAL(*ip) && IP_IS_V6_VAL(c->local_ip)) ||
			    (IP_IS_ANY_TYPE_VAL(c->local_ip) && IP_IS_V6(ip)))
				return true;
		}
	}
	return false;
}

int zt_tcp_bind(struct zt_sock *s, const ip_addr_t *ip, uint16_t port)
{
	if (s->bound || !s->pcb.tcp || s->state != ZT_SOCK_NEW)
		return -EINVAL;
	if (!zt_stack_addr_is_local(ip))
		return -EADDRNOTAVAIL;
	if (dual_stack_clash(s->pcb.tcp, ip, port))
		return -EADDRINUSE;
	err_t e = tcp_bind(s->pcb.tcp, ip, port);
	if (e != ERR_OK)
		return zt_stack_errno(e);
	s->bound = s->app_bound = true;
	ip_addr_copy(s->bound_ip, *ip);
	s->bound_port = s->pcb.tcp->local_port;
	return 0;
}

/* After a failed connect Linux lets the app connect again (asyncio retries so): a new PCB, with
 * the socket's options and the address the app bound. */
static int tcp_renew(struct zt_sock *s)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(s->domain == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
	if (!pcb)
		return -ENOBUFS;
	if (s->app_bound && tcp_bind(pcb, &s->bound_ip, s->bound_port) != ERR_OK) {
		tcp_abort(pcb);
		return -EADDRINUSE;
	}
	zt_tcp_attach(s, pcb);
	zt_sockopt_reapply(s);
	s->bound = s->app_bound;
	s->state = ZT_SOCK_NEW;
	s->connect_failed = s->connect_failure_told = false;
	s->so_error = 0;
	return 0;
}

int zt_tcp_listen(struct zt_sock *s, int backlog)
{
	if (backlog <= 0)
		backlog = 1;
	if (backlog > 4096)
		backlog = 4096;
	if (s->state == ZT_SOCK_LISTENING) {
		s->backlog = backlog;
		return 0;
	}
	if (s->state != ZT_SOCK_NEW || !s->pcb.tcp)
		return -EINVAL;
	if (!s->bound) {
		err_t e =
		    tcp_bind(s->pcb.tcp, s->domain == AF_INET6 && !s->v6only ? IP_ANY_TYPE : IP4_ADDR_ANY, 0);
		if (e != ERR_OK)
			return zt_stack_errno(e);
		s->bound = true;
	}
	err_t e = ERR_OK;
	struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(s->pcb.tcp, 255, &e);
	if (!lpcb)
		return zt_stack_errno(e);
	/* tcp_listen freed the original pcb */
	s->pcb.tcp = lpcb;
	s->backlog = backlog;
	s->state = ZT_SOCK_LISTENING;
	tcp_arg(lpcb, s);
	tcp_accept(lpcb, zt_tcp_on_accept);
	return 0;
}

int zt_tcp_connect(struct zt_sock *s, const ip_addr_t *ip, uint16_t port)
{
	if (s->state == ZT_SOCK_CONNECTING)
		return -EALREADY;
	if (s->state == ZT_SOCK_CONNECTED) {
		if (!s->connect_untold)
			return -EISCONN;
		s->connect_untold = false;
		return 0;
	}
	if (s->state == ZT_SOCK_DONE && s->connect_failed && !s->pcb.tcp && !s->app_eof) {
		/* As Linux: the first connect() after a failed attempt ends that attempt, with its error, or
		 * ECONNABORTED once SO_ERROR took it; only the next one starts anew. */
		if (!s->connect_failure_told) {
			int err = s->so_error ? s->so_error : ECONNABORTED;
			s->so_error = 0;
			s->connect_failure_told = true;
			return -err;
		}
		int r = tcp_renew(s);
		if (r < 0)
			return r;
	}
	if (s->state != ZT_SOCK_NEW || !s->pcb.tcp)
		return s->so_error ? -s->so_error : -EINVAL;
	if (IP_IS_V4(ip) && s->domain == AF_INET6 && s->v6only)
		return -ENETUNREACH;
	err_t e = tcp_connect(s->pcb.tcp, ip, port, on_connected);
	if (e != ERR_OK)
		return zt_stack_errno(e);
	s->bound = true;
	s->state = ZT_SOCK_CONNECTING;
	zt_sock_name_service_end(s);
	return -EINPROGRESS;
}
