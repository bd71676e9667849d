/* Suite for vl2/netconf: spec §11.3 (config A parses to the listed values and re-encodes to its 1200
 * bytes), §11.4 (config B's exact 888 bytes both ways), §11.5 (the chunk signature over config B), §5.2-5.6
 * value forms, the stock defaults and limits, and parse(encode(x)) == x for a config using every field. */
#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl2/dict.h"
#include "vl2/netconf.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *buf_a, *buf_b;
static size_t len_a, len_b;

static void warmup(void)
{
	zt_test_warm_crypto();
	static uint8_t a[2048], b[1024];
	len_a = vec_config_a(a, sizeof(a));
	len_b = zt_unhex(vec_b_hex, b, sizeof(b));
	buf_a = a;
	buf_b = b;
}

static void check_sha256(const uint8_t *buf, size_t len, const char *want_hex)
{
	uint8_t got[32], want[32];
	crypto_hash_sha256(got, buf, len);
	zt_unhex(want_hex, want, sizeof(want));
	CHECK_MEM(got, want, 32);
}

static void check_encodes_to(const struct zt_netconf *nc, const uint8_t *want, size_t want_len)
{
	uint8_t *out = malloc(4096);
	struct zt_wr w;
	zt_wr_init(&w, out, 4096);
	CHECK_EQ_INT(zt_netconf_encode(nc, &w), 0);
	CHECK_EQ_INT(w.len, want_len);
	if (w.len == want_len)
		CHECK_MEM(out, want, want_len);
	free(out);
}

static void check_ip(const struct zt_inetaddr *a, int family, const char *ip_hex, unsigned port)
{
	uint8_t ip[16] = {0};
	zt_unhex(ip_hex, ip, sizeof(ip));
	CHECK_EQ_INT(a->family, family);
	CHECK_MEM(a->ip, ip, 16);
	CHECK_EQ_INT(a->port, port);
}

static void config_b_11_4_parses(void)
{
	struct zt_netconf nc;
	uint8_t sig[96];
	REQUIRE(len_b == 888);
	check_sha256(buf_b, len_b, vec_b_sha256_hex);
	REQUIRE(zt_netconf_parse(&nc, buf_b, len_b) == 0);
	CHECK_EQ_INT(nc.version, 7);
	CHECK(nc.nwid == VEC_NWID_B);
	CHECK_EQ_INT(nc.timestamp, 0x1a21f2ee00cLL);
	CHECK_EQ_INT(nc.credential_time_max_delta, 1800000);
	CHECK_EQ_INT(nc.revision, 1);
	CHECK_EQ_INT(nc.issued_to, VEC_MEMBER);
	CHECK_EQ_INT(nc.remote_trace_target, 0);
	CHECK_EQ_INT(nc.remote_trace_level, 0);
	CHECK_EQ_INT(nc.flags, ZT_NETCONF_FLAG_BROADCAST);
	CHECK_EQ_INT(nc.multicast_limit, 32);
	CHECK_EQ_INT(nc.type, ZT_NETWORK_PRIVATE);
	CHECK(strcmp(nc.name, "plain") == 0);
	CHECK_EQ_INT(nc.mtu, 2800);
	/* the COM as listed in §11.4 */
	REQUIRE(nc.com.count == 7);
	static const uint64_t q[7][3] = {
	    {0, 0x000001a21f2ee00cULL, 0x1b7740},   {1, 0x5a198f7032e84eb2ULL, 0},
	    {2, 0x0000009620b89c1dULL, UINT64_MAX}, {3, 0xe3a5821640c97195ULL, UINT64_MAX},
	    {4, 0x05366d9bfefed4f4ULL, UINT64_MAX}, {5, 0x9963fdc03128e74dULL, UINT64_MAX},
	    {6, 0x014e6b4289371732ULL, UINT64_MAX},
	};
	for (int i = 0; i < 7; i++) {
		CHECK(nc.com.q[i].id == q[i][0]);
		CHECK(nc.com.q[i].value == q[i][1]);
		CHECK(nc.com.q[i].max_delta == q[i][2]);
	}
	CHECK_EQ_INT(nc.com.signer, VEC_CTL);
	zt_unhex(vec_b_com_sig_hex, sig, sizeof(sig));
	CHECK_MEM(nc.com.signature, sig, 96);
	/* the default rule table, no addresses, the empty DNS form */
	REQUIRE(nc.rule_count == 1);
	CHECK_EQ_INT(nc.rules[0].t, ZT_RULE_ACTION_ACCEPT);
	CHECK_EQ_INT(nc.static_ip_count + nc.route_count + nc.coo_count + nc.capability_count + nc.tag_count +
	                 nc.specialist_count,
	             0);
	CHECK_EQ_INT(nc.dns.domain[0], 0);
	for (int i = 0; i < ZT_MAX_DNS_SERVERS; i++)
		CHECK_EQ_INT(nc.dns.servers[i].family, ZT_INET_NONE);
	CHECK_EQ_INT(nc.sso_version, 0);
	CHECK(!nc.sso_enabled);
	zt_netconf_free(&nc);
}

