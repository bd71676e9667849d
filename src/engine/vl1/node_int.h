/* The VL1 node's insides, shared by its source files (node*.c) and nobody else: the node struct, its
 * fixed-size tables, and the functions one part of the node calls in another. */
#ifndef ZTRUN_VL1_NODE_INT_H
#define ZTRUN_VL1_NODE_INT_H

#include "vl1/fragment.h"
#include "vl1/node.h"
#include "vl1/packet.h"
#include "vl1/path.h"
#include "vl1/peer.h"
#include "vl1/world.h"

/* Largest datagram we accept: a whole packet plus extended armor (spec §4.3 asks for at least 10,100
 * bytes; anything longer cannot be a packet we could read). */
#define ZT_NODE_MAX_DATAGRAM 10100
#define ZT_NODE_TICK_MS      500

#define EXPECT_SLOTS   1024 /* packet IDs we await a reply to */
#define SEEN_SLOTS     4096 /* (source, packet ID) recently accepted: the replay window */
#define GATE_SLOTS     1024 /* new-identity rate gates, by source IP bucket */
#define UNITE_SLOTS    256  /* RENDEZVOUS gates, by peer pair (roots) */
#define WHOIS_SLOTS    64   /* addresses we are asking roots about */
#define EXTERNAL_SLOTS 4    /* our addresses as peers see them */

#define HELLO_PERIOD_MS   60000 /* full HELLO to active peers and roots */
#define HEARTBEAT_MS      14000 /* ECHO on a path with nothing sent for this long */
#define QUIET_PATH_MS     1500  /* sending on a path, nothing heard back for this long: ECHO it */
#define QUIET_ECHO_MS     1000  /* one such ECHO per this */
#define QUIET_ECHOES      3     /* unanswered ones before we stop using the path */
#define PROBE_WINDOW_MS   12000 /* how long we try to confirm a candidate path */
#define ECHO_GATE_MS      160   /* answer at most one ECHO per path per this */
#define WHOIS_GATE_MS     100   /* leaves answer one WHOIS per peer per this (as stock) */
#define ROOT_WHOIS_MS     50    /* roots: one per peer per this on average (stock roots: no limit) */
#define ROOT_WHOIS_BURST  32    /* ... after a burst of this many */
#define UNITE_GATE_MS     30000 /* stock introduces a pair at most this often: our longest wait */
#define UNITE_FIRST_MS    2000
#define PUSH_WINDOW_MS    30000
#define PUSH_PER_WINDOW   8
#define PUSH_ADDRS_MAX    8
#define HOUSEKEEPING_MS   30000
#define ROOT_RETRY_MIN_MS 1000
#define ROOT_RETRY_MAX_MS 15000

struct expect {
	uint64_t id, peer;
	int64_t sent;
	struct zt_inetaddr addr; /* where it went (a relay's address if relayed) */
	zt_sock_id sock;
	uint8_t verb;
	bool upper;  /* zt_node_send sent it: OK/ERROR go up */
	bool direct; /* sent straight to the peer: an OK over the same address confirms that path */
	bool used;   /* a path-confirming OK was taken: one confirmation per probe */
};

struct seen {
	uint64_t src, id;
};

struct gate {
	uint64_t bucket; /* IP prefix + 1 (0 = free) */
	int64_t last;
	unsigned tokens;
};

struct unite {
	uint64_t a, b;
	int64_t last, interval; /* the next introduction waits `interval`: 2 s doubling to 30 s */
};

struct whois {
	uint64_t address; /* 0 = free */
	int64_t first, next;
	unsigned tries;
};

/* A RENDEZVOUS about a peer we did not know yet: tried once its identity arrives. */
struct hint {
	uint64_t address; /* 0 = free */
	int64_t when;
	zt_sock_id sock;
	struct zt_inetaddr at;
};
#define HINT_SLOTS 8

/* A packet from zt_node_send waiting for its destination's identity. */
struct txq {
	uint64_t dest, id;
	int64_t queued;
	uint8_t verb;
	uint8_t *payload; /* NULL = free */
	size_t len;
};

/* A whole (reassembled) packet from a source we do not know yet, waiting for a WHOIS answer. */
struct rxq {
	uint64_t src;
	int64_t queued;
	zt_sock_id sock;
	struct zt_inetaddr from;
	uint8_t *pkt; /* NULL = free */
	size_t len;
};

