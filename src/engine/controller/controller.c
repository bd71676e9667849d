/* The controller's entry points: life cycle, loading stored records, packets from the node, the local
 * member, ticks. The work itself lives in ctl_serve.c (members), ctl_mcast.c, ctl_api.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"
#include "json.h"

void zt_controller_config_init(struct zt_controller_config *c)
{
	memset(c, 0, sizeof(*c));
	c->credential_window_min = ZT_CTMD_MIN;
	c->credential_window_max = ZT_CTMD_MAX;
	c->max_member_status = 65536;
	c->max_subscriptions = 65536;
	c->max_pending_members = 1024;
}

int zt_controller_new(struct zt_controller **out, const struct zt_controller_callbacks *cb, void *arg,
                      const struct zt_controller_config *config, int64_t now)
{
	struct zt_controller *c;
	(void)now;
	*out = NULL;
	if (!cb || cb->version != ZT_CONTROLLER_CALLBACKS_VERSION || !cb->send || !cb->random ||
	    !cb->store_put != !cb->store_delete || !config || !config->identity ||
	    zt_identity_check_secret(config->identity) != 0 || config->credential_window_min <= 0 ||
	    config->credential_window_max < config->credential_window_min || !config->max_member_status ||
	    !config->max_pending_members)
		return -EINVAL;
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	c->cb = *cb;
	c->arg = arg;
	c->identity = *config->identity;
	c->address = config->identity->address;
	c->cfg = *config;
	c->cfg.identity = &c->identity;
	*out = c;
	return 0;
}

void zt_controller_free(struct zt_controller *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->network_count; i++)
		ctl_network_free(c->networks[i]);
	free(c->networks);
	ctl_status_free_all(c);
	ctl_mcast_free_all(c);
	zt_identity_wipe(&c->identity);
	free(c);
}

uint64_t zt_controller_address(const struct zt_controller *c)
{
	return c->address;
}

void zt_controller_counters(const struct zt_controller *c, struct zt_controller_counters *out)
{
	*out = c->counters;
}

/* ---- loading ---- */

static int load_network(struct zt_controller *c, uint64_t nwid, const cJSON *j, char *err, size_t cap)
{
	struct ctl_network *n;
	int rc;
	if (ctl_network_find(c, nwid))
		return -EEXIST;
	if (!(n = calloc(1, sizeof(*n))))
		return -ENOMEM;
	ctl_netrec_init(&n->rec, nwid, 0);
	if ((rc = ctl_netrec_apply(&n->rec, j, true, err, cap)) == 0 && n->rec.id != nwid)
		rc = ctl_err(err, cap, "\"id\" is not the network the file is named after");
	if (rc == 0)
		rc = ctl_network_insert(c, n);
	if (rc)
		ctl_network_free(n);
	return rc;
}

static int load_member(struct zt_controller *c, uint64_t nwid, uint64_t address, const cJSON *j, char *err,
                       size_t cap)
{
	struct ctl_network *n = ctl_network_find(c, nwid);
	struct ctl_member *m;
	int rc;
	if (!n)
		return -ENOENT;
	if (ctl_member_find(n, address))
		return -EEXIST;
	if (!(m = malloc(sizeof(*m))))
		return -ENOMEM;
	ctl_member_init(m, address, 0);
	rc = ctl_member_apply(m, j, true, 0, err, cap);
	if (rc == 0)
		rc = ctl_member_insert(n, m);
	if (rc) {
		ctl_member_free(m);
		free(m);
	}
	return rc;
}

static int load_jointoken(struct zt_controller *c, uint64_t nwid, const char *name, const cJSON *j, char *err,
                          size_t cap)
{
	struct ctl_network *n = ctl_network_find(c, nwid);
	struct ctl_jointoken *t;
	int rc;
	if (!n)
		return -ENOENT;
	if (ctl_jt_find(n, name))
		return -EEXIST;
	if (!(t = malloc(sizeof(*t))))
		return -ENOMEM;
	if ((rc = ctl_jt_from_json(t, name, j, err, cap)) == 0 && (rc = ctl_jt_add(n, t)) == -ENOSPC)
		rc = ctl_err(err, cap, "more than %d join tokens", CTL_MAX_JOIN_TOKENS);
	if (rc)
		free(t);
	return rc;
}

/* "network/<nwid>/jointoken/<name>.json": the network into *nwid, the name into out. */
static bool jointoken_name(const char *name, uint64_t *nwid, char out[CTL_JT_NAME_MAX + 1])
{
	static const char mid[] = "/jointoken/";
	size_t len = strlen(name), base = 8 + 16 + sizeof(mid) - 1;
	if (strncmp(name, "network/", 8) != 0 || len <= base + 5 || len - base - 5 > CTL_JT_NAME_MAX ||
	    strncmp(name + 24, mid, sizeof(mid) - 1) != 0 || strcmp(name + len - 5, ".json") != 0 ||
	    !zt_hex_parse_n(name + 8, 16, nwid))
		return false;
	memcpy(out, name + base, len - base - 5);
	out[len - base - 5] = 0;
	return ctl_jt_name_ok(out);
}

