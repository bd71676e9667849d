/* The gethostby* family, answered by resolve.c (hooks_resolv.c has getaddrinfo and getnameinfo).
 * With the shim off each goes straight to libc.
 *
 * gethostbyname, gethostbyname2 and gethostbyaddr return a buffer that is per thread here (glibc's
 * is one for the whole process): the result lives until the same thread's next such call. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <netdb.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "hooks.h"

#define HOSTENT_BUF_MAX (64 * 1024)

static struct hostent *(*real_gethostbyname)(const char *);
static struct hostent *(*real_gethostbyname2)(const char *, int);
static int (*real_gethostbyname_r)(const char *, struct hostent *, char *, size_t, struct hostent **, int *);
static int (*real_gethostbyname2_r)(const char *, int, struct hostent *, char *, size_t, struct hostent **,
                                    int *);
static struct hostent *(*real_gethostbyaddr)(const void *, socklen_t, int);
static int (*real_gethostbyaddr_r)(const void *, socklen_t, int, struct hostent *, char *, size_t,
                                   struct hostent **, int *);

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

void zt_hostent_hooks_init(void)
{
	ZT_RESOLVE(gethostbyname);
	ZT_RESOLVE(gethostbyname2);
	ZT_RESOLVE(gethostbyname_r);
	ZT_RESOLVE(gethostbyname2_r);
	ZT_RESOLVE(gethostbyaddr);
	ZT_RESOLVE(gethostbyaddr_r);
	hostent_key_ok = pthread_key_create(&hostent_key, hostent_tls_free) == 0;
}

int zt_herr_of(enum zt_res_status s)
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
		*h_errnop = zt_herr_of(s);
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
		if (af != AF_INET || !zt_ipv4_exact(name, a.addr))
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
