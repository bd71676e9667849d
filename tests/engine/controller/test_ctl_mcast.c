/* Suite for the controller's multicast directory (ctl_mcast.c, spec §9.8): LIKEs from configured members
 * kept and forgotten, GATHER answered with the other subscribers, our own node first. */
#include "fixture.h"
#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl2/mac.h"

#include <sodium.h>
#include <stdlib.h>

#define PATH_B "/controller/network/5a198f7032e84eb2"

static struct fx F;

static void warmup(void)
{
	zt_test_warm_crypto();
}

static size_t like(struct fx *f, const struct zt_identity *m, uint64_t nwid, uint32_t adi,
                   uint64_t other_nwid, int64_t now, bool *only_ours)
{
	uint8_t buf[36];
	struct zt_wr w;
	struct zt_mcast_group g = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, adi};
	zt_wr_init(&w, buf, sizeof(buf));
	zt_wr_u64(&w, nwid);
	zt_mcast_group_write(&g, &w);
	if (other_nwid) {
		zt_wr_u64(&w, other_nwid);
		zt_mcast_group_write(&g, &w);
	}
	*only_ours = fx_packet(f, m, ZT_VERB_MULTICAST_LIKE, buf, w.len, 1, now);
	return w.len;
}

/* The GATHER answer to `dest` quoting `id`: the listed addresses, or -1 if none was sent. */
static int gathered(struct fx *f, size_t from, uint64_t dest, uint64_t id, uint64_t *out, uint32_t *total)
{
	for (size_t i = from; i < f->npkts; i++) {
		struct zt_rd r;
		struct zt_mcast_group g;
		if (f->pkts[i].dest != dest || f->pkts[i].verb != ZT_VERB_OK)
			continue;
		zt_rd_init(&r, f->pkts[i].p, f->pkts[i].len);
		if (zt_rd_u8(&r) != ZT_VERB_MULTICAST_GATHER || zt_rd_u64(&r) != id)
			continue;
		zt_rd_u64(&r);
		zt_mcast_group_read(&g, &r);
		*total = zt_rd_u32(&r);
		int n = zt_rd_u16(&r);
		for (int k = 0; k < n; k++)
			out[k] = zt_rd_u40(&r);
		return zt_rd_done(&r) ? n : -2;
	}
	return -1;
}

static bool gather(struct fx *f, const struct zt_identity *m, uint64_t nwid, uint32_t adi, uint32_t limit,
                   uint64_t id, int64_t now)
{
	uint8_t buf[23];
	struct zt_wr w;
	struct zt_mcast_group g = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, adi};
	zt_wr_init(&w, buf, sizeof(buf));
	zt_wr_u64(&w, nwid);
	zt_wr_u8(&w, 0);
	zt_mcast_group_write(&g, &w);
	zt_wr_u32(&w, limit);
	return fx_packet(f, m, ZT_VERB_MULTICAST_GATHER, buf, w.len, id, now);
}

/* Spec §9.8: LIKEs from members configured within 180 s are kept; GATHER from such a member lists the
 * others (our own node first when it subscribed), never the asker; others get nothing. */
static void multicast_like_and_gather(void)
{
	struct zt_identity a, b, c;
	uint64_t got[8];
	uint32_t total = 0;
	bool ours;
	const uint32_t ip = 0x0a000001;
	fx_init(&F, 0);
	fx_member(&a, 0x4000000001);
	fx_member(&b, 0x4000000002);
	fx_member(&c, 0x4000000003);
	cJSON_Delete(fx_ok(&F, "POST", PATH_B, "{\"private\":false}", 1000));
	CHECK(fx_request(&F, &a, VEC_NWID_B, NULL, 1, 2000));
	CHECK(fx_request(&F, &b, VEC_NWID_B, NULL, 2, 2000));
	like(&F, &a, VEC_NWID_B, ip, 0x1111111111000001ULL, 3000, &ours);
	CHECK(!ours); /* a tuple for someone else's network: vl2 should see it too */
	like(&F, &c, VEC_NWID_B, ip, 0, 3000, &ours); /* never configured: ignored */
	CHECK(ours);
	fx_clear(&F);
	CHECK(gather(&F, &b, VEC_NWID_B, ip, 10, 77, 4000));
	CHECK_EQ_INT(gathered(&F, 0, b.address, 77, got, &total), 1);
	CHECK(got[0] == a.address && total == 1);
	CHECK(gather(&F, &a, VEC_NWID_B, ip, 10, 78, 4000)); /* only itself known: no answer */
	CHECK_EQ_INT(gathered(&F, 0, a.address, 78, got, &total), -1);
	CHECK(gather(&F, &c, VEC_NWID_B, ip, 10, 79, 4000)); /* not configured: no answer */
	CHECK_EQ_INT(F.npkts, 1);
	CHECK(!gather(&F, &b, 0x1111111111000001ULL, ip, 10, 80, 4000));

	/* Our own node subscribed: listed first. */
	struct zt_mcast_group g = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ip};
	CHECK_EQ_INT(zt_controller_local_like(F.c, VEC_NWID_B, &g, 4000), 0);
	like(&F, &b, VEC_NWID_B, ip, 0, 4000, &ours);
	fx_clear(&F);
	CHECK(gather(&F, &b, VEC_NWID_B, ip, 10, 81, 5000));
	CHECK_EQ_INT(gathered(&F, 0, b.address, 81, got, &total), 2);
	CHECK(got[0] == F.id.address && got[1] == a.address && total == 3);
	CHECK(gather(&F, &b, VEC_NWID_B, ip, 1, 82, 5000)); /* the limit counts */
	CHECK_EQ_INT(gathered(&F, 0, b.address, 82, got, &total), 1);

	/* Ten minutes without a LIKE: forgotten. */
	zt_controller_tick(F.c, 700000);
	CHECK(fx_request(&F, &b, VEC_NWID_B, NULL, 3, 700000));
	fx_clear(&F);
	CHECK(gather(&F, &b, VEC_NWID_B, ip, 10, 83, 700001));
	CHECK_EQ_INT(F.npkts, 0);

	struct zt_controller_counters k;
	uint8_t shortg[10] = {0};
	CHECK(fx_packet(&F, &b, ZT_VERB_MULTICAST_GATHER, shortg, sizeof(shortg), 84, 700002));
	zt_controller_counters(F.c, &k);
	CHECK_EQ_INT(k.malformed, 1);
	CHECK_EQ_INT(k.likes, 2);
	fx_free(&F);
}
int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(multicast_like_and_gather),
	};
	return zt_test_main("controller_ctl_mcast", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc,
	                    argv);
}
