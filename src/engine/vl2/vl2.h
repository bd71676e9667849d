/* VL2, member side: the layer above the VL1 node that joins virtual Ethernet networks - config requests,
 * credentials, unicast and multicast frames (spec zerotier-vl2.md §4-§8) - with no I/O and no clock.
 *
 * One struct zt_vl2 per node, registered as the node's upper layer (struct zt_node_upper): the node hands
 * it VL2 packets, the replies to what it sent, and its ticks. The host drives it with three more calls, each
 * taking the caller's monotonic `now` in ms: join/leave a network, a frame left the host's IP stack
 * (zt_vl2_frame_in), the stack's multicast subscriptions changed. It acts only through the node
 * (zt_node_send) and the host's callbacks (struct zt_vl2_callbacks). Same thread as the node; nothing locks.
 *
 * Deadlines: zt_vl2 has no deadline of its own to return. Its timers run from the node's ticks (the node
 * ticks at least every 500 ms), and after a zt_vl2_* call that may have sent something the host takes the
 * node's new deadline with zt_node_next_deadline(node), as after zt_node_send.
 *
 * Malformed, forged, unauthorised or unwanted input is dropped and counted (zt_vl2_counters), never
 * returned as the caller's error.
 *
 * Not done (spec §14's optional parts): bridging (frames for MACs that are no member's are dropped both
 * ways; configs naming us an active bridge change nothing), sending through multicast replicators (we
 * always replicate ourselves; replicators and anchors do get our LIKEs and GATHERs), relaying fast-
 * propagated config chunks, ad-hoc (0xff...) networks, SSO (such a network reports
 * AUTHENTICATION_REQUIRED), QoS. Capabilities and tags in our own config are used outbound; of a peer's
 * credentials we keep its COM, COOs and tags, not its capabilities, so inbound only the rule table
 * applies. NDP emulation (config flag 0x04) is the host stack's job (info->ndp_emulation; see
 * stack/netif.h). */
#ifndef ZTRUN_VL2_VL2_H
#define ZTRUN_VL2_VL2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/identity.h"
#include "vl1/inetaddr.h"
#include "vl1/node.h"
#include "vl1/wire.h"
#include "vl2/mac.h"
#include "vl2/netconf.h"

struct zt_vl2;

/* A joined network's state, numbered as upstream's ZT_VirtualNetworkStatus (and named as its JSON API
 * prints them, spec §10.3). */
enum zt_vl2_status {
	ZT_VL2_STATUS_REQUESTING_CONFIGURATION = 0, /* no config yet */
	ZT_VL2_STATUS_OK = 1,                       /* a config is held (fresh, or loaded from state) */
	ZT_VL2_STATUS_ACCESS_DENIED = 2,            /* the controller said NETWORK_ACCESS_DENIED */
	ZT_VL2_STATUS_NOT_FOUND = 3,                /* OBJ_NOT_FOUND / UNSUPPORTED_OPERATION from it */
	ZT_VL2_STATUS_PORT_ERROR = 4,               /* never set by us; named for the host's use */
	ZT_VL2_STATUS_CLIENT_TOO_OLD = 5,           /* never set by us (stock: legacy); named likewise */
	ZT_VL2_STATUS_AUTHENTICATION_REQUIRED = 6,  /* NETWORK_AUTHENTICATION_REQUIRED, or an SSO config */
};

/* "REQUESTING_CONFIGURATION", "OK", ...; "UNKNOWN" for anything else. */
const char *zt_vl2_status_name(enum zt_vl2_status s);

/* Why network_changed runs. */
enum zt_vl2_net_op {
	ZT_VL2_NET_UP = 1,     /* joined: the first call for this network (during zt_vl2_join) */
	ZT_VL2_NET_UPDATE = 2, /* the status or the config changed */
	ZT_VL2_NET_DOWN = 3,   /* left (during zt_vl2_leave): the last call for this network */
};

/* One network as the host sees it. Everything points into vl2's memory and is valid only during the
 * callback (or, from zt_vl2_network, until the next call into vl2 or the node): copy what you keep. */
