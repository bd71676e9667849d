/* What the controller remembers about members' requests (not persisted): a hash table keyed by (network,
 * address), bounded by max_member_status; entries go once nothing refers to them for 180 s. */
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"

static size_t hash_to(uint64_t nwid, uint64_t address, size_t buckets)
{
	uint64_t h = (nwid * 0x9e3779b97f4a7c15ULL) ^ (address * 0xc2b2ae3d27d4eb4fULL);
	return (size_t)(h ^ (h >> 29)) & (buckets - 1);
}

static size_t bucket_of(const struct zt_controller *c, uint64_t nwid, uint64_t address)
{
	return hash_to(nwid, address, c->status_buckets);
}

struct ctl_status *ctl_status_find(struct zt_controller *c, uint64_t nwid, uint64_t address)
{
	if (!c->status_buckets)
		return NULL;
	for (struct ctl_status *s = c->status[bucket_of(c, nwid, address)]; s; s = s->next)
		if (s->nwid == nwid && s->address == address)
			return s;
	return NULL;
}

static void status_free(struct ctl_status *s)
{
	free(s->md);
	free(s->pending);
	zt_identity_wipe(&s->identity);
	free(s);
}

static void unlink_status(struct zt_controller *c, struct ctl_status *s)
{
	struct ctl_status **pp = &c->status[bucket_of(c, s->nwid, s->address)];
	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = s->next;
		c->status_count--;
	}
}

static int64_t last_use(const struct ctl_status *s)
{
	return s->last_request > s->configured_at ? s->last_request : s->configured_at;
}

static bool grow(struct zt_controller *c)
{
	size_t nb = c->status_buckets ? c->status_buckets * 2 : 256;
	struct ctl_status **t = calloc(nb, sizeof(*t));
	if (!t)
		return false;
	for (size_t i = 0; i < c->status_buckets; i++) {
		struct ctl_status *s = c->status[i], *next;
		for (; s; s = next) {
			next = s->next;
			size_t b = hash_to(s->nwid, s->address, nb);
			s->next = t[b];
			t[b] = s;
		}
	}
	free(c->status);
	c->status = t;
	c->status_buckets = nb;
	return true;
}

/* At the bound the least recently used entry without pending revocations makes room: O(n), only when full. */
static void evict_one(struct zt_controller *c)
{
	struct ctl_status *victim = NULL;
	for (size_t i = 0; i < c->status_buckets; i++)
		for (struct ctl_status *s = c->status[i]; s; s = s->next)
			if (!s->pending_count && (!victim || last_use(s) < last_use(victim)))
				victim = s;
	if (victim) {
		unlink_status(c, victim);
		status_free(victim);
	}
}

struct ctl_status *ctl_status_get(struct zt_controller *c, uint64_t nwid, uint64_t address, int64_t now)
{
	struct ctl_status *s = ctl_status_find(c, nwid, address);
	(void)now;
	if (s)
		return s;
	if (c->status_count >= c->cfg.max_member_status)
		evict_one(c);
	if (c->status_count >= c->cfg.max_member_status)
		return NULL;
	if (c->status_count >= c->status_buckets && !grow(c) && !c->status_buckets)
		return NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return NULL;
	s->nwid = nwid;
	s->address = address;
	size_t b = bucket_of(c, nwid, address);
	s->next = c->status[b];
	c->status[b] = s;
	c->status_count++;
	return s;
}

bool ctl_status_online(const struct ctl_status *s, int64_t now)
{
	return s->last_request && now - s->last_request < ZT_CONTROLLER_ONLINE_MS;
}

void ctl_status_expire(struct zt_controller *c, int64_t now)
{
	for (size_t i = 0; i < c->status_buckets; i++) {
		struct ctl_status **pp = &c->status[i];
		while (*pp) {
			struct ctl_status *s = *pp;
			if (!s->pending_count && now - last_use(s) > ZT_CONTROLLER_CONFIGURED_MS) {
				*pp = s->next;
				c->status_count--;
				status_free(s);
			} else {
				pp = &s->next;
			}
		}
	}
}

void ctl_status_free_all(struct zt_controller *c)
{
	for (size_t i = 0; i < c->status_buckets; i++) {
		struct ctl_status *s = c->status[i], *next;
		for (; s; s = next) {
			next = s->next;
			status_free(s);
		}
	}
	free(c->status);
	c->status = NULL;
	c->status_buckets = c->status_count = 0;
}

void ctl_status_each(struct zt_controller *c, uint64_t nwid,
                     void (*fn)(struct zt_controller *, struct ctl_status *, void *), void *arg)
{
	for (size_t i = 0; i < c->status_buckets; i++)
		for (struct ctl_status *s = c->status[i]; s; s = s->next)
			if (s->nwid == nwid)
				fn(c, s, arg);
}
