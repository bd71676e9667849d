#include "vl2/netconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl2/dict.h"

/* Upper bounds of each binary value, for sizing buffers. */
#define COM_MAX        (3 + ZT_COM_MAX_QUALIFIERS * 24 + 5 + ZT_SIGNATURE_LEN)
#define RULE_MAX       (2 + 19)
#define CAPABILITY_MAX (31 + ZT_MAX_CAPABILITY_RULES * RULE_MAX + ZT_CAP_MAX_CUSTODY * 109 + 5 + 2)
#define TAG_MAX        135
#define COO_MAX        (30 + ZT_COO_MAX_THINGS * 17 + 10 + 99 + 2)
#define INADDR_MAX     19
#define ROUTE_MAX      (2 * INADDR_MAX + 4)
#define DNS_MAX        (ZT_DNS_DOMAIN_LEN + ZT_MAX_DNS_SERVERS * INADDR_MAX)

void zt_netconf_init(struct zt_netconf *nc)
{
	memset(nc, 0, sizeof(*nc));
	nc->version = ZT_NETCONF_VERSION;
	nc->type = ZT_NETWORK_PRIVATE;
	nc->mtu = ZT_MTU_DEFAULT;
	nc->credential_time_max_delta = ZT_CTMD_DEFAULT;
}

void zt_netconf_free(struct zt_netconf *nc)
{
	free(nc->rules);
	free(nc->capabilities);
	free(nc->tags);
	nc->rules = NULL;
	nc->capabilities = NULL;
	nc->tags = NULL;
	nc->rule_count = nc->capability_count = nc->tag_count = 0;
}

/* ---- parsing ---- */

/* A binary value, unescaped into a heap buffer (values never grow when unescaped). */
static int get_blob(const struct zt_dict *d, const char *key, uint8_t **buf, size_t *len)
{
	size_t n;
	*buf = NULL;
	*len = 0;
	if (zt_dict_get(d, key, NULL, 0, &n) == -ENOENT)
		return -ENOENT;
	*buf = malloc(n ? n : 1);
	if (!*buf)
		return -ENOMEM;
	zt_dict_get(d, key, *buf, n, len);
	return 0;
}

static void insert_sorted_capability(struct zt_netconf *nc, const struct zt_capability *c)
{
	size_t i = nc->capability_count;
	while (i > 0 && nc->capabilities[i - 1].id > c->id) {
		nc->capabilities[i] = nc->capabilities[i - 1];
		i--;
	}
	nc->capabilities[i] = *c;
	nc->capability_count++;
}

static void insert_sorted_tag(struct zt_netconf *nc, const struct zt_tag *t)
{
	size_t i = nc->tag_count;
	while (i > 0 && nc->tags[i - 1].id > t->id) {
		nc->tags[i] = nc->tags[i - 1];
		i--;
	}
	nc->tags[i] = *t;
	nc->tag_count++;
}

/* Stock wraps these two in a catch-all: a malformed entry ends the list, the config stays good. */
static int parse_capabilities(struct zt_netconf *nc, struct zt_rd *r)
{
	struct zt_capability c;
	nc->capabilities = calloc(ZT_MAX_NETWORK_CAPABILITIES, sizeof(*nc->capabilities));
	if (!nc->capabilities)
		return -ENOMEM;
	while (zt_rd_left(r) > 0 && nc->capability_count < ZT_MAX_NETWORK_CAPABILITIES &&
	       zt_capability_read(&c, r) == 0)
		insert_sorted_capability(nc, &c);
	return 0;
}

static int parse_tags(struct zt_netconf *nc, struct zt_rd *r)
{
	struct zt_tag t;
	nc->tags = calloc(ZT_MAX_NETWORK_TAGS, sizeof(*nc->tags));
	if (!nc->tags)
		return -ENOMEM;
	while (zt_rd_left(r) > 0 && nc->tag_count < ZT_MAX_NETWORK_TAGS && zt_tag_read(&t, r) == 0)
		insert_sorted_tag(nc, &t);
	return 0;
}

static int parse_coos(struct zt_netconf *nc, struct zt_rd *r)
{
	struct zt_coo extra;
	while (zt_rd_left(r) > 0) {
		struct zt_coo *c =
		    nc->coo_count < ZT_MAX_CERTIFICATES_OF_OWNERSHIP ? &nc->coos[nc->coo_count++] : &extra;
		if (zt_coo_read(c, r) != 0)
			return -EBADMSG;
	}
	return 0;
}

