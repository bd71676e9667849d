/* Serving members (spec §9.2, §9.6, §9.7): authorization and identity pinning, the member record's updates,
 * signed config chunks (answers and pushes), ERRORs, and revocations paced to what stock members accept. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"
#include "vl2/netcred.h"
#include "vl2/vl2_wire.h"

int ctl_send(struct zt_controller *c, uint64_t dest, uint8_t verb, const void *p, size_t len, int64_t now)
{
	int rc = c->cb.send(c->arg, dest, verb, p, len, now);
	if (rc < 0)
		c->counters.send_errors++;
	return rc;
}

void ctl_send_error(struct zt_controller *c, uint64_t dest, uint64_t in_re, uint8_t code, uint64_t nwid,
                    int64_t now)
{
	uint8_t buf[18];
	struct zt_wr w;
	zt_wr_init(&w, buf, sizeof(buf));
	zt_vl2_error_write(&w, ZT_VERB_NETWORK_CONFIG_REQUEST, in_re, code, nwid);
	ctl_send(c, dest, ZT_VERB_ERROR, buf, w.len, now);
}

/* The serialized dictionary, in a buffer that grows to the stock limit. */
static int encode(const struct zt_netconf *nc, uint8_t **out, size_t *len)
{
	for (size_t cap = 16384;; cap *= 4) {
		if (cap >= ZT_DICT_NETCONF_CAP)
			cap = ZT_DICT_NETCONF_CAP - 1;
		uint8_t *buf = malloc(cap);
		struct zt_wr w;
		int rc;
		if (!buf)
			return -ENOMEM;
		zt_wr_init(&w, buf, cap);
		rc = zt_netconf_encode(nc, &w);
		if (rc == 0) {
			*out = buf;
			*len = w.len;
			return 0;
		}
		free(buf);
		if (rc != -ENOSPC || cap == ZT_DICT_NETCONF_CAP - 1)
			return rc;
	}
}

/* Spec §9.6: slices of at most 9740 bytes, each signed over [nwid .. index], all with one update ID; as OK
 * chunks quoting the request (in_re != 0) or as NETWORK_CONFIG pushes. */
static int send_config(struct zt_controller *c, uint64_t dest, uint64_t in_re, const struct zt_netconf *nc,
                       int64_t now)
{
	uint8_t *dict, *pkt;
	size_t total, off = 0;
	uint64_t update_id;
	int rc = encode(nc, &dict, &total);
	if (rc)
		return rc;
	if (!(pkt = malloc(ZT_PACKET_MAX_PAYLOAD))) {
		free(dict);
		return -ENOMEM;
	}
	do
		update_id = ctl_random_u64(c);
	while (!update_id);
	do {
		size_t n = total - off < ZT_CONTROLLER_MAX_CHUNK ? total - off : ZT_CONTROLLER_MAX_CHUNK;
		struct zt_wr w;
		uint8_t sig[ZT_SIGNATURE_LEN];
		size_t start;
		zt_wr_init(&w, pkt, ZT_PACKET_MAX_PAYLOAD);
		if (in_re) {
			zt_wr_u8(&w, ZT_VERB_NETWORK_CONFIG_REQUEST);
			zt_wr_u64(&w, in_re);
		}
		start = w.len;
		zt_wr_u64(&w, nc->nwid);
		zt_wr_u16(&w, (uint16_t)n);
		zt_wr_bytes(&w, dict + off, n);
		zt_wr_u8(&w, 0);
		zt_wr_u64(&w, update_id);
		zt_wr_u32(&w, (uint32_t)total);
		zt_wr_u32(&w, (uint32_t)off);
		if (w.bad || zt_identity_sign(&c->identity, pkt + start, w.len - start, sig) != 0) {
			rc = -EINVAL;
			break;
		}
		zt_wr_u8(&w, 1);
		zt_wr_u16(&w, ZT_SIGNATURE_LEN);
		zt_wr_bytes(&w, sig, sizeof(sig));
		if (w.bad) {
			rc = -EMSGSIZE;
			break;
		}
		ctl_send(c, dest, in_re ? ZT_VERB_OK : ZT_VERB_NETWORK_CONFIG, pkt, w.len, now);
		off += n;
	} while (off < total);
	free(pkt);
	free(dict);
	return rc;
}

static bool token_ok(const struct ctl_netrec *r, const struct zt_dict *md, int64_t now, const char **which)
{
	char a[512];
	if (!md || zt_dict_get_str(md, "a", a, sizeof(a)) != 0 || strncmp(a, "token:", 6) != 0 || !a[6])
		return false;
	for (size_t i = 0; i < r->token_count; i++) {
		if (strcmp(r->tokens[i].name, a + 6) == 0 &&
		    (r->tokens[i].expires == 0 || r->tokens[i].expires > now)) {
			*which = r->tokens[i].name;
			return true;
		}
	}
	return false;
}

