/* Network configurations (spec §5): the dictionary a controller signs and sends, as a plain struct tree,
 * with a parser (what a member applies) and an encoder in the stock key order (what a controller sends). */
#ifndef ZTRUN_VL2_NETCONF_H
#define ZTRUN_VL2_NETCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/wire.h"
#include "vl2/com.h"
#include "vl2/credentials.h"
#include "vl1/inetaddr.h"
#include "vl2/rules.h"

#define ZT_NETCONF_VERSION     7 /* what we write */
#define ZT_NETCONF_MIN_VERSION 6 /* older (text) formats are refused, as stock 1.14 does */

#define ZT_MTU_DEFAULT 2800
#define ZT_MTU_MIN     1280
#define ZT_MTU_MAX     10000

#define ZT_CTMD_DEFAULT 1800000 /* credential time max delta (COM window), ms */
#define ZT_CTMD_MIN     300000
#define ZT_CTMD_MAX     7200000

#define ZT_MAX_ZT_ASSIGNED_ADDRESSES     32
#define ZT_MAX_NETWORK_ROUTES            128
#define ZT_MAX_NETWORK_SPECIALISTS       256
#define ZT_MAX_NETWORK_CAPABILITIES      128
#define ZT_MAX_NETWORK_TAGS              128
#define ZT_MAX_CERTIFICATES_OF_OWNERSHIP 4
#define ZT_MAX_DNS_SERVERS               4
#define ZT_DNS_DOMAIN_LEN                128
#define ZT_NETWORK_NAME_MAX              127

/* `f` */
#define ZT_NETCONF_FLAG_BROADCAST         0x02ULL
#define ZT_NETCONF_FLAG_NDP_EMULATION     0x04ULL
#define ZT_NETCONF_FLAG_UNSUPPORTED_MATCH 0x08ULL /* unknown MATCH rules count as matching */
#define ZT_NETCONF_FLAG_NO_COMPRESSION    0x10ULL

/* Role bits of a specialist entry; the low 40 bits are the member's address. */
#define ZT_SPECIALIST_ACTIVE_BRIDGE        0x0000020000000000ULL
#define ZT_SPECIALIST_ANCHOR               0x0000040000000000ULL
#define ZT_SPECIALIST_MULTICAST_REPLICATOR 0x0000080000000000ULL

enum zt_network_type {
	ZT_NETWORK_PRIVATE = 0,
	ZT_NETWORK_PUBLIC = 1,
};

struct zt_route {
	struct zt_inetaddr target; /* port = prefix bits */
	struct zt_inetaddr via;    /* nil: on-link */
	uint16_t flags, metric;
};

struct zt_dns {
	char domain[ZT_DNS_DOMAIN_LEN]; /* NUL-terminated; "" with four nil servers = nothing pushed */
	struct zt_inetaddr servers[ZT_MAX_DNS_SERVERS];
};

/* One config. Absent keys read as 0 / empty, except `type` (private), `mtu` (2800) and `version`.
 * `rules`, `capabilities` and `tags` are heap arrays owned by the struct: release with
 * zt_netconf_free(). Everything else is inline. */
struct zt_netconf {
	uint64_t version; /* `v` */
	uint64_t nwid;
	int64_t timestamp;                 /* `ts` */
	int64_t credential_time_max_delta; /* `ctmd` */
	uint64_t revision;                 /* `r` */
	uint64_t issued_to;                /* `id` */
	uint64_t remote_trace_target;      /* `tt` */
	uint64_t remote_trace_level;       /* `tl` */
	uint64_t flags;                    /* `f`, ZT_NETCONF_FLAG_* */
	uint32_t multicast_limit;          /* `ml` */
	uint64_t type;                     /* `t`, enum zt_network_type */
	char name[ZT_NETWORK_NAME_MAX + 1];
	uint32_t mtu; /* clamped to ZT_MTU_MIN..ZT_MTU_MAX when read */

	struct zt_com com; /* `C`; com.count == 0: none */

	size_t capability_count; /* `CAP`, sorted by id */
	struct zt_capability *capabilities;
	size_t tag_count; /* `TAG`, sorted by id */
	struct zt_tag *tags;
	size_t coo_count; /* `COO` */
	struct zt_coo coos[ZT_MAX_CERTIFICATES_OF_OWNERSHIP];
	size_t specialist_count; /* `S` */
	uint64_t specialists[ZT_MAX_NETWORK_SPECIALISTS];
	size_t route_count; /* `RT` */
	struct zt_route routes[ZT_MAX_NETWORK_ROUTES];
	size_t static_ip_count; /* `I`; reserved record types read as nil entries */
	struct zt_inetaddr static_ips[ZT_MAX_ZT_ASSIGNED_ADDRESSES];
	size_t rule_count; /* `R`; 0 = no rules = every frame dropped */
	struct zt_rule *rules;
	struct zt_dns dns;

	uint64_t sso_version; /* `ssov` */
	bool sso_enabled;     /* `ssoe`: a member that cannot do SSO must treat the network as unusable */
};

/* Parses a serialized config (no NUL needed; one ends it). Like stock it requires non-zero `nwid` and
 * `id` and `v` >= 6, clamps the MTU, keeps the first 32 static IPs, 128 routes, 256 specialists, 4 COOs
 * and 1024 rules, and stops reading capabilities or tags at the first malformed one; any other malformed
 * binary value rejects the whole config. Checking `nwid` and `id` against the joined network and own
 * address is the caller's job. 0, -EBADMSG, -EMSGSIZE (ZT_DICT_NETCONF_CAP bytes or more), -ENOMEM.
 * On success release with zt_netconf_free(); on failure *nc holds nothing to free. */
int zt_netconf_parse(struct zt_netconf *nc, const void *dict, size_t len);

/* Writes the dictionary as a stock controller does: keys in its order, integers as 16 hex digits,
 * addresses as 10, binary values escaped; optional blobs only when non-empty; DNS always.
 * 0, -ENOSPC (the writer filled up; w->bad), -ENOMEM, -EINVAL (a count beyond its maximum). */
int zt_netconf_encode(const struct zt_netconf *nc, struct zt_wr *w);

/* A config with the stock defaults: version 7, private, MTU 2800, ctmd 1,800,000, no rules. */
void zt_netconf_init(struct zt_netconf *nc);
void zt_netconf_free(struct zt_netconf *nc);
/* Field by field (credentials compared by their encodings). */
bool zt_netconf_equal(const struct zt_netconf *a, const struct zt_netconf *b);

#endif
