/* HOME/controller.d as the controller core's store (store.c), and the wall clock the core runs on, which
 * the daemon (controller.c) and the management commands (manage.c) both need. (The API's token file is
 * common/localapi.h's.) */
#ifndef ZTRUN_CTL_STORE_H
#define ZTRUN_CTL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "controller/controller.h"

#define ZT_CTL_STORE_DIR    "controller.d"
#define ZT_CTL_RECORD_MAX   (16u << 20) /* a record file larger than this is not loaded */

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

/* The controller core's random callback: libsodium's randombytes (network IDs, join token secrets, ...). */
void zt_ctl_random(void *arg, void *buf, size_t len);

/* Wall-clock ms (CLOCK_REALTIME): the controller core's clock (controller.h, THE CLOCK). */
int64_t zt_ctl_wall_ms(void);

#endif
