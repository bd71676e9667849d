/* Unicast frames (spec §7): FRAME and EXT_FRAME from peers, the host's outbound frames (the decision tree
 * of §7.3, multicast handed to multicast.c), and the flow rules both ways (§5.4). */
#include "vl2/vl2_int.h"

#include <errno.h>
#include <string.h>

#include "vl2/vl2_wire.h"

static const uint8_t zero_mac[6];

bool vl2_is_active_bridge(const struct vl2_net *n, uint64_t address)
{
	for (size_t i = 0; n->conf && i < n->conf->specialist_count; i++)
		if ((n->conf->specialists[i] & 0xffffffffffULL) == address &&
		    (n->conf->specialists[i] & ZT_SPECIALIST_ACTIVE_BRIDGE))
			return true;
	return false;
}

bool vl2_filter(struct zt_vl2 *v, struct vl2_net *n, bool inbound, uint64_t peer, const uint8_t src[6],
                const uint8_t dst[6], uint16_t ethertype, const uint8_t *payload, size_t len,
                struct zt_rules_decision *d)
{
	const struct zt_netconf *c = n->conf;
	memset(d, 0, sizeof(*d));
	if (!c)
		return false;
	struct zt_rules_frame f = {.inbound = inbound,
	                           .zt_source = inbound ? peer : v->self,
	                           .zt_dest = inbound ? v->self : peer,
	                           .ethertype = ethertype,
	                           .payload = payload,
	                           .len = len};
	memcpy(f.mac_source, src, 6);
	memcpy(f.mac_dest, dst, 6);
	struct zt_rules_env env = {.self = v->self,
	                           .netconf_flags = c->flags,
	                           .local_tags = c->tags,
	                           .local_tag_count = c->tag_count,
	                           .random = vl2_random_fill,
	                           .random_arg = v};
	struct vl2_rule_creds rc;
	vl2_member_rules_env(n, peer ? vl2_member(n, peer, false, 0) : NULL, &rc, &env);
	if (inbound) {
		env.coos = rc.coos;
		env.coo_count = rc.n_coos;
	} else {
		env.coos = c->coos;
		env.coo_count = c->coo_count;
	}
	/* Inbound, stock also tries the capabilities the sender pushed; we do not keep those (vl2.h). */
	return zt_rules_filter(c->rules, c->rule_count, inbound ? NULL : c->capabilities,
	                       inbound ? 0 : c->capability_count, &f, &env, d);
}

static void send_ext(struct zt_vl2 *v, struct vl2_net *n, uint64_t to, uint8_t flags, const uint8_t src[6],
                     const uint8_t dst[6], uint16_t ethertype, const uint8_t *payload, size_t len,
                     int64_t now)
{
	struct zt_wr w;
	if (!to || to == v->self)
		return;
	vl2_push_if_due(v, n, to, now);
	zt_wr_init(&w, v->scratch, sizeof(v->scratch));
	zt_vl2_ext_frame_write(&w, n->nwid, flags, dst, src, ethertype, payload, len);
	if (!w.bad)
		(void)vl2_send(v, to, ZT_VERB_EXT_FRAME, v->scratch, w.len, now, NULL);
}

void vl2_rule_copies(struct zt_vl2 *v, struct vl2_net *n, const struct zt_rules_decision *d, bool inbound,
                     const uint8_t src[6], const uint8_t dst[6], uint16_t ethertype, const uint8_t *payload,
                     size_t len, int64_t now)
{
	for (unsigned i = 0; i < d->copy_count && i < 2; i++) {
		const struct zt_rules_copy *c = &d->copies[i];
		uint8_t flags = d->copies[i].watch
		                    ? (inbound ? ZT_EXT_FRAME_WATCH_IN : ZT_EXT_FRAME_WATCH_OUT)
		                    : (inbound ? ZT_EXT_FRAME_TEE_IN : ZT_EXT_FRAME_TEE_OUT);
		size_t k = c->len && c->len < len ? c->len : len;
		send_ext(v, n, c->to, flags, src, dst, ethertype, payload, k, now);
	}
	if (d->redirect_to)
		send_ext(v, n, d->redirect_to, inbound ? ZT_EXT_FRAME_REDIRECT_IN : ZT_EXT_FRAME_REDIRECT_OUT,
		         src, dst, ethertype, payload, len, now);
}

