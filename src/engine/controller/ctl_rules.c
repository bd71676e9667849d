/* Flow rules as stock's controller API writes them (spec §10.2): {"type":"MATCH_…","not":..,"or":..,…}.
 * Names and field names are stock's; values are checked instead of masked, so a typo is a 400, not a rule
 * that silently matches something else. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "controller/ctl_int.h"

static void add_hex16(struct ctl_jb *b, cJSON *o, const char *key, uint64_t v)
{
	char hex[17];
	ctl_hex16(v, hex);
	jb_str(b, o, key, hex);
}

static void add_address(struct ctl_jb *b, cJSON *o, const char *key, uint64_t v)
{
	char hex[11];
	ctl_hex10(v, hex);
	jb_str(b, o, key, hex);
}

static void add_ip(struct ctl_jb *b, cJSON *o, const uint8_t *ip, bool v6, uint8_t bits)
{
	struct zt_inetaddr a = {.family = v6 ? ZT_INET_V6 : ZT_INET_V4, .port = bits};
	char text[80];
	memcpy(a.ip, ip, v6 ? 16 : 4);
	ctl_cidr_format(&a, text, sizeof(text));
	jb_str(b, o, "ip", text);
}

cJSON *ctl_rule_to_json(struct ctl_jb *b, const struct zt_rule *r)
{
	const char *name = zt_rule_type_name(r->t);
	uint8_t type = ZT_RULE_TYPE(r->t);
	cJSON *o = jb_obj(b, NULL, NULL);
	char mac[18];
	if (!o)
		return NULL;
	if (!name) { /* rules only come from ctl_rule_from_json, which knows every type it makes */
		b->bad = true;
		return o;
	}
	jb_str(b, o, "type", name);
	switch (zt_rule_value_of(type)) {
	case ZT_RULE_V_UNKNOWN:
	case ZT_RULE_V_NONE:
		break;
	case ZT_RULE_V_FWD: /* stock's REDIRECT has no length */
		add_address(b, o, "address", r->v.fwd.address);
		jb_int(b, o, "flags", r->v.fwd.flags);
		if (type != ZT_RULE_ACTION_REDIRECT)
			jb_int(b, o, "length", r->v.fwd.length);
		break;
	case ZT_RULE_V_ZT:
		add_address(b, o, "zt", r->v.zt);
		break;
	case ZT_RULE_V_VLAN_ID:
		jb_int(b, o, "vlanId", r->v.vlan_id);
		break;
	case ZT_RULE_V_VLAN_PCP:
		jb_int(b, o, "vlanPcp", r->v.vlan_pcp);
		break;
	case ZT_RULE_V_VLAN_DEI:
		jb_int(b, o, "vlanDei", r->v.vlan_dei);
		break;
	case ZT_RULE_V_MAC:
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", r->v.mac[0], r->v.mac[1],
		         r->v.mac[2], r->v.mac[3], r->v.mac[4], r->v.mac[5]);
		jb_str(b, o, "mac", mac);
		break;
	case ZT_RULE_V_IPV4:
		add_ip(b, o, r->v.ipv4.ip, false, r->v.ipv4.mask);
		break;
	case ZT_RULE_V_IPV6:
		add_ip(b, o, r->v.ipv6.ip, true, r->v.ipv6.mask);
		break;
	case ZT_RULE_V_IP_TOS:
		jb_int(b, o, "mask", r->v.ip_tos.mask);
		jb_int(b, o, "start", r->v.ip_tos.start);
		jb_int(b, o, "end", r->v.ip_tos.end);
		break;
	case ZT_RULE_V_IP_PROTOCOL:
		jb_int(b, o, "ipProtocol", r->v.ip_protocol);
		break;
	case ZT_RULE_V_ETHERTYPE:
		jb_int(b, o, "etherType", r->v.ethertype);
		break;
	case ZT_RULE_V_ICMP:
		jb_int(b, o, "icmpType", r->v.icmp.type);
		if (r->v.icmp.flags & 0x01)
			jb_int(b, o, "icmpCode", r->v.icmp.code);
		else
			jb_null(b, o, "icmpCode");
		break;
	case ZT_RULE_V_PORT:
		jb_int(b, o, "start", r->v.port[0]);
		jb_int(b, o, "end", r->v.port[1]);
		break;
	case ZT_RULE_V_CHARACTERISTICS:
		add_hex16(b, o, "mask", r->v.characteristics);
		break;
	case ZT_RULE_V_FRAME_SIZE:
		jb_int(b, o, "start", r->v.frame_size[0]);
		jb_int(b, o, "end", r->v.frame_size[1]);
		break;
	case ZT_RULE_V_RANDOM:
		jb_int(b, o, "probability", r->v.random_probability);
		break;
	case ZT_RULE_V_TAG:
		jb_int(b, o, "id", r->v.tag.id);
		jb_int(b, o, "value", r->v.tag.value);
		break;
	case ZT_RULE_V_INT_RANGE:
		add_hex16(b, o, "start", r->v.int_range.start);
		add_hex16(b, o, "end", r->v.int_range.end);
		jb_int(b, o, "idx", r->v.int_range.idx);
		jb_bool(b, o, "little", (r->v.int_range.format & 0x80) != 0);
		jb_int(b, o, "bits", (r->v.int_range.format & 63) + 1);
		break;
	}
	/* Stock writes not/or on matches only (and on its default ACCEPT rule). */
	if (type > ZT_RULE_ACTION_LAST || (r->t & (ZT_RULE_NOT | ZT_RULE_OR))) {
		jb_bool(b, o, "not", (r->t & ZT_RULE_NOT) != 0);
		jb_bool(b, o, "or", (r->t & ZT_RULE_OR) != 0);
	}
	return o;
}

