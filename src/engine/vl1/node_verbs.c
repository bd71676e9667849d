/* The VL1 verbs other than HELLO: OK and ERROR (ours, or passed up), WHOIS both ways, RENDEZVOUS, ECHO and
 * PUSH_DIRECT_PATHS. Each gets a whole packet that has been authenticated and decompressed. */
#include "vl1/node_int.h"

#include <errno.h>
#include <string.h>

#define OK_IDX_PAYLOAD    37 /* verb, in-re verb, in-re ID */
#define ERROR_IDX_PAYLOAD 38 /* ... and the error code */
#define PUSH_FORGET       0x01

static void reader_at(struct zt_rd *r, const uint8_t *pkt, size_t len, size_t off)
{
	zt_rd_init(r, pkt, len);
	zt_rd_skip(r, off);
}

void zt_node_confirm_path(struct zt_node *n, struct zt_peer *p, struct expect *e, uint8_t hops,
                          zt_sock_id sock, const struct zt_inetaddr *from, int64_t now)
{
	if (hops != 0 || e->used || !zt_node_path_ok(n, p, sock, from))
		return;
	/* The OK may come from another port than we sent to (a NAT's choice): the fresh, one-time reply is
	 * what proves the peer is there. */
	e->used = true;
	struct zt_path *path = zt_paths_add(p->paths, &p->n_paths, sock, from, now);
	if (!path)
		return;
	bool was = path->confirmed;
	path->confirmed = true;
	path->sock = sock;
	path->last_recv = now;
	path->next_probe = 0;
	path->probe_until = 0;
	path->latency = (int)(now - e->sent);
	if (zt_paths_best(p->paths, p->n_paths, now) == path)
		p->latency = path->latency;
	if (!was) {
		zt_node_peer_store(n, p);
		n->waiting_released = true; /* packets held for want of a path (zt_node_send) */
	}
}

static void reply_up(struct zt_node *n, struct zt_peer *p, uint8_t verb, uint8_t in_re_verb,
                     uint64_t in_re_id, uint8_t code, const uint8_t *pkt, size_t len, size_t off,
                     uint8_t hops, int64_t now)
{
	struct zt_node_reply r = {
	    .source = p->id.address,
	    .peer = &p->id,
	    .verb = verb,
	    .in_re_verb = in_re_verb,
	    .in_re_id = in_re_id,
	    .error_code = code,
	    .payload = pkt + off,
	    .len = len - off,
	    .hops = hops,
	};
	p->last_active = now;
	if (n->has_up)
		n->up.reply_in(n->up_arg, n, &r, now);
}

static void whois_ok_in(struct zt_node *n, struct zt_peer *p, struct zt_rd *r, int64_t now)
{
	/* Only roots answer for others, and only for what we asked; each identity is checked (its address
	 * must come from its key) before we trust it. */
	if (!p->root)
		return;
	while (zt_rd_left(r) > 0) {
		struct zt_identity id;
		if (zt_identity_read(&id, r) != 0 || id.has_priv) {
			n->ctr.drop_malformed++;
			return;
		}
		if (!zt_node_whois_pending(n, id.address) || zt_peers_find(&n->peers, id.address))
			continue;
		if (zt_node_validate(n, &id) != 0) {
			n->ctr.drop_wrong_identity++;
			continue;
		}
		(void)zt_node_peer_add(n, &id, false, now);
	}
}

void zt_node_ok_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len, uint8_t hops,
                   zt_sock_id sock, const struct zt_inetaddr *from, int64_t now)
{
	struct zt_rd r;
	reader_at(&r, pkt, len, ZT_PACKET_IDX_PAYLOAD);
	uint8_t in_re_verb = zt_rd_u8(&r) & ZT_VERB_MASK;
	uint64_t in_re_id = zt_rd_u64(&r);
	if (r.bad) {
		n->ctr.drop_malformed++;
		return;
	}
	struct expect *e = zt_node_expected(n, in_re_id, p->id.address, in_re_verb, now);
	if (!e) {
		n->ctr.drop_unsolicited++;
		return;
	}
	p->last_answer = now;
	switch (in_re_verb) {
	case ZT_VERB_HELLO:
		zt_node_ok_hello_in(n, p, &r, hops, e, sock, from, now);
		break;
	case ZT_VERB_ECHO:
		zt_node_confirm_path(n, p, e, hops, sock, from, now);
		break;
	case ZT_VERB_WHOIS:
		whois_ok_in(n, p, &r, now);
		break;
	default:
		break;
	}
	if (e->upper)
		reply_up(n, p, ZT_VERB_OK, in_re_verb, in_re_id, 0, pkt, len, OK_IDX_PAYLOAD, hops, now);
}

