/* ztrun service: a long-lived node with a home directory, as zerotier-one is, and what Network Containers'
 * service was: every network in networks.d joined, each served to apps on its control socket
 * HOME/nc_<nwid> (LD_PRELOAD the shim, ZT_NC_NETWORK=HOME/nc_<nwid>), and stock's local API on
 * 127.0.0.1:PORT for ztrun cli and zerotier-cli. Until SIGINT, SIGTERM or SIGHUP. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "home.h"
#include "localapi.h"
#include "log.h"
#include "loop.h"
#include "netjoin.h"
#include "nodehost.h"
#include "notify.h"
#include "subcommands.h"
#include "svc.h"
#include "vl1/crypto.h"

#define USAGE "ztrun service [OPTIONS] [HOME]"

struct service_opts {
	const char *home, *planet, *bind;
	bool ephemeral, no_loopback, daemon;
	long port;
	int ready_fd;
};

static void print_help(FILE *f)
{
	fprintf(f,
	        "Usage: " USAGE "\n"
	        "\n"
	        "Runs a ZeroTier node until SIGINT, SIGTERM or SIGHUP: it joins every network named in\n"
	        "HOME/networks.d (<nwid>.conf, empty is fine) and the ones joined later (ztrun cli join),\n"
	        "and serves each to programs started with the shim: LD_PRELOAD=<ztrun shim's file>\n"
	        "ZT_NC_NETWORK=HOME/nc_<nwid>. ztrun cli and zerotier-cli talk to it on 127.0.0.1:PORT.\n"
	        "\n"
	        "Options:\n"
	        "  HOME, --home DIR   state directory (default $ZTRUN_HOME, $XDG_DATA_HOME/ztrun or\n"
	        "                     ~/.local/share/ztrun); locked while the node runs\n"
	        "      --ephemeral    no state directory: a new identity in memory, no networks (a root)\n"
	        "  -d                 run in the background; return once the identity, the port and the\n"
	        "                     sockets of the networks in networks.d exist\n"
	        "  -p, --port N       UDP port, and TCP port of the local API (default 9993; 0: any free)\n"
	        "      --ready-fd N   write \"1\" to file descriptor N once ready, then close it\n"
	        "      --bind ADDR    listen on this address only\n"
	        "      --planet FILE  the planet (default $ZTRUN_PLANET, HOME/planet, or the built-in Earth)\n"
	        "      --no-loopback  refuse 127.0.0.0/8 and ::1 paths, as stock nodes do\n"
	        "  -v, --verbose      say more (twice: debug); overrides ZTRUN_LOG\n"
	        "  -q, --quiet        print errors only; overrides ZTRUN_LOG\n"
	        "  -h, --help         print this help\n"
	        "Readiness is also sent as READY=1 to $NOTIFY_SOCKET (systemd Type=notify).\n");
}

static int parse_opts(int argc, char **argv, struct service_opts *o)
{
	static const struct option longopts[] = {
	    {"home", required_argument, NULL, 'H'},   {"ephemeral", no_argument, NULL, 'E'},
	    {"port", required_argument, NULL, 'p'},   {"bind", required_argument, NULL, 'B'},
	    {"planet", required_argument, NULL, 'P'}, {"no-loopback", no_argument, NULL, 'L'},
	    {"ready-fd", required_argument, NULL, 'R'}, ZT_CLI_LOG_OPTIONS,
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	*o = (struct service_opts){.port = 9993, .ready_fd = -1};
	struct zt_cli cli;
	int opt;
	zt_cli_begin(&cli, "ztrun service");
	while ((opt = zt_cli_getopt(&cli, argc, argv, "dp:vqh", longopts)) != -1) {
		char *end;
		long v;
		switch (opt) {
		case 'H':
			o->home = optarg;
			break;
		case 'E':
			o->ephemeral = true;
			break;
		case 'd':
			o->daemon = true;
			break;
		case 'p':
			o->port = strtol(optarg, &end, 10);
			if (*end || end == optarg || o->port < 0 || o->port > 65535) {
				zt_log(ZT_LOG_ERROR, "bad port '%s' (0 to 65535)", optarg);
				return -1;
			}
			break;
		case 'R':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0 || v > 1 << 20 || fcntl((int)v, F_GETFD) < 0) {
				zt_log(ZT_LOG_ERROR, "bad --ready-fd '%s': not an open file descriptor", optarg);
				return -1;
			}
			o->ready_fd = (int)v;
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
	if (optind < argc && !o->home && !o->ephemeral)
		o->home = argv[optind++]; /* zerotier-one takes its home as the one argument */
	if (optind < argc) {
		zt_log(ZT_LOG_ERROR, "unexpected argument '%s' (ztrun service --help)", argv[optind]);
		return -1;
	}
	if (o->home && o->ephemeral) {
		zt_log(ZT_LOG_ERROR, "a home and --ephemeral exclude each other");
		return -1;
	}
	zt_cli_set_log_level(&cli);
	return 0;
}

