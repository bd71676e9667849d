#include "vl2/rules.h"

#include <errno.h>
#include <string.h>

/* Value length of each known type on the wire; -1 for unknown types. */
static int value_len(uint8_t type)
{
	switch (type) {
	case ZT_RULE_ACTION_DROP:
	case ZT_RULE_ACTION_ACCEPT:
	case ZT_RULE_ACTION_BREAK:
	case ZT_RULE_ACTION_PRIORITY:
		return 0;
	case ZT_RULE_ACTION_TEE:
	case ZT_RULE_ACTION_WATCH:
	case ZT_RULE_ACTION_REDIRECT:
		return 14;
	case ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
	case ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS:
	case ZT_RULE_MATCH_IPV4_SOURCE:
	case ZT_RULE_MATCH_IPV4_DEST:
		return 5;
	case ZT_RULE_MATCH_VLAN_ID:
	case ZT_RULE_MATCH_ETHERTYPE:
		return 2;
	case ZT_RULE_MATCH_VLAN_PCP:
	case ZT_RULE_MATCH_VLAN_DEI:
	case ZT_RULE_MATCH_IP_PROTOCOL:
		return 1;
	case ZT_RULE_MATCH_MAC_SOURCE:
	case ZT_RULE_MATCH_MAC_DEST:
		return 6;
	case ZT_RULE_MATCH_IPV6_SOURCE:
	case ZT_RULE_MATCH_IPV6_DEST:
		return 17;
	case ZT_RULE_MATCH_IP_TOS:
	case ZT_RULE_MATCH_ICMP:
		return 3;
	case ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE:
	case ZT_RULE_MATCH_IP_DEST_PORT_RANGE:
	case ZT_RULE_MATCH_FRAME_SIZE_RANGE:
	case ZT_RULE_MATCH_RANDOM:
		return 4;
	case ZT_RULE_MATCH_CHARACTERISTICS:
	case ZT_RULE_MATCH_TAGS_DIFFERENCE:
	case ZT_RULE_MATCH_TAGS_BITWISE_AND:
	case ZT_RULE_MATCH_TAGS_BITWISE_OR:
	case ZT_RULE_MATCH_TAGS_BITWISE_XOR:
	case ZT_RULE_MATCH_TAGS_EQUAL:
	case ZT_RULE_MATCH_TAG_SENDER:
	case ZT_RULE_MATCH_TAG_RECEIVER:
		return 8;
	case ZT_RULE_MATCH_INTEGER_RANGE:
		return 19;
	default:
		return -1;
	}
}

