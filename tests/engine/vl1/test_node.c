/* The VL1 node on a simulated wire (sim.h): finding peers. Roots, WHOIS, relaying, RENDEZVOUS and direct
 * paths, loss and reordering, fragmented first messages, loopback paths, the cipher suite per peer. How paths change afterwards is in
 * test_node_paths.c; what the node refuses in test_node_reject.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "warmup.h"
#include "sim.h"
#include "vl1/fragment.h"
#include "vl1/packet.h"

struct wait_replies {
	struct sim_node *sn;
	unsigned n;
};

static bool got_replies(struct sim *s, void *arg)
{
	(void)s;
	struct wait_replies *w = arg;
	return w->sn->n_replies >= w->n;
}

static bool got_msgs(struct sim *s, void *arg)
{
	(void)s;
	struct wait_replies *w = arg;
	return w->sn->n_msgs >= w->n;
}

static void test_config_and_callbacks_checked(void)
{
	struct sim s;
	struct zt_node *n = NULL;
	struct zt_node_config c;
	sim_init(&s, 1);
	struct sim_node *sn = sim_add(&s, 0, "10.0.0.1", 9993, NULL);
	zt_node_config_init(&c);
	CHECK(c.allow_loopback);
	CHECK_EQ_INT(c.mtu, ZT_DEFAULT_MTU);
	struct zt_node_callbacks cb = {.version = ZT_NODE_CALLBACKS_VERSION};
	c.identity = &sn->id;
	CHECK_EQ_INT(zt_node_new(&n, &cb, NULL, &c, 0), -EINVAL); /* no wire_send, no random */
	CHECK(n == NULL);
	struct zt_identity pub = sn->id;
	memset(pub.priv, 0, sizeof(pub.priv));
	pub.has_priv = false;
	c.identity = &pub;
	REQUIRE(sim_start(&s) == 0);
	/* Now with real callbacks, through the simulator's node. */
	CHECK(zt_node_address(sn->node) == sn->id.address);
	CHECK(!zt_node_is_root(sn->node)); /* Earth's roots are not us */
	CHECK_EQ_INT(zt_node_send(sn->node, sn->id.address, ZT_VERB_FRAME, "x", 1, s.now, NULL), -EINVAL);
	CHECK_EQ_INT(zt_node_send(sn->node, 0x1122334455ULL, ZT_VERB_HELLO, NULL, 0, s.now, NULL), -EINVAL);
	CHECK_EQ_INT(zt_node_send(sn->node, 0xff22334455ULL, ZT_VERB_FRAME, NULL, 0, s.now, NULL), -EINVAL);
	uint8_t big[ZT_PACKET_MAX_PAYLOAD + 1] = {0};
	CHECK_EQ_INT(zt_node_send(sn->node, 0x1122334455ULL, ZT_VERB_FRAME, big, sizeof(big), s.now, NULL),
	             -EMSGSIZE);
	/* Earth's roots get HELLOs at once, to each endpoint. */
	CHECK(sim_counters(sn).tx_packets >= 4);
	sim_free(&s);
}

static void test_leaves_come_online_through_the_root(void)
{
	struct sim_trio t;
	sim_trio_start(&t, 2, false);
	CHECK(!zt_node_online(t.a->node));
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	CHECK_EQ_INT(t.a->n_online, 1);
	sim_run_for(&t.s, 2000); /* the root confirms its paths to them by its own HELLO */
	CHECK(zt_node_is_root(t.root->node));
	/* The root learned both leaves and confirmed a path to each; each leaf has one to the root. */
	CHECK(sim_has_direct_path(t.root, t.a->id.address));
	CHECK(sim_has_direct_path(t.root, t.b->id.address));
	CHECK(sim_has_direct_path(t.a, t.root->id.address));
	struct zt_node_peer_info info;
	REQUIRE(zt_node_peer(t.a->node, t.root->id.address, &info, t.s.now) == 0);
	CHECK_EQ_INT(info.role, ZT_PEER_ROOT);
	CHECK_EQ_INT(info.proto, ZT_NODE_PROTO_VERSION);
	CHECK_EQ_INT(info.minor, ZT_NODE_VERSION_MINOR);
	CHECK(info.latency_ms >= 0);
	/* Leaves know nothing of each other yet. */
	CHECK(zt_node_peer(t.a->node, t.b->id.address, &info, t.s.now) == -ENOENT);
	sim_free(&t.s);
}

