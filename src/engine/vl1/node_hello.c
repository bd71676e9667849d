/* HELLO both ways and OK(HELLO): how peers learn each other's identity, versions and addresses, how the
 * planet is updated, and the keepalive schedule that keeps roots and active peers' paths warm. */
#include "vl1/node_int.h"

#include <string.h>

#define MOON_ENTRY_LEN 17

void zt_node_send_hello(struct zt_node *n, struct zt_peer *p, zt_sock_id sock, const struct zt_inetaddr *to,
                        int64_t now)
{
	uint8_t payload[160];
	struct zt_wr w;
	zt_wr_init(&w, payload, sizeof(payload));
	zt_wr_u8(&w, ZT_NODE_PROTO_VERSION);
	zt_wr_u8(&w, ZT_NODE_VERSION_MAJOR);
	zt_wr_u8(&w, ZT_NODE_VERSION_MINOR);
	zt_wr_u16(&w, ZT_NODE_VERSION_REV);
	zt_wr_u64(&w, (uint64_t)now);
	zt_identity_write(&n->me, false, &w);
	zt_inetaddr_write(to, &w);
	zt_wr_u64(&w, n->planet.id);
	zt_wr_u64(&w, n->planet.ts);
	size_t tail = ZT_PACKET_IDX_PAYLOAD + w.len;
	zt_wr_u16(&w, 0); /* moons we hold or want: none */
	int len = zt_node_build(n, p, NULL, ZT_VERB_HELLO, payload, w.len);
	if (w.bad || len < 0 || zt_packet_crypt_field(n->txbuf, (size_t)len, p->key, tail) != 0)
		return;
	if (zt_node_send_on(n, p, (size_t)len, sock, to, now) == 0)
		zt_node_expect(n, zt_node_tx_id(n), p->id.address, ZT_VERB_HELLO, sock, to, true, false, now);
}

/* Our address as a root saw it: what zt_node_push_paths offers besides the local ones. */
static void learn_external(struct zt_node *n, const struct zt_inetaddr *a)
{
	if (a->family == ZT_INET_NONE || a->port == 0)
		return;
	for (unsigned i = 0; i < EXTERNAL_SLOTS; i++)
		if (zt_inetaddr_equal(&n->external[i], a))
			return;
	memmove(&n->external[1], &n->external[0], (EXTERNAL_SLOTS - 1) * sizeof(n->external[0]));
	n->external[0] = *a;
}

/* A HELLO from an address we hold under another key: tell the sender, if it can prove it owns the
 * new key, and keep the old one (spec §5.2 step 2). */
static void collision(struct zt_node *n, uint8_t *pkt, size_t len, const struct zt_identity *id,
                      zt_sock_id sock, const struct zt_inetaddr *from, int64_t now)
{
	struct zt_peer *tmp;
	n->ctr.drop_collision++;
	if (!zt_node_identity_gate(n, from, now) || zt_peer_new(&tmp, &n->me, id, now) != 0)
		return;
	if (zt_packet_dearmor(pkt, len, tmp->key, NULL) == 0) {
		uint8_t out[10];
		memcpy(out + 1, pkt + ZT_PACKET_IDX_ID, 8);
		out[0] = ZT_VERB_HELLO;
		out[9] = ZT_ERR_IDENTITY_COLLISION;
		(void)zt_node_send_verb(n, tmp, ZT_VERB_ERROR, out, sizeof(out), sock, from, now, NULL);
	}
	zt_peer_free(tmp);
}

/* Checks a HELLO from an address we do not hold: rate gate, MAC under the key its identity gives, then
 * the memory-hard proof that the address belongs to that key. Returns the new peer or NULL. */
