/* What a node must refuse, on the simulated wire: forged MACs, identities that do not match their
 * source, replays of another peer's packets, oversize and truncated packets, fragment floods and floods
 * of strangers (memory asserted bounded), packets past the relay hop limit, unsolicited replies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "warmup.h"
#include "sim.h"
#include "vl1/fragment.h"
#include "vl1/packet.h"

#define CAPTURED 16

/* A root and two leaves that already talk directly, and a bystander c; the tap keeps the last datagrams
 * a sent to b. */
struct pair {
	struct sim s;
	struct sim_node *root, *a, *b, *c;
	struct {
		uint8_t data[ZT_DEFAULT_MTU];
		size_t len;
	} cap[CAPTURED];
	unsigned n_cap;
	struct zt_inetaddr cap_from, cap_to;
	bool only_now; /* capture only inside the current send call */
	bool sending;
};

static bool capture(struct sim *s, struct sim_dgram *d, void *arg)
{
	struct pair *p = arg;
	(void)s;
	if ((!p->only_now || p->sending) && zt_inetaddr_equal(&d->from, &p->cap_from) &&
	    zt_inetaddr_equal(&d->to, &p->cap_to)) {
		unsigned i = p->n_cap++ % CAPTURED;
		memcpy(p->cap[i].data, d->data, d->len);
		p->cap[i].len = d->len;
	}
	return true;
}

static void pair_setup(struct pair *p, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	sim_init(&p->s, seed);
	p->root = sim_add(&p->s, 0, "10.0.0.1", 9993, NULL);
	p->a = sim_add(&p->s, 1, "10.1.0.2", 9993, NULL);
	p->b = sim_add(&p->s, 2, "10.2.0.3", 9993, NULL);
	p->c = sim_add(&p->s, 3, "10.3.0.4", 9993, NULL);
	sim_planet(&p->s, &p->root, 1);
	if (sim_start(&p->s) != 0 || !sim_run_until(&p->s, 10000, sim_all_online, NULL))
		abort();
	/* Two exchanges: WHOIS, relay and RENDEZVOUS, then direct. */
	(void)sim_send(p->a, p->b->id.address, ZT_VERB_ECHO, NULL, 0, NULL);
	sim_run_for(&p->s, 4000);
	if (!sim_has_direct_path(p->a, p->b->id.address) || !sim_has_direct_path(p->b, p->a->id.address))
		abort();
	p->cap_from = p->a->addr;
	p->cap_to = p->b->addr;
	p->s.tap = capture;
	p->s.tap_arg = p;
}

/* Sends an upper-layer message a -> b and returns the datagram that carried it (unfragmented). */
static const uint8_t *send_and_capture(struct pair *p, const char *text, size_t *len)
{
	unsigned before = p->n_cap, msgs = p->b->n_msgs;
	p->only_now = p->sending = true;
	if (sim_send(p->a, p->b->id.address, ZT_VERB_USER_MESSAGE, text, strlen(text), NULL) != 0)
		abort();
	p->sending = false;
	sim_run_for(&p->s, 50);
	if (p->n_cap != before + 1 || p->b->n_msgs != msgs + 1) {
		fprintf(stderr, "capture: %u datagrams, %u messages\n", p->n_cap - before,
		        p->b->n_msgs - msgs);
		abort();
	}
	unsigned i = before % CAPTURED;
	*len = p->cap[i].len;
	return p->cap[i].data;
}

