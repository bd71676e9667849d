/* Names for programs that resolve them themselves (Go's resolver, static programs): they read the
 * host's /etc/resolv.conf and send to the nameservers it names, which are not on the virtual network.
 * The supervisor sends such queries (port 53 of a host nameserver) to the network's nameserver
 * instead, the one ztrun writes into its own resolv.conf for the shim (rpc.h); with none, they fail
 * at once with ENETUNREACH rather than time out. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox_resolv.h"
#include "sandbox_int.h"

#define CONF_MAX 65536 /* resolv.conf files are a few lines; what lies beyond is not read */

/* Up to max nameservers of the resolv.conf at path; none if it cannot be read. */
static int read_nameservers(const char *path, struct zt_nc_addr *out, int max)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	char *text = malloc(CONF_MAX);
	size_t len = text ? fread(text, 1, CONF_MAX, f) : 0;
	fclose(f);
	int n = text ? sb_resolv_parse(text, len, out, max) : 0;
	free(text);
	return n;
}

void sb_dns_init(struct zt_sandbox *sb)
{
	const char *env = getenv("ZTRUN_RESOLV_CONF");
	sb->host_ns_count = read_nameservers("/etc/resolv.conf", sb->host_ns, SB_MAX_NS);
	if (env && *env) {
		snprintf(sb->resolv_conf, sizeof(sb->resolv_conf), "%s", env);
	} else {
		/* named after the control socket, as the shim's (rpc.h, Names) */
		int n = snprintf(sb->resolv_conf, sizeof(sb->resolv_conf), "%s.resolv.conf", sb->socket_path);
		if (n < 0 || (size_t)n >= sizeof(sb->resolv_conf))
			sb->resolv_conf[0] = '\0';
	}
}

int sb_dns_redirect(struct zt_sandbox *sb, struct zt_nc_addr *a)
{
	struct zt_nc_addr probe = *a;
	if (sb_resolv_pick(sb->host_ns, sb->host_ns_count, NULL, 0, &probe) == 0)
		return 0; /* not a host nameserver's port 53: the network's resolv.conf is not read */
	struct zt_nc_addr ns[SB_MAX_NS];
	int n = sb->resolv_conf[0] ? read_nameservers(sb->resolv_conf, ns, SB_MAX_NS) : 0;
	if (n == 0 && sb->resolv_conf[0]) { /* --fallthrough: the host's, when the network has none */
		char host[sizeof(sb->resolv_conf) + sizeof(ZT_NC_RESOLV_HOST_SUFFIX)];
		snprintf(host, sizeof(host), "%s%s", sb->resolv_conf, ZT_NC_RESOLV_HOST_SUFFIX);
		n = read_nameservers(host, ns, SB_MAX_NS);
	}
	return sb_resolv_pick(sb->host_ns, sb->host_ns_count, ns, n, a);
}
