#include "vsim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vl2/rules_eval.h"

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct vsim_net *vsim_net(struct vsim_node *vn, uint64_t nwid)
{
	for (unsigned i = 0; i < VSIM_NETS; i++)
		if (vn->nets[i].nwid == nwid)
			return &vn->nets[i];
	return NULL;
}

static struct vsim_net *net_slot(struct vsim_node *vn, uint64_t nwid)
{
	struct vsim_net *n = vsim_net(vn, nwid);
	if (n)
		return n;
	for (unsigned i = 0; i < VSIM_NETS; i++)
		if (!vn->nets[i].nwid) {
			vn->nets[i].nwid = nwid;
			return &vn->nets[i];
		}
	abort();
}

enum zt_vl2_status vsim_status(struct vsim_node *vn, uint64_t nwid)
{
	struct vsim_net *n = vsim_net(vn, nwid);
	return n ? n->status : (enum zt_vl2_status) - 1;
}

bool vsim_ipv4(struct vsim_node *vn, uint64_t nwid, uint8_t ip[4])
{
	struct vsim_net *n = vsim_net(vn, nwid);
	for (size_t i = 0; n && i < n->n_addrs && i < VSIM_MAXADDR; i++)
		if (n->addrs[i].family == ZT_INET_V4) {
			memcpy(ip, n->addrs[i].ip, 4);
			return true;
		}
	return false;
}

void vsim_mac(struct vsim_node *vn, uint64_t nwid, uint8_t mac[6])
{
	zt_mac_from_address(mac, vn->sn->id.address, nwid);
}

/* ---- host callbacks ---- */

static void cb_network(void *arg, enum zt_vl2_net_op op, const struct zt_vl2_network_info *info)
{
	struct vsim_node *vn = arg;
	struct vsim_net *n = net_slot(vn, info->nwid);
	n->n_events++;
	if (op == ZT_VL2_NET_UP && n->up)
		abort(); /* UP twice */
	if (op != ZT_VL2_NET_UP && !n->up)
		abort(); /* UPDATE/DOWN before UP */
	n->up = op != ZT_VL2_NET_DOWN;
	if (op == ZT_VL2_NET_UPDATE)
		n->n_updates++;
	n->status = info->status;
	if (n->n_history < 16)
		n->history[n->n_history++] = info->status;
	n->has_config = info->config != NULL;
	n->from_state = info->from_state;
	n->mtu = info->mtu;
	n->multicast_limit = info->multicast_limit;
	n->broadcast = info->broadcast;
	snprintf(n->name, sizeof(n->name), "%s", info->name);
	n->revision = info->revision;
	n->n_addrs = info->n_addrs;
	n->n_routes = info->n_routes;
	for (size_t i = 0; i < info->n_addrs && i < VSIM_MAXADDR; i++)
		n->addrs[i] = info->addrs[i];
	for (size_t i = 0; i < info->n_routes && i < VSIM_MAXADDR; i++)
		n->routes[i] = info->routes[i];
}

static void answer(struct vsim_node *vn, uint64_t nwid, const uint8_t dst[6], uint16_t ethertype,
                   const uint8_t *p, size_t len)
{
	if (vn->reenter) {
		uint8_t mac[6];
		vsim_mac(vn, nwid, mac);
		(void)zt_vl2_frame_in(vn->vl2, nwid, mac, dst, ethertype, 0, p, len, vn->sn->sim->now);
		return;
	}
	if (vn->n_pending == 8)
		return;
	struct vsim_frame *f = &vn->pending[vn->n_pending++];
	f->nwid = nwid;
	memcpy(f->dst, dst, 6);
	f->ethertype = ethertype;
	f->len = len;
	memcpy(f->data, p, len);
}