static void test_forged_mac_dropped(void)
{
	struct pair p;
	size_t len;
	uint8_t bad[ZT_DEFAULT_MTU];
	pair_setup(&p, 10);
	const uint8_t *good = send_and_capture(&p, "genuine", &len);
	struct zt_node_counters c0 = sim_counters(p.b);
	unsigned msgs = p.b->n_msgs;
	/* One flipped bit anywhere the MAC covers: payload, verb, MAC, packet ID, source. */
	const size_t flip_at[] = {len - 1, ZT_PACKET_IDX_VERB, ZT_PACKET_IDX_MAC, 3, ZT_PACKET_IDX_SRC + 4};
	for (size_t i = 0; i < sizeof(flip_at) / sizeof(flip_at[0]); i++) {
		size_t at = flip_at[i];
		memcpy(bad, good, len);
		bad[at] ^= 0x01;
		sim_inject(&p.s, &p.a->addr, &p.b->addr, bad, len);
	}
	struct zt_node_counters c = sim_counters(p.b);
	/* The source flip names an unknown peer: it waits for a WHOIS that will not help. The rest fail. */
	CHECK_EQ_INT(c.drop_bad_mac - c0.drop_bad_mac, 4);
	CHECK_EQ_INT(p.b->n_msgs, msgs);
	sim_run_for(&p.s, 6000);
	CHECK_EQ_INT(p.b->n_msgs, msgs);
	sim_free(&p.s);
}

/* Identities that do not belong to the packet's source: a HELLO naming another address, a HELLO for an
 * address we hold under another key (a collision: answered with ERROR), an identity whose address its
 * key does not prove, and an OK(WHOIS) from a root carrying such an identity. */
static void test_wrong_source_identity_refused(void)
{
	struct pair p;
	uint8_t pl[256], pkt[512];
	struct zt_identity b, root, c, fake;
	pair_setup(&p, 11);
	sim_identity(&b, 2);
	sim_identity(&root, 0);
	sim_identity(&c, 5); /* a valid identity no node in this run uses */
	struct zt_node_counters c0 = sim_counters(p.a);
	struct zt_inetaddr stranger = sim_addr("10.7.0.9", 9993);

	/* 1: c's identity in a HELLO whose source is b's address. */
	size_t n = sim_hello_payload(pl, sizeof(pl), &c, p.s.now);
	size_t len = sim_craft(pkt, sizeof(pkt), &c, &p.a->id, b.address, ZT_VERB_HELLO, pl, n, 0, NULL);
	sim_inject(&p.s, &stranger, &p.a->addr, pkt, len);
	struct zt_node_counters c1 = sim_counters(p.a);
	CHECK_EQ_INT(c1.drop_wrong_identity - c0.drop_wrong_identity, 1);

	/* 2: b's address with c's keys, MAC made with c's key: a collision, answered, b kept. */
	fake = c;
	fake.address = b.address;
	n = sim_hello_payload(pl, sizeof(pl), &fake, p.s.now);
	len = sim_craft(pkt, sizeof(pkt), &fake, &p.a->id, 0, ZT_VERB_HELLO, pl, n, 0, NULL);
	p.cap_from = p.a->addr;
	p.cap_to = stranger;
	unsigned caps = p.n_cap;
	p.sending = true; /* the ERROR goes out inside the injection */
	sim_inject(&p.s, &stranger, &p.a->addr, pkt, len);
	p.sending = false;
	sim_run_for(&p.s, 100);
	struct zt_node_counters c2 = sim_counters(p.a);
	CHECK_EQ_INT(c2.drop_collision - c1.drop_collision, 1);
	CHECK_EQ_INT(p.n_cap - caps, 1); /* ERROR(IDENTITY_COLLISION) went back to the sender */
	struct zt_identity held;
	REQUIRE(zt_node_peer_identity(p.a->node, b.address, &held) == 0);
	CHECK(zt_identity_equal(&held, &b));

	/* 3: a new address whose key does not prove it: the MAC is fine, the memory-hard check is not. */
	sim_fake_identity(&fake, 0x3344556677ULL, 99);
	n = sim_hello_payload(pl, sizeof(pl), &fake, p.s.now);
	len = sim_craft(pkt, sizeof(pkt), &fake, &p.a->id, 0, ZT_VERB_HELLO, pl, n, 0, NULL);
	sim_inject(&p.s, &stranger, &p.a->addr, pkt, len);
	struct zt_node_counters c3 = sim_counters(p.a);
	CHECK_EQ_INT(c3.identity_checks - c2.identity_checks, 1);
	CHECK_EQ_INT(c3.drop_wrong_identity - c2.drop_wrong_identity, 1);
	CHECK(zt_node_peer_identity(p.a->node, fake.address, &held) == -ENOENT);

	/* 4: a asks its root about that address; a forged answer from the root (we hold its secret here) with
	 * the unproven identity is checked and refused; one for an address nobody asked about is ignored. */
	p.cap_from = p.a->addr;
	p.cap_to = p.root->addr;
	caps = p.n_cap;
	p.sending = true;
	REQUIRE(zt_node_whois(p.a->node, fake.address, p.s.now) == 1);
	p.sending = false;
	REQUIRE(p.n_cap == caps + 1);
	struct zt_packet_header h;
	REQUIRE(zt_packet_parse_header(&h, p.cap[caps % CAPTURED].data, p.cap[caps % CAPTURED].len) == 0);
	struct zt_wr w;
	zt_wr_init(&w, pl, sizeof(pl));
	zt_wr_u8(&w, ZT_VERB_WHOIS);
	zt_wr_bytes(&w, h.id, 8);
	zt_identity_write(&fake, false, &w);
	struct zt_identity other;
	sim_fake_identity(&other, 0x2233445566ULL, 7);
	zt_identity_write(&other, false, &w);
	len = sim_craft(pkt, sizeof(pkt), &root, &p.a->id, 0, ZT_VERB_OK, pl, w.len, 0, NULL);
	sim_inject(&p.s, &p.root->addr, &p.a->addr, pkt, len);
	struct zt_node_counters c4 = sim_counters(p.a);
	CHECK_EQ_INT(c4.drop_wrong_identity - c3.drop_wrong_identity, 1);
	CHECK_EQ_INT(c4.identity_checks - c3.identity_checks, 1); /* only the one asked about was hashed */
	CHECK(zt_node_peer_identity(p.a->node, fake.address, &held) == -ENOENT);
	CHECK(zt_node_peer_identity(p.a->node, other.address, &held) == -ENOENT);
	sim_free(&p.s);
}