static bool set_version(int64_t *field, const struct zt_dict *md, const char *key)
{
	uint64_t v = 0;
	zt_dict_get_u64(md, key, &v);
	if (v > INT32_MAX)
		v = INT32_MAX;
	if (*field == (int64_t)v)
		return false;
	*field = (int64_t)v;
	return true;
}

/* Store the member if serving it changed it; the revision counts changes, as stock's FileDB does. */
static void save_member(struct zt_controller *c, struct ctl_network *n, struct ctl_member *m, bool changed)
{
	if (!changed)
		return;
	m->revision++;
	ctl_store_member(c, n->rec.id, m);
}

/* A record the controller made itself for a stranger it refused, untouched since. */
static bool pending(const struct ctl_member *m)
{
	return !m->authorized && !m->last_authorized_time && !m->last_deauthorized_time && !m->name &&
	       !m->ip_count && !m->tag_count && !m->cap_count && !m->active_bridge;
}

/* Room for one more pending record: the oldest goes when the network holds max_pending_members. */
static void make_room(struct zt_controller *c, struct ctl_network *n)
{
	struct ctl_member *oldest = NULL;
	size_t count = 0;
	for (size_t i = 0; i < n->member_count; i++) {
		struct ctl_member *m = n->members[i];
		if (!pending(m))
			continue;
		count++;
		if (!oldest || m->creation_time < oldest->creation_time)
			oldest = m;
	}
	if (count < c->cfg.max_pending_members || !oldest)
		return;
	if (ctl_store_delete_member(c, n->rec.id, oldest->address) == 0) {
		ctl_member_remove(n, oldest);
		c->counters.pending_dropped++;
	}
}

int ctl_serve(struct zt_controller *c, struct ctl_network *n, const struct zt_identity *id,
              const struct zt_dict *md, uint64_t in_re, bool local, struct zt_netconf *out, int64_t now)
{
	struct ctl_member *m = ctl_member_find(n, id->address);
	bool new_member = m == NULL, changed = new_member, ok;
	const char *token = NULL;
	struct zt_netconf *nc;
	int rc;

	/* A push never brings back a member that was deleted while online (stock's does, unauthorized). */
	if (new_member && !in_re && !out)
		return CTL_DENIED;
	if (new_member) {
		make_room(c, n);
		if (!(m = malloc(sizeof(*m))))
			return CTL_FAILED;
		ctl_member_init(m, id->address, now);
		if (ctl_member_insert(n, m) != 0) {
			free(m);
			return CTL_FAILED;
		}
	}
	/* An address is pinned to the identity it first came with: another key claiming it is refused. */
	if (m->has_identity && !zt_identity_equal(&m->identity, id)) {
		if (in_re) {
			ctl_send_error(c, id->address, in_re, ZT_ERR_NETWORK_ACCESS_DENIED, n->rec.id, now);
			c->counters.denied++;
		}
		return CTL_DENIED;
	}
	if (!m->has_identity) {
		m->identity = *id;
		zt_wipe(m->identity.priv, sizeof(m->identity.priv));
		m->identity.has_priv = false;
		m->has_identity = true;
		changed = true;
	}
	ok = m->authorized;
	enum ctl_auth_type how = CTL_AUTH_NONE;
	if (!ok && !n->rec.priv)
		how = CTL_AUTH_PUBLIC;
	else if (!ok && token_ok(&n->rec, md, now, &token))
		how = CTL_AUTH_TOKEN;
	/* a join token in a genuine request (never in a push, nor for our own node) */
	else if (!ok && (in_re || out) && !local && ctl_jt_admit(c, n, m, md, now, &token) == CTL_JT_ADMITTED)
		how = CTL_AUTH_JOINTOKEN;
	if (how != CTL_AUTH_NONE) {
		char *cred = token ? strdup(token) : NULL;
		if (token && !cred)
			return CTL_FAILED;
		m->authorized = ok = true;
		m->last_authorized_time = now;
		m->auth_type = how;
		free(m->auth_credential);
		m->auth_credential = cred;
		changed = true;
	}
	if (!ok) {
		save_member(c, n, m, changed);
		if (in_re) {
			ctl_send_error(c, id->address, in_re, ZT_ERR_NETWORK_ACCESS_DENIED, n->rec.id, now);
			c->counters.denied++;
		}
		return CTL_DENIED;
	}
	if (in_re && md) {
		changed |= set_version(&m->vmajor, md, "majv");
		changed |= set_version(&m->vminor, md, "minv");
		changed |= set_version(&m->vrev, md, "revv");
		changed |= set_version(&m->vproto, md, "pv");
	}
	if (!(nc = out ? out : malloc(sizeof(*nc))))
		return CTL_FAILED;
	rc = ctl_build_config(c, n, m, new_member, id, md, nc, &changed, now);
	save_member(c, n, m, changed);
	if (rc) {
		if (!out)
			free(nc);
		return CTL_FAILED;
	}
	if (!out) {
		if (local && c->cb.local_config)
			c->cb.local_config(c->arg, n->rec.id, nc, now);
		else if (!local)
			send_config(c, id->address, in_re, nc, now);
		zt_netconf_free(nc);
		free(nc);
	}
	struct ctl_status *s = ctl_status_find(c, n->rec.id, id->address);
	if (s)
		s->configured_at = now;
	if (in_re)
		c->counters.configs_sent++;
	else if (!local)
		c->counters.pushes++;
	return CTL_SERVED;
}

