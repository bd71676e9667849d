/* The controller's insides, shared by its files: the typed network and member records (what the JSON files
 * hold), the per-member request state, the multicast subscriptions, and the functions between the files. */
#ifndef ZTRUN_CONTROLLER_CTL_INT_H
#define ZTRUN_CONTROLLER_CTL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "controller/controller.h"
#include "vl1/inetaddr.h"
#include "vl1/packet.h"
#include "vl2/dict.h"
#include "vl2/jointoken.h"
#include "vl2/rules.h"

/* ---- Records ------------------------------------------------------------------------------------------ */

#define CTL_MAX_POOLS       1024
#define CTL_MAX_TOKENS      1024
#define CTL_MAX_NAME        127 /* network names, as the config's `n` */
#define CTL_MAX_MEMBER_NAME 1024
#define CTL_MAX_STRING      4096 /* any other stored string */
#define CTL_MAX_MEMBER_TAGS ZT_MAX_NETWORK_TAGS
#define CTL_MAX_MEMBER_CAPS ZT_MAX_NETWORK_CAPABILITIES

struct ctl_pool {
	struct zt_inetaddr start, end; /* same family, start <= end; port 0 */
};

struct ctl_route {
	struct zt_inetaddr target; /* port = prefix bits */
	struct zt_inetaddr via;    /* ZT_INET_NONE: on-link ("via": null) */
};

struct ctl_token {
	char *name;
	int64_t expires; /* 0: never */
};

struct ctl_capdef {
	uint32_t id;
	bool dflt; /* given to new members */
	size_t rule_count;
	struct zt_rule *rules;
};

struct ctl_tagdef {
	uint32_t id;
	bool has_default; /* "default": null when false */
	uint32_t dflt;
};

/* A network's settings: exactly what network/<nwid>.json holds. */
struct ctl_netrec {
	uint64_t id;
	uint64_t revision;
	int64_t creation_time;
	char *name;
	bool priv, enable_broadcast;
	uint32_t multicast_limit;
	uint32_t mtu;
	bool v4_zt, v6_zt, v6_rfc4193, v6_6plane;
	size_t pool_count;
	struct ctl_pool *pools;
	size_t route_count;
	struct ctl_route *routes;
	size_t rule_count;
	struct zt_rule *rules;
	size_t cap_count; /* sorted by id, unique */
	struct ctl_capdef *caps;
	size_t tag_count; /* sorted by id, unique */
	struct ctl_tagdef *tags;
	bool has_dns; /* false: "dns": [] as stock's default */
	char dns_domain[ZT_DNS_DOMAIN_LEN];
	size_t dns_server_count;
	struct zt_inetaddr dns_servers[ZT_MAX_DNS_SERVERS];
	size_t token_count;
	struct ctl_token *tokens;
	uint64_t remote_trace_target; /* 0: null */
	uint64_t remote_trace_level;
	int64_t credential_window; /* "certificateTimeoutWindowSize"; 0: absent (default) */
	bool sso_enabled;          /* read-only; kept, not acted on (no SSO here) */
	char *rules_source, *client_id, *authorization_endpoint; /* read-only strings, kept */
};

enum ctl_auth_type {
	CTL_AUTH_NONE = 0, /* null */
	CTL_AUTH_API,
	CTL_AUTH_PUBLIC,
	CTL_AUTH_TOKEN,     /* stock's authTokens; the credential is the token itself, as stock stores it */
	CTL_AUTH_JOINTOKEN, /* "joinToken": one of our join tokens; the credential is its name */
};

/* A member: exactly what network/<nwid>/member/<address>.json holds. */
struct ctl_member {
	uint64_t address;
	uint64_t revision;
	int64_t creation_time;
	bool authorized, active_bridge, no_auto_assign_ips, sso_exempt;
	bool has_identity;
	struct zt_identity identity; /* public half, pinned at the first request */
	size_t ip_count;
	struct zt_inetaddr ips[ZT_MAX_ZT_ASSIGNED_ADDRESSES]; /* port 0 */
	size_t tag_count;                                     /* sorted by id, unique; heap */
	uint32_t (*tags)[2];
	size_t cap_count; /* sorted, unique; heap */
	uint32_t *caps;
	char *name; /* NULL: absent */
	int64_t last_authorized_time, last_deauthorized_time, authentication_expiry_time;
	enum ctl_auth_type auth_type;
	char *auth_credential;                /* NULL: null */
	int64_t vmajor, vminor, vrev, vproto; /* -1 until it requested */
	uint64_t remote_trace_target, remote_trace_level;
};

