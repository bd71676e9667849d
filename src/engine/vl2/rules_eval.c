#include "vl2/rules_eval.h"

#include <string.h>

#include "vl2/netconf.h"

#define ADDRESS_MASK 0xffffffffffULL

/* Frame bytes are untrusted (they come off the wire or from the app): every read is bounds-checked. */
static bool frame_copy(const struct zt_rules_frame *f, size_t at, void *out, size_t n)
{
	struct zt_rd r;
	zt_rd_init(&r, f->payload, f->len);
	zt_rd_skip(&r, at);
	return zt_rd_copy(&r, out, n);
}

static int frame_u8(const struct zt_rules_frame *f, size_t at)
{
	uint8_t b;
	return frame_copy(f, at, &b, 1) ? b : -1;
}

static bool is_ipv4(const struct zt_rules_frame *f)
{
	return f->ethertype == ZT_ETHERTYPE_IPV4 && f->len >= 20;
}

static bool is_ipv6(const struct zt_rules_frame *f)
{
	return f->ethertype == ZT_ETHERTYPE_IPV6 && f->len >= 40;
}

/* Skips IPv6 extension headers as stock does (hop-by-hop, routing, destination options, mobility); false
 * for a frame it calls invalid. */
static bool ipv6_payload(const struct zt_rules_frame *f, size_t *pos, unsigned *proto)
{
	if (f->len < 40)
		return false;
	size_t p = 40;
	unsigned next = (unsigned)frame_u8(f, 6);
	while (p <= f->len) {
		if (next != 0 && next != 43 && next != 60 && next != 135) {
			*pos = p;
			*proto = next;
			return true;
		}
		if (p + 8 > f->len)
			return false;
		next = (unsigned)frame_u8(f, p);
		p += (size_t)frame_u8(f, p + 1) * 8 + 8;
	}
	return false;
}

/* Whether ip is in the rule's network of `bits` bits (n address bytes). For IPv4 stock compares the
 * first `bits` bits of both addresses, but for IPv6 the masked frame address against the rule's
 * address as given (mask_rule false). */
static bool ip_in(const uint8_t *rule_ip, unsigned bits, const uint8_t *ip, unsigned n, bool mask_rule)
{
	if (bits > n * 8)
		bits = n * 8;
	for (unsigned i = 0; i < n; i++) {
		unsigned left = bits > i * 8 ? bits - i * 8 : 0;
		uint8_t mask = left >= 8 ? 0xff : (uint8_t)(0xff00 >> left);
		if ((ip[i] & mask) != (mask_rule ? rule_ip[i] & mask : rule_ip[i]))
			return false;
	}
	return true;
}

static const struct zt_tag *find_tag(const struct zt_tag *tags, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n && tags; i++)
		if (tags[i].id == id)
			return &tags[i];
	return NULL;
}

struct eval_state {
	bool super_accept;
	bool skip_drop;
};

/* The source address the "sender IP authenticated" bit is about, and the NDP exception. */
static uint64_t ownership_bits(const struct zt_rules_frame *f, const struct zt_rules_env *env)
{
	uint64_t bits = 0;
	uint8_t src[16];
	int src_len = 0;
	if (is_ipv4(f)) {
		src_len = frame_copy(f, 12, src, 4) ? 4 : 0;
	} else if (is_ipv6(f)) {
		int icmp_type = frame_u8(f, 40);
		if (f->len >= 40 + 8 + 16 && frame_u8(f, 6) == 58 && (icmp_type == 135 || icmp_type == 136)) {
			if (icmp_type ==
			    135) /* a solicitation has no reliable source: counts as authenticated */
				bits |= ZT_RULE_CHAR_SENDER_IP_AUTH;
			else
				src_len = frame_copy(f, 48, src, 16) ? 16 : 0;
		} else {
			src_len = frame_copy(f, 8, src, 16) ? 16 : 0;
		}
	} else if (f->ethertype == ZT_ETHERTYPE_ARP && f->len >= 28) {
		src_len = frame_copy(f, 14, src, 4) ? 4 : 0;
	}
	for (size_t i = 0; i < env->coo_count && env->coos; i++) {
		const struct zt_coo *c = &env->coos[i];
		if (src_len && zt_coo_owns(c, src_len == 4 ? ZT_COO_THING_IPV4 : ZT_COO_THING_IPV6, src,
		                           (size_t)src_len))
			bits |= ZT_RULE_CHAR_SENDER_IP_AUTH;
		if (zt_coo_owns(c, ZT_COO_THING_MAC, f->mac_source, 6))
			bits |= ZT_RULE_CHAR_SENDER_MAC_AUTH;
	}
	return bits;
}

