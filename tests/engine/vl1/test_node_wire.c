/* The node's own packets byte for byte against the spec's vectors, and a stock node's reply accepted:
 * §8.6 is the HELLO a stock 1.14 node must accept from us, §8.8 the OK(HELLO) a 1.14 node sends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl1/node.h"
#include "vl1/packet.h"

#define EARTH_TS 1644592324813ULL
#define T0       0x0000019000000000LL /* §8.6's timestamp */

static const char hello_wire[] = "0123456789abcde82e7ed86a478e4df28b7200273379b262f05e1b010b010e00"
                                 "0100000190000000008e4df28b7200ac3d46abe0c21f3cfe7a6c8d6a85cfcffc"
                                 "b82fbd55af6a4d6350657c68200843fa2e16f9418bbd9702cae365f2af5fb4c4"
                                 "20908b803a681d4daef6114d78a2d700040a00000227090000000008eac90a00"
                                 "00017ee95760cd8f86";
static const char ok_hello_wire_114[] = "fedcba98765432108e4df28b722e7ed86a47881af333c03ae40df301ac3d1eb8"
                                        "dc58738bc56052d04dd73e54a32e37074f7f7a9c2186deb63d5803";
static const char ok_hello_plain_114[] = "fedcba98765432108e4df28b722e7ed86a470000000000000000000301012345"
                                         "6789abcde800000190000000000c010e0001040a0000019c400000";

/* A host that records what the node sends and feeds it scripted "random" bytes. */
struct host {
	uint8_t script[16];
	size_t script_len, script_off;
	uint64_t fallback;
	unsigned n_sent, n_online, n_collision;
	uint8_t sent[4][1500];
	size_t sent_len[4];
	struct zt_inetaddr sent_to[4];
};

static int host_send(void *arg, zt_sock_id sock, const struct zt_inetaddr *to, const void *data, size_t len,
                     unsigned ttl)
{
	struct host *h = arg;
	(void)sock;
	(void)ttl;
	if (h->n_sent < 4 && len <= sizeof(h->sent[0])) {
		memcpy(h->sent[h->n_sent], data, len);
		h->sent_len[h->n_sent] = len;
		h->sent_to[h->n_sent] = *to;
	}
	h->n_sent++;
	return 0;
}

static void host_random(void *arg, void *buf, size_t len)
{
	struct host *h = arg;
	uint8_t *b = buf;
	for (size_t i = 0; i < len; i++) {
		if (h->script_off < h->script_len)
			b[i] = h->script[h->script_off++];
		else
			zt_test_random(&h->fallback, b + i, 1);
	}
}

static void host_event(void *arg, enum zt_node_event ev, const void *data)
{
	struct host *h = arg;
	(void)data;
	h->n_online += ev == ZT_NODE_EVENT_ONLINE;
	h->n_collision += ev == ZT_NODE_EVENT_IDENTITY_COLLISION;
}

static const struct zt_node_callbacks host_cb = {
    .version = ZT_NODE_CALLBACKS_VERSION,
    .wire_send = host_send,
    .random = host_random,
    .event = host_event,
};

static struct zt_inetaddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	return (struct zt_inetaddr){.family = ZT_INET_V4, .ip = {a, b, c, d}, .port = port};
}

/* Earth's ID and revision (what §8.6 announces), with the given root or none. */
static void planet_like_earth(struct zt_world *w, const struct zt_identity *root, struct zt_inetaddr at)
{
	memset(w, 0, sizeof(*w));
	w->type = ZT_WORLD_TYPE_PLANET;
	w->id = 149604618;
	w->ts = EARTH_TS;
	if (root) {
		w->n_roots = 1;
		w->roots[0].id = *root;
		memset(w->roots[0].id.priv, 0, sizeof(w->roots[0].id.priv));
		w->roots[0].id.has_priv = false;
		w->roots[0].n_endpoints = 1;
		w->roots[0].endpoints[0] = at;
	}
}

