/* Multicast frames (spec §8.4-8.6): sending with sender-side replication, gathering members first and
 * keeping the frame a few seconds for members learned meanwhile; receiving MULTICAST_FRAME, LIKE, GATHER
 * and gather answers. The group table and our own subscriptions live in multicast.c. */
#include "vl2/vl2_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl2/vl2_wire.h"

#define LIST_MAX 1024 /* addresses in one gather answer */

/* ---- sending multicast frames ---- */

static void send_copy(struct zt_vl2 *v, struct vl2_net *n, uint64_t to, const struct zt_mcast_group *g,
                      const uint8_t src[6], uint16_t ethertype, const uint8_t *payload, size_t len,
                      uint32_t gather_limit, int64_t now)
{
	struct zt_wr w;
	vl2_push_if_due(v, n, to, now);
	zt_wr_init(&w, v->scratch, sizeof(v->scratch));
	uint8_t flags = gather_limit ? ZT_MC_FRAME_FLAG_GATHER_LIMIT : 0;
	if (memcmp(src, n->mac, 6) != 0)
		flags |= ZT_MC_FRAME_FLAG_SOURCE_MAC;
	zt_vl2_mc_frame_write(&w, n->nwid, flags, gather_limit, src, g, ethertype, payload, len);
	if (!w.bad && vl2_send(v, to, ZT_VERB_MULTICAST_FRAME, v->scratch, w.len, now, NULL) >= 0)
		v->c.tx_multicast++;
}

static bool tx_sent_to(const struct vl2_mc_tx *t, uint64_t a)
{
	for (size_t i = 0; i < t->n_sent; i++)
		if (t->sent[i] == a)
			return true;
	return false;
}

/* A new member of (nwid, g): hand it the frames still waiting for recipients. */
static void learned(struct zt_vl2 *v, uint64_t nwid, const struct zt_mcast_group *g, uint64_t address,
                    int64_t now)
{
	struct vl2_mc_group *grp = vl2_mc_group_find(v, nwid, g, true);
	if (!grp || address == v->self)
		return;
	vl2_mc_group_add(grp, address, now);
	struct vl2_net *n = vl2_net_find(v, nwid);
	for (unsigned i = 0; n && n->conf && i < VL2_MC_TXQ; i++) {
		struct vl2_mc_tx *t = &v->txq[i];
		if (!t->used || t->nwid != nwid || !zt_mcast_group_equal(&t->g, g) || t->expires <= now ||
		    t->n_sent >= t->limit || tx_sent_to(t, address))
			continue;
		t->sent[t->n_sent++] = address;
		send_copy(v, n, address, &t->g, t->src, t->ethertype, t->payload, t->len, t->gather_limit,
		          now);
	}
}

