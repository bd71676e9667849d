/* ztrun service: a long-lived node with a home directory, as zerotier-one is: its identity, its planet,
 * its UDP port, until SIGINT or SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "home.h"
#include "log.h"
#include "loop.h"
#include "nodehost.h"
#include "subcommands.h"

#define USAGE "ztrun service [OPTIONS]"

struct service_opts {
	const char *home, *planet, *bind;
	bool ephemeral, no_loopback;
	long port;
};

static void print_help(FILE *f)
{
	fprintf(f,
	        "Usage: " USAGE "\n"
	        "\n"
	        "Runs a ZeroTier node until SIGINT or SIGTERM: it contacts its planet's roots and answers\n"
	        "other nodes, stock zerotier-one ones included.\n"
	        "\n"
	        "Options:\n"
	        "      --home DIR     state directory (default $ZTRUN_HOME, $XDG_DATA_HOME/ztrun or\n"
	        "                     ~/.local/share/ztrun); locked while the node runs\n"
	        "      --ephemeral    no state directory: a new identity, kept in memory only\n"
	        "  -p, --port N       UDP port (default 9993; 0 for any free one)\n"
	        "      --bind ADDR    listen on this address only\n"
	        "      --planet FILE  the planet (default $ZTRUN_PLANET, DIR/planet, or the built-in Earth)\n"
	        "      --no-loopback  refuse 127.0.0.0/8 and ::1 paths, as stock nodes do\n"
	        "  -v, --verbose      say more (twice: debug); overrides ZTRUN_LOG\n"
	        "  -q, --quiet        print errors only; overrides ZTRUN_LOG\n"
	        "  -h, --help         print this help\n");
}

static int parse_opts(int argc, char **argv, struct service_opts *o)
{
	static const struct option longopts[] = {
	    {"home", required_argument, NULL, 'H'},   {"ephemeral", no_argument, NULL, 'E'},
	    {"port", required_argument, NULL, 'p'},   {"bind", required_argument, NULL, 'B'},
	    {"planet", required_argument, NULL, 'P'}, {"no-loopback", no_argument, NULL, 'L'},
	    ZT_CLI_LOG_OPTIONS,
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	*o = (struct service_opts){.port = 9993};
	struct zt_cli cli;
	int opt;
	zt_cli_begin(&cli, "ztrun service");
	while ((opt = zt_cli_getopt(&cli, argc, argv, "p:vqh", longopts)) != -1) {
		char *end;
		switch (opt) {
		case 'H':
			o->home = optarg;
			break;
		case 'E':
			o->ephemeral = true;
			break;
		case 'p':
			o->port = strtol(optarg, &end, 10);
			if (*end || end == optarg || o->port < 0 || o->port > 65535) {
				zt_log(ZT_LOG_ERROR, "bad port '%s' (0 to 65535)", optarg);
				return -1;
			}
			break;
		case 'B':
			o->bind = optarg;
			break;
		case 'P':
			o->planet = optarg;
			break;
		case 'L':
			o->no_loopback = true;
			break;
		case 'h':
			print_help(stdout);
			return 1;
		default: /* '?': said */
			return -1;
		}
	}
	if (optind < argc) {
		zt_log(ZT_LOG_ERROR, "unexpected argument '%s' (ztrun service --help)", argv[optind]);
		return -1;
	}
	if (o->home && o->ephemeral) {
		zt_log(ZT_LOG_ERROR, "--home and --ephemeral exclude each other");
		return -1;
	}
	zt_cli_set_log_level(&cli);
	return 0;
}

int service_main(int argc, char **argv)
{
	struct service_opts o;
	int r = parse_opts(argc, argv, &o);
	if (r)
		return r > 0 ? 0 : ZT_EXIT_USAGE;
	int ret = ZT_EXIT_FAILURE;
	struct zt_home home = {.lock_fd = -1};
	struct zt_loop *loop = NULL;
	struct zt_nodehost *host = NULL;
	struct zt_daemon_loop dl = {.sfd = -1};
	struct zt_identity id;
	struct zt_world planet;
	const char *planet_source;

	if (zt_home_open_or_say(&home, o.home, o.ephemeral) < 0)
		goto cleanup;
	int err = zt_home_identity(&home, &id);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot load or make the identity in %s: %s",
		       home.dir ? home.dir : "memory", strerror(-err));
		goto cleanup;
	}
	err = zt_home_planet(&home, o.planet, &planet, &planet_source);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot load the planet (%s): %s", planet_source, strerror(-err));
		goto cleanup;
	}
	err = zt_daemon_loop_open(&dl);
	loop = dl.loop;
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot set up the event loop: %s", strerror(-err));
		goto cleanup;
	}
	struct zt_nodehost_config hc = {
	    .home = &home,
	    .identity = &id,
	    .planet = &planet,
	    .port = (uint16_t)o.port,
	    .bind = o.bind,
	    .allow_loopback = !o.no_loopback,
	    .event = zt_cli_node_event,
	};
	err = zt_nodehost_new(&host, loop, &hc);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot start the node on UDP port %ld%s%s: %s%s", o.port,
		       o.bind ? " of " : "", o.bind ? o.bind : "", strerror(-err),
		       err == -EADDRINUSE ? " (another node runs there? --port 0 picks a free one)" : "");
		goto cleanup;
	}
	char addr[ZT_ADDRESS_TEXT_LEN + 1], text[32];
	zt_address_format(zt_node_address(zt_nodehost_node(host)), addr);
	snprintf(text, sizeof(text), "%u", zt_nodehost_port(host));
	zt_home_write_text(&home, "zerotier-one.port", text);
	snprintf(text, sizeof(text), "%d", (int)getpid());
	zt_home_write_text(&home, "zerotier-one.pid", text);
	zt_log(ZT_LOG_INFO, "node %s%s on UDP port %u, planet from %s (%u roots)", addr,
	       home.created_identity ? " (new identity)" : "", zt_nodehost_port(host), planet_source,
	       (unsigned)planet.n_roots);
	err = zt_loop_run(loop);
	ret = err ? ZT_EXIT_FAILURE : 0;
	if (zt_log_get_level() >= ZT_LOG_DEBUG) {
		char counters[256];
		zt_nodehost_counters(host, counters, sizeof(counters));
		zt_log(ZT_LOG_DEBUG, "%s", counters);
		struct zt_node_peer_info peers[16];
		size_t n = zt_node_peers(zt_nodehost_node(host), peers, 16, zt_now_ms());
		for (size_t i = 0; i < n && i < 16; i++) {
			char pa[ZT_ADDRESS_TEXT_LEN + 1];
			zt_address_format(peers[i].address, pa);
			zt_log(ZT_LOG_DEBUG, "peer %s %s %d.%d.%d latency %d ms, %u paths", pa,
			       peers[i].role == ZT_PEER_ROOT ? "ROOT" : "LEAF", peers[i].major,
			       peers[i].minor, peers[i].rev, peers[i].latency_ms, peers[i].n_paths);
		}
	}
	if (err)
		zt_log(ZT_LOG_ERROR, "event loop failed: %s", strerror(-err));
cleanup:
	zt_nodehost_free(host);
	zt_daemon_loop_close(&dl);
	zt_identity_wipe(&id);
	zt_home_close(&home);
	return ret;
}
