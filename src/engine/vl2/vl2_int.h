/* VL2's inside: the object behind vl2.h and the functions its files share (vl2.c dispatch and held
 * packets, network.c join and configs, membership.c credentials and the gate, frames.c unicast,
 * multicast.c groups and announcements, mc_frames.c multicast frames). Not for use outside src/engine/vl2. */
#ifndef ZTRUN_VL2_VL2_INT_H
#define ZTRUN_VL2_VL2_INT_H

#include "vl1/packet.h"
#include "vl2/confchunk.h"
#include "vl2/rules_eval.h"
#include "vl2/vl2.h"

/* Timers (spec §4.7, §6.4, §8.8). */
#define VL2_REQUEST_RETRY_MS     5000   /* without a fresh config */
#define VL2_REFRESH_MS           60000  /* with one */
#define VL2_CRED_PUSH_MS         500000 /* re-push our credentials to a peer we send to */
#define VL2_CRED_REPUSH_MIN_MS   1000   /* on ERROR NEED_MEMBERSHIP_CERTIFICATE */
#define VL2_LIKE_EXPIRE_MS       600000
#define VL2_ANNOUNCE_MS          60000
#define VL2_ANNOUNCE_EARLY_MS    5000 /* ours: repeats after a change, see vl2_announce */
#define VL2_ANNOUNCE_EARLY_COUNT 2
#define VL2_GATHER_MS            60000
#define VL2_MC_TX_MS             5000
#define VL2_HELD_MS              5000
#define VL2_CTL_RECENT_MS        180000
#define VL2_SWEEP_MS             5000

/* Bounds: whatever arrives, memory stays below these. */
#define VL2_MAX_MEMBERS      1024 /* per network; the least recently used is forgotten */
#define VL2_MEMBER_TAGS      16
#define VL2_MEMBER_REVS      8
#define VL2_HELD             32
#define VL2_MC_MAX_GROUPS    4096 /* all networks */
#define VL2_MC_MAX_PER_GROUP 1024
#define VL2_MC_TXQ           16
#define VL2_CRED_RATE_SLOTS  64
#define VL2_CRED_RATE_BURST  4 /* NETWORK_CREDENTIALS packets per peer per second (stock: 1) */

/* What we know of one peer on one network. */
struct vl2_member {
	uint64_t address;
	int64_t last_used;
	struct zt_com com; /* count 0: none */
	int64_t com_revoked_before;
	int64_t last_pushed;    /* our credentials to it; 0: never */
	int64_t last_announced; /* all our groups to it */
	/* zt_com_agrees is a SHA-384 away: its last answer, valid while neither COM changed. */
	bool agree_valid, agree;
	int64_t agree_mine_ts;
	size_t n_coos;
	struct zt_coo coos[ZT_MAX_CERTIFICATES_OF_OWNERSHIP];
	size_t n_tags; /* sorted by id */
	struct zt_tag tags[VL2_MEMBER_TAGS];
	size_t n_revs; /* thresholds for credentials other than COMs, by (type, id) */
	struct {
		uint8_t type;
		uint32_t id;
		int64_t threshold;
	} revs[VL2_MEMBER_REVS];
};

struct vl2_net {
	uint64_t nwid, controller;
	uint8_t mac[6];
	enum zt_vl2_status status;
	bool up;                 /* the host heard UP: later changes are UPDATEs */
	struct zt_netconf *conf; /* NULL: none */
	bool from_state;
	int64_t last_config_update; /* 0 for a stored config: it still wants a refresh */
	int64_t last_request;
	char *join_token; /* NULL: none; wiped when freed */
	struct zt_confasm confasm;
	size_t n_subs; /* the host's subscriptions */
	struct zt_mcast_group subs[ZT_VL2_MAX_SUBSCRIPTIONS];
	int64_t last_announce_upstream;
	unsigned announce_early; /* full announcements still to repeat at the short period */
	size_t n_members;
	struct vl2_member **members;
};

struct vl2_mc_entry {
	uint64_t address;
	int64_t ts;
};

struct vl2_mc_group {
	uint64_t nwid;
	struct zt_mcast_group g;
	int64_t last_gather;
	size_t n, cap;
	struct vl2_mc_entry *m;
};

/* A multicast frame still looking for recipients (spec §8.5): sent to each member learned within
 * VL2_MC_TX_MS until `limit` copies went out. */
struct vl2_mc_tx {
	bool used;
	uint64_t nwid;
	struct zt_mcast_group g;
	uint8_t src[6];
	uint16_t ethertype;
	int64_t expires;
	unsigned limit, gather_limit;
	size_t n_sent;
	uint64_t *sent; /* `limit` slots */
	uint8_t *payload;
	size_t len;
};

