/* LIKE/GATHER for members (spec §8.3-8.4, §9.8): stock members announce their multicast groups to the
 * controller and ask it who else is in a group (how ARP finds peers). Kept per (network, group), bounded by
 * max_subscriptions, each entry living 600 s unless refreshed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"

static size_t group_hash(uint64_t nwid, const struct zt_mcast_group *g, size_t buckets)
{
	uint64_t h = nwid * 0x9e3779b97f4a7c15ULL ^ g->adi;
	for (int i = 0; i < 6; i++)
		h = (h ^ g->mac[i]) * 0x100000001b3ULL;
	return (size_t)(h ^ (h >> 31)) & (buckets - 1);
}

static struct ctl_group *group_find(struct zt_controller *c, uint64_t nwid, const struct zt_mcast_group *g)
{
	if (!c->group_buckets)
		return NULL;
	for (struct ctl_group *e = c->groups[group_hash(nwid, g, c->group_buckets)]; e; e = e->next)
		if (e->nwid == nwid && zt_mcast_group_equal(&e->g, g))
			return e;
	return NULL;
}

static bool groups_grow(struct zt_controller *c)
{
	size_t nb = c->group_buckets ? c->group_buckets * 2 : 256;
	struct ctl_group **t = calloc(nb, sizeof(*t));
	if (!t)
		return false;
	for (size_t i = 0; i < c->group_buckets; i++) {
		struct ctl_group *e = c->groups[i], *next;
		for (; e; e = next) {
			next = e->next;
			size_t b = group_hash(e->nwid, &e->g, nb);
			e->next = t[b];
			t[b] = e;
		}
	}
	free(c->groups);
	c->groups = t;
	c->group_buckets = nb;
	return true;
}

int ctl_mcast_add(struct zt_controller *c, uint64_t nwid, const struct zt_mcast_group *g, uint64_t member,
                  int64_t now)
{
	struct ctl_group *e = group_find(c, nwid, g);
	if (e) {
		for (size_t i = 0; i < e->count; i++) {
			if (e->subs[i].member == member) {
				e->subs[i].last = now;
				return 0;
			}
		}
	}
	if (c->sub_count >= c->cfg.max_subscriptions)
		return -ENOSPC;
	if (!e) {
		if ((c->group_count >= c->group_buckets && !groups_grow(c) && !c->group_buckets) ||
		    !(e = calloc(1, sizeof(*e))))
			return -ENOMEM;
		e->nwid = nwid;
		e->g = *g;
		size_t b = group_hash(nwid, g, c->group_buckets);
		e->next = c->groups[b];
		c->groups[b] = e;
		c->group_count++;
	}
	if (e->count == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 4;
		struct ctl_sub *v = realloc(e->subs, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		e->subs = v;
		e->cap = ncap;
	}
	e->subs[e->count].member = member;
	e->subs[e->count].last = now;
	e->count++;
	c->sub_count++;
	return 0;
}

/* Spec §8.3: the controller takes a member's LIKEs while it configured that member within 180 s. */
static bool configured_recently(struct zt_controller *c, uint64_t nwid, uint64_t address, int64_t now)
{
	return zt_controller_recently_configured(c, nwid, address, now);
}

bool ctl_mcast_like(struct zt_controller *c, const struct zt_node_msg *m, int64_t now)
{
	struct zt_rd r;
	bool only_ours = true;
	zt_rd_init(&r, m->payload, m->len);
	if (m->len % 18)
		c->counters.malformed++;
	while (zt_rd_left(&r) >= 18) {
		uint64_t nwid = zt_rd_u64(&r);
		struct zt_mcast_group g;
		zt_mcast_group_read(&g, &r);
		if (nwid >> 24 != c->address) {
			only_ours = false;
			continue;
		}
		if (!configured_recently(c, nwid, m->source, now))
			continue;
		c->counters.likes++;
		ctl_mcast_add(c, nwid, &g, m->source, now);
	}
	return only_ours;
}

