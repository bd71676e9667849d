/* The VL1 node: the pure protocol core that makes one ZeroTier peer out of the VL1 blocks - HELLO, OK,
 * ERROR, WHOIS, RENDEZVOUS, ECHO, PUSH_DIRECT_PATHS, paths, roots and relaying - with no I/O and no clock.
 *
 * Three kinds of call drive it, each with the caller's monotonic `now` in ms and each returning the
 * time at which zt_node_tick() wants to run next: a datagram arrived (zt_node_wire_in), background work
 * is due (zt_node_tick), the layer above wants to send (zt_node_send). It acts only through the host's
 * callbacks (struct zt_node_callbacks) and the upper layer's handlers (struct zt_node_upper). One thread:
 * nothing here locks, and no call may run concurrently with another on the same node. Nodes share no
 * state, so a test can run many in one process.
 *
 * Malformed, forged, replayed or unwanted input is never the caller's error: it is dropped and counted
 * (zt_node_counters); the call still returns the next deadline.
 *
 * A host's loop, in short: zt_node_new; for each datagram read, deadline = zt_node_wire_in(...); when the
 * clock passes the deadline, deadline = zt_node_tick(n, now); after calling zt_node_send or
 * zt_node_whois from outside a handler, deadline = zt_node_next_deadline(n); zt_node_free at the end. */
#ifndef ZTRUN_VL1_NODE_H
#define ZTRUN_VL1_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/identity.h"
#include "vl1/inetaddr.h"
#include "vl1/world.h"

struct zt_node;

/* VL1 verb numbers (spec §5.1). VL2's verbs are listed so the upper layer and the node agree on them. */
enum zt_verb {
	ZT_VERB_NOP = 0x00,
	ZT_VERB_HELLO = 0x01,
	ZT_VERB_ERROR = 0x02,
	ZT_VERB_OK = 0x03,
	ZT_VERB_WHOIS = 0x04,
	ZT_VERB_RENDEZVOUS = 0x05,
	ZT_VERB_FRAME = 0x06,
	ZT_VERB_EXT_FRAME = 0x07,
	ZT_VERB_ECHO = 0x08,
	ZT_VERB_MULTICAST_LIKE = 0x09,
	ZT_VERB_NETWORK_CREDENTIALS = 0x0a,
	ZT_VERB_NETWORK_CONFIG_REQUEST = 0x0b,
	ZT_VERB_NETWORK_CONFIG = 0x0c,
	ZT_VERB_MULTICAST_GATHER = 0x0d,
	ZT_VERB_MULTICAST_FRAME = 0x0e,
	ZT_VERB_PUSH_DIRECT_PATHS = 0x10,
	ZT_VERB_USER_MESSAGE = 0x14,
};

/* ERROR codes (spec §5.4). */
enum zt_error_code {
	ZT_ERR_INVALID_REQUEST = 0x01,
	ZT_ERR_BAD_PROTOCOL_VERSION = 0x02,
	ZT_ERR_OBJ_NOT_FOUND = 0x03,
	ZT_ERR_IDENTITY_COLLISION = 0x04,
	ZT_ERR_UNSUPPORTED_OPERATION = 0x05,
	ZT_ERR_NEED_MEMBERSHIP_CERTIFICATE = 0x06,
	ZT_ERR_NETWORK_ACCESS_DENIED = 0x07,
	ZT_ERR_UNWANTED_MULTICAST = 0x08,
	ZT_ERR_NETWORK_AUTHENTICATION_REQUIRED = 0x09,
};

/* What we announce. 12 asks peers for cipher 3 (AES-GMAC-SIV), as stock 1.14 does; nothing else in
 * 1.14 or 1.16 changes for a peer at 12 (stock gates only AES on >= 12; 13 adds nothing a peer acts on). */
#define ZT_NODE_PROTO_VERSION 12
/* The lowest announced protocol we send cipher 3 to (stock's aesKeysIfSupported()). */
#define ZT_NODE_PROTO_AES 12
#define ZT_NODE_VERSION_MAJOR 1
#define ZT_NODE_VERSION_MINOR 14
#define ZT_NODE_VERSION_REV   1

/* A local UDP socket, as the host numbers them (e.g. an index into its socket table; never a cast
 * pointer). The node only hands it back. ZT_SOCK_ANY asks the host to pick a socket of the right
 * address family: the node uses it for addresses it has not heard from yet (root endpoints). */
