/* Our network controller (spec §9, §10.2): networks and members as records, NETWORK_CONFIG_REQUEST answered
 * with signed configs, pushes and revocations on change, LIKE/GATHER for members, stock's JSON API.
 *
 * Pure core, like vl1/node.h: no I/O, no clock, no globals. The host feeds it packets
 * (zt_controller_packet_in), API requests (zt_controller_api), the stored records at start
 * (zt_controller_load) and ticks; the core acts only through struct zt_controller_callbacks: send a VL1
 * packet, store or delete a JSON file, hand a config to the controller's own node. One thread: no call may
 * run concurrently with another on the same controller.
 *
 * THE CLOCK. Every `now` given to the controller is wall-clock time, ms since the Unix epoch
 * (CLOCK_REALTIME), not the node's monotonic time: it lands in the JSON records (creationTime,
 * lastAuthorizedTime, `clock`), in token expiry checks and in every COM and revocation threshold it issues.
 * Members compare those against each other, so they must keep increasing across a restart of the controller
 * or a reboot of its host (a revocation threshold from before a reboot would otherwise outlive every COM
 * issued after it). The glue between the node (monotonic) and the controller translates, e.g. realtime =
 * monotonic + an offset taken at start. A clock step backwards is tolerated (the records just carry the odd
 * time), a big one delays cut-offs by its size.
 *
 * STATE ON DISK (stock FileDB layout under HOME/controller.d/; names below are relative to it):
 *   network/<nwid 16 hex>.json                       one network record
 *   network/<nwid 16 hex>/member/<address 10 hex>.json  one member record
 *   network/<nwid 16 hex>/jointoken/<name>.json        one of our join tokens (below; stock has none)
 * Records are compact JSON objects with stock's fields (spec §10.2), keys sorted, as stock writes them; stock
 * controller.d directories load as they are.
 *
 * JOIN TOKENS (ours, not stock's; vl2/jointoken.h has the text form and the metadata key). A network's join
 * token lets a node in without an operator: a member whose genuine config request carries one of the
 * network's tokens in its metadata is authorized (lastAuthorizedCredentialType "joinToken", the token's
 * name as lastAuthorizedCredential, lastAuthorizedTime) and the use recorded in the token (useCount, usedBy:
 * the last 128 members with the time). The use is stored before the member is answered; if it cannot be,
 * the member is refused and the use not taken. A token that is none of the network's, used up (maxUses),
 * expired, or revoked, and any token from a member that was deauthorized once (it comes back only by an
 * operator's hand), gets exactly what an unauthorized member gets (ERROR NETWORK_ACCESS_DENIED, an
 * unauthorized record) and is counted: in the token (refusedCount, stored) or, for a token that is none
 * of ours, in the network (refusedUnknownToken, since the start) and the counters. An authorized member's
 * requests never use a token, so a retransmission takes no second use; pushes never look at tokens. The
 * core is single-threaded: two requests for a last use come one after the other, and one is refused.
 * Revoking a token refuses it from then on; the members it let in stay authorized (deauthorize them one by
 * one). Only BLAKE2b-256 of the token's text is stored (zt_join_token_hash), compared in constant time;
 * the text is shown once, in the answer to its creation, and the metadata kept for pushes drops it. A
 * token may carry an IP pool (ipPool, a CIDR inside an on-link route of the network): the members it lets
 * in take their address from it instead of the network's pools.
 * The API, our extension beside stock's paths (which stay as they are):
 *   GET    /ztrun/controller/network/<nwid>/token         {"data":[<token>...],"meta":{"count",
 *                                                           "refusedUnknownToken"}}, sorted by name
 *   POST   /ztrun/controller/network/<nwid>/token         create: {"name"?, "maxUses"? (default 1; 0:
 *                                                           unlimited), "expiresIn"? (ms) or "expires"? (ms
 *                                                           since the epoch), "ipPool"?}; unknown fields
 *                                                           refused; answers <token> with "token": the text
 *   GET    /ztrun/controller/network/<nwid>/token/<name>  <token>
 *   DELETE /ztrun/controller/network/<nwid>/token/<name>  revoke (the record stays, to show who used it)
 * <token>: {"name","creationTime","expires" (0: never),"revokedTime" (0: not),"maxUses","useCount",
 * "usesLeft" (null: unlimited),"refusedCount","ipPool" (or null),"state" ("active", "used up", "expired",
 * "revoked"),"usedBy":[{"address","time"}...]}. Names: 1 to 64 of [A-Za-z0-9._-], starting with a letter or
 * digit; made up ("token-<8 hex>") when not given. At most 1024 tokens a network, revoked ones included. */
