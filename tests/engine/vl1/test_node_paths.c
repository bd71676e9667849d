/* The VL1 node on a simulated wire (sim.h): paths after discovery. A dead path falls back to the root, a
 * peer back on a new port, the freshest path preferred, a restarted root reaching the peers its cache
 * remembers, going offline and back, planet updates from a
 * root, the peer table bounded by its cache, PUSH_DIRECT_PATHS, IPv6, and roots forwarding to each other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "warmup.h"
#include "sim.h"
#include "vl1/packet.h"

static bool drop_a_b(struct sim *s, struct sim_dgram *d, void *arg)
{
	struct sim_trio *t = arg;
	(void)s;
	bool ab = zt_inetaddr_equal(&d->from, &t->a->addr) && zt_inetaddr_equal(&d->to, &t->b->addr);
	bool ba = zt_inetaddr_equal(&d->from, &t->b->addr) && zt_inetaddr_equal(&d->to, &t->a->addr);
	return !ab && !ba;
}

/* A direct path that goes dead is dropped and traffic goes back through the root, still answered. */
static void test_dead_path_falls_back_to_relay(void)
{
	struct sim_trio t;
	sim_trio_start(&t, 7, false);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	REQUIRE(sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, NULL, 0, NULL) == 1);
	sim_run_for(&t.s, 4000);
	REQUIRE(sim_has_direct_path(t.a, t.b->id.address));
	t.s.tap = drop_a_b;
	t.s.tap_arg = &t;
	/* a keeps the peer active; its heartbeats go unanswered. */
	for (int i = 0; i < 8; i++) {
		(void)sim_send(t.a, t.b->id.address, ZT_VERB_USER_MESSAGE, "x", 1, NULL);
		sim_run_for(&t.s, 10000);
	}
	CHECK(!sim_has_direct_path(t.a, t.b->id.address));
	uint64_t id;
	REQUIRE(sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, "still there?", 12, &id) == 0);
	sim_run_for(&t.s, 500);
	const struct sim_reply *r = sim_last_reply(t.a);
	REQUIRE(r != NULL);
	CHECK(r->in_re_id == id);
	CHECK(r->hops > 0);
	sim_free(&t.s);
}

/* b restarts on another port (the old one now silent) while a keeps sending to it: within 10 s a's
 * messages are answered again, and then over a direct path to b's new port. Stock would keep sending
 * to the old port until the path expired (243 s). */
static void test_peer_back_on_new_port(void)
{
	struct sim_trio t;
	sim_trio_start(&t, 12, false);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	REQUIRE(sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, NULL, 0, NULL) == 1);
	sim_run_for(&t.s, 3000);
	REQUIRE(sim_has_direct_path(t.a, t.b->id.address));
	sim_stop_node(t.b);
	t.b->addr.port = 40001;
	REQUIRE(sim_start_node(&t.s, t.b) == 0);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	int64_t back = t.s.now, answered = -1;
	while (t.s.now - back < 30000 && answered < 0) {
		uint64_t id;
		(void)sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, "here?", 5, &id);
		sim_run_for(&t.s, 500);
		const struct sim_reply *r = sim_last_reply(t.a);
		if (r && r->in_re_id == id)
			answered = t.s.now - back;
	}
	CHECK(answered >= 0 && answered <= 10000);
	sim_run_for(&t.s, 3000);
	struct zt_node_peer_info info;
	REQUIRE(zt_node_peer(t.a->node, t.b->id.address, &info, t.s.now) == 0);
	bool direct_to_new = false;
	for (unsigned i = 0; i < info.n_paths; i++)
		direct_to_new |= info.paths[i].preferred && info.paths[i].confirmed &&
		                 zt_inetaddr_equal(&info.paths[i].addr, &t.b->addr);
	CHECK(direct_to_new);
	sim_free(&t.s);
}

