/* The host side of a VL1 node: its UDP sockets, its state in the home directory, and its deadlines, all
 * on ztrun's event loop. The node itself (src/engine/vl1/node.h) does no I/O; this is where it happens. */
#ifndef ZTRUN_NODEHOST_H
#define ZTRUN_NODEHOST_H

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"
#include "home.h"
#include "vl1/node.h"

struct zt_nodehost;

struct zt_nodehost_config {
	struct zt_home *home;               /* state goes here (ephemeral: nowhere) */
	const struct zt_identity *identity; /* with its secret */
	const struct zt_world *planet;
	uint16_t port;       /* UDP port for IPv4 and IPv6; 0: any free one, the same for both */
	const char *bind;    /* bind to this one address (IPv4 or IPv6 text) instead of any */
	bool allow_loopback; /* accept 127.0.0.0/8 and ::1 paths (our nodes on one host) */
	bool api_listener;   /* also listen on TCP 127.0.0.1 at the same port, for the local API as stock
	                      * has it; port 0 then picks one free for all three */
	/* OPTIONAL: the node's events (online, offline, ...), for the subcommand to report. */
	void (*event)(void *arg, enum zt_node_event ev, const void *data);
	void *event_arg;
};

/* Binds the sockets, makes the node and watches the sockets on loop. 0, -EADDRINUSE (the port),
 * -EADDRNOTAVAIL (the bind address), -EINVAL, or -errno. */
int zt_nodehost_new(struct zt_nodehost **out, struct zt_loop *loop, const struct zt_nodehost_config *cfg);
/* Frees the node, closes the sockets and leaves the loop. */
void zt_nodehost_free(struct zt_nodehost *h);

struct zt_node *zt_nodehost_node(struct zt_nodehost *h);
uint16_t zt_nodehost_port(const struct zt_nodehost *h);
/* With api_listener: the listening TCP socket, now the caller's to close (once; then -1). */
int zt_nodehost_take_api_fd(struct zt_nodehost *h);
/* The node's counters as "node name=value ..." (for -vv). Returns what snprintf returns. */
int zt_nodehost_counters(struct zt_nodehost *h, char *out, size_t cap);

#endif
