#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sim_ids.h"
#include "vl1/fragment.h"
#include "vl1/packet.h"

#define SIM_PLANET_ID 0x51a7e7ULL

static uint64_t rng_next(struct sim *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void sim_init(struct sim *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->rng = seed;
	s->now = 1000000;
	s->delay_min = s->delay_max = 5;
}

static void free_objs(struct sim_node *sn)
{
	for (unsigned i = 0; i < sn->n_objs; i++)
		free(sn->objs[i].data);
	sn->n_objs = 0;
}

void sim_free(struct sim *s)
{
	for (unsigned i = 0; i < s->n_nodes; i++) {
		sim_stop_node(&s->nodes[i]);
		free_objs(&s->nodes[i]);
		zt_identity_wipe(&s->nodes[i].id);
	}
	for (size_t i = 0; i < s->nq; i++)
		free(s->q[i].data);
	free(s->q);
	memset(s, 0, sizeof(*s));
}

struct zt_inetaddr sim_addr(const char *ip, uint16_t port)
{
	struct zt_inetaddr a = {.port = port};
	if (inet_pton(AF_INET, ip, a.ip) == 1) {
		a.family = ZT_INET_V4;
	} else if (inet_pton(AF_INET6, ip, a.ip) == 1) {
		a.family = ZT_INET_V6;
	} else {
		fprintf(stderr, "sim: bad address %s\n", ip);
		abort();
	}
	return a;
}

/* ---- callbacks ---- */

static void remember_contact(struct sim_node *sn, const struct zt_inetaddr *to)
{
	for (unsigned i = 0; i < sn->n_contacted; i++)
		if (zt_inetaddr_equal(&sn->contacted[i], to))
			return;
	if (sn->n_contacted < sizeof(sn->contacted) / sizeof(sn->contacted[0]))
		sn->contacted[sn->n_contacted++] = *to;
}

static void enqueue(struct sim *s, const struct zt_inetaddr *from, const struct zt_inetaddr *to,
                    const void *data, size_t len, unsigned ttl, int64_t at)
{
	if (s->nq == s->capq) {
		s->capq = s->capq ? s->capq * 2 : 256;
		s->q = realloc(s->q, s->capq * sizeof(*s->q));
		if (!s->q)
			abort();
	}
	struct sim_dgram *d = &s->q[s->nq++];
	*d = (struct sim_dgram){.at = at, .seq = s->seq++, .from = *from, .to = *to, .ttl = ttl, .len = len};
	d->data = malloc(len ? len : 1);
	if (!d->data)
		abort();
	memcpy(d->data, data, len);
}

static int cb_wire_send(void *arg, zt_sock_id sock, const struct zt_inetaddr *to, const void *data,
                        size_t len, unsigned ttl)
{
	struct sim_node *sn = arg;
	struct sim *s = sn->sim;
	(void)sock;
	if (len > ZT_DEFAULT_MTU) {
		fprintf(stderr, "sim: node %d sent %zu bytes, over the MTU\n", sn->index, len);
		abort();
	}
	if (sn->down)
		return -ENETDOWN;
	sn->tx++;
	s->sent++;
	remember_contact(sn, to);
	struct sim_dgram d = {.from = sn->addr, .to = *to, .ttl = ttl, .len = len, .data = (uint8_t *)data};
	uint8_t copy[ZT_DEFAULT_MTU];
	if (s->tap) {
		memcpy(copy, data, len);
		d.data = copy;
		if (!s->tap(s, &d, s->tap_arg))
			return 0;
	}
	/* A low-TTL datagram opens the sender's own firewall and dies on the way. */
	if (ttl && ttl < 4)
		return 0;
	if (s->loss_permille && rng_next(s) % 1000 < s->loss_permille) {
		s->lost++;
		return 0;
	}
	int64_t spread = s->delay_max - s->delay_min;
	int64_t delay = s->delay_min + (spread > 0 ? (int64_t)(rng_next(s) % (uint64_t)(spread + 1)) : 0);
	enqueue(s, &d.from, &d.to, d.data, d.len, ttl, s->now + delay);
	return 0;
}

static void cb_random(void *arg, void *buf, size_t len)
{
	struct sim_node *sn = arg;
	zt_test_random(&sn->seed, buf, len);
}

static struct sim_obj *find_obj(struct sim_node *sn, int type, uint64_t id)
{
	for (unsigned i = 0; i < sn->n_objs; i++)
		if (sn->objs[i].type == type && sn->objs[i].id == id)
			return &sn->objs[i];
	return NULL;
}

static int cb_state_put(void *arg, enum zt_state_object type, uint64_t id, const void *data, int len)
{
	struct sim_node *sn = arg;
	struct sim_obj *o = find_obj(sn, (int)type, id);
	if (len < 0) {
		if (o) {
			free(o->data);
			*o = sn->objs[--sn->n_objs];
		}
		return 0;
	}
	if (!o) {
		if (sn->n_objs == sizeof(sn->objs) / sizeof(sn->objs[0]))
			return -ENOSPC;
		o = &sn->objs[sn->n_objs++];
		*o = (struct sim_obj){.type = (int)type, .id = id};
	}
	free(o->data);
	o->data = malloc((size_t)len + 1);
	if (!o->data)
		abort();
	memcpy(o->data, data, (size_t)len);
	o->len = len;
	return 0;
}

static int cb_state_get(void *arg, enum zt_state_object type, uint64_t id, void *buf, size_t cap)
{
	struct sim_node *sn = arg;
	struct sim_obj *o = find_obj(sn, (int)type, id);
	if (!o)
		return -ENOENT;
	if ((size_t)o->len > cap)
		return -ENOSPC;
	memcpy(buf, o->data, (size_t)o->len);
	return o->len;
}

static void cb_event(void *arg, enum zt_node_event ev, const void *data)
{
	struct sim_node *sn = arg;
	(void)data;
	switch (ev) {
	case ZT_NODE_EVENT_ONLINE:
		sn->n_online++;
		break;
	case ZT_NODE_EVENT_OFFLINE:
		sn->n_offline++;
		break;
	case ZT_NODE_EVENT_IDENTITY_COLLISION:
		sn->n_collisions++;
		break;
	case ZT_NODE_EVENT_PLANET_CHANGED:
		sn->n_planet++;
		break;
	}
}

static uint32_t checksum(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void up_verb_in(void *arg, struct zt_node *n, const struct zt_node_msg *m, int64_t now)
{
	struct sim_node *sn = arg;
	(void)n;
	(void)now;
	struct sim_msg *r = &sn->msgs[sn->n_msgs++ % SIM_LOG];
	*r = (struct sim_msg){.source = m->source,
	                      .packet_id = m->packet_id,
	                      .verb = m->verb,
	                      .hops = m->hops,
	                      .len = m->len,
	                      .sum = checksum(m->payload, m->len)};
	memcpy(r->data, m->payload, m->len < sizeof(r->data) ? m->len : sizeof(r->data));
	/* The identity handed up must be the sender's. */
	if (!m->peer || m->peer->address != m->source)
		abort();
}

static void up_reply_in(void *arg, struct zt_node *n, const struct zt_node_reply *rp, int64_t now)
{
	struct sim_node *sn = arg;
	(void)n;
	(void)now;
	struct sim_reply *r = &sn->replies[sn->n_replies++ % SIM_LOG];
	*r = (struct sim_reply){.source = rp->source,
	                        .in_re_id = rp->in_re_id,
	                        .verb = rp->verb,
	                        .in_re_verb = rp->in_re_verb,
	                        .code = rp->error_code,
	                        .hops = rp->hops,
	                        .len = rp->len};
	memcpy(r->data, rp->payload, rp->len < sizeof(r->data) ? rp->len : sizeof(r->data));
}

static void up_learned(void *arg, struct zt_node *n, uint64_t address, const struct zt_identity *id,
                       int64_t now)
{
	struct sim_node *sn = arg;
	(void)n;
	(void)now;
	if (id->address != address)
		abort();
	sn->n_learned++;
}

static const struct zt_node_callbacks sim_callbacks = {
    .version = ZT_NODE_CALLBACKS_VERSION,
    .wire_send = cb_wire_send,
    .random = cb_random,
    .state_put = cb_state_put,
    .state_get = cb_state_get,
    .event = cb_event,
};

static const struct zt_node_upper sim_upper = {
    .version = ZT_NODE_UPPER_VERSION,
    .verb_in = up_verb_in,
    .reply_in = up_reply_in,
    .peer_learned = up_learned,
};

/* ---- set-up ---- */

struct sim_node *sim_add(struct sim *s, unsigned idx, const char *ip, uint16_t port,
                         const struct sim_node_opts *o)
{
	if (s->n_nodes == SIM_MAX_NODES || idx >= SIM_N_IDS - 1)
		abort();
	struct sim_node *sn = &s->nodes[s->n_nodes];
	memset(sn, 0, sizeof(*sn));
	sn->sim = s;
	sn->index = (int)s->n_nodes++;
	if (zt_identity_from_text(&sn->id, sim_ids[idx], strlen(sim_ids[idx])) != 0)
		abort();
	sn->addr = sim_addr(ip, port);
	sn->opts = o ? *o : (struct sim_node_opts){0};
	sn->seed = 0x1000 + idx * 7919 + s->rng;
	return sn;
}

void sim_planet(struct sim *s, struct sim_node *const *roots, unsigned n)
{
	struct zt_identity signer;
	const char *t = sim_ids[SIM_N_IDS - 1];
	if (zt_identity_from_text(&signer, t, strlen(t)) != 0)
		abort();
	memset(&s->planet, 0, sizeof(s->planet));
	s->planet.type = ZT_WORLD_TYPE_PLANET;
	s->planet.id = SIM_PLANET_ID;
	s->planet.ts = 1000;
	memcpy(s->planet.updates_key, signer.pub, sizeof(signer.pub));
	s->planet.n_roots = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		struct zt_world_root *r = &s->planet.roots[i];
		r->id = roots[i]->id;
		memset(r->id.priv, 0, sizeof(r->id.priv));
		r->id.has_priv = false;
		r->n_endpoints = 1;
		r->endpoints[0] = roots[i]->addr;
	}
	if (zt_world_sign(&s->planet, signer.priv) != 0)
		abort();
	zt_identity_wipe(&signer);
}

int sim_start_node(struct sim *s, struct sim_node *sn)
{
	struct zt_node_config c;
	zt_node_config_init(&c);
	c.identity = &sn->id;
	c.planet = sn->opts.planet ? sn->opts.planet : s->planet.type ? &s->planet : NULL;
	c.allow_loopback = !sn->opts.no_loopback;
	if (sn->opts.max_peers)
		c.max_peers = sn->opts.max_peers;
	c.local_addrs = sn->opts.local;
	c.n_local_addrs = sn->opts.n_local;
	if (sn->opts.gate_ms)
		c.identity_gate_ms = sn->opts.gate_ms < 0 ? 0 : (unsigned)sn->opts.gate_ms;
	int ret = zt_node_new(&sn->node, &sim_callbacks, sn, &c, s->now);
	if (ret)
		return ret;
	ret = zt_node_set_upper(sn->node, &sim_upper, sn);
	sn->deadline = zt_node_next_deadline(sn->node);
	return ret;
}

int sim_start(struct sim *s)
{
	for (unsigned i = 0; i < s->n_nodes; i++) {
		int ret = sim_start_node(s, &s->nodes[i]);
		if (ret)
			return ret;
	}
	return 0;
}

void sim_stop_node(struct sim_node *sn)
{
	zt_node_free(sn->node);
	sn->node = NULL;
}

/* ---- running ---- */

static struct sim_node *node_at(struct sim *s, const struct zt_inetaddr *a)
{
	for (unsigned i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].node && zt_inetaddr_equal(&s->nodes[i].addr, a))
			return &s->nodes[i];
	return NULL;
}

