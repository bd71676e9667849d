/* The node's peers: lookup through the cache, admission (the memory-hard check, rate-gated), the bound on
 * how many stay in memory, and the roots the planet names. */
#include "vl1/node_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void zt_node_peer_store(struct zt_node *n, const struct zt_peer *p)
{
	uint8_t buf[ZT_PEER_RECORD_MAX];
	if (!n->cb.state_put)
		return;
	int len = zt_peer_record_encode(p, buf, sizeof(buf));
	if (len > 0)
		(void)n->cb.state_put(n->arg, ZT_STATE_PEER, p->id.address, buf, len);
}

static int64_t last_use(const struct zt_peer *p)
{
	int64_t t = p->created;
	if (p->last_recv > t)
		t = p->last_recv;
	if (p->last_active > t)
		t = p->last_active;
	return t;
}

static void evict(struct zt_node *n, struct zt_peer *p)
{
	zt_node_peer_store(n, p);
	zt_peers_remove(&n->peers, p);
	zt_peer_free(p);
}

/* Makes room for one more peer: the least recently used non-root goes to the cache. */
static void evict_one(struct zt_node *n)
{
	struct zt_peer *victim = NULL;
	unsigned b = 0;
	for (struct zt_peer *p = zt_peers_next(&n->peers, &b, NULL); p; p = zt_peers_next(&n->peers, &b, p))
		if (!p->root && (!victim || last_use(p) < last_use(victim)))
			victim = p;
	if (victim)
		evict(n, victim);
}

struct zt_peer *zt_node_peer_add(struct zt_node *n, const struct zt_identity *id, bool from_cache,
                                 int64_t now)
{
	struct zt_peer *p = zt_peers_find(&n->peers, id->address);
	if (p)
		return zt_identity_equal(&p->id, id) ? p : NULL;
	if (n->peers.count >= n->max_peers)
		evict_one(n);
	if (n->peers.count >= n->max_peers || zt_peer_new(&p, &n->me, id, now) != 0)
		return NULL;
	zt_peers_insert(&n->peers, p);
	if (!from_cache)
		zt_node_peer_store(n, p);
	for (unsigned i = 0; i < HINT_SLOTS; i++) {
		struct hint *h = &n->hints[i];
		if (h->address == id->address && now - h->when < ZT_NODE_QUEUE_TIMEOUT_MS)
			(void)zt_node_try_path(n, p, h->sock, &h->at, now);
		if (h->address == id->address)
			memset(h, 0, sizeof(*h));
	}
	zt_node_whois_done(n, id->address);
	n->waiting_released = true;
	if (n->has_up && n->up.peer_learned)
		n->up.peer_learned(n->up_arg, n, p->id.address, &p->id, now);
	return p;
}

struct zt_peer *zt_node_peer_get(struct zt_node *n, uint64_t address, int64_t now)
{
	struct zt_peer *p = zt_peers_find(&n->peers, address);
	if (p || !n->cb.state_get || address == n->me.address || zt_address_reserved(address))
		return p;
	uint8_t buf[ZT_PEER_RECORD_MAX];
	struct zt_peer_record r;
	int len = n->cb.state_get(n->arg, ZT_STATE_PEER, address, buf, sizeof(buf));
	if (len <= 0 || (size_t)len > sizeof(buf) || zt_peer_record_decode(&r, buf, (size_t)len) != 0 ||
	    r.id.address != address)
		return NULL;
	/* We wrote it after validating it ourselves: no memory-hard check again. */
	p = zt_node_peer_add(n, &r.id, true, now);
	if (!p)
		return NULL;
	p->proto = r.proto;
	p->major = r.major;
	p->minor = r.minor;
	p->rev = r.rev;
	/* Where it was last seen: kept idle, probed only if we send to it without a path (zt_node_send). */
	for (unsigned i = 0; i < r.n_addrs; i++) {
		struct zt_path *q = zt_node_path_ok(n, p, ZT_SOCK_ANY, &r.addrs[i])
		                        ? zt_paths_add(p->paths, &p->n_paths, ZT_SOCK_ANY, &r.addrs[i], now)
		                        : NULL;
		if (q && !q->confirmed)
			q->probe_until = now + ZT_NODE_PEER_ACTIVITY_MS;
	}
	return p;
}

int zt_node_validate(struct zt_node *n, const struct zt_identity *id)
{
	if (!n->scratch && !(n->scratch = malloc(ZT_IDENTITY_HASH_SCRATCH)))
		return -ENOMEM;
	n->ctr.identity_checks++;
	return zt_identity_validate(id, n->scratch);
}