static int parse_specialists(struct zt_netconf *nc, struct zt_rd *r)
{
	while (zt_rd_left(r) >= 8) { /* a trailing partial entry is ignored */
		uint64_t s = zt_rd_u64(r);
		if (nc->specialist_count < ZT_MAX_NETWORK_SPECIALISTS)
			nc->specialists[nc->specialist_count++] = s;
	}
	return 0;
}

static int parse_routes(struct zt_netconf *nc, struct zt_rd *r)
{
	while (zt_rd_left(r) > 0 && nc->route_count < ZT_MAX_NETWORK_ROUTES) {
		struct zt_route *rt = &nc->routes[nc->route_count++];
		if (zt_inetaddr_read(&rt->target, r) != 0 || zt_inetaddr_read(&rt->via, r) != 0)
			return -EBADMSG;
		rt->flags = zt_rd_u16(r);
		rt->metric = zt_rd_u16(r);
		if (r->bad)
			return -EBADMSG;
	}
	return 0;
}

static int parse_static_ips(struct zt_netconf *nc, struct zt_rd *r)
{
	while (zt_rd_left(r) > 0 && nc->static_ip_count < ZT_MAX_ZT_ASSIGNED_ADDRESSES)
		if (zt_inetaddr_read(&nc->static_ips[nc->static_ip_count++], r) != 0)
			return -EBADMSG;
	return 0;
}

static int parse_rules(struct zt_netconf *nc, struct zt_rd *r)
{
	/* Most tables are a few rules: count them first rather than reserve room for 1024. */
	struct zt_rd count = *r;
	struct zt_rule tmp;
	size_t n = 0;
	while (zt_rd_left(&count) > 0 && n < ZT_MAX_NETWORK_RULES) {
		if (zt_rule_read(&tmp, &count) != 0)
			return -EBADMSG;
		n++;
	}
	nc->rules = calloc(n ? n : 1, sizeof(*nc->rules));
	if (!nc->rules)
		return -ENOMEM;
	for (nc->rule_count = 0; nc->rule_count < n; nc->rule_count++)
		zt_rule_read(&nc->rules[nc->rule_count], r);
	return 0;
}

static int parse_dns(struct zt_netconf *nc, struct zt_rd *r)
{
	if (!zt_rd_copy(r, nc->dns.domain, ZT_DNS_DOMAIN_LEN))
		return -EBADMSG;
	nc->dns.domain[ZT_DNS_DOMAIN_LEN - 1] = 0;
	for (int i = 0; i < ZT_MAX_DNS_SERVERS; i++)
		if (zt_inetaddr_read(&nc->dns.servers[i], r) != 0)
			return -EBADMSG;
	return 0;
}

typedef int blob_parser_fn(struct zt_netconf *nc, struct zt_rd *r);

static int parse_blob(struct zt_netconf *nc, const struct zt_dict *d, const char *key, blob_parser_fn *parse)
{
	uint8_t *buf;
	size_t len;
	int rc = get_blob(d, key, &buf, &len);
	if (rc == 0) {
		struct zt_rd r;
		zt_rd_init(&r, buf, len);
		rc = parse(nc, &r);
		free(buf);
	}
	return rc == -ENOENT ? 0 : rc;
}

static int parse_com(struct zt_netconf *nc, struct zt_rd *r)
{
	if (zt_com_read(&nc->com, r) != 0)
		return -EBADMSG;
	/* A COM without qualifiers is no COM (stock's CertificateOfMembership is false then, and is not
	 * written back): forget its signer too, so a config re-encodes to what it parsed from. */
	if (!nc->com.count)
		memset(&nc->com, 0, sizeof(nc->com));
	return 0;
}

