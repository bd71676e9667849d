/* The VL2 object: creation, the node's upper-layer handlers (dispatch by verb), packets held for
 * credentials, the local-controller hook and the queries. */
#include "vl2/vl2_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl2/dict.h"
#include "vl2/vl2_wire.h"

const char *zt_vl2_status_name(enum zt_vl2_status s)
{
	switch (s) {
	case ZT_VL2_STATUS_REQUESTING_CONFIGURATION:
		return "REQUESTING_CONFIGURATION";
	case ZT_VL2_STATUS_OK:
		return "OK";
	case ZT_VL2_STATUS_ACCESS_DENIED:
		return "ACCESS_DENIED";
	case ZT_VL2_STATUS_NOT_FOUND:
		return "NOT_FOUND";
	case ZT_VL2_STATUS_PORT_ERROR:
		return "PORT_ERROR";
	case ZT_VL2_STATUS_CLIENT_TOO_OLD:
		return "CLIENT_TOO_OLD";
	case ZT_VL2_STATUS_AUTHENTICATION_REQUIRED:
		return "AUTHENTICATION_REQUIRED";
	}
	return "UNKNOWN";
}

int zt_vl2_request_metadata(struct zt_wr *w, const char *os_arch)
{
	struct zt_dict_wr dw;
	zt_dict_wr_init(&dw, w);
	zt_dict_add_u64(&dw, "v", ZT_NETCONF_VERSION);
	zt_dict_add_u64(&dw, "vend", 1);
	/* We announce protocol 11 in HELLO (vl1/node.h); stock's metadata says 12, and the controller only
	 * stores it, so we say what our HELLO says. */
	zt_dict_add_u64(&dw, "pv", ZT_NODE_PROTO_VERSION);
	zt_dict_add_u64(&dw, "majv", ZT_NODE_VERSION_MAJOR);
	zt_dict_add_u64(&dw, "minv", ZT_NODE_VERSION_MINOR);
	zt_dict_add_u64(&dw, "revv", ZT_NODE_VERSION_REV);
	zt_dict_add_u64(&dw, "mr", ZT_MAX_NETWORK_RULES);
	zt_dict_add_u64(&dw, "mc", ZT_MAX_NETWORK_CAPABILITIES);
	zt_dict_add_u64(&dw, "mcr", ZT_MAX_CAPABILITY_RULES);
	zt_dict_add_u64(&dw, "mt", ZT_MAX_NETWORK_TAGS);
	zt_dict_add_u64(&dw, "f", 0);
	zt_dict_add_u64(&dw, "revr", 1);
	zt_dict_add_str(&dw, "o", os_arch ? os_arch : "linux/x86_64");
	return w->bad ? -ENOSPC : 0;
}

/* ---- helpers shared by the files ---- */

struct vl2_net *vl2_net_find(const struct zt_vl2 *v, uint64_t nwid)
{
	for (size_t i = 0; i < v->n_nets; i++)
		if (v->nets[i]->nwid == nwid)
			return v->nets[i];
	return NULL;
}

