/* Suite for serving members: the spec's config A and B come out byte for byte (§11.3-11.5), configs verify
 * and parse as a member reads them, not-found/denied/pinning/throttle/metadata limits (§9.2), token and
 * public authorization, pushes on change, revocations on deauthorization (§9.7), and the controller's own
 * member. */
#include "fixture.h"
#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl2/dict.h"
#include "vl2/mac.h"
#include "vl2/netcred.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 0x1a21f2ee009LL /* config A's `ts` */

static struct fx F;

static void warmup(void)
{
	zt_test_warm_crypto();
}

static const char config_a_network[] =
    "{\"name\":\"vl2spec\",\"private\":true,\"v4AssignMode\":{\"zt\":true},"
    "\"v6AssignMode\":{\"rfc4193\":true,\"6plane\":true,\"zt\":false},\"ipAssignmentPools\":[{"
    "\"ipRangeStart\":"
    "\"10.147.20.1\",\"ipRangeEnd\":\"10.147.20.254\"}],\"routes\":[{\"target\":\"10.147.20.0/"
    "24\",\"via\":null}],"
    "\"dns\":{\"domain\":\"vl2.example\",\"servers\":[\"10.147.20.1\"]}}";

#define PATH_A "/controller/network/5a198f70327c7184"
#define PATH_B "/controller/network/5a198f7032e84eb2"

static void authorize(uint64_t address, const char *net_path, int64_t now)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/member/%010llx", net_path, (unsigned long long)address);
	cJSON_Delete(fx_ok(&F, "POST", path, "{\"authorized\":true}", now));
}

/* §11.3: the spec's network posted through the API, the member authorized, the request answered at config
 * A's `ts`: the dictionary is config A's 1200 bytes, from the stock pool walk to the COM signature. */
static void config_a_byte_for_byte(void)
{
	struct zt_identity member;
	struct zt_netconf nc;
	uint8_t dict[4096], want[2048];
	size_t len = 0, want_len;
	fx_init(&F, 0);
	fx_member(&member, VEC_MEMBER);
	cJSON_Delete(fx_ok(&F, "POST", PATH_A, config_a_network, T0 - 5000));
	authorize(VEC_MEMBER, PATH_A, T0 - 4000);
	CHECK(fx_request(&F, &member, VEC_NWID_A, NULL, 0x1111, T0));
	CHECK_EQ_INT(fx_config(&F, 0, VEC_MEMBER, 0x1111, &nc, dict, sizeof(dict), &len), 1);
	want_len = vec_config_a(want, sizeof(want));
	CHECK_EQ_INT(len, want_len);
	if (len == want_len)
		CHECK_MEM(dict, want, len);
	CHECK_EQ_INT(zt_com_verify(&nc.com, &F.id), 0);
	CHECK_EQ_INT(nc.coo_count, 1);
	CHECK_EQ_INT(zt_coo_verify(&nc.coos[0], &F.id), 0);
	CHECK(zt_com_agrees(&nc.com, &nc.com, &member));
	zt_netconf_free(&nc);

	/* The pool address became the member's: stored, and in its record. */
	cJSON *m = fx_ok(&F, "GET", PATH_A "/member/9620b89c1d", NULL, T0);
	cJSON *ips = cJSON_GetObjectItem(m, "ipAssignments");
	CHECK(cJSON_GetArraySize(ips) == 1 &&
	      !strcmp(cJSON_GetArrayItem(ips, 0)->valuestring, "10.147.20.235"));
	CHECK_EQ_INT(cJSON_GetObjectItem(m, "vMinor")->valueint, 14);
	CHECK_EQ_INT(cJSON_GetObjectItem(m, "vProto")->valueint, 12);
	CHECK(strstr(cJSON_GetObjectItem(m, "identity")->valuestring, "9620b89c1d:0:6fb03da2") != NULL);
	cJSON_Delete(m);
	CHECK(fx_file(&F, "network/5a198f70327c7184/member/9620b89c1d.json") != NULL);
	fx_free(&F);
}

/* §11.4 and §11.5: config B's exact 888 bytes, and with update ID 1122334455667788 the chunk carries the
 * spec's signature: the whole OK payload is what a stock controller sends. */
