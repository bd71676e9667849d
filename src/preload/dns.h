/* The shim's own resolver: names resolve from /etc/hosts and, beyond it, only by DNS over the virtual
 * network, with nameservers from ztrun's resolv.conf. glibc's resolver is never asked: its sockets
 * are opened inside libc, out of the hooks' sight, and would be the host's. */
#ifndef ZTRUN_SHIM_DNS_H
#define ZTRUN_SHIM_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define ZT_DNS_NAME_MAX     254 /* a name as text, without the final dot, and its NUL */
#define ZT_HOST_MAX_ADDRS   32  /* more addresses than this in one answer are dropped */
#define ZT_HOST_MAX_ALIASES 8
#define ZT_DNS_MAX_NS       3 /* glibc's MAXNS */
#define ZT_DNS_MAX_SEARCH   6
#define ZT_DNS_QUERY_MAX    (12 + 255 + 4)
#define ZT_DNS_UDP_MAX      4096 /* what one UDP reply may carry; more means truncated */

#define ZT_DNS_T_A     1
#define ZT_DNS_T_CNAME 5
#define ZT_DNS_T_PTR   12
#define ZT_DNS_T_AAAA  28
#define ZT_DNS_C_IN    1

#define ZT_DNS_RCODE_NOERROR  0
#define ZT_DNS_RCODE_SERVFAIL 2
#define ZT_DNS_RCODE_NXDOMAIN 3

struct zt_host_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

/* What one lookup found, from any source. */
struct zt_host {
	char name[ZT_DNS_NAME_MAX]; /* the canonical name */
	char aliases[ZT_HOST_MAX_ALIASES][ZT_DNS_NAME_MAX];
	size_t naliases;
	struct zt_host_addr addrs[ZT_HOST_MAX_ADDRS];
	size_t naddrs;
};

/* How a lookup ended, in h_errno's terms (HOST_NOT_FOUND, NO_DATA, TRY_AGAIN, NO_RECOVERY). */
enum zt_res_status { ZT_RES_OK, ZT_RES_NOTFOUND, ZT_RES_NODATA, ZT_RES_AGAIN, ZT_RES_FAIL };

/* resolv.conf as far as we honour it: nameserver (numeric, IPv6 scope numeric), search, domain,
 * options ndots:/timeout:/attempts:/use-vc. Defaults as glibc's: ndots 1, timeout 5 s, 2 attempts. */
struct zt_resolv_conf {
	struct sockaddr_storage ns[ZT_DNS_MAX_NS];
	socklen_t nslen[ZT_DNS_MAX_NS];
	size_t nns;
	char search[ZT_DNS_MAX_SEARCH][ZT_DNS_NAME_MAX];
	size_t nsearch;
	unsigned ndots, timeout, attempts;
	bool use_vc;
};

/* One reply, parsed against the query it answers. */
struct zt_dns_reply {
	int rcode;
	bool truncated;
	char canon[ZT_DNS_NAME_MAX]; /* the end of the CNAME chain from the question's name */
	struct zt_host_addr addrs[ZT_HOST_MAX_ADDRS];
	size_t naddrs;                                    /* A or AAAA records of canon */
	char names[ZT_HOST_MAX_ALIASES][ZT_DNS_NAME_MAX]; /* PTR targets of canon */
	size_t nnames;
};

/* ---- dns_msg.c: pure, no I/O; replies are untrusted and every byte is bounds-checked ---- */

/* Whether name (text, at most one final dot) can be asked of DNS: labels of 1..63 letters, digits,
 * '-' or '_', at most 253 characters in all. */
bool zt_dns_name_ok(const char *name);

/* A recursive query for (name, qtype, qclass) into out. Returns its length, or -EINVAL. */
int zt_dns_query_build(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype,
                       uint16_t qclass);

/* Whether msg is a reply to that query: header (id, QR, opcode) and question (name, type, class).
 * 0 with *rcode and *truncated set, or -EBADMSG (not ours, or malformed: ignore it). A reply with an
 * error rcode may carry no question. */
int zt_dns_reply_check(const uint8_t *msg, size_t len, uint16_t id, const char *qname, uint16_t qtype,
                       uint16_t qclass, int *rcode, bool *truncated);

/* zt_dns_reply_check, then the answer section: the CNAME chain from qname (at most 16 links) and the
 * records of qtype (A, AAAA or PTR, class IN) owned by its end. Any malformed record rejects the whole
 * reply (-EBADMSG); records of other types or owners are ignored, and so are names with characters
 * that are not a host name's. On a truncated or error reply only rcode/truncated are meaningful. */
