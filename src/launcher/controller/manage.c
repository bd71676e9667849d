/* ztrun controller network|member|token COMMAND HOME ...: managing a controller's networks, members and join
 * tokens (token.c) from the command line. Each command is one or a few calls of the controller's JSON API
 * (stock's paths and fields, or our token extension), made through conn.c (the running daemon, or in this
 * process); -j prints the API's JSON as it came. */
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
#include "json.h"
#include "log.h"
#include "vl1/identity.h"
#include "manage.h"
#include "manage_int.h"

/* A command: its options, how many of NWID and ADDRESS it takes after HOME, and its work once the
 * controller is reached (pos: the arguments after HOME, already checked). */
struct manage_cmd {
	const char *group, *name;
	int (*fn)(struct cli *c, char **pos, int npos);
	int ids;                                         /* 0: none, 1: NWID, 2: NWID ADDRESS */
	int (*check)(struct cli *c, char **more, int n); /* OPTIONAL: the arguments after those */
	const struct option *longopts;
	const char *args, *what;
};

static int network_create(struct cli *c, char **pos, int npos);
static int network_list(struct cli *c, char **pos, int npos);
static int network_show(struct cli *c, char **pos, int npos);
static int network_delete(struct cli *c, char **pos, int npos);
static int member_list(struct cli *c, char **pos, int npos);
static int member_show(struct cli *c, char **pos, int npos);
static int member_authorize(struct cli *c, char **pos, int npos);
static int member_deauthorize(struct cli *c, char **pos, int npos);
static int member_set_ip(struct cli *c, char **pos, int npos);
static int check_ips(struct cli *c, char **ips, int n);

/* Every management command takes -v, -q, -j and -h; these are its own options besides. */
/* clang-format off */
#define MANAGE_OPTIONS(...)                                                                                  \
	{ZT_CLI_LOG_OPTIONS, {"json", no_argument, NULL, 'j'}, __VA_ARGS__{"help", no_argument, NULL, 'h'}, {0}}
/* clang-format on */
static const struct option plain_options[] = MANAGE_OPTIONS();
static const struct option create_options[] =
    MANAGE_OPTIONS({"name", required_argument, NULL, 'n'}, {"pool", required_argument, NULL, 'P'},
                   {"route", required_argument, NULL, 'R'}, {"v6", required_argument, NULL, '6'},
                   {"public", no_argument, NULL, 'p'}, );
static const struct option set_ip_options[] = MANAGE_OPTIONS({"none", no_argument, NULL, 'N'}, );
static const struct option token_create_options[] =
    MANAGE_OPTIONS({"uses", required_argument, NULL, 'U'}, {"expires", required_argument, NULL, 'X'},
                   {"ip-pool", required_argument, NULL, 'I'}, {"name", required_argument, NULL, 'L'}, );

static const struct manage_cmd commands[] = {
    {"network", "create", network_create, 0, NULL, create_options,
     "[--name N] [--pool CIDR|FIRST-LAST]... [--route CIDR[,VIA]]... [--v6 rfc4193|6plane]... [--public]",
     "make a network (prints its ID)"},
    {"network", "list", network_list, 0, NULL, plain_options, "", "list networks"},
    {"network", "show", network_show, 1, NULL, plain_options, "NWID", "show a network"},
    {"network", "delete", network_delete, 1, NULL, plain_options, "NWID", "delete a network and its members"},
    {"member", "list", member_list, 1, NULL, plain_options, "NWID", "list a network's members"},
    {"member", "show", member_show, 2, NULL, plain_options, "NWID ADDRESS", "show a member"},
    {"member", "authorize", member_authorize, 2, NULL, plain_options, "NWID ADDRESS",
     "let a node in (also before it has asked)"},
    {"member", "deauthorize", member_deauthorize, 2, NULL, plain_options, "NWID ADDRESS",
     "shut a node out (its certificates are revoked)"},
    {"member", "set-ip", member_set_ip, 2, check_ips, set_ip_options, "NWID ADDRESS IP...|--none",
     "give a member these IPs instead of its others"},
    {"token", "create", zt_ctl_token_create, 1, NULL, token_create_options,
     "NWID [--uses N|unlimited] [--expires DURATION] [--ip-pool CIDR] [--name LABEL]",
     "make a join token (printed once; nodes that show it are authorized)"},
    {"token", "list", zt_ctl_token_list, 1, NULL, plain_options, "NWID",
     "list a network's join tokens: uses left, expiry, who used them"},
    {"token", "revoke", zt_ctl_token_revoke, 1, zt_ctl_token_check_name, plain_options, "NWID NAME",
     "refuse a join token from now on (members it let in stay)"},
};

