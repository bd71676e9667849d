/* DNS messages and resolv.conf text, with no I/O: a query is built here and a reply, untrusted input
 * from the network, is parsed here through one bounds-checked reader (fuzzed by tests/fuzz/fuzz_dns.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

#define CHAIN_MAX    16 /* CNAME links followed */
#define POINTERS_MAX 64 /* compression pointers followed in one name */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool host_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '_';
}

bool zt_dns_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return false;
	return *a == *b;
}

bool zt_dns_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len && name[len - 1] == '.')
		len--;
	if (len == 0 || len > ZT_DNS_NAME_MAX - 1)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (!host_char((unsigned char)name[i]) || ++label > 63) {
			return false;
		}
	}
	return label > 0;
}

/* ---- the reader ---- */

struct rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static const uint8_t *rd_take(struct rd *r, size_t n)
{
	if (r->bad || r->len - r->off < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *q = r->p + r->off;
	r->off += n;
	return q;
}

static uint16_t rd_u16(struct rd *r)
{
	const uint8_t *q = rd_take(r, 2);
	return q ? (uint16_t)(q[0] << 8 | q[1]) : 0;
}

/* A name at the reader's offset, compression followed, into out as text (no final dot). The reader
 * moves past the name as it sits in the message. Pointers must point strictly backwards, so a
 * chain of them ends. *odd is set when a label holds a character no host name has: such a name is
 * kept (with '?' in place of the character) only to be skipped by the caller. */
static void rd_name(struct rd *r, char out[ZT_DNS_NAME_MAX], bool *odd)
{
	size_t pos = r->off, outlen = 0, resume = 0;
	bool jumped = false;
	*odd = false;
	out[0] = 0;
	for (int hops = 0; !r->bad;) {
		if (pos >= r->len) {
			r->bad = true;
			break;
		}
		uint8_t c = r->p[pos];
		if ((c & 0xc0) == 0xc0) {
			if (r->len - pos < 2 || ++hops > POINTERS_MAX) {
				r->bad = true;
				break;
			}
			size_t target = (size_t)(c & 0x3f) << 8 | r->p[pos + 1];
			if (!jumped)
				resume = pos + 2;
			jumped = true;
			if (target >= pos) {
				r->bad = true;
				break;
			}
			pos = target;
			continue;
		}
		if (c & 0xc0) { /* the extended label types of RFC 6891 / 2673: not for us */
			r->bad = true;
			break;
		}
		pos++;
		if (c == 0) {
			out[outlen] = 0;
			r->off = jumped ? resume : pos;
			return;
		}
		if (r->len - pos < c || outlen + (outlen ? 1u : 0u) + c > ZT_DNS_NAME_MAX - 1) {
			r->bad = true;
			break;
		}
		if (outlen)
			out[outlen++] = '.';
		for (size_t i = 0; i < c; i++) {
			uint8_t ch = r->p[pos + i];
			if (!host_char(ch)) {
				*odd = true;
				ch = '?';
			}
			out[outlen++] = (char)ch;
		}
		pos += c;
	}
	out[0] = 0;
}

/* ---- queries ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int zt_dns_query_build(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype,
                       uint16_t qclass)
{
	if (!zt_dns_name_ok(name))
		return -EINVAL;
	size_t len = strlen(name);
	if (name[len - 1] == '.')
		len--;
	size_t need = 12 + len + 2 + 4;
	if (cap < need)
		return -EINVAL;
	memset(out, 0, 12);
	put16(out, id);
	out[2] = 0x01; /* RD */
	put16(out + 4, 1);
	size_t o = 12;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && name[j] != '.')
			j++;
		out[o++] = (uint8_t)(j - i);
		memcpy(out + o, name + i, j - i);
		o += j - i;
		i = j + 1;
	}
	out[o++] = 0;
	put16(out + o, qtype);
	put16(out + o + 2, qclass);
	return (int)(o + 4);
}

/* ---- replies ---- */