/* A root answering a leaf that has just said HELLO (a controller's first config): the root's only path to
 * the leaf is still being confirmed and no root can relay for it, so the packet is held until the leaf
 * answers the root's HELLO, then sent (stock's TX queue); it is not lost until the leaf asks again. */
static void test_root_holds_a_reply_until_the_path_is_confirmed(void)
{
	struct sim_trio t;
	sim_trio_start(&t, 14, false);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	REQUIRE(!sim_has_direct_path(t.root, t.a->id.address)); /* the moment this test is about */
	unsigned before = t.a->n_msgs;
	CHECK_EQ_INT(sim_send(t.root, t.a->id.address, ZT_VERB_USER_MESSAGE, "first", 5, NULL), 1);
	int64_t sent = t.s.now;
	REQUIRE(sim_run_until(&t.s, 5000, got_msgs, &(struct wait_replies){t.a, before + 1}));
	CHECK(t.s.now - sent < 2000); /* one HELLO round trip, not the leaf's next request */
	CHECK_EQ_INT(sim_last_msg(t.a)->verb, ZT_VERB_USER_MESSAGE);
	CHECK(sim_last_msg(t.a)->source == t.root->id.address);
	CHECK(sim_has_direct_path(t.root, t.a->id.address));
	sim_free(&t.s);
}

/* ECHO from a to b: b is found by WHOIS, the first exchange goes through the root, which introduces them;
 * after hole punching the ECHOs go straight, and each is answered. */
static void test_whois_relay_rendezvous_then_direct(void)
{
	struct sim_trio t;
	uint64_t id;
	sim_trio_start(&t, 3, true);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	struct zt_node_counters rc0 = sim_counters(t.root);

	CHECK_EQ_INT(sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, "ping", 4, &id),
	             1); /* queued: WHOIS first */
	struct wait_replies w = {t.a, 1};
	REQUIRE(sim_run_until(&t.s, 5000, got_replies, &w));
	const struct sim_reply *r = sim_last_reply(t.a);
	CHECK(r->source == t.b->id.address);
	CHECK(r->in_re_id == id);
	CHECK_EQ_INT(r->in_re_verb, ZT_VERB_ECHO);
	CHECK_EQ_INT(r->len, 4);
	CHECK(memcmp(r->data, "ping", 4) == 0);
	struct zt_node_counters rc = sim_counters(t.root);
	CHECK(rc.relayed > rc0.relayed);
	CHECK(rc.whois_answered - rc0.whois_answered >= 2); /* a asked for b, then b for a */
	CHECK(rc.rendezvous_sent >= 2);
	/* b learned a's identity through its root too, and each upper layer heard of the other. */
	CHECK_EQ_INT(t.a->n_learned, 1);
	CHECK_EQ_INT(t.b->n_learned, 1);

	/* Let the punching finish, then ECHOs travel directly. */
	sim_run_for(&t.s, 3000);
	CHECK(sim_has_direct_path(t.a, t.b->id.address));
	CHECK(sim_has_direct_path(t.b, t.a->id.address));
	uint64_t relayed = sim_counters(t.root).relayed;
	for (int i = 0; i < 5; i++) {
		REQUIRE(sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, "again", 5, &id) == 0);
		sim_run_for(&t.s, 300);
		r = sim_last_reply(t.a);
		CHECK(r->in_re_id == id);
		CHECK_EQ_INT(r->hops, 0);
	}
	CHECK(sim_counters(t.root).relayed == relayed);
	sim_free(&t.s);
}

