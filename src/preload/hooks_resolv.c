/* The resolver entry points apps call, answered by resolve.c instead of glibc's NSS (whose DNS
 * sockets would be the host's): getaddrinfo and getnameinfo, the gethostby* family, and the res_*
 * query functions. With the shim off each goes straight to libc.
 *
 * getaddrinfo follows glibc 2.36's rules for flags, families, socket types and services (the table
 * of gaih_inet_typeproto) and allocates as it does (one block per entry, the canonical name apart),
 * so libc's freeaddrinfo frees our lists and freeaddrinfo needs no hook.
 *
 * gethostbyname, gethostbyname2 and gethostbyaddr return a buffer that is per thread here (glibc's
 * is one for the whole process): the result lives until the same thread's next such call. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <net/if.h>
#include <pthread.h>
#include <resolv.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dns.h"
#include "hooks.h"

#define DEPRECATED_AI_IDN 0x300 /* AI_IDN_ALLOW_UNASSIGNED | AI_IDN_USE_STD3_ASCII_RULES */
#define DEPRECATED_NI_IDN 192
#define HOSTENT_BUF_MAX   (64 * 1024)

static int (*real_getaddrinfo)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
static int (*real_getnameinfo)(const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int);
static struct hostent *(*real_gethostbyname)(const char *);
static struct hostent *(*real_gethostbyname2)(const char *, int);
static int (*real_gethostbyname_r)(const char *, struct hostent *, char *, size_t, struct hostent **, int *);
static int (*real_gethostbyname2_r)(const char *, int, struct hostent *, char *, size_t, struct hostent **,
                                    int *);
static struct hostent *(*real_gethostbyaddr)(const void *, socklen_t, int);
static int (*real_gethostbyaddr_r)(const void *, socklen_t, int, struct hostent *, char *, size_t,
                                   struct hostent **, int *);
static int (*real_res_query)(const char *, int, int, unsigned char *, int);
static int (*real_res_search)(const char *, int, int, unsigned char *, int);
static int (*real_res_querydomain)(const char *, const char *, int, int, unsigned char *, int);
static int (*real_res_send)(const unsigned char *, int, unsigned char *, int);
static int (*real_res_nquery)(res_state, const char *, int, int, unsigned char *, int);
static int (*real_res_nsearch)(res_state, const char *, int, int, unsigned char *, int);
static int (*real_res_nquerydomain)(res_state, const char *, const char *, int, int, unsigned char *, int);
static int (*real_res_nsend)(res_state, const unsigned char *, int, unsigned char *, int);

static pthread_key_t hostent_key;
static bool hostent_key_ok;

struct hostent_tls {
	struct hostent he;
	char *buf;
	size_t cap;
};

static void hostent_tls_free(void *p)
{
	struct hostent_tls *t = p;
	free(t->buf);
	free(t);
}

/* libc's definition of a resolver function: under its own name, or its __res_ alias when the plain
 * one is missing (glibc before 2.34 kept res_* in libresolv under both). */
static void *resolve2(const char *name, const char *alias, void *self)
{
	void *p = zt_resolve_symbol(name, self);
	return p ? p : zt_resolve_symbol(alias, self);
}

#define RESOLVE(name)     (real_##name = (__typeof__(real_##name))zt_resolve_symbol(#name, (void *)name))
#define RESOLVE_RES(name) (real_##name = (__typeof__(real_##name))resolve2(#name, "__" #name, (void *)name))

void zt_resolver_init(void)
{
	RESOLVE(getaddrinfo);
	RESOLVE(getnameinfo);
	RESOLVE(gethostbyname);
	RESOLVE(gethostbyname2);
	RESOLVE(gethostbyname_r);
	RESOLVE(gethostbyname2_r);
	RESOLVE(gethostbyaddr);
	RESOLVE(gethostbyaddr_r);
	RESOLVE_RES(res_query);
	RESOLVE_RES(res_search);
	RESOLVE_RES(res_querydomain);
	RESOLVE_RES(res_send);
	RESOLVE_RES(res_nquery);
	RESOLVE_RES(res_nsearch);
	RESOLVE_RES(res_nquerydomain);
	RESOLVE_RES(res_nsend);
	hostent_key_ok = pthread_key_create(&hostent_key, hostent_tls_free) == 0;
	zt_if_init();
}

