/* The host side of a VL1 node: UDP sockets on the event loop, state through the home directory, the
 * node's deadlines from a before-sleep hook. */
#include "nodehost.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sysio.h"

#define ZT_HOST_MAX_SOCKS        2
#define ZT_HOST_DGRAMS_PER_EVENT 64
#define ZT_HOST_RX_BATCH         16    /* datagrams per recvmmsg */
#define ZT_HOST_RX_SLOT          65536 /* a UDP GRO message (at most 64 KiB); any ZeroTier packet */
#define ZT_HOST_TX_BATCH         64    /* datagrams per sendmmsg (and per GSO message, at most) */
#define ZT_HOST_TX_SLOT          2048  /* a fragment at the largest physical MTU; larger go out alone */

struct zt_host_sock {
	int fd;
	int family;
	struct zt_watch watch;
	struct zt_nodehost *host;
};

/* The node asks for 8 random bytes per packet it sends (its ID, also the cipher's nonce): a getrandom
 * each was a syscall per packet. They come from this pool instead, refilled by getrandom a page at a
 * time; bytes handed out are wiped from it. Its page is wiped on fork (MADV_WIPEONFORK), so a child
 * finds it empty and never repeats its parent's IDs. */
struct rand_pool {
	size_t left;
	uint8_t b[4096 - sizeof(size_t)];
};

/* Datagrams in and out go by the batch, one syscall for many: recvmmsg drains up to RX_BATCH at a time;
 * what the node sends waits in `tx` (one socket's worth) until it is full, until something has to go out
 * on its own (another socket, a TTL of its own, an outsize datagram) or until the loop is about to sleep
 * (flush_hook, a before-wait hook: after every hook that may send), and leaves with one sendmmsg.
 * The sockets ask for UDP GRO: datagrams of one sender that arrive together (a packet's fragments sent
 * with UDP GSO, or what a NIC's GRO joined) come up as one message with their size in a cmsg, one trip
 * through the kernel's UDP receive path instead of one each; sock_io cuts it back into the datagrams. */
struct rx_batch {
	struct mmsghdr m[ZT_HOST_RX_BATCH];
	struct iovec iov[ZT_HOST_RX_BATCH];
	struct sockaddr_storage from[ZT_HOST_RX_BATCH];
	alignas(struct cmsghdr) uint8_t cmsg[ZT_HOST_RX_BATCH][CMSG_SPACE(sizeof(int))];
	uint8_t buf[ZT_HOST_RX_BATCH][ZT_HOST_RX_SLOT];
};

struct tx_batch {
	int n;
	int sock;
	struct mmsghdr m[ZT_HOST_TX_BATCH];
	struct iovec iov[ZT_HOST_TX_BATCH];
	struct sockaddr_storage to[ZT_HOST_TX_BATCH];
	alignas(struct cmsghdr) uint8_t cmsg[ZT_HOST_TX_BATCH][CMSG_SPACE(sizeof(uint16_t))];
	uint8_t buf[ZT_HOST_TX_BATCH][ZT_HOST_TX_SLOT];
};

struct zt_nodehost {
	struct zt_loop *loop;
	struct zt_node *node;
	struct zt_home *home;
	void (*event)(void *arg, enum zt_node_event ev, const void *data);
	void *event_arg;
	uint16_t port;
	int api_fd; /* the API's TCP listener until taken; -1: none */
	int nsocks;
	struct zt_host_sock socks[ZT_HOST_MAX_SOCKS];
	struct rand_pool *pool; /* NULL: straight from getrandom */
	bool gso;               /* UDP GSO (UDP_SEGMENT) until the kernel refuses it */
	struct rx_batch rx;
	struct tx_batch tx;
};

/* Sends what waits in the batch. Runs of datagrams to one address, all of one size but a shorter last,
 * go as one message with UDP GSO: the kernel cuts it into those very datagrams after one pass through
 * its stack instead of one each. A run is a packet's fragments, or, since the node cuts a packet into
 * pieces of one size (vl1/fragment.c), the fragments of many packets of one size: a bulk stream's full
 * frames, up to 60,000 bytes a message (a receiver with UDP GRO gets them as one message too). A
 * datagram the kernel refuses is dropped, as a failed sendto drops it; if GSO itself is refused, it is
 * off from then on. */
