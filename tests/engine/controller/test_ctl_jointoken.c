/* Suite for join tokens (controller.h, JOIN TOKENS): made through the API and stored as a hash only; a
 * request carrying one is authorized and recorded, once per member (a retransmission takes no second use);
 * the last use goes to one of two members; used-up, expired, revoked, unknown and other networks' tokens
 * and deauthorized members are refused as unauthorized members are, and counted; the token's pool; a
 * failed write takes no use; the files load back with their counts; the API refuses bad bodies. */
#include "fixture.h"
#include "harness.h"
#include "warmup.h"
#include "vl2/jointoken.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NW      "5a198f7032e84eb2"
#define NWID    0x5a198f7032e84eb2ULL
#define PATH_NW "/controller/network/" NW
#define PATH_T  "/ztrun/controller/network/" NW "/token"

static struct fx F, G;

static void warmup(void)
{
	zt_test_warm_crypto();
}

static const char network[] = "{\"private\":true,\"v4AssignMode\":{\"zt\":true},\"ipAssignmentPools\":[{"
                              "\"ipRangeStart\":\"10.20.0.1\",\"ipRangeEnd\":\"10.20.0.254\"}],\"routes\":[{"
                              "\"target\":\"10.20.0.0/16\",\"via\":null}]}";

static void setup(struct fx *f)
{
	fx_init(f, 0);
	cJSON_Delete(fx_ok(f, "POST", PATH_NW, network, 1000));
}

/* A new token's text (into out) from a create with body; NULL body: one use, no expiry. */
static void make_token(struct fx *f, const char *body, char out[ZT_JOIN_TOKEN_LEN + 1], int64_t now)
{
	cJSON *j = fx_ok(f, "POST", PATH_T, body ? body : "{}", now);
	const cJSON *t = cJSON_GetObjectItem(j, "token");
	out[0] = 0;
	CHECK(cJSON_IsString(t) && strlen(t->valuestring) == ZT_JOIN_TOKEN_LEN);
	if (cJSON_IsString(t))
		snprintf(out, ZT_JOIN_TOKEN_LEN + 1, "%s", t->valuestring);
	cJSON_Delete(j);
}

/* The stock metadata with a join token. */
static char *md_with(const char *token)
{
	static char md[1024];
	snprintf(md, sizeof(md), "%s\n" ZT_JOIN_TOKEN_KEY "=%s", fx_stock_md, token);
	return md;
}

/* Did `member` get a config (1) or ACCESS_DENIED (0) for the request `id` sent now? */
static int ask(struct fx *f, const struct zt_identity *member, const char *md, uint64_t id, int64_t now)
{
	struct zt_netconf nc;
	size_t from = f->npkts;
	CHECK(fx_request(f, member, NWID, md, id, now));
	if (fx_config(f, from, member->address, id, &nc, NULL, 0, NULL) > 0) {
		zt_netconf_free(&nc);
		return 1;
	}
	return fx_error(f, from, member->address, id) == ZT_ERR_NETWORK_ACCESS_DENIED ? 0 : -1;
}

static cJSON *token_json(struct fx *f, const char *name, int64_t now)
{
	char path[128];
	snprintf(path, sizeof(path), PATH_T "/%s", name);
	return fx_ok(f, "GET", path, NULL, now);
}

static int64_t num(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(j, key);
	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
}

/* Made once, stored as a hash; a member with it is authorized and recorded; its repeat requests (the
 * retransmissions of an authorized member) take no second use. */
