/* What the netif suites share (test_netif.c, test_route.c, test_ndp.c): two zt_netifs, members A and B
 * of one network with MACs and managed IPv6 addresses derived as VL2 derives them, wired back to back
 * (wire.h) with real lwIP in one process; configs built from text; frame matchers for wire_count;
 * pings and raw TCP connections through lwIP's own output path; and the suite runner, which checks that
 * each test gives back every lwIP pool entry and heap byte it took. */
#ifndef ZTRUN_TESTS_STACK_NETIF_FIXTURE_H
#define ZTRUN_TESTS_STACK_NETIF_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"
#include "lwip/err.h"
#include "stack/netif.h"
#include "wire.h"

#define NWID 0x8056c2e21c000001ULL
#define ZT_A 0x1111111111ULL
#define ZT_B 0x2222222222ULL
#define ZT_C 0x3333333333ULL

extern struct wire W;
extern uint8_t mac_a[6], mac_b[6];
/* the managed IPv6 addresses of A, B and C (RFC4193) and of A and B (6PLANE), as text */
extern char rfc_a[64], rfc_b[64], plane_a[64], plane_b[64], rfc_c[64];

struct ip_match {
	int proto;       /* IPv4 protocol / IPv6 next header */
	int icmp_type;   /* -1: any */
	const char *dst; /* IP destination, NULL: any */
	const char *src; /* IP source, NULL: any */
	const uint8_t *dst_mac;
};

struct arp_match {
	int op;
	const char *target; /* tpa */
	const char *sender; /* spa */
};

struct tcp_end {
	struct tcp_pcb *pcb, *listener;
	size_t rx, tx_total, tx_sent;
	bool rx_bad, fin, err, connected, abort_on_fin;
	err_t err_code;
};

struct tcp_pair {
	struct tcp_end c, s;
};

struct zt_netif_ip ipn(const char *text, unsigned prefix);
struct zt_netif_route route(const char *target, unsigned prefix, const char *via, unsigned metric);
int configure(int end, const struct zt_netif_ip *addrs, size_t n, const struct zt_netif_route *routes,
              size_t nr, unsigned mtu);
void wire_basic(unsigned mtu);
uint16_t be16(const uint8_t *p);
bool is_ip(const struct wire_frame *f, void *arg);
bool is_arp(const struct wire_frame *f, void *arg);
err_t ping4(const char *src, const char *dst, uint16_t seq);
err_t ping6(const char *src, const char *dst, uint16_t seq);
bool ping_answered(const char *src, const char *dst);
uint8_t pattern(size_t i);
bool tcp_open(struct tcp_pair *t, const char *cli, const char *srv, uint16_t port);
void tcp_end_abort(struct tcp_end *e);
/* Writes what is left of tx_total (a pattern lwIP can take now) and lets lwIP send it. */
void tcp_end_push(struct tcp_end *e);
bool tcp_exchange(struct tcp_pair *t, size_t up, size_t down);
void tcp_finish(struct tcp_pair *t);
bool is_ns(const struct wire_frame *f, void *arg);
bool is_na(const struct wire_frame *f, void *arg);

/* Runs the hooks of the loop lwIP is on once, as ztrun's loop does before it sleeps (stack.c). */
void netif_fixture_run_hooks(void);

/* Runs the tests with zt_test_main after starting lwIP, checking lwIP's pools around each test. */
int netif_suite_main(const char *suite, const struct zt_test *tests, size_t n, int argc, char **argv);

#endif