/* ---- getaddrinfo ---- */

struct gai_tp {
	int socktype, protocol;
	bool noservice, protoany, dflt;
	const char *name;
};

/* glibc's gaih_inet_typeproto: which (type, protocol) pairs a service may name, and the default set. */
static const struct gai_tp gai_tps[] = {
    {SOCK_STREAM, IPPROTO_TCP, false, false, true, "tcp"},
    {SOCK_DGRAM, IPPROTO_UDP, false, false, true, "udp"},
    {SOCK_DCCP, IPPROTO_DCCP, false, false, false, "dccp"},
    {SOCK_DGRAM, IPPROTO_UDPLITE, false, false, false, "udplite"},
    {SOCK_STREAM, IPPROTO_SCTP, false, false, false, "sctp"},
    {SOCK_SEQPACKET, IPPROTO_SCTP, false, false, false, "sctp"},
    {SOCK_RAW, 0, true, true, true, "raw"},
};
#define GAI_NTP (sizeof(gai_tps) / sizeof(gai_tps[0]))

struct gai_st {
	int socktype, protocol, port; /* port in network order */
};

static bool serv_lookup(const char *name, const struct gai_tp *tp, int req_protocol, struct gai_st *st)
{
	struct servent se, *r = NULL;
	char buf[4096];
	if (getservbyname_r(name, tp->name, &se, buf, sizeof(buf), &r) != 0 || !r)
		return false;
	*st = (struct gai_st){tp->socktype, tp->protoany ? req_protocol : tp->protocol, r->s_port};
	return true;
}

/* The (socktype, protocol, port) tuples of the answer, or an EAI_ code. */
static int gai_services(const char *service, int num, const struct addrinfo *hints, struct gai_st *st,
                        size_t *nst)
{
	const struct gai_tp *tp = NULL;
	*nst = 0;
	if (hints->ai_protocol || hints->ai_socktype) {
		for (size_t i = 0; i < GAI_NTP && !tp; i++)
			if ((!hints->ai_socktype || hints->ai_socktype == gai_tps[i].socktype) &&
			    (!hints->ai_protocol || gai_tps[i].protoany ||
			     hints->ai_protocol == gai_tps[i].protocol))
				tp = &gai_tps[i];
		if (!tp)
			return hints->ai_socktype ? EAI_SOCKTYPE : EAI_SERVICE;
	}
	int port = 0;
	if (service) {
		if (tp && tp->noservice)
			return EAI_SERVICE;
		if (num < 0) {
			if (tp) {
				if (!serv_lookup(service, tp, hints->ai_protocol, &st[0]))
					return EAI_SERVICE;
				*nst = 1;
				return 0;
			}
			for (size_t i = 0; i < GAI_NTP; i++)
				if (!gai_tps[i].noservice &&
				    serv_lookup(service, &gai_tps[i], hints->ai_protocol, &st[*nst]))
					(*nst)++;
			return *nst ? 0 : EAI_SERVICE;
		}
		port = htons((uint16_t)num);
	}
	if (tp) {
		st[(*nst)++] =
		    (struct gai_st){tp->socktype, tp->protoany ? hints->ai_protocol : tp->protocol, port};
		return 0;
	}
	for (size_t i = 0; i < GAI_NTP; i++)
		if (gai_tps[i].dflt)
			st[(*nst)++] = (struct gai_st){gai_tps[i].socktype, gai_tps[i].protocol, port};
	return 0;
}

