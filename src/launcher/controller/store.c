/* HOME/controller.d as the controller core's store, and the small things the controller's daemon and its
 * management commands both need: the API token file and the wall clock. */
#include <dirent.h>
#include <sodium.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "sysio.h"

#define DELETING_PREFIX ".deleting-"

int zt_ctlstore_init(struct zt_ctlstore *s, const char *home_dir)
{
	s->dir = NULL;
	return asprintf(&s->dir, "%s/" ZT_CTL_STORE_DIR, home_dir) < 0 ? (s->dir = NULL, -ENOMEM) : 0;
}

void zt_ctlstore_fini(struct zt_ctlstore *s)
{
	free(s->dir);
	s->dir = NULL;
}

void zt_ctl_random(void *arg, void *buf, size_t len)
{
	(void)arg;
	randombytes_buf(buf, len);
}

int64_t zt_ctl_wall_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Names come from the core; still, nothing may leave the store. */
static bool name_ok(const char *name)
{
	if (!*name || *name == '/' || strlen(name) > 512)
		return false;
	for (const char *p = name; *p; p++) {
		char c = *p;
		if (!(c == '/' || c == '.' || c == '_' || c == '-' || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return false;
	}
	for (const char *p = name;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') ||
		    p[0] == '.')
			return false; /* also hidden names: ours (leftovers) start with '.' */
		if (!slash)
			return true;
		p = slash + 1;
	}
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The parent of path, in buf. */
static void parent_of(const char *path, char *buf, size_t cap)
{
	const char *slash = strrchr(path, '/');
	snprintf(buf, cap, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
}

/* mkdir -p for path's parent directories below (and including) the store itself; a directory made is
 * synced into its parent, so a record written into it survives a crash. */
static int make_parents(const char *path)
{
	char buf[4096], parent[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0700) == 0) {
			parent_of(buf, parent, sizeof(parent));
			sync_dir(parent);
		} else if (errno != EEXIST) {
			return -errno;
		}
		*s = '/';
	}
	return 0;
}

int zt_ctlstore_put(void *arg, const char *name, const void *data, size_t len)
{
	struct zt_ctlstore *s = arg;
	char path[4096];
	if (!name_ok(name))
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/%s", s->dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	int err = make_parents(path);
	return err ? err : zt_file_write_atomic(path, data, len, 0600, false);
}

/* rm -r of a directory nobody else knows about any more (renamed aside). */
static int remove_tree(int at, const char *name)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR || errno == ELOOP ? (unlinkat(at, name, 0) == 0 ? 0 : -errno)
		                                          : -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	int err = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) {
			int r = remove_tree(dirfd(d), e->d_name);
			if (r && !err)
				err = r;
		} else if (unlinkat(dirfd(d), e->d_name, 0) != 0 && !err) {
			err = -errno;
		}
	}
	closedir(d);
	if (!err && unlinkat(at, name, AT_REMOVEDIR) != 0)
		err = -errno;
	return err;
}

int zt_ctlstore_delete(void *arg, const char *name)
{
	struct zt_ctlstore *s = arg;
	char path[4096], parent[4096], aside[4200];
	struct stat st;
	if (!name_ok(name))
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/%s", s->dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	parent_of(path, parent, sizeof(parent));
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) != 0)
			return errno == ENOENT ? 0 : -errno;
		sync_dir(parent);
		return 0;
	}
	/* One rename takes the whole tree out of the store; a crash after it leaves only a leftover that the
	 * next load removes, never half a network. */
	uint32_t r;
	zt_sys_random(NULL, &r, sizeof(r));
	const char *base = strrchr(path, '/') + 1;
	snprintf(aside, sizeof(aside), "%s/" DELETING_PREFIX "%s-%08x", parent, base, r);
	if (rename(path, aside) != 0)
		return errno == ENOENT ? 0 : -errno;
	sync_dir(parent);
	int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd >= 0) {
		remove_tree(pfd, strrchr(aside, '/') + 1); /* what it fails to remove, the next load does */
		close(pfd);
	}
	return 0;
}

/* "<hex digits>.json" with exactly `digits` digits. */
static bool record_name(const char *name, size_t digits)
{
	uint64_t id;
	return strlen(name) == digits + 5 && zt_hex_parse_n(name, digits, &id) &&
	       strcmp(name + digits, ".json") == 0;
}

