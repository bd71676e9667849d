/* Multicast groups (spec §8.1-8.3): who subscribes to which group (from LIKEs and gather answers), our own
 * groups and the host's subscriptions, and announcing them (MULTICAST_LIKE). Groups are kept per network
 * ID, joined or not: a root or the local controller serves LIKE/GATHER for networks it is no member of
 * (§8.3, §9.8). Frames and the verbs' receiving side are in mc_frames.c. */
#include "vl2/vl2_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl2/vl2_wire.h"

#define MY_GROUPS_MAX (ZT_VL2_MAX_SUBSCRIPTIONS + ZT_MAX_ZT_ASSIGNED_ADDRESSES + 1)

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- the group table (linear: a member node holds a few dozen groups; a busy root pays O(n)) ---- */

struct vl2_mc_group *vl2_mc_group_find(struct zt_vl2 *v, uint64_t nwid, const struct zt_mcast_group *g,
                                       bool create)
{
	for (size_t i = 0; i < v->n_groups; i++)
		if (v->groups[i]->nwid == nwid && zt_mcast_group_equal(&v->groups[i]->g, g))
			return v->groups[i];
	if (!create || v->n_groups == VL2_MC_MAX_GROUPS)
		return NULL;
	struct vl2_mc_group *grp = calloc(1, sizeof(*grp));
	if (!grp)
		return NULL;
	grp->nwid = nwid;
	grp->g = *g;
	v->groups[v->n_groups++] = grp;
	return grp;
}

static void group_free_at(struct zt_vl2 *v, size_t i)
{
	free(v->groups[i]->m);
	free(v->groups[i]);
	v->groups[i] = v->groups[--v->n_groups];
}

void vl2_mc_group_expire(struct vl2_mc_group *grp, int64_t now)
{
	size_t k = 0;
	for (size_t i = 0; i < grp->n; i++)
		if (now - grp->m[i].ts < VL2_LIKE_EXPIRE_MS)
			grp->m[k++] = grp->m[i];
	grp->n = k;
}

bool vl2_mc_group_add(struct vl2_mc_group *grp, uint64_t address, int64_t now)
{
	for (size_t i = 0; i < grp->n; i++)
		if (grp->m[i].address == address) {
			grp->m[i].ts = now;
			return false;
		}
	if (grp->n == grp->cap) {
		if (grp->cap == VL2_MC_MAX_PER_GROUP) {
			size_t old = 0;
			for (size_t i = 1; i < grp->n; i++)
				if (grp->m[i].ts < grp->m[old].ts)
					old = i;
			grp->m[old] = (struct vl2_mc_entry){address, now};
			return true;
		}
		size_t cap = grp->cap ? grp->cap * 2 : 8;
		struct vl2_mc_entry *m = realloc(grp->m, cap * sizeof(*m));
		if (!m)
			return false;
		grp->m = m;
		grp->cap = cap;
	}
	grp->m[grp->n++] = (struct vl2_mc_entry){address, now};
	return true;
}

void vl2_mc_forget_net(struct zt_vl2 *v, uint64_t nwid)
{
	for (size_t i = v->n_groups; i-- > 0;)
		if (v->groups[i]->nwid == nwid)
			group_free_at(v, i);
	for (unsigned i = 0; i < VL2_MC_TXQ; i++)
		if (v->txq[i].used && v->txq[i].nwid == nwid) {
			free(v->txq[i].payload);
			free(v->txq[i].sent);
			memset(&v->txq[i], 0, sizeof(v->txq[i]));
		}
}

void vl2_mc_free(struct zt_vl2 *v)
{
	while (v->n_groups)
		group_free_at(v, v->n_groups - 1);
	for (unsigned i = 0; i < VL2_MC_TXQ; i++) {
		free(v->txq[i].payload);
		free(v->txq[i].sent);
	}
	memset(v->txq, 0, sizeof(v->txq));
}

size_t zt_vl2_multicast_members(const struct zt_vl2 *v, uint64_t nwid, const struct zt_mcast_group *g,
                                uint64_t *out, size_t cap, int64_t now)
{
	size_t k = 0;
	for (size_t i = 0; i < v->n_groups; i++) {
		const struct vl2_mc_group *grp = v->groups[i];
		if (grp->nwid != nwid || !zt_mcast_group_equal(&grp->g, g))
			continue;
		for (size_t j = 0; j < grp->n; j++)
			if (now - grp->m[j].ts < VL2_LIKE_EXPIRE_MS) {
				if (k < cap)
					out[k] = grp->m[j].address;
				k++;
			}
	}
	return k;
}

/* ---- our own groups ---- */