int zt_controller_load(struct zt_controller *c, const char *name, const void *data, size_t len, char *err,
                       size_t err_cap)
{
	char nwid_text[17] = {0}, addr_text[11] = {0}, token[CTL_JT_NAME_MAX + 1];
	uint64_t nwid, address;
	int consumed = 0, rc;
	bool is_token = false;
	cJSON *j;
	if (err && err_cap)
		err[0] = 0;
	if (jointoken_name(name, &nwid, token)) {
		is_token = true;
		address = 0;
	} else if (sscanf(name, "network/%16[0-9a-fA-F].json%n", nwid_text, &consumed) == 1 && !name[consumed] &&
	    zt_hex_parse(nwid_text, 16, &nwid)) {
		address = 0;
	} else if (sscanf(name, "network/%16[0-9a-fA-F]/member/%10[0-9a-fA-F].json%n", nwid_text, addr_text,
	                  &consumed) == 2 &&
	           !name[consumed] && zt_hex_parse(nwid_text, 16, &nwid) &&
	           zt_hex_parse(addr_text, 10, &address)) {
	} else {
		ctl_err(err, err_cap, "not a controller.d record name");
		return -EINVAL;
	}
	char why[160];
	if (!(j = zt_json_parse(data, len, why, sizeof(why)))) {
		if (err && err_cap)
			snprintf(err, err_cap, "not valid JSON: %s", why);
		return -EBADMSG;
	}
	if (is_token)
		rc = load_jointoken(c, nwid, token, j, err, err_cap);
	else if (address)
		rc = load_member(c, nwid, address, j, err, err_cap);
	else
		rc = load_network(c, nwid, j, err, err_cap);
	cJSON_Delete(j);
	return rc;
}

/* ---- requests from members ---- */

static void keep_request(struct ctl_status *s, const struct zt_identity *id, const uint8_t *md, size_t len)
{
	uint8_t *copy = NULL;
	s->identity = *id;
	zt_wipe(s->identity.priv, sizeof(s->identity.priv));
	s->identity.has_priv = false;
	s->has_identity = true;
	if (len && (s->md_len != len || memcmp(s->md, md, len) != 0)) {
		if (!(copy = malloc(len)))
			return; /* the old metadata stays; pushes use it */
		memcpy(copy, md, len);
		len = ctl_jt_strip(copy, len); /* a join token is never kept */
		free(s->md);
		s->md = copy;
	}
	if (!len) {
		free(s->md);
		s->md = NULL;
	}
	s->md_len = len;
}

static void handle_request(struct zt_controller *c, const struct zt_node_msg *m, int64_t now)
{
	struct zt_rd r;
	const uint8_t *md = NULL;
	size_t md_len = 0;
	struct zt_dict d;
	zt_rd_init(&r, m->payload, m->len);
	uint64_t nwid = zt_rd_u64(&r);
	/* The revision and timestamp after the metadata are informational; stock reads neither. */
	if (zt_rd_left(&r) >= 2) {
		md_len = zt_rd_u16(&r);
		md = zt_rd_bytes(&r, md_len);
	}
	if (r.bad || !m->peer || m->peer->address != m->source) {
		c->counters.malformed++;
		return;
	}
	if (nwid >> 24 != c->address)
		return;
	c->counters.requests++;
	if (md_len > ZT_DICT_METADATA_CAP - 1) /* what stock's buffer keeps */
		md_len = ZT_DICT_METADATA_CAP - 1;
	struct ctl_status *s = ctl_status_get(c, nwid, m->source, now);
	if (s) {
		if (s->last_request && now - s->last_request <= ZT_CONTROLLER_MIN_REQUEST_PERIOD_MS) {
			c->counters.throttled++;
			return;
		}
		s->last_request = now;
	}
	struct ctl_network *n = ctl_network_find(c, nwid);
	if (!n) {
		ctl_send_error(c, m->source, m->packet_id, ZT_ERR_OBJ_NOT_FOUND, nwid, now);
		c->counters.not_found++;
		return;
	}
	/* Kept for unauthorized members too (stock keeps it only once authorized), so authorizing one
	 * pushes its config at once instead of waiting for its next retry; never for a key other than the
	 * one the address is pinned to. */
	struct ctl_member *rec = ctl_member_find(n, m->source);
	if (s && (!rec || !rec->has_identity || zt_identity_equal(&rec->identity, m->peer)))
		keep_request(s, m->peer, md, md_len);
	zt_dict_init(&d, md, md_len);
	ctl_serve(c, n, m->peer, &d, m->packet_id, false, NULL, now);
}

