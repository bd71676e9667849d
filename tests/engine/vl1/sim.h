/* A simulated UDP wire for VL1 nodes in one process: a fake clock, datagrams with configurable loss,
 * delay and reordering, per-node addresses (127.0.0.x or made-up IPs), an optional stateful firewall per
 * node (NAT-less hole punching), a tap to capture, forge or drop datagrams, and a recording upper layer. */
#ifndef ZTRUN_TESTS_VL1_SIM_H
#define ZTRUN_TESTS_VL1_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/node.h"

#define SIM_MAX_NODES 12
#define SIM_LOG       64 /* messages and replies remembered per node */

struct sim;

struct sim_msg {
	uint64_t source, packet_id;
	uint8_t verb, hops;
	size_t len;
	uint8_t data[128]; /* the first bytes */
	uint32_t sum;      /* of the whole payload */
};

struct sim_reply {
	uint64_t source, in_re_id;
	uint8_t verb, in_re_verb, code, hops;
	size_t len;
	uint8_t data[128];
};

struct sim_obj {
	int type;
	uint64_t id;
	int len;
	uint8_t *data;
};

struct sim_node_opts {
	const struct zt_world *planet;   /* NULL: the one sim_planet built */
	bool firewall;                   /* drop datagrams from addresses this node has not sent to */
	bool no_loopback;                /* config.allow_loopback = false */
	unsigned max_peers;              /* 0: default */
	int gate_ms;                     /* 0: default, -1: no gate */
	const struct zt_inetaddr *local; /* config.local_addrs */
	size_t n_local;
};

struct sim_node {
	struct sim *sim;
	int index;
	struct zt_node *node;
	struct zt_identity id;
	struct zt_inetaddr addr;
	struct sim_node_opts opts;
	bool down; /* cut off: sends and receives nothing */
	uint64_t seed;
	int64_t deadline;
	struct zt_inetaddr contacted[64];
	unsigned n_contacted;
	/* What the upper layer saw: totals, and the last SIM_LOG of each. */
	unsigned n_msgs, n_replies, n_learned, n_online, n_offline, n_collisions, n_planet;
	struct sim_msg msgs[SIM_LOG];
	struct sim_reply replies[SIM_LOG];
	struct sim_obj objs[64];
	unsigned n_objs;
	uint64_t rx, tx; /* datagrams delivered to / sent by it */
};

struct sim_dgram {
	int64_t at;
	uint64_t seq;
	struct zt_inetaddr from, to;
	unsigned ttl;
	size_t len;
	uint8_t *data;
};

/* Sees every datagram as it is sent, before loss; may change it (not its length) or return false to drop
 * it. */
typedef bool sim_tap_fn(struct sim *s, struct sim_dgram *d, void *arg);

struct sim {
	int64_t now;
	uint64_t rng;
	unsigned loss_permille;
	int64_t delay_min, delay_max; /* uniform: a spread larger than the send gap reorders */
	sim_tap_fn *tap;
	void *tap_arg;
	unsigned n_nodes;
	struct sim_node nodes[SIM_MAX_NODES];
	struct sim_dgram *q;
	size_t nq, capq;
	uint64_t seq, sent, lost, delivered, undeliverable;
	struct zt_world planet;
};

void sim_init(struct sim *s, uint64_t seed);
void sim_free(struct sim *s);

/* "a.b.c.d" and a port. */
struct zt_inetaddr sim_addr(const char *ip, uint16_t port);

/* Declares node `idx` (an identity from sim_ids.h) at ip:port. Nodes are made by sim_start. */
struct sim_node *sim_add(struct sim *s, unsigned idx, const char *ip, uint16_t port,
                         const struct sim_node_opts *o);
/* Builds the planet (roots = the given nodes, at their addresses), signed with the last test identity. */
void sim_planet(struct sim *s, struct sim_node *const *roots, unsigned n);
/* Makes every declared node (planet as built). Returns 0 or the first zt_node_new error. */
int sim_start(struct sim *s);
/* Makes (or remakes, after sim_stop) one node. */
int sim_start_node(struct sim *s, struct sim_node *sn);
void sim_stop_node(struct sim_node *sn);

/* Runs the wire and the nodes' timers until `until` (absolute ms). */
void sim_run(struct sim *s, int64_t until);
void sim_run_for(struct sim *s, int64_t ms);
/* Runs until cond(arg) holds or `ms` pass; returns whether it held. */
bool sim_run_until(struct sim *s, int64_t ms, bool (*cond)(struct sim *s, void *arg), void *arg);

/* zt_node_send from a node, keeping its deadline right. */
int sim_send(struct sim_node *sn, uint64_t dest, uint8_t verb, const void *payload, size_t len, uint64_t *id);
/* Delivers bytes to `to` now, as if sent by `from` (for forged and replayed input). */
void sim_inject(struct sim *s, const struct zt_inetaddr *from, const struct zt_inetaddr *to, const void *data,
                size_t len);

/* ---- Crafting packets as an attacker (or a stranger) would ---- */

/* Armors a packet from `from` (which must hold its secret) to `to`: source address `src` (0: from's own),
 * `verb`, payload, hop count; cipher 0 for HELLO, else 1. Returns its length. */
size_t sim_craft(uint8_t *out, size_t cap, const struct zt_identity *from, const struct zt_identity *to,
                 uint64_t src, uint8_t verb, const void *payload, size_t len, uint8_t hops, uint64_t *id_out);
/* A HELLO payload carrying `id` (public half), protocol 11, ending after the identity. */
size_t sim_hello_payload(uint8_t *out, size_t cap, const struct zt_identity *id, int64_t ts);
/* Keys with a secret, under any address we like: well formed, but the address proves nothing. */
void sim_fake_identity(struct zt_identity *id, uint64_t address, uint64_t seed);
/* Test identity `idx` from sim_ids.h, with its secret. */
void sim_identity(struct zt_identity *id, unsigned idx);

/* Three nodes: a root and two leaves (optionally behind stateful firewalls, so the leaves can reach each
 * other only by punching through after a RENDEZVOUS), started but not yet online. */
struct sim_trio {
	struct sim s;
	struct sim_node *root, *a, *b;
};
void sim_trio_start(struct sim_trio *t, uint64_t seed, bool firewall);

/* Conditions for sim_run_until. */
bool sim_all_online(struct sim *s, void *arg);

/* Convenience queries. */
struct zt_node_counters sim_counters(const struct sim_node *sn);
/* The direct, confirmed path `sn` holds to `peer`, if any. */
bool sim_has_direct_path(const struct sim_node *sn, uint64_t peer);
const struct sim_reply *sim_last_reply(const struct sim_node *sn);
const struct sim_msg *sim_last_msg(const struct sim_node *sn);
unsigned sim_count_replies(const struct sim_node *sn, uint8_t in_re_verb, uint64_t from, int direct);

#endif
