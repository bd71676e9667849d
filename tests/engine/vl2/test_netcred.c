/* Suite for vl2/netcred: spec §6.4's NETWORK_CREDENTIALS payload (parts in order, optional tails, the
 * old COM-only form), §9.7's revocation push byte for byte, and malformed payloads. */
#include "harness.h"
#include "warmup.h"
#include "vectors.h"
#include "vl2/netcred.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static struct zt_identity ctl;

static void warmup(void)
{
	zt_test_warm_crypto();
	vec_identity(&ctl, vec_controller_identity);
}

struct seen {
	char order[32];
	size_t n;
	int stop_at; /* stop (return 7) at this record number, -1 never */
	uint64_t com_nwid, rev_target;
};

static int note(struct seen *s, char kind)
{
	if (s->n < sizeof(s->order) - 1)
		s->order[s->n] = kind;
	return (int)s->n++ == s->stop_at ? 7 : 0;
}
static int on_com(void *a, const struct zt_com *c)
{
	((struct seen *)a)->com_nwid = zt_com_network_id(c);
	return note(a, 'M');
}
static int on_cap(void *a, const struct zt_capability *c)
{
	(void)c;
	return note(a, 'C');
}
static int on_tag(void *a, const struct zt_tag *t)
{
	(void)t;
	return note(a, 'T');
}
static int on_rev(void *a, const struct zt_revocation *r)
{
	((struct seen *)a)->rev_target = r->target;
	return note(a, 'R');
}
static int on_coo(void *a, const struct zt_coo *c)
{
	(void)c;
	return note(a, 'O');
}

static const struct zt_netcred_visitor visitor = {on_com, on_cap, on_tag, on_rev, on_coo};

static int walk(const uint8_t *p, size_t n, struct seen *s, int stop_at)
{
	memset(s, 0, sizeof(*s));
	s->stop_at = stop_at;
	return zt_netcred_read(p, n, &visitor, s);
}

static void full_push_round_trip(void)
{
	static struct zt_capability cap;
	struct zt_com com;
	struct zt_coo coo;
	struct zt_tag tags[2] = {{.nwid = VEC_NWID_B, .id = 1}, {.nwid = VEC_NWID_B, .id = 2}};
	struct zt_revocation rev = {.nwid = VEC_NWID_B, .target = VEC_MEMBER, .type = 1};
	uint8_t b[512], *out = malloc(8192);
	struct zt_rd r;
	struct zt_wr w;
	struct seen s;
	size_t n = zt_unhex(vec_a_com_hex, b, sizeof(b));
	zt_rd_init(&r, b, n);
	REQUIRE(zt_com_read(&com, &r) == 0);
	n = zt_unhex(vec_a_coo_hex, b, sizeof(b));
	zt_rd_init(&r, b, n);
	REQUIRE(zt_coo_read(&coo, &r) == 0);
	cap.nwid = VEC_NWID_B;
	cap.max_custody = 1;
	CHECK_EQ_INT(zt_capability_sign(&cap, &ctl, VEC_MEMBER), 0);
	struct zt_netcred all = {&com, 1, &cap, 1, tags, 2, &rev, 1, &coo, 1};
	zt_wr_init(&w, out, 8192);
	CHECK_EQ_INT(zt_netcred_write(&all, &w), 0);
	CHECK_EQ_INT(walk(out, w.len, &s, -1), 0);
	CHECK_EQ_INT(s.n, 6);
	CHECK_MEM(s.order, "MCTTRO", 6);
	CHECK(s.com_nwid == VEC_NWID_A && s.rev_target == VEC_MEMBER);
	/* a visitor can stop the walk; NULL visitors skip their kind */
	CHECK_EQ_INT(walk(out, w.len, &s, 2), 7);
	CHECK_EQ_INT(s.n, 3);
	CHECK_EQ_INT(zt_netcred_read(out, w.len, NULL, NULL), 0);
	/* every truncation either ends after a complete part or is malformed */
	for (size_t len = 0; len < w.len; len++) {
		int rc = walk(out, len, &s, -1);
		if (rc != 0 && rc != -EBADMSG) {
			zt_test_fail_int(__FILE__, __LINE__, "truncation gave", rc, -EBADMSG);
			break;
		}
	}
	free(out);
}

static void revocation_push_9_7(void)
{
	struct zt_revocation rev = {.id = 0x01020304,
	                            .nwid = VEC_NWID_B,
	                            .threshold = 0x1a21f2ee00cLL,
	                            .flags = ZT_REVOCATION_FLAG_FAST_PROPAGATE,
	                            .target = VEC_MEMBER,
	                            .type = ZT_CREDENTIAL_COM};
	uint8_t out[256], rec[256];
	struct zt_wr w, wr;
	struct seen s;
	CHECK_EQ_INT(zt_revocation_sign(&rev, &ctl), 0);
	struct zt_netcred push = {.revocations = &rev, .revocation_count = 1};
	zt_wr_init(&w, out, sizeof(out));
	CHECK_EQ_INT(zt_netcred_write(&push, &w), 0);
	zt_wr_init(&wr, rec, sizeof(rec));
	zt_revocation_write(&rev, &wr);
	CHECK_EQ_INT(w.len, 1 + 2 + 2 + 2 + wr.len + 2);
	CHECK_MEM(out, "\x00\x00\x00\x00\x00\x00\x01", 7);
	CHECK_MEM(out + 7, rec, wr.len);
	CHECK_MEM(out + 7 + wr.len, "\x00\x00", 2);
	CHECK_EQ_INT(walk(out, w.len, &s, -1), 0);
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(s.order[0], 'R');
}

static void old_and_malformed_forms(void)
{
	uint8_t b[512];
	struct seen s;
	/* an old sender: COMs and the 0x00, nothing else; or even without the 0x00 */
	size_t n = zt_unhex(vec_a_com_hex, b, sizeof(b));
	b[n] = 0;
	CHECK_EQ_INT(walk(b, n + 1, &s, -1), 0);
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(walk(b, n, &s, -1), 0);
	CHECK_EQ_INT(walk(b, 0, &s, -1), 0);
	/* a byte that is neither 0x00 nor a COM type; a count promising more than is there */
	b[0] = 0x02;
	CHECK_EQ_INT(walk(b, n, &s, -1), -EBADMSG);
	CHECK_EQ_INT(walk((const uint8_t *)"\x00\x00\x01", 3, &s, -1), -EBADMSG);
	CHECK_EQ_INT(walk((const uint8_t *)"\x00\x00", 2, &s, -1), -EBADMSG); /* half a count */
	CHECK_EQ_INT(walk((const uint8_t *)"\x00\x00\x00\x00\x00", 5, &s, -1), 0);
	CHECK_EQ_INT(walk((const uint8_t *)"\x00\x00\x00\x00\x00\x00", 6, &s, -1), -EBADMSG);
	CHECK_EQ_INT(walk((const uint8_t *)"\x00\x00\x00\x00\x00\x00\x00\x00\x00", 9, &s, -1), 0);
}

static const struct zt_test tests[] = {
    ZT_TEST(full_push_round_trip),
    ZT_TEST(revocation_push_9_7),
    ZT_TEST(old_and_malformed_forms),
};

int main(int argc, char **argv)
{
	return zt_test_main("vl2_netcred", tests, sizeof(tests) / sizeof(tests[0]), warmup, argc, argv);
}
