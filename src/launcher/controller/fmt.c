/* The management commands' formats: network arguments as people write them (CIDR pools and routes) turned
 * into the API's JSON, and the API's JSON records printed for people. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"

/* An IP and prefix: "10.1.2.0/24", "fd00::/64". family AF_INET or AF_INET6; 0 or -1. */
static int parse_cidr(const char *s, int *family, uint8_t ip[16], int *bits)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(buf) || !slash[1] ||
	    strspn(slash + 1, "0123456789") != strlen(slash + 1) || strlen(slash + 1) > 3)
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	*bits = atoi(slash + 1);
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, buf, ip) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, ip) == 1)
		*family = AF_INET6;
	else
		return -1;
	return *bits <= (*family == AF_INET ? 32 : 128) ? 0 : -1;
}

static void mask_bits(uint8_t ip[16], int len, int bits, bool ones)
{
	for (int i = 0; i < len * 8; i++) {
		if (i < bits)
			continue;
		if (ones)
			ip[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		else
			ip[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	}
}

static void add_one(uint8_t ip[16], int len, int delta)
{
	for (int i = len - 1; i >= 0; i--) {
		int v = ip[i] + delta;
		ip[i] = (uint8_t)v;
		if (v >= 0 && v <= 255)
			break;
	}
}

static bool ip_le(const uint8_t *a, const uint8_t *b, int len)
{
	return memcmp(a, b, (size_t)len) <= 0;
}

/* A --pool: "CIDR" (its usable addresses: no network or broadcast address for IPv4 /30 and wider) or
 * "FIRST-LAST". *route gets the CIDR's network in text (empty for a range). 0 or -1. */
int zt_ctl_parse_pool(const char *s, cJSON *pools, bool *v4, bool *v6, char *route, size_t cap)
{
	int family, bits;
	uint8_t a[16], b[16];
	char ta[INET6_ADDRSTRLEN], tb[INET6_ADDRSTRLEN];
	const char *dash = strchr(s, '-');
	route[0] = 0;
	if (dash) {
		char first[64];
		if ((size_t)(dash - s) >= sizeof(first))
			return -1;
		snprintf(first, sizeof(first), "%.*s", (int)(dash - s), s);
		memset(a, 0, 16);
		memset(b, 0, 16);
		if (inet_pton(AF_INET, first, a) == 1 && inet_pton(AF_INET, dash + 1, b) == 1)
			family = AF_INET;
		else if (inet_pton(AF_INET6, first, a) == 1 && inet_pton(AF_INET6, dash + 1, b) == 1)
			family = AF_INET6;
		else
			return -1;
		if (!ip_le(a, b, family == AF_INET ? 4 : 16))
			return -1;
	} else {
		if (parse_cidr(s, &family, a, &bits) != 0)
			return -1;
		int len = family == AF_INET ? 4 : 16, max = len * 8;
		mask_bits(a, len, bits, false);
		inet_ntop(family, a, ta, sizeof(ta));
		snprintf(route, cap, "%s/%d", ta, bits);
		memcpy(b, a, 16);
		mask_bits(b, len, bits, true);
		if (max - bits >= 2) { /* skip the network address (and IPv4's broadcast) */
			add_one(a, len, 1);
			if (family == AF_INET)
				add_one(b, len, -1);
		}
	}
	inet_ntop(family, a, ta, sizeof(ta));
	inet_ntop(family, b, tb, sizeof(tb));
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "ipRangeStart", ta);
	cJSON_AddStringToObject(p, "ipRangeEnd", tb);
	cJSON_AddItemToArray(pools, p);
	*(family == AF_INET ? v4 : v6) = true;
	return 0;
}

/* A --route: "CIDR" or "CIDR,VIA"; the target is written as its network ("10.1.2.0/24"). 0 or -1. */
int zt_ctl_parse_route(const char *s, cJSON *routes, char *target, size_t cap)
{
	char buf[128], t[INET6_ADDRSTRLEN];
	int family, bits;
	uint8_t ip[16], via[16];
	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	char *comma = strchr(buf, ',');
	if (comma)
		*comma = 0;
	if (parse_cidr(buf, &family, ip, &bits) != 0)
		return -1;
	if (comma && inet_pton(family, comma + 1, via) != 1)
		return -1;
	mask_bits(ip, family == AF_INET ? 4 : 16, bits, false);
	inet_ntop(family, ip, t, sizeof(t));
	snprintf(target, cap, "%s/%d", t, bits);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "target", target);
	if (comma)
		cJSON_AddStringToObject(r, "via", comma + 1);
	else
		cJSON_AddNullToObject(r, "via");
	cJSON_AddItemToArray(routes, r);
	return 0;
}

bool zt_ctl_cidr_contains(const char *cidr, const char *ip)
{
	int family, bits;
	uint8_t net[16], a[16] = {0};
	if (parse_cidr(cidr, &family, net, &bits) != 0 || inet_pton(family, ip, a) != 1)
		return false;
	int len = family == AF_INET ? 4 : 16;
	mask_bits(net, len, bits, false);
	mask_bits(a, len, bits, false);
	return memcmp(net, a, (size_t)len) == 0;
}

