/* Peers on a network (spec §6): the credentials they presented (COM, COOs, tags, revocation thresholds),
 * the gate a private network puts in front of every frame, and when we push our own credentials. */
#include "vl2/vl2_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vl2/netcred.h"

/* ---- the member table: sorted by address, bounded, least recently used forgotten first ---- */

static size_t lower_bound(const struct vl2_net *n, uint64_t address)
{
	size_t lo = 0, hi = n->n_members;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (n->members[mid]->address < address)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void remove_at(struct vl2_net *n, size_t i)
{
	free(n->members[i]);
	memmove(&n->members[i], &n->members[i + 1], (n->n_members - i - 1) * sizeof(n->members[0]));
	n->n_members--;
}

struct vl2_member *vl2_member(struct vl2_net *n, uint64_t address, bool create, int64_t now)
{
	size_t i = lower_bound(n, address);
	if (i < n->n_members && n->members[i]->address == address)
		return n->members[i];
	if (!create || !address)
		return NULL;
	if (!n->members) {
		n->members = calloc(VL2_MAX_MEMBERS, sizeof(n->members[0]));
		if (!n->members)
			return NULL;
	}
	if (n->n_members == VL2_MAX_MEMBERS) {
		size_t old = 0;
		for (size_t j = 1; j < n->n_members; j++)
			if (n->members[j]->last_used < n->members[old]->last_used)
				old = j;
		remove_at(n, old);
		i = lower_bound(n, address);
	}
	struct vl2_member *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->address = address;
	m->last_used = now;
	memmove(&n->members[i + 1], &n->members[i], (n->n_members - i) * sizeof(n->members[0]));
	n->members[i] = m;
	n->n_members++;
	return m;
}

void vl2_members_free(struct vl2_net *n)
{
	for (size_t i = 0; i < n->n_members; i++)
		free(n->members[i]);
	free(n->members);
	n->members = NULL;
	n->n_members = 0;
}

/* ---- the gate ---- */

bool vl2_gate(struct zt_vl2 *v, struct vl2_net *n, const struct zt_identity *id, int64_t now)
{
	(void)v;
	(void)now;
	if (!n->conf)
		return false;
	if (n->conf->type == ZT_NETWORK_PUBLIC)
		return true;
	struct vl2_member *m = vl2_member(n, id->address, false, 0);
	if (!m || !m->com.count || zt_com_timestamp(&m->com) <= m->com_revoked_before)
		return false;
	int64_t mine = zt_com_timestamp(&n->conf->com);
	if (!m->agree_valid || m->agree_mine_ts != mine) {
		m->agree = zt_com_agrees(&n->conf->com, &m->com, id);
		m->agree_valid = true;
		m->agree_mine_ts = mine;
	}
	return m->agree;
}

bool vl2_gate_traffic(struct zt_vl2 *v, struct vl2_net *n, const struct zt_identity *id, int64_t now)
{
	if (!vl2_gate(v, n, id, now))
		return false;
	struct vl2_member *m = vl2_member(n, id->address, true, now);
	if (!m)
		return true;
	m->last_used = now;
	if (now - m->last_announced >= VL2_ANNOUNCE_MS) {
		m->last_announced = now;
		struct zt_mcast_group g[ZT_VL2_MAX_SUBSCRIPTIONS + ZT_MAX_ZT_ASSIGNED_ADDRESSES + 1];
		size_t k = vl2_my_groups(n, g, sizeof(g) / sizeof(g[0]));
		vl2_announce_to(v, n, id->address, id->address != n->controller, g, k, now);
	}
	return true;
}

/* ---- pushing ours ---- */

void vl2_push_credentials(struct zt_vl2 *v, struct vl2_net *n, uint64_t dest, int64_t now)
{
	const struct zt_netconf *c = n->conf;
	if (!c || dest == v->self)
		return;
	if (!c->com.count && !c->capability_count && !c->tag_count && !c->coo_count)
		return;
	struct zt_netcred cred = {.coms = &c->com,
	                          .com_count = c->com.count ? 1 : 0,
	                          .capabilities = c->capabilities,
	                          .capability_count = c->capability_count,
	                          .tags = c->tags,
	                          .tag_count = c->tag_count,
	                          .coos = c->coos,
	                          .coo_count = c->coo_count};
	uint8_t *buf = malloc(ZT_PACKET_MAX_PAYLOAD);
	if (!buf)
		return;
	struct zt_wr w;
	zt_wr_init(&w, buf, ZT_PACKET_MAX_PAYLOAD);
	if (zt_netcred_write(&cred, &w) != 0) {
		/* Stock splits what does not fit over several packets, which its receivers then rate-limit
		 * away; we send what matters for the gate and rules' sender-IP checks. */
		cred.capability_count = cred.tag_count = 0;
		zt_wr_init(&w, buf, ZT_PACKET_MAX_PAYLOAD);
		(void)zt_netcred_write(&cred, &w);
	}
	if (!w.bad && vl2_send(v, dest, ZT_VERB_NETWORK_CREDENTIALS, buf, w.len, now, NULL) >= 0)
		v->c.credentials_sent++;
	free(buf);
	struct vl2_member *m = vl2_member(n, dest, true, now);
	if (m)
		m->last_pushed = now;
}

void vl2_push_if_due(struct zt_vl2 *v, struct vl2_net *n, uint64_t dest, int64_t now)
{
	struct vl2_member *m = vl2_member(n, dest, true, now);
	if (!m)
		return;
	m->last_used = now;
	/* Never twice within a second: a stock receiver would drop the second (spec §6.4). */
	bool due = !m->last_pushed || m->last_pushed < n->last_config_update ||
	           now - m->last_pushed >= VL2_CRED_PUSH_MS;
	if (due && (!m->last_pushed || now - m->last_pushed >= VL2_CRED_REPUSH_MIN_MS))
		vl2_push_credentials(v, n, dest, now);
}

void vl2_need_com_in(struct zt_vl2 *v, const struct zt_node_reply *r, int64_t now)
{
	struct zt_rd rd;
	zt_rd_init(&rd, r->payload, r->len);
	uint64_t nwid = zt_rd_u64(&rd);
	struct vl2_net *n = rd.bad ? NULL : vl2_net_find(v, nwid);
	if (!n || !n->conf || !n->conf->com.count)
		return;
	v->c.need_com_in++;
	struct vl2_member *m = vl2_member(n, r->source, true, now);
	if (m && (m->last_pushed < n->last_config_update || now - m->last_pushed >= VL2_CRED_REPUSH_MIN_MS))
		vl2_push_credentials(v, n, r->source, now);
}

/* ---- taking theirs ---- */

struct cred_ctx {
	struct zt_vl2 *v;
	const struct zt_node_msg *m;
	int64_t now;
	uint64_t released[8], released_nwid[8]; /* members whose new COM may release held frames */
	unsigned n_released;
	uint64_t wait_for; /* the signer to WHOIS before this packet can be read */
};

/* The controller identity that signs n's credentials; NULL (and a WHOIS) if we lack it. */
static const struct zt_identity *signer_of(struct zt_vl2 *v, struct vl2_net *n, uint64_t signer,
                                           struct zt_identity *tmp, int64_t now)
{
	if (signer != n->controller)
		return NULL;
	return vl2_identity(v, signer, tmp, true, now);
}

/* 1 new, 0 redundant or not ours, -EAGAIN signer unknown, -EPERM refused. */
static int com_add(struct zt_vl2 *v, const struct zt_com *com, int64_t now)
{
	struct vl2_net *n = vl2_net_find(v, zt_com_network_id(com));
	uint64_t to = zt_com_issued_to(com);
	if (!n || to == v->self)
		return 0;
	if (com->signer != n->controller || !to)
		return -EPERM;
	struct vl2_member *m = vl2_member(n, to, true, now);
	if (!m)
		return -EPERM;
	int64_t ts = zt_com_timestamp(com);
	if (ts <= m->com_revoked_before || (m->com.count && ts < zt_com_timestamp(&m->com)))
		return -EPERM;
	if (m->com.count && zt_com_equal(&m->com, com))
		return 0;
	struct zt_identity tmp;
	const struct zt_identity *ctl = signer_of(v, n, com->signer, &tmp, now);
	if (!ctl)
		return -EAGAIN;
	if (zt_com_verify(com, ctl) != 0)
		return -EPERM;
	m->com = *com;
	m->agree_valid = false;
	return 1;
}

static int visit_com(void *arg, const struct zt_com *com)
{
	struct cred_ctx *x = arg;
	int ret = com_add(x->v, com, x->now);
	if (ret == -EAGAIN) {
		x->wait_for = com->signer;
		return ret;
	}
	if (ret < 0) {
		x->v->c.credentials_rejected++;
		return 0;
	}
	x->v->c.credentials_in++;
	if (ret == 1 && x->n_released < sizeof(x->released) / sizeof(x->released[0])) {
		x->released_nwid[x->n_released] = zt_com_network_id(com);
		x->released[x->n_released++] = zt_com_issued_to(com);
	}
	return 0;
}

static int64_t rev_threshold(const struct vl2_member *m, uint8_t type, uint32_t id)
{
	for (size_t i = 0; i < m->n_revs; i++)
		if (m->revs[i].type == type && m->revs[i].id == id)
			return m->revs[i].threshold;
	return INT64_MIN;
}

/* What a credential other than a COM is about, and who signed it. */
struct cred_subject {
	struct vl2_net *n;
	struct vl2_member *m;
	const struct zt_identity *ctl;
	struct zt_identity tmp; /* where ctl may point */
};

/* The first steps for such a credential, about member `subject` of network nwid: 1 to go on with k->n,
 * k->m (NULL: no room) and k->ctl (the signer's identity; NULL: not the network's controller) set, the
 * caller rejecting the credential if either is NULL; 0 to ignore it (not one of our networks); -EAGAIN
 * while the controller's identity is asked for (WHOIS). */
static int cred_subject(struct cred_ctx *x, uint64_t nwid, uint64_t signer, uint64_t subject,
                        struct cred_subject *k)
{
	k->n = vl2_net_find(x->v, nwid);
	if (!k->n)
		return 0;
	k->ctl = signer_of(x->v, k->n, signer, &k->tmp, x->now);
	if (!k->ctl && signer == k->n->controller) {
		x->wait_for = signer;
		return -EAGAIN;
	}
	k->m = vl2_member(k->n, subject, true, x->now);
	return 1;
}

/* Credentials other than COMs are honoured only within the COM window of our own config (spec §6.7). */
static bool in_window(const struct vl2_net *n, int64_t ts)
{
	int64_t d = ts - n->conf->timestamp;
	return (d < 0 ? -d : d) <= n->conf->credential_time_max_delta;
}

static int visit_coo(void *arg, const struct zt_coo *coo)
{
	struct cred_ctx *x = arg;
	struct cred_subject k;
	if (coo->issued_to == x->v->self)
		return 0;
	int rc = cred_subject(x, coo->nwid, coo->signer, coo->issued_to, &k);
	if (rc <= 0)
		return rc;
	struct vl2_member *m = k.m;
	if (!k.ctl || !m || rev_threshold(m, ZT_CREDENTIAL_COO, coo->id) >= coo->timestamp ||
	    zt_coo_verify(coo, k.ctl) != 0) {
		x->v->c.credentials_rejected++;
		return 0;
	}
	size_t i = 0;
	while (i < m->n_coos && m->coos[i].id != coo->id)
		i++;
	if (i < m->n_coos && m->coos[i].timestamp > coo->timestamp)
		return 0;
	if (i == m->n_coos) {
		if (m->n_coos == ZT_MAX_CERTIFICATES_OF_OWNERSHIP)
			i = 0; /* replace the first: a member has one COO from a stock controller */
		else
			m->n_coos++;
	}
	m->coos[i] = *coo;
	x->v->c.credentials_in++;
	return 0;
}

static int visit_tag(void *arg, const struct zt_tag *tag)
{
	struct cred_ctx *x = arg;
	struct cred_subject k;
	if (tag->issued_to == x->v->self)
		return 0;
	int rc = cred_subject(x, tag->nwid, tag->signer, tag->issued_to, &k);
	if (rc <= 0)
		return rc;
	struct vl2_member *m = k.m;
	if (!k.ctl || !m || rev_threshold(m, ZT_CREDENTIAL_TAG, tag->id) >= tag->timestamp ||
	    zt_tag_verify(tag, k.ctl) != 0) {
		x->v->c.credentials_rejected++;
		return 0;
	}
	size_t i = 0;
	while (i < m->n_tags && m->tags[i].id < tag->id)
		i++;
	if (i < m->n_tags && m->tags[i].id == tag->id) {
		if (m->tags[i].timestamp <= tag->timestamp)
			m->tags[i] = *tag;
	} else if (m->n_tags < VL2_MEMBER_TAGS) {
		memmove(&m->tags[i + 1], &m->tags[i], (m->n_tags - i) * sizeof(m->tags[0]));
		m->tags[i] = *tag;
		m->n_tags++;
	}
	x->v->c.credentials_in++;
	return 0;
}

static void forward_revocation(struct zt_vl2 *v, struct vl2_net *n, const struct zt_revocation *rev,
                               uint64_t from, int64_t now)
{
	uint8_t buf[256];
	struct zt_wr w;
	struct zt_netcred c = {.revocations = rev, .revocation_count = 1};
	zt_wr_init(&w, buf, sizeof(buf));
	if (zt_netcred_write(&c, &w) != 0)
		return;
	for (size_t i = 0; i < n->n_members; i++) {
		uint64_t a = n->members[i]->address;
		if (a != from && a != rev->signer && a != v->self)
			(void)vl2_send(v, a, ZT_VERB_NETWORK_CREDENTIALS, buf, w.len, now, NULL);
	}
}

static int visit_revocation(void *arg, const struct zt_revocation *rev)
{
	struct cred_ctx *x = arg;
	struct cred_subject k;
	int rc = cred_subject(x, rev->nwid, rev->signer, rev->target, &k);
	if (rc <= 0)
		return rc;
	struct vl2_member *m = k.m;
	if (!k.ctl || !m || zt_revocation_verify(rev, k.ctl) != 0) {
		x->v->c.credentials_rejected++;
		return 0;
	}
	bool fresh = false;
	if (rev->type == ZT_CREDENTIAL_COM) {
		if (rev->threshold > m->com_revoked_before) {
			m->com_revoked_before = rev->threshold;
			fresh = true;
		}
	} else {
		size_t i = 0;
		while (i < m->n_revs &&
		       !(m->revs[i].type == rev->type && m->revs[i].id == rev->credential_id))
			i++;
		if (i == m->n_revs) {
			if (m->n_revs == VL2_MEMBER_REVS)
				i = 0; /* bounded: the first gives way */
			else
				m->n_revs++;
			m->revs[i].type = rev->type;
			m->revs[i].id = rev->credential_id;
			m->revs[i].threshold = INT64_MIN;
		}
		if (rev->threshold > m->revs[i].threshold) {
			m->revs[i].threshold = rev->threshold;
			fresh = true;
		}
	}
	x->v->c.revocations_in++;
	if (fresh && (rev->flags & ZT_REVOCATION_FLAG_FAST_PROPAGATE))
		forward_revocation(x->v, k.n, rev, x->m->source, x->now);
	return 0;
}

static int visit_capability(void *arg, const struct zt_capability *cap)
{
	/* Parsed and skipped: a peer's capabilities are not kept (see vl2.h's notes on rules). */
	(void)arg;
	(void)cap;
	return 0;
}

static bool rate_ok(struct zt_vl2 *v, uint64_t source, int64_t now)
{
	unsigned slot = 0;
	for (unsigned i = 0; i < VL2_CRED_RATE_SLOTS; i++) {
		if (v->cred_rate[i].address == source) {
			slot = i;
			goto found;
		}
		if (v->cred_rate[i].window < v->cred_rate[slot].window)
			slot = i;
	}
	v->cred_rate[slot].address = source;
	v->cred_rate[slot].window = now;
	v->cred_rate[slot].count = 0;
found:
	if (now - v->cred_rate[slot].window >= 1000) {
		v->cred_rate[slot].window = now;
		v->cred_rate[slot].count = 0;
	}
	return ++v->cred_rate[slot].count <= VL2_CRED_RATE_BURST;
}

static const struct zt_netcred_visitor cred_visitor = {
    .com = visit_com,
    .capability = visit_capability,
    .tag = visit_tag,
    .revocation = visit_revocation,
    .coo = visit_coo,
};

void vl2_credentials_in(struct zt_vl2 *v, const struct zt_node_msg *m, int64_t now)
{
	if (m->source != v->self && !v->replay_depth && !rate_ok(v, m->source, now)) {
		v->c.credentials_rejected++;
		return;
	}
	struct cred_ctx x = {.v = v, .m = m, .now = now};
	int ret = zt_netcred_read(m->payload, m->len, &cred_visitor, &x);
	if (ret == -EAGAIN)
		vl2_hold(v, m, x.wait_for, 0,
		         now); /* WHOIS asked: the packet runs again when it is answered */
	else if (ret < 0) {
		v->c.drop_malformed++;
	}
	for (unsigned i = 0; i < x.n_released; i++)
		vl2_release(v, x.released[i], x.released_nwid[i], now);
}

void vl2_com_in(struct zt_vl2 *v, const struct zt_com *com, int64_t now)
{
	int ret = com_add(v, com, now);
	if (ret == 1) {
		v->c.credentials_in++;
		vl2_release(v, zt_com_issued_to(com), zt_com_network_id(com), now);
	} else if (ret == -EPERM) {
		v->c.credentials_rejected++;
	}
}

void vl2_member_rules_env(struct vl2_net *n, struct vl2_member *m, struct vl2_rule_creds *rc,
                          struct zt_rules_env *env)
{
	rc->n_coos = rc->n_tags = 0;
	if (m && n->conf) {
		for (size_t i = 0; i < m->n_coos; i++)
			if (in_window(n, m->coos[i].timestamp) &&
			    rev_threshold(m, ZT_CREDENTIAL_COO, m->coos[i].id) < m->coos[i].timestamp)
				rc->coos[rc->n_coos++] = m->coos[i];
		for (size_t i = 0; i < m->n_tags; i++)
			if (in_window(n, m->tags[i].timestamp) &&
			    rev_threshold(m, ZT_CREDENTIAL_TAG, m->tags[i].id) < m->tags[i].timestamp)
				rc->tags[rc->n_tags++] = m->tags[i];
	}
	env->remote_tags = rc->tags;
	env->remote_tag_count = rc->n_tags;
}