static bool firewall_allows(const struct sim_node *sn, const struct zt_inetaddr *from)
{
	if (!sn->opts.firewall)
		return true;
	for (unsigned i = 0; i < sn->n_contacted; i++)
		if (zt_inetaddr_equal(&sn->contacted[i], from))
			return true;
	return false;
}

static void deliver(struct sim *s, struct sim_dgram *d)
{
	struct sim_node *sn = node_at(s, &d->to);
	if (!sn || sn->down || !firewall_allows(sn, &d->from)) {
		s->undeliverable++;
		return;
	}
	s->delivered++;
	sn->rx++;
	sn->deadline = zt_node_wire_in(sn->node, 0, &d->from, d->data, d->len, s->now);
}

static bool step(struct sim *s, int64_t until)
{
	int64_t next = INT64_MAX;
	size_t qi = SIZE_MAX;
	for (size_t i = 0; i < s->nq; i++)
		if (s->q[i].at < next ||
		    (s->q[i].at == next && qi != SIZE_MAX && s->q[i].seq < s->q[qi].seq)) {
			next = s->q[i].at;
			qi = i;
		}
	struct sim_node *tick = NULL;
	for (unsigned i = 0; i < s->n_nodes; i++) {
		struct sim_node *sn = &s->nodes[i];
		if (sn->node && sn->deadline < next) {
			next = sn->deadline;
			tick = sn;
		}
	}
	if (next > until)
		return false;
	if (next > s->now)
		s->now = next;
	if (tick) {
		tick->deadline = zt_node_tick(tick->node, s->now);
		/* A node that keeps asking for "now" would stall the clock: that is a bug in it. */
		if (tick->deadline <= s->now)
			tick->deadline = s->now + 1;
		return true;
	}
	struct sim_dgram d = s->q[qi];
	s->q[qi] = s->q[--s->nq];
	deliver(s, &d);
	free(d.data);
	return true;
}

