/* sandbox_resolv.h: parsing a resolv.conf's nameservers and choosing where a query goes. No I/O. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "sandbox_resolv.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* One line (no newline): a nameserver into *a, or false. */
static bool parse_line(const char *p, const char *end, struct zt_nc_addr *a)
{
	static const char kw[] = "nameserver";
	while (p < end && blank(*p))
		p++;
	if ((size_t)(end - p) <= sizeof(kw) - 1 || memcmp(p, kw, sizeof(kw) - 1) != 0 ||
	    !blank(p[sizeof(kw) - 1]))
		return false;
	p += sizeof(kw) - 1;
	while (p < end && blank(*p))
		p++;
	const char *tok = p;
	while (p < end && !blank(*p) && *p != '%' && *p != '\0')
		p++;
	char ip[INET6_ADDRSTRLEN];
	size_t n = (size_t)(p - tok);
	if (n == 0 || n >= sizeof(ip))
		return false;
	memcpy(ip, tok, n);
	ip[n] = '\0';
	*a = (struct zt_nc_addr){.port_be = htons(53)};
	if (inet_pton(AF_INET, ip, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, a->addr) == 1)
		a->family = AF_INET6;
	else
		return false;
	return true;
}

int sb_resolv_parse(const char *text, size_t len, struct zt_nc_addr *out, int max)
{
	int n = 0;
	const char *p = text, *end = text + len;
	while (p < end && n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if (parse_line(p, eol, &out[n]))
			n++;
		p = nl ? nl + 1 : end;
	}
	return n;
}

static bool same_host(const struct zt_nc_addr *x, const struct zt_nc_addr *y)
{
	return x->family == y->family && memcmp(x->addr, y->addr, x->family == AF_INET ? 4 : 16) == 0;
}

int sb_resolv_pick(const struct zt_nc_addr *host, int nhost, const struct zt_nc_addr *net, int nnet,
                   struct zt_nc_addr *a)
{
	if (a->port_be != htons(53))
		return 0;
	for (int i = 0; i < nhost; i++) {
		if (!same_host(a, &host[i]))
			continue;
		/* the host's own nameserver may be the network's too */
		for (int j = 0; j < nnet; j++)
			if (same_host(a, &net[j]))
				return 0;
		/* an IPv4 socket can only reach an IPv4 nameserver, and an IPv6-only one an IPv6 one */
		for (int j = 0; j < nnet; j++)
			if (net[j].family == a->family) {
				*a = net[j];
				return 0;
			}
		if (nnet > 0 && a->family == AF_INET6 && net[0].family == AF_INET) {
			/* a dual-stack socket reaches an IPv4 nameserver at its mapped address */
			uint8_t v4[4];
			memcpy(v4, net[0].addr, 4);
			memset(a->addr, 0, 16);
			a->addr[10] = a->addr[11] = 0xff;
			memcpy(a->addr + 12, v4, 4);
			return 0;
		}
		return -ENETUNREACH;
	}
	return 0;
}