static void config_b_11_4_reencodes_exactly(void)
{
	struct zt_netconf nc;
	REQUIRE(zt_netconf_parse(&nc, buf_b, len_b) == 0);
	check_encodes_to(&nc, buf_b, len_b);
	zt_netconf_free(&nc);
}

static void config_a_11_3_parses(void)
{
	struct zt_netconf nc;
	REQUIRE(len_a == 1200);
	check_sha256(buf_a, len_a, vec_a_sha256_hex);
	REQUIRE(zt_netconf_parse(&nc, buf_a, len_a) == 0);
	CHECK(nc.nwid == VEC_NWID_A);
	CHECK_EQ_INT(nc.timestamp, 0x1a21f2ee009LL);
	CHECK_EQ_INT(nc.credential_time_max_delta, 1800000);
	CHECK_EQ_INT(nc.issued_to, VEC_MEMBER);
	CHECK_EQ_INT(nc.flags, ZT_NETCONF_FLAG_BROADCAST | ZT_NETCONF_FLAG_NDP_EMULATION);
	CHECK_EQ_INT(nc.multicast_limit, 32);
	CHECK_EQ_INT(nc.mtu, 2800);
	CHECK_EQ_INT(nc.type, ZT_NETWORK_PRIVATE);
	CHECK(strcmp(nc.name, "vl2spec") == 0);
	CHECK_EQ_INT(nc.com.count, 7);
	CHECK(zt_com_network_id(&nc.com) == VEC_NWID_A);
	/* I: RFC4193 /88, 6PLANE /40, 10.147.20.235/24 */
	REQUIRE(nc.static_ip_count == 3);
	check_ip(&nc.static_ips[0], ZT_INET_V6, "fd5a198f70327c718499939620b89c1d", 88);
	check_ip(&nc.static_ips[1], ZT_INET_V6, "fc6865fef49620b89c1d000000000001", 40);
	check_ip(&nc.static_ips[2], ZT_INET_V4, "0a9314eb", 24);
	/* RT: 10.147.20.0/24 via nil, flags 0, metric 0 */
	REQUIRE(nc.route_count == 1);
	check_ip(&nc.routes[0].target, ZT_INET_V4, "0a931400", 24);
	CHECK_EQ_INT(nc.routes[0].via.family, ZT_INET_NONE);
	CHECK_EQ_INT(nc.routes[0].flags, 0);
	CHECK_EQ_INT(nc.routes[0].metric, 0);
	REQUIRE(nc.rule_count == 1);
	CHECK_EQ_INT(nc.rules[0].t, ZT_RULE_ACTION_ACCEPT);
	/* DNS: vl2.example, 10.147.20.1 */
	CHECK(strcmp(nc.dns.domain, "vl2.example") == 0);
	check_ip(&nc.dns.servers[0], ZT_INET_V4, "0a931401", 0);
	for (int i = 1; i < ZT_MAX_DNS_SERVERS; i++)
		CHECK_EQ_INT(nc.dns.servers[i].family, ZT_INET_NONE);
	/* COO: ID 1 with three things, types 3, 3, 2 */
	REQUIRE(nc.coo_count == 1);
	const struct zt_coo *c = &nc.coos[0];
	CHECK(c->nwid == VEC_NWID_A);
	CHECK_EQ_INT(c->timestamp, 0x1a21f2ee009LL);
	CHECK_EQ_INT(c->id, 1);
	CHECK_EQ_INT(c->flags, 0);
	REQUIRE(c->thing_count == 3);
	CHECK_EQ_INT(c->thing_type[0], ZT_COO_THING_IPV6);
	CHECK_EQ_INT(c->thing_type[1], ZT_COO_THING_IPV6);
	CHECK_EQ_INT(c->thing_type[2], ZT_COO_THING_IPV4);
	CHECK_EQ_INT(c->issued_to, VEC_MEMBER);
	CHECK_EQ_INT(c->signer, VEC_CTL);
	CHECK(c->signed_ok);
	CHECK(zt_coo_owns(c, ZT_COO_THING_IPV4, (const uint8_t *)"\x0a\x93\x14\xeb", 4));
	zt_netconf_free(&nc);
}