static int group_cmp(const void *a, const void *b)
{
	const struct zt_mcast_group *x = a, *y = b;
	int c = memcmp(x->mac, y->mac, 6);
	if (c)
		return c;
	return x->adi < y->adi ? -1 : x->adi > y->adi;
}

size_t vl2_my_groups(const struct vl2_net *n, struct zt_mcast_group *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n->n_subs && k < cap; i++)
		out[k++] = n->subs[i];
	const struct zt_netconf *c = n->conf;
	for (size_t i = 0; c && i < c->static_ip_count && k < cap; i++) {
		const struct zt_inetaddr *a = &c->static_ips[i];
		if (a->family == ZT_INET_V4)
			zt_mcast_group_for_ipv4(&out[k++], a->ip);
		else if (a->family == ZT_INET_V6)
			zt_mcast_group_for_ipv6(&out[k++], a->ip);
	}
	if (c && (c->flags & ZT_NETCONF_FLAG_BROADCAST) && k < cap) {
		memcpy(out[k].mac, bcast_mac, 6);
		out[k++].adi = 0;
	}
	qsort(out, k, sizeof(*out), group_cmp);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (!u || group_cmp(&out[u - 1], &out[i]) != 0)
			out[u++] = out[i];
	return u;
}

bool vl2_subscribed(const struct vl2_net *n, const struct zt_mcast_group *g)
{
	struct zt_mcast_group mine[MY_GROUPS_MAX];
	size_t k = vl2_my_groups(n, mine, MY_GROUPS_MAX);
	return bsearch(g, mine, k, sizeof(*g), group_cmp) != NULL;
}

/* ---- announcing (MULTICAST_LIKE) ---- */

void vl2_announce_to(struct zt_vl2 *v, struct vl2_net *n, uint64_t dest, bool member,
                     const struct zt_mcast_group *g, size_t count, int64_t now)
{
	if (!dest || dest == v->self || !count)
		return;
	/* A member accepts our LIKEs only once it holds our COM (spec §8.3); the controller and the roots
	 * need none. */
	if (member)
		vl2_push_if_due(v, n, dest, now);
	struct zt_wr w;
	size_t i = 0;
	while (i < count) {
		zt_wr_init(&w, v->scratch, sizeof(v->scratch));
		for (; i < count && w.len + 18 <= w.cap; i++) {
			zt_wr_u64(&w, n->nwid);
			zt_mcast_group_write(&g[i], &w);
		}
		if (vl2_send(v, dest, ZT_VERB_MULTICAST_LIKE, v->scratch, w.len, now, NULL) >= 0)
			v->c.likes_sent++;
	}
}

/* The controller, the roots and the anchors / multicast replicators: whom we always tell and ask. */
size_t vl2_always_contact(struct zt_vl2 *v, const struct vl2_net *n, uint64_t *out, size_t cap, int64_t now)
{
	size_t k = 0;
	if (n->controller != v->self)
		out[k++] = n->controller;
	uint64_t roots[8];
	size_t nr = vl2_roots(v, roots, 8, now);
	for (size_t i = 0; i < nr && k < cap; i++)
		if (roots[i] != n->controller)
			out[k++] = roots[i];
	for (size_t i = 0; n->conf && i < n->conf->specialist_count && k < cap; i++) {
		uint64_t s = n->conf->specialists[i], a = s & 0xffffffffffULL;
		if ((s & (ZT_SPECIALIST_ANCHOR | ZT_SPECIALIST_MULTICAST_REPLICATOR)) && a != v->self) {
			bool dup = false;
			for (size_t j = 0; j < k; j++)
				dup |= out[j] == a;
			if (!dup)
				out[k++] = a;
		}
	}
	return k;
}

void vl2_announce(struct zt_vl2 *v, struct vl2_net *n, const struct zt_mcast_group *g, size_t count,
                  int64_t now)
{
	if (!n->conf || (g && !count))
		return;
	/* Nothing announced yet (the first config): everything, now. After that and after a change, the
	 * whole set goes again a few times VL2_ANNOUNCE_EARLY_MS apart before settling to stock's minute:
	 * one lost LIKE would otherwise leave us unresolvable (ARP) for up to a minute. */
	int64_t period = n->announce_early ? VL2_ANNOUNCE_EARLY_MS : VL2_ANNOUNCE_MS;
	bool periodic = !n->last_announce_upstream || now - n->last_announce_upstream >= period;
	if (!n->last_announce_upstream || g)
		n->announce_early = VL2_ANNOUNCE_EARLY_COUNT;
	else if (periodic && n->announce_early)
		n->announce_early--;
	if (!g && !periodic)
		return;
	if (!n->last_announce_upstream)
		g = NULL;
	struct zt_mcast_group all[MY_GROUPS_MAX];
	const struct zt_mcast_group *groups = g;
	if (!g) {
		n->last_announce_upstream = now;
		count = vl2_my_groups(n, all, MY_GROUPS_MAX);
		groups = all;
	}
	uint64_t up[64];
	size_t nup = vl2_always_contact(v, n, up, 64, now);
	for (size_t i = 0; i < nup; i++)
		vl2_announce_to(v, n, up[i], false, groups, count, now);
	struct zt_identity tmp;
	for (size_t i = 0; i < n->n_members; i++) {
		struct vl2_member *m = n->members[i];
		bool upstream = false;
		for (size_t j = 0; j < nup; j++)
			upstream |= up[j] == m->address;
		if (upstream || (!g && now - m->last_announced < VL2_ANNOUNCE_MS))
			continue;
		const struct zt_identity *id = vl2_identity(v, m->address, &tmp, false, now);
		if (!id || !vl2_gate(v, n, id, now))
			continue;
		if (!g)
			m->last_announced = now;
		vl2_announce_to(v, n, m->address, true, groups, count, now);
	}
}