typedef int32_t zt_sock_id;
#define ZT_SOCK_ANY ((zt_sock_id)-1)

/* Objects the node stores through the host (ZeroTier's home-directory names in brackets). `id` is 0 for
 * singletons, else the object's own ID. The node reads and writes only PLANET and PEER; the others are
 * named so the host and the upper layer share one numbering. */
enum zt_state_object {
	ZT_STATE_IDENTITY_PUBLIC = 1, /* identity.public */
	ZT_STATE_IDENTITY_SECRET = 2, /* identity.secret */
	ZT_STATE_PLANET = 3, /* planet: a serialized world, written when a root hands us a newer one */
	ZT_STATE_MOON = 4,   /* moons.d/<id>.moon */
	ZT_STATE_PEER = 5,   /* peers.d/<address>.peer: our own format, a cache the node may lose */
	ZT_STATE_NETWORK_CONFIG = 6, /* networks.d/<nwid>.conf: the upper layer's */
};

enum zt_node_event {
	ZT_NODE_EVENT_ONLINE = 1,  /* a root answered: we can reach the network (data: NULL) */
	ZT_NODE_EVENT_OFFLINE = 2, /* no root has answered for ZT_NODE_ONLINE_MS (data: NULL) */
	/* A root says our address belongs to another key: this identity cannot be used; the host should
	 * stop and make a new one (data: NULL). */
	ZT_NODE_EVENT_IDENTITY_COLLISION = 3,
	/* The planet was replaced by a newer signed revision from a root (data: const struct zt_world *,
	 * valid during the call). The node has already stored it with state_put(ZT_STATE_PLANET). */
	ZT_NODE_EVENT_PLANET_CHANGED = 4,
};

#define ZT_NODE_CALLBACKS_VERSION 1

/* The host's side. Every callback gets the `arg` given to zt_node_new. Unless a callback says otherwise
 * it must not call back into the node (no zt_node_* call at all), and pointers it receives are valid
 * only during the call: copy what you keep. */
struct zt_node_callbacks {
	int version; /* ZT_NODE_CALLBACKS_VERSION */

	/* REQUIRED. Send one UDP datagram from local socket `sock` (or any socket of to->family for
	 * ZT_SOCK_ANY) to `to`. `ttl` is 0 for the default, or a small IP TTL for NAT-opening junk
	 * (spec §5.6); a host that cannot set it may ignore it. Return 0, or a negative errno if the
	 * datagram certainly did not leave (the node counts it; it never retries a single datagram). */
	int (*wire_send)(void *arg, zt_sock_id sock, const struct zt_inetaddr *to, const void *data,
	                 size_t len, unsigned ttl);

	/* REQUIRED. Fill buf with len unpredictable bytes (packet IDs, NAT junk). Must not fail. A test
	 * passes a seeded stream so a simulation replays exactly. */
	void (*random)(void *arg, void *buf, size_t len);

	/* OPTIONAL (both or neither). Store `len` bytes as object (type, id), replacing any older copy;
	 * len == -1 deletes it. Return 0 or a negative errno (the node goes on without it). */
	int (*state_put)(void *arg, enum zt_state_object type, uint64_t id, const void *data, int len);
	/* Copy object (type, id) into buf (cap bytes). Return its length, -ENOENT, or -ENOSPC if larger than
	 * cap. What comes back is trusted as the node's own earlier state_put. */
	int (*state_get)(void *arg, enum zt_state_object type, uint64_t id, void *buf, size_t cap);

	/* OPTIONAL. Something the host may want to log or act on; see enum zt_node_event for `data`. The
	 * callback may call the read-only queries (zt_node_address, zt_node_online, zt_node_peers, ...). */
	void (*event)(void *arg, enum zt_node_event ev, const void *data);

	/* OPTIONAL. Veto a path before the node adopts it: return false to refuse `remote` via `sock` for
	 * the peer `address` (e.g. an address that belongs to a virtual network, which would loop). Called
	 * after the node's own rules (spec §7.3) have accepted it. */
	bool (*path_check)(void *arg, uint64_t address, zt_sock_id sock, const struct zt_inetaddr *remote);
};

/* Start-up configuration; call zt_node_config_init first, then change what you need. zt_node_new copies
 * everything it keeps, so the pointed-to objects may be freed after it returns. */