/* b comes back on another port and speaks first: a prefers the path it just heard and confirmed over
 * the old one, which still counts as alive for a while. */
static void test_fresh_path_preferred(void)
{
	struct sim_trio t;
	struct zt_node_peer_info info;
	sim_trio_start(&t, 13, false);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	REQUIRE(sim_send(t.b, t.a->id.address, ZT_VERB_ECHO, NULL, 0, NULL) == 1);
	sim_run_for(&t.s, 3000);
	REQUIRE(sim_has_direct_path(t.a, t.b->id.address));
	sim_stop_node(t.b);
	t.b->addr.port = 40002;
	/* The old path measured faster than the new one will: latency alone would keep it. */
	t.s.delay_min = t.s.delay_max = 30;
	REQUIRE(sim_start_node(&t.s, t.b) == 0);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	int64_t back = t.s.now;
	(void)sim_send(t.b, t.a->id.address, ZT_VERB_ECHO, "new", 3, NULL);
	sim_run_for(&t.s, 2000);
	uint64_t id;
	REQUIRE(sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, "direct?", 7, &id) == 0);
	sim_run_for(&t.s, 300);
	const struct sim_reply *r = sim_last_reply(t.a);
	REQUIRE(r != NULL);
	CHECK(r->in_re_id == id);
	CHECK_EQ_INT(r->hops, 0);
	CHECK(t.s.now - back < 5000);
	REQUIRE(zt_node_peer(t.a->node, t.b->id.address, &info, t.s.now) == 0);
	bool fresh = false;
	for (unsigned i = 0; i < info.n_paths; i++)
		fresh |= info.paths[i].preferred && zt_inetaddr_equal(&info.paths[i].addr, &t.b->addr);
	CHECK(fresh);
	sim_free(&t.s);
}

struct want_msgs {
	struct sim_node *sn;
	unsigned n;
};

static bool got_msgs(struct sim *s, void *arg)
{
	(void)s;
	struct want_msgs *w = arg;
	return w->sn->n_msgs >= w->n;
}

/* Our controller is also the root: restarted, it finds a member in its peer cache with the address it
 * last saw, unconfirmed. The member asks something (a config request): the root has no confirmed path to
 * answer on and no root to relay through, so it holds the answer, tries that address with a HELLO (as
 * stock tries a memorized path) and sends the answer one round trip later. Before, the answer was held
 * until it expired: a change made after the restart never reached a running member. */
static void test_restarted_root_answers_cached_peer(void)
{
	struct sim_trio t;
	sim_trio_start(&t, 14, false);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	sim_run_for(&t.s, 3000);
	REQUIRE(sim_has_direct_path(t.root, t.a->id.address));
	sim_stop_node(t.root);
	REQUIRE(sim_start_node(&t.s, t.root) == 0);
	sim_run_for(&t.s, 100);
	unsigned asked = t.root->n_msgs, answered = t.a->n_msgs;
	REQUIRE(sim_send(t.a, t.root->id.address, ZT_VERB_USER_MESSAGE, "config?", 7, NULL) == 0);
	REQUIRE(sim_run_until(&t.s, 2000, got_msgs, &(struct want_msgs){t.root, asked + 1}));
	CHECK_EQ_INT(sim_send(t.root, t.a->id.address, ZT_VERB_USER_MESSAGE, "config", 6, NULL), 1); /* held */
	int64_t sent = t.s.now;
	CHECK(sim_run_until(&t.s, 20000, got_msgs, &(struct want_msgs){t.a, answered + 1}));
	CHECK(t.s.now - sent < 2000); /* one HELLO round trip */
	CHECK(sim_has_direct_path(t.root, t.a->id.address));
	sim_free(&t.s);
}

