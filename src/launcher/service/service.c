/* ztrun service: a long-lived node with a home directory, as zerotier-one is: its identity, its planet,
 * its UDP port, until SIGINT or SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	        "  -v, --verbose      say more; -q, --quiet: errors only\n"
	        "  -h, --help         print this help\n");
}

static int parse_opts(int argc, char **argv, struct service_opts *o)
{
	static const struct option longopts[] = {
	    {"home", required_argument, NULL, 'H'},   {"ephemeral", no_argument, NULL, 'E'},
	    {"port", required_argument, NULL, 'p'},   {"bind", required_argument, NULL, 'B'},
	    {"planet", required_argument, NULL, 'P'}, {"no-loopback", no_argument, NULL, 'L'},
	    {"verbose", no_argument, NULL, 'v'},      {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	*o = (struct service_opts){.port = 9993};
	int opt, verbosity = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "p:vqh", longopts, NULL)) != -1) {
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
		case 'v':
			verbosity++;
			break;
		case 'q':
			verbosity = -1;
			break;
		case 'h':
			print_help(stdout);
			return 1;
		default:
			fprintf(stderr, "Usage: " USAGE " (ztrun service --help)\n");
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
	if (verbosity)
		zt_log_set_level(verbosity < 0 ? ZT_LOG_ERROR : verbosity == 1 ? ZT_LOG_INFO : ZT_LOG_DEBUG);
	return 0;
}

static void on_node_event(void *arg, enum zt_node_event ev, const void *data)
{
	(void)arg;
	(void)data;
	switch (ev) {
	case ZT_NODE_EVENT_ONLINE:
		zt_log(ZT_LOG_INFO, "online: a root answered");
		break;
	case ZT_NODE_EVENT_OFFLINE:
		zt_log(ZT_LOG_WARN, "offline: no root has answered for %d s", ZT_NODE_ONLINE_MS / 1000);
		break;
	case ZT_NODE_EVENT_IDENTITY_COLLISION:
		zt_log(ZT_LOG_ERROR,
		       "a root says our address belongs to another key: this identity cannot be "
		       "used (move identity.secret away to make a new one)");
		break;
	case ZT_NODE_EVENT_PLANET_CHANGED:
		zt_log(ZT_LOG_INFO, "the planet was updated by a root");
		break;
	}
}

int service_main(int argc, char **argv)
{
	struct service_opts o;
	int r = parse_opts(argc, argv, &o);
	if (r)
		return r > 0 ? 0 : 2;
	int ret = 1;
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
	    .event = on_node_event,
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
	ret = err ? 1 : 0;
	if (zt_log_get_level() >= ZT_LOG_DEBUG) {
		struct zt_node_counters c;
		zt_node_counters(zt_nodehost_node(host), &c);
		zt_log(ZT_LOG_DEBUG,
		       "node rx=%llu tx=%llu whois=%llu/%llu relayed=%llu rendezvous=%llu bad_mac=%llu "
		       "replay=%llu "
		       "unknown=%llu malformed=%llu",
		       (unsigned long long)c.rx_packets, (unsigned long long)c.tx_packets,
		       (unsigned long long)c.whois_sent, (unsigned long long)c.whois_answered,
		       (unsigned long long)c.relayed, (unsigned long long)c.rendezvous_sent,
		       (unsigned long long)c.drop_bad_mac, (unsigned long long)c.drop_replay,
		       (unsigned long long)c.drop_unknown_peer, (unsigned long long)c.drop_malformed);
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
