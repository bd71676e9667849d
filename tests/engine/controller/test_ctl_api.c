/* Suite for the JSON API (spec §10.2): every endpoint, stock's fields, defaults and key order, files in
 * FileDB layout, 400s with a message for bad JSON and bad values that change nothing, 500 when the store
 * fails, and records that load back (ours and stock-shaped ones). */
#include "fixture.h"
#include "harness.h"
#include "warmup.h"
#include "vectors.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fx F, G;

static void warmup(void)
{
	zt_test_warm_crypto();
}

#define NW      "5a198f7032e84eb2"
#define PATH_NW "/controller/network/" NW

/* The raw answer text (malloc'd) and status. */
static char *raw(struct fx *f, const char *method, const char *path, const char *body, int *status,
                 int64_t now)
{
	char *resp = NULL;
	if (zt_controller_api(f->c, method, path, body, body ? strlen(body) : 0, status, &resp, now) != 0)
		return NULL;
	return resp;
}

static bool json_equal_text(const cJSON *j, const char *text)
{
	cJSON *want = cJSON_Parse(text);
	bool eq = want && cJSON_Compare(j, want, true);
	if (!eq) {
		char *got = cJSON_PrintUnformatted(j);
		fprintf(stderr, "    got  %s\n    want %s\n", got ? got : "(null)", text);
		free(got);
	}
	cJSON_Delete(want);
	return eq;
}

static void controller_info(void)
{
	fx_init(&F, 0);
	cJSON *j = fx_ok(&F, "GET", "/controller", NULL, 1234567);
	CHECK(json_equal_text(
	    j, "{\"controller\":true,\"apiVersion\":4,\"clock\":1234567,\"databaseReady\":true}"));
	cJSON_Delete(j);
	CHECK_EQ_INT(fx_api(&F, "POST", "/controller", "{}", NULL, 1), 405);
	CHECK_EQ_INT(fx_api(&F, "GET", "/controller/", NULL, NULL, 1), 200);
	CHECK_EQ_INT(fx_api(&F, "GET", "/controller?auth=x", NULL, NULL, 1), 200);
	fx_free(&F);
}

/* A new network has stock's defaults, in stock's shapes and key order, and its file is that text. */
static void network_defaults_as_stock(void)
{
	int status;
	char want[1200], name[64];
	fx_init(&F, 0);
	char *text = raw(&F, "POST", "/controller/network/5a198f7032______", "", &status, 1000);
	REQUIRE(text && status == 200);
	cJSON *j = cJSON_Parse(text);
	const char *id = cJSON_GetObjectItem(j, "id")->valuestring;
	CHECK(strlen(id) == 16 && !strncmp(id, "5a198f7032", 10) && strcmp(id + 10, "000000") != 0);
	snprintf(
	    want, sizeof(want),
	    "{\"authTokens\":[null],\"authorizationEndpoint\":\"\",\"capabilities\":[],\"clientId\":\"\","
	    "\"creationTime\":1000,\"dns\":[],\"enableBroadcast\":true,\"id\":\"%s\",\"ipAssignmentPools\":[]"
	    ","
	    "\"mtu\":2800,\"multicastLimit\":32,\"name\":\"\",\"nwid\":\"%s\",\"objtype\":\"network\","
	    "\"private\":true,\"remoteTraceLevel\":0,\"remoteTraceTarget\":null,\"revision\":1,\"routes\":[],"
	    "\"rules\":[{\"type\":\"ACTION_ACCEPT\"}],\"rulesSource\":\"\",\"ssoEnabled\":false,\"tags\":[],"
	    "\"v4AssignMode\":{\"zt\":false},\"v6AssignMode\":{\"6plane\":false,\"rfc4193\":false,\"zt\":"
	    "false}}",
	    id, id);
	CHECK(!strcmp(text, want)); /* byte for byte: keys sorted as stock's std::map */
	snprintf(name, sizeof(name), "network/%s.json", id);
	const struct fx_file *file = fx_file(&F, name);
	CHECK(file && !strcmp(file->data, text));
	cJSON_Delete(j);
	free(text);

	CHECK_EQ_INT(fx_api(&F, "POST", "/controller/network/1111111111______", "{}", NULL, 1000), 400);
	CHECK_EQ_INT(fx_api(&F, "GET", "/controller/network/5a198f7032______", NULL, NULL, 1000), 405);
	cJSON *n2 = fx_ok(&F, "POST", "/controller/network", "{\"name\":\"second\"}", 2000);
	cJSON *list = fx_ok(&F, "GET", "/controller/network", NULL, 2000);
	CHECK_EQ_INT(cJSON_GetArraySize(list), 2);
	CHECK(n2 && !strcmp(cJSON_GetObjectItem(n2, "name")->valuestring, "second"));
	cJSON_Delete(n2);
	cJSON_Delete(list);
	fx_free(&F);
}

