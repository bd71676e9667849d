#include "vl2/rules.h"

#include <errno.h>
#include <string.h>

/* The one table of rule types: each type's value (which member of the union) and name, and each value's
 * fields on the wire in order. Reading, writing, lengths and the controller's JSON all follow it. */
static const struct type_info {
	uint8_t value;    /* enum zt_rule_value */
	const char *name; /* stock's controller API name; NULL where the API has none */
} types[64] = {
    [ZT_RULE_ACTION_DROP] = {ZT_RULE_V_NONE, "ACTION_DROP"},
    [ZT_RULE_ACTION_ACCEPT] = {ZT_RULE_V_NONE, "ACTION_ACCEPT"},
    [ZT_RULE_ACTION_TEE] = {ZT_RULE_V_FWD, "ACTION_TEE"},
    [ZT_RULE_ACTION_WATCH] = {ZT_RULE_V_FWD, "ACTION_WATCH"},
    [ZT_RULE_ACTION_REDIRECT] = {ZT_RULE_V_FWD, "ACTION_REDIRECT"},
    [ZT_RULE_ACTION_BREAK] = {ZT_RULE_V_NONE, "ACTION_BREAK"},
    [ZT_RULE_ACTION_PRIORITY] = {ZT_RULE_V_NONE, NULL},
    [ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS] = {ZT_RULE_V_ZT, "MATCH_SOURCE_ZEROTIER_ADDRESS"},
    [ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS] = {ZT_RULE_V_ZT, "MATCH_DEST_ZEROTIER_ADDRESS"},
    [ZT_RULE_MATCH_VLAN_ID] = {ZT_RULE_V_VLAN_ID, "MATCH_VLAN_ID"},
    [ZT_RULE_MATCH_VLAN_PCP] = {ZT_RULE_V_VLAN_PCP, "MATCH_VLAN_PCP"},
    [ZT_RULE_MATCH_VLAN_DEI] = {ZT_RULE_V_VLAN_DEI, "MATCH_VLAN_DEI"},
    [ZT_RULE_MATCH_MAC_SOURCE] = {ZT_RULE_V_MAC, "MATCH_MAC_SOURCE"},
    [ZT_RULE_MATCH_MAC_DEST] = {ZT_RULE_V_MAC, "MATCH_MAC_DEST"},
    [ZT_RULE_MATCH_IPV4_SOURCE] = {ZT_RULE_V_IPV4, "MATCH_IPV4_SOURCE"},
    [ZT_RULE_MATCH_IPV4_DEST] = {ZT_RULE_V_IPV4, "MATCH_IPV4_DEST"},
    [ZT_RULE_MATCH_IPV6_SOURCE] = {ZT_RULE_V_IPV6, "MATCH_IPV6_SOURCE"},
    [ZT_RULE_MATCH_IPV6_DEST] = {ZT_RULE_V_IPV6, "MATCH_IPV6_DEST"},
    [ZT_RULE_MATCH_IP_TOS] = {ZT_RULE_V_IP_TOS, "MATCH_IP_TOS"},
    [ZT_RULE_MATCH_IP_PROTOCOL] = {ZT_RULE_V_IP_PROTOCOL, "MATCH_IP_PROTOCOL"},
    [ZT_RULE_MATCH_ETHERTYPE] = {ZT_RULE_V_ETHERTYPE, "MATCH_ETHERTYPE"},
    [ZT_RULE_MATCH_ICMP] = {ZT_RULE_V_ICMP, "MATCH_ICMP"},
    [ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE] = {ZT_RULE_V_PORT, "MATCH_IP_SOURCE_PORT_RANGE"},
    [ZT_RULE_MATCH_IP_DEST_PORT_RANGE] = {ZT_RULE_V_PORT, "MATCH_IP_DEST_PORT_RANGE"},
    [ZT_RULE_MATCH_CHARACTERISTICS] = {ZT_RULE_V_CHARACTERISTICS, "MATCH_CHARACTERISTICS"},
    [ZT_RULE_MATCH_FRAME_SIZE_RANGE] = {ZT_RULE_V_FRAME_SIZE, "MATCH_FRAME_SIZE_RANGE"},
    [ZT_RULE_MATCH_RANDOM] = {ZT_RULE_V_RANDOM, "MATCH_RANDOM"},
    [ZT_RULE_MATCH_TAGS_DIFFERENCE] = {ZT_RULE_V_TAG, "MATCH_TAGS_DIFFERENCE"},
    [ZT_RULE_MATCH_TAGS_BITWISE_AND] = {ZT_RULE_V_TAG, "MATCH_TAGS_BITWISE_AND"},
    [ZT_RULE_MATCH_TAGS_BITWISE_OR] = {ZT_RULE_V_TAG, "MATCH_TAGS_BITWISE_OR"},
    [ZT_RULE_MATCH_TAGS_BITWISE_XOR] = {ZT_RULE_V_TAG, "MATCH_TAGS_BITWISE_XOR"},
    [ZT_RULE_MATCH_TAGS_EQUAL] = {ZT_RULE_V_TAG, "MATCH_TAGS_EQUAL"},
    [ZT_RULE_MATCH_TAG_SENDER] = {ZT_RULE_V_TAG, "MATCH_TAG_SENDER"},
    [ZT_RULE_MATCH_TAG_RECEIVER] = {ZT_RULE_V_TAG, "MATCH_TAG_RECEIVER"},
    [ZT_RULE_MATCH_INTEGER_RANGE] = {ZT_RULE_V_INT_RANGE, "INTEGER_RANGE"},
};