void vl2_deliver(struct zt_vl2 *v, struct vl2_net *n, const uint8_t src[6], const uint8_t dst[6],
                 uint16_t ethertype, const uint8_t *payload, size_t len)
{
	uint8_t s[6], d[6];
	memcpy(s, src, 6); /* the host may send from inside frame_out: nothing we pass may move under it */
	memcpy(d, dst, 6);
	v->c.rx_frames++;
	v->cb.frame_out(v->arg, n->nwid, d, s, ethertype, 0, payload, len);
}

/* A frame from a peer that fails the gate: ask for its credentials and keep the frame a while. */
static void need_com(struct zt_vl2 *v, struct vl2_net *n, const struct zt_node_msg *m, int64_t now)
{
	v->c.drop_gate++;
	if (v->replay_depth)
		return;
	vl2_hold(v, m, m->source, n->nwid, now);
	vl2_send_error(v, m->source, m->verb, m->packet_id, ZT_ERR_NEED_MEMBERSHIP_CERTIFICATE, n->nwid, now);
	v->c.need_com_sent++;
}

struct vl2_net *vl2_frame_net(struct zt_vl2 *v, const struct zt_node_msg *m, uint64_t nwid,
                              const struct zt_com *com, int64_t now)
{
	struct vl2_net *n = vl2_net_find(v, nwid);
	if (!n) {
		v->c.drop_not_joined++;
		return NULL;
	}
	if (com)
		vl2_com_in(v, com, now);
	if (!vl2_gate_traffic(v, n, m->peer, now)) {
		need_com(v, n, m, now);
		return NULL;
	}
	return n;
}

void vl2_frame_rx(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now)
{
	struct zt_vl2_frame f;
	if (zt_vl2_frame_parse(&f, m->payload, m->len) != 0) {
		v->c.drop_malformed++;
		return;
	}
	struct vl2_net *n = vl2_frame_net(v, m, f.nwid, NULL, now);
	if (!n)
		return;
	uint8_t src[6];
	struct zt_rules_decision d;
	zt_mac_from_address(src, m->source, n->nwid);
	if (!vl2_filter(v, n, true, m->source, src, n->mac, f.ethertype, f.payload, f.len, &d)) {
		if (d.accept)
			vl2_rule_copies(v, n, &d, true, src, n->mac, f.ethertype, f.payload, f.len, now);
		else
			v->c.drop_rules_in++;
		return;
	}
	vl2_rule_copies(v, n, &d, true, src, n->mac, f.ethertype, f.payload, f.len, now);
	vl2_deliver(v, n, src, n->mac, f.ethertype, f.payload, f.len);
}

void vl2_ext_frame_rx(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now)
{
	struct zt_vl2_ext_frame f;
	if (zt_vl2_ext_frame_parse(&f, m->payload, m->len) != 0) {
		v->c.drop_malformed++;
		return;
	}
	struct vl2_net *n = vl2_frame_net(v, m, f.nwid, f.has_com ? &f.com : NULL, now);
	if (!n)
		return;
	if (!memcmp(f.src, zero_mac, 6) || !memcmp(f.src, n->mac, 6) || zt_mac_is_multicast(f.src)) {
		v->c.drop_mac++;
		return;
	}
	struct zt_rules_decision d;
	if (!vl2_filter(v, n, true, m->source, f.src, f.dst, f.ethertype, f.payload, f.len, &d)) {
		if (d.accept)
			vl2_rule_copies(v, n, &d, true, f.src, f.dst, f.ethertype, f.payload, f.len, now);
		else
			v->c.drop_rules_in++;
		return;
	}
	uint8_t sender_mac[6];
	zt_mac_from_address(sender_mac, m->source, n->nwid);
	if (!d.super_accept) {
		/* A foreign source MAC only from a bridge; a foreign destination only if it is a group we
		 * may receive (we never bridge, so never a foreign unicast MAC). */
		bool src_ok = !memcmp(f.src, sender_mac, 6) || vl2_is_active_bridge(n, m->source);
		bool dst_ok =
		    !memcmp(f.dst, n->mac, 6) || (zt_mac_is_multicast(f.dst) && n->conf->multicast_limit);
		if (!src_ok || !dst_ok) {
			v->c.drop_mac++;
			return;
		}
	}
	vl2_rule_copies(v, n, &d, true, f.src, f.dst, f.ethertype, f.payload, f.len, now);
	bool ack = f.flags & ZT_EXT_FRAME_FLAG_ACK;
	uint64_t nwid = n->nwid, id = m->packet_id, from = m->source;
	vl2_deliver(v, n, f.src, f.dst, f.ethertype, f.payload, f.len);
	if (ack) {
		uint8_t ok[17];
		struct zt_wr w;
		zt_wr_init(&w, ok, sizeof(ok));
		zt_wr_u8(&w, ZT_VERB_EXT_FRAME);
		zt_wr_u64(&w, id);
		zt_wr_u64(&w, nwid);
		(void)vl2_send(v, from, ZT_VERB_OK, ok, w.len, now, NULL);
	}
}