static void config_b_and_chunk_signature(void)
{
	struct zt_identity member;
	struct zt_netconf nc;
	uint8_t want_dict[1024], want_sig[96];
	size_t want_len = zt_unhex(vec_b_hex, want_dict, sizeof(want_dict));
	zt_unhex("08412549047d9f15df9bf484dbd2c823485be41c337ddd558e0605af4cc6960f"
	         "bf1683bcb802d05819164a6019d98ca7019538fd15c64c481c2afabc504bbf09"
	         "9fdd881c433c891193cea08c3841ff695fa158e43567001a4dc5dfc6f2f1c6c5",
	         want_sig, sizeof(want_sig));
	fx_init(&F, 0);
	fx_member(&member, VEC_MEMBER);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{\"name\":\"plain\"}", 1000));
	authorize(VEC_MEMBER, PATH_B, 2000);
	F.script[F.nscript++] = 0x1122334455667788ULL;
	CHECK(fx_request(&F, &member, VEC_NWID_B, NULL, 0xabcdef, 0x1a21f2ee00cLL));
	REQUIRE(F.npkts == 1 && F.pkts[0].verb == ZT_VERB_OK);
	const struct fx_pkt *p = &F.pkts[0];
	REQUIRE(p->len == 9 + 8 + 2 + want_len + 1 + 8 + 4 + 4 + 3 + 96);
	struct zt_rd r;
	zt_rd_init(&r, p->p, p->len);
	CHECK_EQ_INT(zt_rd_u8(&r), ZT_VERB_NETWORK_CONFIG_REQUEST);
	CHECK(zt_rd_u64(&r) == 0xabcdef);
	CHECK(zt_rd_u64(&r) == VEC_NWID_B);
	CHECK_EQ_INT(zt_rd_u16(&r), want_len);
	CHECK_MEM(zt_rd_bytes(&r, want_len), want_dict, want_len);
	CHECK_EQ_INT(zt_rd_u8(&r), 0);
	CHECK(zt_rd_u64(&r) == 0x1122334455667788ULL);
	CHECK_EQ_INT(zt_rd_u32(&r), want_len);
	CHECK_EQ_INT(zt_rd_u32(&r), 0);
	CHECK_EQ_INT(zt_rd_u8(&r), 1);
	CHECK_EQ_INT(zt_rd_u16(&r), 96);
	CHECK_MEM(zt_rd_bytes(&r, 96), want_sig, 96);
	CHECK_EQ_INT(fx_config(&F, 0, VEC_MEMBER, 0xabcdef, &nc, NULL, 0, NULL), 1);
	CHECK_EQ_INT(nc.static_ip_count, 0);
	CHECK_EQ_INT(nc.rule_count, 1);
	zt_netconf_free(&nc);
	fx_free(&F);
}

static void not_found_and_not_ours(void)
{
	struct zt_identity m;
	struct zt_controller_counters k;
	fx_init(&F, 0);
	fx_member(&m, 0x1122334455);
	CHECK(fx_request(&F, &m, VEC_NWID_A, NULL, 7, 1000));
	CHECK_EQ_INT(fx_error(&F, 0, m.address, 7), ZT_ERR_OBJ_NOT_FOUND);
	/* A network of another controller: silence, as stock. */
	fx_clear(&F);
	CHECK(fx_request(&F, &m, 0x1111111111000001ULL, NULL, 8, 1000));
	CHECK_EQ_INT(F.npkts, 0);
	zt_controller_counters(F.c, &k);
	CHECK_EQ_INT(k.not_found, 1);
	/* Other verbs are not the controller's. */
	CHECK(!fx_packet(&F, &m, ZT_VERB_FRAME, "x", 1, 9, 1000));
	fx_free(&F);
}