/* A packet a sent b, replayed to b from elsewhere: not delivered twice, no path moved to the replayer.
 * The same bytes at another node (c) are not for it; re-addressed to it, they fail the MAC. */
static void test_replays_of_another_peers_packets(void)
{
	struct pair p;
	size_t len;
	uint8_t copy[ZT_DEFAULT_MTU];
	pair_setup(&p, 12);
	const uint8_t *orig = send_and_capture(&p, "transfer 100 to mallory", &len);
	memcpy(copy, orig, len);
	struct zt_inetaddr mallory = sim_addr("10.66.6.6", 4444);
	struct zt_node_counters c0 = sim_counters(p.b);
	unsigned msgs = p.b->n_msgs;
	sim_inject(&p.s, &mallory, &p.b->addr, copy, len);
	sim_inject(&p.s, &p.a->addr, &p.b->addr, copy, len); /* and from a's own address */
	copy[ZT_PACKET_IDX_FLAGS] ^= 1;                      /* hops are not authenticated: still a replay */
	sim_inject(&p.s, &mallory, &p.b->addr, copy, len);
	copy[ZT_PACKET_IDX_FLAGS] ^= 1;
	struct zt_node_counters c1 = sim_counters(p.b);
	CHECK_EQ_INT(c1.drop_replay - c0.drop_replay, 3);
	CHECK_EQ_INT(p.b->n_msgs, msgs);

	/* A replayed ECHO is answered (stock nodes send one from several sockets) but teaches no path. */
	p.cap_from = p.a->addr;
	p.cap_to = p.b->addr;
	unsigned caps = p.n_cap;
	p.sending = true;
	REQUIRE(sim_send(p.a, p.b->id.address, ZT_VERB_ECHO, "e", 1, NULL) == 0);
	p.sending = false;
	REQUIRE(p.n_cap == caps + 1);
	memcpy(copy, p.cap[caps % CAPTURED].data, p.cap[caps % CAPTURED].len);
	size_t elen = p.cap[caps % CAPTURED].len;
	sim_run_for(&p.s, 1000);
	sim_inject(&p.s, &mallory, &p.b->addr, copy, elen);
	sim_run_for(&p.s, 30000);
	struct zt_node_peer_info info;
	REQUIRE(zt_node_peer(p.b->node, p.a->id.address, &info, p.s.now) == 0);
	for (unsigned i = 0; i < info.n_paths; i++)
		CHECK(!zt_inetaddr_equal(&info.paths[i].addr, &mallory));
	CHECK(sim_has_direct_path(p.b, p.a->id.address));

	/* At the root: not its own, relayed to b as addressed (b answers the copy, learns nothing). At a
	 * leaf that is not b: dropped. */
	struct zt_node_counters r0 = sim_counters(p.root);
	msgs = p.b->n_msgs;
	sim_inject(&p.s, &mallory, &p.root->addr, copy, elen);
	sim_run_for(&p.s, 100);
	CHECK(sim_counters(p.root).relayed > r0.relayed);
	CHECK_EQ_INT(p.b->n_msgs, msgs);
	struct zt_node_counters k0 = sim_counters(p.c);
	sim_inject(&p.s, &mallory, &p.c->addr, copy, elen);
	CHECK_EQ_INT(sim_counters(p.c).drop_not_for_us - k0.drop_not_for_us, 1);
	struct zt_node_counters a0 = sim_counters(p.a);
	/* Re-addressed to a (b's source kept): a knows b but the MAC binds the destination. */
	struct zt_wr w;
	zt_wr_init(&w, copy + ZT_PACKET_IDX_DEST, 5);
	zt_wr_u40(&w, p.a->id.address);
	memcpy(copy + ZT_PACKET_IDX_SRC, orig + ZT_PACKET_IDX_DEST, 5); /* now "from b" */
	sim_inject(&p.s, &mallory, &p.a->addr, copy, elen);
	CHECK_EQ_INT(sim_counters(p.a).drop_bad_mac - a0.drop_bad_mac, 1);
	sim_free(&p.s);
}