bool ctl_mcast_gather(struct zt_controller *c, const struct zt_node_msg *m, int64_t now)
{
	struct zt_rd r;
	struct zt_mcast_group g;
	zt_rd_init(&r, m->payload, m->len);
	uint64_t nwid = zt_rd_u64(&r);
	zt_rd_u8(&r); /* flags: a COM may follow; the controller needs none */
	zt_mcast_group_read(&g, &r);
	uint32_t limit = zt_rd_u32(&r);
	if (r.bad) {
		c->counters.malformed++;
		return true;
	}
	if (nwid >> 24 != c->address)
		return false;
	c->counters.gathers++;
	if (limit == 0 || !configured_recently(c, nwid, m->source, now))
		return true;
	struct ctl_group *e = group_find(c, nwid, &g);
	if (!e || !e->count)
		return true;

	/* Ourselves first if our own node subscribed (as stock lists itself), then others in random order,
	 * never the asker; as many as the limit and one packet allow. */
	size_t max = (ZT_PACKET_MAX_PAYLOAD - 33) / 5, n = 0;
	if (limit > 0xffff)
		limit = 0xffff;
	if (max > limit)
		max = limit;
	uint8_t *pkt = malloc(33 + 5 * max);
	size_t *order = malloc(e->count * sizeof(*order));
	if (!pkt || !order) {
		free(pkt);
		free(order);
		return true;
	}
	struct zt_wr w;
	zt_wr_init(&w, pkt, 33 + 5 * max);
	zt_wr_u8(&w, ZT_VERB_MULTICAST_GATHER);
	zt_wr_u64(&w, m->packet_id);
	zt_wr_u64(&w, nwid);
	zt_mcast_group_write(&g, &w);
	zt_wr_u32(&w, (uint32_t)e->count);
	uint8_t *count_at = zt_wr_reserve(&w, 2);
	for (size_t i = 0; i < e->count; i++) {
		if (e->subs[i].member == c->address && n < max) {
			zt_wr_u40(&w, c->address);
			n++;
		}
		order[i] = i;
	}
	for (size_t i = e->count; i > 1; i--) {
		size_t k = (size_t)(ctl_random_u64(c) % i), t = order[i - 1];
		order[i - 1] = order[k];
		order[k] = t;
	}
	for (size_t i = 0; i < e->count && n < max; i++) {
		uint64_t a = e->subs[order[i]].member;
		if (a == m->source || a == c->address)
			continue;
		zt_wr_u40(&w, a);
		n++;
	}
	if (n && count_at && !w.bad) {
		count_at[0] = (uint8_t)(n >> 8);
		count_at[1] = (uint8_t)n;
		ctl_send(c, m->source, ZT_VERB_OK, pkt, w.len, now);
		c->counters.gathers_answered++;
	}
	free(order);
	free(pkt);
	return true;
}

static void drop_subs(struct zt_controller *c,
                      bool (*gone)(const struct ctl_group *, const struct ctl_sub *, const void *),
                      const void *arg)
{
	for (size_t i = 0; i < c->group_buckets; i++) {
		struct ctl_group **pp = &c->groups[i];
		while (*pp) {
			struct ctl_group *e = *pp;
			size_t out = 0;
			for (size_t k = 0; k < e->count; k++) {
				if (gone(e, &e->subs[k], arg))
					c->sub_count--;
				else
					e->subs[out++] = e->subs[k];
			}
			e->count = out;
			if (!e->count) {
				*pp = e->next;
				free(e->subs);
				free(e);
				c->group_count--;
			} else {
				pp = &e->next;
			}
		}
	}
}

static bool expired(const struct ctl_group *e, const struct ctl_sub *s, const void *arg)
{
	(void)e;
	return *(const int64_t *)arg - s->last >= ZT_CONTROLLER_LIKE_EXPIRE_MS;
}

void ctl_mcast_expire(struct zt_controller *c, int64_t now)
{
	drop_subs(c, expired, &now);
}

static bool of_network(const struct ctl_group *e, const struct ctl_sub *s, const void *arg)
{
	(void)s;
	return e->nwid == *(const uint64_t *)arg;
}

void ctl_mcast_forget_network(struct zt_controller *c, uint64_t nwid)
{
	drop_subs(c, of_network, &nwid);
}

struct who {
	uint64_t nwid, member;
};

static bool of_member(const struct ctl_group *e, const struct ctl_sub *s, const void *arg)
{
	const struct who *w = arg;
	return e->nwid == w->nwid && s->member == w->member;
}

void ctl_mcast_forget_member(struct zt_controller *c, uint64_t nwid, uint64_t member)
{
	struct who w = {nwid, member};
	drop_subs(c, of_member, &w);
}

void ctl_mcast_free_all(struct zt_controller *c)
{
	for (size_t i = 0; i < c->group_buckets; i++) {
		struct ctl_group *e = c->groups[i], *next;
		for (; e; e = next) {
			next = e->next;
			free(e->subs);
			free(e);
		}
	}
	free(c->groups);
	c->groups = NULL;
	c->group_buckets = c->group_count = c->sub_count = 0;
}