#ifndef ZTRUN_CONTROLLER_CONTROLLER_H
#define ZTRUN_CONTROLLER_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/identity.h"
#include "vl1/node.h"
#include "vl2/credentials.h"
#include "vl2/mac.h"
#include "vl2/netconf.h"

struct zt_controller;

#define ZT_CONTROLLER_API_VERSION 4 /* what GET /controller reports, as stock 1.14 */

/* Stock timings (spec §4.7, §9). */
#define ZT_CONTROLLER_MIN_REQUEST_PERIOD_MS 1000   /* a member's repeat request within this is ignored */
#define ZT_CONTROLLER_ONLINE_MS             120000 /* a member requested within this: online, gets pushes */
#define ZT_CONTROLLER_CONFIGURED_MS         180000 /* configured within this: LIKE/GATHER accepted */
#define ZT_CONTROLLER_LIKE_EXPIRE_MS        600000 /* a LIKE lasts this long unless refreshed */
#define ZT_CONTROLLER_CRED_GAP_MS           1000   /* stock members take one NETWORK_CREDENTIALS per second */
#define ZT_CONTROLLER_MAX_CHUNK             9740   /* dictionary bytes per config chunk, as stock */

#define ZT_CONTROLLER_CALLBACKS_VERSION 1

/* The host's side. Every callback gets the `arg` given to zt_controller_new. Callbacks must not call back
 * into the controller, and pointers they receive are valid only during the call: copy what you keep. */
struct zt_controller_callbacks {
	int version; /* ZT_CONTROLLER_CALLBACKS_VERSION */

	/* REQUIRED. Send one VL1 packet to `dest`: `verb` and the bytes after it (OK, ERROR, NETWORK_CONFIG,
	 * NETWORK_CREDENTIALS). The host passes it to zt_node_send, which compresses, armors and fragments.
	 * Called from every entry point (packet_in, api, tick, request_local), also outside a node handler:
	 * the host then asks the node for its new deadline. Return 0 or a negative errno (counted, not
	 * retried: the member asks again within 60 s). */
	int (*send)(void *arg, uint64_t dest, uint8_t verb, const void *payload, size_t len, int64_t now);

	/* REQUIRED. Fill buf with len unpredictable bytes (network IDs, config update IDs, revocation IDs,
	 * IPv6 pool picks, GATHER answer order). Must not fail. Tests pass a seeded stream. */
	void (*random)(void *arg, void *buf, size_t len);

	/* OPTIONAL (both or neither; without them nothing persists). Replace the file `name` (relative to
	 * HOME/controller.d, see above; parent directories made as needed) with `len` bytes, atomically and
	 * durably: write a temporary file in the same directory, fsync it, rename it over `name`, fsync the
	 * directory. After a crash the file holds either the old or the new record, never a mix.
	 * Return 0 or a negative errno. A failed put during an API call fails the call (500) and leaves the
	 * record as it was in memory; a failed put while serving a member is counted (store_errors) and the
	 * member is served from memory, the write retried on the record's next change. */
	int (*store_put)(void *arg, const char *name, const void *data, size_t len);
	/* Remove `name`: a file, or for "network/<nwid>" the directory and everything below it (a network's
	 * member records). A name that does not exist is success. 0 or a negative errno. */
	int (*store_delete)(void *arg, const char *name);

	/* OPTIONAL. The controller's own node is a member of one of its networks (it called
	 * zt_controller_request_local): a new config for it, as a push would carry one to a remote member.
	 * Valid during the call. Stock applies these locally too, without packets. */
	void (*local_config)(void *arg, uint64_t nwid, const struct zt_netconf *nc, int64_t now);
	/* OPTIONAL. A revocation (a member was deauthorized or deleted) for the controller's own node when it
	 * is a member of that network; signed like the ones sent to remote members. */
	void (*local_revocation)(void *arg, const struct zt_revocation *rev, int64_t now);

	/* OPTIONAL. One line about something the operator may want to know (a record file that did not load,
	 * a failed write); no newline. */
	void (*log)(void *arg, const char *line);
};