bool zt_controller_packet_in(struct zt_controller *c, const struct zt_node_msg *m, int64_t now)
{
	switch (m->verb) {
	case ZT_VERB_NETWORK_CONFIG_REQUEST:
		handle_request(c, m, now);
		return true;
	case ZT_VERB_MULTICAST_LIKE:
		return ctl_mcast_like(c, m, now);
	case ZT_VERB_MULTICAST_GATHER:
		return ctl_mcast_gather(c, m, now);
	default:
		return false;
	}
}

/* Metadata for callers that send none: the rules engine revision, so the network's rules apply. */
static const char default_md[] = "revr=0000000000000001";

static int serve_direct(struct zt_controller *c, uint64_t nwid, const struct zt_identity *id, bool local,
                        const void *metadata, size_t len, struct zt_netconf *nc, int64_t now)
{
	struct ctl_network *n;
	struct zt_dict d;
	zt_netconf_init(nc);
	if (nwid >> 24 != c->address)
		return -EINVAL;
	if (!(n = ctl_network_find(c, nwid)))
		return -ENOENT;
	if (!len) {
		metadata = default_md;
		len = sizeof(default_md) - 1;
	}
	if (len > ZT_DICT_METADATA_CAP - 1)
		len = ZT_DICT_METADATA_CAP - 1;
	if (local) {
		struct ctl_status *s = ctl_status_get(c, nwid, c->address, now);
		if (!s)
			return -ENOMEM;
		s->local = true;
		s->last_request = now;
		keep_request(s, id, metadata, len);
	}
	zt_dict_init(&d, metadata, len);
	switch (ctl_serve(c, n, id, &d, 0, local, nc, now)) {
	case CTL_SERVED:
		return 0;
	case CTL_DENIED:
		return -EACCES;
	default:
		return -ENOMEM;
	}
}

int zt_controller_request_local(struct zt_controller *c, uint64_t nwid, const void *metadata, size_t len,
                                struct zt_netconf *nc, int64_t now)
{
	struct zt_identity self = c->identity;
	zt_wipe(self.priv, sizeof(self.priv));
	self.has_priv = false;
	return serve_direct(c, nwid, &self, true, metadata, len, nc, now);
}

int zt_controller_build_config(struct zt_controller *c, uint64_t nwid, const struct zt_identity *member,
                               const void *metadata, size_t len, struct zt_netconf *nc, int64_t now)
{
	struct zt_identity pub = *member;
	zt_wipe(pub.priv, sizeof(pub.priv));
	pub.has_priv = false;
	return serve_direct(c, nwid, &pub, false, metadata, len, nc, now);
}

int zt_controller_local_request_dict(struct zt_controller *c, uint64_t nwid, const void *metadata, size_t len,
                                     struct zt_wr *out, int64_t now)
{
	struct zt_netconf *nc = malloc(sizeof(*nc));
	int rc;
	if (!nc)
		return -ENOMEM;
	rc = zt_controller_request_local(c, nwid, metadata, len, nc, now);
	if (rc == 0) {
		rc = zt_netconf_encode(nc, out);
		zt_netconf_free(nc);
	} else if (rc == -EINVAL || rc == -ENOENT) {
		rc = ZT_ERR_OBJ_NOT_FOUND;
	} else if (rc == -EACCES) {
		rc = ZT_ERR_NETWORK_ACCESS_DENIED;
	}
	free(nc);
	return rc;
}

bool zt_controller_recently_configured(const struct zt_controller *c, uint64_t nwid, uint64_t address,
                                       int64_t now)
{
	struct ctl_status *s = ctl_status_find((struct zt_controller *)c, nwid, address);
	return s && s->configured_at && now - s->configured_at < ZT_CONTROLLER_CONFIGURED_MS;
}

int zt_controller_local_like(struct zt_controller *c, uint64_t nwid, const struct zt_mcast_group *group,
                             int64_t now)
{
	if (nwid >> 24 != c->address || !ctl_network_find(c, nwid))
		return -EINVAL;
	return ctl_mcast_add(c, nwid, group, c->address, now);
}

#define CTL_EXPIRY_PERIOD_MS 10000

int64_t zt_controller_tick(struct zt_controller *c, int64_t now)
{
	int64_t next = ctl_flush_revocations(c, now);
	if (now >= c->next_expiry) {
		ctl_status_expire(c, now);
		ctl_mcast_expire(c, now);
		c->next_expiry = now + CTL_EXPIRY_PERIOD_MS;
	}
	return next < c->next_expiry ? next : c->next_expiry;
}

int zt_controller_api(struct zt_controller *c, const char *method, const char *path, const void *body,
                      size_t len, int *status, char **response, int64_t now)
{
	return ctl_api(c, method, path, body, len, status, response, now);
}
