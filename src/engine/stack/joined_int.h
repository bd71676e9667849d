/* Joined connections: a TCP connect() to a loopback address where a listener of the same service
 * waits becomes a kernel TCP connection between the two apps, in a network namespace of our own
 * (see joined.c and rpc.h). */
#ifndef ZTRUN_JOINED_INT_H
#define ZTRUN_JOINED_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sock_int.h"

/* connect() of stream socket s to ip:port. When a listener of s's service takes it, the listener's
 * app gets the accepted socket through its accept queue and this returns the connected one to
 * install over the app's fd (the installer carries the options the app set on its end); else
 * -EAGAIN: lwIP's way.
 * ZTRUN_JOIN_LOOPBACK=0 in ztrun's environment turns joining off. */
int zt_joined_connect(struct zt_sock *s, const ip_addr_t *ip, uint16_t port, bool nonblock);

/* The same for a stream socket of svc and domain that does not exist yet (CONNECT_NEW, rpc.h): the
 * nopts options its placeholder carried, not bound. The listener's app gets its side at once. */
int zt_joined_connect_new(struct zt_service *svc, int domain, const ip_addr_t *ip, uint16_t port,
                          bool nonblock, const struct zt_sockopt_val *opts, int nopts);

/* The app's end of stream socket s hung up: if s joined a connection, the listener's app gets its
 * side now (see joined.c). */
void zt_joined_replaced(struct zt_sock *s);

/* Hands over what waited too long for that; the next time one is due (zt_now_ms), or -1. */
int64_t zt_joined_due(int64_t now);

/* An explicit bind() of stream socket s to ip:port, which lwIP would take: -EADDRINUSE when a
 * joined connection, or what remains of one (TIME_WAIT), holds that port as the kernel's bind() sees
 * it with s's SO_REUSEADDR, as a kernel says where the same connection holds it; else 0. */
int zt_joined_bind_check(const struct zt_sock *s, const ip_addr_t *ip, uint16_t port);

/* Listener l goes: its kernel listener, if it had one, too. */
void zt_joined_listener_closed(struct zt_sock *l);

#endif