struct zt_vl2_network_info {
	uint64_t nwid;
	enum zt_vl2_status status;
	uint8_t mac[6]; /* our MAC on it (spec §2.2) */
	/* The config in force, or NULL while none is held. A network that had one keeps it (and the host
	 * should keep its addresses) when a later request is refused: stock does the same until the COM
	 * window makes peers refuse us. Fields below are copies of what matters most of it. */
	const struct zt_netconf *config;
	bool from_state;          /* config came from state_get (stored earlier), none fresher arrived yet */
	unsigned mtu;             /* ZT_MTU_DEFAULT without a config */
	bool broadcast;           /* config flag 0x02 */
	bool ndp_emulation;       /* config flag 0x04: answer our own NS for RFC4193/6PLANE peers locally */
	unsigned multicast_limit; /* 0: multicast and ARP are off */
	bool is_public;           /* `t` = 1 */
	const char *name;         /* "" without a config */
	/* Assigned addresses, each with its on-link prefix length in .port (spec §5.2), and managed routes
	 * (via family ZT_INET_NONE = on-link). Point into config; 0 / NULL without one. */
	const struct zt_inetaddr *addrs;
	size_t n_addrs;
	const struct zt_route *routes;
	size_t n_routes;
	const struct zt_dns *dns; /* NULL without a config; domain "" and nil servers when none pushed */
	uint64_t revision;        /* `r` */
	int64_t timestamp;        /* `ts`, the controller's clock */
};

#define ZT_VL2_CALLBACKS_VERSION 1

/* The host's side. Each gets the `arg` given to zt_vl2_new. Pointers are valid only during the call. */
struct zt_vl2_callbacks {
	int version; /* ZT_VL2_CALLBACKS_VERSION */

	/* REQUIRED. A network came up, changed or went down (see enum zt_vl2_net_op). UP runs inside
	 * zt_vl2_join (with a stored config if state_get had one), DOWN inside zt_vl2_leave, UPDATE inside
	 * zt_node_wire_in / zt_node_tick (a config, an ERROR from the controller) or zt_vl2_controller_push.
	 * It MAY call zt_vl2_frame_in, zt_vl2_multicast_* and the queries (applying addresses to lwIP sends
	 * frames and changes subscriptions at once); it must NOT call zt_vl2_join, zt_vl2_leave,
	 * zt_vl2_set_controller, zt_vl2_free or any zt_node_* but the queries. */
	void (*network_changed)(void *arg, enum zt_vl2_net_op op, const struct zt_vl2_network_info *info);

	/* REQUIRED. A frame for the host's IP stack on network `nwid`: MACs, ethertype, the payload after
	 * the Ethernet header (at most the network's MTU; ZT_MTU_MAX for multicast). `vlan` is always 0.
	 * The destination is our MAC, or a multicast/broadcast MAC (the group's; ADI dropped). It MAY call
	 * zt_vl2_frame_in (lwIP answering an ARP at once is the normal case) and the queries, with the
	 * same prohibitions as network_changed. */
	void (*frame_out)(void *arg, uint64_t nwid, const uint8_t dst[6], const uint8_t src[6],
	                  uint16_t ethertype, uint16_t vlan, const void *payload, size_t len);

	/* OPTIONAL (both or neither), the same contract as the node's (vl1/node.h) so a host can pass the
	 * same functions: vl2 stores ZT_STATE_NETWORK_CONFIG objects, id = nwid, holding the config
	 * dictionary exactly as the controller sent it (networks.d/<nwid>.conf). zt_vl2_join reads it back
	 * (a config held there is used at once, status OK with from_state, and a fresh one is requested
	 * anyway); every accepted config replaces it; zt_vl2_leave deletes it (len -1). A malformed stored
	 * object, or one for another network or address, is ignored. */
	int (*state_put)(void *arg, enum zt_state_object type, uint64_t id, const void *data, int len);
	int (*state_get)(void *arg, enum zt_state_object type, uint64_t id, void *buf, size_t cap);

	/* OPTIONAL. Unpredictable bytes, for the order multicast recipients are picked in and the rules'
	 * MATCH_RANDOM. Without it vl2 uses a generator seeded from our address (fine for tests). */
	void (*random)(void *arg, void *buf, size_t len);
};

/* Makes the layer and registers it as `node`'s upper layer (zt_node_set_upper), replacing any other.
 * `cb` is copied. 0, -EINVAL (missing required callback, unknown version, NULL node), -ENOMEM. */
int zt_vl2_new(struct zt_vl2 **out, struct zt_node *node, const struct zt_vl2_callbacks *cb, void *arg);
/* Unregisters from the node and frees everything. No callback runs (no DOWN for joined networks; their
 * stored configs stay, so the next start rejoins them). Call it before zt_node_free. NULL is fine. */
void zt_vl2_free(struct zt_vl2 *v);
/* The handlers zt_vl2_new registers on the node (their arg is the struct zt_vl2). A host that hands
 * the layer packets and replies without the node's wire path (the fuzzer does) calls them as the node
 * would: from outside any other handler of the node. */
const struct zt_node_upper *zt_vl2_upper(void);

#define ZT_VL2_MAX_NETWORKS 64