/* 20% loss each way and a delay spread that reorders bursts, on several seeds (some lose a RENDEZVOUS,
 * so the root must introduce the pair again). Each ECHO needs two datagrams while direct (64%
 * expected), four while relayed. */
static void run_lossy(uint64_t seed, unsigned *answered, unsigned *direct, bool *path)
{
	struct sim_trio t;
	sim_trio_start(&t, seed, true);
	t.s.loss_permille = 200;
	t.s.delay_min = 5;
	t.s.delay_max = 120;
	*answered = *direct = 0;
	if (!sim_run_until(&t.s, 60000, sim_all_online, NULL)) {
		*path = false;
		sim_free(&t.s);
		return;
	}
	for (int i = 0; i < 40; i++) {
		uint64_t id;
		unsigned before = t.a->n_replies;
		int ret = sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, "lossy", 5, &id);
		CHECK(ret == 0 || ret == 1);
		sim_run_for(&t.s, 1000);
		if (t.a->n_replies > before && sim_last_reply(t.a)->in_re_id == id) {
			(*answered)++;
			*direct += sim_last_reply(t.a)->hops == 0;
		}
	}
	*path = sim_has_direct_path(t.a, t.b->id.address);
	CHECK(sim_counters(t.a).drop_bad_mac == 0);
	sim_free(&t.s);
}

static void test_survives_loss_and_reordering(void)
{
	static const uint64_t seeds[] = {4, 7, 11, 20};
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		unsigned answered, direct;
		bool path;
		run_lossy(seeds[i], &answered, &direct, &path);
		CHECK(path);
		CHECK(answered >= 16);
		CHECK(direct >= 10);
	}
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A first message too big for one datagram, sent before a knows b: queued through WHOIS, fragmented,
 * relayed piece by piece by the root, reassembled and delivered whole; a compressible one shrinks, unless
 * it is a frame. */
static void test_large_messages_fragmented_and_relayed(void)
{
	struct sim_trio t;
	static uint8_t noise[7000], text[9000];
	uint64_t rng = 9;
	sim_trio_start(&t, 5, true);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)splitmix(&rng);
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t) "all work and no play "[i % 21];
	struct zt_node_counters r0 = sim_counters(t.root), a0 = sim_counters(t.a);
	REQUIRE(sim_send(t.a, t.b->id.address, ZT_VERB_USER_MESSAGE, noise, sizeof(noise), NULL) == 1);
	sim_run_for(&t.s, 3000);
	REQUIRE(t.b->n_msgs == 1);
	const struct sim_msg *m = sim_last_msg(t.b);
	CHECK_EQ_INT(m->len, sizeof(noise));
	CHECK(m->hops == 1);
	CHECK(m->source == t.a->id.address);
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < sizeof(noise); i++)
		h = (h ^ noise[i]) * 16777619u;
	CHECK(m->sum == h);
	CHECK(sim_counters(t.root).relayed - r0.relayed >= 5); /* 7000 bytes: five pieces at least */
	struct zt_node_counters a1 = sim_counters(t.a);
	REQUIRE(sim_send(t.a, t.b->id.address, ZT_VERB_USER_MESSAGE, text, sizeof(text), NULL) == 0);
	sim_run_for(&t.s, 500);
	REQUIRE(t.b->n_msgs == 2);
	CHECK_EQ_INT(sim_last_msg(t.b)->len, sizeof(text));
	CHECK(memcmp(sim_last_msg(t.b)->data, text, sizeof(sim_last_msg(t.b)->data)) == 0);
	CHECK(sim_counters(t.a).tx_datagrams - a1.tx_datagrams <= 2); /* LZ4 made it fit (nearly) one */
	/* A unicast frame goes uncompressed, as stock nodes send theirs: seven pieces at least. */
	a1 = sim_counters(t.a);
	REQUIRE(sim_send(t.a, t.b->id.address, ZT_VERB_FRAME, text, sizeof(text), NULL) == 0);
	sim_run_for(&t.s, 500);
	REQUIRE(t.b->n_msgs == 3);
	CHECK_EQ_INT(sim_last_msg(t.b)->len, sizeof(text));
	CHECK(sim_counters(t.a).tx_datagrams - a1.tx_datagrams >= 7);
	(void)a0;
	sim_free(&t.s);
}

