/* TCP listeners through lwIP: connections lwIP accepted wait in the listener's queue until its app end
 * (a seqpacket socket) takes each as a record with the connection's app end attached; the app sends
 * the record back once it holds the connection (rpc.h, ZT_NC_ADDR_ACK_ACCEPT), so that one its
 * listener's close dropped unaccepted is reset, as a kernel's listener resets what it queued. */
#include "sock_int.h"
#include "service_int.h"
#include "stack.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Hands one accepted connection to the app through the listener's seqpacket end; the app says when
 * it took it (rpc.h, ZT_NC_ADDR_ACK_ACCEPT). */
static int deliver_accept(struct zt_sock *l, struct zt_sock *c)
{
	uint8_t rec[ZT_NC_ADDR_LEN];
	struct zt_nc_buf b = {.p = rec, .len = sizeof(rec)};
	struct zt_nc_addr a = c->peer_for_accept;
	a.family |= ZT_NC_ADDR_ACK_ACCEPT;
	zt_nc_put_addr(&b, &a);
	int r = zt_send_with_fd(l->fd, rec, sizeof(rec), c->app_fd_pending);
	if (r < 0)
		return r;
	close(c->app_fd_pending);
	c->app_fd_pending = -1;
	c->ack_wanted = true;
	c->ack_l = l;
	c->next_unacked = l->unacked;
	l->unacked = c;
	return 0;
}

static void unacked_unlink(struct zt_sock *c)
{
	struct zt_sock *l = c->ack_l;
	for (struct zt_sock **pp = l ? &l->unacked : NULL; pp && *pp; pp = &(*pp)->next_unacked) {
		if (*pp == c) {
			*pp = c->next_unacked;
			break;
		}
	}
	c->ack_l = c->next_unacked = NULL;
}

/* Reads what l's app said it accepted: each record sent back names a connection by its peer (the
 * list holds the newest first, so the last match is the one handed first). */
static void read_acks(struct zt_sock *l)
{
	uint8_t rec[ZT_NC_ADDR_LEN + 1];
	ssize_t n;
	while ((n = recv(l->fd, rec, sizeof(rec), MSG_DONTWAIT)) > 0) {
		struct zt_nc_buf b = {.p = rec, .len = (size_t)n};
		struct zt_nc_addr a;
		zt_nc_get_addr_flags(&b, &a, ZT_NC_ADDR_ACK_ACCEPT);
		if (b.bad || n != ZT_NC_ADDR_LEN)
			continue;
		struct zt_sock *found = NULL;
		for (struct zt_sock *c = l->unacked; c; c = c->next_unacked)
			if (memcmp(&c->peer_for_accept, &a, sizeof(a)) == 0)
				found = c;
		if (found) {
			unacked_unlink(found);
			found->ack_wanted = false;
		}
	}
}

/* The app's end of c just closed, c never said accepted: whether its listener's close dropped it
 * unaccepted (no word came and the listener's app end is gone), not the app closing it after all. */
bool zt_tcp_dropped_unaccepted(struct zt_sock *c)
{
	struct zt_sock *l = c->ack_l;
	if (l) {
		read_acks(l);
		struct pollfd p = {.fd = l->fd, .events = 0};
		if (c->ack_wanted && (poll(&p, 1, 0) != 1 || !(p.revents & (POLLHUP | POLLERR))))
			c->ack_wanted = false; /* the listener lives: the app took it, and its word was lost */
	}
	bool dropped = c->ack_wanted;
	unacked_unlink(c);
	c->ack_wanted = false;
	return dropped;
}

void zt_tcp_accept_forget(struct zt_sock *s)
{
	if (s->kind != 'l') {
		unacked_unlink(s);
		return;
	}
	read_acks(s);
	while (s->unacked) {
		struct zt_sock *c = s->unacked;
		s->unacked = c->next_unacked;
		c->ack_l = c->next_unacked = NULL; /* still ack_wanted: reset when its app end closes */
	}
}

static void flush_acceptq(struct zt_sock *l)
{
	while (l->acceptq_head) {
		struct zt_sock *c = l->acceptq_head;
		int r = c->dead ? 0 : deliver_accept(l, c);
		if (r == -EAGAIN)
			break;
		l->acceptq_head = c->next_in_acceptq;
		if (!l->acceptq_head)
			l->acceptq_tail = NULL;
		l->nacceptq--;
		c->next_in_acceptq = NULL;
		if (r < 0) {
			/* the listener's app end is gone: nobody will ever hold this connection */
			close(c->app_fd_pending);
			c->app_fd_pending = -1;
			c->app_gone = c->app_eof = true;
			zt_tcp_maybe_finish(c);
		}
	}
}

err_t zt_tcp_on_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct zt_sock *l = arg;
	if (!l || err != ERR_OK || !newpcb || l->app_gone || l->nacceptq >= l->backlog)
		return ERR_MEM; /* lwIP resets the new connection */
	int app_fd;
	struct zt_sock *c = zt_sock_new(l->svc, l->domain, SOCK_STREAM, 's', &app_fd);
	if (!c)
		return ERR_MEM;
	c->app_fd_pending = app_fd;
	c->state = ZT_SOCK_CONNECTED;
	zt_sock_name_service_end(c);
	c->bound = true;
	zt_stack_addr_to_nc(&newpcb->remote_ip, newpcb->remote_port, l->domain, &c->peer_for_accept);
	zt_tcp_attach(c, newpcb);
	zt_tcp_tune(newpcb);
	zt_tcp_keep_name(c, newpcb);
	zt_sockopt_inherit(c, l);
	if (l->acceptq_tail)
		l->acceptq_tail->next_in_acceptq = c;
	else
		l->acceptq_head = c;
	l->acceptq_tail = c;
	l->nacceptq++;
	flush_acceptq(l);
	zt_sock_update_watch(c);
	zt_sock_update_watch(l);
	return ERR_OK;
}

void zt_tcp_listener_io(struct zt_sock *l, uint32_t events)
{
	if (events & EPOLLIN)
		read_acks(l);
	if (events & EPOLLOUT)
		flush_acceptq(l);
	if (events & (EPOLLHUP | EPOLLERR)) {
		l->app_gone = true;
		zt_sock_kill(l);
		return;
	}
	zt_sock_update_watch(l);
}