static uint64_t characteristics(const struct zt_rules_frame *f, const struct zt_rules_env *env)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint64_t cf = f->inbound ? ZT_RULE_CHAR_INBOUND : 0;
	if (f->mac_dest[0] & 0x01)
		cf |= ZT_RULE_CHAR_MULTICAST;
	if (memcmp(f->mac_dest, bcast, 6) == 0)
		cf |= ZT_RULE_CHAR_BROADCAST;
	cf |= ownership_bits(f, env);
	size_t tcp = 0;
	bool have_tcp = false;
	if (is_ipv4(f) && frame_u8(f, 9) == 6) {
		tcp = (size_t)(frame_u8(f, 0) & 0xf) * 4;
		have_tcp = true;
	} else if (f->ethertype == ZT_ETHERTYPE_IPV6) {
		unsigned proto;
		have_tcp = ipv6_payload(f, &tcp, &proto) && proto == 6 && f->len > tcp + 14;
	}
	/* Stock reads the IPv4 TCP flags without a length check; here a short segment just has none. */
	int lo = have_tcp ? frame_u8(f, tcp + 13) : -1, hi = have_tcp ? frame_u8(f, tcp + 12) : -1;
	if (lo >= 0 && hi >= 0)
		cf |= (uint64_t)lo | ((uint64_t)(hi & 0x0f) << 8);
	return cf;
}

/* -1 when the packet has no port for this rule; stock counts port 0 as none on IPv6 only. */
static int port_of(const struct zt_rules_frame *f, bool dest, bool *ip)
{
	size_t pos;
	unsigned proto;
	*ip = true;
	if (is_ipv4(f)) {
		pos = (size_t)(frame_u8(f, 0) & 0xf) * 4;
		proto = (unsigned)frame_u8(f, 9);
	} else if (f->ethertype == ZT_ETHERTYPE_IPV6 && ipv6_payload(f, &pos, &proto)) {
	} else {
		*ip = false;
		return -1;
	}
	if ((proto != 6 && proto != 17 && proto != 0x84 && proto != 0x88) || f->len <= pos + 4)
		return -1;
	pos += dest ? 2 : 0;
	int port = frame_u8(f, pos) << 8 | frame_u8(f, pos + 1);
	return (f->ethertype == ZT_ETHERTYPE_IPV6 && port == 0) ? -1 : port;
}

static uint8_t match_icmp(const struct zt_rule *rule, const struct zt_rules_frame *f, uint8_t yes, uint8_t no)
{
	size_t at;
	unsigned proto;
	if (is_ipv4(f)) {
		if (frame_u8(f, 9) != 1)
			return no;
		at = (size_t)(frame_u8(f, 0) & 0xf) * 4;
	} else if (f->ethertype == ZT_ETHERTYPE_IPV6) {
		if (!ipv6_payload(f, &at, &proto) || proto != 58)
			return no;
	} else {
		return no;
	}
	if (f->len < at + 2 || frame_u8(f, at) != rule->v.icmp.type)
		return no;
	if (rule->v.icmp.flags & 0x01)
		return frame_u8(f, at + 1) == rule->v.icmp.code;
	return yes; /* stock: a type-only match is true whatever NOT says */
}

static uint8_t match_int_range(const struct zt_rule *rule, const struct zt_rules_frame *f)
{
	uint64_t v = 0;
	unsigned bits = (rule->v.int_range.format & 63u) + 1, bytes = (bits + 7) / 8;
	uint8_t b[8];
	if (!(rule->v.int_range.format & 0x80)) {
		/* Big-endian. Stock starts (8 - bytes) past idx; kept so both ends agree. */
		if (frame_copy(f, (size_t)rule->v.int_range.idx + (8 - bytes), b, bytes))
			for (unsigned i = 0; i < bytes; i++)
				v = v << 8 | b[i];
		v &= UINT64_MAX >> (64 - bits);
	} else {
		if (frame_copy(f, rule->v.int_range.idx, b, bytes))
			for (unsigned i = 0; i < bytes; i++)
				v = v >> 8 | (uint64_t)b[i] << 56;
		v >>= 64 - bits;
	}
	/* Stock keeps the range's width in 32 bits. */
	uint64_t start = rule->v.int_range.start, end = start + (uint32_t)(rule->v.int_range.end - start);
	return v >= start && v <= end;
}