/* ---- pushes ---- */

struct push {
	struct ctl_network *n;
	uint64_t only; /* 0: every online member */
	int64_t now;
};

static void push_one(struct zt_controller *c, struct ctl_status *s, void *arg)
{
	struct push *p = arg;
	struct zt_dict md;
	if ((p->only && s->address != p->only) || !s->has_identity || !ctl_status_online(s, p->now))
		return;
	/* Stock pushes only to members that sent metadata; our own node may have sent none. */
	if (!s->md_len && !s->local)
		return;
	zt_dict_init(&md, s->md, s->md_len);
	ctl_serve(c, p->n, &s->identity, &md, 0, s->local, NULL, p->now);
}

void ctl_push_network(struct zt_controller *c, struct ctl_network *n, int64_t now)
{
	struct push p = {.n = n, .now = now};
	ctl_status_each(c, n->rec.id, push_one, &p);
}

void ctl_push_member(struct zt_controller *c, struct ctl_network *n, uint64_t address, int64_t now)
{
	struct ctl_status *s = ctl_status_find(c, n->rec.id, address);
	struct push p = {.n = n, .only = address, .now = now};
	if (s)
		push_one(c, s, &p);
}

/* ---- revocations ---- */

/* Stock members read one NETWORK_CREDENTIALS per peer per second and drop the rest, so revocations for one
 * recipient are queued and go out together, at most once a second (stock sends each at once and loses
 * all but the first of a burst). */
static void flush_one(struct zt_controller *c, struct ctl_status *s, int64_t now)
{
	uint8_t *buf;
	struct zt_wr w;
	struct zt_netcred nc = {.revocations = s->pending, .revocation_count = s->pending_count};
	if (!s->pending_count || (s->last_cred && now - s->last_cred < ZT_CONTROLLER_CRED_GAP_MS))
		return;
	if (!(buf = malloc(ZT_PACKET_MAX_PAYLOAD)))
		return;
	zt_wr_init(&w, buf, ZT_PACKET_MAX_PAYLOAD);
	if (zt_netcred_write(&nc, &w) == 0) {
		ctl_send(c, s->address, ZT_VERB_NETWORK_CREDENTIALS, buf, w.len, now);
		c->counters.revocations += s->pending_count;
	}
	free(buf);
	s->pending_count = 0;
	s->last_cred = now;
}

struct revoke {
	const struct zt_revocation *rev;
	int64_t now;
};

static void revoke_one(struct zt_controller *c, struct ctl_status *s, void *arg)
{
	struct revoke *r = arg;
	if (!ctl_status_online(s, r->now))
		return;
	if (s->local) {
		if (c->cb.local_revocation)
			c->cb.local_revocation(c->arg, r->rev, r->now);
		return;
	}
	if (!s->pending && !(s->pending = malloc(CTL_MAX_PENDING_REVOCATIONS * sizeof(*s->pending))))
		return;
	if (s->pending_count == CTL_MAX_PENDING_REVOCATIONS) { /* the oldest gives way */
		memmove(s->pending, s->pending + 1, (CTL_MAX_PENDING_REVOCATIONS - 1) * sizeof(*s->pending));
		s->pending_count--;
	}
	s->pending[s->pending_count++] = *r->rev;
	flush_one(c, s, r->now);
}

void ctl_revoke(struct zt_controller *c, uint64_t nwid, uint64_t target, int64_t now)
{
	struct zt_revocation rev;
	uint8_t id[4];
	memset(&rev, 0, sizeof(rev));
	c->cb.random(c->arg, id, sizeof(id));
	rev.id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
	rev.nwid = nwid;
	rev.threshold = now;
	rev.flags = ZT_REVOCATION_FLAG_FAST_PROPAGATE;
	rev.target = target;
	rev.type = ZT_CREDENTIAL_COM;
	if (zt_revocation_sign(&rev, &c->identity) != 0)
		return;
	struct revoke r = {.rev = &rev, .now = now};
	ctl_status_each(c, nwid, revoke_one, &r);
}

int64_t ctl_flush_revocations(struct zt_controller *c, int64_t now)
{
	int64_t next = INT64_MAX;
	for (size_t i = 0; i < c->status_buckets; i++) {
		for (struct ctl_status *s = c->status[i]; s; s = s->next) {
			flush_one(c, s, now);
			if (s->pending_count && s->last_cred + ZT_CONTROLLER_CRED_GAP_MS < next)
				next = s->last_cred + ZT_CONTROLLER_CRED_GAP_MS;
		}
	}
	return next;
}