struct hdr {
	uint16_t id, flags, qd, an, ns, ar;
};

static int check(struct rd *r, uint16_t id, const char *qname, uint16_t qtype, uint16_t qclass, struct hdr *h,
                 int *rcode, bool *truncated)
{
	h->id = rd_u16(r);
	h->flags = rd_u16(r);
	h->qd = rd_u16(r);
	h->an = rd_u16(r);
	h->ns = rd_u16(r);
	h->ar = rd_u16(r);
	if (r->bad || h->id != id || !(h->flags & 0x8000) || ((h->flags >> 11) & 0xf) != 0)
		return -EBADMSG;
	*rcode = h->flags & 0xf;
	*truncated = h->flags & 0x0200;
	if (h->qd == 0 && *rcode != ZT_DNS_RCODE_NOERROR)
		return 0; /* FORMERR, NOTIMP and REFUSED may come without the question */
	if (h->qd != 1)
		return -EBADMSG;
	char name[ZT_DNS_NAME_MAX];
	bool odd;
	rd_name(r, name, &odd);
	uint16_t t = rd_u16(r), c = rd_u16(r);
	size_t qlen = strlen(qname);
	char want[ZT_DNS_NAME_MAX];
	if (qlen >= sizeof(want))
		return -EBADMSG;
	memcpy(want, qname, qlen + 1);
	if (qlen && want[qlen - 1] == '.')
		want[qlen - 1] = 0;
	if (r->bad || odd || t != qtype || c != qclass || !zt_dns_name_eq(name, want))
		return -EBADMSG;
	return 0;
}

int zt_dns_reply_check(const uint8_t *msg, size_t len, uint16_t id, const char *qname, uint16_t qtype,
                       uint16_t qclass, int *rcode, bool *truncated)
{
	struct rd r = {.p = msg, .len = len};
	struct hdr h;
	return check(&r, id, qname, qtype, qclass, &h, rcode, truncated);
}

/* One resource record's fixed part; the reader is left after its RDATA. */
struct rr {
	char owner[ZT_DNS_NAME_MAX];
	bool odd;
	uint16_t type, class;
	size_t rdata, rdlen;
};

static bool rd_rr(struct rd *r, struct rr *rr)
{
	rd_name(r, rr->owner, &rr->odd);
	rr->type = rd_u16(r);
	rr->class = rd_u16(r);
	rd_take(r, 4); /* TTL: we cache nothing */
	rr->rdlen = rd_u16(r);
	rr->rdata = r->off;
	rd_take(r, rr->rdlen);
	return !r->bad;
}

/* A name inside an RDATA: it must end within it (compression may point anywhere earlier). */
static bool rdata_name(const struct rd *msg, const struct rr *rr, char out[ZT_DNS_NAME_MAX])
{
	struct rd r = {.p = msg->p, .len = rr->rdata + rr->rdlen, .off = rr->rdata};
	bool odd;
	rd_name(&r, out, &odd);
	return !r.bad && !odd && r.off == rr->rdata + rr->rdlen && out[0];
}