const char *zt_ctl_str(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

bool zt_ctl_bool(const cJSON *o, const char *key, bool dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

double zt_ctl_num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* The strings of an array, joined with ", " (or "-" if none). */
void zt_ctl_join_strings(const cJSON *arr, char *out, size_t cap)
{
	size_t n = 0;
	const cJSON *e;
	out[0] = 0;
	cJSON_ArrayForEach(e, arr)
	{
		if (cJSON_IsString(e) && n < cap)
			n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", e->valuestring);
	}
	if (!out[0])
		snprintf(out, cap, "-");
}

static void print_time(const char *label, const cJSON *o, const char *key)
{
	double ms = zt_ctl_num(o, key, 0);
	if (!(ms > 0 && ms < 253402300800000.0)) /* after the year 9999 (or NaN): not a time to print */
		return;
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[64];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("  %-16s %s\n", label, buf);
}

void zt_ctl_print_network(const cJSON *n)
{
	char buf[4096];
	size_t k = 0;
	const cJSON *e;
	printf("network %s\n", zt_ctl_str(n, "id", zt_ctl_str(n, "nwid", "?")));
	printf("  %-16s %s\n", "name", zt_ctl_str(n, "name", ""));
	printf("  %-16s %s\n", "access",
	       zt_ctl_bool(n, "private", true) ? "private (members must be authorized)"
	                                       : "public (anyone may join)");
	buf[0] = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(n, "routes"))
	{
		const char *via = zt_ctl_str(e, "via", NULL);
		if (k < sizeof(buf))
			k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s%s%s", k ? ", " : "",
			                      zt_ctl_str(e, "target", "?"), via ? " via " : "",
			                      via ? via : "");
	}
	printf("  %-16s %s\n", "routes", buf[0] ? buf : "-");
	k = 0;
	buf[0] = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(n, "ipAssignmentPools"))
	{
		if (k < sizeof(buf))
			k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s-%s", k ? ", " : "",
			                      zt_ctl_str(e, "ipRangeStart", "?"),
			                      zt_ctl_str(e, "ipRangeEnd", "?"));
	}
	printf("  %-16s %s\n", "pools", buf[0] ? buf : "-");
	const cJSON *v4 = cJSON_GetObjectItemCaseSensitive(n, "v4AssignMode");
	const cJSON *v6 = cJSON_GetObjectItemCaseSensitive(n, "v6AssignMode");
	printf("  %-16s IPv4 from pools: %s; IPv6 from pools: %s, rfc4193: %s, 6plane: %s\n", "auto-assign",
	       zt_ctl_bool(v4, "zt", false) ? "yes" : "no", zt_ctl_bool(v6, "zt", false) ? "yes" : "no",
	       zt_ctl_bool(v6, "rfc4193", false) ? "yes" : "no",
	       zt_ctl_bool(v6, "6plane", false) ? "yes" : "no");
	const cJSON *dns = cJSON_GetObjectItemCaseSensitive(n, "dns");
	zt_ctl_join_strings(cJSON_GetObjectItemCaseSensitive(dns, "servers"), buf, sizeof(buf));
	if (zt_ctl_str(dns, "domain", "")[0] || strcmp(buf, "-") != 0)
		printf("  %-16s %s, servers %s\n", "dns", zt_ctl_str(dns, "domain", "-"), buf);
	printf("  %-16s %.0f\n", "mtu", zt_ctl_num(n, "mtu", 2800));
	printf("  %-16s limit %.0f, broadcast %s\n", "multicast", zt_ctl_num(n, "multicastLimit", 32),
	       zt_ctl_bool(n, "enableBroadcast", true) ? "on" : "off");
	printf("  %-16s %.0f\n", "revision", zt_ctl_num(n, "revision", 0));
	print_time("created", n, "creationTime");
}

void zt_ctl_print_member(const cJSON *m, const char *nwid)
{
	char ips[4096];
	zt_ctl_join_strings(cJSON_GetObjectItemCaseSensitive(m, "ipAssignments"), ips, sizeof(ips));
	printf("member %s of network %s\n", zt_ctl_str(m, "address", zt_ctl_str(m, "id", "?")),
	       zt_ctl_str(m, "nwid", nwid));
	printf("  %-16s %s\n", "authorized", zt_ctl_bool(m, "authorized", false) ? "yes" : "no");
	printf("  %-16s %s\n", "ips", ips);
	if (zt_ctl_str(m, "name", "")[0])
		printf("  %-16s %s\n", "name", zt_ctl_str(m, "name", ""));
	printf("  %-16s %s\n", "identity",
	       zt_ctl_str(m, "identity", "")[0] ? zt_ctl_str(m, "identity", "") : "(not seen yet)");
	if (zt_ctl_num(m, "vMajor", -1) >= 0)
		printf("  %-16s %.0f.%.0f.%.0f (protocol %.0f)\n", "version", zt_ctl_num(m, "vMajor", 0),
		       zt_ctl_num(m, "vMinor", 0), zt_ctl_num(m, "vRev", 0), zt_ctl_num(m, "vProto", 0));
	printf("  %-16s bridge %s, auto-assign %s\n", "flags",
	       zt_ctl_bool(m, "activeBridge", false) ? "yes" : "no",
	       zt_ctl_bool(m, "noAutoAssignIps", false) ? "off" : "on");
	printf("  %-16s %.0f\n", "revision", zt_ctl_num(m, "revision", 0));
	print_time("created", m, "creationTime");
	print_time("authorized at", m, "lastAuthorizedTime");
	print_time("deauthorized at", m, "lastDeauthorizedTime");
}
