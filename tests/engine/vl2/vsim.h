/* VL2 on the simulated wire of tests/engine/vl1/sim.h: each node gets a zt_vl2 with recording host callbacks
 * (network events, frames, a state store) and a tiny fake IP stack (ARP, ICMP echo, UDP sink) answering
 * from inside frame_out, as lwIP does. A fixture controller (fixture_ctl.h) serves the networks. */
#ifndef ZTRUN_TESTS_VL2_VSIM_H
#define ZTRUN_TESTS_VL2_VSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"
#include "vl2/vl2.h"

#define VSIM_LOG     64
#define VSIM_OBJS    16
#define VSIM_ARP     16
#define VSIM_NETS    4
#define VSIM_MAXADDR 8

struct vsim_frame {
	uint64_t nwid;
	uint8_t dst[6], src[6];
	uint16_t ethertype;
	size_t len;
	uint8_t data[256];
};

/* The last state the host heard of for one network. */
struct vsim_net {
	uint64_t nwid;
	bool up;
	unsigned n_events, n_updates;
	enum zt_vl2_status status;
	bool has_config, from_state;
	unsigned mtu, multicast_limit;
	bool broadcast;
	char name[128];
	uint64_t revision;
	size_t n_addrs, n_routes;
	struct zt_inetaddr addrs[VSIM_MAXADDR];
	struct zt_route routes[VSIM_MAXADDR];
	enum zt_vl2_status history[16];
	unsigned n_history;
};

struct vsim_node {
	struct sim_node *sn;
	struct zt_vl2 *vl2;
	bool stack;   /* the fake IP stack answers ARP and echo */
	bool reenter; /* answer from inside frame_out (true), or queue and answer after (false) */
	struct vsim_net nets[VSIM_NETS];
	unsigned n_frames;
	struct vsim_frame frames[VSIM_LOG];
	struct {
		uint64_t id;
		int len;
		uint8_t *data;
	} objs[VSIM_OBJS];
	unsigned n_objs, n_puts;
	struct {
		uint8_t ip[4], mac[6];
	} arp[VSIM_ARP];
	unsigned n_arp;
	unsigned echo_replies, udp_in;
	uint16_t last_udp_port;
	/* frames the stack answers later (reenter == false) */
	unsigned n_pending;
	struct vsim_frame pending[8];
};

struct vsim {
	struct sim sim;
	struct vsim_node v[SIM_MAX_NODES];
};

/* sim_init plus room for vl2 nodes. */
void vsim_init(struct vsim *vs, uint64_t seed);
/* Frees the vl2 layers, then the sim. */
void vsim_free(struct vsim *vs);
/* After sim_start / sim_start_node: gives node `i` a zt_vl2 (stack: answer ARP/echo). */
struct vsim_node *vsim_attach(struct vsim *vs, unsigned i, bool stack);
/* Frees node i's vl2 and stops its node (the state store survives, as a home directory would). */
void vsim_detach(struct vsim *vs, unsigned i);

/* Calls that keep the node's deadline right (as a host would). */
int vsim_join(struct vsim_node *vn, uint64_t nwid);
int vsim_leave(struct vsim_node *vn, uint64_t nwid);
int vsim_frame(struct vsim_node *vn, uint64_t nwid, const uint8_t dst[6], uint16_t ethertype,
               const void *payload, size_t len);
int vsim_subscribe(struct vsim_node *vn, uint64_t nwid, const uint8_t mac[6], uint32_t adi);
/* Runs the stack's queued answers (reenter == false). */
void vsim_flush(struct vsim *vs);
void vsim_run(struct vsim *vs, int64_t ms);
/* Runs until cond holds (checked after every step) or ms pass. */
bool vsim_run_until(struct vsim *vs, int64_t ms, bool (*cond)(struct vsim *vs, void *arg), void *arg);

struct vsim_net *vsim_net(struct vsim_node *vn, uint64_t nwid);
enum zt_vl2_status vsim_status(struct vsim_node *vn, uint64_t nwid);
/* Our first IPv4 on nwid (false if none). */
bool vsim_ipv4(struct vsim_node *vn, uint64_t nwid, uint8_t ip[4]);
void vsim_mac(struct vsim_node *vn, uint64_t nwid, uint8_t mac[6]);

/* Fake-stack frames. */
size_t vsim_arp_request(uint8_t *out, const uint8_t sha[6], const uint8_t spa[4], const uint8_t tpa[4]);
/* IPv4 + UDP (checksums zero) from src to dst. */
size_t vsim_udp(uint8_t *out, size_t cap, const uint8_t src[4], const uint8_t dst[4], uint16_t sport,
                uint16_t dport, const void *data, size_t len);
size_t vsim_ping(uint8_t *out, const uint8_t src[4], const uint8_t dst[4], uint16_t seq);
/* Resolves dst by ARP from vn: sends the request; returns once an answer is in the cache or ms pass. */
bool vsim_arp(struct vsim *vs, struct vsim_node *vn, uint64_t nwid, const uint8_t ip[4], uint8_t mac[6],
              int64_t ms);
bool vsim_arp_lookup(const struct vsim_node *vn, const uint8_t ip[4], uint8_t mac[6]);
/* Frames of an ethertype vn's host received on nwid. */
unsigned vsim_count_frames(const struct vsim_node *vn, uint64_t nwid, uint16_t ethertype);
struct zt_vl2_counters vsim_counters(const struct vsim_node *vn);

#endif