/* Joins network `nwid`: fires UP (with the stored config if there is one), then sends the first
 * NETWORK_CONFIG_REQUEST to its controller (nwid >> 24) at once, or asks the local controller (see
 * zt_vl2_set_controller) when the controller is this node. Retries every 5 s without a config, then
 * refreshes every 60 s. 0, -EEXIST (already joined), -EINVAL (nwid 0, or its controller address is
 * reserved), -ENOSPC (ZT_VL2_MAX_NETWORKS joined), -ENOMEM. */
int zt_vl2_join(struct zt_vl2 *v, uint64_t nwid, int64_t now);
/* zt_vl2_join with a join token (vl2/jointoken.h; NULL: none), copied: every request carries it in the
 * metadata (ZT_JOIN_TOKEN_KEY) until a config comes from the controller, then no more (an authorized
 * member needs it no longer, and a deauthorized one is not let back in by it). Only inside the encrypted
 * request; never written anywhere else. -EINVAL also for a token that is not a join token's text. */
int zt_vl2_join_token(struct zt_vl2 *v, uint64_t nwid, const char *join_token, int64_t now);
/* Leaves: fires DOWN, deletes the stored config, forgets the network's memberships and subscriptions.
 * 0 or -ENOENT. */
int zt_vl2_leave(struct zt_vl2 *v, uint64_t nwid, int64_t now);

/* A frame leaving the host's IP stack on `nwid` (spec §7.3's outbound decision tree): unicast to a
 * member MAC goes as FRAME after our credentials (rules permitting), to our own MAC back to frame_out,
 * multicast/broadcast per §8.2 as MULTICAST_FRAMEs (gathering members first if none are known; the
 * frame waits up to 5 s for them). `payload` is the part after the ethertype (at most the MTU); vlan
 * must be 0. Copied; may be called from inside frame_out / network_changed.
 * Returns 0 when sent or queued, else why it was dropped (also counted; the host may ignore it):
 * -ENOENT not joined, -ENETDOWN no config, -EMSGSIZE over the MTU, -EPERM rules or a config flag refused
 * it (or ml = 0 for multicast), -EADDRNOTAVAIL source MAC not ours (we never bridge), -EHOSTUNREACH a
 * unicast MAC that is no member's (a device behind a bridge), -EINVAL vlan != 0, or zt_node_send's. */
int zt_vl2_frame_in(struct zt_vl2 *v, uint64_t nwid, const uint8_t src[6], const uint8_t dst[6],
                    uint16_t ethertype, uint16_t vlan, const void *payload, size_t len, int64_t now);

/* Multicast groups the host's stack wants on `nwid` (spec §8.1: e.g. what zt_netif_multicast_groups
 * lists). vl2 adds by itself the address-resolution group of each assigned address and, when the
 * config enables it, broadcast (ff:ff:ff:ff:ff:ff, 0); the union is announced (MULTICAST_LIKE) to the
 * controller, the roots and the always-contact specialists every 60 s and to gated member peers, and a
 * new group at once. subscribe: 0 (added, or already there), -ENOENT, -EINVAL (not a multicast MAC),
 * -ENOSPC (ZT_VL2_MAX_SUBSCRIPTIONS). unsubscribe: 0 or -ENOENT. set replaces the host's whole set
 * (groups new to it are announced at once): 0, -ENOENT, -EINVAL, -ENOSPC (nothing changed). */
#define ZT_VL2_MAX_SUBSCRIPTIONS 256
int zt_vl2_multicast_subscribe(struct zt_vl2 *v, uint64_t nwid, const uint8_t mac[6], uint32_t adi,
                               int64_t now);
int zt_vl2_multicast_unsubscribe(struct zt_vl2 *v, uint64_t nwid, const uint8_t mac[6], uint32_t adi);
int zt_vl2_multicast_set(struct zt_vl2 *v, uint64_t nwid, const struct zt_mcast_group *groups, size_t n,
                         int64_t now);

/* ---- A local network controller (src/engine/controller) ---------------------------------------------
 *
 * The node carries at most one controller: the one that signs configs for networks whose ID begins with
 * our address. vl2 owns the node's upper layer, so it hands the controller what is the controller's. */

#define ZT_VL2_CONTROLLER_OPS_VERSION 1

struct zt_vl2_controller_ops {
	int version; /* ZT_VL2_CONTROLLER_OPS_VERSION */

	/* REQUIRED. A NETWORK_CONFIG_REQUEST from m->source for a network whose ID begins with our
	 * address; m->payload is the request as on the wire (spec §4.2), m->packet_id the ID to quote. The
	 * controller answers with zt_node_send (OK chunks, ERROR), now or later; throttling is its job.
	 * Requests for networks not ours are answered by vl2 (nothing, as stock's controller) and never
	 * come here. Runs inside zt_node_wire_in: it may call zt_node_send, zt_node_peer_identity,
	 * zt_node_whois, the node's queries and zt_vl2_controller_push/credentials; nothing else of vl2. */
	void (*request)(void *arg, struct zt_node *node, const struct zt_node_msg *m, int64_t now);