struct zt_node_config {
	/* REQUIRED: our identity, with its secret (checked with zt_identity_check_secret). */
	const struct zt_identity *identity;
	/* The planet whose roots we use; NULL means the built-in Earth. Trusted as given (its signature only
	 * matters for the next revision, which must be signed with its updates key). A node listed among its
	 * roots is a root itself: it answers WHOIS for anyone and relays between peers (spec §6.5). */
	const struct zt_world *planet;
	/* Accept 127.0.0.0/8 and ::1 as paths (our nodes may share one host's loopback; stock ones never
	 * do). Default true. */
	bool allow_loopback;
	/* Largest datagram we send (spec §4.3). Default ZT_DEFAULT_MTU; 576..ZT_DEFAULT_MTU accepted. */
	unsigned mtu;
	/* Most peers kept in memory (identity, key, paths); over it the least recently heard non-root goes to
	 * the peer cache (state_put) and is reloaded from there on demand. Default ZT_NODE_MAX_PEERS. */
	unsigned max_peers;
	/* Minimum ms between two memory-hard identity checks for HELLOs from one IPv4 /24 or IPv6 /48
	 * (spec §5.2 step 4), after a burst of ZT_NODE_IDENTITY_GATE_BURST. Default 2000; 0 turns it off. */
	unsigned identity_gate_ms;
	/* Local addresses (IP and the port the host bound) that peers on the same LAN could reach us at;
	 * zt_node_push_paths advertises them. Copied; at most ZT_NODE_MAX_LOCAL_ADDRS. */
	const struct zt_inetaddr *local_addrs;
	size_t n_local_addrs;
};

#define ZT_NODE_MAX_PEERS           1024
#define ZT_NODE_IDENTITY_GATE_BURST 4
#define ZT_NODE_MAX_LOCAL_ADDRS     8
#define ZT_NODE_MAX_PATHS           8  /* per peer */
#define ZT_NODE_TXQ_ENTRIES         32 /* packets waiting for a WHOIS answer or a path, all peers */
#define ZT_NODE_RXQ_ENTRIES         32 /* packets from unknown sources waiting for a WHOIS answer */
#define ZT_NODE_QUEUE_TIMEOUT_MS    5000
#define ZT_NODE_WHOIS_RETRY_MS      500
#define ZT_NODE_PATH_ALIVE_MS       19000 /* heard within this: alive (spec §7.1) */
#define ZT_NODE_PATH_EXPIRE_MS      243000
#define ZT_NODE_PEER_ACTIVITY_MS    500000
#define ZT_NODE_ONLINE_MS           120000 /* a root answered within this: online */
#define ZT_NODE_RELAY_MAX_HOPS      3

void zt_node_config_init(struct zt_node_config *c);

/* Makes a node and starts contacting the planet's roots (HELLO to each endpoint) through wire_send
 * before it returns. `cb` is copied; `arg` is passed to every callback. 0, -EINVAL (missing required
 * callback, unknown callbacks version, identity without a valid secret, bad config), -ENOMEM. */
int zt_node_new(struct zt_node **out, const struct zt_node_callbacks *cb, void *arg,
                const struct zt_node_config *config, int64_t now);
/* Frees everything, queued packets included. No callback runs. NULL is fine. */
void zt_node_free(struct zt_node *n);

/* A UDP datagram arrived on local socket `sock` from `from`. The node copies what it keeps. Returns the
 * next deadline (absolute ms; never later than now + 1000). */
int64_t zt_node_wire_in(struct zt_node *n, zt_sock_id sock, const struct zt_inetaddr *from, const void *data,
                        size_t len, int64_t now);
/* Background work: keepalives, WHOIS retries, queue and fragment expiry, path expiry, the upper layer's
 * tick. Call it when the last returned deadline has passed (early is harmless). Returns the next one. */
int64_t zt_node_tick(struct zt_node *n, int64_t now);
/* The deadline the node holds now (after zt_node_send, which cannot return it). */
int64_t zt_node_next_deadline(const struct zt_node *n);

/* ---- The boundary to VL2 (the upper layer) ---------------------------------------------------------
 *
 * The node authenticates, decrypts, decompresses and reassembles; it hands the upper layer whole
 * payloads from peers whose identity it holds. The upper layer sends through zt_node_send and gets the
 * OK/ERROR replies to what it sent. Everything below is valid only during the handler call. */

