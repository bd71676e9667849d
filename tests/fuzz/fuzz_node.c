/* Fuzz target: the VL1 node as a whole - datagrams into zt_node_wire_in on a node (identity B of the
 * spec) whose planet names A as its root, so it holds A's key. The first byte picks the mode: raw
 * datagrams, or the input sent as a packet from A (armored, fragmented if long) so the verb handlers and
 * the upper-layer boundary are reached; later bytes also move the clock. Properties: no datagram over the
 * MTU leaves, memory stays bounded, and an armored packet from A is never refused for its MAC. */
#include "fuzz_common.h"

#include <string.h>

#include "vl1/fragment.h"
#include "vl1/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int wire_send(void *arg, zt_sock_id sock, const struct zt_inetaddr *to, const void *d, size_t len,
                     unsigned ttl)
{
	(void)arg;
	(void)sock;
	(void)d;
	(void)ttl;
	FUZZ_ASSERT(to && to->family != ZT_INET_NONE);
	FUZZ_ASSERT(len <= ZT_DEFAULT_MTU);
	return 0;
}

static void verb_in(void *arg, struct zt_node *n, const struct zt_node_msg *m, int64_t now)
{
	(void)arg;
	FUZZ_ASSERT(m->peer && m->peer->address == m->source);
	FUZZ_ASSERT(m->len <= ZT_PACKET_MAX_PAYLOAD);
	/* Answer as VL2 would, re-entering the node from inside its handler. */
	uint8_t reply[9] = {m->verb};
	(void)zt_node_send(n, m->source, ZT_VERB_OK, reply, sizeof(reply), now, NULL);
}

static void reply_in(void *arg, struct zt_node *n, const struct zt_node_reply *r, int64_t now)
{
	(void)arg;
	(void)n;
	(void)now;
	FUZZ_ASSERT(r->peer && r->peer->address == r->source);
}

static struct zt_node *make_node(uint64_t *seed, int64_t now)
{
	const struct fuzz_keys *k = fuzz_keys();
	static const struct zt_node_callbacks cb = {
	    .version = ZT_NODE_CALLBACKS_VERSION, .wire_send = wire_send, .random = fuzz_random};
	static const struct zt_node_upper up = {
	    .version = ZT_NODE_UPPER_VERSION, .verb_in = verb_in, .reply_in = reply_in};
	struct zt_node_config c;
	struct zt_node *n;
	zt_node_config_init(&c);
	c.identity = &k->b;
	c.planet = fuzz_planet();
	FUZZ_ASSERT(zt_node_new(&n, &cb, seed, &c, now) == 0);
	FUZZ_ASSERT(zt_node_set_upper(n, &up, NULL) == 0);
	return n;
}

/* The input as a packet from A: verb, payload; hop count from the mode byte. Returns the length. */
static size_t armored_from_a(uint8_t *pkt, const uint8_t *in, size_t len, uint8_t mode, uint64_t *seed)
{
	const struct fuzz_keys *k = fuzz_keys();
	uint8_t id[8];
	struct zt_wr w;
	if (len < 1 || len > ZT_PACKET_MAX_PAYLOAD)
		return 0;
	fuzz_random(seed, id, sizeof(id));
	zt_wr_init(&w, pkt, ZT_PACKET_MAX_LEN);
	zt_packet_write_header(&w, id, k->b.address, k->a.address, (mode >> 5) & ZT_FLAG_HOPS, in[0]);
	zt_wr_bytes(&w, in + 1, len - 1);
	size_t plen = w.len;
	if (mode & 0x10)
		(void)zt_packet_compress(pkt, &plen);
	int count = zt_fragment_count(plen, ZT_DEFAULT_MTU);
	if (count < 0)
		return 0;
	if (count > 1)
		pkt[ZT_PACKET_IDX_FLAGS] |= ZT_FLAG_FRAGMENTED;
	bool hello = (in[0] & ZT_VERB_MASK) == 0x01;
	FUZZ_ASSERT(zt_packet_armor(pkt, plen, k->key_ab,
	                            hello ? ZT_CIPHER_POLY1305_NONE : ZT_CIPHER_SALSA2012_POLY1305) == 0);
	return plen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[ZT_PACKET_MAX_LEN], frag[ZT_DEFAULT_MTU];
	const struct zt_inetaddr from = {.family = ZT_INET_V4, .ip = {10, 0, 0, 1}, .port = 9993};
	uint64_t seed = 42;
	int64_t now = 1000000;
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	struct zt_node *n = make_node(&seed, now);
	size_t bound = zt_node_memory(n) + 2 * 1024 * 1024 /* identity scratch */ +
	               ZT_NODE_RXQ_ENTRIES * (size_t)ZT_PACKET_MAX_LEN +
	               ZT_NODE_TXQ_ENTRIES * (size_t)ZT_PACKET_MAX_LEN;
	if ((mode & 3) == 1) {
		struct zt_node_counters c0, c1;
		zt_node_counters(n, &c0);
		size_t len = armored_from_a(pkt, data, size, mode, &seed);
		int count = len ? zt_fragment_count(len, ZT_DEFAULT_MTU) : 0;
		for (int i = 0; i < count; i++) {
			int flen =
			    zt_fragment_build(frag, sizeof(frag), pkt, len, ZT_DEFAULT_MTU, (unsigned)i);
			FUZZ_ASSERT(flen > 0);
			(void)zt_node_wire_in(n, 0, &from, frag, (size_t)flen, now);
		}
		zt_node_counters(n, &c1);
		FUZZ_ASSERT(c1.drop_bad_mac == c0.drop_bad_mac);
	} else {
		/* A stream of datagrams, each prefixed by a BE16 length and a byte of clock advance. */
		while (size >= 3) {
			size_t len = ((size_t)data[0] << 8) | data[1];
			now += data[2] * 37;
			data += 3;
			size -= 3;
			if (len > size)
				len = size;
			if ((mode & 3) == 2 && len >= ZT_PACKET_MIN_LEN) { /* addressed to the node, from A */
				memcpy(pkt, data, len);
				struct zt_wr w;
				zt_wr_init(&w, pkt + ZT_PACKET_IDX_DEST, 10);
				zt_wr_u40(&w, fuzz_keys()->b.address);
				if (pkt[13] != 0xff)
					zt_wr_u40(&w, fuzz_keys()->a.address);
				(void)zt_node_wire_in(n, 0, &from, pkt, len, now);
			} else {
				(void)zt_node_wire_in(n, 0, &from, data, len, now);
			}
			data += len;
			size -= len;
			FUZZ_ASSERT(zt_node_memory(n) <= bound);
		}
	}
	(void)zt_node_tick(n, now + 6000);
	FUZZ_ASSERT(zt_node_memory(n) <= bound);
	zt_node_free(n);
	return 0;
}
