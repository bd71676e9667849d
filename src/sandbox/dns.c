/* Names for programs that resolve them themselves (Go's resolver, static programs): they read the
 * host's /etc/resolv.conf and send to the nameservers it names, which are not on the virtual network.
 * The supervisor sends such queries (port 53 of a host nameserver) to the network's nameserver
 * instead, the one ztrun writes into its own resolv.conf for the shim (rpc.h); with none, they fail
 * at once with ENETUNREACH rather than time out. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox_int.h"

/* Reads up to max nameserver addresses from a resolv.conf; returns how many. */
static int read_nameservers(const char *path, struct zt_nc_addr *out, int max)
{
	FILE *f = fopen(path, "re");
	char line[512];
	int n = 0;
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char ip[80];
		if (sscanf(line, " nameserver %79s", ip) != 1)
			continue;
		char *pct = strchr(ip, '%');
		if (pct)
			*pct = '\0';
		struct zt_nc_addr a = {.port_be = htons(53)};
		if (inet_pton(AF_INET, ip, a.addr) == 1)
			a.family = AF_INET;
		else if (inet_pton(AF_INET6, ip, a.addr) == 1)
			a.family = AF_INET6;
		else
			continue;
		out[n++] = a;
	}
	fclose(f);
	return n;
}

static bool same_host(const struct zt_nc_addr *x, const struct zt_nc_addr *y)
{
	return x->family == y->family && memcmp(x->addr, y->addr, x->family == AF_INET ? 4 : 16) == 0;
}

void sb_dns_init(struct zt_sandbox *sb)
{
	const char *env = getenv("ZTRUN_RESOLV_CONF");
	sb->host_ns_count = read_nameservers("/etc/resolv.conf", sb->host_ns, SB_MAX_NS);
	if (env && *env) {
		snprintf(sb->resolv_conf, sizeof(sb->resolv_conf), "%s", env);
	} else {
		snprintf(sb->resolv_conf, sizeof(sb->resolv_conf), "%s", sb->socket_path);
		char *slash = strrchr(sb->resolv_conf, '/');
		if (slash && (size_t)(slash - sb->resolv_conf) + sizeof("/resolv.conf") <= sizeof(sb->resolv_conf))
			strcpy(slash, "/resolv.conf");
		else
			sb->resolv_conf[0] = '\0';
	}
}

int sb_dns_redirect(struct zt_sandbox *sb, struct zt_nc_addr *a)
{
	if (a->port_be != htons(53))
		return 0;
	for (int i = 0; i < sb->host_ns_count; i++) {
		if (!same_host(a, &sb->host_ns[i]))
			continue;
		struct zt_nc_addr ns[SB_MAX_NS];
		int n = sb->resolv_conf[0] ? read_nameservers(sb->resolv_conf, ns, SB_MAX_NS) : 0;
		/* the host's own nameserver may be the network's too */
		for (int j = 0; j < n; j++)
			if (same_host(a, &ns[j]))
				return 0;
		/* an IPv4 socket can only reach an IPv4 nameserver, and an IPv6-only one an IPv6 one */
		for (int j = 0; j < n; j++)
			if (ns[j].family == a->family) {
				*a = ns[j];
				return 0;
			}
		if (n > 0 && a->family == AF_INET6 && ns[0].family == AF_INET) {
			/* a dual-stack socket reaches an IPv4 nameserver at its mapped address */
			uint8_t v4[4];
			memcpy(v4, ns[0].addr, 4);
			memset(a->addr, 0, 16);
			a->addr[10] = a->addr[11] = 0xff;
			memcpy(a->addr + 12, v4, 4);
			return 0;
		}
		return -ENETUNREACH;
	}
	return 0;
}
