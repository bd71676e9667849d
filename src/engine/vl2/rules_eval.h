/* Evaluating flow rules (spec §5.4) against one Ethernet frame, the way both ends of a stock network do:
 * the config's rule table, then capabilities; a frame nothing accepts is dropped, so "no rules" drops all. */
#ifndef ZTRUN_VL2_RULES_EVAL_H
#define ZTRUN_VL2_RULES_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/crypto.h"
#include "vl2/credentials.h"
#include "vl2/rules.h"

#define ZT_ETHERTYPE_IPV4 0x0800
#define ZT_ETHERTYPE_ARP  0x0806
#define ZT_ETHERTYPE_IPV6 0x86dd

/* The frame as the rules see it: MACs, ethertype and the payload after the Ethernet header. */
struct zt_rules_frame {
	bool inbound;       /* received from zt_source (true) or about to be sent by us (false) */
	uint64_t zt_source; /* ZeroTier address of the sender */
	uint64_t zt_dest;   /* of the receiver; 0 when unknown (multicast) */
	uint8_t mac_source[6], mac_dest[6];
	uint16_t ethertype;
	uint16_t vlan_id; /* ZeroTier carries no VLAN tag: 0 */
	const uint8_t *payload;
	size_t len;
};

/* What the rules may consult besides the frame. Everything but `self` may be left zero / NULL. */
struct zt_rules_env {
	uint64_t self;          /* our address: a TEE/WATCH/REDIRECT to us makes us accept ("super-accept") */
	uint64_t netconf_flags; /* ZT_NETCONF_FLAG_UNSUPPORTED_MATCH decides unknown MATCH types */
	/* Our tags (from the config), sorted by id, and the other side's currently valid tags (inbound the
	 * sender's, outbound the receiver's, if known). */
	const struct zt_tag *local_tags;
	size_t local_tag_count;
	const struct zt_tag *remote_tags;
	size_t remote_tag_count;
	/* The sender's valid certificates of ownership (inbound: those the peer pushed; outbound: our own),
	 * for the "sender IP/MAC authenticated" characteristics. */
	const struct zt_coo *coos;
	size_t coo_count;
	/* For MATCH_RANDOM; when NULL that match is treated as an unsupported one. */
	zt_random_fn *random;
	void *random_arg;
};

enum zt_rules_verdict {
	ZT_RULES_NO_MATCH = 0, /* fall through to capabilities, then drop */
	ZT_RULES_DROP,         /* drop */
	ZT_RULES_REDIRECT,     /* accept, but send it to `redirect_to` instead (and not deliver/send it) */
	ZT_RULES_ACCEPT,       /* accept */
	ZT_RULES_SUPER_ACCEPT, /* accept even past MAC/bridging checks: we are a TEE/REDIRECT target */
};

/* A copy to send (as EXT_FRAME) to `to`: `len` bytes of the payload; `watch` for WATCH rather than TEE. */
struct zt_rules_copy {
	uint64_t to;
	uint32_t len;
	bool watch;
};

struct zt_rules_result {
	enum zt_rules_verdict verdict;
	uint64_t redirect_to;      /* for ZT_RULES_REDIRECT */
	struct zt_rules_copy copy; /* the last TEE/WATCH taken; copy.to == 0: none */
};

/* Runs one rule list (the config's `R` or one capability's rules) over the frame. */
enum zt_rules_verdict zt_rules_eval(const struct zt_rule *rules, size_t count, const struct zt_rules_frame *f,
                                    const struct zt_rules_env *env, struct zt_rules_result *res);

/* The whole decision of a stock node for one frame. */
struct zt_rules_decision {
	bool accept;          /* deliver (inbound) or send (outbound) the frame... */
	bool super_accept;    /* ...even if MAC or bridging checks would refuse it */
	uint64_t redirect_to; /* non-zero: send it (EXT_FRAME) there instead, and neither deliver nor send */
	struct zt_rules_copy
	    copies[2]; /* TEE/WATCH copies to send when accepted: the table's, a capability's */
	unsigned copy_count;
	int capability; /* index in `caps` of the capability that accepted, -1 if none */
};

/* The table first; if it does not decide, each capability in the order given (the caller passes the
 * applicable ones sorted by id: outbound our own, inbound those the sender presented); the first that
 * accepts wins; otherwise the frame is dropped. Returns d->accept && !d->redirect_to, i.e. whether to go
 * on delivering or sending the frame normally. */
bool zt_rules_filter(const struct zt_rule *rules, size_t count, const struct zt_capability *caps,
                     size_t cap_count, const struct zt_rules_frame *f, const struct zt_rules_env *env,
                     struct zt_rules_decision *d);

#endif