static void test_oversize_and_truncated_dropped(void)
{
	struct pair p;
	size_t len;
	static uint8_t big[ZT_PACKET_MAX_LEN + 200];
	uint8_t cut[ZT_DEFAULT_MTU];
	pair_setup(&p, 13);
	const uint8_t *good = send_and_capture(&p, "a message long enough to be cut in several places", &len);
	memcpy(cut, good, len);
	struct zt_node_counters c0 = sim_counters(p.b);
	unsigned msgs = p.b->n_msgs;

	memset(big, 0x41, sizeof(big));
	memcpy(big, good, ZT_PACKET_IDX_PAYLOAD);
	sim_inject(&p.s, &p.a->addr, &p.b->addr, big, sizeof(big));
	struct zt_node_counters c1 = sim_counters(p.b);
	CHECK_EQ_INT(c1.drop_oversize - c0.drop_oversize, 1);

	/* Cut short: the length is bound into the MAC. */
	sim_inject(&p.s, &p.a->addr, &p.b->addr, cut, len - 1);
	sim_inject(&p.s, &p.a->addr, &p.b->addr, cut, ZT_PACKET_IDX_PAYLOAD);
	struct zt_node_counters c2 = sim_counters(p.b);
	CHECK_EQ_INT(c2.drop_bad_mac - c1.drop_bad_mac, 2);
	/* Shorter than a header, and no longer than a fragment header (NAT junk). */
	sim_inject(&p.s, &p.a->addr, &p.b->addr, cut, 27);
	sim_inject(&p.s, &p.a->addr, &p.b->addr, cut, 16);
	struct zt_node_counters c3 = sim_counters(p.b);
	CHECK_EQ_INT(c3.drop_short - c2.drop_short, 2);

	/* A HELLO cut inside its identity: malformed, refused before any crypto runs. */
	uint8_t pl[256], pkt[512];
	struct zt_identity a;
	sim_identity(&a, 1);
	size_t n = sim_hello_payload(pl, sizeof(pl), &a, p.s.now);
	size_t hl = sim_craft(pkt, sizeof(pkt), &a, &p.b->id, 0, ZT_VERB_HELLO, pl, n - 30, 0, NULL);
	sim_inject(&p.s, &p.a->addr, &p.b->addr, pkt, hl);
	CHECK_EQ_INT(sim_counters(p.b).drop_malformed - c3.drop_malformed, 1);
	CHECK_EQ_INT(p.b->n_msgs, msgs);

	/* A fragmented packet whose pieces add up to more than a packet can be. */
	uint8_t frag[1600]; /* a larger MTU than ours, which receivers accept: 7 pieces exceed a packet */
	memset(frag, 0x55, sizeof(frag));
	memcpy(frag, good, ZT_PACKET_IDX_PAYLOAD);
	frag[ZT_PACKET_IDX_FLAGS] |= ZT_FLAG_FRAGMENTED;
	sim_inject(&p.s, &p.a->addr, &p.b->addr, frag, sizeof(frag));
	frag[13] = ZT_FRAGMENT_INDICATOR;
	frag[15] = 0;
	for (unsigned i = 1; i < ZT_FRAGMENTS_MAX; i++) {
		frag[14] = (uint8_t)((ZT_FRAGMENTS_MAX << 4) | i);
		sim_inject(&p.s, &p.a->addr, &p.b->addr, frag, sizeof(frag));
	}
	CHECK(sim_counters(p.b).drop_fragment > c3.drop_fragment);
	CHECK_EQ_INT(p.b->n_msgs, msgs);
	sim_free(&p.s);
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Thousands of fragments and heads of packets that never complete: the node's memory does not move, and
 * a real fragmented packet still gets through afterwards. */
static void test_fragment_flood_bounded(void)
{
	struct pair p;
	uint8_t d[ZT_DEFAULT_MTU];
	uint64_t rng = 77;
	pair_setup(&p, 14);
	size_t mem0 = zt_node_memory(p.b->node);
	struct zt_node_counters c0 = sim_counters(p.b);
	unsigned msgs = p.b->n_msgs;
	for (int i = 0; i < 20000; i++) {
		uint64_t r = splitmix(&rng);
		size_t len = 17 + (size_t)(r % (sizeof(d) - 17));
		for (size_t k = 0; k < len; k += 8) {
			uint64_t x = splitmix(&rng);
			memcpy(d + k, &x, len - k < 8 ? len - k : 8);
		}
		struct zt_wr w;
		zt_wr_init(&w, d + ZT_PACKET_IDX_DEST, 5);
		zt_wr_u40(&w, p.b->id.address);
		if (i % 4 == 0) { /* a head, with the fragmented flag, from a known source */
			zt_wr_init(&w, d + ZT_PACKET_IDX_SRC, 5);
			zt_wr_u40(&w, p.a->id.address);
			d[ZT_PACKET_IDX_FLAGS] |= ZT_FLAG_FRAGMENTED;
		} else {
			d[13] = ZT_FRAGMENT_INDICATOR;
			d[14] = (uint8_t)((2 + r % 6) << 4 | (1 + (r >> 8) % 6)); /* plausible counts */
		}
		sim_inject(&p.s, &p.a->addr, &p.b->addr, d, len);
		if (i % 1000 == 0)
			CHECK(zt_node_memory(p.b->node) == mem0);
	}
	CHECK(zt_node_memory(p.b->node) == mem0);
	struct zt_node_counters c1 = sim_counters(p.b);
	CHECK(c1.drop_fragment > c0.drop_fragment);
	CHECK_EQ_INT(p.b->n_msgs, msgs);

	/* A real 6000-byte message still arrives whole. */
	static uint8_t payload[6000];
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)splitmix(&rng); /* incompressible: it must be fragmented */
	REQUIRE(sim_send(p.a, p.b->id.address, ZT_VERB_USER_MESSAGE, payload, sizeof(payload), NULL) == 0);
	sim_run_for(&p.s, 200);
	REQUIRE(p.b->n_msgs == msgs + 1);
	CHECK_EQ_INT(sim_last_msg(p.b)->len, sizeof(payload));
	CHECK(memcmp(sim_last_msg(p.b)->data, payload, sizeof(sim_last_msg(p.b)->data)) == 0);
	sim_free(&p.s);
}