static void stack_in(struct vsim_node *vn, uint64_t nwid, const uint8_t src[6], uint16_t ethertype,
                     const uint8_t *p, size_t len)
{
	uint8_t me[4], mac[6], out[128];
	if (!vsim_ipv4(vn, nwid, me))
		return;
	vsim_mac(vn, nwid, mac);
	if (ethertype == ZT_ETHERTYPE_ARP && len >= 28) {
		if (p[7] == 1 && !memcmp(p + 24, me, 4)) {
			memcpy(out, p, 28);
			out[7] = 2;
			memcpy(out + 8, mac, 6);
			memcpy(out + 14, me, 4);
			memcpy(out + 18, p + 8, 6);
			memcpy(out + 24, p + 14, 4);
			answer(vn, nwid, p + 8, ZT_ETHERTYPE_ARP, out, 28);
		} else if (p[7] == 2 && !memcmp(p + 24, me, 4) && vn->n_arp < VSIM_ARP) {
			memcpy(vn->arp[vn->n_arp].ip, p + 14, 4);
			memcpy(vn->arp[vn->n_arp].mac, p + 8, 6);
			vn->n_arp++;
		}
		return;
	}
	if (ethertype != ZT_ETHERTYPE_IPV4 || len < 28 || memcmp(p + 16, me, 4) != 0)
		return;
	if (p[9] == 1 && p[20] == 8 && len <= sizeof(out)) {
		memcpy(out, p, len);
		memcpy(out + 12, p + 16, 4);
		memcpy(out + 16, p + 12, 4);
		out[20] = 0;
		answer(vn, nwid, src, ZT_ETHERTYPE_IPV4, out, len);
	} else if (p[9] == 1 && p[20] == 0) {
		vn->echo_replies++;
	} else if (p[9] == 17) {
		vn->udp_in++;
		vn->last_udp_port = (uint16_t)(p[22] << 8 | p[23]);
	}
}

static void cb_frame(void *arg, uint64_t nwid, const uint8_t dst[6], const uint8_t src[6], uint16_t ethertype,
                     uint16_t vlan, const void *payload, size_t len)
{
	struct vsim_node *vn = arg;
	if (vlan)
		abort();
	struct vsim_frame *f = &vn->frames[vn->n_frames++ % VSIM_LOG];
	f->nwid = nwid;
	memcpy(f->dst, dst, 6);
	memcpy(f->src, src, 6);
	f->ethertype = ethertype;
	f->len = len;
	memcpy(f->data, payload, len < sizeof(f->data) ? len : sizeof(f->data));
	if (vn->stack)
		stack_in(vn, nwid, src, ethertype, payload, len);
}

static int cb_put(void *arg, enum zt_state_object type, uint64_t id, const void *data, int len)
{
	struct vsim_node *vn = arg;
	if (type != ZT_STATE_NETWORK_CONFIG)
		abort();
	vn->n_puts++;
	for (unsigned i = 0; i < vn->n_objs; i++)
		if (vn->objs[i].id == id) {
			free(vn->objs[i].data);
			if (len < 0) {
				vn->objs[i] = vn->objs[--vn->n_objs];
				return 0;
			}
			vn->objs[i].data = malloc((size_t)len + 1);
			memcpy(vn->objs[i].data, data, (size_t)len);
			vn->objs[i].len = len;
			return 0;
		}
	if (len < 0)
		return 0;
	if (vn->n_objs == VSIM_OBJS)
		return -ENOSPC;
	vn->objs[vn->n_objs].id = id;
	vn->objs[vn->n_objs].data = malloc((size_t)len + 1);
	memcpy(vn->objs[vn->n_objs].data, data, (size_t)len);
	vn->objs[vn->n_objs].len = len;
	vn->n_objs++;
	return 0;
}

static int cb_get(void *arg, enum zt_state_object type, uint64_t id, void *buf, size_t cap)
{
	struct vsim_node *vn = arg;
	if (type != ZT_STATE_NETWORK_CONFIG)
		abort();
	for (unsigned i = 0; i < vn->n_objs; i++)
		if (vn->objs[i].id == id) {
			if ((size_t)vn->objs[i].len > cap)
				return -ENOSPC;
			memcpy(buf, vn->objs[i].data, (size_t)vn->objs[i].len);
			return vn->objs[i].len;
		}
	return -ENOENT;
}

static void cb_random(void *arg, void *buf, size_t len)
{
	struct vsim_node *vn = arg;
	zt_test_random(&vn->sn->seed, buf, len);
}