void zt_node_error_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len, uint8_t hops,
                      int64_t now)
{
	struct zt_rd r;
	reader_at(&r, pkt, len, ZT_PACKET_IDX_PAYLOAD);
	uint8_t in_re_verb = zt_rd_u8(&r) & ZT_VERB_MASK;
	uint64_t in_re_id = zt_rd_u64(&r);
	uint8_t code = zt_rd_u8(&r);
	if (r.bad) {
		n->ctr.drop_malformed++;
		return;
	}
	switch (in_re_verb) {
	case ZT_VERB_HELLO:
		/* Only a root's word counts: anyone else could just be confused. */
		if (code == ZT_ERR_IDENTITY_COLLISION && p->root &&
		    zt_node_expected(n, in_re_id, p->id.address, in_re_verb, now))
			zt_node_event(n, ZT_NODE_EVENT_IDENTITY_COLLISION, NULL);
		break;
	case ZT_VERB_ERROR:
	case ZT_VERB_OK:
	case ZT_VERB_WHOIS:
	case ZT_VERB_RENDEZVOUS:
		break;
	default:
		reply_up(n, p, ZT_VERB_ERROR, in_re_verb, in_re_id, code, pkt, len, ERROR_IDX_PAYLOAD, hops,
		         now);
	}
}

void zt_node_whois_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len,
                      const uint8_t id[8], zt_sock_id sock, const struct zt_inetaddr *from, int64_t now)
{
	uint8_t out[1200];
	struct zt_wr w;
	struct zt_rd r;
	unsigned count = 0;
	/* A leaf answers a peer at most every 100 ms, as stock does. A root answers a burst, then one per
	 * 50 ms (stock roots answer all: each answer is ~20 times its question, sent where the question
	 * came from). Counted as a GCRA: whois_tat is when the peer's allowance is whole again. */
	int64_t every = n->am_root ? ROOT_WHOIS_MS : WHOIS_GATE_MS;
	int64_t burst = n->am_root ? ROOT_WHOIS_BURST : 1;
	int64_t tat = p->whois_tat > now ? p->whois_tat : now;
	if (tat + every - now > burst * every) {
		n->ctr.drop_rate_limited++;
		return;
	}
	p->whois_tat = tat + every;
	zt_wr_init(&w, out, sizeof(out));
	zt_wr_u8(&w, ZT_VERB_WHOIS);
	zt_wr_bytes(&w, id, 8);
	reader_at(&r, pkt, len, ZT_PACKET_IDX_PAYLOAD);
	while (zt_rd_left(&r) >= ZT_ADDRESS_LEN && w.len + ZT_IDENTITY_BIN_PUBLIC_LEN <= w.cap) {
		uint64_t a = zt_rd_u40(&r);
		const struct zt_identity *found = NULL;
		if (a == n->me.address) {
			found = &n->me;
		} else if (!zt_address_reserved(a)) {
			struct zt_peer *q = zt_node_peer_get(n, a, now);
			found = q ? &q->id : NULL;
		}
		if (found) {
			zt_identity_write(found, false, &w);
			count++;
		} else if (!zt_address_reserved(a) && !p->root) {
			/* Ask our own roots (another root of the planet, for a root): the asker's retry finds
			 * it. */
			(void)zt_node_whois_ask(n, a, now);
		}
	}
	if (count == 0 || w.bad)
		return; /* stock is silent when it knows none */
	n->ctr.whois_answered++;
	(void)zt_node_send_verb(n, p, ZT_VERB_OK, out, w.len, sock, from, now, NULL);
}

void zt_node_rendezvous_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len,
                           zt_sock_id sock, int64_t now)
{
	struct zt_rd r;
	struct zt_inetaddr at = {0};
	if (!p->root) {
		n->ctr.drop_unsolicited++;
		return;
	}
	reader_at(&r, pkt, len, ZT_PACKET_IDX_PAYLOAD);
	(void)zt_rd_u8(&r); /* flags: none defined */
	uint64_t with = zt_rd_u40(&r);
	at.port = zt_rd_u16(&r);
	uint8_t alen = zt_rd_u8(&r);
	if (r.bad || (alen != 4 && alen != 16) || !zt_rd_copy(&r, at.ip, alen) || at.port == 0) {
		n->ctr.drop_malformed++;
		return;
	}
	at.family = alen == 4 ? ZT_INET_V4 : ZT_INET_V6;
	if (zt_address_reserved(with) || with == n->me.address)
		return;
	struct zt_peer *q = zt_node_peer_get(n, with, now);
	if (!q) {
		/* The root introduces a peer whose first packet (relayed with this) we have not read yet:
		 * keep the address until its identity arrives. Stock ignores it and waits for the next one,
		 * 30 s on. */
		struct hint *h = &n->hints[0];
		for (unsigned i = 1; i < HINT_SLOTS; i++)
			if (n->hints[i].when < h->when)
				h = &n->hints[i];
		*h = (struct hint){.address = with, .when = now, .sock = sock, .at = at};
		(void)zt_node_whois_ask(n, with, now);
		return;
	}
	if (q == p)
		return;
	if (!zt_node_try_path(n, q, sock, &at, now))
		return;
	/* A few junk bytes with a low TTL first open our own NAT toward it without reaching the far one. */
	uint8_t junk[4];
	n->cb.random(n->arg, junk, sizeof(junk));
	zt_node_send_raw(n, sock, &at, junk, sizeof(junk), 2);
}

