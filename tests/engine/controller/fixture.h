/* A fake host for controller tests: records every packet the controller sends and keeps its files in
 * memory, with scripted randomness; plus a member's side of the wire (requests out, config chunks
 * verified and reassembled, NETWORK_CREDENTIALS decoded). */
#ifndef ZTRUN_TESTS_CONTROLLER_FIXTURE_H
#define ZTRUN_TESTS_CONTROLLER_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "controller/controller.h"
#include "vl2/credentials.h"
#include "vl2/netconf.h"

struct fx_pkt {
	uint64_t dest;
	uint8_t verb;
	uint8_t *p;
	size_t len;
};

struct fx_file {
	char *name;
	char *data;
	size_t len;
};

#define FX_MAX_PKTS  4096
#define FX_MAX_FILES 1024

struct fx {
	struct zt_controller *c;
	struct zt_identity id; /* the controller's, with secret (spec §11.1) */
	uint64_t seed;
	uint64_t script[4]; /* returned first by random() as 8-byte big-endian values */
	size_t nscript;
	size_t npkts;
	struct fx_pkt pkts[FX_MAX_PKTS];
	size_t nfiles;
	struct fx_file files[FX_MAX_FILES];
	int store_error; /* != 0: store_put/store_delete fail with it */
	size_t puts, deletes;
	size_t local_configs, local_revocations;
	struct zt_netconf *last_local; /* copy of the last local_config */
};

/* A controller with the spec's controller identity (address 5a198f7032) and `min_window` as the lowest
 * COM window (0: default). */
void fx_init(struct fx *f, int64_t min_window);
/* The same, keeping at most max_pending records of refused strangers per network (0: default). */
void fx_init_pending(struct fx *f, int64_t min_window, size_t max_pending);
void fx_free(struct fx *f);
/* Drops the recorded packets. */
void fx_clear(struct fx *f);

/* An API call; returns the status, *out (may be NULL) the parsed answer (cJSON_Delete it). */
int fx_api(struct fx *f, const char *method, const char *path, const char *body, cJSON **out, int64_t now);
/* The same, for calls that must succeed with 200; returns the answer (or NULL after a failed check). */
cJSON *fx_ok(struct fx *f, const char *method, const char *path, const char *body, int64_t now);

/* The text of a stored file, or NULL. */
const struct fx_file *fx_file(const struct fx *f, const char *name);

/* A member identity without a secret: the spec's member for address 0x9620b89c1d, else a made-up public
 * key (the controller never checks the address proof; VL1 does). */
void fx_member(struct zt_identity *id, uint64_t address);

/* Sends a NETWORK_CONFIG_REQUEST from `member` with metadata `md` (NULL: the stock set of §11.2). */
bool fx_request(struct fx *f, const struct zt_identity *member, uint64_t nwid, const char *md,
                uint64_t packet_id, int64_t now);
/* Feeds any packet from `member`. */
bool fx_packet(struct fx *f, const struct zt_identity *member, uint8_t verb, const void *p, size_t len,
               uint64_t packet_id, int64_t now);

/* Finds the config sent to `dest` in the recorded packets from index `from` on: OK chunks quoting `in_re`
 * (in_re 0: NETWORK_CONFIG pushes). Checks each chunk's signature with the controller identity and that
 * they share one update ID, reassembles, and parses into *nc (free with zt_netconf_free). The dictionary
 * goes to dict (may be NULL). Returns the number of chunks, 0 if none, -1 if a check failed. */
int fx_config(struct fx *f, size_t from, uint64_t dest, uint64_t in_re, struct zt_netconf *nc, uint8_t *dict,
              size_t cap, size_t *dict_len);

/* The ERROR code sent to dest quoting in_re (from packet index `from`), or -1. */
int fx_error(struct fx *f, size_t from, uint64_t dest, uint64_t in_re);

/* Revocations sent to `dest` from packet `from` on, verified with the controller identity; returns how many
 * (up to cap) and how many NETWORK_CREDENTIALS packets carried them (*packets, may be NULL). */
size_t fx_revocations(struct fx *f, size_t from, uint64_t dest, struct zt_revocation *out, size_t cap,
                      size_t *packets);

/* The stock metadata of spec §11.2. */
extern const char fx_stock_md[];

#endif