static void load(struct zt_identity *id, const char *text)
{
	if (zt_identity_from_text(id, text, strlen(text)) != 0)
		abort();
}

/* A (a leaf whose root is B at 10.0.0.2/9993) greets its root at start-up: exactly §8.6's bytes but for
 * the protocol version (and so the MAC). Then
 * B's OK(HELLO) as a stock 1.14 node sends it (§8.8: protocol 12, flags 0x88) is taken: versions
 * recorded, path confirmed, online. */
static void test_hello_is_the_spec_vector_and_stock_ok_accepted(void)
{
	struct host h = {.script = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xe8}, .script_len = 8};
	struct zt_identity a, b;
	struct zt_world planet;
	struct zt_node_config c;
	struct zt_node *n;
	uint8_t want[160], ok[64];
	load(&a, vec_id_a);
	load(&b, vec_id_b);
	planet_like_earth(&planet, &b, v4(10, 0, 0, 2, 9993));
	zt_node_config_init(&c);
	c.identity = &a;
	c.planet = &planet;
	REQUIRE(zt_node_new(&n, &host_cb, &h, &c, T0) == 0);
	size_t wlen = zt_unhex(hello_wire, want, sizeof(want));
	/* §8.6 announces protocol 11; we announce 12: that byte differs, and so the MAC. */
	uint8_t k_ab[ZT_SHARED_KEY_LEN];
	REQUIRE(zt_identity_agree(&a, &b, k_ab) == 0);
	REQUIRE(zt_packet_dearmor(want, wlen, k_ab, NULL) == 0);
	want[ZT_PACKET_IDX_PAYLOAD] = ZT_NODE_PROTO_VERSION;
	REQUIRE(zt_packet_armor(want, wlen, k_ab, ZT_CIPHER_POLY1305_NONE) == 0);
	REQUIRE(h.n_sent == 1);
	CHECK_EQ_INT(h.sent_len[0], wlen);
	CHECK_MEM(h.sent[0], want, wlen);
	struct zt_inetaddr root_at = v4(10, 0, 0, 2, 9993);
	CHECK(zt_inetaddr_equal(&h.sent_to[0], &root_at));

	size_t olen = zt_unhex(ok_hello_wire_114, ok, sizeof(ok));
	(void)zt_node_wire_in(n, 3, &root_at, ok, olen, T0 + 25);
	struct zt_node_peer_info info;
	REQUIRE(zt_node_peer(n, b.address, &info, T0 + 25) == 0);
	CHECK_EQ_INT(info.proto, 12);
	CHECK_EQ_INT(info.major, 1);
	CHECK_EQ_INT(info.minor, 14);
	CHECK_EQ_INT(info.rev, 1);
	CHECK_EQ_INT(info.latency_ms, 25);
	REQUIRE(info.n_paths == 1);
	CHECK(info.paths[0].confirmed);
	CHECK_EQ_INT(info.paths[0].sock, 3); /* the socket it answered on, from now on */
	CHECK(zt_node_online(n));
	CHECK_EQ_INT(h.n_online, 1);
	/* The same OK again is a replay: nothing changes, nothing is counted twice. */
	struct zt_node_counters c0, c1;
	zt_node_counters(n, &c0);
	(void)zt_node_wire_in(n, 3, &root_at, ok, olen, T0 + 30);
	zt_node_counters(n, &c1);
	CHECK_EQ_INT(c1.drop_replay - c0.drop_replay, 1);

	/* The root says our address belongs to another key (ERROR(IDENTITY_COLLISION) quoting our HELLO):
	 * the host hears of it. The same from a root about a HELLO we never sent is ignored. */
	uint8_t err[64], key[ZT_SHARED_KEY_LEN];
	static const uint8_t eid[8] = {9, 9, 9, 9, 9, 9, 9, 9};
	REQUIRE(zt_identity_agree(&b, &a, key) == 0);
	for (int quoted_ok = 0; quoted_ok < 2; quoted_ok++) {
		struct zt_wr w;
		zt_wr_init(&w, err, sizeof(err));
		zt_packet_write_header(&w, eid, a.address, b.address, 0, ZT_VERB_ERROR);
		zt_wr_u8(&w, ZT_VERB_HELLO);
		zt_wr_bytes(&w, want, quoted_ok ? 8 : 0); /* §8.6's packet ID, or a made-up one */
		if (!quoted_ok)
			zt_wr_u64(&w, 0x1111111111111111ULL);
		zt_wr_u8(&w, ZT_ERR_IDENTITY_COLLISION);
		err[0] = (uint8_t)quoted_ok; /* a fresh packet ID each time */
		REQUIRE(!w.bad && zt_packet_armor(err, w.len, key, ZT_CIPHER_SALSA2012_POLY1305) == 0);
		(void)zt_node_wire_in(n, 3, &root_at, err, w.len, T0 + 40);
		CHECK_EQ_INT(h.n_collision, quoted_ok ? 1 : 0);
	}
	zt_node_free(n);
}