static const char full_network[] =
    "{\"name\":\"full\",\"private\":false,\"enableBroadcast\":false,\"multicastLimit\":7,\"mtu\":1500,"
    "\"v4AssignMode\":{\"zt\":true},\"v6AssignMode\":{\"zt\":true,\"rfc4193\":true,\"6plane\":false},"
    "\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.1.0.1\",\"ipRangeEnd\":\"10.1.0.99\"},"
    "{\"ipRangeStart\":\"fd00::1\",\"ipRangeEnd\":\"fd00::ffff\"}],"
    "\"routes\":[{\"target\":\"10.1.0.0/16\",\"via\":null},{\"target\":\"0.0.0.0/0\",\"via\":\"10.1.0.1\"},"
    "{\"target\":\"fd00::/64\",\"via\":null}],"
    "\"rules\":[{\"type\":\"MATCH_ETHERTYPE\",\"not\":true,\"or\":false,\"etherType\":2048},"
    "{\"type\":\"MATCH_IPV4_SOURCE\",\"not\":false,\"or\":true,\"ip\":\"10.1.0.0/16\"},"
    "{\"type\":\"MATCH_IPV6_DEST\",\"not\":false,\"or\":false,\"ip\":\"fd00::/8\"},"
    "{\"type\":\"MATCH_MAC_SOURCE\",\"not\":false,\"or\":false,\"mac\":\"02:11:22:33:44:55\"},"
    "{\"type\":\"MATCH_IP_DEST_PORT_RANGE\",\"not\":false,\"or\":false,\"start\":80,\"end\":443},"
    "{\"type\":\"MATCH_CHARACTERISTICS\",\"not\":false,\"or\":false,\"mask\":\"1000000000000002\"},"
    "{\"type\":\"MATCH_ICMP\",\"not\":false,\"or\":false,\"icmpType\":8,\"icmpCode\":null},"
    "{\"type\":\"MATCH_ICMP\",\"not\":false,\"or\":false,\"icmpType\":3,\"icmpCode\":4},"
    "{\"type\":\"MATCH_TAGS_DIFFERENCE\",\"not\":false,\"or\":false,\"id\":1000,\"value\":0},"
    "{\"type\":\"MATCH_SOURCE_ZEROTIER_ADDRESS\",\"not\":false,\"or\":false,\"zt\":\"9620b89c1d\"},"
    "{\"type\":\"INTEGER_RANGE\",\"not\":false,\"or\":false,\"start\":\"0000000000000010\","
    "\"end\":\"0000000000000020\",\"idx\":4,\"little\":true,\"bits\":16},"
    "{\"type\":\"ACTION_TEE\",\"address\":\"9620b89c1d\",\"flags\":0,\"length\":64},"
    "{\"type\":\"ACTION_REDIRECT\",\"address\":\"9620b89c1d\",\"flags\":1},"
    "{\"type\":\"ACTION_DROP\"},{\"type\":\"ACTION_BREAK\"},{\"type\":\"ACTION_ACCEPT\"}],"
    "\"capabilities\":[{\"id\":2,\"default\":false,\"rules\":[{\"type\":\"ACTION_ACCEPT\"}]},"
    "{\"id\":1,\"default\":true,\"rules\":[]}],"
    "\"tags\":[{\"id\":5,\"default\":null},{\"id\":3,\"default\":9}],"
    "\"dns\":{\"domain\":\"zt.example\",\"servers\":[\"10.1.0.1\",\"fd00::1\"]},"
    "\"authTokens\":{\"tok\":0},\"remoteTraceTarget\":\"9620b89c1d\",\"remoteTraceLevel\":2,"
    "\"certificateTimeoutWindowSize\":600000}";

/* Every field comes back as posted (capabilities and tags sorted by id, as stock's maps); posting the
 * answer back changes nothing, stores nothing. */