/* What a node sent: packet heads by cipher suite (fragments after the head carry no flags), and the
 * suite of its last datagram to `watch`. */
struct suites {
	struct zt_inetaddr from, watch;
	unsigned by_cipher[8];
	int last_to_watch;
};

static bool count_suites(struct sim *s, struct sim_dgram *d, void *arg)
{
	struct suites *c = arg;
	(void)s;
	if (!zt_inetaddr_equal(&d->from, &c->from) || d->len < ZT_PACKET_MIN_LEN || d->data[13] == 0xff)
		return true;
	int cipher = (d->data[ZT_PACKET_IDX_FLAGS] & ZT_FLAG_CIPHER) >> 3;
	c->by_cipher[cipher]++;
	if (zt_inetaddr_equal(&d->to, &c->watch))
		c->last_to_watch = cipher;
	return true;
}

/* Two of our nodes announce protocol 12 to each other, so everything but HELLO goes AES-GMAC-SIV both
 * ways, fragmented or not, and replies still find the requests they answer (cipher 3 changes the ID). */
static void test_our_nodes_talk_cipher3(void)
{
	struct sim_trio t;
	static uint8_t big[5000];
	uint64_t id, rng = 3;
	sim_trio_start(&t, 21, false);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	(void)sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, NULL, 0, NULL);
	sim_run_for(&t.s, 3000);
	REQUIRE(sim_has_direct_path(t.a, t.b->id.address));
	struct suites c = {.from = t.a->addr, .watch = t.b->addr};
	t.s.tap = count_suites;
	t.s.tap_arg = &c;
	struct zt_node_counters a0 = sim_counters(t.a), b0 = sim_counters(t.b);
	for (int i = 0; i < 5; i++) {
		REQUIRE(sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, "aes?", 4, &id) == 0);
		sim_run_for(&t.s, 200);
		CHECK(sim_last_reply(t.a)->in_re_id == id);
	}
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)splitmix(&rng);
	unsigned msgs = t.b->n_msgs;
	REQUIRE(sim_send(t.a, t.b->id.address, ZT_VERB_USER_MESSAGE, big, sizeof(big), NULL) == 0);
	sim_run_for(&t.s, 200);
	REQUIRE(t.b->n_msgs == msgs + 1);
	CHECK_EQ_INT(sim_last_msg(t.b)->len, sizeof(big));
	CHECK(memcmp(sim_last_msg(t.b)->data, big, sizeof(sim_last_msg(t.b)->data)) == 0);
	CHECK(c.by_cipher[3] >= 6);
	CHECK_EQ_INT(c.by_cipher[1], 0);
	struct zt_node_counters a1 = sim_counters(t.a), b1 = sim_counters(t.b);
	CHECK(a1.tx_aes - a0.tx_aes >= 6);
	CHECK(b1.rx_aes - b0.rx_aes >= 6);
	CHECK(a1.rx_aes - a0.rx_aes >= 5); /* b's OKs */
	CHECK_EQ_INT(b1.drop_bad_mac, 0);
	sim_free(&t.s);
}

/* A peer that announced protocol 11 (the public roots, old nodes) gets cipher 1; one that announced 12
 * gets cipher 3 - decided per peer by its HELLO, as stock does. */
