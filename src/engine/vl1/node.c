/* The node's life cycle, the datagram dispatcher, background work and the read-only queries. */
#include "vl1/node_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void zt_node_config_init(struct zt_node_config *c)
{
	memset(c, 0, sizeof(*c));
	c->allow_loopback = true;
	c->mtu = ZT_DEFAULT_MTU;
	c->max_peers = ZT_NODE_MAX_PEERS;
	c->identity_gate_ms = 2000;
}

static int check_callbacks(const struct zt_node_callbacks *cb)
{
	if (!cb || cb->version != ZT_NODE_CALLBACKS_VERSION || !cb->wire_send || !cb->random)
		return -EINVAL;
	if (!cb->state_put != !cb->state_get)
		return -EINVAL;
	return 0;
}

static int load_planet(struct zt_world *w, const struct zt_node_config *c)
{
	if (c->planet) {
		*w = *c->planet;
		return w->type == ZT_WORLD_TYPE_PLANET ? 0 : -EINVAL;
	}
	size_t len;
	const uint8_t *earth = zt_world_earth(&len);
	return zt_world_parse(w, earth, len);
}

int zt_node_new(struct zt_node **out, const struct zt_node_callbacks *cb, void *arg,
                const struct zt_node_config *c, int64_t now)
{
	*out = NULL;
	if (check_callbacks(cb) || !c || !c->identity || zt_identity_check_secret(c->identity) != 0)
		return -EINVAL;
	if (c->mtu < 576 || c->mtu > ZT_DEFAULT_MTU || c->max_peers < 8 ||
	    c->n_local_addrs > ZT_NODE_MAX_LOCAL_ADDRS || (c->n_local_addrs && !c->local_addrs))
		return -EINVAL;
	struct zt_node *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cb = *cb;
	n->arg = arg;
	n->me = *c->identity;
	n->allow_loopback = c->allow_loopback;
	n->mtu = c->mtu;
	n->max_peers = c->max_peers;
	n->gate_ms = c->identity_gate_ms;
	n->n_local = c->n_local_addrs;
	if (c->n_local_addrs)
		memcpy(n->local, c->local_addrs, c->n_local_addrs * sizeof(*n->local));
	int ret = load_planet(&n->planet, c);
	if (ret == 0)
		ret = zt_reasm_new(&n->reasm, ZT_REASM_ENTRIES, ZT_REASM_TIMEOUT_MS);
	if (ret) {
		zt_node_free(n);
		return ret;
	}
	n->now = now;
	n->deadline = now + ZT_NODE_TICK_MS;
	n->upper_deadline = INT64_MAX;
	n->next_housekeeping = now + HOUSEKEEPING_MS;
	zt_node_roots_setup(n, now);
	unsigned b = 0;
	for (struct zt_peer *p = zt_peers_next(&n->peers, &b, NULL); p; p = zt_peers_next(&n->peers, &b, p))
		zt_node_keepalive(n, p, now);
	*out = n;
	return 0;
}

void zt_node_free(struct zt_node *n)
{
	if (!n)
		return;
	zt_peers_clear(&n->peers);
	zt_node_queues_free(n);
	zt_reasm_free(n->reasm);
	free(n->scratch);
	zt_identity_wipe(&n->me);
	free(n);
}

void zt_node_want(struct zt_node *n, int64_t when)
{
	if (when < n->deadline)
		n->deadline = when;
}

void zt_node_event(struct zt_node *n, enum zt_node_event ev, const void *data)
{
	if (n->cb.event)
		n->cb.event(n->arg, ev, data);
}

void zt_node_set_online(struct zt_node *n, bool online)
{
	if (online == n->online)
		return;
	n->online = online;
	zt_node_event(n, online ? ZT_NODE_EVENT_ONLINE : ZT_NODE_EVENT_OFFLINE, NULL);
}

