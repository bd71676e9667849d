/* What `ztrun controller` shares between its daemon (controller.c) and its management commands (cli.c):
 * HOME/controller.d as the controller core's store, the API token, and the wall clock the core runs on. */
#ifndef ZTRUN_CTLHOST_H
#define ZTRUN_CTLHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "controller/controller.h"
#include "home.h"
#include "vl1/world.h"

#define ZT_CTL_STORE_DIR    "controller.d"
#define ZT_CTL_TOKEN_FILE   "authtoken.secret"
#define ZT_CTL_TOKEN_LEN    24          /* as stock: 24 characters of [a-z0-9] */
#define ZT_CTL_TOKEN_MAX    256         /* longer token files are refused */
#define ZT_CTL_RECORD_MAX   (16u << 20) /* a record file larger than this is not loaded */
#define ZT_CTL_DEFAULT_PORT 9993

/* HOME/controller.d. Every name the core passes is relative to dir and checked: no absolute paths, no
 * empty, "." or ".." components, only [A-Za-z0-9._-] and '/'. */
struct zt_ctlstore {
	char *dir;
};

/* 0 or -ENOMEM. Makes nothing on disk. */
int zt_ctlstore_init(struct zt_ctlstore *s, const char *home_dir);
void zt_ctlstore_fini(struct zt_ctlstore *s);

/* The core's store_put and store_delete with arg = the store: atomic and durable (temp file, fsync, rename,
 * fsync of the directory; new directories made 0700 and their parents synced). A directory is deleted by
 * renaming it aside first (one atomic step), then removing what it held. 0 or -errno. */
int zt_ctlstore_put(void *arg, const char *name, const void *data, size_t len);
int zt_ctlstore_delete(void *arg, const char *name);

/* Hands every record file to the core (networks first, then each network's members), as controller.h asks.
 * A file that does not load is reported through report(arg, path, why) and skipped; leftovers of an
 * interrupted write or delete are removed. Returns the number of records loaded, or -errno if the store
 * cannot be read at all (a missing store is an empty one). */
int zt_ctlstore_load(struct zt_ctlstore *s, struct zt_controller *c,
                     void (*report)(void *arg, const char *path, const char *why), void *arg);

/* Where members reach a controller that is its planet's root: the --endpoint values, else --bind's address,
 * else 127.0.0.1, with the port. */
struct zt_ctl_endpoints {
	const char *const *given;
	size_t n_given;
	const char *bind;
	uint16_t port;
};

/* Loads HOME/planet into *planet, or makes it at first start (root_planet.c). Says in one line why it cannot;
 * 0 or -1. */
int zt_ctl_planet(const char *home_dir, const struct zt_identity *id, const struct zt_ctl_endpoints *e,
                  struct zt_world *planet);

/* Wall-clock ms (CLOCK_REALTIME): the controller core's clock (controller.h, THE CLOCK). */
int64_t zt_ctl_wall_ms(void);

/* Reads HOME/authtoken.secret, trimmed as stock trims it, into token (cap bytes). With create, a missing
 * file is made first: ZT_CTL_TOKEN_LEN random characters of [a-z0-9], mode 0600, never replacing one that
 * appears meanwhile. 0, -ENOENT, -EBADMSG (empty, too long, or a control character inside), or -errno. */
int zt_ctl_token(const char *home_dir, bool create, char *token, size_t cap);

/* How a management command reaches the controller of HOME: over its HTTP API when a daemon holds HOME,
 * else in this process on the stored files, with HOME locked meanwhile (conn.c). */
struct zt_ctlconn {
	bool remote;
	uint16_t port;                /* remote: the API's TCP port on 127.0.0.1 */
	char token[ZT_CTL_TOKEN_MAX]; /* remote */
	struct zt_home home;          /* local: locked */
	struct zt_identity id;
	struct zt_ctlstore store;
	struct zt_controller *ctl;
	unsigned bad_records;
};

/* Finds the way to HOME's controller; says in one line why there is none. 0 or -1. */
int zt_ctlconn_open(struct zt_ctlconn *cc, const char *home_dir);
/* One API call (controller.h's paths); *response malloc'd (NULL if the answer had no body). 0, or -1 after
 * saying why the call could not be made at all; an answer with an error status is 0. */
int zt_ctlconn_call(struct zt_ctlconn *cc, const char *method, const char *path, const char *body,
                    int *status, char **response);
void zt_ctlconn_close(struct zt_ctlconn *cc);

/* `ztrun controller network ...` and `ztrun controller member ...`: argv[0] is "network" or "member". */
int zt_ctlcli_main(int argc, char **argv);
/* The management commands' lines for the controller's --help. */
void zt_ctlcli_usage(FILE *f);

#endif