/* An unknown member is recorded (so an operator sees it) and refused; authorizing it pushes its config. */
static void unknown_member_denied_then_pushed(void)
{
	struct zt_identity m;
	struct zt_netconf nc;
	fx_init(&F, 0);
	fx_member(&m, 0x1122334455);
	cJSON_Delete(fx_ok(&F, "POST", PATH_A, config_a_network, 1000));
	CHECK(fx_request(&F, &m, VEC_NWID_A, NULL, 7, 2000));
	CHECK_EQ_INT(fx_error(&F, 0, m.address, 7), ZT_ERR_NETWORK_ACCESS_DENIED);
	cJSON *j = fx_ok(&F, "GET", PATH_A "/member/1122334455", NULL, 2100);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(j, "authorized")));
	CHECK(cJSON_IsString(cJSON_GetObjectItem(j, "identity")));
	CHECK_EQ_INT(cJSON_GetObjectItem(j, "revision")->valueint, 1);
	CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "ipAssignments")), 0);
	cJSON_Delete(j);
	size_t mark = F.npkts;
	authorize(m.address, PATH_A, 3000);
	CHECK_EQ_INT(fx_config(&F, mark, m.address, 0, &nc, NULL, 0, NULL), 1);
	CHECK_EQ_INT(nc.issued_to, m.address);
	CHECK_EQ_INT(nc.static_ip_count, 3);
	zt_netconf_free(&nc);
	fx_free(&F);
}

/* The address is pinned to the key it first came with (§9.2): another key for it is refused, the record
 * keeps the first. */
static void identity_pinning(void)
{
	struct zt_identity good, evil;
	struct zt_netconf nc;
	fx_init(&F, 0);
	fx_member(&good, VEC_MEMBER);
	fx_member(&evil, 0x1234567890);
	evil.address = VEC_MEMBER;
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{}", 1000));
	authorize(VEC_MEMBER, PATH_B, 1000);
	CHECK(fx_request(&F, &good, VEC_NWID_B, NULL, 1, 2000));
	CHECK_EQ_INT(fx_config(&F, 0, VEC_MEMBER, 1, &nc, NULL, 0, NULL), 1);
	zt_netconf_free(&nc);
	const struct fx_file *before = fx_file(&F, "network/5a198f7032e84eb2/member/9620b89c1d.json");
	char *saved = before ? strdup(before->data) : NULL;
	CHECK(fx_request(&F, &evil, VEC_NWID_B, NULL, 2, 5000));
	CHECK_EQ_INT(fx_error(&F, 0, VEC_MEMBER, 2), ZT_ERR_NETWORK_ACCESS_DENIED);
	const struct fx_file *after = fx_file(&F, "network/5a198f7032e84eb2/member/9620b89c1d.json");
	CHECK(saved && after && !strcmp(saved, after->data));
	free(saved);
	/* The rightful key still gets its config. */
	CHECK(fx_request(&F, &good, VEC_NWID_B, NULL, 3, 9000));
	CHECK_EQ_INT(fx_config(&F, 0, VEC_MEMBER, 3, &nc, NULL, 0, NULL), 1);
	zt_netconf_free(&nc);
	fx_free(&F);
}

static void throttle_one_per_second(void)
{
	struct zt_identity m;
	struct zt_controller_counters k;
	fx_init(&F, 0);
	fx_member(&m, VEC_MEMBER);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{}", 1000));
	authorize(VEC_MEMBER, PATH_B, 1000);
	CHECK(fx_request(&F, &m, VEC_NWID_B, NULL, 1, 10000));
	size_t n = F.npkts;
	CHECK(n >= 1);
	CHECK(fx_request(&F, &m, VEC_NWID_B, NULL, 2, 10500));
	CHECK(fx_request(&F, &m, VEC_NWID_B, NULL, 3, 11000));
	CHECK_EQ_INT(F.npkts, n);
	CHECK(fx_request(&F, &m, VEC_NWID_B, NULL, 4, 11001));
	CHECK(F.npkts > n);
	zt_controller_counters(F.c, &k);
	CHECK_EQ_INT(k.throttled, 2);
	CHECK_EQ_INT(k.configs_sent, 2);
	fx_free(&F);
}

/* Metadata beyond 1023 bytes is cut as stock's buffer cuts it: a `revr` past that point is lost, and the
 * member gets the single ACCEPT rule instead of the network's rules. A length past the payload is
 * dropped. */