/* A join token (controller.h, JOIN TOKENS): exactly what network/<nwid>/jointoken/<name>.json holds. */
#define CTL_MAX_JOIN_TOKENS 1024 /* per network, revoked and used-up ones included */
#define CTL_JT_NAME_MAX     64
#define CTL_JT_MAX_USERS    128 /* the members it let in last, kept in its record */

struct ctl_jt_user {
	uint64_t address;
	int64_t time;
};

struct ctl_jointoken {
	char name[CTL_JT_NAME_MAX + 1]; /* [A-Za-z0-9._-], starting with a letter or digit */
	uint8_t hash[ZT_JOIN_TOKEN_HASH_LEN];
	int64_t creation_time;
	int64_t expires;      /* 0: never */
	int64_t revoked_time; /* 0: not revoked */
	uint64_t max_uses;    /* 0: unlimited */
	uint64_t uses, refused;
	bool has_pool;
	struct ctl_pool pool;      /* the members it lets in take their address from here */
	struct zt_inetaddr cidr;   /* the pool as given (port = bits) */
	size_t user_count;         /* oldest first */
	struct ctl_jt_user users[CTL_JT_MAX_USERS];
};

struct ctl_network {
	struct ctl_netrec rec;
	size_t member_count, member_cap;
	struct ctl_member **members; /* sorted by address */
	size_t jt_count;
	struct ctl_jointoken **jts; /* sorted by name */
	uint64_t jt_refused_unknown; /* requests with a token that is none of ours, since the start */
};

/* ---- Request state and subscriptions ------------------------------------------------------------------ */

#define CTL_MAX_PENDING_REVOCATIONS 48 /* what fits one NETWORK_CREDENTIALS packet with room to spare */

/* What the controller remembers of a member's requests: throttle, online, metadata for pushes, when it was
 * last configured (LIKE/GATHER), revocations waiting for the credential gap. Not persisted. */
struct ctl_status {
	struct ctl_status *next; /* hash chain */
	uint64_t nwid, address;
	int64_t last_request;  /* 0: never (e.g. only a revocation waits) */
	int64_t configured_at; /* 0: never */
	int64_t last_cred;     /* last NETWORK_CREDENTIALS sent to it */
	bool local;            /* the controller's own node (configs go to local_config) */
	bool has_identity;
	struct zt_identity identity;
	size_t md_len; /* 0: no metadata, no pushes (as stock) */
	uint8_t *md;   /* heap, at most ZT_DICT_METADATA_CAP - 1 bytes */
	size_t pending_count;
	struct zt_revocation *pending; /* heap, CTL_MAX_PENDING_REVOCATIONS when allocated */
};

struct ctl_sub {
	uint64_t member;
	int64_t last;
};

struct ctl_group {
	struct ctl_group *next; /* hash chain */
	uint64_t nwid;
	struct zt_mcast_group g;
	size_t count, cap;
	struct ctl_sub *subs;
};

struct zt_controller {
	struct zt_controller_callbacks cb;
	void *arg;
	struct zt_identity identity;
	uint64_t address;
	struct zt_controller_config cfg;
	struct zt_controller_counters counters;

	size_t network_count, network_cap;
	struct ctl_network **networks; /* sorted by id */

	size_t status_count, status_buckets;
	struct ctl_status **status;

	size_t sub_count, group_count, group_buckets;
	struct ctl_group **groups;
	int64_t next_expiry;
};

/* ---- Between the files -------------------------------------------------------------------------------- */