static int status_to_eai(enum zt_res_status s)
{
	switch (s) {
	case ZT_RES_NOTFOUND:
		return EAI_NONAME;
	case ZT_RES_NODATA:
		return EAI_NODATA;
	case ZT_RES_AGAIN:
		return EAI_AGAIN;
	default:
		return EAI_FAIL;
	}
}

static bool ipv4_exact(const char *name, uint8_t out[4])
{
	struct in_addr a;
	/* glibc 2.36 takes the whole string or nothing (inet_aton alone stops at a blank) */
	if (strpbrk(name, " \t\n\v\f\r") || inet_aton(name, &a) == 0)
		return false;
	memcpy(out, &a, 4);
	return true;
}

/* A numeric IPv6 host with an optional %scope (an interface name of ours, or a number). 1 it was one,
 * 0 not numeric, or -EAI_NONAME for a bad scope. */
static int ipv6_numeric(const char *name, uint8_t out[16], uint32_t *scope)
{
	char buf[INET6_ADDRSTRLEN + IFNAMSIZ + 2];
	const char *pct = strchr(name, '%');
	size_t alen = pct ? (size_t)(pct - name) : strlen(name);
	if (alen >= sizeof(buf))
		return 0;
	memcpy(buf, name, alen);
	buf[alen] = 0;
	if (inet_pton(AF_INET6, buf, out) != 1)
		return 0;
	*scope = 0;
	if (pct) {
		struct in6_addr a;
		memcpy(&a, out, 16);
		if (IN6_IS_ADDR_LINKLOCAL(&a) || IN6_IS_ADDR_MC_LINKLOCAL(&a))
			*scope = if_nametoindex(pct + 1);
		if (*scope == 0) {
			char *end;
			*scope = (uint32_t)strtoul(pct + 1, &end, 10);
			if (*end)
				return -EAI_NONAME;
		}
	}
	return 1;
}

static struct addrinfo *gai_node(const struct zt_host_addr *a, uint32_t scope, const struct gai_st *st)
{
	socklen_t len = a->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	struct addrinfo *ai = calloc(1, sizeof(*ai) + len);
	if (!ai)
		return NULL;
	ai->ai_family = a->family;
	ai->ai_socktype = st->socktype;
	ai->ai_protocol = st->protocol;
	ai->ai_addrlen = len;
	ai->ai_addr = (struct sockaddr *)(ai + 1);
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ai->ai_addr;
		in->sin_family = AF_INET;
		in->sin_port = (in_port_t)st->port;
		memcpy(&in->sin_addr, a->addr, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ai->ai_addr;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = (in_port_t)st->port;
		in6->sin6_scope_id = scope;
		memcpy(&in6->sin6_addr, a->addr, 16);
	}
	return ai;
}

static void map_v4(struct zt_host_addr *a)
{
	uint8_t v4[4];
	memcpy(v4, a->addr, 4);
	memset(a->addr, 0, 16);
	a->addr[10] = a->addr[11] = 0xff;
	memcpy(a->addr + 12, v4, 4);
	a->family = AF_INET6;
}