static void metadata_limits(void)
{
	struct zt_identity m;
	struct zt_netconf nc;
	char md[2100];
	fx_init(&F, 0);
	fx_member(&m, VEC_MEMBER);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{\"rules\":[{\"type\":\"ACTION_DROP\"}]}", 1000));
	authorize(VEC_MEMBER, PATH_B, 1000);
	CHECK(fx_request(&F, &m, VEC_NWID_B, "revr=1", 1, 10000));
	REQUIRE(fx_config(&F, 0, VEC_MEMBER, 1, &nc, NULL, 0, NULL) == 1);
	CHECK(nc.rule_count == 1 && nc.rules[0].t == ZT_RULE_ACTION_DROP);
	zt_netconf_free(&nc);
	memset(md, 0, sizeof(md));
	memcpy(md, "o=", 2);
	memset(md + 2, 'x', 1100);
	strcat(md, "\nrevr=1");
	CHECK(fx_request(&F, &m, VEC_NWID_B, md, 2, 20000));
	REQUIRE(fx_config(&F, 0, VEC_MEMBER, 2, &nc, NULL, 0, NULL) == 1);
	CHECK(nc.rule_count == 1 && nc.rules[0].t == ZT_RULE_ACTION_ACCEPT);
	zt_netconf_free(&nc);

	/* Inconsistent lengths and short payloads: dropped and counted, never answered. */
	uint8_t bad[16] = {0x5a, 0x19, 0x8f, 0x70, 0x32, 0xe8, 0x4e, 0xb2, 0x01, 0x00, 'a', '=', '1'};
	struct zt_controller_counters k;
	fx_clear(&F);
	CHECK(fx_packet(&F, &m, ZT_VERB_NETWORK_CONFIG_REQUEST, bad, 13, 3, 30000));
	CHECK(fx_packet(&F, &m, ZT_VERB_NETWORK_CONFIG_REQUEST, bad, 7, 4, 40000));
	CHECK_EQ_INT(F.npkts, 0);
	zt_controller_counters(F.c, &k);
	CHECK_EQ_INT(k.malformed, 2);
	/* No metadata at all (8-byte payload) is a valid, if old, request. */
	CHECK(fx_packet(&F, &m, ZT_VERB_NETWORK_CONFIG_REQUEST, bad, 8, 5, 50000));
	REQUIRE(fx_config(&F, 0, VEC_MEMBER, 5, &nc, NULL, 0, NULL) == 1);
	CHECK(nc.rule_count == 1 && nc.rules[0].t == ZT_RULE_ACTION_ACCEPT);
	zt_netconf_free(&nc);
	fx_free(&F);
}

static void token_and_public_authorization(void)
{
	struct zt_identity a, b, c;
	struct zt_netconf nc;
	char md[300];
	fx_init(&F, 0);
	fx_member(&a, 0x1000000001);
	fx_member(&b, 0x1000000002);
	fx_member(&c, 0x1000000003);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{\"authTokens\":{\"letmein\":0,\"old\":5000}}", 1000));
	snprintf(md, sizeof(md), "%s\na=token:letmein", fx_stock_md);
	CHECK(fx_request(&F, &a, VEC_NWID_B, md, 1, 10000));
	CHECK_EQ_INT(fx_config(&F, 0, a.address, 1, &nc, NULL, 0, NULL), 1);
	zt_netconf_free(&nc);
	cJSON *j = fx_ok(&F, "GET", PATH_B "/member/1000000001", NULL, 10000);
	CHECK(!strcmp(cJSON_GetObjectItem(j, "lastAuthorizedCredentialType")->valuestring, "token"));
	CHECK(!strcmp(cJSON_GetObjectItem(j, "lastAuthorizedCredential")->valuestring, "letmein"));
	CHECK_EQ_INT((int64_t)cJSON_GetObjectItem(j, "lastAuthorizedTime")->valuedouble, 10000);
	cJSON_Delete(j);
	snprintf(md, sizeof(md), "%s\na=token:old", fx_stock_md); /* expired at 5000 */
	CHECK(fx_request(&F, &b, VEC_NWID_B, md, 2, 10000));
	CHECK_EQ_INT(fx_error(&F, 0, b.address, 2), ZT_ERR_NETWORK_ACCESS_DENIED);
	snprintf(md, sizeof(md), "%s\na=letmein", fx_stock_md); /* without "token:" */
	CHECK(fx_request(&F, &c, VEC_NWID_B, md, 3, 10000));
	CHECK_EQ_INT(fx_error(&F, 0, c.address, 3), ZT_ERR_NETWORK_ACCESS_DENIED);

	/* A public network takes everyone, and says so. */
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{\"private\":false}", 11000));
	CHECK(fx_request(&F, &c, VEC_NWID_B, NULL, 4, 20000));
	REQUIRE(fx_config(&F, 0, c.address, 4, &nc, NULL, 0, NULL) == 1);
	CHECK_EQ_INT(nc.type, ZT_NETWORK_PUBLIC);
	zt_netconf_free(&nc);
	j = fx_ok(&F, "GET", PATH_B "/member/1000000003", NULL, 20000);
	CHECK(!strcmp(cJSON_GetObjectItem(j, "lastAuthorizedCredentialType")->valuestring, "public"));
	cJSON_Delete(j);
	fx_free(&F);
}

