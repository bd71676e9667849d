/* ztrun controller network|member COMMAND HOME ...: managing a controller's networks and members from the
 * command line. Each command is one or a few calls of the controller's JSON API (stock's paths and fields),
 * made through conn.c (the running daemon, or in this process); -j prints the API's JSON as it came. */
#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "conn.h"
#include "fmt.h"
#include "log.h"
#include "manage.h"

#define MAX_LIST 256 /* --pool, --route, --v6, IPs */

enum { OK = 0, FAILED = 1, USAGE = 2 };

struct cli {
	struct zt_cli front; /* "ztrun controller network create" */
	const char *cmd;     /* "network create", for messages */
	const char *args; /* its usage after HOME */
	bool json;
	struct zt_ctlconn cc;
	bool open;
};

static const struct {
	const char *group, *name, *args, *what;
} commands[] = {
    {"network", "create",
     "[--name N] [--pool CIDR|FIRST-LAST]... [--route CIDR[,VIA]]... [--v6 rfc4193|6plane]... [--public]",
     "make a network (prints its ID)"},
    {"network", "list", "", "list networks"},
    {"network", "show", "NWID", "show a network"},
    {"network", "delete", "NWID", "delete a network and its members"},
    {"member", "list", "NWID", "list a network's members"},
    {"member", "show", "NWID ADDRESS", "show a member"},
    {"member", "authorize", "NWID ADDRESS", "let a node in (also before it has asked)"},
    {"member", "deauthorize", "NWID ADDRESS", "shut a node out (its certificates are revoked)"},
    {"member", "set-ip", "NWID ADDRESS IP...|--none", "give a member these IPs instead of its others"},
};

void zt_ctl_manage_usage(FILE *f)
{
	fprintf(f, "Management (works with the controller running or stopped; -j prints JSON):\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  ztrun controller %s %s [-j] HOME%s%s\n      %s\n", commands[i].group,
		        commands[i].name, commands[i].args[0] ? " " : "", commands[i].args, commands[i].what);
}

/* ---- Talking to the controller ------------------------------------------------------------------------ */

/* The API's {"error": "..."} text, or the status's meaning. */
static const char *error_text(int status, const char *response, char *buf, size_t cap)
{
	cJSON *j = response ? cJSON_Parse(response) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(e) && e->valuestring[0])
		snprintf(buf, cap, "%s", e->valuestring);
	else if (status == 401)
		snprintf(buf, cap,
		         "the controller refused HOME's " ZT_CTL_TOKEN_FILE
		         " (replaced while it runs? restart the controller)");
	else
		snprintf(buf, cap, "the controller answered %d", status);
	cJSON_Delete(j);
	return buf;
}

/* One call; answers other than 2xx become the one error line, naming what failed (`what`) and, for 404,
 * whether the network or the member is missing. Returns the JSON body (caller frees) or NULL. */
static char *call(struct cli *c, const char *what, const char *method, const char *path, const char *body,
                  const char *nwid, const char *member)
{
	int status;
	char *res;
	char why[512];
	if (zt_ctlconn_call(&c->cc, method, path, body, &status, &res) != 0)
		return NULL;
	if (status >= 200 && status < 300) {
		if (!res)
			res = strdup("{}");
		return res;
	}
	if (status == 404 && nwid) {
		bool net_missing = true;
		if (member) {
			char p[64], *r2 = NULL;
			int s2 = 0;
			snprintf(p, sizeof(p), "/controller/network/%s", nwid);
			net_missing = zt_ctlconn_call(&c->cc, "GET", p, NULL, &s2, &r2) == 0 && s2 == 404;
			free(r2);
		}
		if (net_missing)
			zt_log(
			    ZT_LOG_ERROR,
			    "cannot %s: no network %s here (ztrun controller network list HOME shows them)",
			    what, nwid);
		else
			zt_log(ZT_LOG_ERROR,
			       "cannot %s: network %s has no member %s (ztrun controller member list HOME %s "
			       "shows them)",
			       what, nwid, member, nwid);
	} else {
		zt_log(ZT_LOG_ERROR, "cannot %s: %s", what, error_text(status, res, why, sizeof(why)));
	}
	free(res);
	return NULL;
}

static void print_json(const char *text)
{
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		n--;
	printf("%.*s\n", (int)n, text);
}