int zt_dns_reply_parse(const uint8_t *msg, size_t len, uint16_t id, const char *qname, uint16_t qtype,
                       struct zt_dns_reply *out)
{
	out->rcode = 0;
	out->truncated = false;
	out->naddrs = out->nnames = 0;
	out->canon[0] = 0;
	struct rd r = {.p = msg, .len = len};
	struct hdr h;
	int e = check(&r, id, qname, qtype, ZT_DNS_C_IN, &h, &out->rcode, &out->truncated);
	if (e < 0)
		return e;
	if (out->truncated || out->rcode != ZT_DNS_RCODE_NOERROR)
		return 0;
	/* Walk the answers once to prove every record is well-formed; the passes below then trust
	 * the lengths (and check them again anyway). */
	size_t answers = r.off;
	struct rr rr;
	for (unsigned i = 0; i < h.an; i++)
		if (!rd_rr(&r, &rr))
			return -EBADMSG;
	size_t qlen = strlen(qname);
	if (qlen >= sizeof(out->canon))
		return -EBADMSG;
	memcpy(out->canon, qname, qlen + 1);
	if (qlen && out->canon[qlen - 1] == '.')
		out->canon[qlen - 1] = 0;
	/* Follow the CNAME chain in any order of records, at most CHAIN_MAX links (a loop ends there). */
	for (int link = 0;; link++) {
		bool moved = false;
		struct rd w = {.p = msg, .len = len, .off = answers};
		for (unsigned i = 0; i < h.an && rd_rr(&w, &rr); i++) {
			if (rr.odd || rr.type != ZT_DNS_T_CNAME || rr.class != ZT_DNS_C_IN ||
			    !zt_dns_name_eq(rr.owner, out->canon))
				continue;
			char target[ZT_DNS_NAME_MAX];
			if (!rdata_name(&r, &rr, target))
				return 0; /* a chain into a name no host has: no addresses */
			if (link == CHAIN_MAX)
				return 0;
			memcpy(out->canon, target, sizeof(target));
			moved = true;
			break;
		}
		if (!moved)
			break;
	}
	struct rd w = {.p = msg, .len = len, .off = answers};
	for (unsigned i = 0; i < h.an && rd_rr(&w, &rr); i++) {
		if (rr.odd || rr.type != qtype || rr.class != ZT_DNS_C_IN ||
		    !zt_dns_name_eq(rr.owner, out->canon))
			continue;
		if ((qtype == ZT_DNS_T_A && rr.rdlen == 4) || (qtype == ZT_DNS_T_AAAA && rr.rdlen == 16)) {
			if (out->naddrs == ZT_HOST_MAX_ADDRS)
				continue;
			struct zt_host_addr *a = &out->addrs[out->naddrs++];
			memset(a, 0, sizeof(*a));
			a->family = qtype == ZT_DNS_T_A ? AF_INET : AF_INET6;
			memcpy(a->addr, msg + rr.rdata, rr.rdlen);
		} else if (qtype == ZT_DNS_T_PTR && out->nnames < ZT_HOST_MAX_ALIASES) {
			if (rdata_name(&r, &rr, out->names[out->nnames]))
				out->nnames++;
		}
	}
	return 0;
}

int zt_dns_question(const uint8_t *msg, size_t len, uint16_t *id, char name[ZT_DNS_NAME_MAX], uint16_t *qtype,
                    uint16_t *qclass)
{
	struct rd r = {.p = msg, .len = len};
	*id = rd_u16(&r);
	uint16_t flags = rd_u16(&r), qd = rd_u16(&r);
	rd_take(&r, 6);
	bool odd;
	rd_name(&r, name, &odd);
	*qtype = rd_u16(&r);
	*qclass = rd_u16(&r);
	if (r.bad || odd || (flags & 0x8000) || qd != 1 || !name[0])
		return -EBADMSG;
	return 0;
}

size_t zt_dns_candidates(const struct zt_resolv_conf *c, const char *name, char out[][ZT_DNS_NAME_MAX])
{
	size_t len = strlen(name);
	if (len == 0 || len >= ZT_DNS_NAME_MAX)
		return 0;
	bool absolute = name[len - 1] == '.';
	unsigned dots = 0;
	for (size_t i = 0; i < len; i++)
		dots += name[i] == '.';
	size_t n = 0;
	if (absolute || dots >= c->ndots)
		memcpy(out[n++], name, len + 1);
	if (!absolute) {
		for (size_t i = 0; i < c->nsearch; i++) {
			size_t dl = strlen(c->search[i]);
			if (len + 1 + dl >= ZT_DNS_NAME_MAX)
				continue;
			memcpy(out[n], name, len);
			out[n][len] = '.';
			memcpy(out[n] + len + 1, c->search[i], dl + 1);
			n++;
		}
		if (dots < c->ndots)
			memcpy(out[n++], name, len + 1);
	}
	return n;
}