/* Many members from one pool: every one gets an address of the pool, never .255, none twice, also for
 * addresses whose low 32 bits collide modulo the pool size; manual assignments are skipped; a full pool
 * leaves the rest without an IPv4 address. */
static void pool_assignment_without_collisions(void)
{
	enum { N = 300 };
	static uint32_t seen[N];
	size_t got = 0;
	fx_init(&F, 0);
	cJSON_Delete(fx_ok(
	    &F, "POST", PATH_B,
	    "{\"v4AssignMode\":{\"zt\":true},\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.9.0.1\","
	    "\"ipRangeEnd\":\"10.9.1.44\"}],\"routes\":[{\"target\":\"10.9.0.0/23\"}],\"private\":false}",
	    1000));
	cJSON_Delete(
	    fx_ok(&F, "POST", PATH_B "/member/00000000ff", "{\"ipAssignments\":[\"10.9.0.1\"]}", 1000));
	for (int i = 0; i < N; i++) {
		struct zt_identity m;
		struct zt_netconf nc;
		/* Low 32 bits equal modulo 299 (the pool's length) for every one of them. */
		fx_member(&m, ((uint64_t)(i / 3 + 1) << 32) + 299ULL * (uint64_t)(i % 3));
		fx_clear(&F);
		CHECK(fx_request(&F, &m, VEC_NWID_B, NULL, 100 + (uint64_t)i, 2000 + i));
		REQUIRE(fx_config(&F, 0, m.address, 100 + (uint64_t)i, &nc, NULL, 0, NULL) == 1);
		for (size_t k = 0; k < nc.static_ip_count; k++) {
			const struct zt_inetaddr *a = &nc.static_ips[k];
			if (a->family != ZT_INET_V4)
				continue;
			uint32_t v = (uint32_t)a->ip[0] << 24 | (uint32_t)a->ip[1] << 16 |
			             (uint32_t)a->ip[2] << 8 | a->ip[3];
			CHECK(v >= 0x0a090002 && v <= 0x0a09012b);
			CHECK((v & 0xff) != 0xff);
			CHECK_EQ_INT(a->port, 23);
			for (size_t x = 0; x < got; x++)
				CHECK(seen[x] != v);
			seen[got++] = v;
		}
		zt_netconf_free(&nc);
	}
	/* 298 usable: 10.9.0.2 .. 10.9.1.43 without 10.9.0.255 (the walk never reaches the range's end). */
	CHECK_EQ_INT(got, 297);
	fx_free(&F);
}

/* Deauthorizing a member sends every online member (itself included) one signed COM revocation; a second
 * one within a second waits for the credential gap; the member is refused afterwards. */