static void admits_and_records(void)
{
	char tok[ZT_JOIN_TOKEN_LEN + 1];
	struct zt_identity m;
	uint64_t nwid = 0;
	setup(&F);
	fx_member(&m, 0x1122334455ULL);
	make_token(&F, "{\"name\":\"ci\",\"maxUses\":2}", tok, 2000);
	CHECK(zt_join_token_parse(tok, strlen(tok), &nwid) && nwid == NWID);
	const struct fx_file *file = fx_file(&F, "network/" NW "/jointoken/ci.json");
	REQUIRE(file != NULL);
	CHECK(strstr(file->data, "\"hash\":\"") != NULL);
	CHECK(strstr(file->data, tok + 23) == NULL); /* the secret part is nowhere */

	CHECK_EQ_INT(ask(&F, &m, md_with(tok), 1, 3000), 1);
	cJSON *mem = fx_ok(&F, "GET", PATH_NW "/member/1122334455", NULL, 3000);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(mem, "authorized")));
	CHECK(!strcmp(cJSON_GetObjectItem(mem, "lastAuthorizedCredentialType")->valuestring, "joinToken"));
	CHECK(!strcmp(cJSON_GetObjectItem(mem, "lastAuthorizedCredential")->valuestring, "ci"));
	CHECK_EQ_INT(num(mem, "lastAuthorizedTime"), 3000);
	cJSON_Delete(mem);
	for (int i = 0; i < 3; i++) /* retransmissions, past the throttle */
		CHECK_EQ_INT(ask(&F, &m, md_with(tok), 2 + (uint64_t)i, 5000 + 2000 * i), 1);
	cJSON *t = token_json(&F, "ci", 20000);
	CHECK_EQ_INT(num(t, "useCount"), 1);
	CHECK_EQ_INT(num(t, "usesLeft"), 1);
	const cJSON *users = cJSON_GetObjectItem(t, "usedBy");
	CHECK_EQ_INT(cJSON_GetArraySize(users), 1);
	CHECK(!strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(users, 0), "address")->valuestring, "1122334455"));
	CHECK_EQ_INT(num(cJSON_GetArrayItem(users, 0), "time"), 3000);
	CHECK(cJSON_GetObjectItem(t, "hash") == NULL && cJSON_GetObjectItem(t, "token") == NULL);
	cJSON_Delete(t);
	struct zt_controller_counters k;
	zt_controller_counters(F.c, &k);
	CHECK_EQ_INT(k.join_token_admitted, 1);
	CHECK_EQ_INT(k.join_token_refused, 0);
	fx_free(&F);
}

/* Two members want the last use at the same moment: one gets it, the other is refused. */
static void last_use_goes_once(void)
{
	char tok[ZT_JOIN_TOKEN_LEN + 1];
	struct zt_identity a, b;
	setup(&F);
	fx_member(&a, 0x1111111111ULL);
	fx_member(&b, 0x2222222222ULL);
	make_token(&F, "{\"name\":\"one\"}", tok, 2000);
	CHECK_EQ_INT(ask(&F, &a, md_with(tok), 1, 3000) + ask(&F, &b, md_with(tok), 2, 3000), 1);
	cJSON *t = token_json(&F, "one", 3000);
	CHECK_EQ_INT(num(t, "useCount"), 1);
	CHECK_EQ_INT(num(t, "refusedCount"), 1);
	CHECK(!strcmp(cJSON_GetObjectItem(t, "state")->valuestring, "used up"));
	cJSON_Delete(t);
	fx_free(&F);
}

/* Refused as an unauthorized member is (ERROR NETWORK_ACCESS_DENIED, an unauthorized record), and counted:
 * expired, revoked, unknown, another network's, too long, and a member that was deauthorized once. A push
 * never uses a token. Revoking leaves the members it let in authorized. */
