/* Writes the starting corpus of the VL2 fuzz targets into <dir>/{dict,netconf,com}/, made from spec §11's
 * vectors (tests/engine/vl2/vectors.h) through the library itself: fuzz_vl2_seeds <dir>. */
#include "fuzz_common.h"
#include "harness.h"
#include "vectors.h"

#include "vl2/com.h"
#include "vl2/credentials.h"
#include "vl2/netcred.h"
#include "vl2/netconf.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* A record behind its selector byte (see fuzz_com.c). */
static int put_record(const char *dir, const char *name, uint8_t selector, const uint8_t *rec, size_t len)
{
	static uint8_t b[4096];
	if (len + 1 > sizeof(b))
		return -1;
	b[0] = selector;
	memcpy(b + 1, rec, len);
	return fuzz_put_seed(dir, "com", name, b, len + 1);
}

static const char metadata[] =
    "v=0000000000000007\nvend=0000000000000001\npv=000000000000000c\n"
    "majv=0000000000000001\nminv=000000000000000e\nrevv=0000000000000001\n"
    "mr=0000000000000400\nmc=0000000000000080\nmcr=0000000000000040\n"
    "mt=0000000000000080\nf=0000000000000000\nrevr=0000000000000001\no=linux/x86_64";

int main(int argc, char **argv)
{
	static uint8_t a[2048], b[1024], rec[4096];
	int bad = 0;
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_vl2_seeds DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return 1;
	(void)fuzz_keys();
	size_t na = vec_config_a(a, sizeof(a)), nb = zt_unhex(vec_b_hex, b, sizeof(b));
	bad |= fuzz_put_seed(dir, "dict", "metadata-11.2", metadata, strlen(metadata));
	bad |= fuzz_put_seed(dir, "dict", "config-a", a, na);
	bad |= fuzz_put_seed(dir, "netconf", "config-a", a, na);
	bad |= fuzz_put_seed(dir, "netconf", "config-b", b, nb);

	/* COM and COO of config A, then one of each other credential, signed by identity A */
	const struct fuzz_keys *k = fuzz_keys();
	size_t n = zt_unhex(vec_a_com_hex, rec, sizeof(rec));
	bad |= put_record(dir, "com-a", 0, rec, n);
	n = zt_unhex(vec_a_coo_hex, rec, sizeof(rec));
	bad |= put_record(dir, "coo-a", 1, rec, n);
	uint64_t nwid = k->a.address << 24 | 1;
	struct zt_wr w;
	struct zt_tag tag = {.nwid = nwid, .timestamp = 1, .id = 7, .value = 42, .issued_to = k->b.address};
	bad |= zt_tag_sign(&tag, &k->a);
	zt_wr_init(&w, rec, sizeof(rec));
	zt_tag_write(&tag, &w);
	bad |= put_record(dir, "tag", 2, rec, w.len);
	static struct zt_capability cap;
	cap.nwid = nwid;
	cap.id = 3;
	cap.rule_count = 2;
	cap.rules[0].t = ZT_RULE_MATCH_ETHERTYPE;
	cap.rules[0].v.ethertype = 0x0800;
	cap.rules[1].t = ZT_RULE_ACTION_ACCEPT;
	cap.max_custody = 2;
	bad |= zt_capability_sign(&cap, &k->a, k->b.address);
	zt_wr_init(&w, rec, sizeof(rec));
	zt_capability_write(&cap, &w);
	bad |= put_record(dir, "capability", 3, rec, w.len);
	struct zt_revocation rev = {
	    .id = 9, .nwid = nwid, .threshold = 5, .flags = 1, .target = k->b.address, .type = 1};
	bad |= zt_revocation_sign(&rev, &k->a);
	zt_wr_init(&w, rec, sizeof(rec));
	zt_revocation_write(&rev, &w);
	bad |= put_record(dir, "revocation", 4, rec, w.len);
	/* a NETWORK_CREDENTIALS payload: config A's COM, the tag, the revocation, config A's COO */
	static struct zt_com com;
	static struct zt_coo coo;
	struct zt_rd r;
	n = zt_unhex(vec_a_com_hex, rec, sizeof(rec));
	zt_rd_init(&r, rec, n);
	bad |= zt_com_read(&com, &r);
	n = zt_unhex(vec_a_coo_hex, rec, sizeof(rec));
	zt_rd_init(&r, rec, n);
	bad |= zt_coo_read(&coo, &r);
	struct zt_netcred push = {&com, 1, &cap, 1, &tag, 1, &rev, 1, &coo, 1};
	zt_wr_init(&w, rec, sizeof(rec));
	bad |= zt_netcred_write(&push, &w);
	bad |= put_record(dir, "netcred", 5, rec, w.len);
	return bad || !na || !nb ? 1 : 0;
}