/* Packets from strangers wait for a WHOIS answer in a bounded queue; flooding it costs nothing lasting. */
static void test_stranger_flood_bounded(void)
{
	struct pair p;
	uint8_t pkt[600], junk[500] = {0};
	uint64_t rng = 5;
	struct zt_identity fake;
	pair_setup(&p, 15);
	size_t mem0 = zt_node_memory(p.a->node);
	struct zt_node_counters c0 = sim_counters(p.a);
	for (int i = 0; i < 500; i++) {
		uint64_t addr = (splitmix(&rng) & 0x7fffffffffULL) | 0x0100000000ULL;
		sim_fake_identity(&fake, addr, (uint64_t)i);
		size_t len = sim_craft(pkt, sizeof(pkt), &fake, &p.a->id, 0, ZT_VERB_USER_MESSAGE, junk,
		                       sizeof(junk), 0, NULL);
		sim_inject(&p.s, &p.b->addr, &p.a->addr, pkt, len);
		CHECK(zt_node_memory(p.a->node) <= mem0 + ZT_NODE_RXQ_ENTRIES * 600);
	}
	struct zt_node_counters c1 = sim_counters(p.a);
	CHECK(c1.drop_queue_full - c0.drop_queue_full >= 500 - ZT_NODE_RXQ_ENTRIES);
	CHECK(c1.whois_sent - c0.whois_sent <= 500);
	sim_run_for(&p.s, 6000); /* nobody knows them: the queue drains by timeout */
	CHECK(zt_node_memory(p.a->node) == mem0);
	CHECK_EQ_INT(p.a->n_msgs, 0);
	sim_free(&p.s);
}