static struct zt_peer *admit(struct zt_node *n, uint8_t *pkt, size_t len, const struct zt_identity *id,
                             const struct zt_inetaddr *from, int64_t now)
{
	struct zt_peer *tmp;
	if (!zt_node_identity_gate(n, from, now)) {
		n->ctr.drop_rate_limited++;
		return NULL;
	}
	if (zt_peer_new(&tmp, &n->me, id, now) != 0) {
		n->ctr.drop_wrong_identity++;
		return NULL;
	}
	/* The MAC is cheap: it filters noise before the 2 MiB hash runs. */
	int mac = zt_packet_dearmor(pkt, len, tmp->key, NULL);
	zt_peer_free(tmp);
	if (mac != 0) {
		n->ctr.drop_bad_mac++;
		return NULL;
	}
	if (zt_node_validate(n, id) != 0) {
		n->ctr.drop_wrong_identity++;
		return NULL;
	}
	return zt_node_peer_add(n, id, false, now);
}

static void send_ok_hello(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, uint64_t ts,
                          unsigned proto, bool send_planet, zt_sock_id sock, const struct zt_inetaddr *from,
                          int64_t now)
{
	uint8_t out[64 + ZT_WORLD_MAX_LEN];
	struct zt_wr w;
	struct zt_inetaddr seen = *from;
	if (proto < 5)
		seen.port = 0; /* what stock tells pre-1.1 nodes */
	zt_wr_init(&w, out, sizeof(out));
	zt_wr_u8(&w, ZT_VERB_HELLO);
	zt_wr_bytes(&w, pkt + ZT_PACKET_IDX_ID, 8);
	zt_wr_u64(&w, ts);
	zt_wr_u8(&w, ZT_NODE_PROTO_VERSION);
	zt_wr_u8(&w, ZT_NODE_VERSION_MAJOR);
	zt_wr_u8(&w, ZT_NODE_VERSION_MINOR);
	zt_wr_u16(&w, ZT_NODE_VERSION_REV);
	zt_inetaddr_write(&seen, &w);
	uint8_t *wlen = zt_wr_reserve(&w, 2);
	size_t start = w.len;
	if (send_planet)
		zt_world_write(&n->planet, &w);
	if (w.bad || !wlen)
		return;
	wlen[0] = (uint8_t)((w.len - start) >> 8);
	wlen[1] = (uint8_t)(w.len - start);
	(void)zt_node_send_verb(n, p, ZT_VERB_OK, out, w.len, sock, from, now, NULL);
}

void zt_node_hello_in(struct zt_node *n, uint8_t *pkt, size_t len, bool authenticated, zt_sock_id sock,
                      const struct zt_inetaddr *from, int64_t now)
{
	struct zt_packet_header h;
	struct zt_identity id;
	struct zt_rd r;
	(void)zt_packet_parse_header(&h, pkt, len); /* the caller parsed it already */
	zt_rd_init(&r, pkt, len);
	zt_rd_skip(&r, ZT_PACKET_IDX_PAYLOAD);
	unsigned proto = zt_rd_u8(&r), major = zt_rd_u8(&r), minor = zt_rd_u8(&r), rev = zt_rd_u16(&r);
	uint64_t ts = zt_rd_u64(&r);
	if (zt_identity_read(&id, &r) != 0 || id.has_priv || proto < 4) {
		n->ctr.drop_malformed++;
		return;
	}
	if (id.address != h.src) {
		n->ctr.drop_wrong_identity++;
		return;
	}
	struct zt_peer *p = zt_node_peer_get(n, h.src, now);
	if (p && !zt_identity_equal(&p->id, &id)) {
		collision(n, pkt, len, &id, sock, from, now);
		return;
	}
	if (p && !authenticated && zt_packet_dearmor(pkt, len, p->key, NULL) != 0) {
		n->ctr.drop_bad_mac++;
		return;
	}
	if (!p && (authenticated || !(p = admit(n, pkt, len, &id, from, now))))
		return;

	/* Authentic from here on. A copy of a HELLO we answered is answered again (stock nodes send one
	 * HELLO from each of their sockets) but teaches us no path. */
	bool replay = zt_node_seen(n, h.src, h.id);
	struct zt_inetaddr external = {0};
	uint64_t planet_id = 0, planet_ts = 0;
	if (zt_rd_left(&r) > 0 && zt_inetaddr_read(&external, &r) != 0) {
		n->ctr.drop_malformed++;
		return;
	}
	if (zt_rd_left(&r) >= 16) {
		planet_id = zt_rd_u64(&r);
		planet_ts = zt_rd_u64(&r);
	}
	if (zt_rd_left(&r) > 0) {
		/* The moon list is encrypted; we hold no moons, so it is only decrypted to be well-formed. */
		(void)zt_packet_crypt_field(pkt, len, p->key, r.off);
	}
	if (h.hops == 0 && p->root)
		learn_external(n, &external);
	bool send_planet = planet_id && planet_id == n->planet.id && planet_ts < n->planet.ts;
	send_ok_hello(n, p, pkt, ts, proto, send_planet, sock, from, now);
	p->proto = (int)proto;
	p->major = (int)major;
	p->minor = (int)minor;
	p->rev = (int)rev;
	zt_node_heard(n, p, h.hops, replay, sock, from, now);
}