struct zt_controller_config {
	/* REQUIRED: the controller's identity, with its secret. Its address is the top 40 bits of every
	 * network it serves; it signs configs, COMs, COOs, capabilities, tags and revocations. */
	const struct zt_identity *identity;
	/* Bounds of a network's COM window (spec §9.3 `ctmd`), clamped into them. Default ZT_CTMD_MIN ..
	 * ZT_CTMD_MAX as stock; a test may lower the minimum to see cut-offs sooner. */
	int64_t credential_window_min, credential_window_max;
	/* Most (network, member) pairs whose request state is kept (throttle, online, metadata for pushes);
	 * beyond it the least recently heard is forgotten. Default 65536. */
	size_t max_member_status;
	/* Most multicast subscriptions (network, group, member) kept for LIKE/GATHER; beyond it new LIKEs are
	 * ignored until old ones expire. Default 65536. */
	size_t max_subscriptions;
	/* Most members per network that the controller recorded itself for strangers that asked and were
	 * refused (never authorized, nothing set by the API); beyond it the oldest such record is deleted
	 * (stock keeps them all, so a flood of fresh identities grew its database without bound).
	 * Default 1024. */
	size_t max_pending_members;
};

void zt_controller_config_init(struct zt_controller_config *c);

/* Makes an empty controller. `cb` and the identity are copied. 0, -EINVAL (missing required callback,
 * unknown callbacks version, identity without a valid secret), -ENOMEM. */
int zt_controller_new(struct zt_controller **out, const struct zt_controller_callbacks *cb, void *arg,
                      const struct zt_controller_config *config, int64_t now);
/* Frees everything; no callback runs. NULL is fine. */
void zt_controller_free(struct zt_controller *c);

uint64_t zt_controller_address(const struct zt_controller *c);

/* ---- Loading stored records (at start, before anything else) ------------------------------------------
 *
 * The host reads HOME/controller.d and hands over each file: "network/<nwid>.json" first, then that
 * network's "network/<nwid>/member/<address>.json" files. The core parses and keeps the record; it
 * writes nothing back. Records written by stock 1.14 load (unknown fields are dropped on the next write).
 * 0; -EINVAL (a name not of that form); -ENOENT (a member whose network is not loaded); -EBADMSG (not
 * JSON, a field of the wrong type or value, or an "id" that is not the one in the name; `err` (may be
 * NULL) gets a one-line reason); -EEXIST (loaded already); -ENOMEM. The host reports failures and goes
 * on: one bad file costs that record only. */
int zt_controller_load(struct zt_controller *c, const char *name, const void *data, size_t len, char *err,
                       size_t err_cap);

/* ---- Serving members ----------------------------------------------------------------------------------- */

/* A packet from the node's upper-layer handler (struct zt_node_msg, valid during the call). The controller
 * acts on:
 *   NETWORK_CONFIG_REQUEST for its networks (nwid >> 24 == its address; others are ignored, as stock does):
 *     throttle (one per member per network per second), ERROR OBJ_NOT_FOUND for an unknown network, ERROR
 *     NETWORK_ACCESS_DENIED for an unauthorized member or an address that arrives with another identity
 *     than the one pinned in its record, else the config as signed OK chunks quoting m->packet_id;
 *   MULTICAST_LIKE tuples for its networks, from members it configured within 180 s;
 *   MULTICAST_GATHER for its networks from such members (answered with OK when it knows anyone).
 * Returns true if the packet concerned only the controller's networks; false if the caller's VL2 layer
 * should also look at it (another verb, or LIKE/GATHER with tuples for other networks). Malformed input is
 * dropped and counted, never an error. `now` is wall-clock ms (see above). */
bool zt_controller_packet_in(struct zt_controller *c, const struct zt_node_msg *m, int64_t now);

/* The controller's own node asks for its config on one of the controller's networks, with the request
 * metadata it would send (spec §4.2; may be empty: then revr is taken as 1). Same rules as a remote
 * request except the throttle; afterwards changes reach it through local_config/local_revocation.
 * 0 and *nc filled (release with zt_netconf_free), -EINVAL (not one of our networks), -ENOENT (no such
 * network), -EACCES (not authorized), -ENOMEM. On failure *nc holds nothing to free. */
int zt_controller_request_local(struct zt_controller *c, uint64_t nwid, const void *metadata, size_t len,
                                struct zt_netconf *nc, int64_t now);
/* The config `member` would get on `nwid` now, as if it had asked: authorization, identity pinning, IP
 * assignment (stored, as for a request) and signing all apply, but nothing is sent and the member is not
 * marked online. For tests and fixtures that need a real signed config. Returns as request_local. */
int zt_controller_build_config(struct zt_controller *c, uint64_t nwid, const struct zt_identity *member,
                               const void *metadata, size_t len, struct zt_netconf *nc, int64_t now);
/* The controller's own node subscribes to `group` on one of the controller's networks (or refreshes it):
 * GATHER answers then list it first, as stock lists itself. Expires like a LIKE. 0 or -EINVAL/-ENOSPC. */
int zt_controller_local_like(struct zt_controller *c, uint64_t nwid, const struct zt_mcast_group *group,
                             int64_t now);