static void network_fields_round_trip(void)
{
	fx_init(&F, 0);
	cJSON *posted = cJSON_Parse(full_network), *got = fx_ok(&F, "POST", PATH_NW, full_network, 1000);
	REQUIRE(got && posted);
	const char *keys[] = {"name",
	                      "private",
	                      "enableBroadcast",
	                      "multicastLimit",
	                      "mtu",
	                      "v4AssignMode",
	                      "v6AssignMode",
	                      "ipAssignmentPools",
	                      "routes",
	                      "rules",
	                      "dns",
	                      "authTokens",
	                      "remoteTraceTarget",
	                      "remoteTraceLevel",
	                      "certificateTimeoutWindowSize"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		bool eq = cJSON_Compare(cJSON_GetObjectItem(got, keys[i]),
		                        cJSON_GetObjectItem(posted, keys[i]), true);
		if (!eq)
			fprintf(stderr, "    field %s differs\n", keys[i]);
		CHECK(eq);
	}
	CHECK(
	    json_equal_text(cJSON_GetObjectItem(got, "capabilities"),
	                    "[{\"default\":true,\"id\":1,\"rules\":[]},{\"default\":false,\"id\":2,\"rules\":"
	                    "[{\"type\":\"ACTION_ACCEPT\"}]}]"));
	CHECK(json_equal_text(cJSON_GetObjectItem(got, "tags"),
	                      "[{\"default\":9,\"id\":3},{\"default\":null,\"id\":5}]"));
	char *back = cJSON_PrintUnformatted(got);
	size_t puts = F.puts;
	cJSON *again = fx_ok(&F, "POST", PATH_NW, back, 2000);
	CHECK(again && cJSON_Compare(again, got, true));
	CHECK_EQ_INT(F.puts, puts);
	free(back);
	cJSON_Delete(again);
	/* The old string forms of the assign modes, as stock still reads them. */
	cJSON_Delete(fx_ok(&F, "POST", PATH_NW,
	                   "{\"v4AssignMode\":\"none\",\"v6AssignMode\":\"6plane,rfc4193\"}", 3000));
	cJSON *j = fx_ok(&F, "GET", PATH_NW, NULL, 3000);
	CHECK(json_equal_text(cJSON_GetObjectItem(j, "v4AssignMode"), "{\"zt\":false}"));
	CHECK(json_equal_text(cJSON_GetObjectItem(j, "v6AssignMode"),
	                      "{\"6plane\":true,\"rfc4193\":true,\"zt\":false}"));
	CHECK_EQ_INT(cJSON_GetObjectItem(j, "revision")->valueint, 2);
	/* Clearing: dns back to stock's [] and tokens to [null]. */
	cJSON_Delete(j);
	j = fx_ok(&F, "POST", PATH_NW, "{\"dns\":[],\"authTokens\":[null]}", 4000);
	CHECK(json_equal_text(cJSON_GetObjectItem(j, "dns"), "[]"));
	CHECK(json_equal_text(cJSON_GetObjectItem(j, "authTokens"), "[null]"));
	cJSON_Delete(j);
	cJSON_Delete(got);
	cJSON_Delete(posted);
	fx_free(&F);
}