static void world_updates(struct zt_node *n, struct zt_peer *p, const uint8_t *data, size_t len, int64_t now)
{
	struct zt_rd r;
	struct zt_world w;
	/* Accept a newer planet only from its own roots, signed with the key the held revision names. */
	if (!p->root || !data)
		return;
	zt_rd_init(&r, data, len);
	while (zt_rd_left(&r) > 0 && zt_world_read(&w, &r) == 0) {
		if (w.type != ZT_WORLD_TYPE_PLANET || zt_world_check_update(&n->planet, &w) != 0)
			continue;
		uint8_t buf[ZT_WORLD_MAX_LEN];
		struct zt_wr wr;
		zt_wr_init(&wr, buf, sizeof(buf));
		zt_world_write(&w, &wr);
		if (wr.bad)
			continue;
		n->planet = w;
		if (n->cb.state_put)
			(void)n->cb.state_put(n->arg, ZT_STATE_PLANET, 0, buf, (int)wr.len);
		zt_node_roots_setup(n, now);
		zt_node_event(n, ZT_NODE_EVENT_PLANET_CHANGED, &n->planet);
	}
}

void zt_node_ok_hello_in(struct zt_node *n, struct zt_peer *p, struct zt_rd *r, uint8_t hops,
                         struct expect *e, zt_sock_id sock, const struct zt_inetaddr *from, int64_t now)
{
	struct zt_inetaddr external = {0};
	(void)zt_rd_u64(r); /* our timestamp: the expectation has the send time already */
	unsigned proto = zt_rd_u8(r), major = zt_rd_u8(r), minor = zt_rd_u8(r), rev = zt_rd_u16(r);
	if (r->bad || proto < 4) {
		n->ctr.drop_malformed++;
		return;
	}
	if (zt_rd_left(r) > 0 && zt_inetaddr_read(&external, r) != 0) {
		n->ctr.drop_malformed++;
		return;
	}
	p->proto = (int)proto;
	p->major = (int)major;
	p->minor = (int)minor;
	p->rev = (int)rev;
	p->next_hello = p->last_hello + HELLO_PERIOD_MS;
	p->hello_backoff = ROOT_RETRY_MIN_MS;
	zt_node_confirm_path(n, p, e, hops, sock, from, now);
	if (hops == 0 && p->root) {
		learn_external(n, &external);
		zt_node_set_online(n, true);
	}
	if (zt_rd_left(r) >= 2) {
		size_t wlen = zt_rd_u16(r);
		world_updates(n, p, zt_rd_bytes(r, wlen), wlen, now);
	}
}

