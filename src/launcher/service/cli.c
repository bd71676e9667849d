/* ztrun cli: zerotier-cli for a ztrun service (or a zerotier-one): the same commands, columns, JSON and
 * exit statuses, over the node's local API on 127.0.0.1, with the port and token found in HOME, and only
 * after checking that the listener is the process that holds HOME. */
#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "cli_fmt.h"
#include "localapi.h"
#include "home.h"
#include "json.h"
#include "log.h"
#include "subcommands.h"
#include "vl1/crypto.h"
#include "vl1/identity.h"

#define USAGE "ztrun cli [-D HOME] [-j] COMMAND [ARG...]"

static void print_help(FILE *f)
{
	fprintf(f, "Usage: " USAGE "\n"
	           "\n"
	           "Talks to the ztrun service (or zerotier-one) of HOME as zerotier-cli does, over its local\n"
	           "API on 127.0.0.1 (port from HOME/zerotier-one.port, token from HOME/authtoken.secret).\n"
	           "\n"
	           "Commands:\n"
	           "  info                        the node's address, version and ONLINE/OFFLINE\n"
	           "  listnetworks                joined networks; <dev> is the network's control socket\n"
	           "                              (ZT_NC_NETWORK for the apps to attach)\n"
	           "  listpeers, peers            the peers and their paths\n"
	           "  join NWID, leave NWID       join or leave a network (the service remembers it)\n"
	           "  get NWID PROPERTY           a field of listnetworks -j, or ip, ip4, ip6\n"
	           "  set NWID SETTING=VALUE      allowManaged, allowGlobal, allowDefault, allowDNS\n"
	           "  /PATH                       GET any API path and print its JSON\n"
	           "\n"
	           "Options:\n"
	           "  -D HOME         the service's home (default $ZTRUN_HOME, $XDG_DATA_HOME/ztrun or\n"
	           "                  ~/.local/share/ztrun)\n"
	           "  -j              print the API's JSON\n"
	           "  -p PORT         the API's port (default: from HOME)\n"
	           "  -T TOKEN        the token (default: from HOME)\n"
	           "  -v, --verbose   say more (twice: debug); overrides ZTRUN_LOG\n"
	           "  -q, --quiet     print errors only; overrides ZTRUN_LOG\n"
	           "  -h, --help      print this help\n"
	           "Exit status: 0, 1 when the service answered with an error or cannot be reached, 2 for bad\n"
	           "usage.\n");
}

struct cli {
	struct zt_api_client api;
	bool json;
	const char *cmd;
};

/* One GET/POST/DELETE; prints stock's "<status> <command> <body>" line for an error answer. Returns the
 * parsed JSON of a 200 (caller deletes), or NULL with *ret set. */
static cJSON *call(struct cli *c, const char *method, const char *path, const char *body, char **raw, int *ret)
{
	int status = 0;
	char *resp = NULL;
	int err = zt_api_call(&c->api, method, path, body, &status, &resp);
	*ret = ZT_EXIT_FAILURE;
	if (err) {
		if (err == -EPERM)
			zt_log(ZT_LOG_ERROR,
			       "refusing to talk to 127.0.0.1:%u: the process listening there is not the "
			       "service of this home (process %d); the token was not sent",
			       c->api.port, (int)c->api.owner);
		else if (err == -EACCES)
			zt_log(ZT_LOG_ERROR,
			       "cannot check who listens on 127.0.0.1:%u: %s (run this as the service's user)",
			       c->api.port, strerror(-err));
		else
			zt_log(ZT_LOG_ERROR, "cannot talk to the service on 127.0.0.1:%u: %s", c->api.port,
			       err == -EPROTO ? "not an HTTP answer" : strerror(-err));
		return NULL;
	}
	if (status != 200) {
		printf("%d %s %s\n", status, c->cmd, resp ? resp : "");
		free(resp);
		return NULL;
	}
	cJSON *j = resp ? zt_json_parse_text(resp) : NULL;
	if (!j) {
		printf("%d %s invalid JSON response\n", status, c->cmd);
		free(resp);
		return NULL;
	}
	if (raw)
		*raw = resp;
	else
		free(resp);
	*ret = 0;
	return j;
}

