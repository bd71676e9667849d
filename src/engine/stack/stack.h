/* lwIP inside ztrun: one-time initialisation, the private loopback, timers driven from the event
 * loop, and conversions between the shim contract's addresses/errors and lwIP's. */
#ifndef ZTRUN_STACK_H
#define ZTRUN_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "loop.h"
#include "rpc.h"

/* Initialises lwIP once per process and registers the timer/loopback hook on loop (once, however
 * often it is called; each call counts a user). Returns 0, -EBUSY (lwIP already runs on another loop)
 * or -errno. */
int zt_stack_init(struct zt_loop *loop);
/* One user fewer; the last one takes the hook off the loop (lwIP's state stays for the next user). */
void zt_stack_release(struct zt_loop *loop);

/* Is addr one a socket may bind to: any, 127/8 and ::1 (the private loopback), or an address of a
 * netif that is up? */
bool zt_stack_addr_is_local(const ip_addr_t *addr);

/* zt_nc_addr -> lwIP. A v4-mapped IPv6 address becomes IPv4. Returns 0, -EAFNOSUPPORT or -EINVAL. */
int zt_stack_addr_from_nc(const struct zt_nc_addr *a, ip_addr_t *ip, uint16_t *port);
/* lwIP -> zt_nc_addr as a socket of `domain` reports it (IPv4 shows v4-mapped on AF_INET6). An
 * IPADDR_TYPE_ANY address is the domain's any-address. */
void zt_stack_addr_to_nc(const ip_addr_t *ip, uint16_t port, int domain, struct zt_nc_addr *a);

/* lwIP err_t -> -errno as Linux reports it for the same failure. */
int zt_stack_errno(err_t err);

#endif