static void config_a_11_3_reencodes_exactly(void)
{
	struct zt_netconf nc;
	REQUIRE(zt_netconf_parse(&nc, buf_a, len_a) == 0);
	check_encodes_to(&nc, buf_a, len_a);
	zt_netconf_free(&nc);
}

static void chunk_signature_11_5(void)
{
	struct zt_identity ctl;
	uint8_t signed_bytes[1024], sig[96], want[96];
	struct zt_wr w;
	vec_identity(&ctl, vec_controller_identity);
	zt_wr_init(&w, signed_bytes, sizeof(signed_bytes));
	zt_wr_u64(&w, VEC_NWID_B);
	zt_wr_u16(&w, (uint16_t)len_b);
	zt_wr_bytes(&w, buf_b, len_b);
	zt_wr_u8(&w, 0);
	zt_wr_u64(&w, 0x1122334455667788ULL);
	zt_wr_u32(&w, (uint32_t)len_b);
	zt_wr_u32(&w, 0);
	REQUIRE(!w.bad && w.len == 915);
	zt_unhex("08412549047d9f15df9bf484dbd2c823485be41c337ddd558e0605af4cc6960f"
	         "bf1683bcb802d05819164a6019d98ca7019538fd15c64c481c2afabc504bbf09"
	         "9fdd881c433c891193cea08c3841ff695fa158e43567001a4dc5dfc6f2f1c6c5",
	         want, sizeof(want));
	CHECK(zt_identity_verify(&ctl, signed_bytes, w.len, want));
	CHECK_EQ_INT(zt_identity_sign(&ctl, signed_bytes, w.len, sig), 0);
	CHECK_MEM(sig, want, 96);
	zt_identity_wipe(&ctl);
}

/* Replaces the value of `key` in config B by raw bytes, for malformed-input tests. */
static int parse_b_with(const char *key, const void *val, size_t vlen, struct zt_netconf *nc)
{
	struct zt_netconf tmp;
	uint8_t *out = malloc(8192);
	struct zt_wr w;
	struct zt_dict_wr dw;
	zt_wr_init(&w, out, 8192);
	zt_dict_wr_init(&dw, &w);
	zt_dict_add(&dw, key, val, vlen); /* the first occurrence wins */
	zt_wr_u8(&w, '\n');
	zt_wr_bytes(&w, buf_b, len_b);
	int rc = w.bad ? -ENOSPC : zt_netconf_parse(nc ? nc : &tmp, out, w.len);
	if (!nc && rc == 0)
		zt_netconf_free(&tmp);
	free(out);
	return rc;
}

