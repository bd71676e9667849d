#include "vl1/peer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_VERSION 1

int zt_peer_new(struct zt_peer **out, const struct zt_identity *me, const struct zt_identity *id, int64_t now)
{
	struct zt_peer *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->id = *id;
	memset(p->id.priv, 0, sizeof(p->id.priv));
	p->id.has_priv = false;
	int ret = zt_identity_agree(me, &p->id, p->key);
	if (ret) {
		free(p);
		return ret;
	}
	(void)zt_gmac_siv_keys_derive(&p->siv, p->key);
	p->proto = p->major = p->minor = p->rev = -1;
	p->latency = -1;
	p->created = now;
	*out = p;
	return 0;
}

void zt_peer_free(struct zt_peer *p)
{
	if (!p)
		return;
	zt_wipe(p->key, sizeof(p->key));
	zt_gmac_siv_keys_free(&p->siv);
	free(p);
}

static unsigned bucket_of(uint64_t address)
{
	/* Addresses are the tail of a hash, so their low bits are already uniform. */
	return (unsigned)(address % ZT_PEER_BUCKETS);
}

struct zt_peer *zt_peers_find(const struct zt_peer_table *t, uint64_t address)
{
	for (struct zt_peer *p = t->buckets[bucket_of(address)]; p; p = p->next)
		if (p->id.address == address)
			return p;
	return NULL;
}

void zt_peers_insert(struct zt_peer_table *t, struct zt_peer *p)
{
	unsigned b = bucket_of(p->id.address);
	p->next = t->buckets[b];
	t->buckets[b] = p;
	t->count++;
}

void zt_peers_remove(struct zt_peer_table *t, struct zt_peer *p)
{
	for (struct zt_peer **pp = &t->buckets[bucket_of(p->id.address)]; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			p->next = NULL;
			t->count--;
			return;
		}
	}
}

struct zt_peer *zt_peers_next(const struct zt_peer_table *t, unsigned *bucket, struct zt_peer *p)
{
	if (p && p->next)
		return p->next;
	if (p)
		(*bucket)++;
	for (; *bucket < ZT_PEER_BUCKETS; (*bucket)++)
		if (t->buckets[*bucket])
			return t->buckets[*bucket];
	return NULL;
}

void zt_peers_clear(struct zt_peer_table *t)
{
	for (unsigned b = 0; b < ZT_PEER_BUCKETS; b++) {
		struct zt_peer *p = t->buckets[b];
		while (p) {
			struct zt_peer *next = p->next;
			zt_peer_free(p);
			p = next;
		}
		t->buckets[b] = NULL;
	}
	t->count = 0;
}

static uint8_t version_byte(int v)
{
	return v < 0 ? 0xff : (uint8_t)v;
}

int zt_peer_record_encode(const struct zt_peer *p, uint8_t *out, size_t cap)
{
	struct zt_wr w;
	unsigned n = 0;
	zt_wr_init(&w, out, cap);
	zt_wr_u8(&w, RECORD_VERSION);
	zt_identity_write(&p->id, false, &w);
	zt_wr_u8(&w, version_byte(p->proto));
	zt_wr_u8(&w, version_byte(p->major));
	zt_wr_u8(&w, version_byte(p->minor));
	zt_wr_u16(&w, p->rev < 0 ? 0xffff : (uint16_t)p->rev);
	for (unsigned i = 0; i < p->n_paths; i++)
		n += p->paths[i].confirmed;
	zt_wr_u8(&w, (uint8_t)n);
	for (unsigned i = 0; i < p->n_paths; i++)
		if (p->paths[i].confirmed)
			zt_inetaddr_write(&p->paths[i].addr, &w);
	return w.bad ? -ENOSPC : (int)w.len;
}

static int version_int(unsigned v, unsigned unknown)
{
	return v == unknown ? -1 : (int)v;
}

int zt_peer_record_decode(struct zt_peer_record *r, const uint8_t *buf, size_t len)
{
	struct zt_rd rd;
	memset(r, 0, sizeof(*r));
	zt_rd_init(&rd, buf, len);
	if (zt_rd_u8(&rd) != RECORD_VERSION || zt_identity_read(&r->id, &rd) != 0 || r->id.has_priv)
		goto bad;
	r->proto = version_int(zt_rd_u8(&rd), 0xff);
	r->major = version_int(zt_rd_u8(&rd), 0xff);
	r->minor = version_int(zt_rd_u8(&rd), 0xff);
	r->rev = version_int(zt_rd_u16(&rd), 0xffff);
	unsigned n = zt_rd_u8(&rd);
	if (n > ZT_NODE_MAX_PATHS)
		goto bad;
	for (unsigned i = 0; i < n; i++)
		if (zt_inetaddr_read(&r->addrs[r->n_addrs], &rd) == 0 &&
		    r->addrs[r->n_addrs].family != ZT_INET_NONE)
			r->n_addrs++;
	if (zt_rd_done(&rd))
		return 0;
bad:
	memset(r, 0, sizeof(*r));
	return -EBADMSG;
}