static void refusals(void)
{
	char keep[ZT_JOIN_TOKEN_LEN + 1], brief[ZT_JOIN_TOKEN_LEN + 1], gone[ZT_JOIN_TOKEN_LEN + 1];
	char wrong[ZT_JOIN_TOKEN_LEN + 1], other[ZT_JOIN_TOKEN_LEN + 1], md[1200];
	struct zt_identity m[7];
	uint8_t secret[ZT_JOIN_TOKEN_SECRET_LEN] = {1, 2, 3};
	setup(&F);
	for (int i = 0; i < 7; i++)
		fx_member(&m[i], 0x1000000000ULL + (uint64_t)i);
	make_token(&F, "{\"name\":\"keep\",\"maxUses\":0}", keep, 2000);
	make_token(&F, "{\"name\":\"brief\",\"expiresIn\":1000}", brief, 2000);
	make_token(&F, "{\"name\":\"gone\",\"maxUses\":5}", gone, 2000);
	zt_join_token_format(wrong, NWID, secret);
	memcpy(other, keep, sizeof(other));
	memcpy(other + 6, "5a198f7032000001", 16); /* a token text for another network */

	CHECK_EQ_INT(ask(&F, &m[0], md_with(gone), 1, 2500), 1);
	cJSON_Delete(fx_ok(&F, "DELETE", PATH_T "/gone", NULL, 2600));
	CHECK_EQ_INT(ask(&F, &m[1], md_with(gone), 2, 2700), 0);
	CHECK_EQ_INT(ask(&F, &m[2], md_with(brief), 3, 3000), 0); /* expired at 3000 */
	CHECK_EQ_INT(ask(&F, &m[3], md_with(wrong), 4, 3000), 0);
	CHECK_EQ_INT(ask(&F, &m[4], md_with(other), 5, 3000), 0);
	snprintf(md, sizeof(md), "%s\n" ZT_JOIN_TOKEN_KEY "=%sx", fx_stock_md, keep);
	CHECK_EQ_INT(ask(&F, &m[5], md, 6, 3000), 0);
	/* a member once deauthorized comes back only by hand, not by a token with uses left */
	CHECK_EQ_INT(ask(&F, &m[6], md_with(keep), 7, 3000), 1);
	cJSON_Delete(fx_ok(&F, "POST", PATH_NW "/member/1000000006", "{\"authorized\":false}", 3100));
	CHECK_EQ_INT(ask(&F, &m[6], md_with(keep), 8, 5000), 0);
	cJSON_Delete(fx_ok(&F, "POST", PATH_NW "/member/1000000006", "{\"authorized\":true}", 5100));
	CHECK_EQ_INT(ask(&F, &m[6], NULL, 9, 7000), 1);

	cJSON *mem = fx_ok(&F, "GET", PATH_NW "/member/1000000000", NULL, 8000);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(mem, "authorized"))); /* revoking left it in */
	cJSON_Delete(mem);
	mem = fx_ok(&F, "GET", PATH_NW "/member/1000000003", NULL, 8000);
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(mem, "authorized")));
	cJSON_Delete(mem);
	cJSON *list = fx_ok(&F, "GET", PATH_T, NULL, 8000);
	CHECK_EQ_INT(num(cJSON_GetObjectItem(list, "meta"), "refusedUnknownToken"), 3);
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(list, "data"))
	{
		const char *name = cJSON_GetObjectItem(t, "name")->valuestring;
		CHECK_EQ_INT(num(t, "refusedCount"), 1);
		CHECK_EQ_INT(num(t, "useCount"), !strcmp(name, "brief") ? 0 : 1);
		CHECK(!strcmp(cJSON_GetObjectItem(t, "state")->valuestring,
		              !strcmp(name, "brief") ? "expired" : !strcmp(name, "gone") ? "revoked" : "active"));
	}
	cJSON_Delete(list);
	struct zt_controller_counters k;
	zt_controller_counters(F.c, &k);
	CHECK_EQ_INT(k.join_token_admitted, 2);
	CHECK_EQ_INT(k.join_token_refused, 6);
	CHECK_EQ_INT(k.denied, 6);
	fx_free(&F);
}