/* The addresses for name under hints (glibc's gaih_inet host part), or an EAI_ code. */
static int gai_hosts(const char *name, const struct addrinfo *hints, struct zt_host *h, uint32_t *scope,
                     const char **canon)
{
	int fam = hints->ai_family, flags = hints->ai_flags;
	h->naddrs = 0;
	*scope = 0;
	*canon = NULL;
	if (!name) {
		struct zt_host_addr v4 = {.family = AF_INET}, v6 = {.family = AF_INET6};
		if (!(flags & AI_PASSIVE)) {
			v4.addr[0] = 127;
			v4.addr[3] = 1;
			v6.addr[15] = 1;
		}
		/* glibc's order after its RFC 3484 sort: any-addresses IPv4 first, loopback IPv6 first */
		bool v4_first = flags & AI_PASSIVE;
		if (fam != AF_INET6 && v4_first)
			h->addrs[h->naddrs++] = v4;
		if (fam != AF_INET)
			h->addrs[h->naddrs++] = v6;
		if (fam != AF_INET6 && !v4_first)
			h->addrs[h->naddrs++] = v4;
		return 0;
	}
	struct zt_host_addr a = {0};
	if (ipv4_exact(name, a.addr)) {
		a.family = AF_INET;
		if (fam == AF_INET6) {
			if (!(flags & AI_V4MAPPED))
				return EAI_ADDRFAMILY;
			map_v4(&a);
		}
		h->addrs[h->naddrs++] = a;
		*canon = name;
		return 0;
	}
	int r = ipv6_numeric(name, a.addr, scope);
	if (r < 0)
		return -r;
	if (r > 0) {
		a.family = AF_INET6;
		if (fam == AF_INET) {
			struct in6_addr x;
			memcpy(&x, a.addr, 16);
			if (!IN6_IS_ADDR_V4MAPPED(&x))
				return EAI_ADDRFAMILY;
			memmove(a.addr, a.addr + 12, 4);
			memset(a.addr + 4, 0, 12);
			a.family = AF_INET;
		}
		h->addrs[h->naddrs++] = a;
		*canon = name;
		return 0;
	}
	if (flags & AI_NUMERICHOST)
		return EAI_NONAME;
	bool mapped = fam == AF_INET6 && (flags & AI_V4MAPPED);
	enum zt_res_status s = zt_resolve_name(name, fam != AF_INET6 || mapped, fam != AF_INET, h);
	if (s != ZT_RES_OK)
		return status_to_eai(s);
	if (mapped) {
		bool any6 = false;
		for (size_t i = 0; i < h->naddrs; i++)
			any6 = any6 || h->addrs[i].family == AF_INET6;
		size_t n = 0;
		for (size_t i = 0; i < h->naddrs; i++) {
			if (h->addrs[i].family == AF_INET) {
				if (any6 && !(flags & AI_ALL))
					continue;
				map_v4(&h->addrs[i]);
			}
			h->addrs[n++] = h->addrs[i];
		}
		h->naddrs = n;
	}
	zt_resolve_sort(h->addrs, h->naddrs);
	*canon = h->name[0] ? h->name : name;
	return 0;
}