static uint8_t match_tags(const struct zt_rule *rule, const struct zt_rules_frame *f,
                          const struct zt_rules_env *env, struct eval_state *st, uint8_t yes, uint8_t no)
{
	uint8_t type = ZT_RULE_TYPE(rule->t);
	uint32_t id = rule->v.tag.id, want = rule->v.tag.value;
	const struct zt_tag *local = find_tag(env->local_tags, env->local_tag_count, id);
	const struct zt_tag *remote = find_tag(env->remote_tags, env->remote_tag_count, id);
	if (type == ZT_RULE_MATCH_TAG_SENDER || type == ZT_RULE_MATCH_TAG_RECEIVER) {
		if (st->super_accept) {
			st->skip_drop = true;
			return yes;
		}
		if ((type == ZT_RULE_MATCH_TAG_SENDER) == f->inbound) { /* the other side's tag */
			if (remote)
				return remote->value == want;
			if (type == ZT_RULE_MATCH_TAG_RECEIVER) { /* outbound: we may not know it yet */
				st->skip_drop = true;
				return yes;
			}
			return no;
		}
		return local ? local->value == want : no;
	}
	if (!local)
		return no;
	if (!remote) {
		if (f->inbound && !st->super_accept)
			return no;
		st->skip_drop = true; /* outbound is lenient: the receiver checks on its side */
		return yes;
	}
	uint32_t l = local->value, r = remote->value;
	switch (type) {
	case ZT_RULE_MATCH_TAGS_DIFFERENCE:
		return (l > r ? l - r : r - l) <= want;
	case ZT_RULE_MATCH_TAGS_BITWISE_AND:
		return (l & r) == want;
	case ZT_RULE_MATCH_TAGS_BITWISE_OR:
		return (l | r) == want;
	case ZT_RULE_MATCH_TAGS_BITWISE_XOR:
		return (l ^ r) == want;
	default: /* TAGS_EQUAL */
		return l == want && r == want;
	}
}

