/* Sending: packet IDs and the replies we await, building, armoring and fragmenting, the choice between a
 * direct path and a root, and what waits for a WHOIS answer (our packets and theirs). */
#include "vl1/node_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t zt_node_new_id(struct zt_node *n, uint8_t id[8])
{
	struct zt_rd r;
	n->cb.random(n->arg, id, 8);
	zt_rd_init(&r, id, 8);
	return zt_rd_u64(&r);
}

static struct expect *expect_slot(struct zt_node *n, uint64_t id)
{
	/* IDs are random: their low bits spread well enough. */
	return &n->expect[id % EXPECT_SLOTS];
}

void zt_node_expect(struct zt_node *n, uint64_t id, uint64_t peer, uint8_t verb, zt_sock_id sock,
                    const struct zt_inetaddr *addr, bool direct, bool upper, int64_t now)
{
	struct expect *e = expect_slot(n, id);
	*e = (struct expect){.id = id,
	                     .peer = peer,
	                     .sent = now,
	                     .sock = sock,
	                     .verb = verb,
	                     .direct = direct,
	                     .upper = upper};
	if (addr)
		e->addr = *addr;
}

struct expect *zt_node_expected(struct zt_node *n, uint64_t id, uint64_t peer, uint8_t verb, int64_t now)
{
	struct expect *e = expect_slot(n, id);
	if (e->id != id || e->peer != peer || e->verb != verb || e->sent == 0 ||
	    now - e->sent >= ZT_NODE_REPLY_WINDOW_MS)
		return NULL;
	return e;
}