/* A packet that waits for a peer's credentials or a signer's identity (spec §6.5, §1). */
struct vl2_held {
	bool used;
	int64_t expires;
	uint64_t wait_for; /* the address whose COM (or identity) releases it */
	uint64_t nwid;     /* the network of that COM; 0: any */
	uint64_t source, packet_id;
	uint8_t verb, hops;
	struct zt_identity peer;
	uint8_t *payload;
	size_t len;
};

struct zt_vl2 {
	struct zt_node *node;
	struct zt_vl2_callbacks cb;
	void *arg;
	uint64_t self;
	bool has_ctl;
	struct zt_vl2_controller_ops ctl;
	void *ctl_arg;
	size_t n_nets;
	struct vl2_net *nets[ZT_VL2_MAX_NETWORKS];
	size_t n_groups;
	struct vl2_mc_group *groups[VL2_MC_MAX_GROUPS];
	struct vl2_mc_tx txq[VL2_MC_TXQ];
	struct vl2_held held[VL2_HELD];
	unsigned replay_depth; /* > 0: a held packet is being processed again (not to be held anew) */
	struct {
		uint64_t address;
		int64_t window;
		unsigned count;
	} cred_rate[VL2_CRED_RATE_SLOTS];
	uint64_t rng;
	int64_t next_sweep;
	struct zt_vl2_counters c;
	uint8_t scratch[ZT_PACKET_MAX_PAYLOAD];
};

/* vl2.c */
/* What the node's upper-layer handlers run (also the fuzzer's way in). */
void vl2_dispatch(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now);
void vl2_reply_dispatch(struct zt_vl2 *v, const struct zt_node_reply *r, int64_t now);
struct vl2_net *vl2_net_find(const struct zt_vl2 *v, uint64_t nwid);
uint64_t vl2_random(struct zt_vl2 *v);
void vl2_random_fill(void *arg, void *buf, size_t len); /* zt_random_fn over vl2_random */
/* The identity of `address` (ours included), or NULL; asks the roots when unknown and `whois`. */
const struct zt_identity *vl2_identity(struct zt_vl2 *v, uint64_t address, struct zt_identity *tmp,
                                       bool whois, int64_t now);
/* Roots (up to cap, best first: lowest latency). */
size_t vl2_roots(struct zt_vl2 *v, uint64_t *out, size_t cap, int64_t now);
int vl2_send(struct zt_vl2 *v, uint64_t dest, uint8_t verb, const void *payload, size_t len, int64_t now,
             uint64_t *id);
void vl2_send_error(struct zt_vl2 *v, uint64_t dest, uint8_t in_re_verb, uint64_t in_re_id, uint8_t code,
                    uint64_t nwid, int64_t now);
/* Keeps a packet until `wait_for`'s credentials on `nwid` (0: its identity) arrive, or VL2_HELD_MS
 * pass. */
void vl2_hold(struct zt_vl2 *v, const struct zt_node_msg *m, uint64_t wait_for, uint64_t nwid, int64_t now);
/* Runs the held packets waiting for `address` on `nwid` (0: all of them) again. */
void vl2_release(struct zt_vl2 *v, uint64_t address, uint64_t nwid, int64_t now);

/* network.c */
void vl2_net_free(struct vl2_net *n);
void vl2_net_info(const struct zt_vl2 *v, const struct vl2_net *n, struct zt_vl2_network_info *out);
void vl2_net_tick(struct zt_vl2 *v, struct vl2_net *n, int64_t now);
void vl2_config_in(struct zt_vl2 *v, const struct zt_node_msg *m, const uint8_t *chunk, size_t len, bool push,
                   int64_t now);
void vl2_config_error(struct zt_vl2 *v, const struct zt_node_reply *r, int64_t now);
void vl2_config_request_in(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now);
/* A config (dictionary bytes) for n: checked, applied, stored. 0 or -EBADMSG (refused). */
int vl2_apply_config(struct zt_vl2 *v, struct vl2_net *n, const uint8_t *dict, size_t len, bool store,
                     int64_t now);

/* membership.c */
struct vl2_member *vl2_member(struct vl2_net *n, uint64_t address, bool create, int64_t now);
void vl2_members_free(struct vl2_net *n);
/* Spec §6.3 for the peer `id` on n (also false without a config). */
bool vl2_gate(struct zt_vl2 *v, struct vl2_net *n, const struct zt_identity *id, int64_t now);
/* The gate as a receiver of a frame, LIKE or GATHER applies it: on success announces our groups to the
 * peer when due (stock's multicastLikeGate). */
bool vl2_gate_traffic(struct zt_vl2 *v, struct vl2_net *n, const struct zt_identity *id, int64_t now);
/* Pushes our credentials to `dest` if due before sending it a frame (spec §6.4). */
void vl2_push_if_due(struct zt_vl2 *v, struct vl2_net *n, uint64_t dest, int64_t now);
void vl2_push_credentials(struct zt_vl2 *v, struct vl2_net *n, uint64_t dest, int64_t now);
void vl2_credentials_in(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now);
void vl2_need_com_in(struct zt_vl2 *v, const struct zt_node_reply *r, int64_t now);
/* A COM presented inline (EXT_FRAME, MULTICAST_FRAME, GATHER): added as if pushed. */
void vl2_com_in(struct zt_vl2 *v, const struct zt_com *com, int64_t now);
/* The sender's currently valid COOs and tags, for rules: copied into rc, which env then points at
 * (remote tags only; the caller picks whose COOs count). */