static void probe_candidates(struct zt_node *n, struct zt_peer *p, int64_t now)
{
	for (unsigned i = 0; i < p->n_paths; i++) {
		struct zt_path *q = &p->paths[i];
		if (q->confirmed || !q->next_probe || now < q->next_probe || (p->root && q->pinned))
			continue;
		zt_node_send_hello(n, p, q->sock, &q->addr, now);
		q->next_probe = now + q->probe_interval;
		q->probe_interval = q->probe_interval * 2 > 8000 ? 8000 : q->probe_interval * 2;
	}
}

/* Stock keeps routing over a silent path until it expires (243 s), so a peer that came back on another
 * port (a restart, a new NAT mapping) is lost for minutes. We ask sooner: a path we have been sending on
 * that stayed quiet for QUIET_PATH_MS gets an ECHO each QUIET_ECHO_MS; after QUIET_ECHOES unanswered
 * ones it stops carrying data, which then goes through a root (which knows where the peer is now and
 * introduces us again), while the path is probed again. An answer, or anything else heard over it,
 * ends the episode: a loss of one ECHO and its answer costs nothing. */
static void check_quiet_paths(struct zt_node *n, struct zt_peer *p, int64_t now)
{
	for (unsigned i = 0; i < p->n_paths; i++) {
		struct zt_path *q = &p->paths[i];
		if (q->last_recv >= q->quiet_echo)
			q->quiet_echoes = 0;
		if (!q->confirmed || q->last_send - q->last_recv < QUIET_PATH_MS ||
		    now - q->quiet_echo < QUIET_ECHO_MS)
			continue;
		if (q->quiet_echoes >= QUIET_ECHOES) {
			q->confirmed = false;
			q->quiet_echoes = 0;
			q->next_probe = now;
			q->probe_interval = 1000;
			q->probe_until = q->pinned ? 0 : now + PROBE_WINDOW_MS;
			continue;
		}
		uint64_t id;
		q->quiet_echo = now;
		q->quiet_echoes++;
		if (zt_node_send_verb(n, p, ZT_VERB_ECHO, NULL, 0, q->sock, &q->addr, now, &id) == 0)
			zt_node_expect(n, id, p->id.address, ZT_VERB_ECHO, q->sock, &q->addr, true, false,
			               now);
		zt_node_want(n, now + QUIET_ECHO_MS);
	}
}

void zt_node_keepalive(struct zt_node *n, struct zt_peer *p, int64_t now)
{
	check_quiet_paths(n, p, now);
	probe_candidates(n, p, now);
	bool active = p->root || (p->last_active && now - p->last_active < ZT_NODE_PEER_ACTIVITY_MS);
	if (!active)
		return;
	if (p->root ? now >= p->next_hello : now - p->last_hello >= HELLO_PERIOD_MS) {
		/* Unanswered rounds to a root back off: 1 s, 2 s, 4 s ... 15 s; an answer resets it. */
		p->last_hello = now;
		p->next_hello = now + p->hello_backoff;
		p->hello_backoff =
		    p->hello_backoff * 2 > ROOT_RETRY_MAX_MS ? ROOT_RETRY_MAX_MS : p->hello_backoff * 2;
		for (unsigned i = 0; i < p->n_paths; i++)
			if (p->paths[i].confirmed || (p->root && p->paths[i].pinned))
				zt_node_send_hello(n, p, p->paths[i].sock, &p->paths[i].addr, now);
		return;
	}
	for (unsigned i = 0; i < p->n_paths; i++) {
		struct zt_path *q = &p->paths[i];
		if (!q->confirmed || now - q->last_send < HEARTBEAT_MS)
			continue;
		uint64_t id;
		if (zt_node_send_verb(n, p, ZT_VERB_ECHO, NULL, 0, q->sock, &q->addr, now, &id) == 0)
			zt_node_expect(n, id, p->id.address, ZT_VERB_ECHO, q->sock, &q->addr, true, false,
			               now);
	}
}
