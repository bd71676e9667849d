/* A test controller behind zt_vl2_set_controller: a few networks with members, configs built with
 * netconf's encoder, COMs and COOs issued and signed with the controller node's identity, chunked (small
 * chunks on request, to exercise reassembly) and signed; ERRORs for unknown networks and unauthorised
 * members; pushes, revocations, the local member's short cut and the multicast service's question. */
#ifndef ZTRUN_TESTS_VL2_FIXTURE_CTL_H
#define ZTRUN_TESTS_VL2_FIXTURE_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl2/netconf.h"
#include "vl2/vl2.h"

#define FX_NETS    4
#define FX_MEMBERS 12
#define FX_RULES   16

struct fx_member {
	uint64_t address;
	bool authorized;
	size_t n_ips;
	struct zt_inetaddr ips[4]; /* port = prefix */
	bool requested;
	int64_t last_request, last_config;
	unsigned requests;
	uint8_t metadata[1024];
	size_t metadata_len;
};

struct fx_network {
	uint64_t nwid;
	char name[32];
	bool is_public;
	uint64_t flags;
	uint32_t ml, mtu;
	int64_t ctmd;
	uint64_t revision;
	size_t n_routes;
	struct zt_route routes[4];
	bool no_rules;  /* R absent: everything dropped */
	size_t n_rules; /* 0 and !no_rules: [ACCEPT] */
	struct zt_rule rules[FX_RULES];
	size_t n_members;
	struct fx_member members[FX_MEMBERS];
};

struct fx_ctl {
	struct zt_identity id; /* the controller node's, with its secret */
	struct zt_node *node;
	size_t n_nets;
	struct fx_network nets[FX_NETS];
	size_t chunk_size; /* 0: ZT_CONFCHUNK_MAX_DATA */
	bool silent;       /* answer nothing */
	unsigned requests, local_requests;
	uint64_t update_seq;
};

/* The controller node's identity and node; nothing registered yet. */
void fx_init(struct fx_ctl *fx, const struct zt_identity *id, struct zt_node *node);
/* Registers on a zt_vl2 (the controller node's); with multicast_service it answers recently_configured. */
void fx_register(struct fx_ctl *fx, struct zt_vl2 *v, bool multicast_service);
/* A private network numbered `n`: [ACCEPT], broadcast on, ml 32, MTU 2800, route 10.147.<n>.0/24. */
struct fx_network *fx_network(struct fx_ctl *fx, uint32_t n);
/* Adds (or finds) a member; authorized, with IPv4 10.147.<n>.<host>/24 when host != 0. */
struct fx_member *fx_member(struct fx_network *net, uint64_t address, uint8_t host);
struct fx_member *fx_find(struct fx_network *net, uint64_t address);

/* The config `net` gives `address` now, as dictionary bytes. Returns the length. */
size_t fx_build(struct fx_ctl *fx, const struct fx_network *net, uint64_t address,
                const struct zt_identity *who, int64_t now, uint8_t *out, size_t cap);
/* Pushes a fresh config to a member (NETWORK_CONFIG), as after a change. 0 or zt_node_send's error. */
int fx_push(struct fx_ctl *fx, struct fx_network *net, uint64_t address, int64_t now);
/* Deauthorizes `address` and sends the COM revocation to every member that requested within 120 s (and
 * hands it to `local`, the controller's own zt_vl2, if not NULL). */
void fx_revoke(struct fx_ctl *fx, struct fx_network *net, uint64_t address, struct zt_vl2 *local,
               int64_t now);
/* A COM for `who` on `net`, as the controller would issue it at `ts`. */
void fx_com(struct fx_ctl *fx, const struct fx_network *net, const struct zt_identity *who, int64_t ts,
            struct zt_com *com);

#endif