static void required_fields_and_version(void)
{
	CHECK_EQ_INT(parse_b_with("nwid", "0", 1, NULL), -EBADMSG);
	CHECK_EQ_INT(parse_b_with("id", "0000000000", 10, NULL), -EBADMSG);
	CHECK_EQ_INT(parse_b_with("v", "5", 1, NULL), -EBADMSG);
	CHECK_EQ_INT(parse_b_with("v", "6", 1, NULL), 0);
	CHECK_EQ_INT(zt_netconf_parse(&(struct zt_netconf){0}, "v=7\nid=1", 8), -EBADMSG);
	/* a NUL ends the dictionary: nothing after it counts */
	static const char cut[] = "v=7\nnwid=1\0id=1";
	CHECK_EQ_INT(zt_netconf_parse(&(struct zt_netconf){0}, cut, sizeof(cut) - 1), -EBADMSG);
}

static void mtu_is_clamped(void)
{
	struct zt_netconf nc;
	REQUIRE(parse_b_with("mtu", "10", 2, &nc) == 0);
	CHECK_EQ_INT(nc.mtu, ZT_MTU_MIN);
	zt_netconf_free(&nc);
	REQUIRE(parse_b_with("mtu", "ffff", 4, &nc) == 0);
	CHECK_EQ_INT(nc.mtu, ZT_MTU_MAX);
	zt_netconf_free(&nc);
	REQUIRE(parse_b_with("mtu", "", 0, &nc) == 0); /* empty = absent: default, not B's value */
	CHECK_EQ_INT(nc.mtu, 2800);
	zt_netconf_free(&nc);
}

static void malformed_binary_values(void)
{
	uint8_t b[256];
	CHECK_EQ_INT(parse_b_with("C", "", 0, NULL), -EBADMSG);             /* present but empty */
	CHECK_EQ_INT(parse_b_with("C", "\x02\x00\x00", 3, NULL), -EBADMSG); /* wrong type */
	CHECK_EQ_INT(parse_b_with("I", "\x04\x0a\x93\x14", 4, NULL), -EBADMSG);
	CHECK_EQ_INT(parse_b_with("I", "\x07", 1, NULL), -EBADMSG); /* unknown address type */
	CHECK_EQ_INT(parse_b_with("RT", "\x00\x00\x00\x00", 4, NULL), -EBADMSG);
	CHECK_EQ_INT(parse_b_with("R", "\x25\x01\x08", 3, NULL), -EBADMSG); /* ETHERTYPE needs 2 bytes */
	CHECK_EQ_INT(parse_b_with("R", "\x01\x05\x00", 3, NULL), -EBADMSG); /* runs past the end */
	CHECK_EQ_INT(parse_b_with("DNS", "x", 1, NULL), -EBADMSG);
	memset(b, 0, sizeof(b));
	CHECK_EQ_INT(parse_b_with("DNS", b, 131, NULL), -EBADMSG);
	CHECK_EQ_INT(parse_b_with("DNS", b, 132, NULL), 0);
	CHECK_EQ_INT(parse_b_with("COO", b, 20, NULL), -EBADMSG);
	/* a malformed capability or tag only ends its list, as stock's catch-all does */
	CHECK_EQ_INT(parse_b_with("CAP", b, 20, NULL), 0);
	CHECK_EQ_INT(parse_b_with("TAG", b, 20, NULL), 0);
}