/* ---- parsing ---- */

struct rp {
	const cJSON *j;
	const char *type;
	char *err;
	size_t cap;
	int rc;
};

static int64_t get_int(struct rp *p, const char *key, int64_t max, int64_t dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->j, key);
	int64_t out = dflt;
	if (!v || p->rc)
		return dflt;
	if (!ctl_json_int(v, 0, max, &out))
		p->rc = ctl_err(p->err, p->cap, "%s: \"%s\" must be an integer 0..%lld", p->type, key,
		                (long long)max);
	return out;
}

static const char *get_str(struct rp *p, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->j, key);
	if (!v || p->rc)
		return NULL;
	if (!cJSON_IsString(v)) {
		p->rc = ctl_err(p->err, p->cap, "%s: \"%s\" must be a string", p->type, key);
		return NULL;
	}
	return v->valuestring;
}

static uint64_t get_address(struct rp *p, const char *key)
{
	const char *s = get_str(p, key);
	uint64_t v = 0;
	if (s && !zt_hex_parse(s, 0, &v))
		p->rc = ctl_err(p->err, p->cap, "%s: \"%s\" must be a hex ZeroTier address", p->type, key);
	if (v > 0xffffffffffULL)
		p->rc = ctl_err(p->err, p->cap, "%s: \"%s\" is longer than 10 hex digits", p->type, key);
	return v;
}

/* A hex string (stock's form for 64-bit values) or a number. */
static uint64_t get_u64(struct rp *p, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->j, key);
	int64_t i;
	uint64_t u = 0;
	if (!v || p->rc)
		return 0;
	if (cJSON_IsString(v) && zt_hex_parse(v->valuestring, 0, &u))
		return u;
	if (ctl_json_int(v, 0, INT64_MAX, &i))
		return (uint64_t)i;
	p->rc = ctl_err(p->err, p->cap, "%s: \"%s\" must be a hex string or an integer", p->type, key);
	return 0;
}

