/* /etc/hosts, read the way glibc's files module reads it ("multi on": every line naming the host
 * adds its addresses), without NSS: NSS would go on to the next source in nsswitch.conf, DNS. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

#define HOSTS_MAX_FIELDS 64

struct line {
	struct zt_host_addr addr;
	char *names[HOSTS_MAX_FIELDS];
	size_t nnames;
};

/* Splits one line in place: an address glibc accepts (inet_pton of either family) and its names. */
static bool parse_line(char *s, struct line *l)
{
	char *hash = strchr(s, '#');
	if (hash)
		*hash = 0;
	char *save = NULL;
	char *tok = strtok_r(s, " \t\r\n", &save);
	if (!tok)
		return false;
	memset(&l->addr, 0, sizeof(l->addr));
	if (inet_pton(AF_INET6, tok, l->addr.addr) == 1)
		l->addr.family = AF_INET6;
	else if (inet_pton(AF_INET, tok, l->addr.addr) == 1)
		l->addr.family = AF_INET;
	else
		return false;
	l->nnames = 0;
	while ((tok = strtok_r(NULL, " \t\r\n", &save)) && l->nnames < HOSTS_MAX_FIELDS)
		l->names[l->nnames++] = tok;
	return l->nnames > 0;
}

static void copy_name(char dst[ZT_DNS_NAME_MAX], const char *src)
{
	size_t n = strlen(src);
	if (n >= ZT_DNS_NAME_MAX)
		n = ZT_DNS_NAME_MAX - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void take_names(struct zt_host *h, const struct line *l)
{
	copy_name(h->name, l->names[0]);
	h->naliases = 0;
	for (size_t i = 1; i < l->nnames && h->naliases < ZT_HOST_MAX_ALIASES; i++)
		copy_name(h->aliases[h->naliases++], l->names[i]);
}

/* Calls fn for every line with an address and a name; stops when it returns true. */
static bool each_line(const char *path, bool (*fn)(struct line *, void *), void *arg)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	char *buf = NULL;
	size_t cap = 0;
	bool stop = false;
	struct line l;
	while (!stop && getline(&buf, &cap, f) >= 0)
		if (parse_line(buf, &l))
			stop = fn(&l, arg);
	free(buf);
	fclose(f);
	return stop;
}

struct by_name {
	const char *name;
	struct zt_host *h;
	bool found;
};

static bool by_name_fn(struct line *l, void *arg)
{
	struct by_name *b = arg;
	for (size_t i = 0; i < l->nnames; i++) {
		if (!zt_dns_name_eq(l->names[i], b->name))
			continue;
		if (!b->found)
			take_names(b->h, l);
		b->found = true;
		if (b->h->naddrs < ZT_HOST_MAX_ADDRS)
			b->h->addrs[b->h->naddrs++] = l->addr;
		break;
	}
	return false;
}

bool zt_hosts_by_name(const char *path, const char *name, struct zt_host *h)
{
	struct by_name b = {.name = name, .h = h};
	h->naddrs = h->naliases = 0;
	h->name[0] = 0;
	each_line(path, by_name_fn, &b);
	return b.found;
}

struct by_addr {
	int family;
	const void *addr;
	struct zt_host *h;
};

static bool by_addr_fn(struct line *l, void *arg)
{
	struct by_addr *b = arg;
	if (l->addr.family != b->family || memcmp(l->addr.addr, b->addr, b->family == AF_INET ? 4 : 16) != 0)
		return false;
	take_names(b->h, l);
	b->h->addrs[0] = l->addr;
	b->h->naddrs = 1;
	return true;
}

bool zt_hosts_by_addr(const char *path, int family, const void *addr, struct zt_host *h)
{
	struct by_addr b = {.family = family, .addr = addr, .h = h};
	h->naddrs = h->naliases = 0;
	return each_line(path, by_addr_fn, &b);
}
