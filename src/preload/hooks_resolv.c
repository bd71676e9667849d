/* The resolver entry points apps call, answered by resolve.c instead of glibc's NSS (whose DNS
 * sockets would be the host's). This file has getaddrinfo and getnameinfo and the resolver hooks'
 * start-up; the gethostby* family is in hooks_hostent.c, the res_* query functions in hooks_res.c.
 * With the shim off each goes straight to libc.
 *
 * getaddrinfo follows glibc 2.36's rules for flags, families, socket types and services (the table
 * of gaih_inet_typeproto) and allocates as it does (one block per entry, the canonical name apart),
 * so libc's freeaddrinfo frees our lists and freeaddrinfo needs no hook. */
#include <arpa/inet.h>
#include <netdb.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "hooks.h"

#define DEPRECATED_AI_IDN 0x300 /* AI_IDN_ALLOW_UNASSIGNED | AI_IDN_USE_STD3_ASCII_RULES */
#define DEPRECATED_NI_IDN 192

static int (*real_getaddrinfo)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
static int (*real_getnameinfo)(const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int);

void zt_resolver_init(void)
{
	ZT_RESOLVE(getaddrinfo);
	ZT_RESOLVE(getnameinfo);
	zt_hostent_hooks_init();
	zt_gai_hooks_init();
	zt_res_hooks_init();
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

bool zt_ipv4_exact(const char *name, uint8_t out[4])
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
	if (zt_ipv4_exact(name, a.addr)) {
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
	struct zt_nc_addr a;
	if (zt_nc_addr_from_sockaddr(&a, sa, salen) < 0)
		return EAI_FAMILY;
	const uint8_t *addr = a.addr;
	uint32_t scope = a.scope_id;
	in_port_t port = a.port_be;
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
