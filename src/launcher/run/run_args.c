/* The run command's command line: its help, its options and NETWORK -- COMMAND. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "notify.h"
#include "run_int.h"

#define USAGE "ztrun [OPTIONS] NETWORK -- COMMAND [ARG...]"

static void print_help(FILE *f, void (*print_subcommands)(FILE *f))
{
	fprintf(f, "Usage: " USAGE "\n"
	           "       ztrun SUBCOMMAND [ARG...]\n"
	           "\n"
	           "Runs COMMAND with its IPv4 and IPv6 sockets in ztrun's own network stack. NETWORK is\n"
	           "\"none\" (a private loopback, 127.0.0.1 and ::1, and nothing else) or a 16-hex-digit\n"
	           "ZeroTier network ID: ztrun joins it and runs COMMAND once it has its addresses.\n"
	           "\n"
	           "Options:\n"
	           "  -n, --network ID  join this network too (repeatable; NETWORK is the app's first)\n"
	           "      --home DIR    node state directory (default $ZTRUN_HOME, $XDG_DATA_HOME/ztrun or\n"
	           "                    ~/.local/share/ztrun), locked while ztrun runs\n"
	           "      --ephemeral   no state directory: a new identity, in memory only\n"
	           "      --port N      UDP port of the node (default: its last one, else any free one)\n"
	           "      --planet FILE the planet (default $ZTRUN_PLANET, DIR/planet, the built-in Earth)\n"
	           "      --wait SECS   how long to wait for the networks (default 60; 0: start at once)\n"
	           "      --join-token TOKEN\n"
	           "                    be authorized by the controller with this join token (from\n"
	           "                    ztrun controller token create; the network is the one it names)\n"
	           "      --join-token-file FILE\n"
	           "                    the same, read from FILE (keep it chmod 600)\n"
	           "  -v, --verbose     say more (twice: debug); overrides ZTRUN_LOG\n"
	           "  -q, --quiet       print errors only; overrides ZTRUN_LOG\n"
	           "      --drop-caps   run COMMAND without any capabilities (hardening; by default it\n"
	           "                    has those it would have without ztrun)\n"
	           "      --keep-caps   accepted and ignored: keeping them is the default\n"
	           "      --no-seccomp  LD_PRELOAD only: programs that bypass libc (static, Go) reach\n"
	           "                    the host's network\n"
	           "      --fallthrough connections to destinations no joined network reaches use the\n"
	           "                    host's network, and names too when the network has no DNS\n"
	           "  -h, --help        print this help and exit\n"
	           "  -V, --version     print the version and exit\n"
	           "\n");
	print_subcommands(f);
	fprintf(f, "\n"
	           "Environment: ZTRUN_LOG=error|warn|info|debug, XDG_RUNTIME_DIR, TMPDIR, ZTRUN_HOME,\n"
	           "ZTRUN_PLANET, ZTRUN_JOIN_TOKEN (as --join-token; removed from COMMAND's environment),\n"
	           "ZTRUN_JOIN_LOOPBACK=0 (loopback connections between COMMAND's own sockets through the\n"
	           "stack, not joined as kernel TCP connections: see the manual).\n"
	           "Exit status: COMMAND's own, 128+N if it was killed by signal N, 125 if ztrun failed,\n"
	           "126 if COMMAND could not be run, 127 if it was not found.\n");
}

/* -v, -q, --drop-caps, --no-seccomp, --fallthrough and the join options. 0, 1 after --help or --version, -1 after an error. */
int run_parse_options(struct run *r, int argc, char **argv, void (*print_subcommands)(FILE *f))
{
	static const struct option long_options[] = {
	    ZT_CLI_LOG_OPTIONS,
	    {"keep-caps", no_argument, NULL, 'k'},
	    {"drop-caps", no_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"network", required_argument, NULL, 'n'},
	    {"home", required_argument, NULL, 'H'},
	    {"ephemeral", no_argument, NULL, 'E'},
	    {"port", required_argument, NULL, 'P'},
	    {"planet", required_argument, NULL, 'L'},
	    {"wait", required_argument, NULL, 'W'},
	    {"no-seccomp", no_argument, NULL, 'S'},
	    {"fallthrough", no_argument, NULL, 'F'},
	    {"join-token", required_argument, NULL, 'T'},
	    {"join-token-file", required_argument, NULL, 'J'},
	    {0},
	};
	struct zt_cli cli;
	int opt;

	zt_cli_begin(&cli, "ztrun");
	while ((opt = zt_cli_getopt(&cli, argc, argv, "+vqhVn:", long_options)) != -1) {
		if (opt == '?' || zt_join_parse_opt(&r->jo, opt, optarg) < 0)
			return -1;
		switch (opt) {
		case 'k': /* the default now; the option stays accepted for existing scripts */
			break;
		case 'D':
			r->drop_caps = true;
			break;
		case 'S':
			r->no_seccomp = true;
			break;
		case 'F':
			r->jo.fallthrough = true;
			break;
		case 'h':
			print_help(stdout, print_subcommands);
			return 1;
		case 'V':
			printf("ztrun %s\n", ZTRUN_VERSION);
			return 1;
		}
	}
	zt_cli_set_log_level(&cli);
	zt_notify_init();
	return 0;
}

/* NETWORK -- COMMAND after the options; NETWORK, when an ID, goes first in the networks to join. */
int run_parse_operands(struct run *r, int argc, char **argv)
{
	if (optind >= argc) {
		zt_log(ZT_LOG_ERROR, "missing NETWORK (usage: " USAGE ")");
		return -1;
	}
	r->network = argv[optind];
	switch (zt_network_kind(r->network)) {
	case 0:
		if (r->jo.n_nwids) {
			zt_log(ZT_LOG_ERROR,
			       "-n joins networks beside NETWORK, which is none: give a network ID");
			return -1;
		}
		break;
	case 1:
		if (r->jo.n_nwids == ZT_NETJOIN_MAX_NETWORKS) {
			zt_log(ZT_LOG_ERROR, "too many networks: %d at most", ZT_NETJOIN_MAX_NETWORKS);
			return -1;
		}
		/* NETWORK is the app's first network (ZT_NC_NETWORK): put it in front */
		memmove(r->jo.nwids + 1, r->jo.nwids, r->jo.n_nwids * sizeof(r->jo.nwids[0]));
		r->jo.nwids[0] = strtoull(r->network, NULL, 16);
		r->jo.n_nwids++;
		break;
	default:
		zt_log(ZT_LOG_ERROR,
		       "bad NETWORK '%s': not \"none\" or a 16-hex-digit network ID (usage: " USAGE ")",
		       r->network);
		return -1;
	}
	if (optind + 1 >= argc || strcmp(argv[optind + 1], "--") != 0) {
		if (optind + 1 >= argc)
			zt_log(ZT_LOG_ERROR, "missing '--' and COMMAND after NETWORK (usage: " USAGE ")");
		else
			zt_log(ZT_LOG_ERROR,
			       "expected '--' after NETWORK, got '%s' (options go before NETWORK)",
			       argv[optind + 1]);
		return -1;
	}
	if (optind + 2 >= argc) {
		zt_log(ZT_LOG_ERROR, "missing COMMAND after '--' (usage: " USAGE ")");
		return -1;
	}
	r->command = argv + optind + 2;
	return 0;
}