static int parse_fields(struct zt_netconf *nc, const struct zt_dict *d)
{
	uint64_t v = 0, mtu = ZT_MTU_DEFAULT, ml = 0;
	if (zt_dict_get_u64(d, "nwid", &nc->nwid) != 0 || !nc->nwid)
		return -EBADMSG;
	zt_dict_get_u64(d, "ts", &v);
	nc->timestamp = (int64_t)v;
	v = 0;
	zt_dict_get_u64(d, "ctmd", &v);
	nc->credential_time_max_delta = (int64_t)v;
	zt_dict_get_u64(d, "r", &nc->revision);
	if (zt_dict_get_u64(d, "id", &nc->issued_to) != 0 || !(nc->issued_to & 0xffffffffffULL))
		return -EBADMSG;
	nc->issued_to &= 0xffffffffffULL;
	zt_dict_get_u64(d, "tt", &nc->remote_trace_target);
	nc->remote_trace_target &= 0xffffffffffULL;
	zt_dict_get_u64(d, "tl", &nc->remote_trace_level);
	zt_dict_get_u64(d, "ml", &ml);
	nc->multicast_limit = (uint32_t)ml;
	zt_dict_get_str(d, "n", nc->name, sizeof(nc->name));
	zt_dict_get_u64(d, "mtu", &mtu);
	nc->mtu = mtu < ZT_MTU_MIN ? ZT_MTU_MIN : mtu > ZT_MTU_MAX ? ZT_MTU_MAX : (uint32_t)mtu;
	nc->version = 0;
	if (zt_dict_get_u64(d, "v", &nc->version) != 0 || nc->version < ZT_NETCONF_MIN_VERSION)
		return -EBADMSG;
	zt_dict_get_u64(d, "f", &nc->flags);
	zt_dict_get_u64(d, "t", &nc->type);
	zt_dict_get_u64(d, "ssov", &nc->sso_version);
	zt_dict_get_bool(d, "ssoe", &nc->sso_enabled);
	return 0;
}

int zt_netconf_parse(struct zt_netconf *nc, const void *dict, size_t len)
{
	static const struct {
		const char *key;
		blob_parser_fn *parse;
	} blobs[] = {
	    {"C", parse_com},        {"CAP", parse_capabilities}, {"TAG", parse_tags},
	    {"COO", parse_coos},     {"S", parse_specialists},    {"RT", parse_routes},
	    {"I", parse_static_ips}, {"R", parse_rules},          {"DNS", parse_dns},
	};
	struct zt_dict d;
	int rc;
	zt_netconf_init(nc);
	nc->credential_time_max_delta = 0;
	zt_dict_init(&d, dict, len);
	if (d.len >= ZT_DICT_NETCONF_CAP)
		return -EMSGSIZE;
	rc = parse_fields(nc, &d);
	for (size_t i = 0; rc == 0 && i < sizeof(blobs) / sizeof(blobs[0]); i++)
		rc = parse_blob(nc, &d, blobs[i].key, blobs[i].parse);
	if (rc != 0) {
		zt_netconf_free(nc);
		zt_netconf_init(nc);
	}
	return rc;
}

/* ---- encoding ---- */

typedef void blob_writer_fn(const struct zt_netconf *nc, struct zt_wr *w);

/* Serializes a value into a scratch buffer of `cap` bytes and adds it escaped, if it is non-empty. */
static int add_blob(struct zt_dict_wr *dw, const char *key, const struct zt_netconf *nc,
                    blob_writer_fn *write, size_t cap)
{
	struct zt_wr w;
	uint8_t *buf = malloc(cap ? cap : 1);
	int rc = 0;
	if (!buf)
		return -ENOMEM;
	zt_wr_init(&w, buf, cap);
	write(nc, &w);
	if (w.bad)
		rc = -EINVAL;
	else if (w.len)
		rc = zt_dict_add(dw, key, buf, w.len);
	free(buf);
	return rc;
}

static void write_com(const struct zt_netconf *nc, struct zt_wr *w)
{
	if (nc->com.count)
		zt_com_write(&nc->com, w);
}

static void write_capabilities(const struct zt_netconf *nc, struct zt_wr *w)
{
	for (size_t i = 0; i < nc->capability_count; i++)
		zt_capability_write(&nc->capabilities[i], w);
}

static void write_tags(const struct zt_netconf *nc, struct zt_wr *w)
{
	for (size_t i = 0; i < nc->tag_count; i++)
		zt_tag_write(&nc->tags[i], w);
}

static void write_coos(const struct zt_netconf *nc, struct zt_wr *w)
{
	for (size_t i = 0; i < nc->coo_count; i++)
		zt_coo_write(&nc->coos[i], w);
}

static void write_specialists(const struct zt_netconf *nc, struct zt_wr *w)
{
	for (size_t i = 0; i < nc->specialist_count; i++)
		zt_wr_u64(w, nc->specialists[i]);
}

