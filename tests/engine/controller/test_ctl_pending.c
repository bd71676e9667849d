/* Records of refused strangers are bounded per network: a flood of fresh identities asking for a private
 * network's config leaves at most max_pending_members of them, in memory and in the store, the newest;
 * members the API touched (authorized, deauthorized, named) are never the ones dropped. */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"
#include "vectors.h"
#include "warmup.h"

#define PATH_A "/controller/network/5a198f70327c7184"
#define CAP    8

static struct fx F;

static size_t members_listed(void)
{
	cJSON *j = fx_ok(&F, "GET", PATH_A "/member", NULL, 100000);
	size_t n = (size_t)cJSON_GetArraySize(j);
	cJSON_Delete(j);
	return n;
}

static size_t member_files(void)
{
	size_t n = 0;
	for (size_t i = 0; i < F.nfiles; i++)
		n += strstr(F.files[i].name, "/member/") != NULL;
	return n;
}

static bool listed(uint64_t address)
{
	char path[128];
	snprintf(path, sizeof(path), PATH_A "/member/%010llx", (unsigned long long)address);
	return fx_api(&F, "GET", path, NULL, NULL, 100000) == 200;
}

static void flood_of_strangers_bounded(void)
{
	struct zt_identity m;
	fx_init_pending(&F, 0, CAP);
	cJSON_Delete(fx_ok(&F, "POST", PATH_A, "{\"private\":true,\"name\":\"a\"}", 1000));
	/* three the admin knows: authorized, deauthorized, and named while still refused */
	cJSON_Delete(fx_ok(&F, "POST", PATH_A "/member/aa00000001", "{\"authorized\":true}", 1100));
	cJSON_Delete(fx_ok(&F, "POST", PATH_A "/member/aa00000002", "{\"authorized\":true}", 1100));
	cJSON_Delete(fx_ok(&F, "POST", PATH_A "/member/aa00000002", "{\"authorized\":false}", 1200));
	fx_member(&m, 0xaa00000003);
	CHECK(fx_request(&F, &m, VEC_NWID_A, NULL, 1, 1300));
	cJSON_Delete(fx_ok(&F, "POST", PATH_A "/member/aa00000003", "{\"name\":\"expected\"}", 1400));
	for (uint64_t i = 0; i < 200; i++) {
		fx_member(&m, 0xbb00000000 + i);
		CHECK(fx_request(&F, &m, VEC_NWID_A, NULL, 100 + i, 2000 + (int64_t)i));
		fx_clear(&F);
	}
	struct zt_controller_counters c;
	zt_controller_counters(F.c, &c);
	CHECK_EQ_INT(c.pending_dropped, 200 - CAP);
	CHECK_EQ_INT(members_listed(), 3 + CAP);
	CHECK_EQ_INT(member_files(), 3 + CAP);
	CHECK(listed(0xaa00000001) && listed(0xaa00000002) && listed(0xaa00000003));
	CHECK(listed(0xbb00000000 + 199) && listed(0xbb00000000 + 200 - CAP));
	CHECK(!listed(0xbb00000000 + 199 - CAP) && !listed(0xbb00000000));
	/* a dropped stranger asking again is refused again, and recorded again (the oldest goes) */
	fx_member(&m, 0xbb00000000);
	CHECK(fx_request(&F, &m, VEC_NWID_A, NULL, 999, 5000));
	CHECK(listed(0xbb00000000) && !listed(0xbb00000000 + 200 - CAP));
	CHECK_EQ_INT(member_files(), 3 + CAP);
	fx_free(&F);
}

static const struct zt_test tests[] = {
    ZT_TEST(flood_of_strangers_bounded),
};

int main(int argc, char **argv)
{
	return zt_test_main("controller_ctl_pending", tests, sizeof(tests) / sizeof(tests[0]), zt_test_warm_crypto,
	                    argc, argv);
}