static void tx_flush(struct zt_nodehost *h)
{
	struct tx_batch *b = &h->tx;
	int fd = h->socks[b->sock].fd;
	struct mmsghdr m[ZT_HOST_TX_BATCH];
	int first[ZT_HOST_TX_BATCH], nm = 0;
	for (int i = 0; i < b->n;) {
		int j = i + 1;
		size_t seg = b->iov[i].iov_len, total = seg;
		while (h->gso && j < b->n && b->iov[j - 1].iov_len == seg && b->iov[j].iov_len <= seg &&
		       total + b->iov[j].iov_len <= 60000 && j - i < 64 &&
		       b->m[j].msg_hdr.msg_namelen == b->m[i].msg_hdr.msg_namelen &&
		       memcmp(&b->to[j], &b->to[i], b->m[i].msg_hdr.msg_namelen) == 0)
			total += b->iov[j++].iov_len;
		m[nm].msg_hdr = b->m[i].msg_hdr;
		m[nm].msg_hdr.msg_iovlen = (size_t)(j - i);
		if (j - i > 1) {
			struct cmsghdr *c = (struct cmsghdr *)b->cmsg[nm];
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
			uint16_t size = (uint16_t)seg;
			memcpy(CMSG_DATA(c), &size, sizeof(size));
			m[nm].msg_hdr.msg_control = c;
			m[nm].msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
		}
		first[nm++] = i;
		i = j;
	}
	for (int k = 0; k < nm;) {
		int r = sendmmsg(fd, m + k, (unsigned)(nm - k), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && m[k].msg_hdr.msg_iovlen > 1 &&
		    (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT)) {
			h->gso = false; /* the kernel or the device cannot: those datagrams one by one */
			int end = k + 1 < nm ? first[k + 1] : b->n;
			for (int i = first[k]; i < end; i++)
				(void)sendmsg(fd, &b->m[i].msg_hdr, MSG_DONTWAIT | MSG_NOSIGNAL);
		}
		k += r > 0 ? r : 1;
	}
	b->n = 0;
}

static int64_t flush_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	(void)now;
	struct zt_nodehost *h = arg;
	if (h->tx.n)
		tx_flush(h);
	return -1;
}

static int wire_send(void *arg, zt_sock_id sock, const struct zt_inetaddr *to, const void *data, size_t len,
                     unsigned ttl)
{
	struct zt_nodehost *h = arg;
	struct sockaddr_storage ss;
	socklen_t sl = zt_inetaddr_to_sockaddr(to, &ss);
	if (!sl)
		return -EAFNOSUPPORT;
	struct zt_host_sock *s = NULL;
	if (sock >= 0 && sock < h->nsocks)
		s = &h->socks[sock];
	for (int i = 0; !s && i < h->nsocks; i++)
		if (h->socks[i].family == ss.ss_family)
			s = &h->socks[i];
	if (!s || s->family != ss.ss_family)
		return -EAFNOSUPPORT;
	struct tx_batch *b = &h->tx;
	int si = (int)(s - h->socks);
	if (b->n && (b->sock != si || ttl || len > ZT_HOST_TX_SLOT))
		tx_flush(h); /* keep the order of what we send */
	if (!ttl && len <= ZT_HOST_TX_SLOT) {
		int i = b->n++;
		b->sock = si;
		memcpy(b->buf[i], data, len);
		memcpy(&b->to[i], &ss, sl);
		b->iov[i] = (struct iovec){b->buf[i], len};
		b->m[i].msg_hdr = (struct msghdr){
		    .msg_name = &b->to[i], .msg_namelen = sl, .msg_iov = &b->iov[i], .msg_iovlen = 1};
		if (b->n == ZT_HOST_TX_BATCH)
			tx_flush(h);
		return 0;
	}
	/* NAT-opening junk goes out with a small TTL (spec 5.6); everything else with the default. */
	int level = s->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int name = s->family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS;
	int t = (int)ttl, dflt = -1;
	if (ttl)
		setsockopt(s->fd, level, name, &t, sizeof(t));
	ssize_t n = sendto(s->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&ss, sl);
	int err = n < 0 ? -errno : 0;
	if (ttl)
		setsockopt(s->fd, level, name, &dflt, sizeof(dflt));
	return err;
}

/* The size of the datagrams a UDP GRO message joined (the last may be shorter), or len: one datagram. */
static size_t gro_size(struct msghdr *mh, size_t len)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		int size;
		if (c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_GRO ||
		    c->cmsg_len != CMSG_LEN(sizeof(size)))
			continue;
		memcpy(&size, CMSG_DATA(c), sizeof(size));
		if (size > 0 && (size_t)size < len)
			return (size_t)size;
	}
	return len ? len : 1;
}