static void reserved_and_excess_entries(void)
{
	struct zt_netconf nc;
	uint8_t b[64 * 7];
	/* reserved address types are skipped and read as nil; more than 32 static IPs are dropped */
	REQUIRE(parse_b_with("I",
	                     "\x01"
	                     "abcdef"
	                     "\x03\x00\x02xy"
	                     "\x04\x0a\x00\x00\x01\x00\x08",
	                     19, &nc) == 0);
	CHECK_EQ_INT(nc.static_ip_count, 3);
	CHECK_EQ_INT(nc.static_ips[0].family, ZT_INET_NONE);
	CHECK_EQ_INT(nc.static_ips[1].family, ZT_INET_NONE);
	check_ip(&nc.static_ips[2], ZT_INET_V4, "0a000001", 8);
	zt_netconf_free(&nc);
	for (int i = 0; i < 64; i++)
		memcpy(b + 7 * i, "\x04\x0a\x00\x00\x01\x00\x08", 7);
	REQUIRE(parse_b_with("I", b, sizeof(b), &nc) == 0);
	CHECK_EQ_INT(nc.static_ip_count, ZT_MAX_ZT_ASSIGNED_ADDRESSES);
	zt_netconf_free(&nc);
	/* unknown rule types keep their type byte and lose their value; a partial specialist is ignored */
	REQUIRE(parse_b_with("R", "\xbf\x03xyz\x01\x00", 7, &nc) == 0);
	REQUIRE(nc.rule_count == 2);
	CHECK_EQ_INT(nc.rules[0].t, 0xbf);
	CHECK_EQ_INT(nc.rules[1].t, ZT_RULE_ACTION_ACCEPT);
	zt_netconf_free(&nc);
	REQUIRE(parse_b_with("S", "\x00\x00\x02\x96\x20\xb8\x9c\x1d\x01\x02", 10, &nc) == 0);
	REQUIRE(nc.specialist_count == 1);
	CHECK(nc.specialists[0] == (ZT_SPECIALIST_ACTIVE_BRIDGE | VEC_MEMBER));
	zt_netconf_free(&nc);
}

static void too_large(void)
{
	size_t n = ZT_DICT_NETCONF_CAP;
	uint8_t *big = malloc(n);
	REQUIRE(big);
	memset(big, 'x', n);
	memcpy(big, buf_b, len_b);
	big[len_b] = '\n';
	struct zt_netconf nc;
	CHECK_EQ_INT(zt_netconf_parse(&nc, big, n), -EMSGSIZE);
	CHECK_EQ_INT(zt_netconf_parse(&nc, big, n - 1), 0); /* one byte less is the longest accepted */
	zt_netconf_free(&nc);
	free(big);
}

static void inet_v4(struct zt_inetaddr *a, const uint8_t *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = ZT_INET_V4;
	memcpy(a->ip, ip, 4);
	a->port = port;
}

static void inet_v6(struct zt_inetaddr *a, const uint8_t *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = ZT_INET_V6;
	memcpy(a->ip, ip, 16);
	a->port = port;
}