static void print_json(const cJSON *j)
{
	char *t = cJSON_Print(j);
	if (t)
		printf("%s\n", t);
	free(t);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* GETs what a command prints; with -j prints it as it came and returns NULL with *ret 0. */
static cJSON *get_answer(struct cli *c, const char *path, int *ret)
{
	cJSON *j = call(c, "GET", path, NULL, NULL, ret);
	if (j && c->json) {
		print_json(j);
		cJSON_Delete(j);
		*ret = 0;
		return NULL;
	}
	return j;
}

static int cmd_info(struct cli *c)
{
	int ret;
	cJSON *j = get_answer(c, "/status", &ret);
	if (!j)
		return ret;
	zt_cli_print_info(stdout, j);
	cJSON_Delete(j);
	return 0;
}

static int cmd_peers(struct cli *c, bool pretty)
{
	int ret;
	cJSON *j = get_answer(c, "/peer", &ret);
	if (!j)
		return ret;
	zt_cli_print_peers(stdout, j, pretty, wall_ms());
	cJSON_Delete(j);
	return 0;
}

static int cmd_listnetworks(struct cli *c)
{
	int ret;
	cJSON *j = get_answer(c, "/network", &ret);
	if (!j)
		return ret;
	zt_cli_print_networks(stdout, j);
	cJSON_Delete(j);
	return 0;
}

static bool valid_nwid(const char *s)
{
	uint64_t unused;
	return s && zt_hex_parse(s, 16, &unused);
}

static int cmd_join_leave(struct cli *c, const char *nwid, bool join)
{
	if (!valid_nwid(nwid)) {
		printf("invalid network id\n");
		return ZT_EXIT_USAGE;
	}
	char path[64], *raw = NULL;
	snprintf(path, sizeof(path), "/network/%s", nwid);
	int ret;
	cJSON *j = call(c, join ? "POST" : "DELETE", path, join ? "{}" : NULL, &raw, &ret);
	if (!j)
		return ret;
	if (c->json)
		printf("%s", raw);
	else
		printf("200 %s OK\n", join ? "join" : "leave");
	free(raw);
	cJSON_Delete(j);
	return 0;
}

/* get and set's arguments, said as stock says them when wrong. */
static bool nwid_and_property(const char *nwid, const char *prop, const char *verb)
{
	if (!valid_nwid(nwid))
		fprintf(stderr, "invalid format: must be a 16-digit (network) ID\n");
	else if (!prop)
		fprintf(stderr, "invalid format: include a property name to %s\n", verb);
	return valid_nwid(nwid) && prop;
}

static int cmd_get(struct cli *c, const char *nwid, const char *prop)
{
	if (!nwid_and_property(nwid, prop, "get"))
		return ZT_EXIT_USAGE;
	int ret;
	cJSON *j = call(c, "GET", "/network", NULL, NULL, &ret);
	if (!j)
		return ret;
	ret = zt_cli_print_get(stdout, stderr, j, nwid, prop) == 0 ? 0 : ZT_EXIT_FAILURE;
	cJSON_Delete(j);
	return ret;
}

static int cmd_set(struct cli *c, const char *nwid, const char *setting)
{
	if (!nwid_and_property(nwid, setting, "set"))
		return ZT_EXIT_USAGE;
	static const char *const names[] = {"allowManaged", "allowGlobal", "allowDefault", "allowDNS"};
	const char *eq = strchr(setting, '=');
	size_t klen = eq ? (size_t)(eq - setting) : 0;
	const char *name = NULL;
	for (int i = 0; i < 4 && eq; i++)
		if (strlen(names[i]) == klen && strncmp(names[i], setting, klen) == 0)
			name = names[i];
	if (!name) {
		fprintf(stderr, "invalid setting '%s': allowManaged, allowGlobal, allowDefault or allowDNS = 0 or 1\n",
		        setting);
		return ZT_EXIT_USAGE;
	}
	char body[64], path[64], *raw = NULL;
	snprintf(body, sizeof(body), "{\"%s\":%s}", name, eq[1] == 't' || eq[1] == '1' ? "true" : "false");
	snprintf(path, sizeof(path), "/network/%s", nwid);
	int ret;
	cJSON *j = call(c, "POST", path, body, &raw, &ret);
	if (!j)
		return ret;
	printf("%s\n", raw);
	free(raw);
	cJSON_Delete(j);
	return 0;
}

int cli_main(int argc, char **argv)
{
	const char *home = NULL, *token = NULL;
	long port = 0;
	struct cli c = {0};
	int opt;
	static const struct option longs[] = {{"help", no_argument, NULL, 'h'}, ZT_CLI_LOG_OPTIONS, {0}};
	struct zt_cli front;
	zt_cli_begin(&front, "ztrun cli");
	while ((opt = zt_cli_getopt(&front, argc, argv, "+D:jp:T:hvq", longs)) != -1) {
		char *end;
		switch (opt) {
		case 'D':
			home = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end || port < 1 || port > 65535) {
				zt_log(ZT_LOG_ERROR, "bad port '%s' (1 to 65535)", optarg);
				return ZT_EXIT_USAGE;
			}
			break;
		case 'T':
			token = optarg;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		default: /* '?': said */
			return ZT_EXIT_USAGE;
		}
	}
	zt_cli_set_log_level(&front);
	if (optind >= argc) {
		zt_log(ZT_LOG_ERROR, "missing COMMAND (usage: " USAGE "; see ztrun cli --help)");
		return ZT_EXIT_USAGE;
	}
	c.cmd = argv[optind];
	const char *a1 = optind + 1 < argc ? argv[optind + 1] : NULL;
	const char *a2 = optind + 2 < argc ? argv[optind + 2] : NULL;
	static const char *const known[] = {"info", "status", "listnetworks", "listpeers", "peers",
	                                    "join", "leave",  "get",          "set"};
	bool ok = c.cmd[0] == '/';
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok = ok || strcmp(c.cmd, known[i]) == 0;
	if (!ok) {
		zt_log(ZT_LOG_ERROR, "unknown command '%s' (see ztrun cli --help)", c.cmd);
		return ZT_EXIT_USAGE;
	}

	char *dflt = home ? NULL : zt_home_default();
	if (!home)
		home = dflt;
	int ret = ZT_EXIT_FAILURE;
	char tokbuf[256];
	struct stat st;
	if (!home || stat(home, &st) != 0 || !S_ISDIR(st.st_mode)) {
		zt_log(ZT_LOG_ERROR, "no service home %s%s (give -D HOME)", home ? home : "",
		       home ? ": not a directory" : "");
		goto out;
	}
	int err = zt_home_lock_holder(home, &c.api.owner);
	if (err == -ESRCH || err == -ENOENT) {
		zt_log(ZT_LOG_ERROR, "no service runs on %s (start one: ztrun service -d %s)", home, home);
		goto out;
	}
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot tell whether a service runs on %s: %s", home, strerror(-err));
		goto out;
	}
	uint16_t p16 = (uint16_t)port;
	if (!p16 && (err = zt_home_read_port(home, &p16)) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot read %s/zerotier-one.port: %s", home, strerror(-err));
		goto out;
	}
	c.api.port = p16;
	if (!token) {
		err = zt_api_token(home, false, tokbuf, sizeof(tokbuf));
		if (err) {
			zt_log(ZT_LOG_ERROR, "cannot read %s/authtoken.secret: %s%s", home, strerror(-err),
			       err == -EACCES ? " (run this as the service's user)" : "");
			goto out;
		}
		token = tokbuf;
	}
	c.api.token = token;
	if (strcmp(c.cmd, "info") == 0 || strcmp(c.cmd, "status") == 0)
		ret = cmd_info(&c);
	else if (strcmp(c.cmd, "listnetworks") == 0)
		ret = cmd_listnetworks(&c);
	else if (strcmp(c.cmd, "listpeers") == 0 || strcmp(c.cmd, "peers") == 0)
		ret = cmd_peers(&c, strcmp(c.cmd, "peers") == 0);
	else if (strcmp(c.cmd, "join") == 0 || strcmp(c.cmd, "leave") == 0)
		ret = cmd_join_leave(&c, a1, strcmp(c.cmd, "join") == 0);
	else if (strcmp(c.cmd, "get") == 0)
		ret = cmd_get(&c, a1, a2);
	else if (strcmp(c.cmd, "set") == 0)
		ret = cmd_set(&c, a1, a2);
	else {
		char *raw = NULL;
		cJSON *j = call(&c, "GET", c.cmd, NULL, &raw, &ret);
		if (j)
			printf("%s", raw);
		free(raw);
		cJSON_Delete(j);
	}
out:
	zt_wipe(tokbuf, sizeof(tokbuf));
	free(dflt);
	return ret;
}