/* A root relays at most ZT_NODE_RELAY_MAX_HOPS hops; a leaf relays nothing. */
static void test_relay_hop_limit(void)
{
	struct pair p;
	uint8_t pkt[200];
	struct zt_identity a;
	pair_setup(&p, 16);
	sim_identity(&a, 1);
	struct zt_node_counters r0 = sim_counters(p.root);
	for (uint8_t hops = 0; hops <= 7; hops++) {
		size_t len = sim_craft(pkt, sizeof(pkt), &a, &p.b->id, 0, ZT_VERB_NOP, NULL, 0, hops, NULL);
		sim_inject(&p.s, &p.a->addr, &p.root->addr, pkt, len);
	}
	struct zt_node_counters r1 = sim_counters(p.root);
	CHECK_EQ_INT(r1.relayed - r0.relayed, ZT_NODE_RELAY_MAX_HOPS);
	CHECK_EQ_INT(r1.drop_hops - r0.drop_hops, 8 - ZT_NODE_RELAY_MAX_HOPS);
	sim_free(&p.s);
}

/* An OK nobody asked for is ignored; an ERROR about a VL2 verb goes up. */
static void test_unsolicited_replies(void)
{
	struct pair p;
	uint8_t pl[64], pkt[200];
	struct zt_identity b;
	struct zt_wr w;
	pair_setup(&p, 17);
	sim_identity(&b, 2);
	zt_wr_init(&w, pl, sizeof(pl));
	zt_wr_u8(&w, ZT_VERB_ECHO);
	zt_wr_u64(&w, 0x0123456789abcdefULL);
	size_t len = sim_craft(pkt, sizeof(pkt), &b, &p.a->id, 0, ZT_VERB_OK, pl, w.len, 0, NULL);
	struct zt_node_counters c0 = sim_counters(p.a);
	unsigned replies = p.a->n_replies;
	sim_inject(&p.s, &p.b->addr, &p.a->addr, pkt, len);
	CHECK_EQ_INT(sim_counters(p.a).drop_unsolicited - c0.drop_unsolicited, 1);
	CHECK_EQ_INT(p.a->n_replies, replies);

	uint64_t id;
	REQUIRE(sim_send(p.a, p.b->id.address, ZT_VERB_NETWORK_CONFIG_REQUEST, "\0\0\0\0\0\0\0\1", 8, &id) ==
	        0);
	sim_run_for(&p.s, 100);
	CHECK_EQ_INT(p.b->n_msgs, 1);
	zt_wr_init(&w, pl, sizeof(pl));
	zt_wr_u8(&w, ZT_VERB_NETWORK_CONFIG_REQUEST);
	zt_wr_u64(&w, id);
	zt_wr_u8(&w, ZT_ERR_OBJ_NOT_FOUND);
	zt_wr_u64(&w, 1);
	REQUIRE(sim_send(p.b, p.a->id.address, ZT_VERB_ERROR, pl, w.len, NULL) == 0);
	sim_run_for(&p.s, 100);
	REQUIRE(p.a->n_replies == replies + 1);
	const struct sim_reply *r = sim_last_reply(p.a);
	CHECK_EQ_INT(r->verb, ZT_VERB_ERROR);
	CHECK_EQ_INT(r->code, ZT_ERR_OBJ_NOT_FOUND);
	CHECK(r->in_re_id == id);
	CHECK_EQ_INT(r->len, 8);
	sim_free(&p.s);
}