static void deauthorize_revokes(void)
{
	struct zt_identity m[3];
	struct zt_revocation rev[4];
	size_t packets;
	fx_init(&F, 0);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{}", 1000));
	for (int i = 0; i < 3; i++) {
		fx_member(&m[i], 0x2000000001ULL + (uint64_t)i);
		char path[96];
		snprintf(path, sizeof(path), PATH_B "/member/%010llx", (unsigned long long)m[i].address);
		cJSON_Delete(fx_ok(&F, "POST", path, "{\"authorized\":true}", 1000));
		CHECK(fx_request(&F, &m[i], VEC_NWID_B, NULL, 10 + (uint64_t)i, 5000));
	}
	fx_clear(&F);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B "/member/2000000002", "{\"authorized\":false}", 50000));
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(fx_revocations(&F, 0, m[i].address, rev, 4, &packets), 1);
		CHECK_EQ_INT(packets, 1);
		CHECK(rev[0].target == 0x2000000002ULL && rev[0].type == ZT_CREDENTIAL_COM);
		CHECK(rev[0].threshold == 50000 && rev[0].flags == ZT_REVOCATION_FLAG_FAST_PROPAGATE);
		CHECK(rev[0].nwid == VEC_NWID_B && rev[0].signer == F.id.address);
	}
	cJSON *j = fx_ok(&F, "GET", PATH_B "/member/2000000002", NULL, 50000);
	CHECK_EQ_INT((int64_t)cJSON_GetObjectItem(j, "lastDeauthorizedTime")->valuedouble, 50000);
	cJSON_Delete(j);
	fx_clear(&F);
	CHECK(fx_request(&F, &m[1], VEC_NWID_B, NULL, 20, 50100));
	CHECK_EQ_INT(fx_error(&F, 0, m[1].address, 20), ZT_ERR_NETWORK_ACCESS_DENIED);

	/* A second deauthorization 300 ms later: held back, then sent by the tick after the gap. */
	fx_clear(&F);
	cJSON_Delete(fx_ok(&F, "DELETE", PATH_B "/member/2000000003", NULL, 50300));
	CHECK_EQ_INT(fx_revocations(&F, 0, m[0].address, rev, 4, NULL), 0);
	int64_t next = zt_controller_tick(F.c, 50500);
	CHECK(next <= 51000);
	CHECK_EQ_INT(fx_revocations(&F, 0, m[0].address, rev, 4, NULL), 0);
	zt_controller_tick(F.c, 51000);
	CHECK_EQ_INT(fx_revocations(&F, 0, m[0].address, rev, 4, &packets), 1);
	CHECK_EQ_INT(packets, 1);
	CHECK(rev[0].target == 0x2000000003ULL);
	/* Members not heard from for two minutes are not online: nothing for them. */
	fx_clear(&F);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B "/member/2000000001", "{\"authorized\":false}", 300000));
	CHECK_EQ_INT(F.npkts, 0);
	fx_free(&F);
}

/* A change of the network reaches online members that sent metadata, with the new route, a new address
 * from a pool added later, and a higher revision; silent members get nothing. */
static void network_change_pushes(void)
{
	struct zt_identity a, b;
	struct zt_netconf nc;
	fx_init(&F, 0);
	fx_member(&a, 0x3000000001);
	fx_member(&b, 0x3000000002);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{\"private\":false}", 1000));
	CHECK(fx_request(&F, &a, VEC_NWID_B, NULL, 1, 2000));
	CHECK(fx_request(&F, &b, VEC_NWID_B, NULL, 2, 3000));
	fx_clear(&F);
	cJSON_Delete(
	    fx_ok(&F, "POST", PATH_B,
	          "{\"v4AssignMode\":{\"zt\":true},\"routes\":[{\"target\":\"10.5.0.0/16\",\"via\":null}],"
	          "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.5.0.10\",\"ipRangeEnd\":\"10.5.0.20\"}]}",
	          100000));
	CHECK_EQ_INT(fx_config(&F, 0, a.address, 0, &nc, NULL, 0, NULL), 1);
	CHECK_EQ_INT(nc.revision, 2);
	CHECK_EQ_INT(nc.route_count, 1);
	CHECK_EQ_INT(nc.static_ip_count, 1);
	zt_netconf_free(&nc);
	/* b asked at 3000: offline at 123001 but not at 100000, so it got one too. */
	CHECK_EQ_INT(fx_config(&F, 0, b.address, 0, &nc, NULL, 0, NULL), 1);
	zt_netconf_free(&nc);
	fx_clear(&F);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{\"mtu\":1500}", 123001));
	CHECK_EQ_INT(F.npkts, 0);
	/* An unchanged post stores and pushes nothing. */
	CHECK(fx_request(&F, &a, VEC_NWID_B, NULL, 3, 130000));
	fx_clear(&F);
	size_t puts = F.puts;
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{\"mtu\":1500}", 131000));
	CHECK_EQ_INT(F.npkts, 0);
	CHECK_EQ_INT(F.puts, puts);
	fx_free(&F);
}

