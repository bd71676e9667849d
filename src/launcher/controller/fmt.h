/* The management commands' formats (fmt.c): network arguments as people write them turned into the
 * controller API's JSON, and the API's JSON records printed for people. */
#ifndef ZTRUN_CTLFMT_H
#define ZTRUN_CTLFMT_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

/* A --pool: "CIDR" (its usable addresses: without the network address, and for IPv4 the broadcast
 * address, when the prefix leaves room) or "FIRST-LAST", appended to `pools` as {"ipRangeStart",
 * "ipRangeEnd"}; *v4 or *v6 set by its family. `route` gets the CIDR's network as "net/bits" (empty for a
 * range), so the caller can route it. 0 or -1 (not a pool). */
int zt_ctl_parse_pool(const char *s, cJSON *pools, bool *v4, bool *v6, char *route, size_t cap);
/* A --route: "CIDR" or "CIDR,VIA", appended to `routes` as {"target", "via"}; the target is written as its
 * network ("10.1.2.3/24" -> "10.1.2.0/24"), also into `target`. 0 or -1. */
int zt_ctl_parse_route(const char *s, cJSON *routes, char *target, size_t cap);
/* True if the address `ip` (text) lies in `cidr` ("net/bits"). */
bool zt_ctl_cidr_contains(const char *cidr, const char *ip);

/* A field of a JSON object if it has that type, else dflt (o may be NULL). */
const char *zt_ctl_str(const cJSON *o, const char *key, const char *dflt);
bool zt_ctl_bool(const cJSON *o, const char *key, bool dflt);
double zt_ctl_num(const cJSON *o, const char *key, double dflt);
/* The strings of an array joined with ", ", or "-" if there are none. */
void zt_ctl_join_strings(const cJSON *arr, char *out, size_t cap);

/* A network or member record as "key  value" lines on stdout. */
void zt_ctl_print_network(const cJSON *n);
void zt_ctl_print_member(const cJSON *m, const char *nwid);

#endif
