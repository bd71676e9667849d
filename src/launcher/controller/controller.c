/* ztrun controller: a long-lived node that is the only root of its own private planet and the controller of
 * its networks (IDs = its address + 24 bits), with stock zerotier-one's controller JSON API on
 * 127.0.0.1:PORT. `ztrun controller network|member ...` (manage.c) manage it, running or not. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manage.h"
#include "root_planet.h"
#include "store.h"
#include "home.h"
#include "localapi.h"
#include "httpd.h"
#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "nodehost.h"
#include "subcommands.h"
#include "sysio.h"
#include "vl1/crypto.h"

#define USAGE        "ztrun controller [-p PORT] [--bind ADDR] [--endpoint IP/PORT]... HOME"
#define MAX_ENDPOINT ZT_WORLD_MAX_ENDPOINTS
#define DEFAULT_PORT 9993

struct ctl_opts {
	const char *home, *bind;
	const char *endpoints[MAX_ENDPOINT];
	size_t n_endpoints;
	long port;
	int64_t com_window_min;
};

struct ctl_daemon {
	struct zt_home home;
	struct zt_identity id;
	struct zt_world planet;
	struct zt_loop *loop;
	struct zt_nodehost *host;
	struct zt_node *node;
	struct zt_controller *ctl;
	struct zt_ctlstore store;
	struct zt_httpd *httpd;
	char token[ZT_API_TOKEN_MAX];
	uint16_t port;
	unsigned bad_records;
};

static void print_help(FILE *f)
{
	fprintf(
	    f, "Usage: " USAGE "\n"
	       "       ztrun controller network|member|token COMMAND HOME ...\n"
	       "\n"
	       "Runs a ZeroTier network controller until SIGINT or SIGTERM: a node that is the only root of\n"
	       "its own private planet (HOME/planet, made at first start: give it to members) and serves\n"
	       "networks whose IDs start with its address. Its state is JSON under HOME/controller.d, the\n"
	       "layout stock zerotier-one uses; stock's controller API answers on TCP 127.0.0.1:PORT with\n"
	       "the token in HOME/authtoken.secret (header X-ZT1-Auth).\n"
	       "\n"
	       "Options:\n"
	       "  -p, --port N           UDP port of the node, and TCP port of the API (default 9993)\n"
	       "      --bind ADDR        listen for members on this address only\n"
	       "      --endpoint IP/PORT where members reach this root (repeatable; default ADDR/PORT of\n"
	       "                         --bind, else 127.0.0.1/PORT); given again later, the planet is\n"
	       "                         updated (signed with HOME/planet.key) and members take it over\n"
	       "      --min-credential-window MS\n"
	       "                         let networks set a shorter membership-certificate window than\n"
	       "                         stock's 5 minutes (tests of deauthorization)\n"
	       "  -v, --verbose          say more (twice: debug); overrides ZTRUN_LOG\n"
	       "  -q, --quiet            print errors only; overrides ZTRUN_LOG\n"
	       "  -h, --help             print this help\n"
	       "\n");
	zt_ctl_manage_usage(f);
}

static int parse_opts(int argc, char **argv, struct ctl_opts *o)
{
	static const struct option longopts[] = {
	    {"port", required_argument, NULL, 'p'},
	    {"bind", required_argument, NULL, 'B'},
	    {"endpoint", required_argument, NULL, 'e'},
	    {"min-credential-window", required_argument, NULL, 'W'},
	    ZT_CLI_LOG_OPTIONS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	*o = (struct ctl_opts){.port = DEFAULT_PORT};
	struct zt_cli cli;
	int opt;
	char *end;
	zt_cli_begin(&cli, "ztrun controller");
	while ((opt = zt_cli_getopt(&cli, argc, argv, "p:vqh", longopts)) != -1) {
		switch (opt) {
		case 'p':
			o->port = strtol(optarg, &end, 10);
			if (*end || end == optarg || o->port < 1 || o->port > 65535) {
				zt_log(ZT_LOG_ERROR,
				       "bad port '%s' (1 to 65535: it goes into the planet, so it must be "
				       "fixed)",
				       optarg);
				return -1;
			}
			break;
		case 'B':
			o->bind = optarg;
			break;
		case 'e':
			if (o->n_endpoints == MAX_ENDPOINT) {
				zt_log(ZT_LOG_ERROR, "too many --endpoint options (a root has at most %d)",
				       MAX_ENDPOINT);
				return -1;
			}
			o->endpoints[o->n_endpoints++] = optarg;
			break;
		case 'W':
			o->com_window_min = strtoll(optarg, &end, 10);
			if (*end || end == optarg || o->com_window_min < 1) {
				zt_log(ZT_LOG_ERROR,
				       "bad --min-credential-window '%s' (milliseconds, 1 or more)", optarg);
				return -1;
			}
			break;
		case 'h':
			print_help(stdout);
			return 1;
		default: /* '?': said */
			return -1;
		}
	}
	if (optind == argc) {
		zt_log(ZT_LOG_ERROR, "missing HOME, the controller's directory (usage: " USAGE ")");
		return -1;
	}
	if (optind + 1 < argc) {
		zt_log(ZT_LOG_ERROR, "unexpected argument '%s' (usage: " USAGE ")", argv[optind + 1]);
		return -1;
	}
	o->home = argv[optind];
	if (o->bind && !o->n_endpoints && (strcmp(o->bind, "0.0.0.0") == 0 || strcmp(o->bind, "::") == 0)) {
		zt_log(ZT_LOG_ERROR, "--bind %s is no address members can reach: give --endpoint IP/PORT too",
		       o->bind);
		return -1;
	}
	zt_cli_set_log_level(&cli);
	return 0;
}