/* An incoming packet for the upper layer. */
struct zt_node_msg {
	uint64_t source;                /* authenticated sender address */
	const struct zt_identity *peer; /* its identity (public half), e.g. to verify a COM */
	uint8_t verb;                   /* ZT_VERB_*, compressed bit cleared */
	uint64_t packet_id;             /* the 8 ID bytes as a big-endian number: OK/ERROR quote it */
	const uint8_t *payload;         /* the bytes after the verb (packet offset 28 on) */
	size_t len;
	uint8_t hops;    /* 0 = came straight from the peer; > 0 = relayed */
	zt_sock_id sock; /* the path it arrived on (the relay's, if hops > 0) */
	const struct zt_inetaddr *remote;
};

/* An OK or ERROR for a packet the upper layer sent with zt_node_send. OKs are passed on only if they quote
 * the ID of a request we sent within the last ZT_NODE_REPLY_WINDOW_MS, to that peer, with that verb; the
 * requests remembered are ECHO, NETWORK_CONFIG_REQUEST, MULTICAST_GATHER and MULTICAST_FRAME (what
 * stock nodes remember; a config arriving in several chunks quotes one ID several times: each is
 * passed on). ERRORs are passed on whenever their in-re verb is not one the node handles itself (stock
 * nodes do not check ERROR IDs either): the upper layer decides whom to trust for which code. */
struct zt_node_reply {
	uint64_t source;
	const struct zt_identity *peer;
	uint8_t verb;           /* ZT_VERB_OK or ZT_VERB_ERROR */
	uint8_t in_re_verb;     /* the verb of our packet */
	uint64_t in_re_id;      /* its packet ID */
	uint8_t error_code;     /* ERROR only (enum zt_error_code) */
	const uint8_t *payload; /* OK: from offset 37 on; ERROR: from 38 on (after the code) */
	size_t len;
	uint8_t hops;
};
#define ZT_NODE_REPLY_WINDOW_MS 60000

#define ZT_NODE_UPPER_VERSION 1

/* The upper layer's handlers. They run inside zt_node_wire_in / zt_node_tick. They MAY call zt_node_send,
 * zt_node_peer_identity, zt_node_whois and the read-only queries; they must NOT call zt_node_wire_in,
 * zt_node_tick, zt_node_set_upper or zt_node_free. */
struct zt_node_upper {
	int version; /* ZT_NODE_UPPER_VERSION */
	/* REQUIRED. A packet with a verb the node does not handle itself: FRAME, EXT_FRAME, MULTICAST_LIKE,
	 * NETWORK_CREDENTIALS, NETWORK_CONFIG_REQUEST, NETWORK_CONFIG, MULTICAST_GATHER, MULTICAST_FRAME
	 * (0x06, 0x07, 0x09..0x0e) and USER_MESSAGE (0x14). Exact duplicates of a recently accepted packet
	 * (replays) are dropped before this; "recently" is a window of a few thousand packets, so a replay of
	 * something older can arrive: the upper layer must tolerate a duplicate as an IP network does, and
	 * should not let an old config or credential replace a newer one (their own timestamps say which). */
	void (*verb_in)(void *arg, struct zt_node *n, const struct zt_node_msg *m, int64_t now);
	/* REQUIRED. OK/ERROR replies, see struct zt_node_reply. OK(ECHO) for an ECHO sent with zt_node_send
	 * comes here too. */
	void (*reply_in)(void *arg, struct zt_node *n, const struct zt_node_reply *r, int64_t now);
	/* OPTIONAL. Runs from every zt_node_tick; returns the upper layer's next deadline (INT64_MAX: none).
	 */
	int64_t (*tick)(void *arg, struct zt_node *n, int64_t now);
	/* OPTIONAL. We now hold `address`'s identity (HELLO, OK(WHOIS) or the peer cache): whatever waited
	 * for it (a COM to verify) can go on. Not called again for a peer the node already held. */
	void (*peer_learned)(void *arg, struct zt_node *n, uint64_t address, const struct zt_identity *id,
	                     int64_t now);
};

/* Registers (or with NULL removes) the upper layer; `u` is copied. 0 or -EINVAL. */
int zt_node_set_upper(struct zt_node *n, const struct zt_node_upper *u, void *arg);