static void read_value(struct zt_rule *rule, struct zt_rd *v)
{
	switch (ZT_RULE_TYPE(rule->t)) {
	case ZT_RULE_ACTION_TEE:
	case ZT_RULE_ACTION_WATCH:
	case ZT_RULE_ACTION_REDIRECT:
		rule->v.fwd.address = zt_rd_u64(v);
		rule->v.fwd.flags = zt_rd_u32(v);
		rule->v.fwd.length = zt_rd_u16(v);
		break;
	case ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
	case ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS:
		rule->v.zt = zt_rd_u40(v);
		break;
	case ZT_RULE_MATCH_VLAN_ID:
		rule->v.vlan_id = zt_rd_u16(v);
		break;
	case ZT_RULE_MATCH_VLAN_PCP:
		rule->v.vlan_pcp = zt_rd_u8(v);
		break;
	case ZT_RULE_MATCH_VLAN_DEI:
		rule->v.vlan_dei = zt_rd_u8(v);
		break;
	case ZT_RULE_MATCH_MAC_SOURCE:
	case ZT_RULE_MATCH_MAC_DEST:
		zt_rd_copy(v, rule->v.mac, 6);
		break;
	case ZT_RULE_MATCH_IPV4_SOURCE:
	case ZT_RULE_MATCH_IPV4_DEST:
		zt_rd_copy(v, rule->v.ipv4.ip, 4);
		rule->v.ipv4.mask = zt_rd_u8(v);
		break;
	case ZT_RULE_MATCH_IPV6_SOURCE:
	case ZT_RULE_MATCH_IPV6_DEST:
		zt_rd_copy(v, rule->v.ipv6.ip, 16);
		rule->v.ipv6.mask = zt_rd_u8(v);
		break;
	case ZT_RULE_MATCH_IP_TOS:
		rule->v.ip_tos.mask = zt_rd_u8(v);
		rule->v.ip_tos.start = zt_rd_u8(v);
		rule->v.ip_tos.end = zt_rd_u8(v);
		break;
	case ZT_RULE_MATCH_IP_PROTOCOL:
		rule->v.ip_protocol = zt_rd_u8(v);
		break;
	case ZT_RULE_MATCH_ETHERTYPE:
		rule->v.ethertype = zt_rd_u16(v);
		break;
	case ZT_RULE_MATCH_ICMP:
		rule->v.icmp.type = zt_rd_u8(v);
		rule->v.icmp.code = zt_rd_u8(v);
		rule->v.icmp.flags = zt_rd_u8(v);
		break;
	case ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE:
	case ZT_RULE_MATCH_IP_DEST_PORT_RANGE:
		rule->v.port[0] = zt_rd_u16(v);
		rule->v.port[1] = zt_rd_u16(v);
		break;
	case ZT_RULE_MATCH_CHARACTERISTICS:
		rule->v.characteristics = zt_rd_u64(v);
		break;
	case ZT_RULE_MATCH_FRAME_SIZE_RANGE:
		rule->v.frame_size[0] = zt_rd_u16(v);
		rule->v.frame_size[1] = zt_rd_u16(v);
		break;
	case ZT_RULE_MATCH_RANDOM:
		rule->v.random_probability = zt_rd_u32(v);
		break;
	case ZT_RULE_MATCH_TAGS_DIFFERENCE:
	case ZT_RULE_MATCH_TAGS_BITWISE_AND:
	case ZT_RULE_MATCH_TAGS_BITWISE_OR:
	case ZT_RULE_MATCH_TAGS_BITWISE_XOR:
	case ZT_RULE_MATCH_TAGS_EQUAL:
	case ZT_RULE_MATCH_TAG_SENDER:
	case ZT_RULE_MATCH_TAG_RECEIVER:
		rule->v.tag.id = zt_rd_u32(v);
		rule->v.tag.value = zt_rd_u32(v);
		break;
	case ZT_RULE_MATCH_INTEGER_RANGE:
		rule->v.int_range.start = zt_rd_u64(v);
		rule->v.int_range.end = zt_rd_u64(v);
		rule->v.int_range.idx = zt_rd_u16(v);
		rule->v.int_range.format = zt_rd_u8(v);
		break;
	default:
		break;
	}
}

int zt_rule_read(struct zt_rule *rule, struct zt_rd *r)
{
	memset(rule, 0, sizeof(*rule));
	rule->t = zt_rd_u8(r);
	size_t len = zt_rd_u8(r);
	const uint8_t *value = zt_rd_bytes(r, len);
	if (!value)
		return -EBADMSG;
	int want = value_len(ZT_RULE_TYPE(rule->t));
	if (want < 0)
		return 0;
	if ((size_t)want > len) {
		r->bad = true;
		return -EBADMSG;
	}
	struct zt_rd v;
	zt_rd_init(&v, value, len);
	read_value(rule, &v);
	return 0; /* cannot fail: want <= len */
}