/* 0/1 before NOT is applied. `yes`/`no` are the results that come out true/false whatever NOT says. */
static uint8_t test_match(const struct zt_rule *rule, const struct zt_rules_frame *f,
                          const struct zt_rules_env *env, struct eval_state *st)
{
	uint8_t no = (uint8_t)(rule->t >> 7), yes = no ^ 1;
	uint8_t ip[16];
	bool has_ip;
	int port;
	switch (ZT_RULE_TYPE(rule->t)) {
	case ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
		return (rule->v.zt & ADDRESS_MASK) == (f->zt_source & ADDRESS_MASK);
	case ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS:
		return (rule->v.zt & ADDRESS_MASK) == (f->zt_dest & ADDRESS_MASK);
	case ZT_RULE_MATCH_VLAN_ID:
		return rule->v.vlan_id == f->vlan_id;
	case ZT_RULE_MATCH_VLAN_PCP: /* frames carry no VLAN tag: PCP and DEI are 0 */
		return rule->v.vlan_pcp == 0;
	case ZT_RULE_MATCH_VLAN_DEI:
		return rule->v.vlan_dei == 0;
	case ZT_RULE_MATCH_MAC_SOURCE:
		return memcmp(rule->v.mac, f->mac_source, 6) == 0;
	case ZT_RULE_MATCH_MAC_DEST:
		return memcmp(rule->v.mac, f->mac_dest, 6) == 0;
	case ZT_RULE_MATCH_IPV4_SOURCE:
	case ZT_RULE_MATCH_IPV4_DEST:
		if (!is_ipv4(f) ||
		    !frame_copy(f, ZT_RULE_TYPE(rule->t) == ZT_RULE_MATCH_IPV4_SOURCE ? 12 : 16, ip, 4))
			return no;
		return ip_in(rule->v.ipv4.ip, rule->v.ipv4.mask, ip, 4, true);
	case ZT_RULE_MATCH_IPV6_SOURCE:
	case ZT_RULE_MATCH_IPV6_DEST:
		if (!is_ipv6(f) ||
		    !frame_copy(f, ZT_RULE_TYPE(rule->t) == ZT_RULE_MATCH_IPV6_SOURCE ? 8 : 24, ip, 16))
			return no;
		return ip_in(rule->v.ipv6.ip, rule->v.ipv6.mask, ip, 16, false);
	case ZT_RULE_MATCH_IP_TOS: {
		int tos;
		if (is_ipv4(f))
			tos = frame_u8(f, 1);
		else if (is_ipv6(f))
			tos = ((frame_u8(f, 0) << 4) & 0xf0) | ((frame_u8(f, 1) >> 4) & 0x0f);
		else
			return no;
		tos &= rule->v.ip_tos.mask;
		return tos >= rule->v.ip_tos.start && tos <= rule->v.ip_tos.end;
	}
	case ZT_RULE_MATCH_IP_PROTOCOL: {
		size_t pos;
		unsigned proto;
		if (is_ipv4(f))
			return frame_u8(f, 9) == rule->v.ip_protocol;
		if (f->ethertype == ZT_ETHERTYPE_IPV6 && ipv6_payload(f, &pos, &proto))
			return (uint8_t)proto == rule->v.ip_protocol;
		return no;
	}
	case ZT_RULE_MATCH_ETHERTYPE:
		return rule->v.ethertype == f->ethertype;
	case ZT_RULE_MATCH_ICMP:
		return match_icmp(rule, f, yes, no);
	case ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE:
	case ZT_RULE_MATCH_IP_DEST_PORT_RANGE:
		port = port_of(f, ZT_RULE_TYPE(rule->t) == ZT_RULE_MATCH_IP_DEST_PORT_RANGE, &has_ip);
		if (!has_ip)
			return no;
		return port >= 0 && port >= rule->v.port[0] && port <= rule->v.port[1];
	case ZT_RULE_MATCH_CHARACTERISTICS:
		return (characteristics(f, env) & rule->v.characteristics) != 0;
	case ZT_RULE_MATCH_FRAME_SIZE_RANGE:
		return f->len >= rule->v.frame_size[0] && f->len <= rule->v.frame_size[1];
	case ZT_RULE_MATCH_RANDOM:
		if (env->random) {
			uint8_t b[4];
			env->random(env->random_arg, b, sizeof(b));
			uint32_t r = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
			return r <= rule->v.random_probability;
		}
		break;
	case ZT_RULE_MATCH_TAGS_DIFFERENCE:
	case ZT_RULE_MATCH_TAGS_BITWISE_AND:
	case ZT_RULE_MATCH_TAGS_BITWISE_OR:
	case ZT_RULE_MATCH_TAGS_BITWISE_XOR:
	case ZT_RULE_MATCH_TAGS_EQUAL:
	case ZT_RULE_MATCH_TAG_SENDER:
	case ZT_RULE_MATCH_TAG_RECEIVER:
		return match_tags(rule, f, env, st, yes, no);
	case ZT_RULE_MATCH_INTEGER_RANGE:
		return match_int_range(rule, f);
	default:
		break;
	}
	return (env->netconf_flags & ZT_NETCONF_FLAG_UNSUPPORTED_MATCH) != 0;
}

static bool is_forward(uint8_t type)
{
	return type == ZT_RULE_ACTION_TEE || type == ZT_RULE_ACTION_WATCH || type == ZT_RULE_ACTION_REDIRECT;
}