static void member_endpoints(void)
{
	int status;
	char want[1200];
	fx_init(&F, 0);
	CHECK_EQ_INT(fx_api(&F, "POST", PATH_NW "/member/9620b89c1d", "{}", NULL, 1000), 404);
	cJSON_Delete(fx_ok(&F, "POST", PATH_NW, "{}", 1000));
	char *text = raw(&F, "POST", PATH_NW "/member/9620B89C1D", "{}", &status, 2000);
	REQUIRE(text && status == 200);
	snprintf(want, sizeof(want),
	         "{\"activeBridge\":false,\"address\":\"9620b89c1d\",\"authenticationExpiryTime\":0,"
	         "\"authorized\":false,"
	         "\"capabilities\":[],\"creationTime\":2000,\"id\":\"9620b89c1d\",\"ipAssignments\":[],"
	         "\"lastAuthorizedCredential\":null,\"lastAuthorizedCredentialType\":null,"
	         "\"lastAuthorizedTime\":0,"
	         "\"lastDeauthorizedTime\":0,\"noAutoAssignIps\":false,\"nwid\":\"" NW
	         "\",\"objtype\":\"member\","
	         "\"remoteTraceLevel\":0,\"remoteTraceTarget\":null,\"revision\":1,\"ssoExempt\":false,"
	         "\"tags\":[],"
	         "\"vMajor\":-1,\"vMinor\":-1,\"vProto\":-1,\"vRev\":-1}");
	CHECK(!strcmp(text, want));
	const struct fx_file *file = fx_file(&F, "network/" NW "/member/9620b89c1d.json");
	CHECK(file && !strcmp(file->data, text));
	free(text);

	cJSON *j =
	    fx_ok(&F, "POST", PATH_NW "/member/9620b89c1d",
	          "{\"authorized\":true,\"activeBridge\":true,\"noAutoAssignIps\":true,\"name\":\"box\","
	          "\"ipAssignments\":[\"10.1.2.3/24\",\"fd00::7\",\"10.1.2.3\"],\"tags\":[[2,5],[1,3],[2,7]],"
	          "\"capabilities\":[3,1,3],\"remoteTraceTarget\":\"1122334455\",\"remoteTraceLevel\":1,"
	          "\"id\":\"ignored\",\"revision\":99,\"identity\":\"ignored\",\"vMajor\":9}",
	          3000);
	REQUIRE(j);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(j, "authorized")));
	CHECK_EQ_INT((int64_t)cJSON_GetObjectItem(j, "lastAuthorizedTime")->valuedouble, 3000);
	CHECK(!strcmp(cJSON_GetObjectItem(j, "lastAuthorizedCredentialType")->valuestring, "api"));
	CHECK(json_equal_text(cJSON_GetObjectItem(j, "ipAssignments"), "[\"10.1.2.3\",\"fd00::7\"]"));
	CHECK(json_equal_text(cJSON_GetObjectItem(j, "tags"), "[[1,3],[2,7]]"));
	CHECK(json_equal_text(cJSON_GetObjectItem(j, "capabilities"), "[1,3]"));
	CHECK(!strcmp(cJSON_GetObjectItem(j, "name")->valuestring, "box"));
	CHECK(!strcmp(cJSON_GetObjectItem(j, "id")->valuestring, "9620b89c1d"));
	CHECK_EQ_INT(cJSON_GetObjectItem(j, "revision")->valueint, 2);
	CHECK_EQ_INT(cJSON_GetObjectItem(j, "vMajor")->valueint, -1);
	CHECK(cJSON_GetObjectItem(j, "identity") == NULL);
	cJSON_Delete(j);

	cJSON_Delete(fx_ok(&F, "POST", PATH_NW "/member/1122334455", "{}", 4000));
	j = fx_ok(&F, "GET", PATH_NW "/member", NULL, 4000);
	CHECK(json_equal_text(j, "{\"1122334455\":1,\"9620b89c1d\":2}"));
	cJSON_Delete(j);
	j = fx_ok(&F, "GET", "/unstable/controller/network/" NW "/member", NULL, 4000);
	CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 2);
	CHECK(json_equal_text(cJSON_GetObjectItem(j, "meta"), "{\"totalCount\":2,\"authorizedCount\":1}"));
	cJSON_Delete(j);
	j = fx_ok(&F, "GET", "/unstable/controller/network", NULL, 4000);
	CHECK(json_equal_text(cJSON_GetObjectItem(j, "meta"), "{\"networkCount\":1}"));
	CHECK(json_equal_text(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0), "meta"),
	    "{\"totalMemberCount\":2,\"authorizedMemberCount\":1}"));
	cJSON_Delete(j);

	j = fx_ok(&F, "DELETE", PATH_NW "/member/1122334455", NULL, 5000);
	CHECK(j && !strcmp(cJSON_GetObjectItem(j, "id")->valuestring, "1122334455"));
	cJSON_Delete(j);
	CHECK(fx_file(&F, "network/" NW "/member/1122334455.json") == NULL);
	CHECK_EQ_INT(fx_api(&F, "GET", PATH_NW "/member/1122334455", NULL, NULL, 5000), 404);
	CHECK_EQ_INT(fx_api(&F, "DELETE", PATH_NW "/member/1122334455", NULL, NULL, 5000), 404);

	j = fx_ok(&F, "DELETE", PATH_NW, NULL, 6000);
	CHECK(j && !strcmp(cJSON_GetObjectItem(j, "id")->valuestring, NW));
	cJSON_Delete(j);
	CHECK_EQ_INT(F.nfiles, 0);
	CHECK_EQ_INT(fx_api(&F, "GET", PATH_NW, NULL, NULL, 6000), 404);
	CHECK_EQ_INT(fx_api(&F, "GET", PATH_NW "/member", NULL, NULL, 6000), 404);
	CHECK_EQ_INT(fx_api(&F, "DELETE", PATH_NW, NULL, NULL, 6000), 404);
	fx_free(&F);
}

struct bad_case {
	const char *method, *path, *body;
	int status;
	const char *says; /* a piece of the error message */
};

