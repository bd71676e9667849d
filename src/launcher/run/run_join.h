/* The run command's ZeroTier side as the CLI sees it: the join options and the wait for the networks.
 * These print (they are part of run_main's job); the protocol work is netjoin's. */
#ifndef ZTRUN_RUN_JOIN_H
#define ZTRUN_RUN_JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "home.h"
#include "loop.h"
#include "netjoin.h"

/* The options that concern joining ZeroTier networks. */
struct zt_join_opts {
	uint64_t nwids[ZT_NETJOIN_MAX_NETWORKS];
	size_t n_nwids;
	/* --join-token, --join-token-file, ZTRUN_JOIN_TOKEN: each for the network its text names */
	char tokens[ZT_NETJOIN_MAX_NETWORKS][ZT_JOIN_TOKEN_LEN + 1];
	size_t n_tokens;
	const char *home, *planet;
	bool ephemeral;
	long port, wait_s;
	/* --fallthrough: destinations outside every joined network's routes, and names when the
	 * network pushes no DNS, are the host's (rpc.h: CONNECT, Names) */
	bool fallthrough;
};

/* Returns 0 for "none", 1 for a 16-hex-digit network ID, or -EINVAL. */
int zt_network_kind(const char *s);
/* Takes one of the join options (getopt's opt and optarg; other opts are ignored); -1 after saying what
 * is wrong. --join-token's text is wiped from arg (the process's command line) once copied. */
int zt_join_parse_opt(struct zt_join_opts *jo, int opt, char *arg);
/* After the options: ZTRUN_JOIN_TOKEN, if set, taken like --join-token and removed from the environment
 * (wiped from the process's memory too, so COMMAND and /proc/PID/environ never show it); then every
 * token must belong to one of the networks joined. 0 or -1 after saying what is wrong. */
int zt_join_take_tokens(struct zt_join_opts *jo);
/* Starts the node, joins the networks and waits (up to --wait) until each has its addresses, saying what
 * it waits for; the first network's DNS goes beside the app's control socket (socket_path.resolv.conf); a signal noted in *stop_signal ends the wait. 0, or the exit status to leave with. */
int zt_join_networks(struct zt_loop *loop, const int *stop_signal, struct zt_join_opts *jo,
                     struct zt_home *home, struct zt_netjoin **nj, const char *socket_path);

#endif