/* B, knowing nobody, gets §8.6's HELLO from A at 10.0.0.1/40000: it checks A (the memory-hard hash, once)
 * and answers on that path with the OK(HELLO) a 1.14 node would send (§8.8): protocol 12, cipher 1 (A
 * was not known before this HELLO), but with the 0x80 flag clear, as our node does. */
static void test_ok_hello_has_stock_layout(void)
{
	struct host h = {.script = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}, .script_len = 8};
	struct zt_identity a, b;
	struct zt_world planet;
	struct zt_node_config c;
	struct zt_node *n;
	uint8_t hello[160], want[64], key[ZT_SHARED_KEY_LEN];
	load(&a, vec_id_a);
	load(&b, vec_id_b);
	planet_like_earth(&planet, NULL, v4(0, 0, 0, 0, 0));
	zt_node_config_init(&c);
	c.identity = &b;
	c.planet = &planet;
	REQUIRE(zt_node_new(&n, &host_cb, &h, &c, T0) == 0);
	CHECK_EQ_INT(h.n_sent, 0); /* no roots, nobody to greet */
	struct zt_inetaddr from = v4(10, 0, 0, 1, 40000);
	size_t hlen = zt_unhex(hello_wire, hello, sizeof(hello));
	(void)zt_node_wire_in(n, 0, &from, hello, hlen, T0 + 10);
	REQUIRE(h.n_sent == 1);
	CHECK(zt_inetaddr_equal(&h.sent_to[0], &from));
	size_t wlen = zt_unhex(ok_hello_plain_114, want, sizeof(want));
	want[45] = ZT_NODE_PROTO_VERSION;
	REQUIRE(h.sent_len[0] == wlen);
	uint8_t *got = h.sent[0];
	CHECK_EQ_INT(got[ZT_PACKET_IDX_FLAGS], 0x08); /* cipher 1, hops 0, no legacy 0x80 */
	REQUIRE(zt_identity_agree(&b, &a, key) == 0);
	REQUIRE(zt_packet_dearmor(got, wlen, key, NULL) == 0);
	got[ZT_PACKET_IDX_FLAGS] = 0;
	memset(got + ZT_PACKET_IDX_MAC, 0, 8);
	CHECK_MEM(got, want, wlen);
	struct zt_node_counters k;
	zt_node_counters(n, &k);
	CHECK_EQ_INT(k.identity_checks, 1);
	struct zt_identity held;
	REQUIRE(zt_node_peer_identity(n, a.address, &held) == 0);
	CHECK(zt_identity_equal(&held, &a));
	zt_node_free(n);
}

static const struct zt_test tests[] = {
    ZT_TEST(test_hello_is_the_spec_vector_and_stock_ok_accepted),
    ZT_TEST(test_ok_hello_has_stock_layout),
};

static void warmup(void)
{
	zt_test_warm_crypto();
}

int main(int argc, char **argv)
{
	return zt_test_main("node_wire", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}
