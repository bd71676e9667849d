/* The sandbox's resolv.conf reading and nameserver choice, without I/O (resolv.c): what dns.c
 * decides with, and what tests/fuzz/fuzz_sandbox_resolv.c feeds with anything. Not "resolv.h": this
 * folder is on the include path of whatever links the sandbox, where that name would hide libc's. */
#ifndef ZTRUN_SANDBOX_RESOLV_H
#define ZTRUN_SANDBOX_RESOLV_H

#include <stddef.h>

#include "rpc.h"

/* Up to max nameservers of a resolv.conf's text (port 53, any "%scope" dropped), in order; returns
 * how many. Lines that are not "nameserver ADDRESS" (leading blanks allowed) are skipped. */
int sb_resolv_parse(const char *text, size_t len, struct zt_nc_addr *out, int max);

/* Where a datagram or connection to *a goes, given the host's nameservers and the network's: port
 * 53 of a host nameserver that is not also the network's becomes the network's nameserver of the
 * same family (an IPv6 socket reaches an IPv4 one at its mapped address). 0 (*a rewritten or not),
 * or -ENETUNREACH when *a is a host nameserver and the network has none it can reach. */
int sb_resolv_pick(const struct zt_nc_addr *host, int nhost, const struct zt_nc_addr *net, int nnet,
                   struct zt_nc_addr *a);

#endif
