/* Fuzz target: certificates of membership and the other credentials (spec §6.1, §6.4, §6.6-6.7). The first
 * byte picks the record type (COM, COO, tag, capability, revocation) or a whole NETWORK_CREDENTIALS
 * payload; whatever parses must serialize, parse back and serialize to the same bytes, and verification
 * and the gate must not misbehave on it. */
#include "fuzz_common.h"

#include "vl2/com.h"
#include "vl2/credentials.h"
#include "vl2/netcred.h"

#include <errno.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct zt_identity *lookup(void *arg, uint64_t address)
{
	const struct fuzz_keys *k = arg;
	return address == k->a.address ? &k->a : address == k->b.address ? &k->b : NULL;
}

/* Serializes, re-reads and re-serializes one record; returns false if the record did not parse. */
#define ROUND_TRIP(type, read, write, obj, r)                                                                \
	do {                                                                                                 \
		static type again_;                                                                          \
		static uint8_t o1_[4096], o2_[4096];                                                         \
		struct zt_wr w_;                                                                             \
		struct zt_rd r2_;                                                                            \
		if (read(obj, r) != 0) {                                                                     \
			FUZZ_ASSERT((r)->bad);                                                               \
			return 0;                                                                            \
		}                                                                                            \
		zt_wr_init(&w_, o1_, sizeof(o1_));                                                           \
		write(obj, &w_);                                                                             \
		FUZZ_ASSERT(!w_.bad);                                                                        \
		size_t n_ = w_.len;                                                                          \
		zt_rd_init(&r2_, o1_, n_);                                                                   \
		FUZZ_ASSERT(read(&again_, &r2_) == 0 && zt_rd_done(&r2_));                                   \
		zt_wr_init(&w_, o2_, sizeof(o2_));                                                           \
		write(&again_, &w_);                                                                         \
		FUZZ_ASSERT(!w_.bad && w_.len == n_ && memcmp(o1_, o2_, n_) == 0);                           \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct zt_com com;
	static struct zt_coo coo;
	static struct zt_tag tag;
	static struct zt_capability cap;
	static struct zt_revocation rev;
	const struct fuzz_keys *k = fuzz_keys();
	struct zt_rd r;
	if (size < 1)
		return 0;
	zt_rd_init(&r, data + 1, size - 1);
	switch (data[0] % 6) {
	case 0:
		ROUND_TRIP(struct zt_com, zt_com_read, zt_com_write, &com, &r);
		(void)zt_com_verify(&com, &k->a);
		(void)zt_com_gate(false, &com, &com, 0, &k->b);
		/* with distinct ids and no identity-hash qualifiers a COM agrees with itself (repeated ids
		 * are legal, and then the last one is what the other side is judged by) */
		bool plain = true;
		for (unsigned i = 0; i < com.count; i++)
			plain &= !(com.q[i].id >= ZT_COM_QUAL_IDHASH_FIRST &&
			           com.q[i].id <= ZT_COM_QUAL_IDHASH_LAST) &&
			         (i == 0 || com.q[i].id != com.q[i - 1].id);
		if (com.count && plain)
			FUZZ_ASSERT(zt_com_agrees(&com, &com, &k->a));
		break;
	case 1:
		ROUND_TRIP(struct zt_coo, zt_coo_read, zt_coo_write, &coo, &r);
		FUZZ_ASSERT(coo.thing_count <= ZT_COO_MAX_THINGS);
		(void)zt_coo_verify(&coo, &k->a);
		break;
	case 2:
		ROUND_TRIP(struct zt_tag, zt_tag_read, zt_tag_write, &tag, &r);
		(void)zt_tag_verify(&tag, &k->a);
		break;
	case 3:
		ROUND_TRIP(struct zt_capability, zt_capability_read, zt_capability_write, &cap, &r);
		FUZZ_ASSERT(cap.rule_count <= ZT_MAX_CAPABILITY_RULES &&
		            cap.custody_count <= cap.max_custody);
		(void)zt_capability_verify(&cap, lookup, (void *)k);
		break;
	case 4:
		ROUND_TRIP(struct zt_revocation, zt_revocation_read, zt_revocation_write, &rev, &r);
		(void)zt_revocation_verify(&rev, &k->a);
		break;
	default: {
		int rc = zt_netcred_read(data + 1, size - 1, NULL, NULL);
		FUZZ_ASSERT(rc == 0 || rc == -EBADMSG);
		break;
	}
	}
	return 0;
}