/* A field on the wire: big-endian integers (U40 into a uint64_t), or bytes copied as they are. */
enum wire_kind { U8, U16, U32, U40, U64, B4, B6, B16 };
static const uint8_t wire_len[] = {
    [U8] = 1, [U16] = 2, [U32] = 4, [U40] = 5, [U64] = 8, [B4] = 4, [B6] = 6, [B16] = 16};

#define F(member, kind)                                                                                      \
	{                                                                                                    \
		offsetof(union zt_rule_v, member), kind                                                      \
	}
static const struct value_layout {
	uint8_t n;
	struct {
		uint8_t off, kind;
	} f[4];
} layouts[] = {
    [ZT_RULE_V_FWD] = {3, {F(fwd.address, U64), F(fwd.flags, U32), F(fwd.length, U16)}},
    [ZT_RULE_V_ZT] = {1, {F(zt, U40)}},
    [ZT_RULE_V_VLAN_ID] = {1, {F(vlan_id, U16)}},
    [ZT_RULE_V_VLAN_PCP] = {1, {F(vlan_pcp, U8)}},
    [ZT_RULE_V_VLAN_DEI] = {1, {F(vlan_dei, U8)}},
    [ZT_RULE_V_MAC] = {1, {F(mac, B6)}},
    [ZT_RULE_V_IPV4] = {2, {F(ipv4.ip, B4), F(ipv4.mask, U8)}},
    [ZT_RULE_V_IPV6] = {2, {F(ipv6.ip, B16), F(ipv6.mask, U8)}},
    [ZT_RULE_V_IP_TOS] = {3, {F(ip_tos.mask, U8), F(ip_tos.start, U8), F(ip_tos.end, U8)}},
    [ZT_RULE_V_IP_PROTOCOL] = {1, {F(ip_protocol, U8)}},
    [ZT_RULE_V_ETHERTYPE] = {1, {F(ethertype, U16)}},
    [ZT_RULE_V_ICMP] = {3, {F(icmp.type, U8), F(icmp.code, U8), F(icmp.flags, U8)}},
    [ZT_RULE_V_PORT] = {2, {F(port[0], U16), F(port[1], U16)}},
    [ZT_RULE_V_CHARACTERISTICS] = {1, {F(characteristics, U64)}},
    [ZT_RULE_V_FRAME_SIZE] = {2, {F(frame_size[0], U16), F(frame_size[1], U16)}},
    [ZT_RULE_V_RANDOM] = {1, {F(random_probability, U32)}},
    [ZT_RULE_V_TAG] = {2, {F(tag.id, U32), F(tag.value, U32)}},
    [ZT_RULE_V_INT_RANGE] = {4,
                             {F(int_range.start, U64), F(int_range.end, U64), F(int_range.idx, U16),
                              F(int_range.format, U8)}},
};
#undef F

const char *zt_rule_type_name(uint8_t t)
{
	return types[ZT_RULE_TYPE(t)].name;
}

enum zt_rule_value zt_rule_value_of(uint8_t t)
{
	return (enum zt_rule_value)types[ZT_RULE_TYPE(t)].value;
}

/* Value length of the type on the wire; -1 for unknown types. */
static int value_len(uint8_t t)
{
	enum zt_rule_value v = zt_rule_value_of(t);
	if (v == ZT_RULE_V_UNKNOWN)
		return -1;
	int len = 0;
	for (unsigned i = 0; i < layouts[v].n; i++)
		len += wire_len[layouts[v].f[i].kind];
	return len;
}

static void read_value(struct zt_rule *rule, struct zt_rd *v)
{
	const struct value_layout *l = &layouts[zt_rule_value_of(rule->t)];
	for (unsigned i = 0; i < l->n; i++) {
		uint8_t *p = (uint8_t *)&rule->v + l->f[i].off;
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;
		switch (l->f[i].kind) {
		case U8:
			u8 = zt_rd_u8(v);
			memcpy(p, &u8, sizeof(u8));
			break;
		case U16:
			u16 = zt_rd_u16(v);
			memcpy(p, &u16, sizeof(u16));
			break;
		case U32:
			u32 = zt_rd_u32(v);
			memcpy(p, &u32, sizeof(u32));
			break;
		case U40:
		case U64:
			u64 = l->f[i].kind == U40 ? zt_rd_u40(v) : zt_rd_u64(v);
			memcpy(p, &u64, sizeof(u64));
			break;
		default:
			zt_rd_copy(v, p, wire_len[l->f[i].kind]);
			break;
		}
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
	int want = value_len(rule->t);
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
	int len = value_len(rule->t);
	zt_wr_u8(w, rule->t);
	zt_wr_u8(w, (uint8_t)(len < 0 ? 0 : len));
	const struct value_layout *l = &layouts[zt_rule_value_of(rule->t)];
	for (unsigned i = 0; i < l->n; i++) {
		const uint8_t *p = (const uint8_t *)&rule->v + l->f[i].off;
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;
		switch (l->f[i].kind) {
		case U8:
			memcpy(&u8, p, sizeof(u8));
			zt_wr_u8(w, u8);
			break;
		case U16:
			memcpy(&u16, p, sizeof(u16));
			zt_wr_u16(w, u16);
			break;
		case U32:
			memcpy(&u32, p, sizeof(u32));
			zt_wr_u32(w, u32);
			break;
		case U40:
		case U64:
			memcpy(&u64, p, sizeof(u64));
			if (l->f[i].kind == U40)
				zt_wr_u40(w, u64);
			else
				zt_wr_u64(w, u64);
			break;
		default:
			zt_wr_bytes(w, p, wire_len[l->f[i].kind]);
			break;
		}
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
