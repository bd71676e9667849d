/* A node's home directory, in zerotier-one's layout (identity.secret, identity.public, planet,
 * networks.d/, peers.d/, zerotier-one.port, zerotier-one.pid): locked while a node uses it, the identity
 * made on first use, the planet chosen. Or no directory at all (--ephemeral). Returns -errno; prints
 * nothing. */
#ifndef ZTRUN_HOME_H
#define ZTRUN_HOME_H

#include <stdbool.h>
#include <sys/types.h>

#include "vl1/identity.h"
#include "vl1/world.h"
#include "vl1/node.h"

struct zt_home {
	char *dir;    /* NULL when ephemeral */
	int lock_fd;  /* flock'd HOME/ztrun.lock, -1 when ephemeral */
	pid_t holder; /* after zt_home_open failed with -EBUSY: the process holding the lock (0: unknown) */
	bool created_identity;
	const char *untrusted; /* after zt_home_open failed with -EPERM or -ELOOP: why (static) */
};

/* The directory used when --home is not given: $ZTRUN_HOME, else $XDG_DATA_HOME/ztrun, else
 * ~/.local/share/ztrun. Returns a malloc'd path, or NULL (no HOME either). */
char *zt_home_default(void);

/* Opens dir (made 0700 with its parents if missing) and locks it: -EBUSY if another process holds it
 * (h->holder says which), -EPERM if dir is not ours or others can write to it, -ELOOP if its lock file
 * is a symbolic link (h->untrusted says why for both), -ENOTDIR, -EACCES... dir NULL: ephemeral, nothing
 * on disk. */
int zt_home_open(struct zt_home *h, const char *dir);
/* The first of identity.secret, authtoken.secret, planet.key in an open home that others may read
 * (*mode: its permission bits), or NULL. */
const char *zt_home_exposed_secret(const struct zt_home *h, unsigned *mode);
/* Unlocks and forgets; the directory and its files stay. */
void zt_home_close(struct zt_home *h);

/* Loads HOME/identity.secret, or makes a new identity and saves it (identity.secret 0600 and
 * identity.public); ephemeral: always a new one, kept in memory. 0, -EBADMSG (a damaged file: we never
 * replace it), -EKEYREJECTED (its secret does not match), or -errno. */
int zt_home_identity(struct zt_home *h, struct zt_identity *id);

/* The planet, from the first of: `file` (--planet), $ZTRUN_PLANET, HOME/planet, the built-in Earth.
 * *source says which ("--planet", "ZTRUN_PLANET", the home path or "built-in Earth"; static or owned by h).
 * 0, -EBADMSG (not a valid world), or -errno reading the file. */
int zt_home_planet(struct zt_home *h, const char *file, struct zt_world *w, const char **source);

/* The node's state callbacks over the home directory (no-ops when ephemeral); arg is the struct zt_home. */
int zt_home_state_put(void *arg, enum zt_state_object type, uint64_t id, const void *data, int len);
int zt_home_state_get(void *arg, enum zt_state_object type, uint64_t id, void *buf, size_t cap);

/* Writes a small text file in the home (zerotier-one.port, zerotier-one.pid); no-op when ephemeral. */
int zt_home_write_text(struct zt_home *h, const char *name, const char *text);

#endif
