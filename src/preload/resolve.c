/* Where a name's addresses come from, in one order for every hook: /etc/hosts (as glibc's files
 * module), the localhost names, then DNS over the virtual network with ztrun's resolv.conf. Never
 * glibc's NSS: its dns module (and nscd, systemd-resolved) would ask the host's nameservers.
 *
 * With no nameserver configured (network `none`, or a network whose config names none) a name not in
 * /etc/hosts fails with TRY_AGAIN / EAI_AGAIN at once: that is what glibc answers when no nameserver
 * can be reached (its sendto fails), so apps already treat it as "offline", not "no such host". */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "shim.h"

#define HOSTS_PATH "/etc/hosts"

static void keep_families(struct zt_host *h, bool want4, bool want6)
{
	size_t n = 0;
	for (size_t i = 0; i < h->naddrs; i++)
		if ((h->addrs[i].family == AF_INET && want4) || (h->addrs[i].family == AF_INET6 && want6))
			h->addrs[n++] = h->addrs[i];
	h->naddrs = n;
}

/* "localhost", "localhost." and names under .localhost (RFC 6761 6.3): loopback, never DNS. */
static bool is_localhost(const char *name)
{
	size_t n = strlen(name);
	if (n && name[n - 1] == '.')
		n--;
	char tail[10];
	if (n < 9)
		return false;
	memcpy(tail, name + n - 9, 9);
	tail[9] = 0;
	return zt_dns_name_eq(tail, "localhost") && (n == 9 || name[n - 10] == '.');
}

enum zt_res_status zt_resolve_name(const char *name, bool want4, bool want6, struct zt_host *h)
{
	if (zt_hosts_by_name(HOSTS_PATH, name, h)) {
		keep_families(h, want4, want6);
		if (h->naddrs)
			return ZT_RES_OK;
	}
	if (is_localhost(name)) {
		size_t n = strlen(name);
		memcpy(h->name, name, n < sizeof(h->name) ? n + 1 : sizeof(h->name));
		h->name[sizeof(h->name) - 1] = 0;
		h->naliases = h->naddrs = 0;
		if (want6) {
			h->addrs[h->naddrs] = (struct zt_host_addr){.family = AF_INET6};
			h->addrs[h->naddrs++].addr[15] = 1;
		}
		if (want4)
			h->addrs[h->naddrs++] =
			    (struct zt_host_addr){.family = AF_INET, .addr = {127, 0, 0, 1}};
		return ZT_RES_OK;
	}
	struct zt_resolv_conf c;
	zt_resolv_conf_load(&c);
	return zt_dns_lookup_host(&c, name, want4, want6, h);
}

enum zt_res_status zt_resolve_addr(int family, const void *addr, struct zt_host *h)
{
	if (zt_hosts_by_addr(HOSTS_PATH, family, addr, h))
		return ZT_RES_OK;
	struct zt_resolv_conf c;
	zt_resolv_conf_load(&c);
	return zt_dns_lookup_addr(&c, family, addr, h);
}

void zt_resolve_seen(bool *v4, bool *v6)
{
	*v4 = *v6 = false;
	struct zt_if_entry *ifs;
	int n = zt_if_list(&ifs);
	for (int i = 0; i < n; i++) {
		static const uint8_t lo6[16] = {[15] = 1};
		if (ifs[i].family == AF_INET && memcmp(ifs[i].addr, (uint8_t[]){127, 0, 0, 1}, 4) != 0)
			*v4 = true;
		if (ifs[i].family == AF_INET6 && memcmp(ifs[i].addr, lo6, 16) != 0)
			*v6 = true;
	}
	if (n > 0)
		free(ifs);
}

/* RFC 3484's default precedence, glibc's default_precedence table. */
static int precedence(const struct zt_host_addr *a)
{
	if (a->family == AF_INET)
		return 10; /* ::ffff:0:0/96 */
	static const uint8_t lo6[16] = {[15] = 1};
	if (memcmp(a->addr, lo6, 16) == 0)
		return 50;
	if (a->addr[0] == 0x20 && a->addr[1] == 0x02)
		return 30;
	static const uint8_t zero12[12];
	if (memcmp(a->addr, zero12, 12) == 0)
		return 20; /* ::/96 */
	return 40;
}

/* Rule 1 of RFC 3484: is there a source address to reach a with? Loopback reaches loopback; a
 * link-local destination needs a link-local address; anything else a non-loopback address of its
 * family. */
static bool usable(const struct zt_host_addr *a, bool v4, bool v6ll, bool v6)
{
	static const uint8_t lo6[16] = {[15] = 1};
	if (a->family == AF_INET)
		return a->addr[0] == 127 || v4;
	if (memcmp(a->addr, lo6, 16) == 0)
		return true;
	if (a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80)
		return v6ll;
	return v6;
}

void zt_resolve_sort(struct zt_host_addr *a, size_t n)
{
	if (n < 2)
		return;
	bool v4 = false, v6ll = false, v6 = false;
	struct zt_if_entry *ifs;
	int k = zt_if_list(&ifs);
	for (int i = 0; i < k; i++) {
		if (ifs[i].family == AF_INET && ifs[i].addr[0] != 127)
			v4 = true;
		if (ifs[i].family == AF_INET6 && ifs[i].addr[0] == 0xfe && (ifs[i].addr[1] & 0xc0) == 0x80)
			v6ll = true;
		else if (ifs[i].family == AF_INET6 && !(ifs[i].addr[15] == 1 && ifs[i].addr[0] == 0))
			v6 = true;
	}
	if (k > 0)
		free(ifs);
	/* insertion sort: stable, and a handful of entries */
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0; j--) {
			const struct zt_host_addr *x = &a[j - 1], *y = &a[j];
			int ux = usable(x, v4, v6ll, v6), uy = usable(y, v4, v6ll, v6);
			if (ux > uy || (ux == uy && precedence(x) >= precedence(y)))
				break;
			struct zt_host_addr t = a[j];
			a[j] = a[j - 1];
			a[j - 1] = t;
		}
	}
}
