/* The socket service: the lwIP side of the shim contract (src/preload/rpc.h). It listens on the
 * control socket, keeps one lwIP PCB per app socket and moves bytes between socketpairs and lwIP. */
#ifndef ZTRUN_SERVICE_H
#define ZTRUN_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "loop.h"

struct zt_service;

struct zt_service_config {
	const char *socket_path; /* control socket to create (unlinked first if stale) */
	/* Only processes of our own effective uid may use it: the socket file is made 0600, and a control
	 * connection from another uid (SO_PEERCRED; root too) is closed unanswered. For sockets that live
	 * where others could reach them (ztrun service's HOME/nc_<nwid>). */
	bool owner_only;
	/* --fallthrough: a connect() to a destination no joined network reaches (zt_netif_reaches) is
	 * answered with a socket of the host's stack (rpc.h, ZT_NC_CONNECT_HOST). */
	bool fallthrough;
};

/* Initialises lwIP (once per process), creates the control socket and watches it on loop.
 * Returns 0 or -errno; on error nothing is left behind. Several services may run on one loop (one per
 * network): they share lwIP, so their sockets share its addresses and ports. */
int zt_service_new(struct zt_service **out, struct zt_loop *loop, const struct zt_service_config *cfg);
/* Closes every socket (abortively), every control connection and the control socket, and unlinks its
 * path; leaves the loop. Attached apps see it at once: their sockets reset, new calls fail. */
void zt_service_free(struct zt_service *svc);

/* How many app sockets the service holds (tests assert nothing leaks). */
size_t zt_service_socket_count(const struct zt_service *svc);

/* The process that makes the sockets of joined connections in a network namespace of their own
 * (privnet.c), once started, else 0: a child of ztrun that is no orphan of COMMAND's. */
pid_t zt_privnet_pid(void);

#endif