struct vl2_rule_creds {
	size_t n_coos, n_tags;
	struct zt_coo coos[ZT_MAX_CERTIFICATES_OF_OWNERSHIP];
	struct zt_tag tags[VL2_MEMBER_TAGS];
};
void vl2_member_rules_env(struct vl2_net *n, struct vl2_member *m, struct vl2_rule_creds *rc,
                          struct zt_rules_env *env);

/* frames.c */
void vl2_frame_rx(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now);
void vl2_ext_frame_rx(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now);
/* The network a frame from a peer is for, if it may go on: joined, its COM (when one came) taken,
 * the sender through the gate; else NULL, counted, and the sender asked for its credentials. */
struct vl2_net *vl2_frame_net(struct zt_vl2 *v, const struct zt_node_msg *m, uint64_t nwid,
                              const struct zt_com *com, int64_t now);
/* Whether address is an active bridge of n, which may send frames from MACs not its own. */
bool vl2_is_active_bridge(const struct vl2_net *n, uint64_t address);
/* Rules for one frame on n; `peer` is the other side (inbound: sender) or 0 (multicast out). */
bool vl2_filter(struct zt_vl2 *v, struct vl2_net *n, bool inbound, uint64_t peer, const uint8_t src[6],
                const uint8_t dst[6], uint16_t ethertype, const uint8_t *payload, size_t len,
                struct zt_rules_decision *d);
/* Sends TEE/WATCH copies and REDIRECTs a decision asks for. */
void vl2_rule_copies(struct zt_vl2 *v, struct vl2_net *n, const struct zt_rules_decision *d, bool inbound,
                     const uint8_t src[6], const uint8_t dst[6], uint16_t ethertype, const uint8_t *payload,
                     size_t len, int64_t now);
void vl2_deliver(struct zt_vl2 *v, struct vl2_net *n, const uint8_t src[6], const uint8_t dst[6],
                 uint16_t ethertype, const uint8_t *payload, size_t len);

/* multicast.c: the group table */
struct vl2_mc_group *vl2_mc_group_find(struct zt_vl2 *v, uint64_t nwid, const struct zt_mcast_group *g,
                                       bool create);
void vl2_mc_group_expire(struct vl2_mc_group *grp, int64_t now);
/* true if the address is new to the group */
bool vl2_mc_group_add(struct vl2_mc_group *grp, uint64_t address, int64_t now);
/* Is g among our groups on n? */
bool vl2_subscribed(const struct vl2_net *n, const struct zt_mcast_group *g);
/* The controller, the roots (best first) and the anchors / multicast replicators: whom we always tell
 * and ask about groups. */
size_t vl2_always_contact(struct zt_vl2 *v, const struct vl2_net *n, uint64_t *out, size_t cap, int64_t now);
/* mc_frames.c */
void vl2_like_rx(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now);
void vl2_gather_rx(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now);
void vl2_mc_frame_rx(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now);
void vl2_mc_reply(struct zt_vl2 *v, const struct zt_node_reply *r, int64_t now);
void vl2_unwanted_in(struct zt_vl2 *v, const struct zt_node_reply *r, int64_t now);
int vl2_mc_send(struct zt_vl2 *v, struct vl2_net *n, const struct zt_mcast_group *g, const uint8_t src[6],
                uint16_t ethertype, const uint8_t *payload, size_t len, int64_t now);
/* All our groups on n: the host's, each address's resolution group, broadcast if enabled. Sorted,
 * unique; returns the count (at most cap). */
size_t vl2_my_groups(const struct vl2_net *n, struct zt_mcast_group *out, size_t cap);
/* LIKEs for `count` groups to dest; a `member` peer gets our credentials first if due. */
void vl2_announce_to(struct zt_vl2 *v, struct vl2_net *n, uint64_t dest, bool member,
                     const struct zt_mcast_group *g, size_t count, int64_t now);
/* Announces `count` new groups `g` (NULL: all of them, if the period passed) upstream and to gated
 * members; before the first announcement of n, always all of them. */
void vl2_announce(struct zt_vl2 *v, struct vl2_net *n, const struct zt_mcast_group *g, size_t count,
                  int64_t now);
void vl2_mc_tick(struct zt_vl2 *v, bool sweep, int64_t now);
void vl2_mc_forget_net(struct zt_vl2 *v, uint64_t nwid);
void vl2_mc_free(struct zt_vl2 *v);

#endif