/* New identities from one /24 are checked at most ZT_NODE_IDENTITY_GATE_BURST at once, then one per
 * gate interval: the 2 MiB hash cannot be turned into a lever. */
static void test_identity_checks_rate_gated(void)
{
	struct pair p;
	uint8_t pl[256], pkt[512];
	struct zt_identity fake;
	pair_setup(&p, 18);
	struct zt_node_counters c0 = sim_counters(p.a);
	struct zt_inetaddr from = sim_addr("10.99.1.1", 9993);
	for (int i = 0; i < 20; i++) {
		sim_fake_identity(&fake, 0x1000000000ULL + (uint64_t)i, 1000 + (uint64_t)i);
		size_t n = sim_hello_payload(pl, sizeof(pl), &fake, p.s.now);
		size_t len = sim_craft(pkt, sizeof(pkt), &fake, &p.a->id, 0, ZT_VERB_HELLO, pl, n, 0, NULL);
		from.ip[3] = (uint8_t)(i + 1); /* all in one /24 */
		sim_inject(&p.s, &from, &p.a->addr, pkt, len);
	}
	struct zt_node_counters c1 = sim_counters(p.a);
	CHECK_EQ_INT(c1.identity_checks - c0.identity_checks, ZT_NODE_IDENTITY_GATE_BURST);
	CHECK_EQ_INT(c1.drop_rate_limited - c0.drop_rate_limited, 20 - ZT_NODE_IDENTITY_GATE_BURST);
	/* Another /24 has its own budget; and the first refills with time. */
	from.ip[2] = 2;
	sim_inject(&p.s, &from, &p.a->addr, pkt,
	           0 + sim_craft(pkt, sizeof(pkt), &fake, &p.a->id, 0, ZT_VERB_HELLO, pl,
	                         sim_hello_payload(pl, sizeof(pl), &fake, p.s.now), 0, NULL));
	CHECK_EQ_INT(sim_counters(p.a).identity_checks - c1.identity_checks, 1);
	sim_free(&p.s);
}

static const struct zt_test tests[] = {
    ZT_TEST(test_forged_mac_dropped),
    ZT_TEST(test_wrong_source_identity_refused),
    ZT_TEST(test_replays_of_another_peers_packets),
    ZT_TEST(test_oversize_and_truncated_dropped),
    ZT_TEST(test_fragment_flood_bounded),
    ZT_TEST(test_stranger_flood_bounded),
    ZT_TEST(test_relay_hop_limit),
    ZT_TEST(test_unsolicited_replies),
    ZT_TEST(test_identity_checks_rate_gated),
};

/* libsodium and OpenSSL set themselves up on first use: not a leak of any test's. */
static void warmup(void)
{
	zt_test_warm_crypto();
}

int main(int argc, char **argv)
{
	return zt_test_main("node_reject", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}