static const struct zt_vl2_callbacks vsim_cb = {
    .version = ZT_VL2_CALLBACKS_VERSION,
    .network_changed = cb_network,
    .frame_out = cb_frame,
    .state_put = cb_put,
    .state_get = cb_get,
    .random = cb_random,
};

/* ---- set-up and running ---- */

void vsim_init(struct vsim *vs, uint64_t seed)
{
	memset(vs, 0, sizeof(*vs));
	sim_init(&vs->sim, seed);
}

void vsim_detach(struct vsim *vs, unsigned i)
{
	struct vsim_node *vn = &vs->v[i];
	zt_vl2_free(vn->vl2);
	vn->vl2 = NULL;
	if (vn->sn)
		sim_stop_node(vn->sn);
	memset(vn->nets, 0, sizeof(vn->nets));
	vn->n_pending = 0;
}

void vsim_free(struct vsim *vs)
{
	for (unsigned i = 0; i < SIM_MAX_NODES; i++) {
		zt_vl2_free(vs->v[i].vl2);
		vs->v[i].vl2 = NULL;
		for (unsigned j = 0; j < vs->v[i].n_objs; j++)
			free(vs->v[i].objs[j].data);
		vs->v[i].n_objs = 0;
	}
	sim_free(&vs->sim);
}

struct vsim_node *vsim_attach(struct vsim *vs, unsigned i, bool stack)
{
	struct vsim_node *vn = &vs->v[i];
	vn->sn = &vs->sim.nodes[i];
	vn->stack = stack;
	vn->reenter = true;
	if (zt_vl2_new(&vn->vl2, vn->sn->node, &vsim_cb, vn) != 0)
		abort();
	return vn;
}

static void settle(struct vsim_node *vn)
{
	vn->sn->deadline = zt_node_next_deadline(vn->sn->node);
}

int vsim_join(struct vsim_node *vn, uint64_t nwid)
{
	int ret = zt_vl2_join(vn->vl2, nwid, vn->sn->sim->now);
	settle(vn);
	return ret;
}

int vsim_leave(struct vsim_node *vn, uint64_t nwid)
{
	int ret = zt_vl2_leave(vn->vl2, nwid, vn->sn->sim->now);
	settle(vn);
	return ret;
}

int vsim_frame(struct vsim_node *vn, uint64_t nwid, const uint8_t dst[6], uint16_t ethertype,
               const void *payload, size_t len)
{
	uint8_t mac[6];
	vsim_mac(vn, nwid, mac);
	int ret = zt_vl2_frame_in(vn->vl2, nwid, mac, dst, ethertype, 0, payload, len, vn->sn->sim->now);
	settle(vn);
	return ret;
}

int vsim_subscribe(struct vsim_node *vn, uint64_t nwid, const uint8_t mac[6], uint32_t adi)
{
	int ret = zt_vl2_multicast_subscribe(vn->vl2, nwid, mac, adi, vn->sn->sim->now);
	settle(vn);
	return ret;
}

void vsim_flush(struct vsim *vs)
{
	for (unsigned i = 0; i < SIM_MAX_NODES; i++) {
		struct vsim_node *vn = &vs->v[i];
		while (vn->vl2 && vn->n_pending) {
			struct vsim_frame f = vn->pending[0];
			memmove(&vn->pending[0], &vn->pending[1], --vn->n_pending * sizeof(f));
			(void)vsim_frame(vn, f.nwid, f.dst, f.ethertype, f.data, f.len);
		}
	}
}

struct until_ctx {
	struct vsim *vs;
	bool (*cond)(struct vsim *, void *);
	void *arg;
};

static bool step_cond(struct sim *s, void *arg)
{
	struct until_ctx *u = arg;
	(void)s;
	vsim_flush(u->vs);
	return u->cond && u->cond(u->vs, u->arg);
}

bool vsim_run_until(struct vsim *vs, int64_t ms, bool (*cond)(struct vsim *vs, void *arg), void *arg)
{
	struct until_ctx u = {vs, cond, arg};
	return sim_run_until(&vs->sim, ms, step_cond, &u);
}

void vsim_run(struct vsim *vs, int64_t ms)
{
	(void)vsim_run_until(vs, ms, NULL, NULL);
}

