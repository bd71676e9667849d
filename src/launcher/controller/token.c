/* ztrun controller token create|list|revoke HOME NWID ...: join tokens (the core's controller.h, JOIN
 * TOKENS), through our API extension /ztrun/controller/network/<nwid>/token. */
#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "log.h"
#include "manage_int.h"

#define MAX_USES 1000000000000LL

/* "90" (seconds), "90s", "15m", "2h", "7d", "2w": ms, or -1. */
static long long parse_duration(const char *s)
{
	static const struct {
		char unit;
		long long ms;
	} units[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}, {'w', 7 * 86400000LL}};
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	long long mult = 1000;
	if (end == s || errno || v <= 0 || s[0] == '+' || s[0] == ' ')
		return -1;
	if (*end) {
		mult = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (end[0] == units[i].unit && !end[1])
				mult = units[i].ms;
		if (!mult)
			return -1;
	}
	if (v > 100LL * 365 * 86400000 / mult)
		return -1; /* a century at most */
	return v * mult;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!alnum && (i == 0 || !strchr("._-", c)))
			return false;
	}
	return true;
}

int zt_ctl_token_opt(struct cli *c, int opt, const char *arg)
{
	struct token_opts *o = c->to;
	char *end;
	switch (opt) {
	case 'U':
		if (strcmp(arg, "unlimited") == 0) {
			o->uses = 0;
			return OK;
		}
		errno = 0;
		o->uses = strtoll(arg, &end, 10);
		if (*end || end == arg || errno || o->uses < 1 || o->uses > MAX_USES || arg[0] == '+')
			return zt_ctl_usage_error(c, "bad --uses '%s' (a count of 1 or more, or unlimited)", arg);
		return OK;
	case 'X':
		if ((o->expires_ms = parse_duration(arg)) < 0)
			return zt_ctl_usage_error(
			    c, "bad --expires '%s' (a duration: 90s, 15m, 12h, 7d, 2w; seconds without a unit)",
			    arg);
		return OK;
	case 'I':
		if (!strchr(arg, '/'))
			return zt_ctl_usage_error(c, "bad --ip-pool '%s' (a CIDR such as 10.147.20.0/24)", arg);
		o->pool = arg;
		return OK;
	case 'L':
		if (!name_ok(arg))
			return zt_ctl_usage_error(
			    c, "bad --name '%s' (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)", arg);
		o->name = arg;
		return OK;
	}
	return USAGE;
}

int zt_ctl_token_check_name(struct cli *c, char **more, int n)
{
	if (n == 0)
		return zt_ctl_usage_error(c, "missing %s", "NAME");
	if (n > 1)
		return zt_ctl_usage_error(c, "unexpected argument '%s'", more[1]);
	if (!name_ok(more[0]))
		return zt_ctl_usage_error(c, "bad token name '%s'", more[0]);
	return OK;
}

int zt_ctl_token_create(struct cli *c, char **pos, int npos)
{
	const struct token_opts *o = c->to;
	const char *nwid = pos[0];
	char path[96], what[96];
	(void)npos;
	cJSON *b = cJSON_CreateObject();
	if (!b)
		return FAILED;
	if (o->name)
		cJSON_AddStringToObject(b, "name", o->name);
	cJSON_AddNumberToObject(b, "maxUses", (double)(o->uses < 0 ? 1 : o->uses));
	if (o->expires_ms)
		cJSON_AddNumberToObject(b, "expiresIn", (double)o->expires_ms);
	if (o->pool)
		cJSON_AddStringToObject(b, "ipPool", o->pool);
	char *body = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	if (!body)
		return FAILED;
	snprintf(path, sizeof(path), "/ztrun/controller/network/%s/token", nwid);
	snprintf(what, sizeof(what), "make a join token for network %s", nwid);
	cJSON *j;
	int ret = zt_ctl_ask(c, what, "POST", path, body, nwid, NULL, &j);
	free(body);
	if (ret != OK || c->json)
		return ret;
	const char *token = zt_ctl_str(j, "token", NULL);
	if (token)
		printf("%s\n", token); /* shown this once: only its hash is stored */
	else
		ret = FAILED;
	cJSON_Delete(j);
	return ret;
}

static void format_time(double ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (ms <= 0 || !gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "-");
}

static void print_token(const cJSON *t)
{
	char exp[32], when[32], uses[64];
	const cJSON *u;
	double max = zt_ctl_num(t, "maxUses", 0), used = zt_ctl_num(t, "useCount", 0);
	format_time(zt_ctl_num(t, "expires", 0), exp, sizeof(exp));
	if (max > 0)
		snprintf(uses, sizeof(uses), "%.0f of %.0f used", used, max);
	else
		snprintf(uses, sizeof(uses), "%.0f used (unlimited)", used);
	printf("%s  %s  %s  expires %s  pool %s  refused %.0f\n", zt_ctl_str(t, "name", "?"),
	       zt_ctl_str(t, "state", "?"), uses, exp, zt_ctl_str(t, "ipPool", "-"),
	       zt_ctl_num(t, "refusedCount", 0));
	cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(t, "usedBy"))
	{
		format_time(zt_ctl_num(u, "time", 0), when, sizeof(when));
		printf("    used by %s at %s\n", zt_ctl_str(u, "address", "?"), when);
	}
}

int zt_ctl_token_list(struct cli *c, char **pos, int npos)
{
	const char *nwid = pos[0];
	char path[96], what[96];
	(void)npos;
	snprintf(path, sizeof(path), "/ztrun/controller/network/%s/token", nwid);
	snprintf(what, sizeof(what), "list the join tokens of network %s", nwid);
	cJSON *j, *t;
	int ret = zt_ctl_ask(c, what, "GET", path, NULL, nwid, NULL, &j);
	if (ret != OK || c->json)
		return ret;
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
	if (!cJSON_IsArray(data)) {
		cJSON_Delete(j);
		return FAILED;
	}
	cJSON_ArrayForEach(t, data)
	{
		print_token(t);
	}
	double unknown = zt_ctl_num(cJSON_GetObjectItemCaseSensitive(j, "meta"), "refusedUnknownToken", 0);
	if (unknown > 0)
		printf("refused since the controller started: %.0f request%s with a token that is none of these\n",
		       unknown, unknown == 1 ? "" : "s");
	cJSON_Delete(j);
	return OK;
}

int zt_ctl_token_revoke(struct cli *c, char **pos, int npos)
{
	const char *nwid = pos[0], *name = pos[1];
	char path[160], what[160];
	(void)npos;
	snprintf(path, sizeof(path), "/ztrun/controller/network/%s/token/%s", nwid, name);
	snprintf(what, sizeof(what), "revoke join token %s of network %s", name, nwid);
	return zt_ctl_ask(c, what, "DELETE", path, NULL, nwid, NULL, NULL);
}