struct zt_node {
	struct zt_node_callbacks cb;
	void *arg;
	struct zt_node_upper up;
	void *up_arg;
	bool has_up;

	struct zt_identity me;
	struct zt_world planet;
	bool am_root;
	bool allow_loopback;
	unsigned mtu, max_peers, gate_ms;
	struct zt_inetaddr local[ZT_NODE_MAX_LOCAL_ADDRS];
	size_t n_local;
	struct zt_inetaddr external[EXTERNAL_SLOTS];

	struct zt_peer_table peers;
	struct zt_reasm *reasm;
	struct expect expect[EXPECT_SLOTS];
	struct seen seen[SEEN_SLOTS];
	struct gate gates[GATE_SLOTS];
	struct unite unite[UNITE_SLOTS];
	struct whois whois[WHOIS_SLOTS];
	struct txq txq[ZT_NODE_TXQ_ENTRIES];
	struct rxq rxq[ZT_NODE_RXQ_ENTRIES];
	struct hint hints[HINT_SLOTS];
	size_t queued_bytes;
	bool waiting_released; /* a peer arrived: look at the queues before returning */

	void *scratch; /* the identity hash's 2 MiB, made on first need */
	struct zt_node_counters ctr;
	int64_t now; /* the latest time any call brought: for the few calls that take none */
	int64_t deadline, upper_deadline, next_housekeeping;
	bool online;

	/* One packet at a time each way; relaying copies the datagram into its own buffer. */
	uint8_t rxbuf[ZT_NODE_MAX_DATAGRAM];
	uint8_t txbuf[ZT_PACKET_MAX_LEN];
	uint8_t fwdbuf[ZT_NODE_MAX_DATAGRAM];
};

/* node.c */
void zt_node_want(struct zt_node *n, int64_t when);
void zt_node_event(struct zt_node *n, enum zt_node_event ev, const void *data);
void zt_node_set_online(struct zt_node *n, bool online);
bool zt_node_path_ok(struct zt_node *n, const struct zt_peer *p, zt_sock_id sock,
                     const struct zt_inetaddr *a);

/* node_peers.c: the peer table as the node uses it */
struct zt_peer *zt_node_peer_get(struct zt_node *n, uint64_t address, int64_t now);
/* Adds a peer we just validated (or loaded from the cache, or a root from the world); NULL on failure. */
struct zt_peer *zt_node_peer_add(struct zt_node *n, const struct zt_identity *id, bool from_cache,
                                 int64_t now);
void zt_node_peer_store(struct zt_node *n, const struct zt_peer *p);
int zt_node_validate(struct zt_node *n, const struct zt_identity *id);
bool zt_node_identity_gate(struct zt_node *n, const struct zt_inetaddr *from, int64_t now);
struct zt_peer *zt_node_best_root(struct zt_node *n, int64_t now);
const struct zt_world_root *zt_node_planet_root(const struct zt_node *n, uint64_t address);
void zt_node_roots_setup(struct zt_node *n, int64_t now);
void zt_node_housekeeping(struct zt_node *n, int64_t now);

/* node_tx.c */
uint64_t zt_node_new_id(struct zt_node *n, uint8_t id[8]);
void zt_node_expect(struct zt_node *n, uint64_t id, uint64_t peer, uint8_t verb, zt_sock_id sock,
                    const struct zt_inetaddr *addr, bool direct, bool upper, int64_t now);
struct expect *zt_node_expected(struct zt_node *n, uint64_t id, uint64_t peer, uint8_t verb, int64_t now);
/* Builds in n->txbuf: header (fresh ID unless id_in), verb, payload. Returns the length, or -EMSGSIZE. */
int zt_node_build(struct zt_node *n, struct zt_peer *p, const uint8_t *id_in, uint8_t verb,
                  const void *payload, size_t len);
/* The ID of the packet in n->txbuf: once it is sent, the ID replies quote (cipher 3 replaces the one it
 * was built with). */
uint64_t zt_node_tx_id(const struct zt_node *n);
/* Armors n->txbuf (0 for a HELLO, else 3 or 1 as the peer reads) and sends it over one path, fragmenting
 * at the MTU. */
int zt_node_send_on(struct zt_node *n, struct zt_peer *p, size_t len, zt_sock_id sock,
                    const struct zt_inetaddr *to, int64_t now);