/* ---- The controller on the node ---------------------------------------------------------------------- */

static int ctl_send(void *arg, uint64_t dest, uint8_t verb, const void *payload, size_t len, int64_t now)
{
	struct ctl_daemon *d = arg;
	(void)now; /* the controller's wall clock; the node runs on the monotonic one */
	int r = zt_node_send(d->node, dest, verb, payload, len, zt_now_ms(), NULL);
	return r < 0 ? r : 0;
}

static int ctl_store_put(void *arg, const char *name, const void *data, size_t len)
{
	return zt_ctlstore_put(&((struct ctl_daemon *)arg)->store, name, data, len);
}

static int ctl_store_delete(void *arg, const char *name)
{
	return zt_ctlstore_delete(&((struct ctl_daemon *)arg)->store, name);
}

static void ctl_log(void *arg, const char *line)
{
	(void)arg;
	zt_log(ZT_LOG_WARN, "controller: %s", line);
}

static void report_record(void *arg, const char *path, const char *why)
{
	struct ctl_daemon *d = arg;
	d->bad_records++;
	zt_log(ZT_LOG_WARN, "skipping %s: %s (its network or member is not served until it is fixed)", path,
	       why);
}

static void upper_verb_in(void *arg, struct zt_node *n, const struct zt_node_msg *m, int64_t now)
{
	(void)n;
	struct ctl_daemon *d = arg;
	(void)now;
	zt_controller_packet_in(d->ctl, m, zt_ctl_wall_ms());
}

static void upper_reply_in(void *arg, struct zt_node *n, const struct zt_node_reply *r, int64_t now)
{
	(void)arg, (void)n, (void)r, (void)now; /* the controller sends no requests */
}

static int64_t upper_tick(void *arg, struct zt_node *n, int64_t now)
{
	(void)n;
	struct ctl_daemon *d = arg;
	/* The controller runs on the wall clock (controller.h, THE CLOCK), read afresh each time so that a
	 * clock set right after we started (NTP at boot) is what records and certificates carry; only the
	 * delay until its next deadline goes back to the node's monotonic clock. */
	int64_t wall = zt_ctl_wall_ms();
	return now + (zt_controller_tick(d->ctl, wall) - wall);
}

/* ---- The HTTP API ------------------------------------------------------------------------------------ */

static void set_body(struct zt_http_response *res, int status, const char *text)
{
	res->status = status;
	res->body = strdup(text);
	res->len = res->body ? strlen(res->body) : 0;
	if (!res->body)
		res->status = 500;
}