/* The restarted root sends first (a controller's push): the same, without the member speaking first. */
static void test_restarted_root_reaches_cached_peer(void)
{
	struct sim_trio t;
	sim_trio_start(&t, 15, false);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	sim_run_for(&t.s, 3000);
	REQUIRE(sim_has_direct_path(t.root, t.a->id.address));
	sim_stop_node(t.root);
	REQUIRE(sim_start_node(&t.s, t.root) == 0);
	sim_run_for(&t.s, 100);
	unsigned before = t.a->n_msgs;
	CHECK_EQ_INT(sim_send(t.root, t.a->id.address, ZT_VERB_USER_MESSAGE, "push", 4, NULL), 1); /* held */
	int64_t sent = t.s.now;
	CHECK(sim_run_until(&t.s, 20000, got_msgs, &(struct want_msgs){t.a, before + 1}));
	CHECK(t.s.now - sent < 2000);
	CHECK(sim_has_direct_path(t.root, t.a->id.address));
	sim_free(&t.s);
}

/* The root goes away: after ZT_NODE_ONLINE_MS the leaves say offline; it comes back: online again. */
static void test_offline_and_back(void)
{
	struct sim_trio t;
	sim_trio_start(&t, 8, false);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	t.root->down = true;
	sim_run_for(&t.s, ZT_NODE_ONLINE_MS - 20000);
	CHECK(zt_node_online(t.a->node));
	sim_run_for(&t.s, 25000);
	CHECK(!zt_node_online(t.a->node));
	CHECK_EQ_INT(t.a->n_offline, 1);
	uint64_t tx = t.a->tx;
	sim_run_for(&t.s, 60000);
	CHECK(t.a->tx - tx <= 8); /* backed off to one HELLO per 15 s */
	t.root->down = false;
	REQUIRE(sim_run_until(&t.s, 20000, sim_all_online, NULL));
	CHECK_EQ_INT(t.a->n_online, 2);
	sim_free(&t.s);
}

/* A root with a newer revision of the planet hands it out in OK(HELLO); leaves check its signature
 * against the key their revision names, adopt it and store it. A badly signed one is refused. */
static void run_planet_update(bool good_signature, unsigned *adopted, int *stored)
{
	struct sim s;
	struct zt_identity signer;
	sim_init(&s, 9);
	struct sim_node *root = sim_add(&s, 0, "10.0.0.1", 9993, NULL);
	struct sim_node *a = sim_add(&s, 1, "10.1.0.2", 9993, NULL);
	sim_planet(&s, &root, 1);
	struct zt_world newer = s.planet;
	newer.ts = 2000;
	sim_identity(&signer, 11);
	if (zt_world_sign(&newer, signer.priv) != 0)
		abort();
	zt_identity_wipe(&signer);
	if (!good_signature)
		newer.sig[5] ^= 1;
	root->opts.planet = &newer;
	if (sim_start(&s) != 0)
		abort();
	sim_run_for(&s, 5000);
	*adopted = a->n_planet;
	*stored = -1;
	for (unsigned i = 0; i < a->n_objs; i++)
		if (a->objs[i].type == ZT_STATE_PLANET)
			*stored = a->objs[i].len;
	sim_free(&s);
}

static void test_planet_update_from_root(void)
{
	unsigned adopted;
	int stored;
	run_planet_update(true, &adopted, &stored);
	CHECK_EQ_INT(adopted, 1);
	CHECK(stored > 0);
	run_planet_update(false, &adopted, &stored);
	CHECK_EQ_INT(adopted, 0);
	CHECK_EQ_INT(stored, -1);
}

/* Nine leaves and a root that keeps at most eight peers: the rest live in its peer cache and come back
 * from it without another memory-hard check - each leaf is hashed exactly once. */