void zt_ctl_manage_usage(FILE *f)
{
	fprintf(f, "Management (works with the controller running or stopped; -j prints JSON):\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  ztrun controller %s %s [-j] HOME%s%s\n      %s\n", commands[i].group,
		        commands[i].name, commands[i].args[0] ? " " : "", commands[i].args, commands[i].what);
}

/* ---- Talking to the controller ------------------------------------------------------------------------ */

static void print_json(const char *text)
{
	size_t n = strlen(text);
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		n--;
	printf("%.*s\n", (int)n, text);
}

/* Parses an answer that must be JSON; says so if it is not. */
static cJSON *parse_answer(const char *what, const char *text)
{
	cJSON *j = zt_json_parse_text(text);
	if (!j)
		zt_log(ZT_LOG_ERROR, "cannot %s: the controller's answer is not JSON", what);
	return j;
}

int zt_ctl_ask(struct cli *c, const char *what, const char *method, const char *path, const char *body,
               const char *nwid, const char *addr, cJSON **answer)
{
	if (answer)
		*answer = NULL;
	char *res = zt_ctlconn_ask(&c->cc, what, method, path, body, nwid, addr);
	if (!res)
		return FAILED;
	if (c->json)
		print_json(res);
	else if (answer)
		*answer = parse_answer(what, res);
	free(res);
	return OK;
}

/* ---- Arguments ------------------------------------------------------------------------------------ */

static bool hex_id(const char *s, size_t digits)
{
	uint64_t unused;
	return zt_hex_parse(s, digits, &unused);
}

int zt_ctl_usage_error(struct cli *c, const char *fmt, const char *arg)
{
	char msg[256];
	snprintf(msg, sizeof(msg), fmt, arg);
	zt_log(ZT_LOG_ERROR, "%s (usage: ztrun controller %s %s [-j] HOME%s%s)", msg, c->cmd->group,
	       c->cmd->name, c->cmd->args[0] ? " " : "", c->cmd->args);
	return USAGE;
}

/* Checks the positional arguments after HOME: NWID (and ADDRESS) where the command takes them. */
static int check_ids(struct cli *c, char **pos, int n, int need)
{
	static const char *const names[] = {"NWID", "ADDRESS"};
	if (n < need)
		return zt_ctl_usage_error(c, "missing %s", names[n]);
	if (need >= 1 && !hex_id(pos[0], 16))
		return zt_ctl_usage_error(c, "bad network ID '%s': not 16 hex digits", pos[0]);
	if (need >= 2 && !hex_id(pos[1], 10))
		return zt_ctl_usage_error(c, "bad member address '%s': not 10 hex digits", pos[1]);
	return OK;
}

/* ---- The commands --------------------------------------------------------------------------------- */

static int network_create(struct cli *c, char **pos, int npos)
{
	const struct create_opts *o = c->co;
	cJSON *b = o->body;
	(void)pos;
	(void)npos;
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
	cJSON *j;
	int ret = text ? zt_ctl_ask(c, "create the network", "POST", "/controller/network", text, NULL, NULL, &j)
	               : FAILED;
	free(text);
	if (ret != OK || c->json)
		return ret;
	if (!zt_ctl_str(j, "id", NULL))
		ret = FAILED;
	else
		printf("%s\n", zt_ctl_str(j, "id", ""));
	cJSON_Delete(j);
	return ret;
}