uint64_t vl2_random(struct zt_vl2 *v)
{
	uint64_t x;
	if (v->cb.random) {
		v->cb.random(v->arg, &x, sizeof(x));
		return x;
	}
	uint64_t z = (v->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void vl2_random_fill(void *arg, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		uint64_t x = vl2_random(arg);
		size_t k = len < sizeof(x) ? len : sizeof(x);
		memcpy(p, &x, k);
		p += k;
		len -= k;
	}
}

const struct zt_identity *vl2_identity(struct zt_vl2 *v, uint64_t address, struct zt_identity *tmp,
                                       bool whois, int64_t now)
{
	if (address == v->self)
		return zt_node_identity(v->node);
	if (zt_node_peer_identity(v->node, address, tmp) == 0)
		return tmp;
	if (whois)
		(void)zt_node_whois(v->node, address, now);
	return NULL;
}

size_t vl2_roots(struct zt_vl2 *v, uint64_t *out, size_t cap, int64_t now)
{
	struct zt_node_peer_info info[8];
	int lat[8];
	size_t n = zt_node_peers(v->node, info, 8, now), k = 0;
	if (n > 8)
		n = 8;
	for (size_t i = 0; i < n && k < cap; i++) {
		if (info[i].role != ZT_PEER_ROOT || info[i].address == v->self)
			continue;
		/* unknown latency (-1) sorts last */
		int l = info[i].latency_ms < 0 ? 1 << 30 : info[i].latency_ms;
		size_t j = k++;
		for (; j > 0 && lat[j - 1] > l; j--) {
			out[j] = out[j - 1];
			lat[j] = lat[j - 1];
		}
		out[j] = info[i].address;
		lat[j] = l;
	}
	return k;
}

int vl2_send(struct zt_vl2 *v, uint64_t dest, uint8_t verb, const void *payload, size_t len, int64_t now,
             uint64_t *id)
{
	if (dest == v->self || !dest)
		return -EINVAL;
	return zt_node_send(v->node, dest, verb, payload, len, now, id);
}

void vl2_send_error(struct zt_vl2 *v, uint64_t dest, uint8_t in_re_verb, uint64_t in_re_id, uint8_t code,
                    uint64_t nwid, int64_t now)
{
	uint8_t b[18];
	struct zt_wr w;
	zt_wr_init(&w, b, sizeof(b));
	zt_vl2_error_write(&w, in_re_verb, in_re_id, code, nwid);
	(void)vl2_send(v, dest, ZT_VERB_ERROR, b, w.len, now, NULL);
}

/* ---- held packets ---- */

static void held_drop(struct vl2_held *h)
{
	free(h->payload);
	memset(h, 0, sizeof(*h));
}

void vl2_hold(struct zt_vl2 *v, const struct zt_node_msg *m, uint64_t wait_for, uint64_t nwid, int64_t now)
{
	if (v->replay_depth)
		return;
	struct vl2_held *h = NULL;
	for (unsigned i = 0; i < VL2_HELD; i++)
		if (v->held[i].used && v->held[i].source == m->source && v->held[i].packet_id == m->packet_id)
			return; /* already held */
	for (unsigned i = 0; i < VL2_HELD; i++) {
		struct vl2_held *c = &v->held[i];
		if (!c->used) {
			h = c;
			break;
		}
		if (!h || c->expires < h->expires)
			h = c;
	}
	if (h->used) {
		v->c.held_expired++;
		held_drop(h);
	}
	h->payload = malloc(m->len ? m->len : 1);
	if (!h->payload)
		return;
	memcpy(h->payload, m->payload, m->len);
	h->len = m->len;
	h->used = true;
	h->expires = now + VL2_HELD_MS;
	h->wait_for = wait_for;
	h->nwid = nwid;
	h->source = m->source;
	h->packet_id = m->packet_id;
	h->verb = m->verb;
	h->hops = m->hops;
	h->peer = *m->peer;
	v->c.held++;
}

void vl2_release(struct zt_vl2 *v, uint64_t address, uint64_t nwid, int64_t now)
{
	if (v->replay_depth >= 2)
		return;
	for (unsigned i = 0; i < VL2_HELD; i++) {
		struct vl2_held *h = &v->held[i];
		if (!h->used || h->wait_for != address || (nwid && h->nwid && h->nwid != nwid))
			continue;
		struct vl2_held copy = *h;
		memset(h, 0, sizeof(*h)); /* the slot is free while it runs (it may hold something else) */
		struct zt_node_msg m = {.source = copy.source,
		                        .peer = &copy.peer,
		                        .verb = copy.verb,
		                        .packet_id = copy.packet_id,
		                        .payload = copy.payload,
		                        .len = copy.len,
		                        .hops = copy.hops,
		                        .sock = ZT_SOCK_ANY};
		v->c.held_replayed++;
		v->replay_depth++;
		vl2_dispatch(v, &m, now);
		v->replay_depth--;
		free(copy.payload);
	}
}

static void held_expire(struct zt_vl2 *v, int64_t now)
{
	for (unsigned i = 0; i < VL2_HELD; i++)
		if (v->held[i].used && v->held[i].expires <= now) {
			v->c.held_expired++;
			held_drop(&v->held[i]);
		}
}

/* ---- the node's upper layer ---- */

void vl2_dispatch(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now)
{
	switch (m->verb) {
	case ZT_VERB_FRAME:
		vl2_frame_rx(v, m, now);
		break;
	case ZT_VERB_EXT_FRAME:
		vl2_ext_frame_rx(v, m, now);
		break;
	case ZT_VERB_MULTICAST_LIKE:
		vl2_like_rx(v, m, now);
		break;
	case ZT_VERB_NETWORK_CREDENTIALS:
		vl2_credentials_in(v, m, now);
		break;
	case ZT_VERB_NETWORK_CONFIG_REQUEST:
		vl2_config_request_in(v, m, now);
		break;
	case ZT_VERB_NETWORK_CONFIG:
		vl2_config_in(v, m, m->payload, m->len, true, now);
		break;
	case ZT_VERB_MULTICAST_GATHER:
		vl2_gather_rx(v, m, now);
		break;
	case ZT_VERB_MULTICAST_FRAME:
		vl2_mc_frame_rx(v, m, now);
		break;
	default:
		break; /* USER_MESSAGE and anything new: not ours */
	}
}

static void up_verb_in(void *arg, struct zt_node *n, const struct zt_node_msg *m, int64_t now)
{
	(void)n;
	vl2_dispatch(arg, m, now);
}

static void up_reply_in(void *arg, struct zt_node *n, const struct zt_node_reply *r, int64_t now)
{
	(void)n;
	vl2_reply_dispatch(arg, r, now);
}

void vl2_reply_dispatch(struct zt_vl2 *v, const struct zt_node_reply *r, int64_t now)
{
	if (r->verb == ZT_VERB_OK) {
		switch (r->in_re_verb) {
		case ZT_VERB_NETWORK_CONFIG_REQUEST: {
			struct zt_node_msg m = {
			    .source = r->source, .peer = r->peer, .verb = ZT_VERB_OK, .hops = r->hops};
			m.packet_id = r->in_re_id;
			vl2_config_in(v, &m, r->payload, r->len, false, now);
			break;
		}
		case ZT_VERB_MULTICAST_GATHER:
		case ZT_VERB_MULTICAST_FRAME:
			vl2_mc_reply(v, r, now);
			break;
		default:
			break;
		}
		return;
	}
	switch (r->error_code) {
	case ZT_ERR_OBJ_NOT_FOUND:
	case ZT_ERR_UNSUPPORTED_OPERATION:
	case ZT_ERR_NETWORK_ACCESS_DENIED:
	case ZT_ERR_NETWORK_AUTHENTICATION_REQUIRED:
		if (r->in_re_verb == ZT_VERB_NETWORK_CONFIG_REQUEST)
			vl2_config_error(v, r, now);
		break;
	case ZT_ERR_NEED_MEMBERSHIP_CERTIFICATE:
		vl2_need_com_in(v, r, now);
		break;
	case ZT_ERR_UNWANTED_MULTICAST:
		vl2_unwanted_in(v, r, now);
		break;
	default:
		break;
	}
}

static int64_t up_tick(void *arg, struct zt_node *n, int64_t now)
{
	struct zt_vl2 *v = arg;
	(void)n;
	for (size_t i = 0; i < v->n_nets; i++)
		vl2_net_tick(v, v->nets[i], now);
	bool sweep = now >= v->next_sweep;
	if (sweep) {
		v->next_sweep = now + VL2_SWEEP_MS;
		held_expire(v, now);
	}
	vl2_mc_tick(v, sweep, now);
	return INT64_MAX; /* the node ticks often enough for every timer here */
}

static void up_peer_learned(void *arg, struct zt_node *n, uint64_t address, const struct zt_identity *id,
                            int64_t now)
{
	(void)n;
	(void)id;
	vl2_release(arg, address, 0, now);
}

static const struct zt_node_upper vl2_upper = {
    .version = ZT_NODE_UPPER_VERSION,
    .verb_in = up_verb_in,
    .reply_in = up_reply_in,
    .tick = up_tick,
    .peer_learned = up_peer_learned,
};

const struct zt_node_upper *zt_vl2_upper(void)
{
	return &vl2_upper;
}

/* ---- lifecycle ---- */

int zt_vl2_new(struct zt_vl2 **out, struct zt_node *node, const struct zt_vl2_callbacks *cb, void *arg)
{
	*out = NULL;
	if (!node || !cb || cb->version != ZT_VL2_CALLBACKS_VERSION || !cb->network_changed ||
	    !cb->frame_out || !cb->state_put != !cb->state_get)
		return -EINVAL;
	struct zt_vl2 *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->node = node;
	v->cb = *cb;
	v->arg = arg;
	v->self = zt_node_address(node);
	v->rng = v->self * 0x2545f4914f6cdd1dULL + 1;
	int ret = zt_node_set_upper(node, &vl2_upper, v);
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	return 0;
}

void zt_vl2_free(struct zt_vl2 *v)
{
	if (!v)
		return;
	(void)zt_node_set_upper(v->node, NULL, NULL);
	for (size_t i = 0; i < v->n_nets; i++)
		vl2_net_free(v->nets[i]);
	for (unsigned i = 0; i < VL2_HELD; i++)
		held_drop(&v->held[i]);
	vl2_mc_free(v);
	free(v);
}

/* ---- local controller ---- */

int zt_vl2_set_controller(struct zt_vl2 *v, const struct zt_vl2_controller_ops *ops, void *arg)
{
	if (!ops) {
		v->has_ctl = false;
		memset(&v->ctl, 0, sizeof(v->ctl));
		v->ctl_arg = NULL;
		return 0;
	}
	if (ops->version != ZT_VL2_CONTROLLER_OPS_VERSION || !ops->request)
		return -EINVAL;
	v->ctl = *ops;
	v->ctl_arg = arg;
	v->has_ctl = true;
	return 0;
}

int zt_vl2_controller_push(struct zt_vl2 *v, uint64_t nwid, const void *dict, size_t len, int64_t now)
{
	struct vl2_net *n = vl2_net_find(v, nwid);
	if (!n)
		return -ENOENT;
	return vl2_apply_config(v, n, dict, len, true, now);
}

int zt_vl2_controller_credentials(struct zt_vl2 *v, const void *payload, size_t len, int64_t now)
{
	struct zt_node_msg m = {.source = v->self,
	                        .peer = zt_node_identity(v->node),
	                        .verb = ZT_VERB_NETWORK_CREDENTIALS,
	                        .payload = payload,
	                        .len = len,
	                        .sock = ZT_SOCK_ANY};
	vl2_credentials_in(v, &m, now);
	return 0;
}

/* ---- queries ---- */

int zt_vl2_network(const struct zt_vl2 *v, uint64_t nwid, struct zt_vl2_network_info *out)
{
	const struct vl2_net *n = vl2_net_find(v, nwid);
	if (!n)
		return -ENOENT;
	vl2_net_info(v, n, out);
	return 0;
}

size_t zt_vl2_networks(const struct zt_vl2 *v, uint64_t *out, size_t cap)
{
	for (size_t i = 0; i < v->n_nets && i < cap; i++)
		out[i] = v->nets[i]->nwid;
	return v->n_nets;
}

void zt_vl2_counters(const struct zt_vl2 *v, struct zt_vl2_counters *out)
{
	*out = v->c;
}