int zt_dns_reply_parse(const uint8_t *msg, size_t len, uint16_t id, const char *qname, uint16_t qtype,
                       struct zt_dns_reply *r);

/* The question of a query message an app built itself (res_send). 0 or -EBADMSG. */
int zt_dns_question(const uint8_t *msg, size_t len, uint16_t *id, char name[ZT_DNS_NAME_MAX], uint16_t *qtype,
                    uint16_t *qclass);

/* resolv.conf text into c (defaults first). Lines it does not understand are skipped, as glibc does. */
void zt_resolv_conf_parse(struct zt_resolv_conf *c, const char *text, size_t len);

/* ASCII-only case-insensitive equality (names are compared without the locale). */
bool zt_dns_name_eq(const char *a, const char *b);

/* ---- dns_client.c: DNS over the virtual network, through the shim's own hooked sockets ---- */

/* ZTRUN_RESOLV_CONF if set, else the control socket's path with ".resolv.conf" added (ZT_NC_NETWORK).
 * A missing or unreadable file means no nameserver. */
void zt_resolv_conf_load(struct zt_resolv_conf *c);

/* The names res_search tries for name, in order: the name as given first when it has at least ndots
 * dots, then name.<each search domain> unless it ends with a dot, the name as given last otherwise. */
#define ZT_DNS_MAX_CANDIDATES (ZT_DNS_MAX_SEARCH + 1)
size_t zt_dns_candidates(const struct zt_resolv_conf *c, const char *name, char out[][ZT_DNS_NAME_MAX]);

/* Addresses of name (A and/or AAAA) with the search list and ndots applied. */
enum zt_res_status zt_dns_lookup_host(const struct zt_resolv_conf *c, const char *name, bool want4,
                                      bool want6, struct zt_host *h);

/* The PTR names of an address (in-addr.arpa / ip6.arpa). */
enum zt_res_status zt_dns_lookup_addr(const struct zt_resolv_conf *c, int family, const void *addr,
                                      struct zt_host *h);

/* res_send: one raw query message to the nameservers; the raw reply, cut to anslen (TC set when cut).
 * Returns the reply's length, or -1 with *status telling why. */
int zt_dns_send_raw(const struct zt_resolv_conf *c, const uint8_t *msg, size_t len, uint8_t *answer,
                    size_t anslen, enum zt_res_status *status);

/* ---- hosts.c: /etc/hosts, read as glibc's files module does ---- */

/* Every line naming name (official name or alias, ASCII case-insensitive), addresses in file order;
 * the first such line gives the canonical name and aliases. False if none. */
bool zt_hosts_by_name(const char *path, const char *name, struct zt_host *h);
/* The first line with this address. */
bool zt_hosts_by_addr(const char *path, int family, const void *addr, struct zt_host *h);

/* ---- hooks_resolv.c, hooks_hostent.c, hooks_res.c: what the resolver hooks share ---- */

/* A dotted IPv4 address as glibc 2.36's getaddrinfo takes it: the whole string or nothing. */
bool zt_ipv4_exact(const char *name, uint8_t out[4]);

/* The h_errno of a lookup's end (NETDB_SUCCESS, HOST_NOT_FOUND, NO_DATA, TRY_AGAIN, NO_RECOVERY). */
int zt_herr_of(enum zt_res_status s);

/* The real libc entry points of each file, for the disabled shim; from zt_resolver_init. */
void zt_hostent_hooks_init(void);
void zt_res_hooks_init(void);
void zt_gai_hooks_init(void);

/* ---- resolve.c: the order of sources every hook shares ---- */

/* /etc/hosts, then the localhost names (RFC 6761: never sent to DNS), then DNS over the virtual
 * network. want4/want6 say which families are wanted; an entry of /etc/hosts of the other family
 * only does not count, as in glibc. */
enum zt_res_status zt_resolve_name(const char *name, bool want4, bool want6, struct zt_host *h);
enum zt_res_status zt_resolve_addr(int family, const void *addr, struct zt_host *h);

/* Sorts addresses as RFC 3484 (glibc's default policy) would, as far as the virtual interfaces
 * decide: usable destinations first, then by precedence; stable otherwise. */
void zt_resolve_sort(struct zt_host_addr *a, size_t n);

/* Whether the virtual interfaces hold an IPv4 address other than 127.0.0.1 / an IPv6 address other
 * than ::1 (what glibc's AI_ADDRCONFIG asks). False when the service cannot be asked. */
void zt_resolve_seen(bool *v4, bool *v6);

#endif