/* Sends one packet: header, `verb`, payload (the bytes after the verb; at most ZT_PACKET_MAX_PAYLOAD).
 * The node finds the peer (WHOIS through a root if unknown, holding the packet for up to
 * ZT_NODE_QUEUE_TIMEOUT_MS), picks its best live direct path or relays through a root, compresses when
 * that shrinks it, armors (cipher 3 if the peer announced protocol >= 12, else 1) and fragments at the
 * MTU. Any verb but HELLO: the upper layer sends its OK/ERROR replies here too (payload = in-re verb,
 * in-re ID, ...). *packet_id (may be NULL) gets the ID replies will quote - for a held packet (1), the
 * ID it was built with, which cipher 3 replaces when it goes out.
 * Returns 0 (sent), 1 (held until the peer's identity arrives, or until the path it came over is
 * confirmed when no root can relay), or -EINVAL (bad destination or verb), -EMSGSIZE (too long),
 * -ENOBUFS (the wait queue is full), -EHOSTUNREACH (no path and no root). */
int zt_node_send(struct zt_node *n, uint64_t dest, uint8_t verb, const void *payload, size_t len, int64_t now,
                 uint64_t *packet_id);

/* Copies `address`'s identity (public half) if the node holds it (in memory or in the peer cache).
 * 0 or -ENOENT. */
int zt_node_peer_identity(struct zt_node *n, uint64_t address, struct zt_identity *out);
/* Asks the roots for `address`'s identity unless we hold it; the upper layer's peer_learned handler
 * runs when it arrives. 0 (known already), 1 (asked), -EINVAL, -EHOSTUNREACH (no root). */
int zt_node_whois(struct zt_node *n, uint64_t address, int64_t now);
/* Sends PUSH_DIRECT_PATHS with the configured local addresses and the external addresses roots have
 * reported, to a peer the upper layer shares a network with. 0, -ENOENT (nothing to push), or as
 * zt_node_send. */
int zt_node_push_paths(struct zt_node *n, uint64_t dest, int64_t now);

/* ---- Read-only queries (any time, also from the event callback) ------------------------------------ */

uint64_t zt_node_address(const struct zt_node *n);
const struct zt_identity *zt_node_identity(const struct zt_node *n); /* valid while n lives */
bool zt_node_online(const struct zt_node *n);
bool zt_node_is_root(const struct zt_node *n);

enum zt_peer_role {
	ZT_PEER_LEAF = 0,
	ZT_PEER_ROOT = 1,
};

struct zt_node_path_info {
	zt_sock_id sock;
	struct zt_inetaddr addr;
	int64_t last_recv, last_send; /* 0: never */
	bool confirmed;               /* an OK came back on it: usable for data */
	bool preferred;               /* what zt_node_send would use now */
};

struct zt_node_peer_info {
	uint64_t address;
	enum zt_peer_role role;
	int proto, major, minor, rev; /* -1 until a HELLO or OK(HELLO) told us */
	int latency_ms;               /* -1: unknown */
	int64_t last_recv;
	unsigned n_paths;
	struct zt_node_path_info paths[ZT_NODE_MAX_PATHS];
};

/* Fills up to cap peers held in memory (roots first); returns how many there are in all. */
size_t zt_node_peers(const struct zt_node *n, struct zt_node_peer_info *out, size_t cap, int64_t now);
/* One peer; 0 or -ENOENT. */
int zt_node_peer(const struct zt_node *n, uint64_t address, struct zt_node_peer_info *out, int64_t now);

/* What the node dropped and why, and a few totals: for logs, `ztrun cli` and tests. Monotonic. */
struct zt_node_counters {
	uint64_t rx_datagrams, rx_packets, tx_datagrams, tx_packets, tx_errors;
	uint64_t drop_short, drop_oversize, drop_malformed, drop_bad_mac, drop_cipher, drop_replay;
	uint64_t drop_not_for_us, drop_unknown_peer, drop_wrong_identity, drop_collision, drop_rate_limited;
	uint64_t drop_fragment, drop_unsolicited, drop_queue_full, drop_hops;
	uint64_t identity_checks; /* memory-hard hashes run */
	uint64_t relayed, rendezvous_sent, whois_sent, whois_answered;
	uint64_t rx_aes, tx_aes; /* packets authenticated / sent under cipher 3 (AES-GMAC-SIV) */
};
void zt_node_counters(const struct zt_node *n, struct zt_node_counters *out);
/* Bytes the node holds now (tables, peers, queues, reassembly): bounded by its limits, whatever arrives. */
size_t zt_node_memory(const struct zt_node *n);

#endif