static void test_peer_table_bounded_by_cache(void)
{
	struct sim s;
	struct sim_node_opts small = {.max_peers = 8, .gate_ms = -1};
	char ip[32];
	sim_init(&s, 10);
	struct sim_node *root = sim_add(&s, 0, "10.0.0.1", 9993, &small);
	for (unsigned i = 0; i < 9; i++) {
		snprintf(ip, sizeof(ip), "10.%u.0.2", i + 1);
		(void)sim_add(&s, i + 1, ip, 9993, NULL);
	}
	sim_planet(&s, &root, 1);
	REQUIRE(sim_start(&s) == 0);
	size_t mem_max = 0;
	for (int minute = 0; minute < 10; minute++) {
		sim_run_for(&s, 60000);
		size_t m = zt_node_memory(root->node);
		mem_max = m > mem_max ? m : mem_max;
		CHECK(zt_node_peers(root->node, NULL, 0, s.now) <= 8);
	}
	CHECK(sim_all_online(&s, NULL));
	CHECK_EQ_INT(sim_counters(root).identity_checks, 9);
	unsigned cached = 0;
	for (unsigned i = 0; i < root->n_objs; i++)
		cached += root->objs[i].type == ZT_STATE_PEER;
	CHECK_EQ_INT(cached, 9);
	CHECK(mem_max < zt_node_memory(root->node) + 8 * 2048 + 4096);
	sim_free(&s);
}

/* PUSH_DIRECT_PATHS: the pushed addresses are probed (not the ones marked "forget"), at most 8 pushes per
 * 30 s are read; zt_node_push_paths sends the configured local addresses. */
static void test_push_direct_paths(void)
{
	struct sim_trio t;
	struct zt_inetaddr lan = sim_addr("192.168.7.7", 9993);
	sim_trio_start(&t, 11, false);
	t.a->opts.local = &lan;
	t.a->opts.n_local = 1;
	sim_stop_node(t.a);
	REQUIRE(sim_start_node(&t.s, t.a) == 0);
	REQUIRE(sim_run_until(&t.s, 10000, sim_all_online, NULL));
	REQUIRE(zt_node_whois(t.b->node, t.a->id.address, t.s.now) == 1);
	sim_run_for(&t.s, 1000);
	REQUIRE(zt_node_push_paths(t.a->node, t.b->id.address, t.s.now) == 1); /* a must look b up first */
	sim_run_for(&t.s, 200);
	struct zt_node_peer_info info;
	REQUIRE(zt_node_peer(t.b->node, t.a->id.address, &info, t.s.now) == 0);
	bool probing = false;
	for (unsigned i = 0; i < info.n_paths; i++)
		probing |= zt_inetaddr_equal(&info.paths[i].addr, &lan) && !info.paths[i].confirmed;
	CHECK(probing);
	struct zt_node_counters c0 = sim_counters(t.b);
	for (int i = 0; i < 10; i++)
		REQUIRE(zt_node_push_paths(t.a->node, t.b->id.address, t.s.now) == 0);
	sim_run_for(&t.s, 200);
	CHECK_EQ_INT(sim_counters(t.b).drop_rate_limited - c0.drop_rate_limited,
	             3); /* 11 in the window, 8 read */
	sim_free(&t.s);
}

/* The same discovery over IPv6 (addresses in fd00::/8), firewalls and all. */
static void test_ipv6_discovery(void)
{
	struct sim s;
	struct sim_node_opts leaf = {.firewall = true};
	sim_init(&s, 12);
	struct sim_node *root = sim_add(&s, 0, "fd00::1", 9993, NULL);
	struct sim_node *a = sim_add(&s, 1, "fd00:a::2", 9993, &leaf);
	struct sim_node *b = sim_add(&s, 2, "fd00:b::3", 9993, &leaf);
	sim_planet(&s, &root, 1);
	REQUIRE(sim_start(&s) == 0);
	REQUIRE(sim_run_until(&s, 10000, sim_all_online, NULL));
	REQUIRE(sim_send(a, b->id.address, ZT_VERB_ECHO, NULL, 0, NULL) == 1);
	sim_run_for(&s, 4000);
	CHECK(sim_has_direct_path(a, b->id.address));
	uint64_t id;
	REQUIRE(sim_send(a, b->id.address, ZT_VERB_ECHO, NULL, 0, &id) == 0);
	sim_run_for(&s, 100);
	REQUIRE(sim_last_reply(a) != NULL);
	CHECK(sim_last_reply(a)->in_re_id == id);
	CHECK_EQ_INT(sim_last_reply(a)->hops, 0);
	sim_free(&s);
}

