/* App sockets on the service side: the table keyed by socket id, the socketpairs and their abstract
 * names (rpc.h), and the life cycle shared by TCP and UDP. */
#include "sock_int.h"
#include "service_int.h"
#include "joined_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/un.h>
#include <unistd.h>

static size_t bucket_of(uint64_t id)
{
	return (size_t)(id * 0x9E3779B97F4A7C15ull >> 54) % ZT_SVC_BUCKETS;
}

static int unix_type_of(char kind)
{
	switch (kind) {
	case 'l':
	case 'd':
	case 'D':
	case 'c':
		/* SOCK_DGRAM would keep boundaries too, but a closed datagram peer sends no hang-up */
		return SOCK_SEQPACKET;
	default:
		return SOCK_STREAM;
	}
}

void zt_sock_io(struct zt_sock *s, uint32_t events)
{
	if (s->type == SOCK_STREAM)
		zt_tcp_io(s, events);
	else if (zt_sock_is_icmp(s))
		zt_icmp_io(s, events);
	else
		zt_udp_io(s, events);
}

static void sock_io(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	(void)loop;
	(void)w;
	zt_sock_io(arg, events);
}

/* Sockets on `port` whose app end is already closed, though the loop has not seen it yet: closing
 * them now makes a close() followed by bind() in the app work as it does on a kernel. */
bool zt_sock_settle_port(struct zt_service *svc, int type, uint16_t port)
{
	bool any = false;
	for (size_t b = 0; b < ZT_SVC_BUCKETS; b++) {
		for (struct zt_sock *s = svc->buckets[b]; s; s = s->next_in_bucket) {
			if (s->dead || s->type != type || !s->pcb.tcp)
				continue;
			uint16_t lp = type == SOCK_STREAM ? s->pcb.tcp->local_port : s->pcb.udp->local_port;
			struct pollfd p = {.fd = s->fd};
			if (lp == port && poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))) {
				zt_sock_io(s, EPOLLIN | EPOLLHUP);
				any = true;
			}
		}
	}
	return any;
}

/* The abstract name of s's app end of the given kind (rpc.h): its tag, random, makes it one that nobody
 * else can guess and bind first (the abstract namespace is shared by every user of the network
 * namespace, and /proc/net/unix shows the names in use). Returns the address's length. */
static socklen_t sock_name(const struct zt_sock *s, char kind, struct sockaddr_un *sun)
{
	*sun = (struct sockaddr_un){.sun_family = AF_UNIX};
	int n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1,
	                 ZT_NC_NAME_PREFIX "%d/%" PRIu64 "/%016" PRIx64 "/%c", (int)s->svc->pid, s->id,
	                 s->tag, kind);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* Makes a socketpair of the kind's type, binds the app end to its abstract name and watches the
 * service end. Returns the app end or -errno; on success s->fd is the new service end. */