/* -d: the parent waits until the child says it is ready ("1" on the pipe) and leaves with 0, or with the
 * child's status if it ends first. Returns in the child only (*ready_pipe: its end), or -1. */
static int daemonize(int *ready_pipe)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		setsid();
		*ready_pipe = p[1];
		return 0;
	}
	close(p[1]);
	char c = 0;
	ssize_t n;
	do
		n = read(p[0], &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && c == '1')
		_exit(0);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
}

/* --ready-fd, as slirp4netns has it: "1", then closed. */
static void write_ready_fd(int fd)
{
	ssize_t n;
	do
		n = write(fd, "1", 1);
	while (n < 0 && errno == EINTR);
	close(fd);
}

/* Tells whoever waits that we are ready: $NOTIFY_SOCKET, --ready-fd, the parent of -d (which then
 * leaves: our stdio goes nowhere from now on, as a daemon's). */
static void ready(const int *fds, int n, bool daemon)
{
	int err = zt_notify("READY=1");
	if (err < 0)
		zt_log(ZT_LOG_WARN, "cannot tell $NOTIFY_SOCKET we are ready: %s", strerror(-err));
	for (int i = 0; i < n; i++)
		write_ready_fd(fds[i]);
	if (daemon) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; null >= 0 && fd < 3; fd++)
			dup2(null, fd);
		if (null > 2)
			close(null);
	}
}

/* Everything that must exist before anyone is told we are ready. */
static int start(struct zt_svc *s, const struct service_opts *o, struct zt_netjoin **nj, char *token,
                 size_t token_cap)
{
	const char *what;
	struct zt_netjoin_config cfg = {
	    .home = s->home,
	    .planet_file = o->planet,
	    .port = (uint16_t)o->port,
	    .bind = o->bind,
	    .allow_loopback = !o->no_loopback,
	    .api_listener = true,
	    .event = zt_cli_node_event,
	};
	int err = zt_netjoin_new(nj, s->loop, &cfg, &what);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot start the node (%s): %s%s", what, strerror(-err),
		       err == -EADDRINUSE ? " (UDP and TCP port: another node or program runs there? -p 0 "
		                            "picks a free port)"
		                          : "");
		return -1;
	}
	s->nj = *nj;
	s->port = zt_netjoin_port(*nj);
	err = zt_api_token(s->dir, true, token, token_cap);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot read or make %s/authtoken.secret: %s", s->dir,
		       strerror(-err));
		return -1;
	}
	s->token = token;
	if ((err = zt_svc_networks_start(s)) != 0 || (err = zt_svc_api_start(s)) != 0) {
		zt_log(ZT_LOG_ERROR, "cannot serve the local API on 127.0.0.1:%u (TCP): %s", s->port,
		       strerror(-err));
		return -1;
	}
	char text[32];
	snprintf(text, sizeof(text), "%d", (int)getpid());
	zt_home_write_text(s->home, "zerotier-one.pid", text);
	if (zt_svc_join_stored(s) > 0)
		return -1;
	char addr[ZT_ADDRESS_TEXT_LEN + 1];
	zt_address_format(zt_netjoin_address(*nj), addr);
	zt_log(ZT_LOG_INFO, "node %s%s on UDP port %u, planet from %s; API on 127.0.0.1:%u", addr,
	       s->home->created_identity ? " (new identity)" : "", s->port, zt_netjoin_planet_source(*nj),
	       s->port);
	return 0;
}