/* For a host whose VL2 layer owns the node's upper layer (vl2.h's zt_vl2_controller_ops):
 * - local_request: the controller's own node asks for a config, answered as a serialized dictionary into
 *   `out`: 0; or a positive ZT_ERR_* code (OBJ_NOT_FOUND, NETWORK_ACCESS_DENIED); or -ENOSPC/-ENOMEM.
 *   Same rules as zt_controller_request_local; pushes and revocations still go to local_config /
 *   local_revocation (the glue hands them to zt_vl2_controller_push / _credentials).
 * - recently_configured: did the controller send `address` a config for `nwid` within 180 s (spec §8.3)?
 *   vl2 then runs the LIKE/GATHER service itself; zt_controller_packet_in's is for hosts without vl2.
 *   Pure query. */
int zt_controller_local_request_dict(struct zt_controller *c, uint64_t nwid, const void *metadata, size_t len,
                                     struct zt_wr *out, int64_t now);
bool zt_controller_recently_configured(const struct zt_controller *c, uint64_t nwid, uint64_t address,
                                       int64_t now);

/* Background work: revocations held back by the one-per-second credential limit, expiry of member state
 * and subscriptions. Returns the next deadline (wall-clock ms; at most now + 10000). */
int64_t zt_controller_tick(struct zt_controller *c, int64_t now);

/* ---- The JSON API (spec §10.2), as a pure function ----------------------------------------------------
 *
 * The host's HTTP server checks the auth token and hands over method, path and body. Paths (a query string
 * and one trailing slash are ignored; IDs in either case):
 *   GET  /controller                                   {"controller":true,"apiVersion":4,"clock":..,...}
 *   GET  /controller/network                           ["<nwid>",...]
 *   POST /controller/network                           create with a random ID; body = network fields
 *   POST /controller/network/<address>______           the same (the address must be ours, else 400)
 *   GET|POST|DELETE /controller/network/<nwid>         read / create-or-update / delete (404 if absent)
 *   GET  /controller/network/<nwid>/member             {"<address>":<revision>,...}
 *   GET|POST|DELETE /controller/network/<nwid>/member/<address>
 *   GET  /unstable/controller/network[/<nwid>/member]  {"data":[...],"meta":{...}}
 * PUT is POST. Bodies are JSON objects; omitted fields keep their value, unknown and read-only fields are
 * ignored (tools post whole records back). Values are checked strictly: a body that is not a JSON object,
 * or any field of the wrong type or out of range, is refused with 400 and {"error":"<what and why>"} and
 * changes nothing (stock clamps, masks or drops such values silently). Also refused: an "ipAssignments"
 * address another member of the network holds. Accepted beyond stock's API: "certificateTimeoutWindowSize"
 * (the COM window in ms, which stock reads only from its files). Other answers: 404 (no such
 * network/member/path), 405 (method), 500 (the store failed; nothing changed), 503 (no free network ID).
 * Successful POSTs and DELETEs answer with the record, as stock. A change is stored (store_put) before the
 * call returns, then pushed to online members; deauthorizing or deleting an authorized member sends
 * revocations. Returns 0 with *status and *response set (*response: NUL-terminated JSON, malloc'd, the caller
 * frees it), or -ENOMEM (nothing changed). `now` is wall-clock ms. */
int zt_controller_api(struct zt_controller *c, const char *method, const char *path, const void *body,
                      size_t len, int *status, char **response, int64_t now);

/* ---- Observing ----------------------------------------------------------------------------------------- */

struct zt_controller_counters {
	uint64_t requests;          /* NETWORK_CONFIG_REQUESTs for our networks, throttled ones included */
	uint64_t throttled;         /* ignored: repeat within a second */
	uint64_t not_found, denied; /* answered with ERROR 0x03 / 0x07 */
	uint64_t configs_sent;      /* answers */
	uint64_t pushes;            /* NETWORK_CONFIG pushes after a change */
	uint64_t revocations;       /* revocations sent (one per recipient) */
	uint64_t likes, gathers, gathers_answered;
	uint64_t malformed;    /* dropped: short or inconsistent payloads */
	uint64_t send_errors;  /* the send callback failed */
	uint64_t store_errors; /* store_put/store_delete failed */
	uint64_t pending_dropped; /* records of refused strangers deleted to keep max_pending_members */
	uint64_t join_token_admitted; /* members a join token let in */
	uint64_t join_token_refused;  /* requests refused although (or because) they carried a join token */
};
void zt_controller_counters(const struct zt_controller *c, struct zt_controller_counters *out);

#endif