static int network_list(struct cli *c, char **pos, int npos)
{
	(void)pos;
	(void)npos;
	cJSON *ids, *e;
	int ret = zt_ctl_ask(c, "list networks", "GET", "/controller/network", NULL, NULL, NULL, &ids);
	if (ret != OK || c->json)
		return ret;
	if (!cJSON_IsArray(ids)) {
		cJSON_Delete(ids);
		return FAILED;
	}
	cJSON_ArrayForEach(e, ids)
	{
		char path[64];
		if (!cJSON_IsString(e) || !hex_id(e->valuestring, 16))
			continue;
		snprintf(path, sizeof(path), "/controller/network/%s", e->valuestring);
		char *one = zt_ctlconn_ask(&c->cc, "read a network", "GET", path, NULL, NULL, NULL);
		cJSON *n = one ? zt_json_parse_text(one) : NULL;
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
	cJSON *n;
	int ret = zt_ctl_ask(c, what, del ? "DELETE" : "GET", path, NULL, nwid, NULL, del ? NULL : &n);
	if (ret != OK || c->json || del)
		return ret;
	if (n)
		zt_ctl_print_network(n);
	ret = n ? OK : FAILED;
	cJSON_Delete(n);
	return ret;
}

static int network_show(struct cli *c, char **pos, int npos)
{
	(void)npos;
	return network_one(c, "show", pos[0]);
}

static int network_delete(struct cli *c, char **pos, int npos)
{
	(void)npos;
	return network_one(c, "delete", pos[0]);
}

static int member_list(struct cli *c, char **pos, int npos)
{
	const char *nwid = pos[0];
	(void)npos;
	char path[96], what[64];
	snprintf(path, sizeof(path), "/controller/network/%s/member", nwid);
	snprintf(what, sizeof(what), "list members of network %s", nwid);
	cJSON *map, *e;
	int ret = zt_ctl_ask(c, what, "GET", path, NULL, nwid, NULL, &map);
	if (ret != OK || c->json)
		return ret;
	if (!cJSON_IsObject(map)) {
		cJSON_Delete(map);
		return FAILED;
	}
	cJSON_ArrayForEach(e, map)
	{
		char ips[4096];
		if (!e->string || !hex_id(e->string, 10))
			continue;
		snprintf(path, sizeof(path), "/controller/network/%s/member/%s", nwid, e->string);
		char *one = zt_ctlconn_ask(&c->cc, "read a member", "GET", path, NULL, nwid, e->string);
		cJSON *m = one ? zt_json_parse_text(one) : NULL;
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
	cJSON *m;
	int ret = zt_ctl_ask(c, what, body ? "POST" : "GET", path, body, nwid, addr, body ? NULL : &m);
	if (ret != OK || c->json || body)
		return ret;
	if (m)
		zt_ctl_print_member(m, nwid);
	ret = m ? OK : FAILED;
	cJSON_Delete(m);
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
	cJSON *net = zt_json_parse_text(res);
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

static int member_show(struct cli *c, char **pos, int npos)
{
	(void)npos;
	return member_one(c, "show", pos[0], pos[1], NULL);
}

static int member_authorize(struct cli *c, char **pos, int npos)
{
	(void)npos;
	return member_one(c, "authorize", pos[0], pos[1], "{\"authorized\":true}");
}

static int member_deauthorize(struct cli *c, char **pos, int npos)
{
	(void)npos;
	return member_one(c, "deauthorize", pos[0], pos[1], "{\"authorized\":false}");
}

static int member_set_ip(struct cli *c, char **pos, int npos)
{
	int ret = member_one(c, "set IPs of", pos[0], pos[1], c->body);
	if (ret == OK)
		warn_unrouted(c, pos[0], pos + 2, npos - 2);
	return ret;
}

/* set-ip's addresses (or --none), checked here so a typo is a usage error, not a round trip; the request
 * is made in c->body. */
static int check_ips(struct cli *c, char **ips, int n)
{
	if (n == 0 && !c->none)
		return zt_ctl_usage_error(c, "missing %s (or --none to remove all)", "IP");
	if (c->none && n > 0)
		return zt_ctl_usage_error(c, "--none and IPs exclude each other (got '%s')", ips[0]);
	cJSON *b = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(b, "ipAssignments");
	for (int i = 0; i < n; i++) {
		uint8_t ip[16];
		if (inet_pton(AF_INET, ips[i], ip) != 1 && inet_pton(AF_INET6, ips[i], ip) != 1) {
			cJSON_Delete(b);
			return zt_ctl_usage_error(c, "bad IP '%s' (an IPv4 or IPv6 address, without /bits)", ips[i]);
		}
		cJSON_AddItemToArray(arr, cJSON_CreateString(ips[i]));
	}
	c->body = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	return c->body ? OK : FAILED;
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
			return zt_ctl_usage_error(
			    c, "bad --pool '%s' (a CIDR such as 10.147.20.0/24, or FIRST-LAST)", optarg);
		if (route[0])
			snprintf(o->pool_routes[o->n_pool_routes++], 64, "%s", route);
		return OK;
	case 'R':
		if (o->n_routes == MAX_LIST ||
		    zt_ctl_parse_route(optarg, o->routes, o->route_targets[o->n_routes], 64) != 0)
			return zt_ctl_usage_error(
			    c, "bad --route '%s' (a CIDR, optionally ,VIA: 10.0.0.0/8,10.147.20.1)", optarg);
		o->n_routes++;
		return OK;
	case '6':
		if (strcmp(optarg, "rfc4193") == 0)
			o->rfc4193 = true;
		else if (strcmp(optarg, "6plane") == 0)
			o->sixplane = true;
		else
			return zt_ctl_usage_error(c, "bad --v6 '%s' (rfc4193 or 6plane)", optarg);
		return OK;
	case 'p':
		o->pub = true;
		return OK;
	}
	return USAGE;
}

/* The command's options, then HOME and the arguments after it, checked before HOME is opened. */
static int run_command(struct cli *c, int argc, char **argv)
{
	const struct manage_cmd *cmd = c->cmd;
	int opt, ret;

	zt_cli_next(&c->front, cmd->name);
	while ((opt = zt_cli_getopt(&c->front, argc, argv, "jvqh", cmd->longopts)) != -1) {
		if (opt == 'j') {
			c->json = true;
		} else if (opt == 'h') {
			printf("Usage: ztrun controller %s %s [-j] HOME%s%s\n", cmd->group, cmd->name,
			       cmd->args[0] ? " " : "", cmd->args);
			return OK;
		} else if (opt == 'N') {
			c->none = true;
		} else if (opt == '?') {
			return USAGE;
		} else if (strchr("UXIL", opt)) {
			if ((ret = zt_ctl_token_opt(c, opt, optarg)) != OK)
				return ret;
		} else if ((ret = parse_create_opt(c, opt, c->co)) != OK) {
			return ret;
		}
	}
	zt_cli_set_log_level(&c->front);
	if (optind == argc)
		return zt_ctl_usage_error(c, "missing %s", "HOME");
	const char *home = argv[optind++];
	char **pos = argv + optind;
	int npos = argc - optind;
	if ((ret = check_ids(c, pos, npos, cmd->ids)) != OK)
		return ret;
	if (cmd->check && (ret = cmd->check(c, pos + cmd->ids, npos - cmd->ids)) != OK)
		return ret;
	if (!cmd->check && npos > cmd->ids)
		return zt_ctl_usage_error(c, "unexpected argument '%s'", pos[cmd->ids]);
	if (zt_ctlconn_open(&c->cc, home) != 0)
		return FAILED;
	c->open = true;
	return cmd->fn(c, pos, npos);
}

int zt_ctl_manage_main(int argc, char **argv, const struct zt_cli *front)
{
	static struct create_opts co;
	struct token_opts to = {.uses = -1};
	const char *group = argv[0];
	struct cli c = {.co = &co, .to = &to};
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		if (argc < 2) {
			zt_log(ZT_LOG_ERROR, "missing %s COMMAND (see ztrun controller --help)", group);
			return USAGE;
		}
		zt_ctl_manage_usage(stdout);
		return OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]) && !c.cmd; i++)
		if (strcmp(commands[i].group, group) == 0 && strcmp(commands[i].name, argv[1]) == 0)
			c.cmd = &commands[i];
	if (!c.cmd) {
		zt_log(ZT_LOG_ERROR, "bad %s command '%s' (see ztrun controller --help)", group, argv[1]);
		return USAGE;
	}
	memset(&co, 0, sizeof(co));
	co.body = cJSON_CreateObject();
	co.pools = cJSON_CreateArray();
	co.routes = cJSON_CreateArray();
	c.front = *front;
	zt_cli_next(&c.front, group);
	int ret = run_command(&c, argc - 1, argv + 1);
	if (c.open)
		zt_ctlconn_close(&c.cc);
	free(c.body);
	cJSON_Delete(co.body);
	cJSON_Delete(co.pools);
	cJSON_Delete(co.routes);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		zt_log(ZT_LOG_ERROR, "cannot write to standard output: %s", strerror(errno));
		return FAILED;
	}
	return ret;
}