/* Members a token lets in take the token's pool; others the network's. */
static void token_pool(void)
{
	char tok[ZT_JOIN_TOKEN_LEN + 1];
	struct zt_identity a, b;
	struct zt_netconf nc;
	setup(&F);
	fx_member(&a, 0x1111111111ULL);
	fx_member(&b, 0x2222222222ULL);
	make_token(&F, "{\"name\":\"pool\",\"ipPool\":\"10.20.7.0/24\"}", tok, 2000);
	cJSON_Delete(fx_ok(&F, "POST", PATH_NW "/member/2222222222", "{\"authorized\":true}", 2000));
	CHECK(fx_request(&F, &a, NWID, md_with(tok), 1, 3000));
	REQUIRE(fx_config(&F, 0, a.address, 1, &nc, NULL, 0, NULL) > 0);
	REQUIRE(nc.static_ip_count == 1);
	CHECK(nc.static_ips[0].ip[0] == 10 && nc.static_ips[0].ip[1] == 20 && nc.static_ips[0].ip[2] == 7 &&
	      nc.static_ips[0].ip[3] != 0 && nc.static_ips[0].ip[3] != 255);
	zt_netconf_free(&nc);
	size_t from = F.npkts;
	CHECK(fx_request(&F, &b, NWID, NULL, 2, 3000));
	REQUIRE(fx_config(&F, from, b.address, 2, &nc, NULL, 0, NULL) > 0);
	REQUIRE(nc.static_ip_count == 1);
	CHECK(nc.static_ips[0].ip[2] == 0); /* the network's pool, 10.20.0.1-254 */
	zt_netconf_free(&nc);
	fx_free(&F);
}

/* A use that cannot be stored is not given: the member is refused and the token keeps its uses. */
static void failed_write_takes_no_use(void)
{
	char tok[ZT_JOIN_TOKEN_LEN + 1];
	struct zt_identity m;
	setup(&F);
	fx_member(&m, 0x1111111111ULL);
	make_token(&F, "{\"name\":\"t\"}", tok, 2000);
	F.store_error = -EIO;
	CHECK_EQ_INT(ask(&F, &m, md_with(tok), 1, 3000), 0);
	F.store_error = 0;
	cJSON *t = token_json(&F, "t", 3000);
	CHECK_EQ_INT(num(t, "useCount"), 0);
	cJSON_Delete(t);
	CHECK_EQ_INT(ask(&F, &m, md_with(tok), 2, 5000), 1);
	fx_free(&F);
}

/* A restarted controller loads the tokens with their counts, and they keep working as before. */
static void files_load_back(void)
{
	char tok[ZT_JOIN_TOKEN_LEN + 1], err[200];
	struct zt_identity a, b, c;
	setup(&F);
	fx_init(&G, 0);
	fx_member(&a, 0x1111111111ULL);
	fx_member(&b, 0x2222222222ULL);
	fx_member(&c, 0x3333333333ULL);
	make_token(&F, "{\"name\":\"two\",\"maxUses\":2,\"ipPool\":\"10.20.9.0/28\"}", tok, 2000);
	CHECK_EQ_INT(ask(&F, &a, md_with(tok), 1, 3000), 1);
	for (int pass = 0; pass < 3; pass++) /* networks, members, tokens */
		for (size_t i = 0; i < F.nfiles; i++) {
			const char *name = F.files[i].name;
			int kind = strstr(name, "/member/") ? 1 : strstr(name, "/jointoken/") ? 2 : 0;
			if (kind == pass)
				CHECK_EQ_INT(zt_controller_load(G.c, name, F.files[i].data, F.files[i].len, err,
				                                sizeof(err)),
				             0);
		}
	int s1 = 0, s2 = 0;
	cJSON *x = NULL, *y = NULL;
	s1 = fx_api(&F, "GET", PATH_T "/two", NULL, &x, 4000);
	s2 = fx_api(&G, "GET", PATH_T "/two", NULL, &y, 4000);
	char *px = cJSON_PrintUnformatted(x), *py = cJSON_PrintUnformatted(y);
	CHECK(s1 == 200 && s2 == 200 && px && py && !strcmp(px, py));
	free(px);
	free(py);
	cJSON_Delete(x);
	cJSON_Delete(y);
	CHECK_EQ_INT(ask(&G, &b, md_with(tok), 2, 5000), 1);
	CHECK_EQ_INT(ask(&G, &c, md_with(tok), 3, 5000), 0);
	/* a record that does not match its file, or is not one */
	CHECK_EQ_INT(zt_controller_load(G.c, "network/" NW "/jointoken/two.json", "{}", 2, err, sizeof(err)),
	             -EEXIST);
	CHECK_EQ_INT(zt_controller_load(G.c, "network/" NW "/jointoken/x.json", "{\"name\":\"y\"}", 12, err,
	                                sizeof(err)),
	             -EBADMSG);
	CHECK_EQ_INT(zt_controller_load(G.c, "network/" NW "/jointoken/.x.json", "{}", 2, err, sizeof(err)),
	             -EINVAL);
	CHECK_EQ_INT(zt_controller_load(G.c, "network/5a198f7032000009/jointoken/x.json", "{}", 2, err,
	                                sizeof(err)),
	             -ENOENT);
	fx_free(&F);
	fx_free(&G);
}