void zt_rule_write(const struct zt_rule *rule, struct zt_wr *w)
{
	int len = value_len(ZT_RULE_TYPE(rule->t));
	zt_wr_u8(w, rule->t);
	zt_wr_u8(w, (uint8_t)(len < 0 ? 0 : len));
	switch (ZT_RULE_TYPE(rule->t)) {
	case ZT_RULE_ACTION_TEE:
	case ZT_RULE_ACTION_WATCH:
	case ZT_RULE_ACTION_REDIRECT:
		zt_wr_u64(w, rule->v.fwd.address);
		zt_wr_u32(w, rule->v.fwd.flags);
		zt_wr_u16(w, rule->v.fwd.length);
		break;
	case ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
	case ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS:
		zt_wr_u40(w, rule->v.zt);
		break;
	case ZT_RULE_MATCH_VLAN_ID:
		zt_wr_u16(w, rule->v.vlan_id);
		break;
	case ZT_RULE_MATCH_VLAN_PCP:
		zt_wr_u8(w, rule->v.vlan_pcp);
		break;
	case ZT_RULE_MATCH_VLAN_DEI:
		zt_wr_u8(w, rule->v.vlan_dei);
		break;
	case ZT_RULE_MATCH_MAC_SOURCE:
	case ZT_RULE_MATCH_MAC_DEST:
		zt_wr_bytes(w, rule->v.mac, 6);
		break;
	case ZT_RULE_MATCH_IPV4_SOURCE:
	case ZT_RULE_MATCH_IPV4_DEST:
		zt_wr_bytes(w, rule->v.ipv4.ip, 4);
		zt_wr_u8(w, rule->v.ipv4.mask);
		break;
	case ZT_RULE_MATCH_IPV6_SOURCE:
	case ZT_RULE_MATCH_IPV6_DEST:
		zt_wr_bytes(w, rule->v.ipv6.ip, 16);
		zt_wr_u8(w, rule->v.ipv6.mask);
		break;
	case ZT_RULE_MATCH_IP_TOS:
		zt_wr_u8(w, rule->v.ip_tos.mask);
		zt_wr_u8(w, rule->v.ip_tos.start);
		zt_wr_u8(w, rule->v.ip_tos.end);
		break;
	case ZT_RULE_MATCH_IP_PROTOCOL:
		zt_wr_u8(w, rule->v.ip_protocol);
		break;
	case ZT_RULE_MATCH_ETHERTYPE:
		zt_wr_u16(w, rule->v.ethertype);
		break;
	case ZT_RULE_MATCH_ICMP:
		zt_wr_u8(w, rule->v.icmp.type);
		zt_wr_u8(w, rule->v.icmp.code);
		zt_wr_u8(w, rule->v.icmp.flags);
		break;
	case ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE:
	case ZT_RULE_MATCH_IP_DEST_PORT_RANGE:
		zt_wr_u16(w, rule->v.port[0]);
		zt_wr_u16(w, rule->v.port[1]);
		break;
	case ZT_RULE_MATCH_CHARACTERISTICS:
		zt_wr_u64(w, rule->v.characteristics);
		break;
	case ZT_RULE_MATCH_FRAME_SIZE_RANGE:
		zt_wr_u16(w, rule->v.frame_size[0]);
		zt_wr_u16(w, rule->v.frame_size[1]);
		break;
	case ZT_RULE_MATCH_RANDOM:
		zt_wr_u32(w, rule->v.random_probability);
		break;
	case ZT_RULE_MATCH_TAGS_DIFFERENCE:
	case ZT_RULE_MATCH_TAGS_BITWISE_AND:
	case ZT_RULE_MATCH_TAGS_BITWISE_OR:
	case ZT_RULE_MATCH_TAGS_BITWISE_XOR:
	case ZT_RULE_MATCH_TAGS_EQUAL:
	case ZT_RULE_MATCH_TAG_SENDER:
	case ZT_RULE_MATCH_TAG_RECEIVER:
		zt_wr_u32(w, rule->v.tag.id);
		zt_wr_u32(w, rule->v.tag.value);
		break;
	case ZT_RULE_MATCH_INTEGER_RANGE:
		zt_wr_u64(w, rule->v.int_range.start);
		zt_wr_u64(w, rule->v.int_range.end);
		zt_wr_u16(w, rule->v.int_range.idx);
		zt_wr_u8(w, rule->v.int_range.format);
		break;
	default:
		break;
	}
}

bool zt_rule_equal(const struct zt_rule *a, const struct zt_rule *b)
{
	/* Comparing encodings compares exactly the fields each type uses. */
	uint8_t ea[2 + 19], eb[2 + 19];
	struct zt_wr wa, wb;
	zt_wr_init(&wa, ea, sizeof(ea));
	zt_wr_init(&wb, eb, sizeof(eb));
	zt_rule_write(a, &wa);
	zt_rule_write(b, &wb);
	return wa.len == wb.len && memcmp(ea, eb, wa.len) == 0;
}
