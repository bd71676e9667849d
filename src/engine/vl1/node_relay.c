/* What a root does with packets for others: forward them one hop closer (hop count bounded), and
 * introduce the two ends to each other with RENDEZVOUS so they can try a direct path. */
#include "vl1/node_int.h"

#include <string.h>

#define FRAGMENT_IDX_HOPS 15

static struct zt_path *best_of_family(struct zt_peer *p, uint8_t family, int64_t now)
{
	struct zt_path *best = NULL;
	for (unsigned i = 0; i < p->n_paths; i++) {
		struct zt_path *q = &p->paths[i];
		if (q->confirmed && q->addr.family == family && now - q->last_recv < ZT_NODE_PATH_EXPIRE_MS &&
		    (!best || q->last_recv > best->last_recv))
			best = q;
	}
	return best;
}

/* Tells `to` (over its path) that `about` may be reached at `at`. */
static void rendezvous(struct zt_node *n, struct zt_peer *to, const struct zt_path *via, uint64_t about,
                       const struct zt_inetaddr *at, int64_t now)
{
	uint8_t out[1 + ZT_ADDRESS_LEN + 2 + 1 + 16];
	struct zt_wr w;
	size_t alen = at->family == ZT_INET_V4 ? 4 : 16;
	zt_wr_init(&w, out, sizeof(out));
	zt_wr_u8(&w, 0);
	zt_wr_u40(&w, about);
	zt_wr_u16(&w, at->port);
	zt_wr_u8(&w, (uint8_t)alen);
	zt_wr_bytes(&w, at->ip, alen);
	if (zt_node_send_verb(n, to, ZT_VERB_RENDEZVOUS, out, w.len, via->sock, &via->addr, now, NULL) == 0)
		n->ctr.rendezvous_sent++;
}

static void unite(struct zt_node *n, uint64_t src, struct zt_peer *dst, int64_t now)
{
	struct zt_peer *sp = zt_peers_find(&n->peers, src);
	if (!sp || sp == dst)
		return;
	uint64_t a = src < dst->id.address ? src : dst->id.address;
	uint64_t b = src < dst->id.address ? dst->id.address : src;
	/* Stock introduces a pair every 30 s. One lost RENDEZVOUS (or a probe lost on the way) leaves only
	 * one side punching, so while the pair keeps coming through us we introduce it again sooner: 2 s,
	 * 4 s, ... 30 s. A pair quiet for two minutes starts over. */
	struct unite *u = &n->unite[((a * 0x9e3779b97f4a7c15ULL) ^ b) % UNITE_SLOTS];
	bool same = u->a == a && u->b == b;
	if (same && now - u->last < u->interval)
		return;
	int64_t interval = !same || now - u->last > 4 * UNITE_GATE_MS ? UNITE_FIRST_MS : u->interval * 2;
	/* One family both ends have, IPv6 first (no NAT to cross, as a rule). */
	static const uint8_t families[2] = {ZT_INET_V6, ZT_INET_V4};
	for (int f = 0; f < 2; f++) {
		struct zt_path *sp_path = best_of_family(sp, families[f], now);
		struct zt_path *dp_path = best_of_family(dst, families[f], now);
		if (!sp_path || !dp_path)
			continue;
		*u = (struct unite){.a = a,
		                    .b = b,
		                    .last = now,
		                    .interval = interval > UNITE_GATE_MS ? UNITE_GATE_MS : interval};
		/* Either order, at random, as stock does: which side's NAT opens first is luck anyway. */
		uint8_t coin;
		n->cb.random(n->arg, &coin, 1);
		struct zt_inetaddr s_at = sp_path->addr, d_at = dp_path->addr;
		for (int i = 0; i < 2; i++) {
			if ((i ^ (coin & 1)) == 0)
				rendezvous(n, sp, sp_path, dst->id.address, &d_at, now);
			else
				rendezvous(n, dst, dp_path, src, &s_at, now);
		}
		return;
	}
}

void zt_node_relay(struct zt_node *n, const uint8_t *dgram, size_t len, bool fragment, uint64_t dest,
                   uint64_t src, int64_t now)
{
	if (!n->am_root) {
		n->ctr.drop_not_for_us++;
		return;
	}
	size_t hops_at = fragment ? FRAGMENT_IDX_HOPS : ZT_PACKET_IDX_FLAGS;
	uint8_t hops = dgram[hops_at] & ZT_FLAG_HOPS;
	if (hops >= ZT_NODE_RELAY_MAX_HOPS) {
		n->ctr.drop_hops++;
		return;
	}
	/* To a peer that has talked to us lately, over the path it used; failing that, to another root of
	 * the planet (the peer may be connected there), never back to the sender. A root does not WHOIS. */
	struct zt_peer *to = zt_peers_find(&n->peers, dest);
	struct zt_path *path = to ? zt_paths_best(to->paths, to->n_paths, now) : NULL;
	bool onward = false;
	if (!path) {
		to = zt_node_best_root(n, now);
		path = to && to->id.address != src ? zt_paths_best(to->paths, to->n_paths, now) : NULL;
		onward = true;
	}
	if (!path) {
		n->ctr.drop_unknown_peer++;
		return;
	}
	memcpy(n->fwdbuf, dgram, len);
	n->fwdbuf[hops_at] = (uint8_t)((dgram[hops_at] & ~ZT_FLAG_HOPS) | (hops + 1));
	zt_node_send_raw(n, path->sock, &path->addr, n->fwdbuf, len, 0);
	path->last_send = now;
	n->ctr.relayed++;
	if (!fragment && hops == 0 && !onward)
		unite(n, src, to, now);
}