static const struct bad_case bad_cases[] = {
    {"POST", PATH_NW, "not json", 400, "JSON"},
    {"POST", PATH_NW, "[1,2]", 400, "object"},
    {"POST", PATH_NW, "{\"mtu\":\"big\"}", 400, "mtu"},
    {"POST", PATH_NW, "{\"mtu\":100}", 400, "mtu"},
    {"POST", PATH_NW, "{\"mtu\":1500.5}", 400, "mtu"},
    {"POST", PATH_NW, "{\"private\":\"yes\"}", 400, "private"},
    {"POST", PATH_NW, "{\"enableBroadcast\":1}", 400, "enableBroadcast"},
    {"POST", PATH_NW, "{\"name\":5}", 400, "name"},
    {"POST", PATH_NW,
     "{\"name\":\"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567"
     "8901234567890123456789012345678901234567890123456789\"}",
     400, "name"},
    {"POST", PATH_NW, "{\"multicastLimit\":-1}", 400, "multicastLimit"},
    {"POST", PATH_NW, "{\"routes\":\"x\"}", 400, "routes"},
    {"POST", PATH_NW, "{\"routes\":[{\"target\":\"10.0.0.0/33\"}]}", 400, "routes[0]"},
    {"POST", PATH_NW, "{\"routes\":[{\"target\":\"10.0.0.0/8\",\"via\":\"fd00::1\"}]}", 400, "via"},
    {"POST", PATH_NW, "{\"routes\":[{\"via\":null}]}", 400, "target"},
    {"POST", PATH_NW, "{\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.0.0.9\",\"ipRangeEnd\":\"10.0.0.1\"}]}",
     400, "start <= end"},
    {"POST", PATH_NW, "{\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.0.0.1\",\"ipRangeEnd\":\"fd00::1\"}]}",
     400, "family"},
    {"POST", PATH_NW, "{\"ipAssignmentPools\":[{\"ipRangeStart\":\"10.0.0.1\"}]}", 400, "ipRangeEnd"},
    {"POST", PATH_NW, "{\"rules\":[{\"type\":\"MATCH_NONSENSE\"}]}", 400, "MATCH_NONSENSE"},
    {"POST", PATH_NW, "{\"rules\":[{\"type\":\"MATCH_ETHERTYPE\",\"etherType\":70000}]}", 400, "etherType"},
    {"POST", PATH_NW, "{\"rules\":[{\"type\":\"MATCH_MAC_SOURCE\",\"mac\":\"zz\"}]}", 400, "mac"},
    {"POST", PATH_NW, "{\"rules\":[{\"type\":\"MATCH_IPV4_DEST\",\"ip\":\"fd00::/8\"}]}", 400, "IPv4"},
    {"POST", PATH_NW, "{\"rules\":[{\"type\":\"ACTION_DROP\",\"not\":\"no\"}]}", 400, "not"},
    {"POST", PATH_NW, "{\"rules\":[{}]}", 400, "type"},
    {"POST", PATH_NW, "{\"v4AssignMode\":5}", 400, "v4AssignMode"},
    {"POST", PATH_NW, "{\"v6AssignMode\":{\"rfc4193\":\"yes\"}}", 400, "rfc4193"},
    {"POST", PATH_NW, "{\"dns\":{\"domain\":\"x\",\"servers\":[\"not an ip\"]}}", 400, "dns.servers[0]"},
    {"POST", PATH_NW, "{\"dns\":{\"servers\":[\"1.1.1.1\",\"1.1.1.2\",\"1.1.1.3\",\"1.1.1.4\",\"1.1.1.5\"]}}",
     400, "servers"},
    {"POST", PATH_NW, "{\"dns\":\"x\"}", 400, "dns"},
    {"POST", PATH_NW, "{\"authTokens\":{\"t\":-5}}", 400, "authTokens"},
    {"POST", PATH_NW, "{\"authTokens\":[\"t\"]}", 400, "authTokens"},
    {"POST", PATH_NW, "{\"remoteTraceTarget\":\"xyz\"}", 400, "remoteTraceTarget"},
    {"POST", PATH_NW, "{\"capabilities\":[{\"id\":1,\"rules\":[{\"type\":\"BAD\"}]}]}", 400,
     "capabilities[0]"},
    {"POST", PATH_NW, "{\"capabilities\":[{\"id\":-1}]}", 400, "capabilities[0]"},
    {"POST", PATH_NW, "{\"tags\":[{\"id\":\"one\"}]}", 400, "tags[0]"},
    {"POST", PATH_NW, "{\"name\":\"changed\",\"mtu\":1}", 400, "mtu"},
    {"POST", PATH_NW "/member/9620b89c1d", "{\"authorized\":\"true\"}", 400, "authorized"},
    {"POST", PATH_NW "/member/9620b89c1d", "{\"ipAssignments\":[\"10.0.0.1.5\"]}", 400, "ipAssignments[0]"},
    {"POST", PATH_NW "/member/9620b89c1d", "{\"ipAssignments\":\"10.0.0.1\"}", 400, "ipAssignments"},
    {"POST", PATH_NW "/member/9620b89c1d", "{\"ipAssignments\":[\"10.7.0.5\"]}", 400,
     "assigned to member 1122334455"},
    {"POST", PATH_NW "/member/9620b89c1d", "{\"tags\":[[1]]}", 400, "tags[0]"},
    {"POST", PATH_NW "/member/9620b89c1d", "{\"capabilities\":[-1]}", 400, "capabilities[0]"},
    {"POST", PATH_NW "/member/9620b89c1d", "{\"name\":\"ok\",\"noAutoAssignIps\":null}", 400,
     "noAutoAssignIps"},
    {"POST", PATH_NW "/member/9620b89c1d", "{\"authenticationExpiryTime\":\"soon\"}", 400,
     "authenticationExpiry"},
    {"POST", PATH_NW "/member/ffffffffff", "{}", 400, "reserved"},
    {"POST", PATH_NW "/member/0000000000", "{}", 400, "reserved"},
    {"GET", "/controller/network/nothex", NULL, 404, ""},
    {"GET", "/controller/network/5a198f7032e84eb", NULL, 404, ""},
    {"GET", PATH_NW "/members", NULL, 404, ""},
    {"GET", PATH_NW "/member/9620b89c1", NULL, 404, ""},
    {"GET", PATH_NW "/member/9620b89c1d/x", NULL, 404, ""},
    {"GET", "/controller/network/5a198f7032000001", NULL, 404, "network"},
    {"GET", "/controller/network/5a198f7032000001/member/9620b89c1d", NULL, 404, "network"},
    {"GET", "/nothing", NULL, 404, ""},
    {"PATCH", PATH_NW, "{}", 405, ""},
    {"DELETE", "/controller/network", NULL, 405, ""},
    {"POST", PATH_NW "/member", "{}", 405, ""},
    {"POST", "/unstable/controller/network", "{}", 405, ""},
};

