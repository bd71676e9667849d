/* A DNS server for the resolver tests under ztrun: a thread answering on the virtual 127.0.0.1:53, UDP and
 * TCP, from a small zone (test_hooks_resolv.c's checks say what it holds): A/AAAA, CNAME, a search-list
 * name, NXDOMAIN, NODATA, a name too big for UDP (truncated, then over TCP), names answered with garbage
 * or a foreign reply first, and one PTR. */
#ifndef ZTRUN_TESTS_FAKE_DNS_H
#define ZTRUN_TESTS_FAKE_DNS_H

#define FAKE_DNS_NBIG 24 /* A records of big.example: only over TCP */

/* Binds UDP and TCP 127.0.0.1:53 (no privilege needed on ztrun's loopback) and starts serving. 0, or -1 if
 * a socket could not be made or bound (the thread is started anyway; fake_dns_stop ends it). */
int fake_dns_start(void);
void fake_dns_stop(void);

#endif