void sim_run(struct sim *s, int64_t until)
{
	while (step(s, until))
		;
	if (s->now < until)
		s->now = until;
}

void sim_run_for(struct sim *s, int64_t ms)
{
	sim_run(s, s->now + ms);
}

bool sim_run_until(struct sim *s, int64_t ms, bool (*cond)(struct sim *s, void *arg), void *arg)
{
	int64_t until = s->now + ms;
	while (!cond(s, arg)) {
		if (!step(s, until)) {
			s->now = until;
			return cond(s, arg);
		}
	}
	return true;
}

int sim_send(struct sim_node *sn, uint64_t dest, uint8_t verb, const void *payload, size_t len, uint64_t *id)
{
	int ret = zt_node_send(sn->node, dest, verb, payload, len, sn->sim->now, id);
	sn->deadline = zt_node_next_deadline(sn->node);
	return ret;
}

void sim_inject(struct sim *s, const struct zt_inetaddr *from, const struct zt_inetaddr *to, const void *data,
                size_t len)
{
	struct sim_dgram d = {.at = s->now, .from = *from, .to = *to, .len = len, .data = (uint8_t *)data};
	deliver(s, &d);
}

struct zt_node_counters sim_counters(const struct sim_node *sn)
{
	struct zt_node_counters c;
	zt_node_counters(sn->node, &c);
	return c;
}

