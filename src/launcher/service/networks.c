/* ztrun service's networks: joined from networks.d at start and through the API at run time, each with
 * its control socket. */
#include "svc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "stack/service.h"
#include "sysio.h"
#include "vl1/crypto.h"
#include "vl1/identity.h"

struct zt_svc_net *zt_svc_find(struct zt_svc *s, uint64_t nwid)
{
	for (size_t i = 0; nwid && i < ZT_SVC_MAX_NETWORKS; i++)
		if (s->nets[i].nwid == nwid)
			return &s->nets[i];
	return NULL;
}

int zt_svc_socket_path(const struct zt_svc *s, uint64_t nwid, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/" ZT_SVC_SOCKET_PREFIX "%016llx", s->dir,
	                 (unsigned long long)nwid);
	return n < 0 || (size_t)n >= cap || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)
	           ? -ENAMETOOLONG
	           : 0;
}

/* networks.d/<nwid>.conf, made empty if missing: stock's mark that the network is joined (the
 * controller's config replaces it when it comes). */
static void remember(struct zt_svc *s, uint64_t nwid)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/networks.d", s->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/networks.d/%016llx.conf", s->dir, (unsigned long long)nwid);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

static void forget(struct zt_svc *s, uint64_t nwid)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/networks.d/%016llx.conf", s->dir, (unsigned long long)nwid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/networks.d/%016llx.local.conf", s->dir,
	         (unsigned long long)nwid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" ZT_SVC_SOCKET_PREFIX "%016llx.resolv.conf", s->dir,
	         (unsigned long long)nwid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/networks.d/%016llx.token", s->dir, (unsigned long long)nwid);
	unlink(path); /* a secret is not left behind for a network we left */
}

/* networks.d/<nwid>.token, if there is one: the network's join token (vl2/jointoken.h). A token that does
 * not belong to the network, or a file that is no token, stops the join (-EBADMSG, said here). */
static int read_token(struct zt_svc *s, uint64_t nwid, char token[ZT_JOIN_TOKEN_LEN + 1])
{
	char path[4200];
	unsigned mode = 0;
	uint64_t of = 0;
	snprintf(path, sizeof(path), "%s/networks.d/%016llx.token", s->dir, (unsigned long long)nwid);
	int err = zt_netjoin_read_token(path, token, &mode);
	if (err == -ENOENT)
		return 0;
	if (err == 0 && zt_join_token_parse(token, ZT_JOIN_TOKEN_LEN, &of) && of != nwid) {
		zt_log(ZT_LOG_ERROR, "%s: the join token is for network %016llx, not this one", path,
		       (unsigned long long)of);
		err = -EBADMSG;
	} else if (err) {
		zt_log(ZT_LOG_ERROR, "cannot use %s: %s", path,
		       err == -EBADMSG || err == -EFBIG ? "not a join token (ztrun controller token create prints one)"
		                                        : strerror(-err));
	} else if (mode & 077) { /* as for the home's other secrets: said once, at the join */
		zt_log(ZT_LOG_WARN, "%s is accessible by others (mode %04o): chmod 600 it", path, mode);
	}
	if (err)
		zt_wipe(token, ZT_JOIN_TOKEN_LEN + 1);
	return err ? -EBADMSG : 0;
}

int zt_svc_join(struct zt_svc *s, uint64_t nwid)
{
	if (zt_svc_find(s, nwid))
		return -EEXIST;
	struct zt_svc_net *n = NULL;
	for (size_t i = 0; !n && i < ZT_SVC_MAX_NETWORKS; i++)
		if (!s->nets[i].nwid)
			n = &s->nets[i];
	if (!n)
		return -ENOSPC;
	char path[200], resolv[220];
	int err = zt_svc_socket_path(s, nwid, path, sizeof(path));
	if (err)
		return err;
	snprintf(resolv, sizeof(resolv), "%s.resolv.conf", path);
	char token[ZT_JOIN_TOKEN_LEN + 1] = "";
	if ((err = read_token(s, nwid, token)) != 0)
		return err;
	*n = (struct zt_svc_net){.nwid = nwid, .allow_managed = true};
	/* The socket first: an app may attach at once and wait for the network's addresses. */
	err = zt_service_new(&n->sockets, s->loop,
	                     &(struct zt_service_config){.socket_path = path, .owner_only = true});
	if (!err) {
		err = zt_netjoin_join(s->nj, nwid, resolv, token[0] ? token : NULL);
		if (err) {
			zt_service_free(n->sockets);
			n->sockets = NULL;
		}
	}
	zt_wipe(token, sizeof(token));
	if (err) {
		*n = (struct zt_svc_net){0};
		return err;
	}
	remember(s, nwid);
	return 0;
}

int zt_svc_leave(struct zt_svc *s, uint64_t nwid)
{
	struct zt_svc_net *n = zt_svc_find(s, nwid);
	if (!n)
		return -ENOENT;
	/* Freed before the next sleep: we may be inside a handler of the loop round that still holds
	 * events for its sockets. Its socket file goes now, so no app attaches meanwhile. */
	char path[200];
	if (zt_svc_socket_path(s, nwid, path, sizeof(path)) == 0)
		unlink(path);
	if (n->sockets && s->n_retired < ZT_SVC_MAX_NETWORKS)
		s->retired[s->n_retired++] = n->sockets;
	else
		zt_service_free(n->sockets);
	zt_netjoin_leave(s->nj, nwid);
	forget(s, nwid);
	*n = (struct zt_svc_net){0};
	return 0;
}

int zt_svc_join_stored(struct zt_svc *s)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/networks.d", s->dir);
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int failed = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		size_t len = strlen(name);
		if (name[0] == '.')
			continue;
		if (len > 11 && strcmp(name + len - 11, ".local.conf") == 0)
			continue; /* a joined network's settings */
		if (len == 22 && strcmp(name + 16, ".token") == 0)
			continue; /* a network's join token, read when it is joined */
		uint64_t nwid = 0;
		bool ok = len == 21 && strcmp(name + 16, ".conf") == 0 && zt_hex_parse_n(name, 16, &nwid);
		if (!ok || !nwid) {
			zt_log(ZT_LOG_WARN,
			       "ignoring %s/%s: not a network (networks.d holds <16 hex digits>.conf)", dir,
			       name);
			continue;
		}
		int err = zt_svc_join(s, nwid);
		if (err && err != -EEXIST) {
			zt_log(ZT_LOG_ERROR, "cannot join %016llx from %s: %s", (unsigned long long)nwid, dir,
			       strerror(-err));
			failed++;
		}
	}
	closedir(d);
	return failed;
}

static int64_t networks_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	(void)now;
	struct zt_svc *s = arg;
	while (s->n_retired)
		zt_service_free(s->retired[--s->n_retired]);
	return -1;
}

int zt_svc_networks_start(struct zt_svc *s)
{
	return zt_loop_before_sleep(s->loop, networks_hook, s);
}

void zt_svc_networks_stop(struct zt_svc *s)
{
	zt_loop_remove_hook(s->loop, networks_hook, s);
	networks_hook(s->loop, 0, s);
	for (size_t i = 0; i < ZT_SVC_MAX_NETWORKS; i++) {
		zt_service_free(s->nets[i].sockets);
		s->nets[i].sockets = NULL;
	}
}
