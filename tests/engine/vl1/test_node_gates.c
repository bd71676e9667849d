/* What the node limits and where stock does less: WHOIS answered by a root at a bounded rate per peer (stock
 * roots answer every one), and packets claiming to come from the node itself dropped whether they arrive
 * whole or in fragments (checked on the head before reassembly, and again on the reassembled packet). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "warmup.h"
#include "sim.h"
#include "vl1/fragment.h"
#include "vl1/packet.h"

static void trio_setup(struct sim_trio *t, uint64_t seed)
{
	sim_trio_start(t, seed, false);
	if (!sim_run_until(&t->s, 10000, sim_all_online, NULL))
		abort();
}

/* a asks the root about b, `count` times within the same millisecond; returns how many were answered. */
static uint64_t whois_burst(struct sim_trio *t, unsigned count)
{
	uint8_t pl[ZT_ADDRESS_LEN], pkt[256];
	for (int i = 0; i < ZT_ADDRESS_LEN; i++)
		pl[i] = (uint8_t)(t->b->id.address >> (8 * (ZT_ADDRESS_LEN - 1 - i)));
	uint64_t before = sim_counters(t->root).whois_answered;
	for (unsigned i = 0; i < count; i++) {
		size_t n = sim_craft(pkt, sizeof(pkt), &t->a->id, &t->root->id, 0, ZT_VERB_WHOIS, pl, sizeof(pl), 0,
		                     NULL);
		sim_inject(&t->s, &t->a->addr, &t->root->addr, pkt, n);
	}
	return sim_counters(t->root).whois_answered - before;
}

/* A root answers a burst of WHOIS from one peer up to its allowance, then about one per 50 ms; another
 * peer is not held back by the first one's flood. */
static void test_root_whois_rate_limited(void)
{
	struct sim_trio t;
	trio_setup(&t, 21);
	struct zt_node_counters c0 = sim_counters(t.root);
	uint64_t answered = whois_burst(&t, 200);
	CHECK(answered >= 16 && answered <= 40);
	CHECK(sim_counters(t.root).drop_rate_limited - c0.drop_rate_limited >= 160);
	/* a second later: about 20 more */
	sim_run_for(&t.s, 1000);
	answered = whois_burst(&t, 200);
	CHECK(answered >= 10 && answered <= 40);
	/* b, meanwhile, is answered at once */
	uint8_t pl[ZT_ADDRESS_LEN], pkt[256];
	for (int i = 0; i < ZT_ADDRESS_LEN; i++)
		pl[i] = (uint8_t)(t.a->id.address >> (8 * (ZT_ADDRESS_LEN - 1 - i)));
	uint64_t before = sim_counters(t.root).whois_answered;
	size_t n = sim_craft(pkt, sizeof(pkt), &t.b->id, &t.root->id, 0, ZT_VERB_WHOIS, pl, sizeof(pl), 0, NULL);
	sim_inject(&t.s, &t.b->addr, &t.root->addr, pkt, n);
	CHECK_EQ_INT(sim_counters(t.root).whois_answered - before, 1);
	sim_free(&t.s);
}

/* What a sends b, held back from b. */
struct held {
	struct zt_inetaddr from, to;
	uint8_t data[4][ZT_DEFAULT_MTU];
	size_t len[4];
	unsigned n;
};

static bool hold(struct sim *s, struct sim_dgram *d, void *arg)
{
	struct held *h = arg;
	(void)s;
	if (!zt_inetaddr_equal(&d->from, &h->from) || !zt_inetaddr_equal(&d->to, &h->to))
		return true;
	if (h->n < 4 && d->len <= sizeof(h->data[0])) {
		memcpy(h->data[h->n], d->data, d->len);
		h->len[h->n] = d->len;
	}
	h->n++;
	return false;
}

static void inject(struct sim_trio *t, const uint8_t *d, size_t len)
{
	sim_inject(&t->s, &t->a->addr, &t->b->addr, d, len);
}

/* A packet to b that names b as its source: dropped whole, and dropped in fragments in either order, without
 * asking anyone who "we" are. The control: the same fragments with a's own source are delivered. */
static void test_from_self_dropped_whole_and_fragmented(void)
{
	struct sim_trio t;
	struct held h = {0};
	uint8_t msg[2500], pkt[ZT_DEFAULT_MTU];
	uint64_t rng = 5;
	trio_setup(&t, 22);
	(void)sim_send(t.a, t.b->id.address, ZT_VERB_ECHO, NULL, 0, NULL); /* direct path, keys */
	sim_run_for(&t.s, 4000);
	REQUIRE(sim_has_direct_path(t.a, t.b->id.address));
	zt_test_random(&rng, msg, sizeof(msg)); /* incompressible: it goes in fragments */
	h.from = t.a->addr;
	h.to = t.b->addr;
	t.s.tap = hold;
	t.s.tap_arg = &h;
	unsigned msgs = t.b->n_msgs;
	REQUIRE(sim_send(t.a, t.b->id.address, ZT_VERB_USER_MESSAGE, msg, sizeof(msg), NULL) == 0);
	sim_run_for(&t.s, 10);
	t.s.tap = NULL;
	REQUIRE(h.n >= 2 && h.n <= 4);
	unsigned head = 0;
	while (head < h.n && zt_datagram_is_fragment(h.data[head], h.len[head]))
		head++;
	REQUIRE(head < h.n);

	struct zt_node_counters c0 = sim_counters(t.b);
	/* the head claiming b as its source, first alone, then after its fragments */
	memcpy(pkt, h.data[head], h.len[head]);
	for (int i = 0; i < ZT_ADDRESS_LEN; i++)
		pkt[ZT_PACKET_IDX_SRC + i] = (uint8_t)(t.b->id.address >> (8 * (ZT_ADDRESS_LEN - 1 - i)));
	inject(&t, pkt, h.len[head]);
	for (unsigned i = 0; i < h.n; i++)
		if (i != head)
			inject(&t, h.data[i], h.len[i]);
	inject(&t, pkt, h.len[head]);
	/* whole: the head alone, unfragmented */
	pkt[ZT_PACKET_IDX_FLAGS] &= (uint8_t)~ZT_FLAG_FRAGMENTED;
	inject(&t, pkt, h.len[head]);
	sim_run_for(&t.s, 10);
	struct zt_node_counters c1 = sim_counters(t.b);
	CHECK_EQ_INT(c1.drop_malformed - c0.drop_malformed, 3);
	CHECK_EQ_INT(c1.whois_sent, c0.whois_sent);
	CHECK_EQ_INT(t.b->n_msgs, msgs);

	/* the real head completes what its fragments began */
	inject(&t, h.data[head], h.len[head]);
	sim_run_for(&t.s, 10);
	CHECK_EQ_INT(t.b->n_msgs, msgs + 1);
	sim_free(&t.s);
}

static const struct zt_test tests[] = {
    ZT_TEST(test_root_whois_rate_limited),
    ZT_TEST(test_from_self_dropped_whole_and_fragmented),
};

static void warmup(void)
{
	zt_test_warm_crypto();
}

int main(int argc, char **argv)
{
	return zt_test_main("node_gates", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}