/* Everything stored, as the API and as files. */
static char *snapshot(struct fx *f)
{
	size_t cap = 64, len = 0;
	char *s = malloc(cap);
	s[0] = 0;
	for (size_t i = 0; i < f->nfiles; i++) {
		size_t need = strlen(f->files[i].name) + f->files[i].len + 4;
		if (len + need >= cap) {
			cap = (len + need) * 2;
			s = realloc(s, cap);
		}
		len += (size_t)sprintf(s + len, "%s=%s\n", f->files[i].name, f->files[i].data);
	}
	return s;
}

/* Every bad request is a 400 (or 404/405) with a message naming the problem, and nothing stored changes. */
static void bad_input_changes_nothing(void)
{
	fx_init(&F, 0);
	cJSON_Delete(fx_ok(&F, "POST", PATH_NW, full_network, 1000));
	cJSON_Delete(fx_ok(&F, "POST", PATH_NW "/member/9620b89c1d",
	                   "{\"authorized\":true,\"name\":\"first\"}", 1000));
	cJSON_Delete(
	    fx_ok(&F, "POST", PATH_NW "/member/1122334455", "{\"ipAssignments\":[\"10.7.0.5\"]}", 1000));
	char *before = snapshot(&F);
	char *net_before = raw(&F, "GET", PATH_NW, NULL, &(int){0}, 1000);
	size_t puts = F.puts;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		cJSON *j;
		int status = fx_api(&F, b->method, b->path, b->body, &j, 2000);
		const cJSON *e = cJSON_GetObjectItem(j, "error");
		bool said = cJSON_IsString(e) && strstr(e->valuestring, b->says);
		if (status != b->status || !said)
			fprintf(stderr, "    %s %s %s -> %d %s\n", b->method, b->path, b->body ? b->body : "",
			        status, cJSON_IsString(e) ? e->valuestring : "(no error)");
		CHECK_EQ_INT(status, b->status);
		CHECK(said);
		cJSON_Delete(j);
	}
	char *after = snapshot(&F);
	char *net_after = raw(&F, "GET", PATH_NW, NULL, &(int){0}, 3000);
	CHECK(!strcmp(before, after));
	CHECK(net_before && net_after && !strcmp(net_before, net_after));
	CHECK_EQ_INT(F.puts, puts);
	free(before);
	free(after);
	free(net_before);
	free(net_after);
	fx_free(&F);
}

/* A store that fails: 500 with the reason, and memory stays as the disk is. */
static void store_failure_changes_nothing(void)
{
	fx_init(&F, 0);
	cJSON_Delete(fx_ok(&F, "POST", PATH_NW, "{\"name\":\"kept\"}", 1000));
	cJSON_Delete(fx_ok(&F, "POST", PATH_NW "/member/9620b89c1d", "{}", 1000));
	char *before = snapshot(&F);
	F.store_error = -EIO;
	CHECK_EQ_INT(fx_api(&F, "POST", PATH_NW, "{\"name\":\"lost\"}", NULL, 2000), 500);
	CHECK_EQ_INT(fx_api(&F, "POST", "/controller/network/5a198f7032000002", "{}", NULL, 2000), 500);
	CHECK_EQ_INT(fx_api(&F, "POST", PATH_NW "/member/9620b89c1d", "{\"authorized\":true}", NULL, 2000),
	             500);
	CHECK_EQ_INT(fx_api(&F, "DELETE", PATH_NW "/member/9620b89c1d", NULL, NULL, 2000), 500);
	CHECK_EQ_INT(fx_api(&F, "DELETE", PATH_NW, NULL, NULL, 2000), 500);
	F.store_error = 0;
	cJSON *j = fx_ok(&F, "GET", PATH_NW, NULL, 3000);
	CHECK(j && !strcmp(cJSON_GetObjectItem(j, "name")->valuestring, "kept"));
	cJSON_Delete(j);
	j = fx_ok(&F, "GET", PATH_NW "/member/9620b89c1d", NULL, 3000);
	CHECK(j && cJSON_IsFalse(cJSON_GetObjectItem(j, "authorized")));
	cJSON_Delete(j);
	CHECK_EQ_INT(fx_api(&F, "GET", "/controller/network/5a198f7032000002", NULL, NULL, 3000), 404);
	char *after = snapshot(&F);
	CHECK(!strcmp(before, after));
	free(before);
	free(after);
	struct zt_controller_counters k;
	zt_controller_counters(F.c, &k);
	CHECK_EQ_INT(k.store_errors, 5);
	fx_free(&F);
}

