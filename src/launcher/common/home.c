/* A node's home directory: lock, identity, planet, and the node's state objects as files. */
#include "home.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
#include "sysio.h"

#define ZT_HOME_LOCK      "ztrun.lock"
#define ZT_HOME_STATE_MAX (1 << 20) /* no state object is larger */

char *zt_home_default(void)
{
	const char *env = getenv("ZTRUN_HOME");
	if (env && *env)
		return strdup(env);
	char *out = NULL;
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg) {
		if (asprintf(&out, "%s/ztrun", xdg) < 0)
			out = NULL;
	} else if (home && *home) {
		if (asprintf(&out, "%s/.local/share/ztrun", home) < 0)
			out = NULL;
	}
	return out;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *dir)
{
	char *p = strdup(dir);
	if (!p)
		return -ENOMEM;
	int err = 0;
	for (char *s = p + 1; !err; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			err = -errno;
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	if (err)
		return err;
	struct stat st;
	if (stat(dir, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static char *home_path(const struct zt_home *h, const char *name)
{
	char *out;
	return asprintf(&out, "%s/%s", h->dir, name) < 0 ? NULL : out;
}

/* As ssh does for a user's files: each directory above dir is root's or ours, and one others can write
 * to has the sticky bit (as /tmp: then only its owner and root can move or remove what is ours in it).
 * Otherwise another user could move the home aside and put one of theirs in its place. */
static const char *untrusted_above(const char *dir)
{
	static char why[PATH_MAX + 160];
	const char *bad = NULL;
	char *up = realpath(dir, NULL);
	if (!up)
		return NULL; /* the open below says why */
	for (char *slash = strrchr(up, '/'); slash && !bad; slash = slash == up ? NULL : strrchr(up, '/')) {
		slash[slash == up] = '\0'; /* up to the parent, keeping "/" itself */
		struct stat st;
		if (stat(up, &st) < 0)
			continue;
		if (st.st_uid != 0 && st.st_uid != geteuid())
			bad = "belongs to another user (give another --home)";
		else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
			bad = "is writable by others (chmod go-w or +t it, or give another --home)";
		if (bad)
			snprintf(why, sizeof(why), "%s, a directory above it, %s", up, bad);
	}
	free(up);
	return bad ? why : NULL;
}

/* Why dir cannot be trusted with a node's secrets (another user could replace them, or plant links),
 * or NULL. */
static const char *untrusted(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return NULL; /* the open below says why */
	if (st.st_uid != geteuid())
		return "it belongs to another user (give another --home, or --ephemeral)";
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return "others can write to it (chmod go-w it, or give another --home)";
	return untrusted_above(dir);
}

int zt_home_open(struct zt_home *h, const char *dir)
{
	*h = (struct zt_home){.lock_fd = -1};
	if (!dir)
		return 0;
	int err = make_dirs(dir);
	if (err)
		return err;
	if ((h->untrusted = untrusted(dir)) != NULL)
		return -EPERM;
	h->dir = strdup(dir);
	char *lock = h->dir ? home_path(h, ZT_HOME_LOCK) : NULL;
	if (!lock) {
		zt_home_close(h);
		return -ENOMEM;
	}
	h->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	err = h->lock_fd < 0 ? -errno : 0;
	if (!err && flock(h->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		char buf[32] = {0};
		if (pread(h->lock_fd, buf, sizeof(buf) - 1, 0) > 0)
			h->holder = (pid_t)atoi(buf);
	}
	if (!err) {
		/* who holds it, for the next one's error message */
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (ftruncate(h->lock_fd, 0) < 0 || pwrite(h->lock_fd, buf, (size_t)n, 0) != n)
			err = -errno;
	}
	free(lock);
	if (err) {
		pid_t holder = h->holder;
		zt_home_close(h);
		h->holder = holder;
		if (err == -ELOOP)
			h->untrusted = "its " ZT_HOME_LOCK " is a symbolic link (remove it, or give another --home)";
	}
	return err;
}

const char *zt_home_exposed_secret(const struct zt_home *h, unsigned *mode)
{
	static const char *const secrets[] = {"identity.secret", "authtoken.secret", "planet.key"};
	for (size_t i = 0; h->dir && i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		char *path = home_path(h, secrets[i]);
		struct stat st;
		bool exposed = path && stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO));
		free(path);
		if (exposed) {
			*mode = st.st_mode & 07777;
			return secrets[i];
		}
	}
	return NULL;
}

void zt_home_close(struct zt_home *h)
{
	if (h->lock_fd >= 0)
		close(h->lock_fd);
	free(h->dir);
	*h = (struct zt_home){.lock_fd = -1};
}

int zt_home_identity(struct zt_home *h, struct zt_identity *id)
{
	char *secret = h->dir ? home_path(h, "identity.secret") : NULL;
	char *public = h->dir ? home_path(h, "identity.public") : NULL;
	int err = 0;
	if (h->dir && (!secret || !public)) {
		err = -ENOMEM;
		goto out;
	}
	if (h->dir) {
		err = zt_keyfile_load_identity(secret, id);
		if (err == 0) {
			err = zt_identity_check_secret(id) == 0 ? 0 : -EKEYREJECTED;
			goto out;
		}
		if (err != -ENOENT)
			goto out;
	}
	err = zt_sys_random_check();
	if (!err)
		err = zt_identity_generate(id, zt_sys_random, NULL, NULL);
	if (!err && h->dir) {
		err = zt_keyfile_save_identity(secret, id, true);
		if (!err)
			err = zt_keyfile_save_identity(public, id, false);
		h->created_identity = !err;
	}
out:
	free(secret);
	free(public);
	return err;
}

int zt_home_planet(struct zt_home *h, const char *file, struct zt_world *w, const char **source)
{
	const char *env = getenv("ZTRUN_PLANET");
	char *in_home = h->dir ? home_path(h, "planet") : NULL;
	const char *path = NULL;
	if (file) {
		path = file;
		*source = "--planet";
	} else if (env && *env) {
		path = env;
		*source = "ZTRUN_PLANET";
	} else if (in_home && access(in_home, F_OK) == 0) {
		path = in_home;
		*source = "the home's planet file";
	}
	int err;
	if (path) {
		uint8_t *data;
		size_t len;
		err = zt_file_read(path, ZT_WORLD_MAX_LEN, &data, &len);
		if (!err) {
			err = zt_world_parse(w, data, len) == 0 ? 0 : -EBADMSG;
			free(data);
		}
	} else {
		size_t len;
		const uint8_t *earth = zt_world_earth(&len);
		err = zt_world_parse(w, earth, len) == 0 ? 0 : -EBADMSG;
		*source = "the built-in Earth planet";
	}
	free(in_home);
	return err;
}

/* The file of a state object, or NULL for none (or no memory). */
static char *state_path(const struct zt_home *h, enum zt_state_object type, uint64_t id)
{
	char *out = NULL;
	int r = -1;
	switch (type) {
	case ZT_STATE_IDENTITY_PUBLIC:
		r = asprintf(&out, "%s/identity.public", h->dir);
		break;
	case ZT_STATE_IDENTITY_SECRET:
		r = asprintf(&out, "%s/identity.secret", h->dir);
		break;
	case ZT_STATE_PLANET:
		r = asprintf(&out, "%s/planet", h->dir);
		break;
	case ZT_STATE_MOON:
		r = asprintf(&out, "%s/moons.d/%016" PRIx64 ".moon", h->dir, id);
		break;
	case ZT_STATE_PEER:
		r = asprintf(&out, "%s/peers.d/%010" PRIx64 ".peer", h->dir, id);
		break;
	case ZT_STATE_NETWORK_CONFIG:
		r = asprintf(&out, "%s/networks.d/%016" PRIx64 ".conf", h->dir, id);
		break;
	}
	return r < 0 ? NULL : out;
}

int zt_home_state_put(void *arg, enum zt_state_object type, uint64_t id, const void *data, int len)
{
	struct zt_home *h = arg;
	if (!h->dir)
		return 0;
	char *path = state_path(h, type, id);
	if (!path)
		return -ENOMEM;
	int err;
	if (len < 0) {
		err = unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	} else {
		char *slash = strrchr(path, '/');
		*slash = '\0';
		err = make_dirs(path);
		*slash = '/';
		if (!err)
			err = zt_file_write_atomic(path, data, (size_t)len,
			                           type == ZT_STATE_IDENTITY_SECRET ? 0600 : 0644, false);
	}
	free(path);
	return err;
}

int zt_home_state_get(void *arg, enum zt_state_object type, uint64_t id, void *buf, size_t cap)
{
	struct zt_home *h = arg;
	if (!h->dir)
		return -ENOENT;
	char *path = state_path(h, type, id);
	if (!path)
		return -ENOMEM;
	uint8_t *data;
	size_t len;
	int err = zt_file_read(path, ZT_HOME_STATE_MAX, &data, &len);
	free(path);
	if (err)
		return err;
	if (len > cap) {
		free(data);
		return -ENOSPC;
	}
	memcpy(buf, data, len);
	free(data);
	return (int)len;
}

int zt_home_write_text(struct zt_home *h, const char *name, const char *text)
{
	if (!h->dir)
		return 0;
	char *path = home_path(h, name);
	if (!path)
		return -ENOMEM;
	int err = zt_file_write_atomic(path, text, strlen(text), 0644, false);
	free(path);
	return err;
}