static int make_pair(struct zt_sock *s, char kind)
{
	int sv[2];
	if (socketpair(AF_UNIX, unix_type_of(kind) | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	struct sockaddr_un sun;
	socklen_t len = sock_name(s, kind, &sun);
	int err = 0;
	if (bind(sv[1], (struct sockaddr *)&sun, len) < 0 || fcntl(sv[0], F_SETFL, O_NONBLOCK) < 0)
		err = -errno;
	if (!err)
		err = zt_loop_watch(s->svc->loop, &s->watch, sv[0], 0, sock_io, s);
	if (err) {
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	s->fd = sv[0];
	s->kind = kind;
	return sv[1];
}

void zt_sock_name_service_end(struct zt_sock *s)
{
	struct sockaddr_un sun;
	socklen_t len = sock_name(s, ZT_NC_KIND_PEER, &sun);
	/* best effort: a failure only leaves recv() of a never-connected socket at EAGAIN */
	bind(s->fd, (struct sockaddr *)&sun, len);
	/* Urgent data (send with MSG_OOB) reaches us in line, as lwIP sends it: without this the
	 * socketpair would hold its last byte back, out of band, and the stream would lose it. Set
	 * here, before we read the stream first, not for every socket(): a joined connection never
	 * reads its socketpair. */
	int one = 1;
	setsockopt(s->fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
}

const struct zt_fdpass_ops zt_sock_fdpass = {sendmsg, recvmsg, close};

int zt_send_with_fd(int sock, const void *msg, size_t len, int fd)
{
	ssize_t n = zt_fdpass_send(&zt_sock_fdpass, sock, msg, len, fd, MSG_DONTWAIT);
	return n < 0 ? (int)n : 0;
}

/* A random tag (see sock_name), drawn from the kernel 64 at a time: one getrandom() per socket cost
 * a syscall on every socket() of the app. 0 or -errno. */
static int next_tag(uint64_t *tag)
{
	static uint64_t pool[64];
	static size_t left;
	if (left == 0) {
		if (getrandom(pool, sizeof(pool), GRND_NONBLOCK) != (ssize_t)sizeof(pool))
			return errno ? -errno : -EIO;
		left = sizeof(pool) / sizeof(pool[0]);
	}
	*tag = pool[--left];
	pool[left] = 0;
	return 0;
}

struct zt_sock *zt_sock_new(struct zt_service *svc, int domain, int type, char kind, int *app_fd)
{
	struct zt_sock *s = calloc(1, sizeof(*s));
	if (!s) {
		*app_fd = -ENOMEM;
		return NULL;
	}
	/* Ids are unique in the process, not per service: several services (one per network in `ztrun
	 * service`) name their app ends in the one abstract namespace. */
	static uint64_t next_id;
	s->svc = svc;
	s->id = ++next_id;
	s->domain = domain;
	s->type = type;
	s->fd = -1;
	s->app_fd_pending = -1;
	s->join_lfd = -1;
	int e = next_tag(&s->tag);
	if (e < 0) {
		*app_fd = e;
		free(s);
		return NULL;
	}
	*app_fd = make_pair(s, kind);
	if (*app_fd < 0) {
		free(s);
		return NULL;
	}
	size_t b = bucket_of(s->id);
	s->next_in_bucket = svc->buckets[b];
	svc->buckets[b] = s;
	svc->nsocks++;
	return s;
}

int zt_sock_repair(struct zt_sock *s, char kind)
{
	int old = s->fd;
	struct zt_watch saved = s->watch;
	zt_loop_unwatch(s->svc->loop, &s->watch);
	int app_fd = make_pair(s, kind);
	if (app_fd < 0) {
		zt_loop_watch(s->svc->loop, &s->watch, old, saved.events, saved.fn, saved.arg);
		return app_fd;
	}
	close(old);
	zt_sock_update_watch(s);
	return app_fd;
}

bool zt_sock_name_of(int fd, char name[ZT_SOCK_NAME_MAX])
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	if (getsockname(fd, (struct sockaddr *)&sun, &len) < 0 || sun.sun_family != AF_UNIX)
		return false;
	size_t plen = len - offsetof(struct sockaddr_un, sun_path);
	if (plen < 2 || plen >= sizeof(sun.sun_path) || sun.sun_path[0] != '\0')
		return false;
	memcpy(name, sun.sun_path + 1, plen - 1);
	name[plen - 1] = '\0';
	return true;
}

/* The socket an app fd stands for: its abstract name says which service and which socket. */
struct zt_sock *zt_sock_lookup(struct zt_service *svc, int app_fd)
{
	char name[ZT_SOCK_NAME_MAX];
	if (!zt_sock_name_of(app_fd, name))
		return NULL;
	int pid, used = 0;
	uint64_t id, tag;
	char kind;
	if (sscanf(name, ZT_NC_NAME_PREFIX "%d/%" SCNu64 "/%16" SCNx64 "/%c%n", &pid, &id, &tag, &kind,
	           &used) != 4 ||
	    name[used] != '\0' || pid != (int)svc->pid)
		return NULL;
	for (struct zt_sock *s = svc->buckets[bucket_of(id)]; s; s = s->next_in_bucket)
		if (s->id == id)
			return (s->kind == kind && s->tag == tag && !s->dead) ? s : NULL;
	return NULL;
}

void zt_sock_update_watch(struct zt_sock *s)
{
	if (s->dead || !s->watch.active)
		return;
	uint32_t ev = 0;
	switch (s->kind) {
	case 's':
		if (s->state == ZT_SOCK_CONNECTED && s->pcb.tcp && !s->app_eof && s->txlen == 0 &&
		    tcp_sndbuf(s->pcb.tcp) > 0)
			ev |= EPOLLIN;
		if (s->state == ZT_SOCK_DONE && !s->app_eof)
			ev |= EPOLLIN; /* discard what the app still writes */
		if (s->rxq || s->need_fin_to_app)
			ev |= EPOLLOUT;
		break;
	case 'l':
		ev |= EPOLLIN; /* the app's word that it accepted a connection (rpc.h) */
		if (s->acceptq_head)
			ev |= EPOLLOUT;
		break;
	default:
		ev |= EPOLLIN;
		break;
	}
	zt_loop_modify(s->svc->loop, &s->watch, ev);
}

int zt_sock_reply_waiters(struct zt_sock *s, enum zt_nc_op op, int result)
{
	int kept = 0, answered = 0;
	for (int i = 0; i < s->nwaiters; i++) {
		struct zt_pending *p = &s->waiters[i];
		if (p->op != op) {
			s->waiters[kept++] = *p;
			continue;
		}
		if (!p->conn)
			continue;
		if (op == ZT_NC_GETSOCKOPT) {
			/* SO_ERROR: reading it clears it, as on Linux */
			uint8_t buf[8];
			struct zt_nc_buf b = {.p = buf, .len = sizeof(buf)};
			zt_nc_put_u32(&b, 4);
			zt_nc_put_u32(&b, (uint32_t)s->so_error);
			s->so_error = 0;
			zt_service_reply(p->conn, op, p->id, 0, buf, b.off, -1);
		} else {
			bool told = result == 0 && p->again && !s->connect_untold;
			if (result == 0)
				s->connect_untold = false; /* this reply says it (0), or one before did */
			zt_service_reply(p->conn, op, p->id, told ? -EISCONN : result, NULL, 0, -1);
		}
		answered++;
	}
	s->nwaiters = kept;
	return answered;
}

int zt_sock_add_waiter(struct zt_sock *s, struct zt_rpc_conn *conn, uint32_t id, enum zt_nc_op op, bool again)
{
	if (s->nwaiters == ZT_SOCK_MAX_WAITERS)
		return -EAGAIN;
	s->waiters[s->nwaiters++] = (struct zt_pending){.conn = conn, .id = id, .op = op, .again = again};
	return 0;
}

/* Whether every copy of s's app end is closed: its name is free again then. */
static bool app_end_gone(const struct zt_sock *s)
{
	struct sockaddr_un sun;
	socklen_t len = sock_name(s, s->kind, &sun);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool gone = bind(fd, (struct sockaddr *)&sun, len) == 0;
	close(fd);
	return gone;
}

bool zt_sock_park(struct zt_sock *s)
{
	if (s->parked)
		return true;
	if (app_end_gone(s))
		return false;
	zt_loop_unwatch(s->svc->loop, &s->watch);
	s->parked = true;
	if (s->svc->nparked++ == 0)
		s->svc->parked_check_at = zt_now_ms() + 1000;
	return true;
}

int64_t zt_sock_parked_due(struct zt_service *svc, int64_t now)
{
	if (!svc->nparked)
		return -1;
	if (now < svc->parked_check_at)
		return svc->parked_check_at;
	for (size_t b = 0; b < ZT_SVC_BUCKETS && svc->nparked; b++) {
		for (struct zt_sock *s = svc->buckets[b]; s; s = s->next_in_bucket) {
			if (s->parked && !s->dead && app_end_gone(s)) {
				s->app_gone = true;
				zt_sock_kill(s);
			}
		}
	}
	svc->parked_check_at = now + 1000;
	return svc->nparked ? svc->parked_check_at : -1;
}

/* Releases the PCB at once (its address and port are free for the next bind) and retires s; the
 * memory goes between loop rounds. Never called from inside a callback of s's own PCB. */
void zt_sock_kill(struct zt_sock *s)
{
	if (s->dead)
		return;
	s->dead = true;
	zt_loop_unwatch(s->svc->loop, &s->watch);
	if (s->parked) {
		s->parked = false;
		s->svc->nparked--;
	}
	if (s->type == SOCK_STREAM)
		zt_tcp_accept_forget(s);
	if (s->type == SOCK_STREAM && s->pcb.tcp) {
		tcp_arg(s->pcb.tcp, NULL);
		if (s->kind == 'l') {
			zt_joined_listener_closed(s);
			tcp_accept(s->pcb.tcp, NULL);
			tcp_close(s->pcb.tcp);
		} else {
			tcp_recv(s->pcb.tcp, NULL);
			tcp_sent(s->pcb.tcp, NULL);
			tcp_err(s->pcb.tcp, NULL);
			tcp_abort(s->pcb.tcp);
		}
	} else if (zt_sock_is_icmp(s) && s->pcb.raw) {
		raw_remove(s->pcb.raw);
	} else if (s->type == SOCK_DGRAM && s->pcb.udp) {
		udp_remove(s->pcb.udp);
	}
	s->pcb.tcp = NULL;
	s->pcb.udp = NULL;
	/* Accepted connections the app never took: nobody will read them now. */
	for (struct zt_sock *q = s->acceptq_head; q; q = q->next_in_acceptq)
		zt_sock_kill(q);
	s->acceptq_head = s->acceptq_tail = NULL;
	s->next_dead = s->svc->dead;
	s->svc->dead = s;
}

static void sock_free(struct zt_sock *s)
{
	struct zt_service *svc = s->svc;
	struct zt_sock **pp = &svc->buckets[bucket_of(s->id)];
	while (*pp && *pp != s)
		pp = &(*pp)->next_in_bucket;
	if (*pp)
		*pp = s->next_in_bucket;
	svc->nsocks--;
	zt_tcp_rx_forget(s);
	zt_sock_rx_consume(s, SIZE_MAX);
	if (s->fd >= 0)
		close(s->fd);
	if (s->app_fd_pending >= 0)
		close(s->app_fd_pending);
	free(s->txbuf);
	free(s);
}

size_t zt_sock_rx_consume(struct zt_sock *s, size_t n)
{
	size_t done = 0;
	while (s->rxq && done < n) {
		struct pbuf *p = s->rxq;
		if (n - done < p->len) {
			pbuf_remove_header(p, n - done);
			done = n;
			break;
		}
		done += p->len;
		s->rxq = p->next;
		p->next = NULL;
		pbuf_free(p);
	}
	if (!s->rxq)
		s->rxtail = NULL;
	s->rxbytes -= done;
	return done;
}

void zt_sock_reap(struct zt_service *svc)
{
	while (svc->dead) {
		struct zt_sock *s = svc->dead;
		svc->dead = s->next_dead;
		sock_free(s);
	}
}

void zt_sock_free_all(struct zt_service *svc)
{
	for (size_t b = 0; b < ZT_SVC_BUCKETS; b++)
		for (struct zt_sock *s = svc->buckets[b]; s; s = s->next_in_bucket)
			zt_sock_kill(s);
	zt_sock_reap(svc);
}