void zt_node_echo_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len,
                     const uint8_t id[8], zt_sock_id sock, const struct zt_inetaddr *from, int64_t now)
{
	uint8_t out[ZT_PACKET_MAX_PAYLOAD];
	struct zt_wr w;
	struct zt_path *path = zt_paths_find(p->paths, p->n_paths, sock, from);
	int64_t *gate = path ? &path->last_echo_in : &p->last_echo_in;
	if (*gate && now - *gate < ECHO_GATE_MS) {
		n->ctr.drop_rate_limited++;
		return;
	}
	*gate = now;
	zt_wr_init(&w, out, sizeof(out));
	zt_wr_u8(&w, ZT_VERB_ECHO);
	zt_wr_bytes(&w, id, 8);
	zt_wr_bytes(&w, pkt + ZT_PACKET_IDX_PAYLOAD, len - ZT_PACKET_IDX_PAYLOAD);
	if (!w.bad) /* an ECHO of a full-size packet cannot be answered in one: drop */
		(void)zt_node_send_verb(n, p, ZT_VERB_OK, out, w.len, sock, from, now, NULL);
}

void zt_node_push_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len, int64_t now)
{
	struct zt_rd r;
	unsigned tried[2] = {0, 0};
	if (now - p->push_window >= PUSH_WINDOW_MS) {
		p->push_window = now;
		p->push_count = 0;
	}
	if (++p->push_count > PUSH_PER_WINDOW) {
		n->ctr.drop_rate_limited++;
		return;
	}
	reader_at(&r, pkt, len, ZT_PACKET_IDX_PAYLOAD);
	unsigned count = zt_rd_u16(&r);
	while (count-- && !r.bad) {
		struct zt_inetaddr a = {0};
		uint8_t flags = zt_rd_u8(&r);
		zt_rd_skip(&r, zt_rd_u16(&r)); /* extensions: none defined */
		uint8_t type = zt_rd_u8(&r);
		uint8_t alen = zt_rd_u8(&r);
		struct zt_rd ar;
		const uint8_t *ab = zt_rd_bytes(&r, alen);
		zt_rd_init(&ar, ab, ab ? alen : 0);
		if (type == 4 && alen >= 6) {
			a.family = ZT_INET_V4;
			zt_rd_copy(&ar, a.ip, 4);
		} else if (type == 6 && alen >= 18) {
			a.family = ZT_INET_V6;
			zt_rd_copy(&ar, a.ip, 16);
		} else {
			continue;
		}
		a.port = zt_rd_u16(&ar);
		if (r.bad || (flags & PUSH_FORGET))
			continue;
		unsigned *k = &tried[a.family == ZT_INET_V6];
		if (*k < PUSH_ADDRS_MAX && zt_node_try_path(n, p, ZT_SOCK_ANY, &a, now))
			(*k)++;
	}
	if (r.bad)
		n->ctr.drop_malformed++;
}

static void push_record(struct zt_wr *w, const struct zt_inetaddr *a)
{
	zt_wr_u8(w, 0);  /* flags */
	zt_wr_u16(w, 0); /* no extensions */
	zt_wr_u8(w, a->family == ZT_INET_V4 ? 4 : 6);
	zt_wr_u8(w, a->family == ZT_INET_V4 ? 6 : 18);
	zt_wr_bytes(w, a->ip, a->family == ZT_INET_V4 ? 4 : 16);
	zt_wr_u16(w, a->port);
}

int zt_node_push_paths(struct zt_node *n, uint64_t dest, int64_t now)
{
	uint8_t out[1200];
	struct zt_wr w;
	unsigned count = 0;
	zt_wr_init(&w, out, sizeof(out));
	zt_wr_u16(&w, 0);
	for (size_t i = 0; i < n->n_local + EXTERNAL_SLOTS; i++) {
		const struct zt_inetaddr *a = i < n->n_local ? &n->local[i] : &n->external[i - n->n_local];
		if (a->family == ZT_INET_NONE || w.len + 24 > w.cap)
			continue;
		push_record(&w, a);
		count++;
	}
	if (count == 0)
		return -ENOENT;
	out[0] = (uint8_t)(count >> 8);
	out[1] = (uint8_t)count;
	return zt_node_send(n, dest, ZT_VERB_PUSH_DIRECT_PATHS, out, w.len, now, NULL);
}