/* The API: bad bodies refused with 400 and nothing stored; names unique; paths and methods. */
static void api_checks(void)
{
	static const char *const bad[] = {
	    "[]",
	    "{\"uses\":3}",
	    "{\"name\":\"\"}",
	    "{\"name\":\"-x\"}",
	    "{\"name\":\"a/b\"}",
	    "{\"maxUses\":-1}",
	    "{\"maxUses\":1.5}",
	    "{\"expiresIn\":0}",
	    "{\"expires\":10}",
	    "{\"expires\":99999999999,\"expiresIn\":5}",
	    "{\"ipPool\":\"10.99.0.0/24\"}",
	    "{\"ipPool\":\"10.20.0.1\"}",
	    "{\"ipPool\":\"fd00::/64\"}",
	    "{\"ipPool\":5}",
	};
	char tok[ZT_JOIN_TOKEN_LEN + 1];
	setup(&F);
	size_t puts = F.puts;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *j = NULL;
		CHECK_EQ_INT(fx_api(&F, "POST", PATH_T, bad[i], &j, 2000), 400);
		CHECK(cJSON_IsString(cJSON_GetObjectItem(j, "error")));
		cJSON_Delete(j);
	}
	CHECK_EQ_INT(F.puts, puts);
	make_token(&F, "{\"name\":\"a\"}", tok, 2000);
	CHECK_EQ_INT(fx_api(&F, "POST", PATH_T, "{\"name\":\"a\"}", NULL, 2000), 409);
	make_token(&F, NULL, tok, 2000); /* a name is made up */
	CHECK_EQ_INT(fx_api(&F, "GET", PATH_T "/nope", NULL, NULL, 2000), 404);
	CHECK_EQ_INT(fx_api(&F, "POST", PATH_T "/a", "{}", NULL, 2000), 405);
	CHECK_EQ_INT(fx_api(&F, "DELETE", PATH_T, NULL, NULL, 2000), 405);
	CHECK_EQ_INT(fx_api(&F, "GET", "/ztrun/controller/network/5a198f7032000009/token", NULL, NULL, 2000), 404);
	CHECK_EQ_INT(fx_api(&F, "GET", "/ztrun/controller/network/" NW "/tokens", NULL, NULL, 2000), 404);
	cJSON *list = fx_ok(&F, "GET", PATH_T "/", NULL, 2000);
	CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(list, "data")), 2);
	cJSON_Delete(list);
	/* revoking twice is fine and keeps the first time */
	cJSON_Delete(fx_ok(&F, "DELETE", PATH_T "/a", NULL, 3000));
	cJSON *t = fx_ok(&F, "DELETE", PATH_T "/a", NULL, 4000);
	CHECK_EQ_INT(num(t, "revokedTime"), 3000);
	cJSON_Delete(t);
	/* deleting the network takes its tokens */
	cJSON_Delete(fx_ok(&F, "DELETE", PATH_NW, NULL, 5000));
	CHECK_EQ_INT(fx_api(&F, "GET", PATH_T, NULL, NULL, 5000), 404);
	fx_free(&F);
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(admits_and_records), ZT_TEST(last_use_goes_once), ZT_TEST(refusals),
	    ZT_TEST(token_pool),         ZT_TEST(failed_write_takes_no_use), ZT_TEST(files_load_back),
	    ZT_TEST(api_checks),
	};
	return zt_test_main("controller_ctl_jointoken", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc,
	                    argv);
}