/* ---- resolv.conf ---- */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *word_end(const char *p, const char *end)
{
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	return p;
}

static bool word_is(const char *p, const char *e, const char *w)
{
	size_t n = strlen(w);
	return (size_t)(e - p) == n && memcmp(p, w, n) == 0;
}

static unsigned option_value(const char *p, const char *e, unsigned lo, unsigned hi)
{
	unsigned v = 0;
	for (; p < e && *p >= '0' && *p <= '9'; p++)
		if (v < 1000)
			v = v * 10 + (unsigned)(*p - '0');
	return v < lo ? lo : v > hi ? hi : v;
}

static void add_nameserver(struct zt_resolv_conf *c, const char *p, const char *e)
{
	char text[INET6_ADDRSTRLEN + 16];
	size_t n = (size_t)(e - p);
	if (c->nns == ZT_DNS_MAX_NS || n == 0 || n >= sizeof(text))
		return;
	memcpy(text, p, n);
	text[n] = 0;
	uint32_t scope = 0;
	char *pct = strchr(text, '%');
	if (pct) {
		char *end;
		unsigned long s = strtoul(pct + 1, &end, 10);
		if (*end || end == pct + 1 || s > UINT32_MAX)
			return; /* interface names as scope: not supported, see shim.h */
		scope = (uint32_t)s;
		*pct = 0;
	}
	struct sockaddr_storage *ss = &c->ns[c->nns];
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (!pct && inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(53);
		c->nslen[c->nns++] = sizeof(*in);
	} else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(53);
		in6->sin6_scope_id = scope;
		c->nslen[c->nns++] = sizeof(*in6);
	}
}

static void set_search(struct zt_resolv_conf *c, const char *p, const char *end)
{
	c->nsearch = 0;
	for (p = skip_ws(p, end); p < end && c->nsearch < ZT_DNS_MAX_SEARCH; p = skip_ws(p, end)) {
		const char *e = word_end(p, end);
		size_t n = (size_t)(e - p);
		if (n < ZT_DNS_NAME_MAX) {
			memcpy(c->search[c->nsearch], p, n);
			c->search[c->nsearch][n] = 0;
			if (zt_dns_name_ok(c->search[c->nsearch]))
				c->nsearch++;
		}
		p = e;
	}
}

void zt_resolv_conf_parse(struct zt_resolv_conf *c, const char *text, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->ndots = 1;
	c->timeout = 5;
	c->attempts = 2;
	const char *end = text + len;
	for (const char *line = text; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		const char *le = eol;
		if (le > line && le[-1] == '\r')
			le--;
		const char *p = skip_ws(line, le);
		line = eol + 1;
		if (p == le || *p == '#' || *p == ';')
			continue;
		const char *e = word_end(p, le);
		const char *arg = skip_ws(e, le);
		if (word_is(p, e, "nameserver")) {
			add_nameserver(c, arg, word_end(arg, le));
		} else if (word_is(p, e, "search") || word_is(p, e, "domain")) {
			set_search(c, arg, word_is(p, e, "domain") ? word_end(arg, le) : le);
		} else if (word_is(p, e, "options")) {
			for (const char *o = arg; o < le; o = skip_ws(o, le)) {
				const char *oe = word_end(o, le);
				if ((size_t)(oe - o) > 6 && memcmp(o, "ndots:", 6) == 0)
					c->ndots = option_value(o + 6, oe, 0, 15);
				else if ((size_t)(oe - o) > 8 && memcmp(o, "timeout:", 8) == 0)
					c->timeout = option_value(o + 8, oe, 1, 30);
				else if ((size_t)(oe - o) > 9 && memcmp(o, "attempts:", 9) == 0)
					c->attempts = option_value(o + 9, oe, 1, 5);
				else if (word_is(o, oe, "use-vc") || word_is(o, oe, "usevc"))
					c->use_vc = true;
				o = oe;
			}
		}
	}
}
