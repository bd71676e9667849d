/* Joining ZeroTier networks in this process, for the run command and the service: a node (home,
 * identity, planet, UDP sockets), the VL2 layer joined to the requested networks, and one lwIP netif per
 * network that follows the network's config. The socket service then finds the networks' addresses on
 * lwIP like any other. Lower layer: prints nothing. */
#ifndef ZTRUN_NETJOIN_H
#define ZTRUN_NETJOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "home.h"
#include "loop.h"
#include "vl2/jointoken.h"

#define ZT_NETJOIN_MAX_NETWORKS 16

struct zt_netjoin;

struct zt_netjoin_config {
	const uint64_t *nwids; /* the networks to join at start (none: zt_netjoin_join later) */
	size_t n_nwids;
	/* OPTIONAL: a join token for each of them (vl2/jointoken.h; NULL entries: none). */
	const char *const *join_tokens;
	struct zt_home *home;    /* opened by the caller (ephemeral or not) */
	const char *planet_file; /* --planet, or NULL for the home's default order */
	uint16_t port;           /* UDP port; 0 = any free */
	const char *bind;        /* listen on this address only (NULL: any) */
	bool allow_loopback;
	bool api_listener; /* a TCP listener on 127.0.0.1 at the same port too (zt_nodehost_config) */
	/* Where the shim's resolver looks for nameservers: written from the first network's DNS config
	 * (search domain, servers) whenever it changes; NULL: not written. Networks joined later name
	 * their own file (zt_netjoin_join). */
	const char *resolv_conf;
	/* OPTIONAL: the node's events (online, offline, ...), for the subcommand to report. */
	void (*event)(void *arg, enum zt_node_event ev, const void *data);
	void *event_arg;
};

/* Starts the node and joins every network. 0, or -errno with *what naming the step that failed
 * ("identity", "planet", "node", "join"). */
int zt_netjoin_new(struct zt_netjoin **out, struct zt_loop *loop, const struct zt_netjoin_config *cfg,
                   const char **what);
/* Leaves the loop and frees everything (netifs first, so the app's connections are aborted). */
void zt_netjoin_free(struct zt_netjoin *nj);

/* Joins one more network; its DNS config goes to resolv_conf (NULL: nowhere) whenever it changes; the join
 * token (NULL: none) goes into its config requests until the controller answers with a config. May be
 * called from a loop handler. 0, -EEXIST, -ENOSPC (ZT_NETJOIN_MAX_NETWORKS), -EINVAL, -ENOMEM. */
int zt_netjoin_join(struct zt_netjoin *nj, uint64_t nwid, const char *resolv_conf, const char *join_token);

/* A join token from a file (the token's text, whitespace around it ignored) into out; *mode gets the
 * file's permission bits, for the caller to warn when others may read it. 0, -EBADMSG (not a join token;
 * the content is never echoed), -EFBIG, or -errno from reading. */
int zt_netjoin_read_token(const char *path, char out[ZT_JOIN_TOKEN_LEN + 1], unsigned *mode);
/* Leaves it: its netif goes (connections on its addresses are aborted), its stored config and its
 * resolv_conf are deleted. 0 or -ENOENT. */
int zt_netjoin_leave(struct zt_netjoin *nj, uint64_t nwid);

/* The node and the VL2 layer, for queries (zt_node_peers, zt_vl2_network, ...). */
struct zt_node *zt_netjoin_node(const struct zt_netjoin *nj);
const struct zt_vl2 *zt_netjoin_vl2(const struct zt_netjoin *nj);

uint64_t zt_netjoin_address(const struct zt_netjoin *nj);
uint16_t zt_netjoin_port(const struct zt_netjoin *nj);
/* With api_listener: that listener, now the caller's (zt_nodehost_take_api_fd). */
int zt_netjoin_take_api_fd(struct zt_netjoin *nj);
const char *zt_netjoin_planet_source(const struct zt_netjoin *nj);

enum zt_netjoin_state {
	ZT_NETJOIN_WAITING,  /* some network has no config with an address yet */
	ZT_NETJOIN_READY,    /* every network has its config and at least one address */
	ZT_NETJOIN_DENIED,   /* a controller refused us (authorize the node; we keep asking) */
	ZT_NETJOIN_NOT_FOUND /* a controller says a network does not exist */
};
/* Where joining stands; *nwid is the network that holds it back (WAITING/DENIED/NOT_FOUND). */
enum zt_netjoin_state zt_netjoin_state(const struct zt_netjoin *nj, uint64_t *nwid);

/* The addresses assigned on nwid, as text ("10.147.17.100/24 fd80::…/88"), into out. */
void zt_netjoin_describe(const struct zt_netjoin *nj, uint64_t nwid, char *out, size_t cap);

/* The node's, VL2's and the netifs' counters as one line of "name=value" pairs (for -vv). */
void zt_netjoin_counters(const struct zt_netjoin *nj, char *out, size_t cap);

/* Has anything changed since the last call (a network came up, its config changed)? For progress lines. */
bool zt_netjoin_changed(struct zt_netjoin *nj);

#endif
