#include "vtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vl2/netcred.h"
#include "vl2/rules_eval.h"

struct vsim vt;
struct fx_ctl vfx;

static const char *const vt_ips[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4",
                                     "10.0.0.5", "10.0.0.6", "10.0.0.7"};

struct vsim_node *vt_node(unsigned i)
{
	return &vt.v[i];
}

uint64_t vt_addr(unsigned i)
{
	return vt.sim.nodes[i].id.address;
}

void vt_settle(unsigned i)
{
	vt.sim.nodes[i].deadline = zt_node_next_deadline(vt.sim.nodes[i].node);
}

unsigned vt_x;

bool vt_setup(const struct vt_opts *o)
{
	/* VT_SEED=n varies the wire's randomness (loss, delays) for soak runs. */
	const char *seed = getenv("VT_SEED");
	vsim_init(&vt, 0x5eed + o->members + (seed ? strtoull(seed, NULL, 0) : 0));
	struct sim *s = &vt.sim;
	struct sim_node *root = sim_add(s, VT_ROOT, vt_ips[VT_ROOT], 9993, NULL);
	sim_add(s, VT_CTL, vt_ips[VT_CTL], 9993, NULL);
	for (unsigned i = 0; i < o->members; i++)
		sim_add(s, VT_A + i, vt_ips[VT_A + i], 9993, NULL);
	vt_x = VT_A + o->members;
	if (o->raw_x)
		sim_add(s, vt_x, vt_ips[vt_x], 9993, NULL);
	sim_planet(s, &root, 1);
	if (sim_start(s) != 0)
		return false;
	vsim_attach(&vt, VT_CTL, true);
	fx_init(&vfx, &s->nodes[VT_CTL].id, s->nodes[VT_CTL].node);
	fx_register(&vfx, vt.v[VT_CTL].vl2, !o->no_controller_mc);
	for (unsigned i = 0; i < o->members; i++)
		vsim_attach(&vt, VT_A + i, true);
	if (o->root_vl2)
		vsim_attach(&vt, VT_ROOT, false);
	for (int64_t t = 0; t < 10000 && !sim_all_online(s, NULL); t += 100)
		vsim_run(&vt, 100);
	if (!sim_all_online(s, NULL)) {
		zt_test_fail(__FILE__, __LINE__, "nodes online");
		return false;
	}
	return true;
}

void vt_teardown(void)
{
	vsim_free(&vt);
	memset(&vfx, 0, sizeof(vfx));
}

struct status_wait {
	unsigned i;
	uint64_t nwid;
	enum zt_vl2_status st;
};

static bool status_is(struct vsim *vs, void *arg)
{
	struct status_wait *w = arg;
	return vsim_status(&vs->v[w->i], w->nwid) == w->st;
}

bool vt_wait_status(unsigned i, uint64_t nwid, enum zt_vl2_status st, int64_t ms)
{
	struct status_wait w = {i, nwid, st};
	return vsim_run_until(&vt, ms, status_is, &w);
}

struct fx_network *vt_network(uint32_t n, unsigned members)
{
	struct fx_network *net = fx_network(&vfx, n);
	for (unsigned i = 0; i < members; i++)
		fx_member(net, vt_addr(VT_A + i), (uint8_t)(10 + i));
	return net;
}

struct fx_network *vt_world(const struct vt_opts *o, unsigned joined)
{
	if (!vt_setup(o))
		return NULL;
	struct fx_network *net = vt_network(1, o->members);
	for (unsigned i = 0; i < joined; i++)
		(void)vsim_join(vt_node(VT_A + i), net->nwid);
	for (unsigned i = 0; i < joined; i++)
		if (!vt_wait_status(VT_A + i, net->nwid, ZT_VL2_STATUS_OK, 5000))
			return NULL;
	return net;
}

bool vt_ping(unsigned i, uint64_t nwid, const uint8_t ip[4], int64_t ms)
{
	struct vsim_node *vn = vt_node(i);
	uint8_t mac[6], me[4], pkt[64];
	if (!vsim_arp_lookup(vn, ip, mac) && !vsim_arp(&vt, vn, nwid, ip, mac, ms))
		return false;
	if (!vsim_ipv4(vn, nwid, me))
		return false;
	unsigned before = vn->echo_replies;
	size_t len = vsim_ping(pkt, me, ip, (uint16_t)before);
	if (vsim_frame(vn, nwid, mac, ZT_ETHERTYPE_IPV4, pkt, len) != 0)
		return false;
	for (int64_t t = 0; t < ms && vn->echo_replies == before; t += 10)
		vsim_run(&vt, 10);
	return vn->echo_replies > before;
}

int vt_udp(unsigned i, uint64_t nwid, const uint8_t ip[4], uint16_t port)
{
	struct vsim_node *vn = vt_node(i);
	uint8_t mac[6], me[4], pkt[64];
	if (!vsim_arp_lookup(vn, ip, mac) && !vsim_arp(&vt, vn, nwid, ip, mac, 3000))
		return -EHOSTUNREACH;
	if (!vsim_ipv4(vn, nwid, me))
		return -EINVAL;
	size_t len = vsim_udp(pkt, sizeof(pkt), me, ip, 40000, port, "hello", 5);
	return vsim_frame(vn, nwid, mac, ZT_ETHERTYPE_IPV4, pkt, len);
}

int vt_raw_send(unsigned i, uint8_t verb, const void *payload, size_t len)
{
	return sim_send(&vt.sim.nodes[vt_x], vt_addr(i), verb, payload, len, NULL);
}

void vt_raw_push_com(unsigned i, const struct fx_network *net, int64_t ts)
{
	struct zt_com com;
	uint8_t buf[512];
	struct zt_wr w;
	fx_com(&vfx, net, &vt.sim.nodes[vt_x].id, ts, &com);
	struct zt_netcred c = {.coms = &com, .com_count = 1};
	zt_wr_init(&w, buf, sizeof(buf));
	if (zt_netcred_write(&c, &w) != 0)
		abort();
	(void)vt_raw_send(i, ZT_VERB_NETWORK_CREDENTIALS, buf, w.len);
}