static int load_all(struct fx *to, const struct fx *from)
{
	int bad = 0;
	char err[200];
	for (int pass = 0; pass < 2; pass++) /* networks first, then members */
		for (size_t i = 0; i < from->nfiles; i++)
			if ((strstr(from->files[i].name, "/member/") != NULL) == (pass == 1) &&
			    zt_controller_load(to->c, from->files[i].name, from->files[i].data,
			                       from->files[i].len, err, sizeof(err)) != 0) {
				fprintf(stderr, "    %s: %s\n", from->files[i].name, err);
				bad++;
			}
	return bad;
}

/* A restarted controller that loads the files answers exactly as before and serves the same member the
 * same way (its pool address is in its record). */
static void files_load_back(void)
{
	struct zt_identity m;
	struct zt_netconf nc;
	fx_init(&F, 0);
	fx_init(&G, 0);
	fx_member(&m, VEC_MEMBER);
	cJSON_Delete(fx_ok(&F, "POST", PATH_NW, full_network, 1000));
	cJSON_Delete(
	    fx_ok(&F, "POST", PATH_NW "/member/1122334455", "{\"authorized\":true,\"name\":\"x\"}", 1000));
	CHECK(fx_request(&F, &m, 0x5a198f7032e84eb2ULL, NULL, 1, 2000));
	REQUIRE(fx_config(&F, 0, VEC_MEMBER, 1, &nc, NULL, 0, NULL) == 1);
	zt_netconf_free(&nc);
	CHECK_EQ_INT(load_all(&G, &F), 0);
	const char *paths[] = {"/controller/network", PATH_NW, PATH_NW "/member",
	                       PATH_NW "/member/9620b89c1d", PATH_NW "/member/1122334455"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int s1, s2;
		char *a = raw(&F, "GET", paths[i], NULL, &s1, 5000),
		     *b = raw(&G, "GET", paths[i], NULL, &s2, 5000);
		CHECK(a && b && s1 == 200 && s2 == 200 && !strcmp(a, b));
		free(a);
		free(b);
	}
	struct zt_netconf n1, n2;
	CHECK(fx_request(&G, &m, 0x5a198f7032e84eb2ULL, NULL, 2, 9000));
	REQUIRE(fx_config(&G, 0, VEC_MEMBER, 2, &n2, NULL, 0, NULL) == 1);
	CHECK(fx_request(&F, &m, 0x5a198f7032e84eb2ULL, NULL, 2, 9000));
	REQUIRE(fx_config(&F, 0, VEC_MEMBER, 2, &n1, NULL, 0, NULL) == 1);
	CHECK_EQ_INT(n1.static_ip_count, n2.static_ip_count);
	CHECK_MEM(n1.static_ips, n2.static_ips, n1.static_ip_count * sizeof(n1.static_ips[0]));
	zt_netconf_free(&n1);
	zt_netconf_free(&n2);
	fx_free(&F);
	fx_free(&G);
}