/* Leftovers of an interrupted zt_file_write_atomic ("<name>.tmp-XXXXXX") or delete (".deleting-..."). */
static bool leftover(const char *name)
{
	return strncmp(name, DELETING_PREFIX, strlen(DELETING_PREFIX)) == 0 ||
	       strstr(name, ".json.tmp-") != NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "<name>.json" for a join token's name (the core checks the name itself). */
static bool token_record_name(const char *name, size_t unused)
{
	size_t n = strlen(name);
	(void)unused;
	return n > 5 && name[0] != '.' && strcmp(name + n - 5, ".json") == 0 && !strstr(name, ".tmp-");
}

/* The record files in dir (sorted, so loading is repeatable), leftovers removed. *out NULL if dir is
 * missing. */
static int list_records(const char *dir, bool (*is_record)(const char *, size_t), size_t digits, char ***out,
                        size_t *n)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	char **names = NULL;
	size_t cap = 0;
	int err = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (leftover(e->d_name)) {
			remove_tree(dirfd(d), e->d_name);
			continue;
		}
		if (!is_record(e->d_name, digits))
			continue;
		if (*n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			char **p = realloc(names, nc * sizeof(*p));
			if (!p) {
				err = -ENOMEM;
				break;
			}
			names = p;
			cap = nc;
		}
		if (!(names[*n] = strdup(e->d_name))) {
			err = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (err) {
		for (size_t i = 0; i < *n; i++)
			free(names[i]);
		free(names);
		*n = 0;
		return err;
	}
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_names);
	*out = names;
	return 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Reads one file and hands it to the core; true if it loaded. */
static bool load_one(struct zt_ctlstore *s, struct zt_controller *c, const char *name,
                     void (*report)(void *, const char *, const char *), void *arg)
{
	char path[4096], why[256] = "";
	uint8_t *data;
	size_t len;
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	int err = zt_file_read(path, ZT_CTL_RECORD_MAX, &data, &len);
	if (err) {
		report(arg, path, err == -EFBIG ? "file too large" : strerror(-err));
		return false;
	}
	err = zt_controller_load(c, name, data, len, why, sizeof(why));
	free(data);
	if (err == -EBADMSG)
		report(arg, path, why[0] ? why : "not a valid record");
	else if (err == -EINVAL)
		report(arg, path, "not a record name the controller knows");
	else if (err == -EEXIST)
		report(arg, path, "a record with this ID is loaded already");
	else if (err)
		report(arg, path, strerror(-err));
	return err == 0;
}

int zt_ctlstore_load(struct zt_ctlstore *s, struct zt_controller *c,
                     void (*report)(void *arg, const char *path, const char *why), void *arg)
{
	char dir[4096], name[128];
	char **nets, **members;
	size_t n_nets, n_members;
	int loaded = 0;
	snprintf(dir, sizeof(dir), "%s/network", s->dir);
	int err = list_records(dir, record_name, 16, &nets, &n_nets);
	if (err)
		return err;
	for (size_t i = 0; i < n_nets; i++) {
		snprintf(name, sizeof(name), "network/%s", nets[i]);
		if (!load_one(s, c, name, report, arg))
			continue;
		loaded++;
		nets[i][16] = '\0'; /* the ID: its members' directory */
		snprintf(dir, sizeof(dir), "%s/network/%s/member", s->dir, nets[i]);
		err = list_records(dir, record_name, 10, &members, &n_members);
		if (err) {
			report(arg, dir, strerror(-err));
		} else {
			for (size_t k = 0; k < n_members; k++) {
				snprintf(name, sizeof(name), "network/%s/member/%s", nets[i], members[k]);
				loaded += load_one(s, c, name, report, arg);
			}
			free_names(members, n_members);
		}
		/* our join tokens (controller.h, JOIN TOKENS) */
		snprintf(dir, sizeof(dir), "%s/network/%s/jointoken", s->dir, nets[i]);
		err = list_records(dir, token_record_name, 0, &members, &n_members);
		if (err) {
			report(arg, dir, strerror(-err));
			continue;
		}
		for (size_t k = 0; k < n_members; k++) {
			snprintf(name, sizeof(name), "network/%s/jointoken/%.80s", nets[i], members[k]);
			loaded += load_one(s, c, name, report, arg);
		}
		free_names(members, n_members);
	}
	free_names(nets, n_nets);
	return loaded;
}
