/* The socket service: the lwIP side of the shim contract (src/preload/rpc.h). It listens on the
 * control socket, keeps one lwIP PCB per app socket and moves bytes between socketpairs and lwIP. */
#ifndef ZTRUN_SERVICE_H
#define ZTRUN_SERVICE_H

#include <stddef.h>

#include "loop.h"

struct zt_service;

struct zt_service_config {
	const char *socket_path; /* control socket to create (unlinked first if stale) */
};

/* Initialises lwIP (once per process), creates the control socket and watches it on loop.
 * Returns 0 or -errno; on error nothing is left behind. */
int zt_service_new(struct zt_service **out, struct zt_loop *loop, const struct zt_service_config *cfg);
/* Closes every socket (abortively), the control socket, and unlinks its path; leaves the loop. */
void zt_service_free(struct zt_service *svc);

/* How many app sockets the service holds (tests assert nothing leaks). */
size_t zt_service_socket_count(const struct zt_service *svc);

#endif