static void shuffle(struct zt_vl2 *v, uint64_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(vl2_random(v) % i);
		uint64_t t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

static void send_gathers(struct zt_vl2 *v, struct vl2_net *n, const struct zt_mcast_group *g, uint32_t limit,
                         int64_t now)
{
	uint64_t to[16];
	struct zt_wr w;
	size_t k = vl2_always_contact(v, n, to, 16, now);
	zt_wr_init(&w, v->scratch, sizeof(v->scratch));
	zt_vl2_gather_write(&w, n->nwid, g, limit, n->conf->com.count ? &n->conf->com : NULL);
	for (size_t i = 0; i < k && !w.bad; i++)
		if (vl2_send(v, to[i], ZT_VERB_MULTICAST_GATHER, v->scratch, w.len, now, NULL) >= 0)
			v->c.gathers_sent++;
}

static struct vl2_mc_tx *tx_slot(struct zt_vl2 *v, int64_t now)
{
	struct vl2_mc_tx *t = &v->txq[0];
	for (unsigned i = 0; i < VL2_MC_TXQ; i++) {
		if (!v->txq[i].used || v->txq[i].expires <= now) {
			t = &v->txq[i];
			break;
		}
		if (v->txq[i].expires < t->expires)
			t = &v->txq[i];
	}
	free(t->payload);
	free(t->sent);
	memset(t, 0, sizeof(*t));
	return t;
}

int vl2_mc_send(struct zt_vl2 *v, struct vl2_net *n, const struct zt_mcast_group *g, const uint8_t src[6],
                uint16_t ethertype, const uint8_t *payload, size_t len, int64_t now)
{
	unsigned limit = n->conf->multicast_limit;
	uint64_t pick[LIST_MAX];
	size_t np = 0, known = 0;
	for (size_t i = 0; i < n->conf->specialist_count && np < limit && np < LIST_MAX; i++) {
		uint64_t s = n->conf->specialists[i], a = s & 0xffffffffffULL;
		if ((s & ZT_SPECIALIST_ACTIVE_BRIDGE) && a != v->self)
			pick[np++] = a;
	}
	size_t bridges = np;
	struct vl2_mc_group *grp = vl2_mc_group_find(v, n->nwid, g, true);
	if (grp) {
		vl2_mc_group_expire(grp, now);
		uint64_t *members = pick + np;
		size_t nm = 0;
		for (size_t i = 0; i < grp->n && np + nm < LIST_MAX; i++) {
			bool bridge = false;
			for (size_t j = 0; j < bridges; j++)
				bridge |= pick[j] == grp->m[i].address;
			if (!bridge && grp->m[i].address != v->self)
				members[nm++] = grp->m[i].address;
		}
		known = nm;
		shuffle(v, members, nm);
		np += nm;
	}
	if (np > limit)
		np = limit;
	uint32_t gather_limit = 1; /* enough known: still gather a little, as stock does */
	if (known < limit) {
		gather_limit = (uint32_t)(limit - known + 1);
		if (grp && (!known || now - grp->last_gather >= VL2_GATHER_MS)) {
			grp->last_gather = now;
			send_gathers(v, n, g, gather_limit, now);
		}
		struct vl2_mc_tx *t = tx_slot(v, now);
		t->payload = malloc(len ? len : 1);
		t->sent = malloc(limit * sizeof(uint64_t));
		if (t->payload && t->sent) {
			memcpy(t->payload, payload, len);
			t->len = len;
			t->used = true;
			t->nwid = n->nwid;
			t->g = *g;
			memcpy(t->src, src, 6);
			t->ethertype = ethertype;
			t->expires = now + VL2_MC_TX_MS;
			t->limit = limit;
			t->gather_limit = gather_limit;
			memcpy(t->sent, pick, np * sizeof(uint64_t));
			t->n_sent = np;
		}
	}
	if (!np)
		v->c.drop_no_members++; /* for now: it waits for members in the queue */
	for (size_t i = 0; i < np; i++)
		send_copy(v, n, pick[i], g, src, ethertype, payload, len, gather_limit, now);
	return 0;
}

/* ---- from the wire ---- */

/* May `m->source` tell us / ask us about nwid's groups? (spec §8.3: gated member, or we are a root, or
 * our controller configured it lately.) */
static bool mc_allowed(struct zt_vl2 *v, struct vl2_net *n, const struct zt_node_msg *m, uint64_t nwid,
                       int64_t now)
{
	if (n && vl2_gate_traffic(v, n, m->peer, now))
		return true;
	if (zt_node_is_root(v->node))
		return true;
	return v->has_ctl && v->ctl.recently_configured && nwid >> 24 == v->self &&
	       v->ctl.recently_configured(v->ctl_arg, nwid, m->source, now);
}

void vl2_like_rx(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now)
{
	struct zt_rd r;
	uint64_t nwid, last = 0;
	bool ok = false;
	struct zt_mcast_group g;
	zt_rd_init(&r, m->payload, m->len);
	while (zt_vl2_like_next(&r, &nwid, &g)) {
		if (nwid != last || !last) {
			last = nwid;
			ok = mc_allowed(v, vl2_net_find(v, nwid), m, nwid, now);
		}
		if (!ok)
			continue;
		v->c.likes_in++;
		learned(v, nwid, &g, m->source, now);
	}
}

/* Writes up to `limit` members of (nwid, g) other than `requester` (us first, if subscribed) as a
 * gather list: [u32 total][u16 n][addresses]. Returns n. */
static unsigned write_list(struct zt_vl2 *v, struct zt_wr *w, uint64_t nwid, const struct zt_mcast_group *g,
                           uint64_t requester, uint32_t limit, int64_t now)
{
	uint64_t list[LIST_MAX];
	size_t k = 0, total = 0;
	struct vl2_net *n = vl2_net_find(v, nwid);
	bool me = n && n->conf && vl2_subscribed(n, g);
	struct vl2_mc_group *grp = vl2_mc_group_find(v, nwid, g, false);
	if (grp) {
		vl2_mc_group_expire(grp, now);
		for (size_t i = 0; i < grp->n && k < LIST_MAX; i++)
			if (grp->m[i].address != requester && grp->m[i].address != v->self)
				list[k++] = grp->m[i].address;
		total = grp->n;
	}
	shuffle(v, list, k);
	size_t cap = w->cap > w->len + 6 ? (w->cap - w->len - 6) / ZT_ADDRESS_LEN : 0;
	if (limit < cap)
		cap = limit;
	size_t out = 0;
	zt_wr_u32(w, (uint32_t)(total + me));
	uint8_t *count = zt_wr_reserve(w, 2);
	if (me && out < cap) {
		zt_wr_u40(w, v->self);
		out++;
	}
	for (size_t i = 0; i < k && out < cap; i++, out++)
		zt_wr_u40(w, list[i]);
	if (count) {
		count[0] = (uint8_t)(out >> 8);
		count[1] = (uint8_t)out;
	}
	return (unsigned)out;
}

void vl2_gather_rx(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now)
{
	struct zt_vl2_gather q;
	if (zt_vl2_gather_parse(&q, m->payload, m->len) != 0) {
		v->c.drop_malformed++;
		return;
	}
	v->c.gathers_in++;
	struct vl2_net *n = vl2_net_find(v, q.nwid);
	if (n && q.has_com)
		vl2_com_in(v, &q.com, now);
	if (!q.limit || !mc_allowed(v, n, m, q.nwid, now))
		return;
	struct zt_wr w;
	zt_wr_init(&w, v->scratch, sizeof(v->scratch));
	zt_wr_u8(&w, ZT_VERB_MULTICAST_GATHER);
	zt_wr_u64(&w, m->packet_id);
	zt_wr_u64(&w, q.nwid);
	zt_mcast_group_write(&q.group, &w);
	if (write_list(v, &w, q.nwid, &q.group, m->source, q.limit, now) && !w.bad)
		(void)vl2_send(v, m->source, ZT_VERB_OK, v->scratch, w.len, now, NULL);
}

void vl2_mc_frame_rx(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now)
{
	struct zt_vl2_mc_frame f;
	if (zt_vl2_mc_frame_parse(&f, m->payload, m->len) != 0) {
		v->c.drop_malformed++;
		return;
	}
	struct vl2_net *n = vl2_frame_net(v, m, f.nwid, f.has_com ? &f.com : NULL, now);
	if (!n)
		return;
	if (!n->conf->multicast_limit) {
		v->c.drop_multicast_off++;
		return;
	}
	uint8_t sender_mac[6], src[6];
	zt_mac_from_address(sender_mac, m->source, n->nwid);
	memcpy(src, f.has_src ? f.src : sender_mac, 6);
	static const uint8_t zero[6];
	if (!f.len || f.len > ZT_MTU_MAX || !zt_mac_is_multicast(f.group.mac) || !memcmp(src, zero, 6) ||
	    zt_mac_is_multicast(src) || !memcmp(src, n->mac, 6)) {
		v->c.drop_mac++;
		return;
	}
	if (memcmp(src, sender_mac, 6) != 0 && !vl2_is_active_bridge(n, m->source)) {
		v->c.drop_mac++;
		return;
	}
	struct zt_rules_decision d;
	bool pass = vl2_filter(v, n, true, m->source, src, f.group.mac, f.ethertype, f.payload, f.len, &d);
	if (d.accept)
		vl2_rule_copies(v, n, &d, true, src, f.group.mac, f.ethertype, f.payload, f.len, now);
	if (!pass) {
		if (!d.accept)
			v->c.drop_rules_in++;
		return;
	}
	if (f.gather_limit) {
		struct zt_wr w;
		zt_wr_init(&w, v->scratch, sizeof(v->scratch));
		zt_wr_u8(&w, ZT_VERB_MULTICAST_FRAME);
		zt_wr_u64(&w, m->packet_id);
		zt_wr_u64(&w, f.nwid);
		zt_mcast_group_write(&f.group, &w);
		zt_wr_u8(&w, ZT_MC_OK_FLAG_GATHER_LIST);
		if (write_list(v, &w, f.nwid, &f.group, m->source, f.gather_limit, now) && !w.bad)
			(void)vl2_send(v, m->source, ZT_VERB_OK, v->scratch, w.len, now, NULL);
	}
	v->c.rx_multicast++;
	vl2_deliver(v, n, src, f.group.mac, f.ethertype, f.payload, f.len);
}

void vl2_mc_reply(struct zt_vl2 *v, const struct zt_node_reply *r, int64_t now)
{
	struct zt_vl2_gather_result res;
	bool has = true;
	int ret = r->in_re_verb == ZT_VERB_MULTICAST_GATHER
	              ? zt_vl2_gather_result_parse(&res, r->payload, r->len)
	              : zt_vl2_mc_frame_ok_parse(&res, &has, r->payload, r->len);
	if (ret != 0 || !has) {
		if (ret)
			v->c.drop_malformed++;
		return;
	}
	if (!vl2_net_find(v, res.nwid))
		return;
	v->c.gather_answers_in++;
	for (unsigned i = 0; i < res.n; i++) {
		uint64_t a = zt_vl2_gather_result_addr(&res, i);
		if (a && a != v->self && !zt_address_reserved(a))
			learned(v, res.nwid, &res.group, a, now);
	}
}

void vl2_unwanted_in(struct zt_vl2 *v, const struct zt_node_reply *r, int64_t now)
{
	struct zt_rd rd;
	struct zt_mcast_group g;
	zt_rd_init(&rd, r->payload, r->len);
	uint64_t nwid = zt_rd_u64(&rd);
	zt_mcast_group_read(&g, &rd);
	struct vl2_net *n = rd.bad ? NULL : vl2_net_find(v, nwid);
	if (!n || !r->peer || !vl2_gate(v, n, r->peer, now))
		return;
	struct vl2_mc_group *grp = vl2_mc_group_find(v, nwid, &g, false);
	for (size_t i = 0; grp && i < grp->n; i++)
		if (grp->m[i].address == r->source) {
			grp->m[i] = grp->m[--grp->n];
			break;
		}
}