static int subs_find_in(const struct zt_mcast_group *set, size_t n, const struct zt_mcast_group *g)
{
	for (size_t i = 0; i < n; i++)
		if (zt_mcast_group_equal(&set[i], g))
			return (int)i;
	return -1;
}

static int subs_find(const struct vl2_net *n, const struct zt_mcast_group *g)
{
	return subs_find_in(n->subs, n->n_subs, g);
}

int zt_vl2_multicast_subscribe(struct zt_vl2 *v, uint64_t nwid, const uint8_t mac[6], uint32_t adi,
                               int64_t now)
{
	struct vl2_net *n = vl2_net_find(v, nwid);
	struct zt_mcast_group g = {.adi = adi};
	memcpy(g.mac, mac, 6);
	if (!n)
		return -ENOENT;
	if (!zt_mac_is_multicast(mac))
		return -EINVAL;
	if (subs_find(n, &g) >= 0)
		return 0;
	if (n->n_subs == ZT_VL2_MAX_SUBSCRIPTIONS)
		return -ENOSPC;
	n->subs[n->n_subs++] = g;
	vl2_announce(v, n, &g, 1, now);
	return 0;
}

int zt_vl2_multicast_unsubscribe(struct zt_vl2 *v, uint64_t nwid, const uint8_t mac[6], uint32_t adi)
{
	struct vl2_net *n = vl2_net_find(v, nwid);
	struct zt_mcast_group g = {.adi = adi};
	memcpy(g.mac, mac, 6);
	int i = n ? subs_find(n, &g) : -1;
	if (i < 0)
		return -ENOENT;
	n->subs[i] = n->subs[--n->n_subs];
	return 0;
}

int zt_vl2_multicast_set(struct zt_vl2 *v, uint64_t nwid, const struct zt_mcast_group *groups, size_t count,
                         int64_t now)
{
	struct vl2_net *n = vl2_net_find(v, nwid);
	if (!n)
		return -ENOENT;
	if (count > ZT_VL2_MAX_SUBSCRIPTIONS)
		return -ENOSPC;
	for (size_t i = 0; i < count; i++)
		if (!zt_mac_is_multicast(groups[i].mac))
			return -EINVAL;
	struct zt_mcast_group old[ZT_VL2_MAX_SUBSCRIPTIONS];
	size_t n_old = n->n_subs;
	memcpy(old, n->subs, n_old * sizeof(old[0]));
	n->n_subs = 0;
	for (size_t i = 0; i < count; i++)
		if (subs_find(n, &groups[i]) < 0)
			n->subs[n->n_subs++] = groups[i];
	struct zt_mcast_group fresh[ZT_VL2_MAX_SUBSCRIPTIONS];
	size_t k = 0;
	for (size_t i = 0; i < n->n_subs; i++)
		if (subs_find_in(old, n_old, &n->subs[i]) < 0)
			fresh[k++] = n->subs[i];
	vl2_announce(v, n, fresh, k, now);
	return 0;
}

void vl2_mc_tick(struct zt_vl2 *v, bool sweep, int64_t now)
{
	for (unsigned i = 0; i < VL2_MC_TXQ; i++)
		if (v->txq[i].used && v->txq[i].expires <= now) {
			free(v->txq[i].payload);
			free(v->txq[i].sent);
			memset(&v->txq[i], 0, sizeof(v->txq[i]));
		}
	if (!sweep)
		return;
	for (size_t i = v->n_groups; i-- > 0;) {
		struct vl2_mc_group *grp = v->groups[i];
		vl2_mc_group_expire(grp, now);
		if (!grp->n && now - grp->last_gather >= VL2_GATHER_MS)
			group_free_at(v, i);
	}
}