static void write_routes(const struct zt_netconf *nc, struct zt_wr *w)
{
	for (size_t i = 0; i < nc->route_count; i++) {
		zt_inetaddr_write(&nc->routes[i].target, w);
		zt_inetaddr_write(&nc->routes[i].via, w);
		zt_wr_u16(w, nc->routes[i].flags);
		zt_wr_u16(w, nc->routes[i].metric);
	}
}

static void write_static_ips(const struct zt_netconf *nc, struct zt_wr *w)
{
	for (size_t i = 0; i < nc->static_ip_count; i++)
		zt_inetaddr_write(&nc->static_ips[i], w);
}

static void write_rules(const struct zt_netconf *nc, struct zt_wr *w)
{
	for (size_t i = 0; i < nc->rule_count; i++)
		zt_rule_write(&nc->rules[i], w);
}

static void write_dns(const struct zt_netconf *nc, struct zt_wr *w)
{
	uint8_t domain[ZT_DNS_DOMAIN_LEN] = {0};
	memcpy(domain, nc->dns.domain, strnlen(nc->dns.domain, ZT_DNS_DOMAIN_LEN - 1));
	zt_wr_bytes(w, domain, sizeof(domain));
	for (int i = 0; i < ZT_MAX_DNS_SERVERS; i++)
		zt_inetaddr_write(&nc->dns.servers[i], w);
}

static bool counts_ok(const struct zt_netconf *nc)
{
	return nc->capability_count <= ZT_MAX_NETWORK_CAPABILITIES && nc->tag_count <= ZT_MAX_NETWORK_TAGS &&
	       nc->coo_count <= ZT_MAX_CERTIFICATES_OF_OWNERSHIP &&
	       nc->specialist_count <= ZT_MAX_NETWORK_SPECIALISTS &&
	       nc->route_count <= ZT_MAX_NETWORK_ROUTES &&
	       nc->static_ip_count <= ZT_MAX_ZT_ASSIGNED_ADDRESSES &&
	       nc->rule_count <= ZT_MAX_NETWORK_RULES && (nc->capabilities || !nc->capability_count) &&
	       (nc->tags || !nc->tag_count) && (nc->rules || !nc->rule_count);
}

int zt_netconf_encode(const struct zt_netconf *nc, struct zt_wr *w)
{
	const struct {
		const char *key;
		blob_writer_fn *write;
		size_t cap;
	} blobs[] = {
	    {"C", write_com, COM_MAX},
	    {"CAP", write_capabilities, nc->capability_count * CAPABILITY_MAX},
	    {"TAG", write_tags, nc->tag_count * TAG_MAX},
	    {"COO", write_coos, nc->coo_count * COO_MAX},
	    {"S", write_specialists, nc->specialist_count * 8},
	    {"RT", write_routes, nc->route_count * ROUTE_MAX},
	    {"I", write_static_ips, nc->static_ip_count * INADDR_MAX},
	    {"R", write_rules, nc->rule_count * RULE_MAX},
	    {"DNS", write_dns, DNS_MAX},
	};
	struct zt_dict_wr dw;
	int rc = 0;
	if (!counts_ok(nc))
		return -EINVAL;
	zt_dict_wr_init(&dw, w);
	zt_dict_add_u64(&dw, "v", nc->version);
	zt_dict_add_u64(&dw, "nwid", nc->nwid);
	zt_dict_add_u64(&dw, "ts", (uint64_t)nc->timestamp);
	zt_dict_add_u64(&dw, "ctmd", (uint64_t)nc->credential_time_max_delta);
	zt_dict_add_u64(&dw, "r", nc->revision);
	zt_dict_add_address(&dw, "id", nc->issued_to);
	zt_dict_add_address(&dw, "tt", nc->remote_trace_target);
	zt_dict_add_u64(&dw, "tl", nc->remote_trace_level);
	zt_dict_add_u64(&dw, "f", nc->flags);
	zt_dict_add_u64(&dw, "ml", nc->multicast_limit);
	zt_dict_add_u64(&dw, "t", nc->type);
	zt_dict_add(&dw, "n", nc->name, strnlen(nc->name, ZT_NETWORK_NAME_MAX));
	zt_dict_add_u64(&dw, "mtu", nc->mtu);
	for (size_t i = 0; rc == 0 && i < sizeof(blobs) / sizeof(blobs[0]); i++)
		rc = add_blob(&dw, blobs[i].key, nc, blobs[i].write, blobs[i].cap);
	if (rc != 0)
		return rc;
	zt_dict_add_u64(&dw, "ssov", nc->sso_version);
	zt_dict_add_bool(&dw, "ssoe", nc->sso_enabled);
	return w->bad ? -ENOSPC : 0;
}