/* Records as stock 1.14 writes them load, and read back as they were. */
static void stock_records_load(void)
{
	static const char net[] =
	    "{\"authTokens\":[null],\"authorizationEndpoint\":\"\",\"capabilities\":[],\"clientId\":\"\","
	    "\"creationTime\":1713108153438,\"dns\":[],\"enableBroadcast\":true,\"id\":\"" NW "\","
	    "\"ipAssignmentPools\":[{\"ipRangeEnd\":\"192.168.39.254\",\"ipRangeStart\":\"192.168.39.1\"}],"
	    "\"mtu\":2800,\"multicastLimit\":32,\"name\":\"\",\"nwid\":\"" NW "\",\"objtype\":\"network\","
	    "\"private\":true,\"remoteTraceLevel\":0,\"remoteTraceTarget\":null,\"revision\":5,"
	    "\"routes\":[{\"target\":\"192.168.39.0/"
	    "24\",\"via\":null}],\"rules\":[{\"etherType\":2048,\"not\":true,"
	    "\"or\":false,\"type\":\"MATCH_ETHERTYPE\"},{\"mask\":\"1000000000000000\",\"not\":true,\"or\":"
	    "true,"
	    "\"type\":\"MATCH_CHARACTERISTICS\"},{\"type\":\"ACTION_DROP\"},{\"end\":22,\"not\":false,\"or\":"
	    "false,"
	    "\"start\":22,\"type\":\"MATCH_IP_DEST_PORT_RANGE\"},{\"type\":\"ACTION_ACCEPT\"}],"
	    "\"rulesSource\":\"\","
	    "\"ssoEnabled\":false,\"tags\":[],\"v4AssignMode\":{\"zt\":true},"
	    "\"v6AssignMode\":{\"6plane\":false,\"rfc4193\":false,\"zt\":false}}";
	static const char member[] =
	    "{\"activeBridge\":false,\"address\":\"9620b89c1d\",\"authenticationExpiryTime\":0,"
	    "\"authorized\":true,"
	    "\"capabilities\":[],\"creationTime\":1713364679480,\"id\":\"9620b89c1d\",\"identity\":"
	    "\"9620b89c1d:0:"
	    "6fb03da23601c5366ffc6c026306e846e683f07823fa3e4b8752b218886990136d631abeb9c69ce2a081f6d6ef468970"
	    "3d4dff"
	    "755e66f69bb94bdb76d1f1a2c0\",\"ipAssignments\":[\"192.168.39.7\"],\"lastAuthorizedCredential\":"
	    "null,"
	    "\"lastAuthorizedCredentialType\":\"api\",\"lastAuthorizedTime\":1713364700000,"
	    "\"lastDeauthorizedTime\":0,"
	    "\"noAutoAssignIps\":false,\"nwid\":\"" NW "\",\"objtype\":\"member\",\"remoteTraceLevel\":0,"
	    "\"remoteTraceTarget\":null,\"revision\":3,\"ssoExempt\":false,\"tags\":[],\"vMajor\":1,"
	    "\"vMinor\":14,"
	    "\"vProto\":12,\"vRev\":1}";
	char err[200];
	int status;
	fx_init(&F, 0);
	CHECK_EQ_INT(zt_controller_load(F.c, "network/" NW "/member/9620b89c1d.json", member, strlen(member),
	                                err, sizeof(err)),
	             -ENOENT);
	CHECK_EQ_INT(zt_controller_load(F.c, "network/" NW ".json", net, strlen(net), err, sizeof(err)), 0);
	CHECK_EQ_INT(zt_controller_load(F.c, "network/" NW ".json", net, strlen(net), err, sizeof(err)),
	             -EEXIST);
	CHECK_EQ_INT(zt_controller_load(F.c, "network/" NW "/member/9620b89c1d.json", member, strlen(member),
	                                err, sizeof(err)),
	             0);
	char *a = raw(&F, "GET", PATH_NW, NULL, &status, 1);
	CHECK(a && !strcmp(a, net));
	free(a);
	a = raw(&F, "GET", PATH_NW "/member/9620b89c1d", NULL, &status, 1);
	CHECK(a && !strcmp(a, member));
	free(a);
	CHECK_EQ_INT(F.puts, 0); /* loading writes nothing */

	/* What does not load, and why. */
	CHECK_EQ_INT(zt_controller_load(F.c, "network/" NW ".txt", net, strlen(net), err, sizeof(err)),
	             -EINVAL);
	CHECK_EQ_INT(zt_controller_load(F.c, "network/5a198f7032000001.json", "{", 1, err, sizeof(err)),
	             -EBADMSG);
	CHECK(strstr(err, "JSON") != NULL);
	CHECK_EQ_INT(
	    zt_controller_load(F.c, "network/5a198f7032000001.json", net, strlen(net), err, sizeof(err)),
	    -EBADMSG);
	CHECK(strstr(err, "id") != NULL);
	static const char bad_mtu[] = "{\"id\":\"5a198f7032000001\",\"mtu\":1}";
	CHECK_EQ_INT(zt_controller_load(F.c, "network/5a198f7032000001.json", bad_mtu, strlen(bad_mtu), err,
	                                sizeof(err)),
	             -EBADMSG);
	CHECK(strstr(err, "mtu") != NULL);
	CHECK_EQ_INT(zt_controller_load(F.c, "network/" NW "/member/1122334455.json", member, strlen(member),
	                                err, sizeof(err)),
	             -EBADMSG);
	fx_free(&F);
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(controller_info),           ZT_TEST(network_defaults_as_stock),
	    ZT_TEST(network_fields_round_trip), ZT_TEST(member_endpoints),
	    ZT_TEST(bad_input_changes_nothing), ZT_TEST(store_failure_changes_nothing),
	    ZT_TEST(files_load_back),           ZT_TEST(stock_records_load),
	};
	return zt_test_main("controller_ctl_api", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc,
	                    argv);
}