static void sock_io(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	(void)loop;
	(void)w;
	(void)events;
	struct zt_host_sock *s = arg;
	struct zt_nodehost *h = s->host;
	struct rx_batch *b = &h->rx;
	for (int done = 0; done < ZT_HOST_DGRAMS_PER_EVENT;) {
		for (int i = 0; i < ZT_HOST_RX_BATCH; i++) {
			b->iov[i] = (struct iovec){b->buf[i], sizeof(b->buf[i])};
			b->m[i].msg_hdr = (struct msghdr){.msg_name = &b->from[i],
			                                  .msg_namelen = sizeof(b->from[i]),
			                                  .msg_iov = &b->iov[i],
			                                  .msg_iovlen = 1,
			                                  .msg_control = b->cmsg[i],
			                                  .msg_controllen = sizeof(b->cmsg[i])};
		}
		int r = recvmmsg(s->fd, b->m, ZT_HOST_RX_BATCH, MSG_DONTWAIT, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (int i = 0; i < r; i++) {
			struct zt_inetaddr a;
			if (b->m[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue;
			if (zt_inetaddr_from_sockaddr(&a, (struct sockaddr *)&b->from[i],
			                              b->m[i].msg_hdr.msg_namelen) < 0)
				continue;
			size_t len = b->m[i].msg_len, seg = gro_size(&b->m[i].msg_hdr, len);
			int64_t now = zt_now_ms();
			for (size_t off = 0; off < len; off += seg)
				zt_node_wire_in(h->node, (zt_sock_id)(s - h->socks), &a, b->buf[i] + off,
				                len - off < seg ? len - off : seg, now);
		}
		done += r;
		if (r < ZT_HOST_RX_BATCH)
			break; /* drained */
	}
}

/* Before every sleep: run the node's background work once it is due; sleep until it is due next. */
static int64_t node_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	struct zt_nodehost *h = arg;
	if (!h->node)
		return -1;
	int64_t d = zt_node_next_deadline(h->node);
	if (d <= now)
		d = zt_node_tick(h->node, now);
	return d;
}

static int open_socket(struct zt_nodehost *h, int family, const void *addr, uint16_t port)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		if (addr)
			memcpy(&in->sin_addr, addr, 4);
		sl = sizeof(*in);
	} else {
		int one = 1;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		if (addr)
			memcpy(&in6->sin6_addr, addr, 16);
		sl = sizeof(*in6);
	}
	/* Room for bursts: a busy node receives faster than one loop round drains. */
	int size = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	int one = 1; /* see rx_batch; without it (before Linux 5.0) one datagram per message */
	setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	struct zt_host_sock *s = &h->socks[h->nsocks];
	*s = (struct zt_host_sock){.fd = fd, .family = family, .host = h};
	int err = zt_loop_watch(h->loop, &s->watch, fd, EPOLLIN, sock_io, s);
	if (err) {
		close(fd);
		return err;
	}
	h->nsocks++;
	if (!h->port) {
		sl = sizeof(ss);
		getsockname(fd, (struct sockaddr *)&ss, &sl);
		h->port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
		                                  : ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return 0;
}

static void close_sockets(struct zt_nodehost *h)
{
	for (int i = 0; i < h->nsocks; i++) {
		zt_loop_unwatch(h->loop, &h->socks[i].watch);
		close(h->socks[i].fd);
	}
	h->nsocks = 0;
	if (h->api_fd >= 0)
		close(h->api_fd);
	h->api_fd = -1;
}

/* One socket on the bind address, or one per family on the same port. */
static int open_port(struct zt_nodehost *h, const struct zt_nodehost_config *cfg)
{
	h->port = cfg->port;
	if (cfg->bind) {
		uint8_t a[16];
		if (inet_pton(AF_INET, cfg->bind, a) == 1)
			return open_socket(h, AF_INET, a, cfg->port);
		if (inet_pton(AF_INET6, cfg->bind, a) == 1)
			return open_socket(h, AF_INET6, a, cfg->port);
		return -EINVAL;
	}
	int err = open_socket(h, AF_INET, NULL, cfg->port);
	if (!err)
		err = open_socket(h, AF_INET6, NULL, h->port);
	return err == -EAFNOSUPPORT ? 0 : err; /* no IPv6 on this host: IPv4 alone */
}

/* The UDP sockets and, if asked, the API's TCP listener, all on one port. For port 0 the kernel picks a
 * free UDP port, which may be taken on IPv6 or TCP (the kernel's ephemeral ports are also those of
 * outgoing TCP connections): then another. */
static int open_sockets(struct zt_nodehost *h, const struct zt_nodehost_config *cfg)
{
	for (int attempt = 0; attempt < 128; attempt++) {
		int err = open_port(h, cfg);
		if (!err && cfg->api_listener) {
			h->api_fd = zt_tcp_listen_loopback(h->port);
			err = h->api_fd < 0 ? h->api_fd : 0;
		}
		if (err != -EADDRINUSE || cfg->port)
			return err;
		close_sockets(h);
	}
	return -EADDRINUSE;
}

/* The node passes one arg to every callback: these forward to the home and to getrandom. */
static int state_put(void *arg, enum zt_state_object type, uint64_t id, const void *data, int len)
{
	return zt_home_state_put(((struct zt_nodehost *)arg)->home, type, id, data, len);
}

static int state_get(void *arg, enum zt_state_object type, uint64_t id, void *buf, size_t cap)
{
	return zt_home_state_get(((struct zt_nodehost *)arg)->home, type, id, buf, cap);
}

static void node_event(void *arg, enum zt_node_event ev, const void *data)
{
	struct zt_nodehost *h = arg;
	if (h->event)
		h->event(h->event_arg, ev, data);
}

static void random_bytes(void *arg, void *buf, size_t len)
{
	struct rand_pool *pool = ((struct zt_nodehost *)arg)->pool;
	if (!pool || len > sizeof(pool->b) / 8) {
		zt_sys_random(NULL, buf, len);
		return;
	}
	if (pool->left < len) {
		zt_sys_random(NULL, pool->b, sizeof(pool->b));
		pool->left = sizeof(pool->b);
	}
	pool->left -= len;
	memcpy(buf, pool->b + pool->left, len);
	explicit_bzero(pool->b + pool->left, len);
}

static struct rand_pool *pool_new(void)
{
	void *p =
	    mmap(NULL, sizeof(struct rand_pool), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, sizeof(struct rand_pool), MADV_WIPEONFORK) < 0) { /* before Linux 4.14 */
		munmap(p, sizeof(struct rand_pool));
		return NULL;
	}
	return p; /* zero-filled: empty */
}