/* Sends n->txbuf to a peer over its best path or through a root. 0 or -EHOSTUNREACH. */
int zt_node_send_built(struct zt_node *n, struct zt_peer *p, size_t len, int64_t now);
/* Builds and sends a packet to a peer (best path or relay), or straight to (sock, to) if `to` is given;
 * *id_out (may be NULL) gets the sent packet's ID. */
int zt_node_send_verb(struct zt_node *n, struct zt_peer *p, uint8_t verb, const void *payload, size_t len,
                      zt_sock_id sock, const struct zt_inetaddr *to, int64_t now, uint64_t *id_out);
void zt_node_send_raw(struct zt_node *n, zt_sock_id sock, const struct zt_inetaddr *to, const void *data,
                      size_t len, unsigned ttl);
int zt_node_whois_ask(struct zt_node *n, uint64_t address, int64_t now);
void zt_node_whois_retry(struct zt_node *n, int64_t now);
void zt_node_whois_done(struct zt_node *n, uint64_t address);
bool zt_node_whois_pending(const struct zt_node *n, uint64_t address);
int zt_node_rxq_add(struct zt_node *n, const uint8_t *pkt, size_t len, uint64_t src, zt_sock_id sock,
                    const struct zt_inetaddr *from, int64_t now);
void zt_node_release_waiting(struct zt_node *n, int64_t now);
void zt_node_queues_expire(struct zt_node *n, int64_t now);
void zt_node_queues_free(struct zt_node *n);

/* node_hello.c */
void zt_node_send_hello(struct zt_node *n, struct zt_peer *p, zt_sock_id sock, const struct zt_inetaddr *to,
                        int64_t now);
void zt_node_hello_in(struct zt_node *n, uint8_t *pkt, size_t len, bool authenticated, zt_sock_id sock,
                      const struct zt_inetaddr *from, int64_t now);
void zt_node_ok_hello_in(struct zt_node *n, struct zt_peer *p, struct zt_rd *r, uint8_t hops,
                         struct expect *e, zt_sock_id sock, const struct zt_inetaddr *from, int64_t now);
void zt_node_keepalive(struct zt_node *n, struct zt_peer *p, int64_t now);

/* node_rx.c */
/* True if (src, packet ID) was accepted recently (a replay); records it either way. */
bool zt_node_seen(struct zt_node *n, uint64_t src, const uint8_t id[8]);
void zt_node_packet_in(struct zt_node *n, uint8_t *pkt, size_t len, zt_sock_id sock,
                       const struct zt_inetaddr *from, int64_t now);
/* An authenticated packet with hops 0 came over (sock, from): refresh that path, or start confirming it. */
void zt_node_heard(struct zt_node *n, struct zt_peer *p, uint8_t hops, bool replay, zt_sock_id sock,
                   const struct zt_inetaddr *from, int64_t now);
/* Adds (sock, a) as a candidate path for p and starts probing it; false if the rules refuse it. */
bool zt_node_try_path(struct zt_node *n, struct zt_peer *p, zt_sock_id sock, const struct zt_inetaddr *a,
                      int64_t now);

/* node_verbs.c: packet points at a whole, authenticated, decompressed packet */
void zt_node_ok_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len, uint8_t hops,
                   zt_sock_id sock, const struct zt_inetaddr *from, int64_t now);
void zt_node_error_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len, uint8_t hops,
                      int64_t now);
void zt_node_whois_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len,
                      const uint8_t id[8], zt_sock_id sock, const struct zt_inetaddr *from, int64_t now);
void zt_node_rendezvous_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len,
                           zt_sock_id sock, int64_t now);
void zt_node_echo_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len,
                     const uint8_t id[8], zt_sock_id sock, const struct zt_inetaddr *from, int64_t now);
void zt_node_push_in(struct zt_node *n, struct zt_peer *p, const uint8_t *pkt, size_t len, int64_t now);
/* An OK to our HELLO or ECHO came back: with hops 0 it confirms the path it came over (once per probe). */
void zt_node_confirm_path(struct zt_node *n, struct zt_peer *p, struct expect *e, uint8_t hops,
                          zt_sock_id sock, const struct zt_inetaddr *from, int64_t now);

/* node_relay.c */
void zt_node_relay(struct zt_node *n, const uint8_t *dgram, size_t len, bool fragment, uint64_t dest,
                   uint64_t src, int64_t now);

#endif
