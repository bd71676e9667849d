/* ztrun service's parts, shared by its files: the node and its networks, each network with its control
 * socket HOME/nc_<nwid> (stack/service.h, owner only) and its DNS beside it (nc_<nwid>.resolv.conf), and
 * the local JSON API. service.c starts and stops them, networks.c joins and leaves, api.c answers. */
#ifndef ZTRUN_SVC_H
#define ZTRUN_SVC_H

#include <stdbool.h>
#include <stdint.h>

#include "home.h"
#include "loop.h"
#include "netjoin.h"

#define ZT_SVC_MAX_NETWORKS ZT_NETJOIN_MAX_NETWORKS
#define ZT_SVC_SOCKET_PREFIX "nc_"

struct zt_service;
struct zt_httpd;

struct zt_svc_net {
	uint64_t nwid; /* 0: a free slot */
	struct zt_service *sockets;
	/* stock's per-network local settings (networks.d/<nwid>.local.conf); shown and kept, not acted
	 * on: the network's routes and DNS are the app's anyway */
	bool allow_managed, allow_global, allow_default, allow_dns;
};

struct zt_svc {
	struct zt_home *home;
	char *dir; /* the home's absolute path: sockets are named by it, for apps anywhere */
	struct zt_loop *loop;
	struct zt_netjoin *nj;
	struct zt_httpd *api;
	const char *token;
	uint16_t port;
	int64_t planet_id, planet_ts;
	struct zt_svc_net nets[ZT_SVC_MAX_NETWORKS];
	/* sockets of networks left from inside a handler: freed before the loop sleeps next */
	struct zt_service *retired[ZT_SVC_MAX_NETWORKS];
	size_t n_retired;
};

/* networks.c */
/* HOME/nc_<nwid>; -ENAMETOOLONG when it cannot be a Unix socket's path. */
int zt_svc_socket_path(const struct zt_svc *s, uint64_t nwid, char *out, size_t cap);
/* Joins nwid and serves its socket; remembered in networks.d so the next start joins it too. Safe from
 * inside a loop handler. 0, -EEXIST (already joined: nothing changes), -ENOSPC, -ENAMETOOLONG, -errno. */
int zt_svc_join(struct zt_svc *s, uint64_t nwid);
/* Leaves nwid: its socket closes (attached apps' calls fail at once), networks.d forgets it. Safe from
 * inside a handler. 0 or -ENOENT. */
int zt_svc_leave(struct zt_svc *s, uint64_t nwid);
/* Joins every networks.d/<nwid>.conf; other names there get one warning each. Returns how many failed. */
int zt_svc_join_stored(struct zt_svc *s);
struct zt_svc_net *zt_svc_find(struct zt_svc *s, uint64_t nwid);
/* The before-sleep work (retired sockets); registered by zt_svc_networks_start. */
int zt_svc_networks_start(struct zt_svc *s);
void zt_svc_networks_stop(struct zt_svc *s);

/* api.c: stock zerotier-one's local API (/status, /network, /peer) on 127.0.0.1:port. 0 or -errno. */
int zt_svc_api_start(struct zt_svc *s);
void zt_svc_api_stop(struct zt_svc *s);

#endif