ZT_EXPORT int getaddrinfo(const char *restrict name, const char *restrict service,
                          const struct addrinfo *restrict hints_arg, struct addrinfo **restrict res)
{
	zt_shim_init();
	if (!zt_shim_enabled) {
		if (!real_getaddrinfo) {
			errno = ENOSYS;
			return EAI_SYSTEM;
		}
		return real_getaddrinfo(name, service, hints_arg, res);
	}
	if (name && name[0] == '*' && !name[1])
		name = NULL;
	if (service && service[0] == '*' && !service[1])
		service = NULL;
	if (!name && !service)
		return EAI_NONAME;
	struct addrinfo hints = {.ai_flags = AI_V4MAPPED | AI_ADDRCONFIG}; /* glibc's AI_DEFAULT */
	if (hints_arg)
		hints = *hints_arg;
	int flags = hints.ai_flags;
	if (flags & ~(AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_ADDRCONFIG | AI_V4MAPPED | AI_IDN |
	              AI_CANONIDN | DEPRECATED_AI_IDN | AI_NUMERICSERV | AI_ALL))
		return EAI_BADFLAGS;
	if ((flags & AI_CANONNAME) && !name)
		return EAI_BADFLAGS;
	if (flags & AI_ADDRCONFIG) {
		bool seen4, seen6;
		zt_resolve_seen(&seen4, &seen6);
		if (hints.ai_family == AF_UNSPEC && (seen4 || seen6)) {
			if (seen4 != seen6)
				hints.ai_family = seen4 ? AF_INET : AF_INET6;
		} else if ((hints.ai_family == AF_INET && !seen4) ||
		           (hints.ai_family == AF_INET6 && !seen6)) {
			return EAI_NONAME;
		}
	}
	int num = -1;
	if (service && service[0]) {
		char *end;
		num = (int)strtoul(service, &end, 10);
		if (*end) {
			if (flags & AI_NUMERICSERV)
				return EAI_NONAME;
			num = -1;
		}
	} else {
		service = NULL;
	}
	if (hints.ai_family != AF_UNSPEC && hints.ai_family != AF_INET && hints.ai_family != AF_INET6)
		return EAI_FAMILY;
	struct gai_st st[GAI_NTP];
	size_t nst;
	int e = gai_services(service, num, &hints, st, &nst);
	if (e)
		return e;
	struct zt_host h;
	uint32_t scope;
	const char *canon;
	e = gai_hosts(name, &hints, &h, &scope, &canon);
	if (e)
		return e;
	struct addrinfo *first = NULL, **tail = &first;
	for (size_t i = 0; i < h.naddrs; i++) {
		for (size_t k = 0; k < nst; k++) {
			struct addrinfo *ai = gai_node(&h.addrs[i], scope, &st[k]);
			if (!ai) {
				freeaddrinfo(first);
				return EAI_MEMORY;
			}
			*tail = ai;
			tail = &ai->ai_next;
		}
	}
	if (!first)
		return EAI_NONAME;
	if ((flags & AI_CANONNAME) && canon && !(first->ai_canonname = strdup(canon))) {
		freeaddrinfo(first);
		return EAI_MEMORY;
	}
	*res = first;
	return 0;
}

/* ---- getnameinfo ---- */

static int copy_out(char *dst, socklen_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n + 1 > cap)
		return EAI_OVERFLOW;
	memcpy(dst, src, n + 1);
	return 0;
}

ZT_EXPORT int getnameinfo(const struct sockaddr *restrict sa, socklen_t salen, char *restrict host,
                          socklen_t hostlen, char *restrict serv, socklen_t servlen, int flags)
{
	zt_shim_init();
	if (!zt_shim_enabled || !sa || salen < sizeof(sa_family_t) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
		if (!real_getnameinfo) {
			errno = ENOSYS;
			return EAI_SYSTEM;
		}
		return real_getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
	}
	if (flags & ~(NI_NUMERICHOST | NI_NUMERICSERV | NI_NOFQDN | NI_NAMEREQD | NI_DGRAM | NI_IDN |
	              DEPRECATED_NI_IDN))
		return EAI_BADFLAGS;
	if ((flags & NI_NAMEREQD) && !host && !serv)
		return EAI_NONAME;
	int family = sa->sa_family;
	uint8_t addr[16];
	uint32_t scope = 0;
	in_port_t port;
	if (family == AF_INET) {
		struct sockaddr_in in;
		if (salen < sizeof(in))
			return EAI_FAMILY;
		memcpy(&in, sa, sizeof(in));
		memcpy(addr, &in.sin_addr, 4);
		port = in.sin_port;
	} else {
		struct sockaddr_in6 in6;
		if (salen < sizeof(in6))
			return EAI_FAMILY;
		memcpy(&in6, sa, sizeof(in6));
		memcpy(addr, &in6.sin6_addr, 16);
		scope = in6.sin6_scope_id;
		port = in6.sin6_port;
	}
	if (host && hostlen > 0) {
		bool done = false;
		if (!(flags & NI_NUMERICHOST)) {
			struct zt_host h;
			enum zt_res_status s = zt_resolve_addr(family, addr, &h);
			if (s == ZT_RES_OK) {
				int e = copy_out(host, hostlen, h.name);
				if (e)
					return e;
				done = true;
			} else if (flags & NI_NAMEREQD) {
				return s == ZT_RES_AGAIN ? EAI_AGAIN : EAI_NONAME;
			}
		}
		if (!done) {
			char text[INET6_ADDRSTRLEN + 1 + IFNAMSIZ + 1];
			if (!inet_ntop(family, addr, text, sizeof(text)))
				return EAI_FAMILY;
			if (family == AF_INET6 && scope) {
				struct in6_addr a6;
				memcpy(&a6, addr, 16);
				size_t n = strlen(text);
				text[n++] = '%';
				char name[IFNAMSIZ];
				if ((IN6_IS_ADDR_LINKLOCAL(&a6) || IN6_IS_ADDR_MC_LINKLOCAL(&a6)) &&
				    if_indextoname(scope, name))
					memcpy(text + n, name, strnlen(name, IFNAMSIZ - 1) + 1);
				else
					snprintf(text + n, sizeof(text) - n, "%u", scope);
				text[sizeof(text) - 1] = 0;
			}
			int e = copy_out(host, hostlen, text);
			if (e)
				return e;
		}
	}
	if (serv && servlen > 0) {
		if (!(flags & NI_NUMERICSERV)) {
			struct servent se, *r = NULL;
			char buf[4096];
			if (getservbyport_r(port, (flags & NI_DGRAM) ? "udp" : "tcp", &se, buf, sizeof(buf),
			                    &r) == 0 &&
			    r)
				return copy_out(serv, servlen, r->s_name);
		}
		char text[8];
		snprintf(text, sizeof(text), "%u", (unsigned)ntohs(port));
		return copy_out(serv, servlen, text);
	}
	return 0;
}