/* The outbound rules for a frame of ours to `to` (0: multicast); the copies and redirects they ask
 * for go out either way. true when the frame goes on; else *ret is what zt_vl2_frame_in returns. */
static bool rules_out(struct zt_vl2 *v, struct vl2_net *n, uint64_t to, const uint8_t src[6],
                      const uint8_t dst[6], uint16_t ethertype, const uint8_t *payload, size_t len,
                      int64_t now, int *ret)
{
	struct zt_rules_decision d;
	bool pass = vl2_filter(v, n, false, to, src, dst, ethertype, payload, len, &d);
	if (pass || d.accept)
		vl2_rule_copies(v, n, &d, false, src, dst, ethertype, payload, len, now);
	else
		v->c.drop_rules_out++;
	*ret = d.accept ? 0 : -EPERM;
	return pass;
}

int zt_vl2_frame_in(struct zt_vl2 *v, uint64_t nwid, const uint8_t src[6], const uint8_t dst[6],
                    uint16_t ethertype, uint16_t vlan, const void *payload, size_t len, int64_t now)
{
	struct vl2_net *n = vl2_net_find(v, nwid);
	int ret;
	if (!n) {
		v->c.drop_not_joined++;
		return -ENOENT;
	}
	if (!n->conf) {
		v->c.drop_no_config++;
		return -ENETDOWN;
	}
	if (vlan)
		return -EINVAL;
	if (len > n->conf->mtu) {
		v->c.drop_too_big++;
		return -EMSGSIZE;
	}
	if (memcmp(src, n->mac, 6) != 0) {
		v->c.drop_mac++;
		return -EADDRNOTAVAIL;
	}
	if (zt_mac_is_multicast(dst)) {
		struct zt_mcast_group g;
		bool bcast = n->conf->flags & ZT_NETCONF_FLAG_BROADCAST;
		if (zt_mcast_group_for_frame(&g, dst, ethertype, payload, len, bcast) != 0 ||
		    !n->conf->multicast_limit) {
			v->c.drop_multicast_off++;
			return -EPERM;
		}
		if (!rules_out(v, n, 0, src, dst, ethertype, payload, len, now, &ret))
			return ret;
		return vl2_mc_send(v, n, &g, src, ethertype, payload, len, now);
	}
	if (!memcmp(dst, n->mac, 6)) {
		v->c.tx_loopback++;
		vl2_deliver(v, n, src, dst, ethertype, payload, len);
		return 0;
	}
	uint64_t to;
	if (!zt_mac_to_address(dst, nwid, &to) || zt_address_reserved(to)) {
		v->c.drop_mac++;
		return -EHOSTUNREACH; /* behind a bridge: we do not bridge */
	}
	if (!rules_out(v, n, to, src, dst, ethertype, payload, len, now, &ret))
		return ret;
	vl2_push_if_due(v, n, to, now);
	struct zt_wr w;
	zt_wr_init(&w, v->scratch, sizeof(v->scratch));
	zt_vl2_frame_write(&w, nwid, ethertype, payload, len);
	if (w.bad) {
		v->c.drop_too_big++;
		return -EMSGSIZE;
	}
	ret = vl2_send(v, to, ZT_VERB_FRAME, v->scratch, w.len, now, NULL);
	if (ret < 0)
		return ret;
	v->c.tx_frames++;
	return 0;
}