static uint64_t ip_bucket(const struct zt_inetaddr *a)
{
	uint64_t k = a->family;
	/* IPv4 /24, IPv6 /48: one site, as stock buckets them. */
	size_t n = a->family == ZT_INET_V4 ? 3 : 6;
	for (size_t i = 0; i < n; i++)
		k = (k << 8) | a->ip[i];
	return k + 1;
}

bool zt_node_identity_gate(struct zt_node *n, const struct zt_inetaddr *from, int64_t now)
{
	if (n->gate_ms == 0)
		return true;
	uint64_t key = ip_bucket(from);
	struct gate *g = &n->gates[(key * 0x9e3779b97f4a7c15ULL) >> 54];
	if (g->bucket != key) {
		g->bucket = key;
		g->last = now;
		g->tokens = ZT_NODE_IDENTITY_GATE_BURST;
	}
	int64_t earned = (now - g->last) / n->gate_ms;
	if (earned > 0) {
		g->last += earned * n->gate_ms;
		g->tokens = g->tokens + earned > ZT_NODE_IDENTITY_GATE_BURST ? ZT_NODE_IDENTITY_GATE_BURST
		                                                             : g->tokens + (unsigned)earned;
	}
	if (g->tokens == 0)
		return false;
	g->tokens--;
	return true;
}

const struct zt_world_root *zt_node_planet_root(const struct zt_node *n, uint64_t address)
{
	for (unsigned i = 0; i < n->planet.n_roots; i++)
		if (n->planet.roots[i].id.address == address)
			return &n->planet.roots[i];
	return NULL;
}

struct zt_peer *zt_node_best_root(struct zt_node *n, int64_t now)
{
	struct zt_peer *best = NULL;
	int best_rank = -1;
	unsigned b = 0;
	for (struct zt_peer *p = zt_peers_next(&n->peers, &b, NULL); p; p = zt_peers_next(&n->peers, &b, p)) {
		if (!p->root || p->n_paths == 0)
			continue;
		/* Up (answered lately) before merely listed; then the lower latency. */
		bool up = p->last_answer && now - p->last_answer < ZT_NODE_ONLINE_MS;
		int rank = up ? 2 : 1;
		if (rank > best_rank ||
		    (rank == best_rank && (unsigned)p->latency < (unsigned)best->latency)) {
			best = p;
			best_rank = rank;
		}
	}
	return best;
}

void zt_node_roots_setup(struct zt_node *n, int64_t now)
{
	n->am_root = zt_node_planet_root(n, n->me.address) != NULL;
	unsigned b = 0;
	for (struct zt_peer *p = zt_peers_next(&n->peers, &b, NULL); p; p = zt_peers_next(&n->peers, &b, p)) {
		if (p->root && !zt_node_planet_root(n, p->id.address)) {
			p->root = false;
			for (unsigned i = 0; i < p->n_paths; i++)
				p->paths[i].pinned = false;
		}
	}
	for (unsigned i = 0; i < n->planet.n_roots; i++) {
		const struct zt_world_root *r = &n->planet.roots[i];
		if (r->id.address == n->me.address)
			continue;
		/* The planet is signed: its root identities need no memory-hard check. */
		struct zt_peer *p = zt_node_peer_add(n, &r->id, true, now);
		if (!p)
			continue;
		p->root = true;
		p->next_hello = now;
		p->hello_backoff = ROOT_RETRY_MIN_MS;
		for (unsigned e = 0; e < r->n_endpoints; e++) {
			if (!zt_node_path_ok(n, p, ZT_SOCK_ANY, &r->endpoints[e]))
				continue;
			struct zt_path *path =
			    zt_paths_add(p->paths, &p->n_paths, ZT_SOCK_ANY, &r->endpoints[e], now);
			if (path)
				path->pinned = true;
		}
	}
	zt_node_want(n, now);
}

void zt_node_housekeeping(struct zt_node *n, int64_t now)
{
	unsigned b = 0;
	struct zt_peer *p = zt_peers_next(&n->peers, &b, NULL);
	while (p) {
		struct zt_peer *next = zt_peers_next(&n->peers, &b, p);
		if (!p->root && now - last_use(p) >= ZT_NODE_PEER_ACTIVITY_MS)
			evict(n, p);
		p = next;
	}
}
