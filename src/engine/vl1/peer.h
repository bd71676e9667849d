/* What a node keeps per peer - identity, the agreed key, versions, paths, timers - in a hash table keyed
 * by address, and the record a peer is cached as (ZT_STATE_PEER) so it returns without a new hash. */
#ifndef ZTRUN_VL1_PEER_H
#define ZTRUN_VL1_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/identity.h"
#include "vl1/packet.h"
#include "vl1/path.h"

struct zt_peer {
	struct zt_peer *next;  /* hash chain */
	struct zt_identity id; /* public half only */
	uint8_t key[ZT_SHARED_KEY_LEN];
	struct zt_gmac_siv_keys siv; /* cipher 3; k0 NULL if libcrypto failed us (then 1 only) */
	bool root;
	int proto, major, minor, rev; /* -1 until announced */
	int latency;                  /* ms over the best direct path, -1 unknown */
	unsigned n_paths;
	struct zt_path paths[ZT_NODE_MAX_PATHS];
	int64_t created;
	int64_t last_recv; /* any authenticated packet */
	int64_t last_send;
	int64_t last_active; /* upper-layer traffic either way: keep this peer's paths warm */
	int64_t last_hello;  /* our last full HELLO round to it */
	int64_t next_hello;  /* roots: next HELLO (retry with backoff until one answers) */
	int64_t hello_backoff;
	int64_t last_answer;   /* its last OK to our HELLO/ECHO: a root counts as up */
	int64_t whois_tat; /* gate on WHOIS it asks of us: when its allowance is whole again */
	int64_t last_echo_in;  /* gate on ECHOs over paths we do not hold (relayed) */
	int64_t push_window;   /* PUSH_DIRECT_PATHS gate: window start and count */
	unsigned push_count;
};

#define ZT_PEER_BUCKETS 256

struct zt_peer_table {
	struct zt_peer *buckets[ZT_PEER_BUCKETS];
	unsigned count;
};

/* Makes a peer (not yet in a table): agrees the key with `me`, derives the AES subkeys. 0, -EINVAL (a
 * low-order key: an invalid peer), -ENOMEM. */
int zt_peer_new(struct zt_peer **out, const struct zt_identity *me, const struct zt_identity *id,
                int64_t now);
void zt_peer_free(struct zt_peer *p);

struct zt_peer *zt_peers_find(const struct zt_peer_table *t, uint64_t address);
void zt_peers_insert(struct zt_peer_table *t, struct zt_peer *p);
void zt_peers_remove(struct zt_peer_table *t, struct zt_peer *p);
/* Iteration: start with *bucket = 0 and p = NULL; returns NULL at the end. The current peer may be removed
 * (and freed) before the next call only if the caller fetched the next one first. */
struct zt_peer *zt_peers_next(const struct zt_peer_table *t, unsigned *bucket, struct zt_peer *p);
void zt_peers_clear(struct zt_peer_table *t);

/* The cache record: version 1, identity (public), protocol and software versions, confirmed path
 * addresses. Ours alone (stock's peers.d format is not specified and need not match). */
#define ZT_PEER_RECORD_MAX 256
struct zt_peer_record {
	struct zt_identity id;
	int proto, major, minor, rev;
	unsigned n_addrs;
	struct zt_inetaddr addrs[ZT_NODE_MAX_PATHS];
};
/* Returns the length, or -ENOSPC. */
int zt_peer_record_encode(const struct zt_peer *p, uint8_t *out, size_t cap);
/* 0 or -EBADMSG. */
int zt_peer_record_decode(struct zt_peer_record *r, const uint8_t *buf, size_t len);

#endif
