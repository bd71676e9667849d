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
 * is wrong. */
int zt_join_parse_opt(struct zt_join_opts *jo, int opt, const char *arg);
/* Starts the node, joins the networks and waits (up to --wait) until each has its addresses, saying what
 * it waits for; the first network's DNS goes beside the app's control socket (socket_path.resolv.conf); a signal noted in *stop_signal ends the wait. 0, or the exit status to leave with. */
int zt_join_networks(struct zt_loop *loop, const int *stop_signal, const struct zt_join_opts *jo,
                     struct zt_home *home, struct zt_netjoin **nj, const char *socket_path);

#endif