/* ---- comparison ---- */

typedef void record_writer_fn(const void *rec, struct zt_wr *w);

static bool same_encoding(const void *a, const void *b, record_writer_fn *write)
{
	uint8_t ea[CAPABILITY_MAX], eb[CAPABILITY_MAX];
	struct zt_wr wa, wb;
	zt_wr_init(&wa, ea, sizeof(ea));
	zt_wr_init(&wb, eb, sizeof(eb));
	write(a, &wa);
	write(b, &wb);
	return !wa.bad && !wb.bad && wa.len == wb.len && memcmp(ea, eb, wa.len) == 0;
}

static void coo_writer(const void *c, struct zt_wr *w)
{
	zt_coo_write(c, w);
}
static void tag_writer(const void *t, struct zt_wr *w)
{
	zt_tag_write(t, w);
}
static void capability_writer(const void *c, struct zt_wr *w)
{
	zt_capability_write(c, w);
}

static bool inetaddr_equal(const struct zt_inetaddr *a, const struct zt_inetaddr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == ZT_INET_NONE)
		return true;
	return a->port == b->port && memcmp(a->ip, b->ip, a->family == ZT_INET_V4 ? 4 : 16) == 0;
}

static bool routes_equal(const struct zt_route *a, const struct zt_route *b)
{
	return inetaddr_equal(&a->target, &b->target) && inetaddr_equal(&a->via, &b->via) &&
	       a->flags == b->flags && a->metric == b->metric;
}

static bool dns_equal(const struct zt_dns *a, const struct zt_dns *b)
{
	if (strncmp(a->domain, b->domain, ZT_DNS_DOMAIN_LEN) != 0)
		return false;
	for (int i = 0; i < ZT_MAX_DNS_SERVERS; i++)
		if (!inetaddr_equal(&a->servers[i], &b->servers[i]))
			return false;
	return true;
}

bool zt_netconf_equal(const struct zt_netconf *a, const struct zt_netconf *b)
{
	if (a->version != b->version || a->nwid != b->nwid || a->timestamp != b->timestamp ||
	    a->credential_time_max_delta != b->credential_time_max_delta || a->revision != b->revision ||
	    a->issued_to != b->issued_to || a->remote_trace_target != b->remote_trace_target ||
	    a->remote_trace_level != b->remote_trace_level || a->flags != b->flags ||
	    a->multicast_limit != b->multicast_limit || a->type != b->type || a->mtu != b->mtu ||
	    strncmp(a->name, b->name, sizeof(a->name)) != 0 || a->sso_version != b->sso_version ||
	    a->sso_enabled != b->sso_enabled || !zt_com_equal(&a->com, &b->com) ||
	    !dns_equal(&a->dns, &b->dns))
		return false;
	if (a->capability_count != b->capability_count || a->tag_count != b->tag_count ||
	    a->coo_count != b->coo_count || a->specialist_count != b->specialist_count ||
	    a->route_count != b->route_count || a->static_ip_count != b->static_ip_count ||
	    a->rule_count != b->rule_count)
		return false;
	for (size_t i = 0; i < a->capability_count; i++)
		if (!same_encoding(&a->capabilities[i], &b->capabilities[i], capability_writer))
			return false;
	for (size_t i = 0; i < a->tag_count; i++)
		if (!same_encoding(&a->tags[i], &b->tags[i], tag_writer))
			return false;
	for (size_t i = 0; i < a->coo_count && i < ZT_MAX_CERTIFICATES_OF_OWNERSHIP; i++)
		if (!same_encoding(&a->coos[i], &b->coos[i], coo_writer))
			return false;
	for (size_t i = 0; i < a->specialist_count && i < ZT_MAX_NETWORK_SPECIALISTS; i++)
		if (a->specialists[i] != b->specialists[i])
			return false;
	for (size_t i = 0; i < a->route_count && i < ZT_MAX_NETWORK_ROUTES; i++)
		if (!routes_equal(&a->routes[i], &b->routes[i]))
			return false;
	for (size_t i = 0; i < a->static_ip_count && i < ZT_MAX_ZT_ASSIGNED_ADDRESSES; i++)
		if (!inetaddr_equal(&a->static_ips[i], &b->static_ips[i]))
			return false;
	for (size_t i = 0; i < a->rule_count; i++)
		if (!zt_rule_equal(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}