/* GET /status: who this node is, in the fields stock's /status has that make sense here. */
static void status_json(struct ctl_daemon *d, struct zt_http_response *res)
{
	char addr[ZT_ADDRESS_TEXT_LEN + 1], idtext[ZT_IDENTITY_TEXT_MAX], buf[1024];
	zt_address_format(d->id.address, addr);
	zt_identity_to_text(&d->id, false, idtext, sizeof(idtext));
	snprintf(buf, sizeof(buf),
	         "{\"address\":\"%s\",\"publicIdentity\":\"%s\",\"online\":%s,\"version\":\"%d.%d.%d\","
	         "\"versionMajor\":%d,\"versionMinor\":%d,\"versionRev\":%d,\"clock\":%" PRId64
	         ",\"planetWorldId\":%" PRIu64 ",\"planetWorldTimestamp\":%" PRIu64 ",\"controller\":true,"
	         "\"primaryPort\":%u}\n",
	         addr, idtext, zt_node_online(d->node) ? "true" : "false", ZT_NODE_VERSION_MAJOR,
	         ZT_NODE_VERSION_MINOR, ZT_NODE_VERSION_REV, ZT_NODE_VERSION_MAJOR, ZT_NODE_VERSION_MINOR,
	         ZT_NODE_VERSION_REV, zt_ctl_wall_ms(), d->planet.id, d->planet.ts, d->port);
	set_body(res, 200, buf);
}

static bool path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void api_request(void *arg, const struct zt_http_request *req, const char *body, size_t len,
                        struct zt_http_response *res)
{
	struct ctl_daemon *d = arg;
	char method[ZT_HTTP_MAX_METHOD], *path = NULL;
	snprintf(method, sizeof(method), "%.*s", (int)req->method.len, req->method.p);
	if (!(path = strndup(req->path.p, req->path.len))) {
		res->status = 500;
		return;
	}
	if (path_under(path, "/controller") || path_under(path, "/unstable/controller") ||
	    path_under(path, "/ztrun/controller")) {
		int status = 500;
		char *out = NULL;
		if (zt_controller_api(d->ctl, method, path, body, len, &status, &out, zt_ctl_wall_ms()) ==
		    0) {
			res->status = status;
			res->body = out;
			res->len = out ? strlen(out) : 0;
		} else {
			set_body(res, 500, "{\"error\":\"out of memory\"}\n");
		}
	} else if (strcmp(path, "/status") == 0 || strcmp(path, "/status/") == 0) {
		if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
			status_json(d, res);
		else
			set_body(res, 405, "{\"error\":\"method not allowed (GET)\"}\n");
	} else {
		set_body(res, 404,
		         "{\"error\":\"no such path (this node serves /status and /controller...)\"}\n");
	}
	free(path);
}

/* ---- Running ----------------------------------------------------------------------------------------- */

static int start_controller(struct ctl_daemon *d, const struct ctl_opts *o)
{
	struct zt_controller_config cc;
	zt_controller_config_init(&cc);
	cc.identity = &d->id;
	if (o->com_window_min)
		cc.credential_window_min = o->com_window_min;
	static const struct zt_controller_callbacks cb = {
	    .version = ZT_CONTROLLER_CALLBACKS_VERSION,
	    .send = ctl_send,
	    .random = zt_ctl_random,
	    .store_put = ctl_store_put,
	    .store_delete = ctl_store_delete,
	    .log = ctl_log,
	};
	int err = zt_controller_new(&d->ctl, &cb, d, &cc, zt_ctl_wall_ms());
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot start the controller: %s", strerror(-err));
		return -1;
	}
	int loaded = zt_ctlstore_load(&d->store, d->ctl, report_record, d);
	if (loaded < 0) {
		zt_log(ZT_LOG_ERROR, "cannot read %s: %s", d->store.dir, strerror(-loaded));
		return -1;
	}
	zt_log(ZT_LOG_INFO, "loaded %d record%s from %s%s", loaded, loaded == 1 ? "" : "s", d->store.dir,
	       d->bad_records ? " (some were skipped, see above)" : "");
	static const struct zt_node_upper upper = {
	    .version = ZT_NODE_UPPER_VERSION,
	    .verb_in = upper_verb_in,
	    .reply_in = upper_reply_in,
	    .tick = upper_tick,
	};
	if ((err = zt_node_set_upper(d->node, &upper, d)) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot attach the controller to the node: %s", strerror(-err));
		return -1;
	}
	return 0;
}