static void test_cipher_follows_announced_protocol(void)
{
	struct sim_trio t;
	struct zt_identity c_id;
	uint8_t pl[256], pkt[512];
	sim_trio_start(&t, 22, false);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	struct zt_inetaddr stranger = sim_addr("10.7.0.9", 9993);
	struct suites c = {.from = t.a->addr, .watch = stranger, .last_to_watch = -1};
	t.s.tap = count_suites;
	t.s.tap_arg = &c;
	for (unsigned proto = 11; proto <= 12; proto++) {
		sim_identity(&c_id, proto == 11 ? 5 : 6);
		size_t n = sim_hello_payload(pl, sizeof(pl), &c_id, t.s.now);
		pl[0] = (uint8_t)proto;
		size_t len = sim_craft(pkt, sizeof(pkt), &c_id, &t.a->id, 0, ZT_VERB_HELLO, pl, n, 0, NULL);
		sim_inject(&t.s, &stranger, &t.a->addr, pkt, len);
		CHECK_EQ_INT(c.last_to_watch, 1); /* OK(HELLO) to a peer new to us: cipher 1, as stock */
		c.last_to_watch = -1;
		len = sim_craft(pkt, sizeof(pkt), &c_id, &t.a->id, 0, ZT_VERB_ECHO, "hi", 2, 0, NULL);
		sim_inject(&t.s, &stranger, &t.a->addr, pkt, len);
		CHECK_EQ_INT(c.last_to_watch, proto == 11 ? 1 : 3);
	}
	sim_free(&t.s);
}

/* Nodes on 127.0.0.x connect directly by default; with loopback refused they still talk, via the root. */
static void run_loopback(bool refuse, bool *direct, unsigned *answered)
{
	struct sim s;
	struct sim_node_opts leaf = {.no_loopback = refuse};
	sim_init(&s, 6);
	struct sim_node *root = sim_add(&s, 0, "10.0.0.1", 9993, NULL);
	struct sim_node *a = sim_add(&s, 1, "127.0.0.2", 9993, &leaf);
	struct sim_node *b = sim_add(&s, 2, "127.0.0.3", 9993, &leaf);
	sim_planet(&s, &root, 1);
	if (sim_start(&s) != 0 || !sim_run_until(&s, 10000, sim_all_online, NULL))
		abort();
	*answered = 0;
	for (int i = 0; i < 5; i++) {
		unsigned before = a->n_replies;
		(void)sim_send(a, b->id.address, ZT_VERB_ECHO, NULL, 0, NULL);
		sim_run_for(&s, 2000);
		*answered += a->n_replies > before;
	}
	*direct = sim_has_direct_path(a, b->id.address) || sim_has_direct_path(b, a->id.address);
	sim_free(&s);
}

static void test_loopback_paths_only_when_allowed(void)
{
	bool direct;
	unsigned answered;
	run_loopback(false, &direct, &answered);
	CHECK(direct);
	CHECK_EQ_INT(answered, 5);
	run_loopback(true, &direct, &answered);
	CHECK(!direct);
	CHECK_EQ_INT(answered, 5);
}

static const struct zt_test tests[] = {
    ZT_TEST(test_config_and_callbacks_checked),
    ZT_TEST(test_leaves_come_online_through_the_root),
    ZT_TEST(test_root_holds_a_reply_until_the_path_is_confirmed),
    ZT_TEST(test_whois_relay_rendezvous_then_direct),
    ZT_TEST(test_survives_loss_and_reordering),
    ZT_TEST(test_large_messages_fragmented_and_relayed),
    ZT_TEST(test_loopback_paths_only_when_allowed),
    ZT_TEST(test_our_nodes_talk_cipher3),
    ZT_TEST(test_cipher_follows_announced_protocol),
};

/* libsodium and OpenSSL set themselves up on first use: not a leak of any test's. */
static void warmup(void)
{
	zt_test_warm_crypto();
}

int main(int argc, char **argv)
{
	return zt_test_main("node", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}