/* ---- gethostby* ---- */

static int herr_of(enum zt_res_status s)
{
	switch (s) {
	case ZT_RES_OK:
		return NETDB_SUCCESS;
	case ZT_RES_NOTFOUND:
		return HOST_NOT_FOUND;
	case ZT_RES_NODATA:
		return NO_DATA;
	case ZT_RES_AGAIN:
		return TRY_AGAIN;
	default:
		return NO_RECOVERY;
	}
}

/* The hostent of h's addresses of family af in the caller's buffer; ERANGE when it is too small. */
static int fill_hostent(const struct zt_host *h, int af, struct hostent *ret, char *buf, size_t buflen)
{
	size_t alen = af == AF_INET ? 4 : 16, na = 0, strings = strlen(h->name) + 1;
	for (size_t i = 0; i < h->naddrs; i++)
		na += h->addrs[i].family == af;
	for (size_t i = 0; i < h->naliases; i++)
		strings += strlen(h->aliases[i]) + 1;
	uintptr_t p = ((uintptr_t)buf + alignof(char *) - 1) & ~(uintptr_t)(alignof(char *) - 1);
	size_t pad = (size_t)(p - (uintptr_t)buf);
	size_t need = pad + (h->naliases + 1 + na + 1) * sizeof(char *) + na * alen + strings;
	if (!buf || need > buflen)
		return ERANGE;
	char **aliases = (char **)p;
	char **addrs = aliases + h->naliases + 1;
	char *q = (char *)(addrs + na + 1);
	size_t k = 0;
	for (size_t i = 0; i < h->naddrs; i++) {
		if (h->addrs[i].family != af)
			continue;
		memcpy(q, h->addrs[i].addr, alen);
		addrs[k++] = q;
		q += alen;
	}
	addrs[k] = NULL;
	size_t n = strlen(h->name) + 1;
	memcpy(q, h->name, n);
	ret->h_name = q;
	q += n;
	for (size_t i = 0; i < h->naliases; i++) {
		n = strlen(h->aliases[i]) + 1;
		memcpy(q, h->aliases[i], n);
		aliases[i] = q;
		q += n;
	}
	aliases[h->naliases] = NULL;
	ret->h_aliases = aliases;
	ret->h_addrtype = af;
	ret->h_length = (int)alen;
	ret->h_addr_list = addrs;
	return 0;
}