/* A config bigger than one chunk goes out in signed slices of 9740 bytes that reassemble. */
static void large_config_in_chunks(void)
{
	struct zt_identity m;
	struct zt_netconf nc;
	size_t n = 900, len;
	char *body = malloc(n * 80 + 64), *p = body;
	fx_init(&F, 0);
	fx_member(&m, VEC_MEMBER);
	p += sprintf(p, "{\"rules\":[");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s{\"type\":\"MATCH_IPV6_SOURCE\",\"ip\":\"fd00::%zx/128\"}", i ? "," : "",
		             i);
	sprintf(p, ",{\"type\":\"ACTION_ACCEPT\"}]}");
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, body, 1000));
	free(body);
	authorize(VEC_MEMBER, PATH_B, 1000);
	CHECK(fx_request(&F, &m, VEC_NWID_B, NULL, 77, 2000));
	int chunks = fx_config(&F, 0, VEC_MEMBER, 77, &nc, NULL, 0, &len);
	CHECK(chunks >= 2);
	CHECK_EQ_INT((size_t)chunks, (len + ZT_CONTROLLER_MAX_CHUNK - 1) / ZT_CONTROLLER_MAX_CHUNK);
	CHECK_EQ_INT(nc.rule_count, n + 1);
	zt_netconf_free(&nc);
	fx_free(&F);
}

/* The controller's own node as a member: served locally, told of changes and revocations locally. */
static void local_member(void)
{
	struct zt_netconf nc;
	fx_init(&F, 0);
	CHECK_EQ_INT(zt_controller_request_local(F.c, VEC_NWID_B, NULL, 0, &nc, 1000), -ENOENT);
	CHECK_EQ_INT(zt_controller_request_local(F.c, 0x1111111111000001ULL, NULL, 0, &nc, 1000), -EINVAL);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{}", 1000));
	CHECK_EQ_INT(zt_controller_request_local(F.c, VEC_NWID_B, NULL, 0, &nc, 1000), -EACCES);
	authorize(F.id.address, PATH_B, 1000); /* it asked: authorizing it pushes */
	CHECK_EQ_INT(F.local_configs, 1);
	REQUIRE(zt_controller_request_local(F.c, VEC_NWID_B, NULL, 0, &nc, 2000) == 0);
	CHECK_EQ_INT(nc.issued_to, F.id.address);
	CHECK_EQ_INT(zt_com_verify(&nc.com, &F.id), 0);
	zt_netconf_free(&nc);
	CHECK_EQ_INT(F.npkts, 0);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{\"name\":\"renamed\"}", 3000));
	CHECK_EQ_INT(F.local_configs, 2);
	CHECK(F.last_local && !strcmp(F.last_local->name, "renamed"));
	/* The same through the dictionary form vl2's local_request wants. */
	uint8_t dict[4096];
	struct zt_wr w;
	zt_wr_init(&w, dict, sizeof(dict));
	REQUIRE(zt_controller_local_request_dict(F.c, VEC_NWID_B, fx_stock_md, strlen(fx_stock_md), &w,
	                                         3500) == 0);
	REQUIRE(zt_netconf_parse(&nc, dict, w.len) == 0);
	CHECK(nc.issued_to == F.id.address && !strcmp(nc.name, "renamed"));
	zt_netconf_free(&nc);
	zt_wr_init(&w, dict, sizeof(dict));
	CHECK_EQ_INT(zt_controller_local_request_dict(F.c, VEC_NWID_A, NULL, 0, &w, 3500),
	             ZT_ERR_OBJ_NOT_FOUND);
	CHECK(zt_controller_recently_configured(F.c, VEC_NWID_B, F.id.address, 3500 + 179999));
	CHECK(!zt_controller_recently_configured(F.c, VEC_NWID_B, F.id.address, 3500 + 180000));
	CHECK(!zt_controller_recently_configured(F.c, VEC_NWID_B, 0x1111111111, 3500));
	cJSON_Delete(fx_ok(&F, "POST", PATH_B "/member/5a198f7032", "{\"authorized\":false}", 4000));
	CHECK_EQ_INT(F.local_revocations, 1);
	zt_wr_init(&w, dict, sizeof(dict));
	CHECK_EQ_INT(zt_controller_local_request_dict(F.c, VEC_NWID_B, NULL, 0, &w, 4100),
	             ZT_ERR_NETWORK_ACCESS_DENIED);
	CHECK_EQ_INT(F.npkts, 0);
	fx_free(&F);
}