/* ctl_util.c: errors, JSON helpers, IP text */
int ctl_err(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ctl_log(struct zt_controller *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sorts every object's keys (bytewise, as stock's std::map) and prints compactly; malloc'd or NULL. */
char *ctl_json_print(cJSON *j);
/* Writes a record's file `name` through store_put, as ctl_json_print prints j (taken; NULL: -ENOMEM). 0 or
 * a negative errno (counted and logged). */
int ctl_store_put(struct zt_controller *c, const char *name, cJSON *j);
/* An integer-valued JSON number within [min, max]. */
bool ctl_json_int(const cJSON *j, int64_t min, int64_t max, int64_t *out);
/* Builders that remember a failed allocation (`bad`), so a record is either complete or reported. */
struct ctl_jb {
	bool bad;
};
void jb_str(struct ctl_jb *b, cJSON *o, const char *key, const char *v);
void jb_int(struct ctl_jb *b, cJSON *o, const char *key, int64_t v);
void jb_bool(struct ctl_jb *b, cJSON *o, const char *key, bool v);
void jb_null(struct ctl_jb *b, cJSON *o, const char *key);
cJSON *jb_obj(struct ctl_jb *b, cJSON *o, const char *key); /* key NULL: a new detached object */
cJSON *jb_arr(struct ctl_jb *b, cJSON *o, const char *key);
void jb_push(struct ctl_jb *b, cJSON *arr, cJSON *item); /* item NULL: bad */
/* The reader of a record's fields: each leaves its output alone when the key is absent, and on a bad
 * value sets rc (with the message in err); once rc is set every later field reads as absent. */
struct ctl_jr {
	const cJSON *j; /* the object read */
	char *err;
	size_t cap;
	int rc;
};
const cJSON *jr_field(struct ctl_jr *p, const char *key);
bool jr_bool(struct ctl_jr *p, const char *key, bool *out);                             /* true: set */
bool jr_int(struct ctl_jr *p, const char *key, int64_t min, int64_t max, int64_t *out); /* true: set */
/* What a null string field reads as. */
enum ctl_jr_null { CTL_NULL_ERROR, CTL_NULL_IS_EMPTY, CTL_NULL_IS_NULL };
/* A string of at most max bytes into *out (malloc'd, the old value freed). */
void jr_str(struct ctl_jr *p, const char *key, size_t max, enum ctl_jr_null null, char **out);
/* "remoteTraceTarget": null or "" (0) or a 10-digit address. */
void jr_trace_target(struct ctl_jr *p, uint64_t *out);
/* "a.b.c.d" or an IPv6 text form, optionally with "/bits" (into port; *bits_given says if it was there).
 * 0 or -EINVAL. */
int ctl_ip_parse(struct zt_inetaddr *a, const char *s, bool *bits_given);
/* The IP alone / "ip/bits" with port as bits; NUL-terminated, out of at least 64 bytes. */
void ctl_ip_format(const struct zt_inetaddr *a, char *out, size_t cap);
void ctl_cidr_format(const struct zt_inetaddr *a, char *out, size_t cap);
/* Is ip inside net (port = prefix bits), same family? */
bool ctl_cidr_contains(const struct zt_inetaddr *net, const struct zt_inetaddr *ip);
int ctl_ip_compare(const struct zt_inetaddr *a, const struct zt_inetaddr *b);
void ctl_hex10(uint64_t v, char out[11]);
void ctl_hex16(uint64_t v, char out[17]);
uint64_t ctl_random_u64(struct zt_controller *c);

/* ctl_rules.c: one flow rule <-> its stock JSON object */
cJSON *ctl_rule_to_json(struct ctl_jb *b, const struct zt_rule *r);
int ctl_rule_from_json(struct zt_rule *r, const cJSON *j, char *err, size_t cap);

/* ctl_record.c / ctl_member.c: records <-> JSON. `from_file` also reads the read-only fields and accepts
 * stock's odd default shapes; from the API read-only fields are ignored. Apply changes only the fields
 * present; on error the record may be half-changed, so callers apply to a copy. */
void ctl_netrec_init(struct ctl_netrec *r, uint64_t id, int64_t now);
void ctl_netrec_free(struct ctl_netrec *r);
void ctl_capdefs_free(struct ctl_capdef *caps, size_t n);
void ctl_tokens_free(struct ctl_token *t, size_t n);
cJSON *ctl_netrec_to_json(const struct ctl_netrec *r);
int ctl_netrec_apply(struct ctl_netrec *r, const cJSON *j, bool from_file, char *err, size_t cap);
int ctl_netrec_copy(struct ctl_netrec *dst, const struct ctl_netrec *src);
void ctl_member_init(struct ctl_member *m, uint64_t address, int64_t now);
void ctl_member_free(struct ctl_member *m);
cJSON *ctl_member_to_json(const struct ctl_member *m, uint64_t nwid);
int ctl_member_apply(struct ctl_member *m, const cJSON *j, bool from_file, int64_t now, char *err,
                     size_t cap);
int ctl_member_copy(struct ctl_member *dst, const struct ctl_member *src);
/* Same record apart from the revision counter? (Stock stores and bumps the revision only on a change.) */
bool ctl_netrec_same(const struct ctl_netrec *a, const struct ctl_netrec *b);
bool ctl_member_same(const struct ctl_member *a, const struct ctl_member *b, uint64_t nwid);

/* ctl_db.c: the set of networks and members, and their files */
struct ctl_network *ctl_network_find(struct zt_controller *c, uint64_t nwid);
int ctl_network_insert(struct zt_controller *c, struct ctl_network *n);
void ctl_network_remove(struct zt_controller *c, struct ctl_network *n); /* and free it */
struct ctl_member *ctl_member_find(struct ctl_network *n, uint64_t address);
int ctl_member_insert(struct ctl_network *n, struct ctl_member *m);
void ctl_member_remove(struct ctl_network *n, struct ctl_member *m); /* and free it */
void ctl_network_free(struct ctl_network *n);
/* Write the record's file through store_put. 0 or a negative errno (counted). */
int ctl_store_network(struct zt_controller *c, const struct ctl_netrec *r);
int ctl_store_member(struct zt_controller *c, uint64_t nwid, const struct ctl_member *m);
int ctl_store_delete_member(struct zt_controller *c, uint64_t nwid, uint64_t address);
int ctl_store_delete_network(struct zt_controller *c, uint64_t nwid);
/* Is this IP held by any member of the network other than `except` (0: none excepted)? */
bool ctl_ip_taken(const struct ctl_network *n, const struct zt_inetaddr *ip, uint64_t except);

/* ctl_config.c: a member's config (spec §9.3-9.5). May add IPs, default tags and capabilities to the member
 * (*changed says so). 0, -ENOMEM, -EINVAL (signing failed). */
int ctl_build_config(struct zt_controller *c, struct ctl_network *n, struct ctl_member *m, bool new_member,
                     const struct zt_identity *id, const struct zt_dict *md, struct zt_netconf *nc,
                     bool *changed, int64_t now);

/* ctl_status.c: request state */
struct ctl_status *ctl_status_find(struct zt_controller *c, uint64_t nwid, uint64_t address);
struct ctl_status *ctl_status_get(struct zt_controller *c, uint64_t nwid, uint64_t address, int64_t now);
bool ctl_status_online(const struct ctl_status *s, int64_t now);
void ctl_status_expire(struct zt_controller *c, int64_t now);
void ctl_status_free_all(struct zt_controller *c);
/* Visits every status of a network; the callback must not add or remove statuses. */
void ctl_status_each(struct zt_controller *c, uint64_t nwid,
                     void (*fn)(struct zt_controller *, struct ctl_status *, void *), void *arg);

/* ctl_serve.c: serving a member, pushes and revocations */
enum ctl_serve_result {
	CTL_SERVED = 0,
	CTL_DENIED = -1,
	CTL_FAILED = -2,
};
/* The request path after the throttle (spec §9.2). in_re != 0: a genuine request, answered with OK chunks or
 * ERROR; 0: a push (NETWORK_CONFIG, nothing when denied). local: deliver to local_config or into *out. */
int ctl_serve(struct zt_controller *c, struct ctl_network *n, const struct zt_identity *id,
              const struct zt_dict *md, uint64_t in_re, bool local, struct zt_netconf *out, int64_t now);
void ctl_push_network(struct zt_controller *c, struct ctl_network *n, int64_t now);
void ctl_push_member(struct zt_controller *c, struct ctl_network *n, uint64_t address, int64_t now);
void ctl_revoke(struct zt_controller *c, uint64_t nwid, uint64_t target, int64_t now);
int64_t ctl_flush_revocations(struct zt_controller *c, int64_t now);
void ctl_send_error(struct zt_controller *c, uint64_t dest, uint64_t in_re, uint8_t code, uint64_t nwid,
                    int64_t now);
int ctl_send(struct zt_controller *c, uint64_t dest, uint8_t verb, const void *p, size_t len, int64_t now);

/* ctl_jointoken.c: join tokens (records, admission) and ctl_jointoken_api.c: their API */
enum ctl_jt_result { CTL_JT_NONE, CTL_JT_ADMITTED, CTL_JT_REFUSED };
/* A genuine request from m, not authorized: does its metadata carry one of n's join tokens that may let it
 * in? ADMITTED: a use was taken and stored (*name: the token's name, valid until the next change of n's
 * tokens); REFUSED: a token that is not ours, or used up, expired, revoked, or m was deauthorized once
 * (counted); NONE: no token. */
enum ctl_jt_result ctl_jt_admit(struct zt_controller *c, struct ctl_network *n, const struct ctl_member *m,
                                const struct zt_dict *md, int64_t now, const char **name);
/* The token that let m in, if m was let in by one that still exists. */
const struct ctl_jointoken *ctl_jt_of_member(const struct ctl_network *n, const struct ctl_member *m);
struct ctl_jointoken *ctl_jt_find(const struct ctl_network *n, const char *name);
bool ctl_jt_name_ok(const char *name);
/* The token's pool from a CIDR (port = bits; host bits ignored). */
void ctl_jt_set_pool(struct ctl_jointoken *t, const struct zt_inetaddr *cidr);
/* From a stored record named `name` (file name without .json). 0, -EBADMSG (err says why), -ENOMEM. */
int ctl_jt_from_json(struct ctl_jointoken *t, const char *name, const cJSON *j, char *err, size_t cap);
/* api: the API's view (no hash; uses left and state); else the stored record. */
cJSON *ctl_jt_to_json(const struct ctl_jointoken *t, bool api, int64_t now);
int ctl_jt_add(struct ctl_network *n, struct ctl_jointoken *t); /* takes t; -ENOSPC, -ENOMEM */
int ctl_store_jointoken(struct zt_controller *c, uint64_t nwid, const struct ctl_jointoken *t);
void ctl_jts_free(struct ctl_network *n);
/* Metadata without the join token, for keeping (pushes need the rest; the secret is not kept). */
size_t ctl_jt_strip(uint8_t *md, size_t len);
/* ctl_api.c: one API call, and its answers (they take ownership of j; -ENOMEM only when even the answer
 * could not be made) */
struct ctl_req {
	struct zt_controller *c;
	int *status;
	char **response;
	int64_t now;
};
int ctl_answer(struct ctl_req *q, int status, cJSON *j);
int ctl_fail(struct ctl_req *q, int status, const char *msg);
int ctl_fail_errno(struct ctl_req *q, int rc, const char *what);
/* The body as a JSON object; empty means {}. NULL + message on error. */
cJSON *ctl_parse_body(const void *body, size_t len, char *err, size_t cap);
/* ctl_jointoken_api.c: /ztrun/controller/network/<nwid>/token[/<name>], p: what follows "/token". */
int ctl_jt_api(struct ctl_req *q, const char *method, uint64_t nwid, const char *p, const void *body, size_t len);
int ctl_api(struct zt_controller *c, const char *method, const char *path, const void *body, size_t len,
            int *status, char **response, int64_t now);

/* ctl_mcast.c: LIKE / GATHER for members (spec §9.8) */
bool ctl_mcast_like(struct zt_controller *c, const struct zt_node_msg *m, int64_t now);
bool ctl_mcast_gather(struct zt_controller *c, const struct zt_node_msg *m, int64_t now);
int ctl_mcast_add(struct zt_controller *c, uint64_t nwid, const struct zt_mcast_group *g, uint64_t member,
                  int64_t now);
void ctl_mcast_expire(struct zt_controller *c, int64_t now);
void ctl_mcast_forget_network(struct zt_controller *c, uint64_t nwid);
void ctl_mcast_forget_member(struct zt_controller *c, uint64_t nwid, uint64_t member);
void ctl_mcast_free_all(struct zt_controller *c);

#endif