/* ---- Arguments ------------------------------------------------------------------------------------------
 */

static bool hex_id(const char *s, size_t digits)
{
	if (strlen(s) != digits)
		return false;
	for (size_t i = 0; i < digits; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

static int usage_error(struct cli *c, const char *fmt, const char *arg)
{
	char msg[256];
	snprintf(msg, sizeof(msg), fmt, arg);
	zt_log(ZT_LOG_ERROR, "%s (usage: ztrun controller %s [-j] HOME%s%s)", msg, c->cmd,
	       c->args[0] ? " " : "", c->args);
	return USAGE;
}

/* Checks the positional arguments after HOME: NWID (and ADDRESS) where the command takes them. */
static int check_ids(struct cli *c, char **pos, int n, int need)
{
	static const char *const names[] = {"NWID", "ADDRESS"};
	if (n < need)
		return usage_error(c, "missing %s", names[n]);
	if (need >= 1 && !hex_id(pos[0], 16))
		return usage_error(c, "bad network ID '%s': not 16 hex digits", pos[0]);
	if (need >= 2 && !hex_id(pos[1], 10))
		return usage_error(c, "bad member address '%s': not 10 hex digits", pos[1]);
	return OK;
}

/* Parses an answer that must be JSON; says so if it is not. */
static cJSON *parse_answer(const char *what, const char *text)
{
	cJSON *j = cJSON_Parse(text);
	if (!j)
		zt_log(ZT_LOG_ERROR, "cannot %s: the controller's answer is not JSON", what);
	return j;
}

/* ---- The commands
 * ------------------------------------------------------------------------------------------ */

struct create_opts {
	cJSON *body, *pools, *routes;
	bool v4, v6, rfc4193, sixplane, pub;
	const char *name;
	char pool_routes[MAX_LIST][64];
	size_t n_pool_routes;
	char route_targets[MAX_LIST][64];
	size_t n_routes;
};

static int network_create(struct cli *c, const struct create_opts *o)
{
	cJSON *b = o->body;
	if (o->name)
		cJSON_AddStringToObject(b, "name", o->name);
	if (o->pub)
		cJSON_AddFalseToObject(b, "private");
	/* a pool's addresses reach members only inside a route: its CIDR is routed unless a route says so */
	for (size_t i = 0; i < o->n_pool_routes; i++) {
		bool have = false;
		for (size_t k = 0; k < o->n_routes; k++)
			have |= strcmp(o->route_targets[k], o->pool_routes[i]) == 0;
		for (size_t k = 0; k < i; k++)
			have |= strcmp(o->pool_routes[k], o->pool_routes[i]) == 0;
		if (!have) {
			cJSON *r = cJSON_CreateObject();
			cJSON_AddStringToObject(r, "target", o->pool_routes[i]);
			cJSON_AddNullToObject(r, "via");
			cJSON_AddItemToArray(o->routes, r);
		}
	}
	if (cJSON_GetArraySize(o->pools))
		cJSON_AddItemReferenceToObject(b, "ipAssignmentPools", o->pools);
	if (cJSON_GetArraySize(o->routes))
		cJSON_AddItemReferenceToObject(b, "routes", o->routes);
	if (o->v4) {
		cJSON *m = cJSON_AddObjectToObject(b, "v4AssignMode");
		cJSON_AddTrueToObject(m, "zt");
	}
	if (o->v6 || o->rfc4193 || o->sixplane) {
		cJSON *m = cJSON_AddObjectToObject(b, "v6AssignMode");
		cJSON_AddBoolToObject(m, "zt", o->v6);
		cJSON_AddBoolToObject(m, "rfc4193", o->rfc4193);
		cJSON_AddBoolToObject(m, "6plane", o->sixplane);
	}
	char *text = cJSON_PrintUnformatted(b);
	char *res =
	    text ? call(c, "create the network", "POST", "/controller/network", text, NULL, NULL) : NULL;
	free(text);
	if (!res)
		return FAILED;
	cJSON *j = c->json ? NULL : parse_answer("create the network", res);
	int ret = OK;
	if (c->json)
		print_json(res);
	else if (!j || !zt_ctl_str(j, "id", NULL))
		ret = FAILED;
	else
		printf("%s\n", zt_ctl_str(j, "id", ""));
	cJSON_Delete(j);
	free(res);
	return ret;
}

static int network_list(struct cli *c)
{
	char *res = call(c, "list networks", "GET", "/controller/network", NULL, NULL, NULL);
	if (!res)
		return FAILED;
	if (c->json) {
		print_json(res);
		free(res);
		return OK;
	}
	cJSON *ids = parse_answer("list networks", res), *e;
	free(res);
	if (!cJSON_IsArray(ids)) {
		cJSON_Delete(ids);
		return FAILED;
	}
	int ret = OK;
	cJSON_ArrayForEach(e, ids)
	{
		char path[64];
		if (!cJSON_IsString(e) || !hex_id(e->valuestring, 16))
			continue;
		snprintf(path, sizeof(path), "/controller/network/%s", e->valuestring);
		char *one = call(c, "read a network", "GET", path, NULL, NULL, NULL);
		cJSON *n = one ? cJSON_Parse(one) : NULL;
		free(one);
		if (!n) {
			ret = FAILED;
			break;
		}
		printf("%s  %-7s  %s\n", e->valuestring,
		       zt_ctl_bool(n, "private", true) ? "private" : "public", zt_ctl_str(n, "name", ""));
		cJSON_Delete(n);
	}
	cJSON_Delete(ids);
	return ret;
}

static int network_one(struct cli *c, const char *op, const char *nwid)
{
	char path[64], what[64];
	snprintf(path, sizeof(path), "/controller/network/%s", nwid);
	snprintf(what, sizeof(what), "%s network %s", op, nwid);
	bool del = strcmp(op, "delete") == 0;
	char *res = call(c, what, del ? "DELETE" : "GET", path, NULL, nwid, NULL);
	if (!res)
		return FAILED;
	int ret = OK;
	if (c->json) {
		print_json(res);
	} else if (!del) {
		cJSON *n = parse_answer(what, res);
		if (n)
			zt_ctl_print_network(n);
		ret = n ? OK : FAILED;
		cJSON_Delete(n);
	}
	free(res);
	return ret;
}

static int member_list(struct cli *c, const char *nwid)
{
	char path[96], what[64];
	snprintf(path, sizeof(path), "/controller/network/%s/member", nwid);
	snprintf(what, sizeof(what), "list members of network %s", nwid);
	char *res = call(c, what, "GET", path, NULL, nwid, NULL);
	if (!res)
		return FAILED;
	if (c->json) {
		print_json(res);
		free(res);
		return OK;
	}
	cJSON *map = parse_answer(what, res), *e;
	free(res);
	if (!cJSON_IsObject(map)) {
		cJSON_Delete(map);
		return FAILED;
	}
	int ret = OK;
	cJSON_ArrayForEach(e, map)
	{
		char ips[4096];
		if (!e->string || !hex_id(e->string, 10))
			continue;
		snprintf(path, sizeof(path), "/controller/network/%s/member/%s", nwid, e->string);
		char *one = call(c, "read a member", "GET", path, NULL, nwid, e->string);
		cJSON *m = one ? cJSON_Parse(one) : NULL;
		free(one);
		if (!m) {
			ret = FAILED;
			break;
		}
		zt_ctl_join_strings(cJSON_GetObjectItemCaseSensitive(m, "ipAssignments"), ips, sizeof(ips));
		printf("%s  %-12s  %s%s%s\n", e->string,
		       zt_ctl_bool(m, "authorized", false) ? "authorized" : "unauthorized", ips,
		       zt_ctl_str(m, "name", "")[0] ? "  " : "", zt_ctl_str(m, "name", ""));
		cJSON_Delete(m);
	}
	cJSON_Delete(map);
	return ret;
}

/* show, authorize, deauthorize, set-ip: one GET or POST of the member. */
static int member_one(struct cli *c, const char *op, const char *nwid, const char *addr, const char *body)
{
	char path[96], what[96];
	snprintf(path, sizeof(path), "/controller/network/%s/member/%s", nwid, addr);
	snprintf(what, sizeof(what), "%s member %s of network %s", op, addr, nwid);
	char *res = call(c, what, body ? "POST" : "GET", path, body, nwid, addr);
	if (!res)
		return FAILED;
	int ret = OK;
	if (c->json) {
		print_json(res);
	} else if (!body) {
		cJSON *m = parse_answer(what, res);
		if (m)
			zt_ctl_print_member(m, nwid);
		ret = m ? OK : FAILED;
		cJSON_Delete(m);
	}
	free(res);
	return ret;
}

/* Stock stores any IP but gives a member only those inside one of the network's routes: say so. */
static void warn_unrouted(struct cli *c, const char *nwid, char **ips, int n)
{
	char path[64], *res = NULL;
	int status = 0;
	snprintf(path, sizeof(path), "/controller/network/%s", nwid);
	if (zt_ctlconn_call(&c->cc, "GET", path, NULL, &status, &res) != 0 || status != 200) {
		free(res);
		return;
	}
	cJSON *net = cJSON_Parse(res);
	free(res);
	for (int i = 0; i < n; i++) {
		bool routed = false;
		const cJSON *r;
		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(net, "routes"))
		{
			routed |= zt_ctl_cidr_contains(zt_ctl_str(r, "target", ""), ips[i]);
		}
		if (!routed)
			zt_log(ZT_LOG_WARN,
			       "warning: %s is in no route of network %s: the member does not get it (add a "
			       "route "
			       "that contains it)",
			       ips[i], nwid);
	}
	cJSON_Delete(net);
}

/* set-ip's addresses, checked here so a typo is a usage error, not a round trip. */
static char *ip_list_body(struct cli *c, char **ips, int n, int *ret)
{
	cJSON *b = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(b, "ipAssignments");
	for (int i = 0; i < n; i++) {
		uint8_t ip[16];
		if (inet_pton(AF_INET, ips[i], ip) != 1 && inet_pton(AF_INET6, ips[i], ip) != 1) {
			*ret = usage_error(c, "bad IP '%s' (an IPv4 or IPv6 address, without /bits)", ips[i]);
			cJSON_Delete(b);
			return NULL;
		}
		cJSON_AddItemToArray(arr, cJSON_CreateString(ips[i]));
	}
	char *text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	return text;
}

static int parse_create_opt(struct cli *c, int opt, struct create_opts *o)
{
	char route[64];
	switch (opt) {
	case 'n':
		o->name = optarg;
		return OK;
	case 'P':
		if (o->n_pool_routes == MAX_LIST ||
		    zt_ctl_parse_pool(optarg, o->pools, &o->v4, &o->v6, route, sizeof(route)) != 0)
			return usage_error(
			    c, "bad --pool '%s' (a CIDR such as 10.147.20.0/24, or FIRST-LAST)", optarg);
		if (route[0])
			snprintf(o->pool_routes[o->n_pool_routes++], 64, "%s", route);
		return OK;
	case 'R':
		if (o->n_routes == MAX_LIST ||
		    zt_ctl_parse_route(optarg, o->routes, o->route_targets[o->n_routes], 64) != 0)
			return usage_error(
			    c, "bad --route '%s' (a CIDR, optionally ,VIA: 10.0.0.0/8,10.147.20.1)", optarg);
		o->n_routes++;
		return OK;
	case '6':
		if (strcmp(optarg, "rfc4193") == 0)
			o->rfc4193 = true;
		else if (strcmp(optarg, "6plane") == 0)
			o->sixplane = true;
		else
			return usage_error(c, "bad --v6 '%s' (rfc4193 or 6plane)", optarg);
		return OK;
	case 'p':
		o->pub = true;
		return OK;
	}
	return USAGE;
}

static int run_command(struct cli *c, const char *group, const char *name, int argc, char **argv)
{
	static const struct option create_longopts[] = {
	    ZT_CLI_LOG_OPTIONS,
	    {"json", no_argument, NULL, 'j'},       {"name", required_argument, NULL, 'n'},
	    {"pool", required_argument, NULL, 'P'}, {"route", required_argument, NULL, 'R'},
	    {"v6", required_argument, NULL, '6'},   {"public", no_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	static const struct option longopts[] = {ZT_CLI_LOG_OPTIONS,
	                                         {"json", no_argument, NULL, 'j'},
	                                         {"none", no_argument, NULL, 'N'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	static struct create_opts co;
	bool create = strcmp(group, "network") == 0 && strcmp(name, "create") == 0;
	bool set_ip = strcmp(name, "set-ip") == 0, none = false;
	int opt, ret = OK;
	memset(&co, 0, sizeof(co));
	co.body = cJSON_CreateObject();
	co.pools = cJSON_CreateArray();
	co.routes = cJSON_CreateArray();
	zt_cli_next(&c->front, name);
	while ((opt = zt_cli_getopt(&c->front, argc, argv, "jvqh", create ? create_longopts : longopts)) != -1) {
		if (opt == 'j') {
			c->json = true;
		} else if (opt == 'h') {
			printf("Usage: ztrun controller %s [-j] HOME%s%s\n", c->cmd, c->args[0] ? " " : "",
			       c->args);
			goto out;
		} else if (opt == 'N' && set_ip) {
			none = true;
		} else if (opt == '?') {
			ret = USAGE;
			goto out;
		} else if (opt == 'N') {
			zt_log(ZT_LOG_ERROR, "bad option '--none': only member set-ip takes it (see %s --help)",
			       c->front.name);
			ret = USAGE;
			goto out;
		} else if ((ret = parse_create_opt(c, opt, &co)) != OK) {
			goto out;
		}
	}
	zt_cli_set_log_level(&c->front);
	if (optind == argc) {
		ret = usage_error(c, "missing %s", "HOME");
		goto out;
	}
	const char *home = argv[optind++];
	char **pos = argv + optind;
	int npos = argc - optind;
	int need = strcmp(group, "member") == 0 ? (strcmp(name, "list") == 0 ? 1 : 2)
	                                        : (create || strcmp(name, "list") == 0 ? 0 : 1);
	if ((ret = check_ids(c, pos, npos, need)) != OK)
		goto out;
	char *body = NULL;
	if (set_ip) {
		if (npos == need && !none) {
			ret = usage_error(c, "missing %s (or --none to remove all)", "IP");
			goto out;
		}
		if (none && npos > need) {
			ret = usage_error(c, "--none and IPs exclude each other (got '%s')", pos[need]);
			goto out;
		}
		if (!(body = ip_list_body(c, pos + need, npos - need, &ret)))
			goto out;
	} else if (npos > need) {
		ret = usage_error(c, "unexpected argument '%s'", pos[need]);
		goto out;
	}
	if (zt_ctlconn_open(&c->cc, home) != 0) {
		free(body);
		ret = FAILED;
		goto out;
	}
	c->open = true;
	if (create)
		ret = network_create(c, &co);
	else if (strcmp(group, "network") == 0 && strcmp(name, "list") == 0)
		ret = network_list(c);
	else if (strcmp(group, "network") == 0)
		ret = network_one(c, name, pos[0]);
	else if (strcmp(name, "list") == 0)
		ret = member_list(c, pos[0]);
	else if (strcmp(name, "show") == 0)
		ret = member_one(c, "show", pos[0], pos[1], NULL);
	else if (set_ip && (ret = member_one(c, "set IPs of", pos[0], pos[1], body)) == OK)
		warn_unrouted(c, pos[0], pos + need, npos - need);
	else
		ret = member_one(c, name, pos[0], pos[1],
		                 strcmp(name, "authorize") == 0 ? "{\"authorized\":true}"
		                                                : "{\"authorized\":false}");
	free(body);
out:
	cJSON_Delete(co.body);
	cJSON_Delete(co.pools);
	cJSON_Delete(co.routes);
	return ret;
}

int zt_ctl_manage_main(int argc, char **argv)
{
	const char *group = argv[0];
	struct cli c = {0};
	char cmd[64];
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		if (argc < 2) {
			zt_log(ZT_LOG_ERROR, "missing %s COMMAND (see ztrun controller --help)", group);
			return USAGE;
		}
		zt_ctl_manage_usage(stdout);
		return OK;
	}
	size_t i;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].group, group) == 0 && strcmp(commands[i].name, argv[1]) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		zt_log(ZT_LOG_ERROR, "bad %s command '%s' (see ztrun controller --help)", group, argv[1]);
		return USAGE;
	}
	snprintf(cmd, sizeof(cmd), "%s %s", group, argv[1]);
	zt_cli_begin(&c.front, "ztrun controller");
	zt_cli_next(&c.front, group);
	c.cmd = cmd;
	c.args = commands[i].args;
	int ret = run_command(&c, group, argv[1], argc - 1, argv + 1);
	if (c.open)
		zt_ctlconn_close(&c.cc);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		zt_log(ZT_LOG_ERROR, "cannot write to standard output: %s", strerror(errno));
		return FAILED;
	}
	return ret;
}
