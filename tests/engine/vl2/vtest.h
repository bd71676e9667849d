/* The world the VL2 simulation suites share: one root, one controller node serving fixture networks
 * through zt_vl2_set_controller, member nodes with zt_vl2 and a fake IP stack, and raw nodes (VL1 only,
 * the sim's recording upper layer) that play peers crafting VL2 packets by hand. */
#ifndef ZTRUN_TESTS_VL2_VTEST_H
#define ZTRUN_TESTS_VL2_VTEST_H

#include "fixture_ctl.h"
#include "harness.h"
#include "vsim.h"

enum { VT_ROOT = 0, VT_CTL = 1, VT_A = 2, VT_B = 3, VT_C = 4, VT_D = 5 };

extern unsigned vt_x; /* the raw node's index: right after the members */

extern struct vsim vt;
extern struct fx_ctl vfx;

struct vt_opts {
	unsigned members;      /* vl2 members A, B, ...: 0..4 */
	bool raw_x;            /* a VL1-only node X (index vt_x) */
	bool root_vl2;         /* the root runs vl2 too (then it serves LIKE/GATHER for anyone) */
	bool no_controller_mc; /* the controller does not answer recently_configured */
};

/* Builds and starts the world, every node online. Returns false (and fails) if it does not come up. */
bool vt_setup(const struct vt_opts *o);
void vt_teardown(void);
struct vsim_node *vt_node(unsigned i);
uint64_t vt_addr(unsigned i);
/* The controller's sim node after a call from outside a handler. */
void vt_settle(unsigned i);

/* A network on the fixture with members A.. (hosts 10, 11, ...), none joined yet. */
struct fx_network *vt_network(uint32_t n, unsigned members);
/* vt_setup, then network 1 with o->members members, the first `joined` of them joined and at OK; NULL
 * (after failing) if any of that does not come. */
struct fx_network *vt_world(const struct vt_opts *o, unsigned joined);
bool vt_wait_status(unsigned i, uint64_t nwid, enum zt_vl2_status st, int64_t ms);

/* Pings ip from node i (ARP first if needed); true if the echo reply came back within ms. */
bool vt_ping(unsigned i, uint64_t nwid, const uint8_t ip[4], int64_t ms);
/* Sends one UDP datagram from node i to ip:port (ARP first). Returns zt_vl2_frame_in's result, or
 * -EHOSTUNREACH if ARP failed. */
int vt_udp(unsigned i, uint64_t nwid, const uint8_t ip[4], uint16_t port);

/* Raw node X sends a VL2 packet to node i; returns sim_send's result. */
int vt_raw_send(unsigned i, uint8_t verb, const void *payload, size_t len);
/* X pushes a COM the controller issued for it at `ts` on net. */
void vt_raw_push_com(unsigned i, const struct fx_network *net, int64_t ts);

#endif