/* --ephemeral: a VL1 node with no home, so no networks and no API (a root, a relay). */
static int run_ephemeral(struct zt_home *home, const struct service_opts *o, struct zt_loop *loop,
                         int *ready_fds, int n_ready)
{
	struct zt_identity id;
	struct zt_world planet;
	const char *planet_source;
	struct zt_nodehost *host = NULL;
	int ret = ZT_EXIT_FAILURE, err = zt_home_identity(home, &id);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot make an identity: %s", strerror(-err));
		return ZT_EXIT_FAILURE;
	}
	err = zt_home_planet(home, o->planet, &planet, &planet_source);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot load the planet (%s): %s", planet_source, strerror(-err));
		goto out;
	}
	struct zt_nodehost_config hc = {
	    .home = home,
	    .identity = &id,
	    .planet = &planet,
	    .port = (uint16_t)o->port,
	    .bind = o->bind,
	    .allow_loopback = !o->no_loopback,
	    .event = zt_cli_node_event,
	};
	err = zt_nodehost_new(&host, loop, &hc);
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot start the node on UDP port %ld%s%s: %s%s", o->port,
		       o->bind ? " of " : "", o->bind ? o->bind : "", strerror(-err),
		       err == -EADDRINUSE ? " (another node runs there? --port 0 picks a free one)" : "");
		goto out;
	}
	char addr[ZT_ADDRESS_TEXT_LEN + 1];
	zt_address_format(zt_node_address(zt_nodehost_node(host)), addr);
	zt_log(ZT_LOG_INFO, "node %s (ephemeral) on UDP port %u, planet from %s (%u roots)", addr,
	       zt_nodehost_port(host), planet_source, (unsigned)planet.n_roots);
	ready(ready_fds, n_ready, o->daemon);
	err = zt_loop_run(loop);
	if (err)
		zt_log(ZT_LOG_ERROR, "event loop failed: %s", strerror(-err));
	ret = err ? 1 : 0;
out:
	zt_nodehost_free(host);
	zt_identity_wipe(&id);
	return ret;
}

int service_main(int argc, char **argv)
{
	struct service_opts o;
	int r = parse_opts(argc, argv, &o);
	if (r)
		return r > 0 ? 0 : ZT_EXIT_USAGE;
	zt_notify_init();
	int ret = ZT_EXIT_FAILURE, ready_fds[2], n_ready = 0;
	if (o.ready_fd >= 0)
		ready_fds[n_ready++] = o.ready_fd;
	if (o.daemon) {
		if (daemonize(&ready_fds[n_ready]) < 0) {
			zt_log(ZT_LOG_ERROR, "cannot go to the background: %s", strerror(errno));
			return ZT_EXIT_FAILURE;
		}
		n_ready++;
	}
	/* a ready fd whose reader is gone must not kill us; we write to no other pipe */
	signal(SIGPIPE, SIG_IGN);
	struct zt_home home = {.lock_fd = -1};
	struct zt_daemon_loop dl = {.sfd = -1};
	struct zt_svc s = {.home = &home};
	struct zt_netjoin *nj = NULL;
	char token[256] = "";

	if (zt_home_open_or_say(&home, o.home, o.ephemeral) < 0)
		goto cleanup;
	int err = zt_daemon_loop_open(&dl);
	s.loop = dl.loop;
	if (err) {
		zt_log(ZT_LOG_ERROR, "cannot set up the event loop: %s", strerror(-err));
		goto cleanup;
	}
	if (o.ephemeral) {
		ret = run_ephemeral(&home, &o, dl.loop, ready_fds, n_ready);
		goto cleanup;
	}
	if (!(s.dir = realpath(home.dir, NULL))) {
		zt_log(ZT_LOG_ERROR, "cannot resolve the home %s: %s", home.dir, strerror(errno));
		goto cleanup;
	}
	if (start(&s, &o, &nj, token, sizeof(token)) < 0)
		goto cleanup;
	ready(ready_fds, n_ready, o.daemon);
	err = zt_loop_run(dl.loop);
	if (err)
		zt_log(ZT_LOG_ERROR, "event loop failed: %s", strerror(-err));
	ret = err ? 1 : 0;
cleanup:
	zt_notify("STOPPING=1");
	zt_svc_api_stop(&s);
	if (s.loop)
		zt_svc_networks_stop(&s);
	zt_netjoin_free(nj);
	if (home.dir && s.nj) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/zerotier-one.pid", home.dir);
		unlink(path);
	}
	zt_daemon_loop_close(&dl);
	zt_wipe(token, sizeof(token));
	zt_home_close(&home);
	free(s.dir);
	return ret;
}
