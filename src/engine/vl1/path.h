/* A peer's physical paths: (local socket, remote IP:port) pairs, which of them may carry ZeroTier at all
 * (spec §7.3), and how a peer's small path table learns, confirms, ranks and expires them. */
#ifndef ZTRUN_VL1_PATH_H
#define ZTRUN_VL1_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/inetaddr.h"
#include "vl1/node.h"

struct zt_path {
	zt_sock_id sock; /* ZT_SOCK_ANY until we hear from it (a root's endpoint from the world) */
	struct zt_inetaddr addr;
	int64_t created, last_recv, last_send;
	int64_t last_echo_in;   /* ECHO answer gate */
	int64_t next_probe;     /* unconfirmed: when to send the next confirming HELLO (0: never) */
	int64_t probe_until;    /* unconfirmed: give up after this (0: never, a root's world endpoint) */
	int64_t probe_interval; /* grows 1 s, 2 s, 4 s ... */
	int64_t quiet_echo;     /* last ECHO sent because the path went quiet while we sent on it */
	unsigned quiet_echoes;  /* such ECHOs since we last heard from it */
	int latency;            /* ms, -1 unknown */
	bool confirmed;         /* an OK came back over it: it carries data */
	bool pinned;            /* a root's endpoint from the world: never dropped, only unconfirmed */
};

/* Whether `a` may be a ZeroTier path at all: a port, and not unspecified, link-local, multicast,
 * 0.0.0.0/8, 255.0.0.0/8 or 2001:470::/32; loopback only if allowed. */
bool zt_path_addr_usable(const struct zt_inetaddr *a, bool allow_loopback);

/* A path table of up to ZT_NODE_MAX_PATHS entries, *n in use, kept dense. */
struct zt_path *zt_paths_find(struct zt_path *paths, unsigned n, zt_sock_id sock,
                              const struct zt_inetaddr *a);

/* Adds an unconfirmed path (or returns the existing one). When the table is full it replaces the oldest
 * unconfirmed path, else the oldest confirmed one not heard from for ZT_NODE_PATH_ALIVE_MS; NULL if every
 * slot holds a live confirmed path. */
struct zt_path *zt_paths_add(struct zt_path *paths, unsigned *n, zt_sock_id sock, const struct zt_inetaddr *a,
                             int64_t now);

/* The path data should take: confirmed, heard within ZT_NODE_PATH_EXPIRE_MS, alive ones first, then the
 * lowest latency plus time since last heard (stock's quality). NULL if none. */
struct zt_path *zt_paths_best(struct zt_path *paths, unsigned n, int64_t now);

/* Drops confirmed paths silent for ZT_NODE_PATH_EXPIRE_MS and unconfirmed ones past probe_until; a pinned
 * path is only marked unconfirmed. */
void zt_paths_expire(struct zt_path *paths, unsigned *n, int64_t now);

#endif