/* ---- frames ---- */

size_t vsim_arp_request(uint8_t *out, const uint8_t sha[6], const uint8_t spa[4], const uint8_t tpa[4])
{
	static const uint8_t head[8] = {0, 1, 8, 0, 6, 4, 0, 1};
	memcpy(out, head, 8);
	memcpy(out + 8, sha, 6);
	memcpy(out + 14, spa, 4);
	memset(out + 18, 0, 6);
	memcpy(out + 24, tpa, 4);
	return 28;
}

static void ipv4_header(uint8_t *out, size_t total, uint8_t proto, const uint8_t src[4], const uint8_t dst[4])
{
	memset(out, 0, 20);
	out[0] = 0x45;
	out[2] = (uint8_t)(total >> 8);
	out[3] = (uint8_t)total;
	out[8] = 64;
	out[9] = proto;
	memcpy(out + 12, src, 4);
	memcpy(out + 16, dst, 4);
}

size_t vsim_udp(uint8_t *out, size_t cap, const uint8_t src[4], const uint8_t dst[4], uint16_t sport,
                uint16_t dport, const void *data, size_t len)
{
	size_t total = 28 + len;
	if (total > cap)
		abort();
	ipv4_header(out, total, 17, src, dst);
	out[20] = (uint8_t)(sport >> 8);
	out[21] = (uint8_t)sport;
	out[22] = (uint8_t)(dport >> 8);
	out[23] = (uint8_t)dport;
	out[24] = (uint8_t)((8 + len) >> 8);
	out[25] = (uint8_t)(8 + len);
	out[26] = out[27] = 0;
	memcpy(out + 28, data, len);
	return total;
}

size_t vsim_ping(uint8_t *out, const uint8_t src[4], const uint8_t dst[4], uint16_t seq)
{
	ipv4_header(out, 36, 1, src, dst);
	memset(out + 20, 0, 16);
	out[20] = 8;
	out[26] = (uint8_t)(seq >> 8);
	out[27] = (uint8_t)seq;
	memcpy(out + 28, "ztrunvl2", 8);
	return 36;
}

bool vsim_arp_lookup(const struct vsim_node *vn, const uint8_t ip[4], uint8_t mac[6])
{
	for (unsigned i = 0; i < vn->n_arp; i++)
		if (!memcmp(vn->arp[i].ip, ip, 4)) {
			if (mac)
				memcpy(mac, vn->arp[i].mac, 6);
			return true;
		}
	return false;
}

struct arp_wait {
	struct vsim_node *vn;
	const uint8_t *ip;
};

static bool arp_done(struct vsim *vs, void *arg)
{
	struct arp_wait *a = arg;
	(void)vs;
	return vsim_arp_lookup(a->vn, a->ip, NULL);
}

bool vsim_arp(struct vsim *vs, struct vsim_node *vn, uint64_t nwid, const uint8_t ip[4], uint8_t mac[6],
              int64_t ms)
{
	uint8_t me[4], mymac[6], req[28];
	if (!vsim_ipv4(vn, nwid, me))
		return false;
	vsim_mac(vn, nwid, mymac);
	vsim_arp_request(req, mymac, me, ip);
	(void)vsim_frame(vn, nwid, bcast, ZT_ETHERTYPE_ARP, req, sizeof(req));
	struct arp_wait a = {vn, ip};
	if (!vsim_run_until(vs, ms, arp_done, &a))
		return false;
	return vsim_arp_lookup(vn, ip, mac);
}

unsigned vsim_count_frames(const struct vsim_node *vn, uint64_t nwid, uint16_t ethertype)
{
	unsigned k = 0, n = vn->n_frames < VSIM_LOG ? vn->n_frames : VSIM_LOG;
	for (unsigned i = 0; i < n; i++)
		if (vn->frames[i].nwid == nwid && vn->frames[i].ethertype == ethertype)
			k++;
	return k;
}

struct zt_vl2_counters vsim_counters(const struct vsim_node *vn)
{
	struct zt_vl2_counters c;
	zt_vl2_counters(vn->vl2, &c);
	return c;
}
