/* The res_* query functions, answered by DNS over the virtual network (dns_client.c) with ztrun's
 * resolv.conf, and the __res_* names older programs call. With the shim off each goes straight to
 * libc. */
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <sys/random.h>

#include "dns.h"
#include "hooks.h"

static int (*real_res_query)(const char *, int, int, unsigned char *, int);
static int (*real_res_search)(const char *, int, int, unsigned char *, int);
static int (*real_res_querydomain)(const char *, const char *, int, int, unsigned char *, int);
static int (*real_res_send)(const unsigned char *, int, unsigned char *, int);
static int (*real_res_nquery)(res_state, const char *, int, int, unsigned char *, int);
static int (*real_res_nsearch)(res_state, const char *, int, int, unsigned char *, int);
static int (*real_res_nquerydomain)(res_state, const char *, const char *, int, int, unsigned char *, int);
static int (*real_res_nsend)(res_state, const unsigned char *, int, unsigned char *, int);

/* libc's definition of a resolver function: under its own name, or its __res_ alias when the plain
 * one is missing (glibc before 2.34 kept res_* in libresolv under both). */
static void *resolve2(const char *name, const char *alias, void *self)
{
	void *p = zt_resolve_symbol(name, self);
	return p ? p : zt_resolve_symbol(alias, self);
}

#define RESOLVE_RES(name) (real_##name = (__typeof__(real_##name))resolve2(#name, "__" #name, (void *)name))

void zt_res_hooks_init(void)
{
	RESOLVE_RES(res_query);
	RESOLVE_RES(res_search);
	RESOLVE_RES(res_querydomain);
	RESOLVE_RES(res_send);
	RESOLVE_RES(res_nquery);
	RESOLVE_RES(res_nsearch);
	RESOLVE_RES(res_nquerydomain);
	RESOLVE_RES(res_nsend);
}

/* One query for (name, class, type) to ztrun's nameservers; the reply in answer. glibc's mapping of
 * the reply to a result: its length when it has answers, else -1 with h_errno from the rcode. */
static int raw_query(const struct zt_resolv_conf *c, const char *name, int class, int type,
                     unsigned char *answer, int anslen, int *herr)
{
	uint8_t q[ZT_DNS_QUERY_MAX];
	uint16_t id;
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(uintptr_t)&id;
	int qlen = zt_dns_query_build(q, sizeof(q), id, name, (uint16_t)type, (uint16_t) class);
	if (qlen < 0) {
		*herr = NO_RECOVERY;
		return -1;
	}
	enum zt_res_status s;
	int n = zt_dns_send_raw(c, q, (size_t)qlen, answer, (size_t)anslen, &s);
	if (n < 0) {
		*herr = zt_herr_of(s);
		return -1;
	}
	if (n < 12) {
		*herr = NO_RECOVERY;
		return -1;
	}
	int rcode = answer[3] & 0xf, ancount = answer[6] << 8 | answer[7];
	if (rcode == ZT_DNS_RCODE_NOERROR && ancount > 0) {
		*herr = NETDB_SUCCESS;
		return n;
	}
	*herr = rcode == ZT_DNS_RCODE_NXDOMAIN   ? HOST_NOT_FOUND
	        : rcode == ZT_DNS_RCODE_SERVFAIL ? TRY_AGAIN
	        : rcode == ZT_DNS_RCODE_NOERROR  ? NO_DATA
	                                         : NO_RECOVERY;
	return -1;
}

static int do_query(res_state st, const char *name, int class, int type, unsigned char *answer, int anslen)
{
	int herr = NO_RECOVERY, n = -1;
	if (name && answer && anslen >= 0) {
		struct zt_resolv_conf c;
		zt_resolv_conf_load(&c);
		n = raw_query(&c, name, class, type, answer, anslen, &herr);
	}
	h_errno = herr;
	if (st)
		st->res_h_errno = herr;
	return n;
}

static int do_search(res_state st, const char *name, int class, int type, unsigned char *answer, int anslen)
{
	int herr = NO_RECOVERY, n = -1;
	if (name && answer && anslen >= 0) {
		struct zt_resolv_conf c;
		zt_resolv_conf_load(&c);
		char cands[ZT_DNS_MAX_CANDIDATES][ZT_DNS_NAME_MAX];
		size_t nc = zt_dns_candidates(&c, name, cands);
		bool nodata = false, servfail = false;
		herr = HOST_NOT_FOUND;
		for (size_t i = 0; i < nc && n < 0; i++) {
			n = raw_query(&c, cands[i], class, type, answer, anslen, &herr);
			nodata = nodata || herr == NO_DATA;
			servfail = servfail || herr == TRY_AGAIN;
			if (n < 0 && herr != NO_DATA && herr != HOST_NOT_FOUND && herr != TRY_AGAIN)
				break;
		}
		if (n < 0)
			herr = nodata ? NO_DATA : servfail ? TRY_AGAIN : herr;
	}
	h_errno = herr;
	if (st)
		st->res_h_errno = herr;
	return n;
}

static int do_querydomain(res_state st, const char *name, const char *domain, int class, int type,
                          unsigned char *answer, int anslen)
{
	char full[ZT_DNS_NAME_MAX + 1];
	int w = domain ? snprintf(full, sizeof(full), "%s.%s", name ? name : "", domain)
	               : snprintf(full, sizeof(full), "%s", name ? name : "");
	if (!name || w < 0 || (size_t)w >= sizeof(full)) {
		h_errno = NO_RECOVERY;
		if (st)
			st->res_h_errno = NO_RECOVERY;
		return -1;
	}
	return do_query(st, full, class, type, answer, anslen);
}

