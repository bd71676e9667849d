/* The printing half of `ztrun cli` (cli_fmt.h): any JSON in, zerotier-cli's lines out; fields missing or of
 * the wrong type print as stock prints them ("-", 0). */
#include "cli_fmt.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *jstr(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* A number field as an integer in [lo, hi] (JSON numbers may be anything a double holds); dflt when
 * absent or not a number. */
static long long jint(const cJSON *o, const char *key, long long dflt, long long lo, long long hi)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v) || v->valuedouble != v->valuedouble)
		return dflt;
	if (v->valuedouble <= (double)lo)
		return lo;
	if (v->valuedouble >= (double)hi)
		return hi;
	return (long long)v->valuedouble;
}

#define TIME_MAX (1LL << 53) /* ms: what a double holds exactly, and far from overflow when subtracted */

/* The preferred path of a peer, or NULL. */
static const cJSON *preferred_path(const cJSON *p)
{
	const cJSON *path;
	cJSON_ArrayForEach(path, cJSON_GetObjectItem(p, "paths")) if (cJSON_IsTrue(
	    cJSON_GetObjectItem(path, "preferred"))) return path;
	return NULL;
}

static void peer_version(const cJSON *p, char *out, size_t cap)
{
	long long maj = jint(p, "versionMajor", -1, -1, 65535);
	if (maj >= 0)
		snprintf(out, cap, "%lld.%lld.%lld", maj, jint(p, "versionMinor", 0, 0, 65535),
		         jint(p, "versionRev", 0, 0, 65535));
	else
		snprintf(out, cap, "-");
}

void zt_cli_print_info(FILE *f, const cJSON *j)
{
	fprintf(f, "200 info %s %s %s\n", jstr(j, "address", "-"), jstr(j, "version", "-"),
	        cJSON_IsTrue(cJSON_GetObjectItem(j, "tcpFallbackActive")) ? "TUNNELED"
	        : cJSON_IsTrue(cJSON_GetObjectItem(j, "online"))         ? "ONLINE"
	                                                                 : "OFFLINE");
}

void zt_cli_print_peers(FILE *f, const cJSON *j, bool pretty, int64_t now)
{
	if (pretty)
		fprintf(f, "200 peers\n<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n");
	else
		fprintf(f, "200 listpeers <ztaddr> <path> <latency> <version> <role>\n");
	const cJSON *p;
	cJSON_ArrayForEach(p, j)
	{
		char ver[64], best[200];
		peer_version(p, ver, sizeof(ver));
		const cJSON *path = preferred_path(p);
		long long tx = -1, rx = -1;
		if (path) {
			long long ls = jint(path, "lastSend", 0, -TIME_MAX, TIME_MAX);
			long long lr = jint(path, "lastReceive", 0, -TIME_MAX, TIME_MAX);
			tx = ls ? now - ls : -1;
			rx = lr ? now - lr : -1;
		}
		if (pretty) {
			if (path)
				snprintf(best, sizeof(best), "DIRECT   %-8lld %-8lld %s", tx, rx,
				         jstr(path, "address", "-"));
			else
				snprintf(best, sizeof(best), "RELAY");
			fprintf(f, "%s %-6s %-6s %5lld %s\n", jstr(p, "address", "-"), ver, jstr(p, "role", "-"),
			        jint(p, "latency", 0, -1, INT32_MAX), best);
		} else {
			if (path)
				snprintf(best, sizeof(best), "%s;%lld;%lld", jstr(path, "address", "-"), tx, rx);
			else
				snprintf(best, sizeof(best), "-");
			fprintf(f, "200 listpeers %s %s %lld %s %s\n", jstr(p, "address", "-"), best,
			        jint(p, "latency", 0, -1, INT32_MAX), ver, jstr(p, "role", "-"));
		}
	}
}

void zt_cli_print_networks(FILE *f, const cJSON *j)
{
	fprintf(f, "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n");
	const cJSON *n;
	cJSON_ArrayForEach(n, j)
	{
		char ips[1024] = "";
		size_t off = 0;
		const cJSON *a;
		cJSON_ArrayForEach(a, cJSON_GetObjectItem(n, "assignedAddresses")) if (cJSON_IsString(a) &&
		                                                                         off < sizeof(ips))
		    off += (size_t)snprintf(ips + off, sizeof(ips) - off, "%s%s", off ? "," : "", a->valuestring);
		fprintf(f, "200 listnetworks %s %s %s %s %s %s %s\n", jstr(n, "nwid", "-"), jstr(n, "name", "-"),
		        jstr(n, "mac", "-"), jstr(n, "status", "-"), jstr(n, "type", "-"),
		        jstr(n, "portDeviceName", "-"), off ? ips : "-");
	}
}

int zt_cli_print_get(FILE *f, FILE *err, const cJSON *j, const char *nwid, const char *prop)
{
	const cJSON *n, *found = NULL;
	cJSON_ArrayForEach(n, j) if (strcasecmp(jstr(n, "id", ""), nwid) == 0) found = n;
	if (!found) {
		fprintf(err, "unknown network ID, check that you are a member of the network\n");
		return 1;
	}
	if (strcmp(prop, "ip") == 0 || strcmp(prop, "ip4") == 0 || strcmp(prop, "ip6") == 0) {
		const cJSON *a;
		bool first = true;
		cJSON_ArrayForEach(a, cJSON_GetObjectItem(found, "assignedAddresses"))
		{
			if (!cJSON_IsString(a))
				continue;
			bool v6 = strchr(a->valuestring, ':') != NULL;
			if ((strcmp(prop, "ip4") == 0 && v6) || (strcmp(prop, "ip6") == 0 && !v6))
				continue;
			fprintf(f, "%s%.*s", first ? "" : "\n", (int)strcspn(a->valuestring, "/"), a->valuestring);
			first = false;
		}
		fprintf(f, "\n");
		return 0;
	}
	/* as stock prints a field: booleans as 1 or 0, numbers as integers */
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(found, prop);
	if (cJSON_IsString(v))
		fprintf(f, "%s\n", v->valuestring);
	else if (cJSON_IsBool(v))
		fprintf(f, "%d\n", cJSON_IsTrue(v) ? 1 : 0);
	else if (cJSON_IsNumber(v))
		fprintf(f, "%lld\n", jint(found, prop, 0, -TIME_MAX, TIME_MAX));
	else
		fprintf(f, "error, unknown property name\n");
	return 0;
}