bool sim_has_direct_path(const struct sim_node *sn, uint64_t peer)
{
	struct zt_node_peer_info info;
	if (zt_node_peer(sn->node, peer, &info, sn->sim->now) != 0)
		return false;
	for (unsigned i = 0; i < info.n_paths; i++)
		if (info.paths[i].confirmed && info.paths[i].preferred)
			return true;
	return false;
}

const struct sim_reply *sim_last_reply(const struct sim_node *sn)
{
	return sn->n_replies ? &sn->replies[(sn->n_replies - 1) % SIM_LOG] : NULL;
}

const struct sim_msg *sim_last_msg(const struct sim_node *sn)
{
	return sn->n_msgs ? &sn->msgs[(sn->n_msgs - 1) % SIM_LOG] : NULL;
}

unsigned sim_count_replies(const struct sim_node *sn, uint8_t in_re_verb, uint64_t from, int direct)
{
	unsigned k = 0, n = sn->n_replies < SIM_LOG ? sn->n_replies : SIM_LOG;
	for (unsigned i = 0; i < n; i++) {
		const struct sim_reply *r = &sn->replies[i];
		if (r->verb == ZT_VERB_OK && r->in_re_verb == in_re_verb && r->source == from &&
		    (direct < 0 || (direct == 1) == (r->hops == 0)))
			k++;
	}
	return k;
}

