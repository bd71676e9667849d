/* Flow rules (spec §5.4): the rule entry as a struct, and its wire encoding `[u8 t][u8 len][value]`,
 * shared by a config's `R` and by capabilities. Evaluation lives in rules_eval.h. */
#ifndef ZTRUN_VL2_RULES_H
#define ZTRUN_VL2_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/wire.h"

#define ZT_MAX_NETWORK_RULES    1024
#define ZT_MAX_CAPABILITY_RULES 64

/* Bits of the type byte besides the type itself. */
#define ZT_RULE_NOT         0x80
#define ZT_RULE_OR          0x40
#define ZT_RULE_TYPE(t)     ((uint8_t)((t)&0x3f))
#define ZT_RULE_ACTION_LAST 15 /* types 0..15 are actions, 16..63 matches */

enum zt_rule_type {
	ZT_RULE_ACTION_DROP = 0,
	ZT_RULE_ACTION_ACCEPT = 1,
	ZT_RULE_ACTION_TEE = 2,
	ZT_RULE_ACTION_WATCH = 3,
	ZT_RULE_ACTION_REDIRECT = 4,
	ZT_RULE_ACTION_BREAK = 5,
	ZT_RULE_ACTION_PRIORITY = 6,
	ZT_RULE_MATCH_SOURCE_ZEROTIER_ADDRESS = 24,
	ZT_RULE_MATCH_DEST_ZEROTIER_ADDRESS = 25,
	ZT_RULE_MATCH_VLAN_ID = 26,
	ZT_RULE_MATCH_VLAN_PCP = 27,
	ZT_RULE_MATCH_VLAN_DEI = 28,
	ZT_RULE_MATCH_MAC_SOURCE = 29,
	ZT_RULE_MATCH_MAC_DEST = 30,
	ZT_RULE_MATCH_IPV4_SOURCE = 31,
	ZT_RULE_MATCH_IPV4_DEST = 32,
	ZT_RULE_MATCH_IPV6_SOURCE = 33,
	ZT_RULE_MATCH_IPV6_DEST = 34,
	ZT_RULE_MATCH_IP_TOS = 35,
	ZT_RULE_MATCH_IP_PROTOCOL = 36,
	ZT_RULE_MATCH_ETHERTYPE = 37,
	ZT_RULE_MATCH_ICMP = 38,
	ZT_RULE_MATCH_IP_SOURCE_PORT_RANGE = 39,
	ZT_RULE_MATCH_IP_DEST_PORT_RANGE = 40,
	ZT_RULE_MATCH_CHARACTERISTICS = 41,
	ZT_RULE_MATCH_FRAME_SIZE_RANGE = 42,
	ZT_RULE_MATCH_RANDOM = 43,
	ZT_RULE_MATCH_TAGS_DIFFERENCE = 44,
	ZT_RULE_MATCH_TAGS_BITWISE_AND = 45,
	ZT_RULE_MATCH_TAGS_BITWISE_OR = 46,
	ZT_RULE_MATCH_TAGS_BITWISE_XOR = 47,
	ZT_RULE_MATCH_TAGS_EQUAL = 48,
	ZT_RULE_MATCH_TAG_SENDER = 49,
	ZT_RULE_MATCH_TAG_RECEIVER = 50,
	ZT_RULE_MATCH_INTEGER_RANGE = 51,
};

/* MATCH_CHARACTERISTICS bits. */
#define ZT_RULE_CHAR_INBOUND         0x8000000000000000ULL
#define ZT_RULE_CHAR_MULTICAST       0x4000000000000000ULL
#define ZT_RULE_CHAR_BROADCAST       0x2000000000000000ULL
#define ZT_RULE_CHAR_SENDER_IP_AUTH  0x1000000000000000ULL
#define ZT_RULE_CHAR_SENDER_MAC_AUTH 0x0800000000000000ULL
#define ZT_RULE_CHAR_TCP_FLAGS       0x0000000000000fffULL /* FIN 0x001 ... NS 0x100, reserved to 0x800 */

/* One entry. `t` keeps the NOT and OR bits; which member of `v` is meaningful follows ZT_RULE_TYPE(t).
 * Entries of unknown type keep only `t`: their value is skipped on reading, and written back empty,
 * as stock does. */
struct zt_rule {
	uint8_t t;
	union zt_rule_v {
		struct {
			uint64_t address; /* low 40 bits are the ZeroTier address */
			uint32_t flags;
			uint16_t length; /* bytes to copy, 0 = all */
		} fwd;                   /* TEE, WATCH, REDIRECT */
		uint64_t zt;             /* SOURCE/DEST_ZEROTIER_ADDRESS */
		uint16_t vlan_id;
		uint8_t vlan_pcp;
		uint8_t vlan_dei;
		uint8_t mac[6];
		struct {
			uint8_t ip[4];
			uint8_t mask; /* prefix bits */
		} ipv4;
		struct {
			uint8_t ip[16];
			uint8_t mask;
		} ipv6;
		struct {
			uint8_t mask, start, end; /* inclusive range on TOS & mask */
		} ip_tos;
		uint8_t ip_protocol;
		uint16_t ethertype;
		struct {
			uint8_t type, code, flags; /* flags 0x01: the code must match too */
		} icmp;
		uint16_t port[2]; /* inclusive range */
		uint64_t characteristics;
		uint16_t frame_size[2]; /* inclusive range */
		uint32_t random_probability;
		struct {
			uint32_t id, value;
		} tag;
		struct {
			uint64_t start, end; /* inclusive; `end` is absolute, as on the wire */
			uint16_t idx;        /* byte index in the payload */
			uint8_t format;      /* bits 0-5: width in bits minus 1; bit 7: little endian */
		} int_range;
	} v;
};

/* Which member of `v` a type's value is (and with it the value's wire form): the one table of types is
 * in rules.c. ZT_RULE_V_UNKNOWN for types this version does not know. */
enum zt_rule_value {
	ZT_RULE_V_UNKNOWN,
	ZT_RULE_V_NONE, /* actions without a value */
	ZT_RULE_V_FWD,
	ZT_RULE_V_ZT,
	ZT_RULE_V_VLAN_ID,
	ZT_RULE_V_VLAN_PCP,
	ZT_RULE_V_VLAN_DEI,
	ZT_RULE_V_MAC,
	ZT_RULE_V_IPV4,
	ZT_RULE_V_IPV6,
	ZT_RULE_V_IP_TOS,
	ZT_RULE_V_IP_PROTOCOL,
	ZT_RULE_V_ETHERTYPE,
	ZT_RULE_V_ICMP,
	ZT_RULE_V_PORT,
	ZT_RULE_V_CHARACTERISTICS,
	ZT_RULE_V_FRAME_SIZE,
	ZT_RULE_V_RANDOM,
	ZT_RULE_V_TAG,
	ZT_RULE_V_INT_RANGE,
};
/* The value of ZT_RULE_TYPE(t). */
enum zt_rule_value zt_rule_value_of(uint8_t t);
/* Its name in stock's controller API ("MATCH_IPV4_SOURCE"), or NULL where the API has none. */
const char *zt_rule_type_name(uint8_t t);

/* Reads one entry. 0, or -EBADMSG (and r->bad) when the entry runs past the end, or its length is too
 * short for its (known) type; extra value bytes of a known type are skipped, for forward compatibility. */
int zt_rule_read(struct zt_rule *rule, struct zt_rd *r);
void zt_rule_write(const struct zt_rule *rule, struct zt_wr *w);
/* Compares type and the value that type uses. */
bool zt_rule_equal(const struct zt_rule *a, const struct zt_rule *b);

#endif