static int do_send(const unsigned char *msg, int msglen, unsigned char *answer, int anslen)
{
	if (!msg || msglen < 0 || !answer || anslen < 0) {
		errno = EINVAL;
		return -1;
	}
	struct zt_resolv_conf c;
	zt_resolv_conf_load(&c);
	enum zt_res_status s;
	int n = zt_dns_send_raw(&c, msg, (size_t)msglen, answer, (size_t)anslen, &s);
	if (n < 0)
		errno = s == ZT_RES_AGAIN ? ETIMEDOUT : EINVAL;
	return n;
}

#define RES_PASS(name, ...) (real_##name ? real_##name(__VA_ARGS__) : (h_errno = NO_RECOVERY, -1))

ZT_EXPORT int res_query(const char *name, int class, int type, unsigned char *answer, int anslen)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return RES_PASS(res_query, name, class, type, answer, anslen);
	return do_query(NULL, name, class, type, answer, anslen);
}

ZT_EXPORT int res_search(const char *name, int class, int type, unsigned char *answer, int anslen)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return RES_PASS(res_search, name, class, type, answer, anslen);
	return do_search(NULL, name, class, type, answer, anslen);
}

ZT_EXPORT int res_querydomain(const char *name, const char *domain, int class, int type,
                              unsigned char *answer, int anslen)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return RES_PASS(res_querydomain, name, domain, class, type, answer, anslen);
	return do_querydomain(NULL, name, domain, class, type, answer, anslen);
}

ZT_EXPORT int res_send(const unsigned char *msg, int msglen, unsigned char *answer, int anslen)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return RES_PASS(res_send, msg, msglen, answer, anslen);
	return do_send(msg, msglen, answer, anslen);
}

ZT_EXPORT int res_nquery(res_state st, const char *name, int class, int type, unsigned char *answer,
                         int anslen)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return RES_PASS(res_nquery, st, name, class, type, answer, anslen);
	return do_query(st, name, class, type, answer, anslen);
}

ZT_EXPORT int res_nsearch(res_state st, const char *name, int class, int type, unsigned char *answer,
                          int anslen)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return RES_PASS(res_nsearch, st, name, class, type, answer, anslen);
	return do_search(st, name, class, type, answer, anslen);
}

ZT_EXPORT int res_nquerydomain(res_state st, const char *name, const char *domain, int class, int type,
                               unsigned char *answer, int anslen)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return RES_PASS(res_nquerydomain, st, name, domain, class, type, answer, anslen);
	return do_querydomain(st, name, domain, class, type, answer, anslen);
}

ZT_EXPORT int res_nsend(res_state st, const unsigned char *msg, int msglen, unsigned char *answer, int anslen)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return RES_PASS(res_nsend, st, msg, msglen, answer, anslen);
	return do_send(msg, msglen, answer, anslen);
}

/* The names programs linked against glibc < 2.34's libresolv call. */
ZT_EXPORT int __res_query(const char *name, int class, int type, unsigned char *answer, int anslen);
ZT_EXPORT int __res_query(const char *name, int class, int type, unsigned char *answer, int anslen)
{
	return res_query(name, class, type, answer, anslen);
}

ZT_EXPORT int __res_search(const char *name, int class, int type, unsigned char *answer, int anslen);
ZT_EXPORT int __res_search(const char *name, int class, int type, unsigned char *answer, int anslen)
{
	return res_search(name, class, type, answer, anslen);
}

ZT_EXPORT int __res_querydomain(const char *name, const char *domain, int class, int type,
                                unsigned char *answer, int anslen);
ZT_EXPORT int __res_querydomain(const char *name, const char *domain, int class, int type,
                                unsigned char *answer, int anslen)
{
	return res_querydomain(name, domain, class, type, answer, anslen);
}

ZT_EXPORT int __res_send(const unsigned char *msg, int msglen, unsigned char *answer, int anslen);
ZT_EXPORT int __res_send(const unsigned char *msg, int msglen, unsigned char *answer, int anslen)
{
	return res_send(msg, msglen, answer, anslen);
}

ZT_EXPORT int __res_nquery(res_state st, const char *name, int class, int type, unsigned char *answer,
                           int anslen);
ZT_EXPORT int __res_nquery(res_state st, const char *name, int class, int type, unsigned char *answer,
                           int anslen)
{
	return res_nquery(st, name, class, type, answer, anslen);
}

ZT_EXPORT int __res_nsearch(res_state st, const char *name, int class, int type, unsigned char *answer,
                            int anslen);
ZT_EXPORT int __res_nsearch(res_state st, const char *name, int class, int type, unsigned char *answer,
                            int anslen)
{
	return res_nsearch(st, name, class, type, answer, anslen);
}

ZT_EXPORT int __res_nquerydomain(res_state st, const char *name, const char *domain, int class, int type,
                                 unsigned char *answer, int anslen);
ZT_EXPORT int __res_nquerydomain(res_state st, const char *name, const char *domain, int class, int type,
                                 unsigned char *answer, int anslen)
{
	return res_nquerydomain(st, name, domain, class, type, answer, anslen);
}

ZT_EXPORT int __res_nsend(res_state st, const unsigned char *msg, int msglen, unsigned char *answer,
                          int anslen);
ZT_EXPORT int __res_nsend(res_state st, const unsigned char *msg, int msglen, unsigned char *answer,
                          int anslen)
{
	return res_nsend(st, msg, msglen, answer, anslen);
}