/* A member deleted while online is not brought back by the next push (stock's push re-creates it). */
static void push_does_not_recreate_deleted_member(void)
{
	struct zt_identity m;
	fx_init(&F, 0);
	fx_member(&m, 0x5000000001);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{\"private\":false}", 1000));
	CHECK(fx_request(&F, &m, VEC_NWID_B, NULL, 1, 2000));
	cJSON_Delete(fx_ok(&F, "DELETE", PATH_B "/member/5000000001", NULL, 3000));
	fx_clear(&F);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{\"name\":\"after\"}", 4000));
	CHECK_EQ_INT(F.npkts, 0);
	CHECK_EQ_INT(fx_api(&F, "GET", PATH_B "/member/5000000001", NULL, NULL, 4000), 404);
	CHECK(fx_file(&F, "network/5a198f7032e84eb2/member/5000000001.json") == NULL);
	/* Its next request makes it a member again, as any newcomer. */
	CHECK(fx_request(&F, &m, VEC_NWID_B, NULL, 2, 5000));
	CHECK_EQ_INT(fx_api(&F, "GET", PATH_B "/member/5000000001", NULL, NULL, 5000), 200);
	fx_free(&F);
}

/* zt_controller_build_config: a fixture's signed config without packets. */
static void build_config_for_fixtures(void)
{
	struct zt_identity m;
	struct zt_netconf nc;
	fx_init(&F, 0);
	fx_member(&m, VEC_MEMBER);
	cJSON_Delete(fx_ok(&F, "POST", PATH_A, config_a_network, T0 - 5000));
	CHECK_EQ_INT(zt_controller_build_config(F.c, VEC_NWID_A, &m, NULL, 0, &nc, T0), -EACCES);
	authorize(VEC_MEMBER, PATH_A, T0 - 4000);
	REQUIRE(zt_controller_build_config(F.c, VEC_NWID_A, &m, fx_stock_md, strlen(fx_stock_md), &nc, T0) ==
	        0);
	uint8_t buf[2048], want[2048];
	struct zt_wr w;
	zt_wr_init(&w, buf, sizeof(buf));
	CHECK_EQ_INT(zt_netconf_encode(&nc, &w), 0);
	size_t want_len = vec_config_a(want, sizeof(want));
	CHECK_EQ_INT(w.len, want_len);
	if (w.len == want_len)
		CHECK_MEM(buf, want, want_len);
	zt_netconf_free(&nc);
	CHECK_EQ_INT(F.npkts, 0);
	fx_free(&F);
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(config_a_byte_for_byte),
	    ZT_TEST(config_b_and_chunk_signature),
	    ZT_TEST(not_found_and_not_ours),
	    ZT_TEST(unknown_member_denied_then_pushed),
	    ZT_TEST(identity_pinning),
	    ZT_TEST(throttle_one_per_second),
	    ZT_TEST(metadata_limits),
	    ZT_TEST(token_and_public_authorization),
	    ZT_TEST(pool_assignment_without_collisions),
	    ZT_TEST(deauthorize_revokes),
	    ZT_TEST(network_change_pushes),
	    ZT_TEST(large_config_in_chunks),
	    ZT_TEST(local_member),
	    ZT_TEST(build_config_for_fixtures),
	    ZT_TEST(push_does_not_recreate_deleted_member),
	};
	return zt_test_main("controller_ctl_serve", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc,
	                    argv);
}