bool zt_node_path_ok(struct zt_node *n, const struct zt_peer *p, zt_sock_id sock, const struct zt_inetaddr *a)
{
	if (!zt_path_addr_usable(a, n->allow_loopback))
		return false;
	if (p->root) {
		/* A root that lists endpoints is only ever reached at those IPs (any port), as stock does. */
		const struct zt_world_root *r = zt_node_planet_root(n, p->id.address);
		if (r && r->n_endpoints) {
			bool listed = false;
			for (unsigned e = 0; e < r->n_endpoints; e++)
				listed |= zt_inetaddr_same_ip(&r->endpoints[e], a);
			if (!listed)
				return false;
		}
	}
	return !n->cb.path_check || n->cb.path_check(n->arg, p->id.address, sock, a);
}

static uint64_t rd_address(const uint8_t *p)
{
	struct zt_rd r;
	zt_rd_init(&r, p, ZT_ADDRESS_LEN);
	return zt_rd_u40(&r);
}

static void reassemble(struct zt_node *n, const uint8_t *dgram, size_t len, zt_sock_id sock,
                       const struct zt_inetaddr *from, int64_t now)
{
	size_t out_len = 0;
	int ret = zt_reasm_input(n->reasm, dgram, len, now, n->rxbuf, sizeof(n->rxbuf), &out_len);
	if (ret < 0)
		n->ctr.drop_fragment++;
	else if (ret == ZT_REASM_COMPLETE)
		zt_node_packet_in(n, n->rxbuf, out_len, sock, from, now);
}

int64_t zt_node_wire_in(struct zt_node *n, zt_sock_id sock, const struct zt_inetaddr *from, const void *data,
                        size_t len, int64_t now)
{
	const uint8_t *d = data;
	n->now = now;
	n->ctr.rx_datagrams++;
	if (len <= ZT_FRAGMENT_HEADER_LEN) {
		n->ctr.drop_short++; /* includes the 4-byte NAT-opening junk stock nodes send */
		goto out;
	}
	if (len > ZT_NODE_MAX_DATAGRAM) {
		n->ctr.drop_oversize++;
		goto out;
	}
	if (!from || from->family == ZT_INET_NONE) {
		n->ctr.drop_malformed++;
		goto out;
	}
	uint64_t dest = rd_address(d + ZT_PACKET_IDX_DEST);
	if (zt_datagram_is_fragment(d, len)) {
		if (dest != n->me.address)
			zt_node_relay(n, d, len, true, dest, 0, now);
		else
			reassemble(n, d, len, sock, from, now);
		goto out;
	}
	if (len < ZT_PACKET_MIN_LEN) {
		n->ctr.drop_short++;
		goto out;
	}
	uint64_t src = rd_address(d + ZT_PACKET_IDX_SRC);
	if (zt_address_reserved(src) || zt_address_reserved(dest) || src == n->me.address) {
		n->ctr.drop_malformed++;
		goto out;
	}
	if (dest != n->me.address) {
		zt_node_relay(n, d, len, false, dest, src, now);
	} else if (d[ZT_PACKET_IDX_FLAGS] & ZT_FLAG_FRAGMENTED) {
		reassemble(n, d, len, sock, from, now);
	} else {
		memcpy(n->rxbuf, d, len);
		zt_node_packet_in(n, n->rxbuf, len, sock, from, now);
	}
out:
	if (n->waiting_released)
		zt_node_release_waiting(n, now);
	return n->deadline;
}

int64_t zt_node_tick(struct zt_node *n, int64_t now)
{
	n->now = now;
	/* First, so what the work below schedules (a probe "now") can pull it in. */
	n->deadline = now + ZT_NODE_TICK_MS;
	zt_reasm_expire(n->reasm, now);
	zt_node_whois_retry(n, now);
	zt_node_queues_expire(n, now);
	unsigned b = 0;
	for (struct zt_peer *p = zt_peers_next(&n->peers, &b, NULL); p; p = zt_peers_next(&n->peers, &b, p)) {
		zt_paths_expire(p->paths, &p->n_paths, now);
		zt_node_keepalive(n, p, now);
	}
	if (now >= n->next_housekeeping) {
		n->next_housekeeping = now + HOUSEKEEPING_MS;
		zt_node_housekeeping(n, now);
	}
	bool online = n->am_root;
	b = 0;
	for (struct zt_peer *p = zt_peers_next(&n->peers, &b, NULL); p; p = zt_peers_next(&n->peers, &b, p))
		online |= p->root && p->last_answer && now - p->last_answer < ZT_NODE_ONLINE_MS;
	zt_node_set_online(n, online);
	if (n->waiting_released)
		zt_node_release_waiting(n, now);
	if (n->has_up && n->up.tick)
		n->upper_deadline = n->up.tick(n->up_arg, n, now);
	zt_node_want(n, n->upper_deadline);
	return n->deadline;
}

