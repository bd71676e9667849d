/* Joined connections: a TCP connect() to a listener of the same service becomes one socketpair
 * between the two apps, with no state kept in the service (see joined.c and rpc.h). */
#ifndef ZTRUN_JOINED_INT_H
#define ZTRUN_JOINED_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "sock_int.h"

/* connect() of stream socket s (app_fd: the app's end, from the request) to ip:port. When a
 * listener of s's service takes it, the listener's app gets the other end through its accept queue
 * and this returns the new app end to install over the app's fd; else -EAGAIN: lwIP's way.
 * Only with ZTRUN_JOIN_LOOPBACK=1 in ztrun's environment. */
int zt_joined_connect(struct zt_sock *s, int app_fd, const ip_addr_t *ip, uint16_t port);

/* A request about fd: if fd is an app end of a joined connection of svc, answers it (result, and
 * a payload in out/outlen as rpc.h says) and returns true; else returns false. */
bool zt_joined_request(struct zt_service *svc, int fd, enum zt_nc_op op, struct zt_nc_buf *req, uint8_t *out,
                       size_t *outlen, int *result);

#endif