bool sim_all_online(struct sim *s, void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].node && !zt_node_online(s->nodes[i].node))
			return false;
	return true;
}

void sim_identity(struct zt_identity *id, unsigned idx)
{
	if (idx >= SIM_N_IDS || zt_identity_from_text(id, sim_ids[idx], strlen(sim_ids[idx])) != 0)
		abort();
}

void sim_fake_identity(struct zt_identity *id, uint64_t address, uint64_t seed)
{
	memset(id, 0, sizeof(*id));
	zt_test_random(&seed, id->priv, sizeof(id->priv));
	zt_x25519_base(id->pub, id->priv);
	zt_ed25519_public(id->pub + 32, id->priv + 32);
	id->address = address;
	id->has_priv = true;
}

size_t sim_hello_payload(uint8_t *out, size_t cap, const struct zt_identity *id, int64_t ts)
{
	struct zt_wr w;
	zt_wr_init(&w, out, cap);
	zt_wr_u8(&w, ZT_NODE_PROTO_VERSION);
	zt_wr_u8(&w, 1);
	zt_wr_u8(&w, 14);
	zt_wr_u16(&w, 1);
	zt_wr_u64(&w, (uint64_t)ts);
	zt_identity_write(id, false, &w);
	if (w.bad)
		abort();
	return w.len;
}

size_t sim_craft(uint8_t *out, size_t cap, const struct zt_identity *from, const struct zt_identity *to,
                 uint64_t src, uint8_t verb, const void *payload, size_t len, uint8_t hops, uint64_t *id_out)
{
	static uint64_t counter = 0x5117;
	uint8_t id[8], key[ZT_SHARED_KEY_LEN];
	struct zt_wr w;
	zt_test_random(&counter, id, sizeof(id));
	zt_wr_init(&w, out, cap);
	zt_packet_write_header(&w, id, to->address, src ? src : from->address, hops & ZT_FLAG_HOPS, verb);
	zt_wr_bytes(&w, payload, len);
	if (w.bad || zt_identity_agree(from, to, key) != 0 ||
	    zt_packet_armor(out, w.len, key,
	                    verb == ZT_VERB_HELLO ? ZT_CIPHER_POLY1305_NONE : ZT_CIPHER_SALSA2012_POLY1305) !=
	        0)
		abort();
	if (id_out) {
		struct zt_rd r;
		zt_rd_init(&r, id, 8);
		*id_out = zt_rd_u64(&r);
	}
	return w.len;
}

void sim_trio_start(struct sim_trio *t, uint64_t seed, bool firewall)
{
	struct sim_node_opts leaf = {.firewall = firewall};
	sim_init(&t->s, seed);
	t->root = sim_add(&t->s, 0, "10.0.0.1", 9993, NULL);
	t->a = sim_add(&t->s, 1, "10.1.0.2", 9993, &leaf);
	t->b = sim_add(&t->s, 2, "10.2.0.3", 40000, &leaf);
	sim_planet(&t->s, &t->root, 1);
	if (sim_start(&t->s) != 0)
		abort();
}