static int run_daemon(const struct ctl_opts *o)
{
	static struct ctl_daemon d;
	int ret = ZT_EXIT_FAILURE, err;
	struct zt_daemon_loop dl = {.sfd = -1};
	char text[32], addr[ZT_ADDRESS_TEXT_LEN + 1];
	memset(&d, 0, sizeof(d));
	d.home.lock_fd = -1;

	if (zt_crypto_init() != 0) {
		zt_log(ZT_LOG_ERROR, "cannot initialise libsodium");
		return ZT_EXIT_FAILURE;
	}
	if ((err = zt_sys_random_check()) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot get random bytes: getrandom: %s", strerror(-err));
		return ZT_EXIT_FAILURE;
	}
	if (zt_home_open_or_say(&d.home, o->home, false) < 0)
		return ZT_EXIT_FAILURE;
	if ((err = zt_home_identity(&d.home, &d.id)) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot load or make the identity in %s: %s", d.home.dir,
		       strerror(-err));
		goto cleanup;
	}
	struct zt_ctl_endpoints ep = {o->endpoints, o->n_endpoints, o->bind, (uint16_t)o->port};
	if (zt_ctlstore_init(&d.store, d.home.dir) != 0 ||
	    zt_ctl_planet(d.home.dir, &d.id, &ep, &d.planet) != 0)
		goto cleanup;
	if ((err = zt_api_token(d.home.dir, true, d.token, sizeof(d.token))) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot %s %s/" ZT_API_TOKEN_FILE ": %s",
		       err == -EBADMSG ? "use" : "make", d.home.dir,
		       err == -EBADMSG ? "empty, too long or not one word (remove it to get a new one)"
		                       : strerror(-err));
		goto cleanup;
	}

	err = zt_daemon_loop_open(&dl);
	d.loop = dl.loop;
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot set up the event loop: %s", strerror(-err));
		goto cleanup;
	}
	struct zt_nodehost_config hc = {
	    .home = &d.home,
	    .identity = &d.id,
	    .planet = &d.planet,
	    .port = (uint16_t)o->port,
	    .bind = o->bind,
	    .allow_loopback = true,
	    .api_listener = true,
	    .event = zt_cli_node_event,
	};
	if ((err = zt_nodehost_new(&d.host, d.loop, &hc)) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot start the node on port %ld (UDP%s%s, TCP 127.0.0.1 for the API): %s%s",
		       o->port, o->bind ? " of " : "", o->bind ? o->bind : "", strerror(-err),
		       err == -EADDRINUSE ? " (another node or program uses it? give another -p PORT)" : "");
		goto cleanup;
	}
	d.node = zt_nodehost_node(d.host);
	d.port = zt_nodehost_port(d.host);
	if (start_controller(&d, o) != 0)
		goto cleanup;
	if ((err = zt_httpd_new(&d.httpd, d.loop, zt_nodehost_take_api_fd(d.host), d.token, api_request,
	                        &d)) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot serve the API on TCP 127.0.0.1:%u: %s", d.port, strerror(-err));
		goto cleanup;
	}
	snprintf(text, sizeof(text), "%u", d.port);
	zt_home_write_text(&d.home, "zerotier-one.port", text);
	snprintf(text, sizeof(text), "%d", (int)getpid());
	zt_home_write_text(&d.home, "zerotier-one.pid", text);
	zt_address_format(d.id.address, addr);
	zt_log(ZT_LOG_INFO,
	       "controller %s%s: UDP port %u, API on http://127.0.0.1:%u/controller, networks %s______, "
	       "planet %" PRIu64,
	       addr, d.home.created_identity ? " (new identity)" : "", d.port, d.port, addr, d.planet.id);
	err = zt_loop_run(d.loop);
	ret = err ? ZT_EXIT_FAILURE : 0;
	if (err)
		zt_log(ZT_LOG_ERROR, "event loop failed: %s", strerror(-err));
cleanup:
	zt_httpd_free(d.httpd);
	if (d.node)
		zt_node_set_upper(d.node, NULL, NULL);
	zt_nodehost_free(d.host);
	zt_controller_free(d.ctl);
	zt_daemon_loop_close(&dl);
	zt_ctlstore_fini(&d.store);
	zt_identity_wipe(&d.id);
	zt_wipe(d.token, sizeof(d.token));
	zt_home_close(&d.home);
	return ret;
}

int controller_main(int argc, char **argv)
{
	/* -v and -q may come before the group too: ztrun controller -v network list HOME */
	struct zt_cli front;
	int g = 1;
	zt_cli_begin(&front, "ztrun controller");
	while (g < argc && zt_cli_log_flag(&front, argv[g]))
		g++;
	if (g < argc && (strcmp(argv[g], "network") == 0 || strcmp(argv[g], "member") == 0 ||
	                 strcmp(argv[g], "token") == 0))
		return zt_ctl_manage_main(argc - g, argv + g, &front);
	struct ctl_opts o;
	int r = parse_opts(argc, argv, &o);
	if (r)
		return r > 0 ? 0 : ZT_EXIT_USAGE;
	return run_daemon(&o);
}