/* glibc's return convention for the _r calls: 0 with *result set, 0 with *result NULL when not found
 * (*h_errnop says why), EAGAIN for TRY_AGAIN, ERANGE for a small buffer (h_errno NETDB_INTERNAL). */
static int hostent_result(enum zt_res_status s, const struct zt_host *h, int af, struct hostent *ret,
                          char *buf, size_t buflen, struct hostent **result, int *h_errnop)
{
	*result = NULL;
	if (s == ZT_RES_OK && h->naddrs == 0)
		s = ZT_RES_NODATA;
	if (s != ZT_RES_OK) {
		*h_errnop = herr_of(s);
		if (s == ZT_RES_AGAIN) {
			errno = EAGAIN;
			return EAGAIN;
		}
		return 0;
	}
	if (fill_hostent(h, af, ret, buf, buflen) != 0) {
		*h_errnop = NETDB_INTERNAL;
		errno = ERANGE;
		return ERANGE;
	}
	*h_errnop = NETDB_SUCCESS;
	*result = ret;
	return 0;
}

/* What glibc's __nss_hostname_digits_dots answers: a numeric name of the wanted family is its own
 * address; of the other family, no host. */
static enum zt_res_status host_by_name(const char *name, int af, struct zt_host *h)
{
	h->naliases = h->naddrs = 0;
	struct zt_host_addr a = {.family = af};
	bool digits = name[0] != 0;
	for (const char *p = name; *p; p++)
		digits = digits && (isdigit((unsigned char)*p) || *p == '.');
	if (digits && name[strlen(name) - 1] != '.') {
		if (af != AF_INET || !ipv4_exact(name, a.addr))
			return ZT_RES_NOTFOUND;
	} else if (strchr(name, ':')) {
		if (af != AF_INET6 || inet_pton(AF_INET6, name, a.addr) != 1)
			return ZT_RES_NOTFOUND;
	} else {
		return zt_resolve_name(name, af == AF_INET, af == AF_INET6, h);
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->addrs[h->naddrs++] = a;
	return ZT_RES_OK;
}

ZT_EXPORT int gethostbyname2_r(const char *restrict name, int af, struct hostent *restrict ret,
                               char *restrict buf, size_t buflen, struct hostent **restrict result,
                               int *restrict h_errnop)
{
	zt_shim_init();
	if (!zt_shim_enabled) {
		if (!real_gethostbyname2_r)
			return ENOSYS;
		return real_gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	}
	*result = NULL;
	if (af != AF_INET && af != AF_INET6) {
		*h_errnop = NETDB_INTERNAL;
		errno = EAFNOSUPPORT;
		return EAFNOSUPPORT;
	}
	if (!name) {
		*h_errnop = HOST_NOT_FOUND;
		return 0;
	}
	struct zt_host h;
	enum zt_res_status s = host_by_name(name, af, &h);
	return hostent_result(s, &h, af, ret, buf, buflen, result, h_errnop);
}

ZT_EXPORT int gethostbyname_r(const char *restrict name, struct hostent *restrict ret, char *restrict buf,
                              size_t buflen, struct hostent **restrict result, int *restrict h_errnop)
{
	zt_shim_init();
	if (!zt_shim_enabled) {
		if (!real_gethostbyname_r)
			return ENOSYS;
		return real_gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
	}
	return gethostbyname2_r(name, AF_INET, ret, buf, buflen, result, h_errnop);
}

ZT_EXPORT int gethostbyaddr_r(const void *restrict addr, socklen_t len, int type,
                              struct hostent *restrict ret, char *restrict buf, size_t buflen,
                              struct hostent **restrict result, int *restrict h_errnop)
{
	zt_shim_init();
	if (!zt_shim_enabled) {
		if (!real_gethostbyaddr_r)
			return ENOSYS;
		return real_gethostbyaddr_r(addr, len, type, ret, buf, buflen, result, h_errnop);
	}
	*result = NULL;
	static const uint8_t any6[16];
	if (type == AF_INET6 && len == 16 && addr && memcmp(addr, any6, 16) == 0) {
		*h_errnop = HOST_NOT_FOUND;
		errno = ENOENT;
		return ENOENT;
	}
	if (type != AF_INET && type != AF_INET6) {
		*h_errnop = NETDB_INTERNAL;
		errno = EAFNOSUPPORT;
		return EAFNOSUPPORT;
	}
	if (!addr || len != (type == AF_INET ? 4u : 16u)) {
		*h_errnop = NETDB_INTERNAL;
		errno = EINVAL;
		return EINVAL;
	}
	struct zt_host h;
	enum zt_res_status s = zt_resolve_addr(type, addr, &h);
	if (s == ZT_RES_OK) { /* the answer's address is the one asked about, in its family */
		h.naddrs = 1;
		h.addrs[0].family = type;
		memcpy(h.addrs[0].addr, addr, len);
	}
	return hostent_result(s, &h, type, ret, buf, buflen, result, h_errnop);
}

/* The calling thread's buffer for the non-reentrant calls, grown until the answer fits. */
static struct hostent *
hostent_tls(int (*fill)(void *arg, struct hostent *, char *, size_t, struct hostent **, int *), void *arg)
{
	struct hostent_tls *t = hostent_key_ok ? pthread_getspecific(hostent_key) : NULL;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t || !hostent_key_ok || pthread_setspecific(hostent_key, t) != 0) {
			free(t);
			h_errno = NETDB_INTERNAL;
			errno = ENOMEM;
			return NULL;
		}
	}
	for (;;) {
		if (!t->buf) {
			t->cap = 1024;
			t->buf = malloc(t->cap);
			if (!t->buf) {
				h_errno = NETDB_INTERNAL;
				errno = ENOMEM;
				return NULL;
			}
		}
		struct hostent *r = NULL;
		int herr = 0;
		int e = fill(arg, &t->he, t->buf, t->cap, &r, &herr);
		if (e == ERANGE && t->cap < HOSTENT_BUF_MAX) {
			free(t->buf);
			t->buf = NULL;
			t->cap *= 2;
			char *nb = malloc(t->cap);
			if (!nb) {
				h_errno = NETDB_INTERNAL;
				errno = ENOMEM;
				return NULL;
			}
			t->buf = nb;
			continue;
		}
		h_errno = herr;
		return r;
	}
}