	/* OPTIONAL. Our own member of our own network `nwid` asks for its config (stock short-cuts the wire
	 * the same way, Network::requestConfiguration). `self` is our identity (public half), `metadata` the
	 * request dictionary we would have sent (spec §11.2). Write the serialized config dictionary (spec
	 * §5; not chunked, not signed: it never leaves the process) into `out` and return 0; or return a
	 * positive ZT_ERR_* code the wire ERROR would carry (OBJ_NOT_FOUND, NETWORK_ACCESS_DENIED,
	 * NETWORK_AUTHENTICATION_REQUIRED); or a negative errno for "no answer now" (the member retries on
	 * its usual timer). Called from zt_vl2_join and from ticks; it may call nothing of vl2 (answer later
	 * through zt_vl2_controller_push if needed). Without it our own networks get NOT_FOUND. */
	int (*local_request)(void *arg, uint64_t nwid, const struct zt_identity *self, const void *metadata,
	                     size_t metadata_len, struct zt_wr *out, int64_t now);

	/* OPTIONAL. Did the controller send `address` a config for `nwid` within the last 180 s? If so vl2
	 * accepts that peer's MULTICAST_LIKEs and answers its MULTICAST_GATHERs for nwid (the controller's
	 * multicast service, spec §9.8), whether or not this node is itself a member. Without it that
	 * service covers only peers that pass our own member's gate. Pure query: it may call nothing. */
	bool (*recently_configured)(void *arg, uint64_t nwid, uint64_t address, int64_t now);
};

/* Registers (ops NULL: removes) the local controller; `ops` is copied. 0 or -EINVAL (bad version or no
 * request function). Without one, requests for our networks are answered ERROR UNSUPPORTED_OPERATION,
 * as stock does. */
int zt_vl2_set_controller(struct zt_vl2 *v, const struct zt_vl2_controller_ops *ops, void *arg);

/* The controller pushes a config to our own member (what NETWORK_CONFIG is on the wire, §4.6): `dict` is
 * the serialized dictionary. Applied if we are joined to nwid and it is for us. 0, -ENOENT (not joined),
 * -EBADMSG (does not parse, or not for this network / address). */
int zt_vl2_controller_push(struct zt_vl2 *v, uint64_t nwid, const void *dict, size_t len, int64_t now);
/* The controller hands our own member a NETWORK_CREDENTIALS payload (spec §6.4; e.g. the revocation it
 * sends every online member when it deauthorizes one, §9.7), processed as if it came from ourselves. */
int zt_vl2_controller_credentials(struct zt_vl2 *v, const void *payload, size_t len, int64_t now);

/* ---- Queries ---------------------------------------------------------------------------------------- */

/* One joined network; the pointers in *out stay valid until the next call into vl2 or the node.
 * 0 or -ENOENT. */
int zt_vl2_network(const struct zt_vl2 *v, uint64_t nwid, struct zt_vl2_network_info *out);
/* Fills up to cap joined network IDs (join order); returns how many are joined. */
size_t zt_vl2_networks(const struct zt_vl2 *v, uint64_t *out, size_t cap);
/* Members known for a group on `nwid` (from LIKEs and GATHER answers, not expired); up to cap addresses,
 * returns how many there are. */
size_t zt_vl2_multicast_members(const struct zt_vl2 *v, uint64_t nwid, const struct zt_mcast_group *g,
                                uint64_t *out, size_t cap, int64_t now);

/* What vl2 did and dropped. Monotonic. */
struct zt_vl2_counters {
	uint64_t config_requests, configs_applied, configs_rejected, config_chunks, config_chunks_bad;
	uint64_t rx_frames, rx_multicast, tx_frames, tx_multicast, tx_loopback;
	uint64_t drop_not_joined, drop_no_config, drop_gate, drop_rules_in, drop_rules_out, drop_mac;
	uint64_t drop_malformed, drop_multicast_off, drop_no_members, drop_too_big;
	uint64_t credentials_sent, credentials_in, credentials_rejected, revocations_in;
	uint64_t need_com_sent, need_com_in, held, held_replayed, held_expired;
	uint64_t likes_sent, likes_in, gathers_sent, gathers_in, gather_answers_in;
};
void zt_vl2_counters(const struct zt_vl2 *v, struct zt_vl2_counters *out);

/* The request metadata a stock 1.14.1 node sends (spec §11.2), with `o` = `os_arch` (NULL: the stock
 * "linux/x86_64"). Written into w as a dictionary. 0 or -ENOSPC. Exposed for tests and the controller. */
int zt_vl2_request_metadata(struct zt_wr *w, const char *os_arch);

#endif