enum zt_rules_verdict zt_rules_eval(const struct zt_rule *rules, size_t count, const struct zt_rules_frame *f,
                                    const struct zt_rules_env *env, struct zt_rules_result *res)
{
	struct eval_state st = {false, false};
	uint8_t set = 1; /* an action with no match before it is always taken */
	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < count; i++) {
		const struct zt_rule *rule = &rules[i];
		uint8_t type = ZT_RULE_TYPE(rule->t);
		if (type <= ZT_RULE_ACTION_LAST) {
			uint64_t fwd = rule->v.fwd.address & ADDRESS_MASK;
			if (!set) {
				/* a rule that did not match still marks us as a forwarding target, inbound */
				if (f->inbound && is_forward(type) && fwd == (env->self & ADDRESS_MASK))
					st.super_accept = true;
				set = 1; /* the next rule starts */
				continue;
			}
			switch (type) {
			case ZT_RULE_ACTION_PRIORITY:
				return res->verdict = ZT_RULES_ACCEPT;
			case ZT_RULE_ACTION_DROP:
				if (st.skip_drop) { /* a lenient tag match asked to let this one pass */
					st.skip_drop = false;
					continue;
				}
				return res->verdict = ZT_RULES_DROP;
			case ZT_RULE_ACTION_ACCEPT:
				return res->verdict =
				           st.super_accept ? ZT_RULES_SUPER_ACCEPT : ZT_RULES_ACCEPT;
			case ZT_RULE_ACTION_TEE:
			case ZT_RULE_ACTION_WATCH:
			case ZT_RULE_ACTION_REDIRECT:
				if (fwd == (f->zt_source & ADDRESS_MASK) ||
				    fwd == (f->zt_dest & ADDRESS_MASK))
					continue;
				if (fwd == (env->self & ADDRESS_MASK)) {
					if (f->inbound)
						return res->verdict = ZT_RULES_SUPER_ACCEPT;
					continue;
				}
				if (type == ZT_RULE_ACTION_REDIRECT) {
					res->redirect_to = fwd;
					return res->verdict = ZT_RULES_REDIRECT;
				}
				res->copy.to = fwd;
				res->copy.len = (uint32_t)(rule->v.fwd.length && rule->v.fwd.length < f->len
				                               ? rule->v.fwd.length
				                               : f->len);
				res->copy.watch = type == ZT_RULE_ACTION_WATCH;
				continue;
			case ZT_RULE_ACTION_BREAK:
				return res->verdict = ZT_RULES_NO_MATCH;
			default: /* unknown actions are no-ops */
				continue;
			}
		}
		if (!set && !(rule->t & ZT_RULE_OR))
			continue; /* AND with false stays false */
		uint8_t m = test_match(rule, f, env, &st) ^ (uint8_t)(rule->t >> 7);
		set = (rule->t & ZT_RULE_OR) ? (set | m) : (set & m);
	}
	return res->verdict = ZT_RULES_NO_MATCH;
}

static void add_copy(struct zt_rules_decision *d, const struct zt_rules_copy *c)
{
	if (c->to && d->copy_count < 2)
		d->copies[d->copy_count++] = *c;
}

bool zt_rules_filter(const struct zt_rule *rules, size_t count, const struct zt_capability *caps,
                     size_t cap_count, const struct zt_rules_frame *f, const struct zt_rules_env *env,
                     struct zt_rules_decision *d)
{
	struct zt_rules_result main, cr;
	memset(d, 0, sizeof(*d));
	d->capability = -1;
	switch (zt_rules_eval(rules, count, f, env, &main)) {
	case ZT_RULES_DROP:
		return false;
	case ZT_RULES_NO_MATCH:
		for (size_t i = 0; i < cap_count && !d->accept; i++) {
			switch (zt_rules_eval(caps[i].rules, caps[i].rule_count, f, env, &cr)) {
			case ZT_RULES_SUPER_ACCEPT:
				d->super_accept = f->inbound; /* stock makes no difference outbound */
				                              /* fall through */
			case ZT_RULES_ACCEPT:
			case ZT_RULES_REDIRECT:
				d->accept = true;
				d->capability = (int)i;
				d->redirect_to = cr.redirect_to;
				add_copy(d, &cr.copy);
				break;
			default: /* a DROP only ends that capability */
				break;
			}
		}
		break;
	case ZT_RULES_REDIRECT:
		d->redirect_to = main.redirect_to;
		/* fall through */
	case ZT_RULES_ACCEPT:
		d->accept = true;
		break;
	case ZT_RULES_SUPER_ACCEPT:
		d->accept = d->super_accept = true;
		break;
	}
	if (!d->accept)
		return false;
	add_copy(d, &main.copy); /* the table's TEE applies whoever accepted */
	return !d->redirect_to;
}