static void pool_free(struct rand_pool *pool)
{
	if (!pool)
		return;
	explicit_bzero(pool, sizeof(*pool));
	munmap(pool, sizeof(*pool));
}

int zt_nodehost_new(struct zt_nodehost **out, struct zt_loop *loop, const struct zt_nodehost_config *cfg)
{
	struct zt_nodehost *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->loop = loop;
	h->api_fd = -1;
	h->home = cfg->home;
	h->event = cfg->event;
	h->event_arg = cfg->event_arg;
	int err = zt_sys_random_check();
	h->pool = pool_new();
	h->gso = true;
	if (!err)
		err = open_sockets(h, cfg);
	if (err)
		goto fail;
	static const struct zt_node_callbacks cb = {
	    .version = ZT_NODE_CALLBACKS_VERSION,
	    .wire_send = wire_send,
	    .random = random_bytes,
	    .state_put = state_put,
	    .state_get = state_get,
	    .event = node_event,
	};
	struct zt_node_config nc;
	zt_node_config_init(&nc);
	nc.identity = cfg->identity;
	nc.planet = cfg->planet;
	nc.allow_loopback = cfg->allow_loopback;
	err = zt_node_new(&h->node, &cb, h, &nc, zt_now_ms());
	if (!err)
		err = zt_loop_before_sleep(loop, node_hook, h);
	if (!err)
		err = zt_loop_before_wait(loop, flush_hook, h);
	if (err)
		goto fail;
	*out = h;
	return 0;
fail:
	zt_nodehost_free(h); /* nothing batched to flush yet: the node has not run */
	return err;
}

void zt_nodehost_free(struct zt_nodehost *h)
{
	if (!h)
		return;
	zt_loop_remove_hook(h->loop, node_hook, h);
	zt_loop_remove_hook(h->loop, flush_hook, h);
	zt_node_free(h->node);
	h->node = NULL;
	if (h->tx.n)
		tx_flush(h);
	close_sockets(h);
	pool_free(h->pool);
	free(h);
}

struct zt_node *zt_nodehost_node(struct zt_nodehost *h)
{
	return h->node;
}

uint16_t zt_nodehost_port(const struct zt_nodehost *h)
{
	return h->port;
}

int zt_nodehost_take_api_fd(struct zt_nodehost *h)
{
	int fd = h->api_fd;
	h->api_fd = -1;
	return fd;
}

int zt_nodehost_counters(struct zt_nodehost *h, char *out, size_t cap)
{
	struct zt_node_counters c;
	zt_node_counters(h->node, &c);
	return snprintf(out, cap,
	                "node rx=%llu tx=%llu whois=%llu/%llu relayed=%llu rendezvous=%llu bad_mac=%llu "
	                "replay=%llu unknown=%llu malformed=%llu aes=%llu/%llu",
	                (unsigned long long)c.rx_packets, (unsigned long long)c.tx_packets,
	                (unsigned long long)c.whois_sent, (unsigned long long)c.whois_answered,
	                (unsigned long long)c.relayed, (unsigned long long)c.rendezvous_sent,
	                (unsigned long long)c.drop_bad_mac, (unsigned long long)c.drop_replay,
	                (unsigned long long)c.drop_unknown_peer, (unsigned long long)c.drop_malformed,
	                (unsigned long long)c.rx_aes, (unsigned long long)c.tx_aes);
}