struct by_name_arg {
	const char *name;
	int af;
};

static int by_name_fill(void *arg, struct hostent *he, char *buf, size_t len, struct hostent **r, int *herr)
{
	struct by_name_arg *a = arg;
	return gethostbyname2_r(a->name, a->af, he, buf, len, r, herr);
}

struct by_addr_arg {
	const void *addr;
	socklen_t len;
	int type;
};

static int by_addr_fill(void *arg, struct hostent *he, char *buf, size_t len, struct hostent **r, int *herr)
{
	struct by_addr_arg *a = arg;
	return gethostbyaddr_r(a->addr, a->len, a->type, he, buf, len, r, herr);
}

ZT_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return real_gethostbyname2 ? real_gethostbyname2(name, af) : NULL;
	struct by_name_arg a = {name, af};
	return hostent_tls(by_name_fill, &a);
}

ZT_EXPORT struct hostent *gethostbyname(const char *name)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return real_gethostbyname ? real_gethostbyname(name) : NULL;
	struct by_name_arg a = {name, AF_INET};
	return hostent_tls(by_name_fill, &a);
}

ZT_EXPORT struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return real_gethostbyaddr ? real_gethostbyaddr(addr, len, type) : NULL;
	struct by_addr_arg a = {addr, len, type};
	return hostent_tls(by_addr_fill, &a);
}

/* ---- res_* ---- */

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
		*herr = herr_of(s);
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