int64_t zt_node_next_deadline(const struct zt_node *n)
{
	return n->deadline;
}

int zt_node_set_upper(struct zt_node *n, const struct zt_node_upper *u, void *arg)
{
	if (!u) {
		n->has_up = false;
		memset(&n->up, 0, sizeof(n->up));
		n->up_arg = NULL;
		return 0;
	}
	if (u->version != ZT_NODE_UPPER_VERSION || !u->verb_in || !u->reply_in)
		return -EINVAL;
	n->up = *u;
	n->up_arg = arg;
	n->has_up = true;
	n->upper_deadline = INT64_MAX;
	return 0;
}

uint64_t zt_node_address(const struct zt_node *n)
{
	return n->me.address;
}

const struct zt_identity *zt_node_identity(const struct zt_node *n)
{
	return &n->me;
}

bool zt_node_online(const struct zt_node *n)
{
	return n->online;
}

bool zt_node_is_root(const struct zt_node *n)
{
	return n->am_root;
}

static void fill_info(const struct zt_peer *p, struct zt_node_peer_info *out, int64_t now)
{
	memset(out, 0, sizeof(*out));
	out->address = p->id.address;
	out->role = p->root ? ZT_PEER_ROOT : ZT_PEER_LEAF;
	out->proto = p->proto;
	out->major = p->major;
	out->minor = p->minor;
	out->rev = p->rev;
	out->latency_ms = p->latency;
	out->last_recv = p->last_recv;
	/* zt_paths_best only reads, but takes a mutable table for its callers' sake. */
	struct zt_path *best = zt_paths_best((struct zt_path *)p->paths, p->n_paths, now);
	out->n_paths = p->n_paths;
	for (unsigned i = 0; i < p->n_paths; i++) {
		const struct zt_path *q = &p->paths[i];
		out->paths[i] = (struct zt_node_path_info){
		    .sock = q->sock,
		    .addr = q->addr,
		    .last_recv = q->last_recv,
		    .last_send = q->last_send,
		    .confirmed = q->confirmed,
		    .preferred = q == best,
		};
	}
}

size_t zt_node_peers(const struct zt_node *n, struct zt_node_peer_info *out, size_t cap, int64_t now)
{
	size_t k = 0;
	for (int roots = 1; roots >= 0; roots--) {
		unsigned b = 0;
		for (struct zt_peer *p = zt_peers_next(&n->peers, &b, NULL); p;
		     p = zt_peers_next(&n->peers, &b, p)) {
			if (p->root != (roots == 1))
				continue;
			if (k < cap)
				fill_info(p, &out[k], now);
			k++;
		}
	}
	return k;
}

int zt_node_peer(const struct zt_node *n, uint64_t address, struct zt_node_peer_info *out, int64_t now)
{
	const struct zt_peer *p = zt_peers_find(&n->peers, address);
	if (!p)
		return -ENOENT;
	fill_info(p, out, now);
	return 0;
}

void zt_node_counters(const struct zt_node *n, struct zt_node_counters *out)
{
	*out = n->ctr;
}

size_t zt_node_memory(const struct zt_node *n)
{
	return sizeof(*n) + n->peers.count * sizeof(struct zt_peer) + zt_reasm_memory(n->reasm) +
	       n->queued_bytes + (n->scratch ? ZT_IDENTITY_HASH_SCRATCH : 0);
}