/* Every field, every rule type, a credential of every kind. */
static void build_rich(struct zt_netconf *nc)
{
	static const uint8_t types[] = {0,  1,  2,  3,  4,  5,  6,  24, 25, 26, 27, 28,
	                                29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	                                41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51};
	uint64_t seed = 7;
	zt_netconf_init(nc);
	nc->nwid = VEC_NWID_A;
	nc->timestamp = 0x1a21f2ee009LL;
	nc->revision = 42;
	nc->issued_to = VEC_MEMBER;
	nc->remote_trace_target = 0x1122334455ULL;
	nc->remote_trace_level = 3;
	nc->flags = 0x1e;
	nc->multicast_limit = 7;
	nc->type = ZT_NETWORK_PUBLIC;
	strcpy(nc->name, "rich=name\\with\nescapes\r");
	nc->mtu = 9000;
	nc->sso_version = 0;
	nc->sso_enabled = true;
	struct zt_identity member;
	vec_identity(&member, vec_member_identity);
	zt_com_issue(&nc->com, nc->timestamp, ZT_CTMD_DEFAULT, nc->nwid, &member);
	nc->com.signer = VEC_CTL;
	zt_test_random(&seed, nc->com.signature, sizeof(nc->com.signature));

	nc->rule_count = sizeof(types);
	nc->rules = calloc(nc->rule_count, sizeof(*nc->rules));
	for (size_t i = 0; i < nc->rule_count; i++) {
		nc->rules[i].t =
		    (uint8_t)(types[i] | (i % 3 == 1 ? ZT_RULE_NOT : 0) | (i % 4 == 2 ? ZT_RULE_OR : 0));
		zt_test_random(&seed, &nc->rules[i].v, sizeof(nc->rules[i].v));
	}
	nc->capability_count = 2;
	nc->capabilities = calloc(2, sizeof(*nc->capabilities));
	for (int i = 0; i < 2; i++) {
		struct zt_capability *c = &nc->capabilities[i];
		c->nwid = nc->nwid;
		c->timestamp = nc->timestamp;
		c->id = (uint32_t)(10 + i);
		c->rule_count = 3;
		memcpy(c->rules, nc->rules + 7 + i, 3 * sizeof(struct zt_rule));
		c->max_custody = 3;
		c->custody_count = (uint8_t)(1 + i);
		for (int j = 0; j <= i; j++) {
			c->custody[j].to = VEC_MEMBER + (uint64_t)j;
			c->custody[j].from = j ? VEC_MEMBER : VEC_CTL;
			c->custody[j].signed_ok = true;
			zt_test_random(&seed, c->custody[j].signature, 96);
		}
	}
	nc->tag_count = 3;
	nc->tags = calloc(3, sizeof(*nc->tags));
	for (int i = 0; i < 3; i++)
		nc->tags[i] = (struct zt_tag){.nwid = nc->nwid,
		                              .timestamp = 5,
		                              .id = (uint32_t)i,
		                              .value = 100u + (unsigned)i,
		                              .issued_to = VEC_MEMBER,
		                              .signer = VEC_CTL,
		                              .signed_ok = true};
	nc->coo_count = 2;
	for (int i = 0; i < 2; i++) {
		struct zt_coo *c = &nc->coos[i];
		c->nwid = nc->nwid;
		c->id = (uint32_t)(1 + i);
		c->thing_count = 16;
		for (int j = 0; j < 16; j++) {
			c->thing_type[j] = (uint8_t)(1 + j % 3);
			zt_test_random(&seed, c->thing_value[j], 16);
		}
		c->issued_to = VEC_MEMBER;
		c->signer = VEC_CTL;
		c->signed_ok = true;
	}
	nc->specialist_count = 2;
	nc->specialists[0] = ZT_SPECIALIST_ACTIVE_BRIDGE | VEC_MEMBER;
	nc->specialists[1] = ZT_SPECIALIST_ANCHOR | ZT_SPECIALIST_MULTICAST_REPLICATOR | 0x0102030405ULL;
	nc->route_count = 2;
	inet_v4(&nc->routes[0].target, (const uint8_t *)"\x00\x00\x00\x00", 0);
	inet_v4(&nc->routes[0].via, (const uint8_t *)"\x0a\x93\x14\x01", 0);
	nc->routes[0].metric = 5;
	inet_v6(&nc->routes[1].target,
	        (const uint8_t *)"\xfd\x5a\x19\x8f\x70\x32\x7c\x71\x84\x00\x00\x00\x00\x00\x00\x00", 88);
	nc->routes[1].flags = 1;
	nc->static_ip_count = ZT_MAX_ZT_ASSIGNED_ADDRESSES;
	for (int i = 0; i < ZT_MAX_ZT_ASSIGNED_ADDRESSES; i++)
		inet_v4(&nc->static_ips[i], (const uint8_t[]){10, 0, 0, (uint8_t)i}, 24);
	strcpy(nc->dns.domain, "corp.example");
	inet_v6(&nc->dns.servers[1], (const uint8_t *)"\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x35", 0);
}