static bool get_bool(struct rp *p, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(p->j, key);
	if (!v || p->rc || cJSON_IsNull(v))
		return false;
	if (!cJSON_IsBool(v)) {
		p->rc = ctl_err(p->err, p->cap, "%s: \"%s\" must be true or false", p->type, key);
		return false;
	}
	return cJSON_IsTrue(v);
}

static void get_mac(struct rp *p, uint8_t mac[6])
{
	const char *s = get_str(p, "mac");
	size_t n = 0;
	if (!s)
		return;
	/* Separators of any kind are ignored, as stock's cleanMac does. */
	for (; *s && !p->rc; s++) {
		int d = (*s >= '0' && *s <= '9')   ? *s - '0'
		        : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
		        : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10
		                                   : -1;
		if (d < 0)
			continue;
		if (n >= 12)
			p->rc = ctl_err(p->err, p->cap, "%s: \"mac\" has more than 12 hex digits", p->type);
		else
			mac[n / 2] = (uint8_t)(mac[n / 2] << 4 | d);
		n++;
	}
	if (!p->rc && n != 12)
		p->rc = ctl_err(p->err, p->cap, "%s: \"mac\" must have 12 hex digits", p->type);
}

static void get_ip(struct rp *p, uint8_t *ip, uint8_t *mask, bool v6)
{
	const char *s = get_str(p, "ip");
	struct zt_inetaddr a;
	if (!s)
		return;
	if (ctl_ip_parse(&a, s, NULL) != 0 || a.family != (v6 ? ZT_INET_V6 : ZT_INET_V4)) {
		p->rc = ctl_err(p->err, p->cap, "%s: \"ip\" must be an %s address/bits", p->type,
		                v6 ? "IPv6" : "IPv4");
		return;
	}
	memcpy(ip, a.ip, v6 ? 16 : 4);
	*mask = (uint8_t)a.port;
}