int zt_node_build(struct zt_node *n, struct zt_peer *p, const uint8_t *id_in, uint8_t verb,
                  const void *payload, size_t len)
{
	uint8_t id[8];
	struct zt_wr w;
	if (len > ZT_PACKET_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (id_in)
		memcpy(id, id_in, 8);
	else
		n->cb.random(n->arg, id, 8);
	zt_wr_init(&w, n->txbuf, sizeof(n->txbuf));
	zt_packet_write_header(&w, id, p->id.address, n->me.address, 0, verb);
	if (len)
		zt_wr_bytes(&w, payload, len);
	if (w.bad)
		return -EMSGSIZE;
	size_t plen = w.len;
	/* Never a HELLO (spec); nor a unicast frame, as stock nodes since 1.4.8: traffic that carries
	 * data rarely shrinks, and trying costs an LZ4 pass over every frame we send. */
	if (verb != ZT_VERB_HELLO && verb != ZT_VERB_FRAME && verb != ZT_VERB_EXT_FRAME)
		(void)zt_packet_compress(n->txbuf, &plen);
	return (int)plen;
}

uint64_t zt_node_tx_id(const struct zt_node *n)
{
	struct zt_rd r;
	zt_rd_init(&r, n->txbuf + ZT_PACKET_IDX_ID, 8);
	return zt_rd_u64(&r);
}

void zt_node_send_raw(struct zt_node *n, zt_sock_id sock, const struct zt_inetaddr *to, const void *data,
                      size_t len, unsigned ttl)
{
	n->ctr.tx_datagrams++;
	if (n->cb.wire_send(n->arg, sock, to, data, len, ttl) < 0)
		n->ctr.tx_errors++;
}

/* Arms n->txbuf for p: cipher 0 for a HELLO, else 3 if p announced it can read it, else 1; the fragment
 * flag first if it will not fit. Returns the number of datagrams, or -EMSGSIZE. */
static int armor(struct zt_node *n, struct zt_peer *p, size_t len)
{
	int count = zt_fragment_count(len, n->mtu);
	if (count < 0)
		return count;
	if (count > 1)
		n->txbuf[ZT_PACKET_IDX_FLAGS] |= ZT_FLAG_FRAGMENTED;
	int ret;
	if ((n->txbuf[ZT_PACKET_IDX_VERB] & ZT_VERB_MASK) == ZT_VERB_HELLO) {
		ret = zt_packet_armor(n->txbuf, len, p->key, ZT_CIPHER_POLY1305_NONE);
	} else if (p->proto >= ZT_NODE_PROTO_AES && p->siv.k0) {
		ret = zt_packet_armor_siv(n->txbuf, len, &p->siv);
		n->ctr.tx_aes += ret == 0;
	} else {
		ret = zt_packet_armor(n->txbuf, len, p->key, ZT_CIPHER_SALSA2012_POLY1305);
	}
	return ret ? -EMSGSIZE : count;
}

static void transmit(struct zt_node *n, struct zt_peer *p, size_t len, int count, zt_sock_id sock,
                     const struct zt_inetaddr *to, int64_t now)
{
	uint8_t frag[ZT_DEFAULT_MTU];
	if (count == 1) {
		zt_node_send_raw(n, sock, to, n->txbuf, len, 0);
	} else {
		for (int i = 0; i < count; i++) {
			int flen = zt_fragment_build(frag, sizeof(frag), n->txbuf, len, n->mtu, (unsigned)i);
			if (flen > 0)
				zt_node_send_raw(n, sock, to, frag, (size_t)flen, 0);
		}
	}
	n->ctr.tx_packets++;
	p->last_send = now;
	struct zt_path *path = zt_paths_find(p->paths, p->n_paths, sock, to);
	if (path)
		path->last_send = now;
}

int zt_node_send_on(struct zt_node *n, struct zt_peer *p, size_t len, zt_sock_id sock,
                    const struct zt_inetaddr *to, int64_t now)
{
	int count = armor(n, p, len);
	if (count < 0)
		return count;
	transmit(n, p, len, count, sock, to, now);
	return 0;
}

/* Where a packet for p goes: its best direct path; for a root not yet answering, its world endpoints;
 * otherwise through the best root (the relay's path, with the packet still addressed to p). */
static struct zt_path *route(struct zt_node *n, struct zt_peer *p, struct zt_peer **via, int64_t now)
{
	struct zt_path *path = zt_paths_best(p->paths, p->n_paths, now);
	*via = p;
	if (path)
		return path;
	if (p->root)
		return p->n_paths ? &p->paths[0] : NULL;
	struct zt_peer *root = zt_node_best_root(n, now);
	if (!root)
		return NULL;
	*via = root;
	path = zt_paths_best(root->paths, root->n_paths, now);
	return path ? path : &root->paths[0];
}

static int send_routed(struct zt_node *n, struct zt_peer *p, size_t len, int64_t now, struct zt_path **used,
                       bool *direct)
{
	struct zt_peer *via;
	struct zt_path *path = route(n, p, &via, now);
	if (!path)
		return -EHOSTUNREACH;
	int count = armor(n, p, len);
	if (count < 0)
		return count;
	/* A root that has not answered yet: try every endpoint it lists. */
	bool all = via->root && !path->confirmed;
	for (unsigned i = 0; i < via->n_paths; i++) {
		struct zt_path *q = &via->paths[i];
		if (q == path || (all && q->pinned))
			transmit(n, via, len, count, q->sock, &q->addr, now);
	}
	if (via != p)
		p->last_send = now;
	*used = path;
	*direct = via == p;
	return 0;
}

int zt_node_send_built(struct zt_node *n, struct zt_peer *p, size_t len, int64_t now)
{
	struct zt_path *used;
	bool direct;
	return send_routed(n, p, len, now, &used, &direct);
}

int zt_node_send_verb(struct zt_node *n, struct zt_peer *p, uint8_t verb, const void *payload, size_t len,
                      zt_sock_id sock, const struct zt_inetaddr *to, int64_t now, uint64_t *id_out)
{
	int plen = zt_node_build(n, p, NULL, verb, payload, len);
	if (plen < 0)
		return plen;
	int ret = to ? zt_node_send_on(n, p, (size_t)plen, sock, to, now)
	             : zt_node_send_built(n, p, (size_t)plen, now);
	if (ret == 0 && id_out)
		*id_out = zt_node_tx_id(n);
	return ret;
}

/* The requests an OK answers (spec vl2 §1: stock records these; ECHO is ours). Recording every FRAME
 * would push HELLO and ECHO expectations out of the table under load. */
static bool expects_reply(uint8_t verb)
{
	switch (verb) {
	case ZT_VERB_ECHO:
	case ZT_VERB_NETWORK_CONFIG_REQUEST:
	case ZT_VERB_MULTICAST_GATHER:
	case ZT_VERB_MULTICAST_FRAME:
		return true;
	default:
		return false;
	}
}

/* Traffic to a peer we hold no confirmed path to, relayed or held for want of a relay (we are a root),
 * and addresses we remember for it (from the cache): try them, as stock tries a memorized path. */
static void kick_idle_paths(struct zt_node *n, struct zt_peer *p, int64_t now)
{
	for (unsigned i = 0; i < p->n_paths; i++) {
		struct zt_path *q = &p->paths[i];
		if (q->confirmed || q->next_probe || q->pinned)
			continue;
		q->next_probe = now;
		q->probe_interval = 1000;
		q->probe_until = now + PROBE_WINDOW_MS;
		zt_node_want(n, now);
	}
}

/* Builds and routes an upper-layer packet with a given ID, and remembers the ID it went out with (what
 * a reply quotes: *sent_id, may be NULL) if a reply may come. */
static int send_upper(struct zt_node *n, struct zt_peer *p, const uint8_t id[8], uint8_t verb,
                      const void *payload, size_t len, int64_t now, uint64_t *sent_id)
{
	int plen = zt_node_build(n, p, id, verb, payload, len);
	if (plen < 0)
		return plen;
	struct zt_path *used;
	bool direct;
	int ret = send_routed(n, p, (size_t)plen, now, &used, &direct);
	if (ret == -EHOSTUNREACH || (ret == 0 && !direct))
		kick_idle_paths(n, p, now);
	if (ret == 0 && sent_id)
		*sent_id = zt_node_tx_id(n);
	if (ret == 0 && expects_reply(verb))
		zt_node_expect(n, zt_node_tx_id(n), p->id.address, verb, used->sock, &used->addr, direct, true,
		               now);
	p->last_active = now;
	return ret;
}

static int txq_add(struct zt_node *n, uint64_t dest, const uint8_t id[8], uint8_t verb, const void *payload,
                   size_t len, int64_t now)
{
	struct txq *q = NULL;
	for (unsigned i = 0; i < ZT_NODE_TXQ_ENTRIES && !q; i++)
		if (!n->txq[i].payload)
			q = &n->txq[i];
	if (!q) {
		n->ctr.drop_queue_full++;
		return -ENOBUFS;
	}
	/* One byte more so an empty payload still marks the slot taken. */
	if (!(q->payload = malloc(len + 1)))
		return -ENOBUFS;
	if (len)
		memcpy(q->payload, payload, len);
	struct zt_rd r;
	zt_rd_init(&r, id, 8);
	q->id = zt_rd_u64(&r);
	q->dest = dest;
	q->verb = verb;
	q->len = len;
	q->queued = now;
	n->queued_bytes += len + 1;
	return 0;
}

static void txq_drop(struct zt_node *n, struct txq *q)
{
	n->queued_bytes -= q->len + 1;
	free(q->payload);
	memset(q, 0, sizeof(*q));
}

int zt_node_send(struct zt_node *n, uint64_t dest, uint8_t verb, const void *payload, size_t len, int64_t now,
                 uint64_t *packet_id)
{
	uint8_t id[8];
	struct zt_rd r;
	if (dest == n->me.address || zt_address_reserved(dest) || verb == ZT_VERB_HELLO ||
	    verb > ZT_VERB_MASK || (len && !payload))
		return -EINVAL;
	if (len > ZT_PACKET_MAX_PAYLOAD)
		return -EMSGSIZE;
	n->now = now;
	n->cb.random(n->arg, id, 8);
	zt_rd_init(&r, id, 8);
	if (packet_id)
		*packet_id = zt_rd_u64(&r);
	struct zt_peer *p = zt_node_peer_get(n, dest, now);
	int ret;
	if (p) {
		ret = send_upper(n, p, id, verb, payload, len, now, packet_id);
		/* A peer whose only path is still being confirmed (it has just said HELLO to us, and we
		 * are the root it would be relayed through): hold the packet until the HELLO we sent back
		 * is answered, as stock's TX queue does. A controller's first reply to a new member
		 * would otherwise be lost, and the member would wait for its next request. */
		if (ret != -EHOSTUNREACH || !p->n_paths)
			return ret;
	} else if ((ret = zt_node_whois_ask(n, dest, now)) < 0) {
		return ret;
	}
	ret = txq_add(n, dest, id, verb, payload, len, now);
	return ret < 0 ? ret : 1;
}

int zt_node_peer_identity(struct zt_node *n, uint64_t address, struct zt_identity *out)
{
	struct zt_peer *p = zt_node_peer_get(n, address, n->now);
	if (!p && address == n->me.address) {
		*out = n->me;
		zt_wipe(out->priv, sizeof(out->priv));
		out->has_priv = false;
		return 0;
	}
	if (!p)
		return -ENOENT;
	*out = p->id;
	return 0;
}

int zt_node_whois(struct zt_node *n, uint64_t address, int64_t now)
{
	if (zt_address_reserved(address))
		return -EINVAL;
	n->now = now;
	if (address == n->me.address || zt_node_peer_get(n, address, now))
		return 0;
	return zt_node_whois_ask(n, address, now);
}

static int whois_send(struct zt_node *n, uint64_t address, int64_t now)
{
	uint8_t payload[ZT_ADDRESS_LEN];
	struct zt_wr w;
	uint64_t id;
	struct zt_peer *root = zt_node_best_root(n, now);
	if (!root)
		return -EHOSTUNREACH;
	zt_wr_init(&w, payload, sizeof(payload));
	zt_wr_u40(&w, address);
	int ret =
	    zt_node_send_verb(n, root, ZT_VERB_WHOIS, payload, sizeof(payload), ZT_SOCK_ANY, NULL, now, &id);
	if (ret == 0) {
		zt_node_expect(n, id, root->id.address, ZT_VERB_WHOIS, ZT_SOCK_ANY, NULL, false, false, now);
		n->ctr.whois_sent++;
	}
	return ret;
}

bool zt_node_whois_pending(const struct zt_node *n, uint64_t address)
{
	for (unsigned i = 0; i < WHOIS_SLOTS; i++)
		if (n->whois[i].address == address)
			return true;
	return false;
}

int zt_node_whois_ask(struct zt_node *n, uint64_t address, int64_t now)
{
	struct whois *slot = NULL;
	for (unsigned i = 0; i < WHOIS_SLOTS; i++) {
		struct whois *w = &n->whois[i];
		if (w->address == address)
			return 1; /* already asking: the retry timer has it */
		if (!slot || (slot->address && (!w->address || w->first < slot->first)))
			slot = w;
	}
	if (!zt_node_best_root(n, now))
		return -EHOSTUNREACH;
	*slot = (struct whois){.address = address, .first = now, .next = now + ZT_NODE_WHOIS_RETRY_MS};
	zt_node_want(n, slot->next);
	(void)whois_send(n, address, now);
	return 1;
}

void zt_node_whois_retry(struct zt_node *n, int64_t now)
{
	for (unsigned i = 0; i < WHOIS_SLOTS; i++) {
		struct whois *w = &n->whois[i];
		if (!w->address || now < w->next)
			continue;
		if (now - w->first >= ZT_NODE_QUEUE_TIMEOUT_MS) {
			memset(w, 0, sizeof(*w));
			continue;
		}
		w->next = now + ZT_NODE_WHOIS_RETRY_MS;
		w->tries++;
		(void)whois_send(n, w->address, now);
	}
}

void zt_node_whois_done(struct zt_node *n, uint64_t address)
{
	for (unsigned i = 0; i < WHOIS_SLOTS; i++)
		if (n->whois[i].address == address)
			memset(&n->whois[i], 0, sizeof(n->whois[i]));
}

static void rxq_drop(struct zt_node *n, struct rxq *q)
{
	n->queued_bytes -= q->len;
	free(q->pkt);
	memset(q, 0, sizeof(*q));
}

int zt_node_rxq_add(struct zt_node *n, const uint8_t *pkt, size_t len, uint64_t src, zt_sock_id sock,
                    const struct zt_inetaddr *from, int64_t now)
{
	struct rxq *q = NULL;
	for (unsigned i = 0; i < ZT_NODE_RXQ_ENTRIES; i++) {
		struct rxq *c = &n->rxq[i];
		if (!q || (q->pkt && (!c->pkt || c->queued < q->queued)))
			q = c;
	}
	if (q->pkt) { /* full: the oldest goes */
		n->ctr.drop_queue_full++;
		rxq_drop(n, q);
	}
	if (!(q->pkt = malloc(len)))
		return -ENOMEM;
	memcpy(q->pkt, pkt, len);
	q->len = len;
	q->src = src;
	q->sock = sock;
	q->from = *from;
	q->queued = now;
	n->queued_bytes += len;
	return 0;
}

void zt_node_release_waiting(struct zt_node *n, int64_t now)
{
	uint8_t id[8];
	struct zt_wr w;
	/* Each pass can only shrink the queues; a packet let through may release more (rarely). */
	while (n->waiting_released) {
		n->waiting_released = false;
		for (unsigned i = 0; i < ZT_NODE_TXQ_ENTRIES; i++) {
			struct txq *q = &n->txq[i];
			struct zt_peer *p = q->payload ? zt_peers_find(&n->peers, q->dest) : NULL;
			struct zt_peer *via;
			if (!p || !route(n, p, &via, now))
				continue;
			zt_wr_init(&w, id, sizeof(id));
			zt_wr_u64(&w, q->id);
			(void)send_upper(n, p, id, q->verb, q->payload, q->len, now, NULL);
			txq_drop(n, q);
		}
		for (unsigned i = 0; i < ZT_NODE_RXQ_ENTRIES; i++) {
			struct rxq *q = &n->rxq[i];
			if (!q->pkt || !zt_peers_find(&n->peers, q->src))
				continue;
			size_t len = q->len;
			zt_sock_id sock = q->sock;
			struct zt_inetaddr from = q->from;
			memcpy(n->rxbuf, q->pkt, len);
			rxq_drop(n, q);
			zt_node_packet_in(n, n->rxbuf, len, sock, &from, now);
		}
	}
}

void zt_node_queues_expire(struct zt_node *n, int64_t now)
{
	for (unsigned i = 0; i < ZT_NODE_TXQ_ENTRIES; i++)
		if (n->txq[i].payload && now - n->txq[i].queued >= ZT_NODE_QUEUE_TIMEOUT_MS) {
			n->ctr.drop_unknown_peer++;
			txq_drop(n, &n->txq[i]);
		}
	for (unsigned i = 0; i < ZT_NODE_RXQ_ENTRIES; i++)
		if (n->rxq[i].pkt && now - n->rxq[i].queued >= ZT_NODE_QUEUE_TIMEOUT_MS) {
			n->ctr.drop_unknown_peer++;
			rxq_drop(n, &n->rxq[i]);
		}
}

void zt_node_queues_free(struct zt_node *n)
{
	for (unsigned i = 0; i < ZT_NODE_TXQ_ENTRIES; i++)
		if (n->txq[i].payload)
			txq_drop(n, &n->txq[i]);
	for (unsigned i = 0; i < ZT_NODE_RXQ_ENTRIES; i++)
		if (n->rxq[i].pkt)
			rxq_drop(n, &n->rxq[i]);
}