struct two_roots {
	struct sim_node *r1, *r2, *a, *b;
};

static bool involves(const struct sim_dgram *d, const struct sim_node *sn)
{
	return zt_inetaddr_equal(&d->from, &sn->addr) || zt_inetaddr_equal(&d->to, &sn->addr);
}

/* a cannot reach the second root, b the first, nor the leaves each other. */
static bool split_roots(struct sim *s, struct sim_dgram *d, void *arg)
{
	struct two_roots *t = arg;
	(void)s;
	return !((involves(d, t->a) && involves(d, t->r2)) || (involves(d, t->b) && involves(d, t->r1)) ||
	         (involves(d, t->a) && involves(d, t->b)));
}

/* Two roots, each leaf reaching only one of them: a packet for a peer a root has no path to goes on
 * to the other root, which delivers it. */
static void test_roots_forward_to_each_other(void)
{
	struct sim s;
	struct two_roots t;
	sim_init(&s, 13);
	struct sim_node *r1 = t.r1 = sim_add(&s, 0, "10.0.0.1", 9993, NULL);
	t.r2 = sim_add(&s, 3, "10.0.0.2", 9993, NULL);
	t.a = sim_add(&s, 1, "10.1.0.2", 9993, NULL);
	t.b = sim_add(&s, 2, "10.2.0.3", 9993, NULL);
	struct sim_node *roots[2] = {r1, t.r2};
	sim_planet(&s, roots, 2);
	s.tap = split_roots;
	s.tap_arg = &t;
	REQUIRE(sim_start(&s) == 0);
	REQUIRE(sim_run_until(&s, 20000, sim_all_online, NULL));
	sim_run_for(&s, 5000);
	CHECK(sim_has_direct_path(r1, t.a->id.address));
	CHECK(!sim_has_direct_path(t.r2, t.a->id.address));
	CHECK(sim_has_direct_path(r1, t.r2->id.address)); /* roots greet each other too */
	uint64_t before = sim_counters(r1).relayed + sim_counters(t.r2).relayed;
	unsigned got = 0;
	for (int i = 0; i < 3; i++) {
		unsigned n = t.a->n_replies;
		(void)sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, NULL, 0, NULL);
		sim_run_for(&s, 2000);
		got += t.a->n_replies > n;
	}
	CHECK(got >= 2);
	CHECK(sim_last_reply(t.a) && sim_last_reply(t.a)->hops >= 2);
	CHECK(sim_counters(r1).relayed + sim_counters(t.r2).relayed - before >= 4);
	sim_free(&s);
}

static const struct zt_test tests[] = {
    ZT_TEST(test_dead_path_falls_back_to_relay),
    ZT_TEST(test_peer_back_on_new_port),
    ZT_TEST(test_fresh_path_preferred),
    ZT_TEST(test_restarted_root_answers_cached_peer),
    ZT_TEST(test_restarted_root_reaches_cached_peer),
    ZT_TEST(test_offline_and_back),
    ZT_TEST(test_planet_update_from_root),
    ZT_TEST(test_peer_table_bounded_by_cache),
    ZT_TEST(test_push_direct_paths),
    ZT_TEST(test_ipv6_discovery),
    ZT_TEST(test_roots_forward_to_each_other),
};

/* libsodium and OpenSSL set themselves up on first use: not a leak of any test's. */
static void warmup(void)
{
	zt_test_warm_crypto();
}

int main(int argc, char **argv)
{
	return zt_test_main("node_paths", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}