static void parse_fields(struct rp *p, struct zt_rule *r)
{
	const cJSON *code;
	switch (zt_rule_value_of(r->t)) {
	case ZT_RULE_V_UNKNOWN:
	case ZT_RULE_V_NONE:
		break;
	case ZT_RULE_V_FWD:
		r->v.fwd.address = get_address(p, "address");
		r->v.fwd.flags = (uint32_t)get_int(p, "flags", UINT32_MAX, 0);
		if (ZT_RULE_TYPE(r->t) != ZT_RULE_ACTION_REDIRECT)
			r->v.fwd.length = (uint16_t)get_int(p, "length", UINT16_MAX, 0);
		break;
	case ZT_RULE_V_ZT:
		r->v.zt = get_address(p, "zt");
		break;
	case ZT_RULE_V_VLAN_ID:
		r->v.vlan_id = (uint16_t)get_int(p, "vlanId", 4095, 0);
		break;
	case ZT_RULE_V_VLAN_PCP:
		r->v.vlan_pcp = (uint8_t)get_int(p, "vlanPcp", 7, 0);
		break;
	case ZT_RULE_V_VLAN_DEI:
		r->v.vlan_dei = (uint8_t)get_int(p, "vlanDei", 1, 0);
		break;
	case ZT_RULE_V_MAC:
		get_mac(p, r->v.mac);
		break;
	case ZT_RULE_V_IPV4:
		get_ip(p, r->v.ipv4.ip, &r->v.ipv4.mask, false);
		break;
	case ZT_RULE_V_IPV6:
		get_ip(p, r->v.ipv6.ip, &r->v.ipv6.mask, true);
		break;
	case ZT_RULE_V_IP_TOS:
		r->v.ip_tos.mask = (uint8_t)get_int(p, "mask", 255, 0);
		r->v.ip_tos.start = (uint8_t)get_int(p, "start", 255, 0);
		r->v.ip_tos.end = (uint8_t)get_int(p, "end", 255, 0);
		break;
	case ZT_RULE_V_IP_PROTOCOL:
		r->v.ip_protocol = (uint8_t)get_int(p, "ipProtocol", 255, 0);
		break;
	case ZT_RULE_V_ETHERTYPE:
		r->v.ethertype = (uint16_t)get_int(p, "etherType", UINT16_MAX, 0);
		break;
	case ZT_RULE_V_ICMP:
		r->v.icmp.type = (uint8_t)get_int(p, "icmpType", 255, 0);
		code = cJSON_GetObjectItemCaseSensitive(p->j, "icmpCode");
		if (code && !cJSON_IsNull(code)) {
			r->v.icmp.code = (uint8_t)get_int(p, "icmpCode", 255, 0);
			r->v.icmp.flags = 0x01;
		}
		break;
	case ZT_RULE_V_PORT:
		r->v.port[0] = (uint16_t)get_int(p, "start", UINT16_MAX, 0);
		r->v.port[1] = (uint16_t)get_int(p, "end", UINT16_MAX, r->v.port[0]);
		break;
	case ZT_RULE_V_CHARACTERISTICS:
		r->v.characteristics = get_u64(p, "mask");
		break;
	case ZT_RULE_V_FRAME_SIZE:
		r->v.frame_size[0] = (uint16_t)get_int(p, "start", UINT16_MAX, 0);
		r->v.frame_size[1] = (uint16_t)get_int(p, "end", UINT16_MAX, r->v.frame_size[0]);
		break;
	case ZT_RULE_V_RANDOM:
		r->v.random_probability = (uint32_t)get_int(p, "probability", UINT32_MAX, 0);
		break;
	case ZT_RULE_V_TAG:
		r->v.tag.id = (uint32_t)get_int(p, "id", UINT32_MAX, 0);
		r->v.tag.value = (uint32_t)get_int(p, "value", UINT32_MAX, 0);
		break;
	case ZT_RULE_V_INT_RANGE:
		r->v.int_range.start = get_u64(p, "start");
		r->v.int_range.end = get_u64(p, "end");
		r->v.int_range.idx = (uint16_t)get_int(p, "idx", UINT16_MAX, 0);
		r->v.int_range.format =
		    (uint8_t)((get_bool(p, "little") ? 0x80 : 0) | ((get_int(p, "bits", 64, 1) - 1) & 63));
		/* Stock keeps the end as a 32-bit offset from the start. */
		if (!p->rc && (r->v.int_range.end < r->v.int_range.start ||
		               r->v.int_range.end - r->v.int_range.start > UINT32_MAX))
			p->rc = ctl_err(p->err, p->cap, "%s: \"end\" must be within 2^32-1 above \"start\"",
			                p->type);
		if (!p->rc && get_int(p, "bits", 64, 1) < 1)
			p->rc = ctl_err(p->err, p->cap, "%s: \"bits\" must be 1..64", p->type);
		break;
	}
}

int ctl_rule_from_json(struct zt_rule *r, const cJSON *j, char *err, size_t cap)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "type");
	const char *name = NULL;
	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(j))
		return ctl_err(err, cap, "a rule must be an object");
	if (!cJSON_IsString(t))
		return ctl_err(err, cap, "a rule needs a \"type\" string");
	/* Stock writes INTEGER_RANGE without the MATCH_ prefix; we read both. */
	const char *want =
	    strcmp(t->valuestring, "MATCH_INTEGER_RANGE") == 0 ? "INTEGER_RANGE" : t->valuestring;
	for (uint8_t type = 0; type < 64 && !name; type++)
		if (zt_rule_type_name(type) && strcmp(zt_rule_type_name(type), want) == 0) {
			name = t->valuestring;
			r->t = type;
		}
	if (!name)
		return ctl_err(err, cap, "unknown rule type \"%.60s\"", t->valuestring);
	struct rp p = {.j = j, .type = name, .err = err, .cap = cap};
	if (get_bool(&p, "not"))
		r->t |= ZT_RULE_NOT;
	if (get_bool(&p, "or"))
		r->t |= ZT_RULE_OR;
	parse_fields(&p, r);
	return p.rc;
}