static void parse_of_encode_is_identity(void)
{
	struct zt_netconf x, y;
	size_t cap = 64 * 1024;
	uint8_t *out = malloc(cap), *again = malloc(cap);
	struct zt_wr w, w2;
	build_rich(&x);
	zt_wr_init(&w, out, cap);
	REQUIRE(zt_netconf_encode(&x, &w) == 0);
	REQUIRE(zt_netconf_parse(&y, out, w.len) == 0);
	CHECK(zt_netconf_equal(&x, &y));
	zt_wr_init(&w2, again, cap);
	CHECK_EQ_INT(zt_netconf_encode(&y, &w2), 0);
	CHECK_EQ_INT(w2.len, w.len);
	CHECK(memcmp(out, again, w.len) == 0);
	/* and equality notices a difference */
	y.rules[3].v.fwd.flags ^= 1;
	CHECK(!zt_netconf_equal(&x, &y));
	zt_netconf_free(&x);
	zt_netconf_free(&y);
	/* a writer too small fails cleanly */
	build_rich(&x);
	zt_wr_init(&w, out, 100);
	CHECK_EQ_INT(zt_netconf_encode(&x, &w), -ENOSPC);
	x.coo_count = 5;
	CHECK_EQ_INT(zt_netconf_encode(&x, &w), -EINVAL);
	zt_netconf_free(&x);
	free(out);
	free(again);
}

static void capabilities_and_tags_are_sorted(void)
{
	struct zt_netconf x, y;
	uint8_t *out = malloc(65536);
	struct zt_wr w;
	build_rich(&x);
	struct zt_tag t = x.tags[0];
	x.tags[0] = x.tags[2];
	x.tags[2] = t;
	struct zt_capability c = x.capabilities[0];
	x.capabilities[0] = x.capabilities[1];
	x.capabilities[1] = c;
	zt_wr_init(&w, out, 65536);
	REQUIRE(zt_netconf_encode(&x, &w) == 0);
	REQUIRE(zt_netconf_parse(&y, out, w.len) == 0);
	CHECK_EQ_INT(y.tags[0].id, 0);
	CHECK_EQ_INT(y.tags[2].id, 2);
	CHECK_EQ_INT(y.capabilities[0].id, 10);
	CHECK_EQ_INT(y.capabilities[1].custody_count, 2);
	zt_netconf_free(&x);
	zt_netconf_free(&y);
	free(out);
}

/* A COM with no qualifiers is no COM, as in stock: it is not kept (nor its signer), so a config that
 * carried one re-encodes to what it parses from (the fuzzer found the round trip broken). */
static void com_without_qualifiers_is_none(void)
{
	uint8_t com[1 + 2 + 5 + 96] = {1, 0, 0, 0x5c, 0x07, 0x30, 0x00, 0x30};
	memset(com + 8, 0xa5, 96);
	struct zt_netconf nc, again;
	REQUIRE(parse_b_with("C", com, sizeof(com), &nc) == 0);
	CHECK(nc.com.count == 0 && nc.com.signer == 0);
	uint8_t *out = malloc(1 << 16);
	struct zt_wr w;
	zt_wr_init(&w, out, 1 << 16);
	REQUIRE(zt_netconf_encode(&nc, &w) == 0);
	REQUIRE(zt_netconf_parse(&again, out, w.len) == 0);
	CHECK(zt_netconf_equal(&nc, &again));
	zt_netconf_free(&nc);
	zt_netconf_free(&again);
	free(out);
}

static const struct zt_test tests[] = {
    ZT_TEST(config_b_11_4_parses),
    ZT_TEST(config_b_11_4_reencodes_exactly),
    ZT_TEST(config_a_11_3_parses),
    ZT_TEST(config_a_11_3_reencodes_exactly),
    ZT_TEST(chunk_signature_11_5),
    ZT_TEST(required_fields_and_version),
    ZT_TEST(mtu_is_clamped),
    ZT_TEST(malformed_binary_values),
    ZT_TEST(reserved_and_excess_entries),
    ZT_TEST(too_large),
    ZT_TEST(parse_of_encode_is_identity),
    ZT_TEST(capabilities_and_tags_are_sorted),
    ZT_TEST(com_without_qualifiers_is_none),
};

int main(int argc, char **argv)
{
	return zt_test_main("vl2_netconf", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}
