/* Stock's controller JSON API (spec §10.2) as a pure function: route, validate the whole body against a
 * copy of the record, store it, and only then replace the record in memory and tell online members. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"
#include "json.h"

/* Answers take ownership of j. -ENOMEM only when even the answer could not be made. */
int ctl_answer(struct ctl_req *q, int status, cJSON *j)
{
	char *text = j ? ctl_json_print(j) : NULL;
	cJSON_Delete(j);
	if (!text)
		return -ENOMEM;
	*q->status = status;
	*q->response = text;
	return 0;
}

int ctl_fail(struct ctl_req *q, int status, const char *msg)
{
	cJSON *j = cJSON_CreateObject();
	if (j && !cJSON_AddStringToObject(j, "error", msg)) {
		cJSON_Delete(j);
		j = NULL;
	}
	return ctl_answer(q, status, j);
}

int ctl_fail_errno(struct ctl_req *q, int rc, const char *what)
{
	char msg[160];
	if (rc == -ENOMEM)
		return -ENOMEM;
	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(-rc));
	return ctl_fail(q, 500, msg);
}

/* The body as a JSON object, read strictly (json.h); empty means {} (stock treats a missing body so). NULL +
 * message on error. */
cJSON *ctl_parse_body(const void *body, size_t len, char *err, size_t cap)
{
	const char *p = body;
	size_t i = 0;
	char why[160];
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i == len)
		return cJSON_CreateObject();
	cJSON *j = zt_json_parse(p, len, why, sizeof(why));
	if (!j) {
		snprintf(err, cap, "the body is not valid JSON: %s", why);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		snprintf(err, cap, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* Stock ignores the read-only "id", "nwid" and "address" of a body, and so do we, unless one is a
 * well-formed ID naming another record than the path: a body meant for another record is refused, not
 * applied here. */
static bool names_other(const cJSON *j, const char *key, uint64_t id, size_t digits, char *err, size_t cap)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, key);
	uint64_t v;
	if (!cJSON_IsString(f) || strlen(f->valuestring) != digits || !zt_hex_parse(f->valuestring, digits, &v) ||
	    v == id)
		return false;
	snprintf(err, cap, "\"%s\" in the body names another record than the path", key);
	return true;
}

/* ---- networks ---- */

static int get_controller(struct ctl_req *q)
{
	struct ctl_jb b = {0};
	cJSON *j = jb_obj(&b, NULL, NULL);
	if (j) {
		jb_bool(&b, j, "controller", true);
		jb_int(&b, j, "apiVersion", ZT_CONTROLLER_API_VERSION);
		jb_int(&b, j, "clock", q->now);
		jb_bool(&b, j, "databaseReady", true);
	}
	if (b.bad) {
		cJSON_Delete(j);
		return -ENOMEM;
	}
	return ctl_answer(q, 200, j);
}

static int list_networks(struct ctl_req *q)
{
	cJSON *a = cJSON_CreateArray();
	char id[17];
	for (size_t i = 0; a && i < q->c->network_count; i++) {
		ctl_hex16(q->c->networks[i]->rec.id, id);
		cJSON *s = cJSON_CreateString(id);
		if (!s || !cJSON_AddItemToArray(a, s)) {
			cJSON_Delete(s);
			cJSON_Delete(a);
			return -ENOMEM;
		}
	}
	return ctl_answer(q, 200, a);
}

static size_t authorized_count(const struct ctl_network *n)
{
	size_t k = 0;
	for (size_t i = 0; i < n->member_count; i++)
		k += n->members[i]->authorized;
	return k;
}

static int list_networks_unstable(struct ctl_req *q)
{
	struct ctl_jb b = {0};
	cJSON *o = jb_obj(&b, NULL, NULL), *data = o ? jb_arr(&b, o, "data") : NULL, *meta;
	for (size_t i = 0; data && i < q->c->network_count; i++) {
		const struct ctl_network *n = q->c->networks[i];
		cJSON *j = ctl_netrec_to_json(&n->rec);
		if (j && (meta = jb_obj(&b, j, "meta"))) {
			jb_int(&b, meta, "totalMemberCount", (int64_t)n->member_count);
			jb_int(&b, meta, "authorizedMemberCount", (int64_t)authorized_count(n));
		}
		jb_push(&b, data, j);
	}
	if (o && (meta = jb_obj(&b, o, "meta")))
		jb_int(&b, meta, "networkCount", (int64_t)q->c->network_count);
	if (b.bad || !o) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	return ctl_answer(q, 200, o);
}

static int post_network(struct ctl_req *q, uint64_t nwid, const void *body, size_t len)
{
	struct zt_controller *c = q->c;
	struct ctl_network *n = ctl_network_find(c, nwid), *fresh = NULL;
	struct ctl_netrec rec;
	char err[200];
	int rc;
	if (!n && nwid >> 24 != c->address)
		return ctl_fail(q, 400, "a network ID of another controller: this one's begin with its address");
	cJSON *j = ctl_parse_body(body, len, err, sizeof(err));
	if (!j)
		return ctl_fail(q, 400, err);
	if (names_other(j, "id", nwid, 16, err, sizeof(err)) || names_other(j, "nwid", nwid, 16, err, sizeof(err))) {
		cJSON_Delete(j);
		return ctl_fail(q, 400, err);
	}
	if (n)
		rc = ctl_netrec_copy(&rec, &n->rec);
	else {
		ctl_netrec_init(&rec, nwid, q->now);
		rc = rec.rules ? 0 : -ENOMEM;
	}
	if (rc) {
		cJSON_Delete(j);
		return rc == -ENOMEM ? -ENOMEM : ctl_fail(q, 500, "cannot copy the network record");
	}
	rc = ctl_netrec_apply(&rec, j, false, err, sizeof(err));
	cJSON_Delete(j);
	if (rc) {
		ctl_netrec_free(&rec);
		return rc == -ENOMEM ? -ENOMEM : ctl_fail(q, 400, err);
	}
	if (n && ctl_netrec_same(&rec, &n->rec)) {
		ctl_netrec_free(&rec);
		return ctl_answer(q, 200, ctl_netrec_to_json(&n->rec));
	}
	rec.revision = n ? n->rec.revision + 1 : 1;
	if (!n && !(fresh = calloc(1, sizeof(*fresh)))) {
		ctl_netrec_free(&rec);
		return -ENOMEM;
	}
	if ((rc = ctl_store_network(c, &rec)) != 0) {
		ctl_netrec_free(&rec);
		free(fresh);
		return ctl_fail_errno(q, rc, "cannot store the network");
	}
	if (fresh) {
		fresh->rec = rec;
		if ((rc = ctl_network_insert(c, fresh)) != 0) {
			ctl_network_free(fresh);
			return -ENOMEM;
		}
		n = fresh;
	} else {
		ctl_netrec_free(&n->rec);
		n->rec = rec;
		ctl_push_network(c, n, q->now);
	}
	return ctl_answer(q, 200, ctl_netrec_to_json(&n->rec));
}

/* Stock's random network ID: our address and 24 random bits, never 000000, not yet in use. */
static int create_network(struct ctl_req *q, const void *body, size_t len)
{
	for (int i = 0; i < 1000; i++) {
		uint64_t nwid = q->c->address << 24 | (ctl_random_u64(q->c) & 0xffffff);
		if ((nwid & 0xffffff) == 0)
			nwid |= 1;
		if (!ctl_network_find(q->c, nwid))
			return post_network(q, nwid, body, len);
	}
	return ctl_fail(q, 503, "no free network ID");
}

static void revoke_authorized(struct zt_controller *c, struct ctl_network *n, int64_t now)
{
	for (size_t i = 0; i < n->member_count; i++)
		if (n->members[i]->authorized)
			ctl_revoke(c, n->rec.id, n->members[i]->address, now);
}

static int delete_network(struct ctl_req *q, struct ctl_network *n)
{
	cJSON *j = ctl_netrec_to_json(&n->rec);
	int rc;
	if (!j)
		return -ENOMEM;
	if ((rc = ctl_store_delete_network(q->c, n->rec.id)) != 0) {
		cJSON_Delete(j);
		return ctl_fail_errno(q, rc, "cannot delete the network");
	}
	/* Stock deauthorizes every member of a deleted network; their COMs stop counting at once. */
	revoke_authorized(q->c, n, q->now);
	ctl_mcast_forget_network(q->c, n->rec.id);
	ctl_network_remove(q->c, n);
	return ctl_answer(q, 200, j);
}

/* ---- members ---- */

static int list_members(struct ctl_req *q, const struct ctl_network *n, bool unstable)
{
	struct ctl_jb b = {0};
	char addr[11];
	cJSON *o = jb_obj(&b, NULL, NULL), *data = NULL, *meta;
	if (o && unstable)
		data = jb_arr(&b, o, "data");
	for (size_t i = 0; o && i < n->member_count; i++) {
		if (unstable) {
			jb_push(&b, data, ctl_member_to_json(n->members[i], n->rec.id));
		} else {
			ctl_hex10(n->members[i]->address, addr);
			jb_int(&b, o, addr, (int64_t)n->members[i]->revision);
		}
	}
	if (o && unstable && (meta = jb_obj(&b, o, "meta"))) {
		jb_int(&b, meta, "totalCount", (int64_t)n->member_count);
		jb_int(&b, meta, "authorizedCount", (int64_t)authorized_count(n));
	}
	if (b.bad || !o) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	return ctl_answer(q, 200, o);
}

/* Two members holding one address would both answer ARP for it: a manual assignment of an address
 * another member holds is refused (stock takes it). */
static bool ip_collision(const struct ctl_network *n, const struct ctl_member *m, char *msg, size_t cap)
{
	char ip[64], who[11];
	for (size_t i = 0; i < m->ip_count; i++) {
		for (size_t k = 0; k < n->member_count; k++) {
			const struct ctl_member *o = n->members[k];
			for (size_t x = 0; o->address != m->address && x < o->ip_count; x++) {
				if (ctl_ip_compare(&o->ips[x], &m->ips[i]) != 0)
					continue;
				ctl_ip_format(&m->ips[i], ip, sizeof(ip));
				ctl_hex10(o->address, who);
				snprintf(msg, cap, "ipAssignments: %s is assigned to member %s", ip, who);
				return true;
			}
		}
	}
	return false;
}

static void drop_member(struct ctl_member *m)
{
	ctl_member_free(m);
	free(m);
}

static int post_member(struct ctl_req *q, struct ctl_network *n, uint64_t address, const void *body, size_t len)
{
	struct zt_controller *c = q->c;
	struct ctl_member *old = ctl_member_find(n, address), *m;
	char err[200];
	int rc = 0;
	if (zt_address_reserved(address))
		return ctl_fail(q, 400, "reserved ZeroTier address");
	cJSON *j = ctl_parse_body(body, len, err, sizeof(err));
	if (!j)
		return ctl_fail(q, 400, err);
	if (names_other(j, "id", address, 10, err, sizeof(err)) ||
	    names_other(j, "address", address, 10, err, sizeof(err)) ||
	    names_other(j, "nwid", n->rec.id, 16, err, sizeof(err))) {
		cJSON_Delete(j);
		return ctl_fail(q, 400, err);
	}
	if (!(m = malloc(sizeof(*m)))) {
		cJSON_Delete(j);
		return -ENOMEM;
	}
	if (old)
		rc = ctl_member_copy(m, old);
	else
		ctl_member_init(m, address, q->now);
	if (rc == 0)
		rc = ctl_member_apply(m, j, false, q->now, err, sizeof(err));
	cJSON_Delete(j);
	if (rc == 0 && ip_collision(n, m, err, sizeof(err)))
		rc = -EBADMSG;
	if (rc) {
		drop_member(m);
		return rc == -ENOMEM ? -ENOMEM : ctl_fail(q, 400, err);
	}
	if (old && ctl_member_same(m, old, n->rec.id)) {
		drop_member(m);
		return ctl_answer(q, 200, ctl_member_to_json(old, n->rec.id));
	}
	m->revision = old ? old->revision + 1 : 1;
	if ((rc = ctl_store_member(c, n->rec.id, m)) != 0) {
		drop_member(m);
		return ctl_fail_errno(q, rc, "cannot store the member");
	}
	bool was_auth = old && old->authorized, bridge = m->active_bridge != (old && old->active_bridge);
	if (old)
		ctl_member_remove(n, old);
	if (ctl_member_insert(n, m) != 0) {
		drop_member(m);
		return -ENOMEM;
	}
	if (was_auth && !m->authorized) {
		ctl_revoke(c, n->rec.id, address, q->now);
		ctl_mcast_forget_member(c, n->rec.id, address);
	}
	/* The active bridges are in every member's config; anything else only in this member's. */
	if (bridge)
		ctl_push_network(c, n, q->now);
	else
		ctl_push_member(c, n, address, q->now);
	return ctl_answer(q, 200, ctl_member_to_json(m, n->rec.id));
}

static int delete_member(struct ctl_req *q, struct ctl_network *n, struct ctl_member *m)
{
	cJSON *j = ctl_member_to_json(m, n->rec.id);
	uint64_t address = m->address;
	bool auth = m->authorized, bridge = m->active_bridge;
	int rc;
	if (!j)
		return -ENOMEM;
	if ((rc = ctl_store_delete_member(q->c, n->rec.id, address)) != 0) {
		cJSON_Delete(j);
		return ctl_fail_errno(q, rc, "cannot delete the member");
	}
	ctl_member_remove(n, m);
	if (auth)
		ctl_revoke(q->c, n->rec.id, address, q->now);
	ctl_mcast_forget_member(q->c, n->rec.id, address);
	if (bridge)
		ctl_push_network(q->c, n, q->now);
	return ctl_answer(q, 200, j);
}

/* ---- routing ---- */

enum method { M_GET, M_POST, M_DELETE, M_OTHER };

static enum method method_of(const char *m)
{
	if (!strcmp(m, "GET"))
		return M_GET;
	if (!strcmp(m, "POST") || !strcmp(m, "PUT"))
		return M_POST;
	if (!strcmp(m, "DELETE"))
		return M_DELETE;
	return M_OTHER;
}

/* Takes exactly `digits` hex digits from the front of *p. */
static bool take_hex(const char **p, size_t digits, uint64_t *out)
{
	char buf[17];
	if (strlen(*p) < digits)
		return false;
	memcpy(buf, *p, digits);
	buf[digits] = 0;
	if (!zt_hex_parse(buf, digits, out))
		return false;
	*p += digits;
	return true;
}

int ctl_api(struct zt_controller *c, const char *method, const char *path, const void *body, size_t len,
            int *status, char **response, int64_t now)
{
	struct ctl_req q = {.c = c, .status = status, .response = response, .now = now};
	enum method mt = method_of(method ? method : "");
	char buf[256];
	const char *p;
	uint64_t nwid, address;
	bool unstable = false;
	size_t n = path ? strcspn(path, "?") : 0;
	*response = NULL;
	if (!path || n >= sizeof(buf))
		return ctl_fail(&q, 404, "no such path");
	memcpy(buf, path, n);
	buf[n] = 0;
	if (n > 1 && buf[n - 1] == '/')
		buf[n - 1] = 0;
	p = buf;
	/* our extension: join tokens */
	if (!strncmp(p, "/ztrun/controller/network/", 26)) {
		p += 26;
		if (!take_hex(&p, 16, &nwid) || strncmp(p, "/token", 6) != 0 || (p[6] && p[6] != '/'))
			return ctl_fail(&q, 404, "no such path");
		return ctl_jt_api(&q, method ? method : "", nwid, p + 6, body, len);
	}
	if (!strncmp(p, "/unstable", 9)) {
		unstable = true;
		p += 9;
	}
	if (strncmp(p, "/controller", 11) != 0)
		return ctl_fail(&q, 404, "no such path");
	p += 11;
	if (!*p && !unstable)
		return mt == M_GET ? get_controller(&q) : ctl_fail(&q, 405, "GET only");
	if (strncmp(p, "/network", 8) != 0)
		return ctl_fail(&q, 404, "no such path");
	p += 8;
	if (!*p) {
		if (mt == M_GET)
			return unstable ? list_networks_unstable(&q) : list_networks(&q);
		if (mt == M_POST && !unstable)
			return create_network(&q, body, len);
		return ctl_fail(&q, 405, unstable ? "GET only" : "GET or POST only");
	}
	if (*p++ != '/')
		return ctl_fail(&q, 404, "no such path");
	/* Old style creation: <our address>______ picks the network number. */
	if (!unstable && strlen(p) == 16 && !strcmp(p + 10, "______")) {
		if (!take_hex(&p, 10, &address))
			return ctl_fail(&q, 404, "no such path");
		if (mt != M_POST)
			return ctl_fail(&q, 405, "POST only");
		if (address != c->address)
			return ctl_fail(&q, 400, "the address before ______ must be this controller's");
		return create_network(&q, body, len);
	}
	if (!take_hex(&p, 16, &nwid) || (*p && *p != '/'))
		return ctl_fail(&q, 404, "no such path");
	struct ctl_network *net = ctl_network_find(c, nwid);
	if (!*p && !unstable) {
		if (mt == M_POST)
			return post_network(&q, nwid, body, len);
		if (mt != M_GET && mt != M_DELETE)
			return ctl_fail(&q, 405, "GET, POST or DELETE only");
		if (!net)
			return ctl_fail(&q, 404, "no such network");
		return mt == M_GET ? ctl_answer(&q, 200, ctl_netrec_to_json(&net->rec)) : delete_network(&q, net);
	}
	if (strncmp(p, "/member", 7) != 0 || (p[7] && p[7] != '/'))
		return ctl_fail(&q, 404, "no such path");
	p += 7;
	if (!*p) {
		if (mt != M_GET)
			return ctl_fail(&q, 405, "GET only");
		return net ? list_members(&q, net, unstable) : ctl_fail(&q, 404, "no such network");
	}
	p++;
	if (unstable || strlen(p) != 10 || !zt_hex_parse(p, 10, &address))
		return ctl_fail(&q, 404, "no such path");
	if (mt == M_OTHER)
		return ctl_fail(&q, 405, "GET, POST or DELETE only");
	if (!net)
		return ctl_fail(&q, 404, "no such network");
	if (mt == M_POST)
		return post_member(&q, net, address, body, len);
	struct ctl_member *m = ctl_member_find(net, address);
	if (!m)
		return ctl_fail(&q, 404, "no such member");
	return mt == M_GET ? ctl_answer(&q, 200, ctl_member_to_json(m, nwid)) : delete_member(&q, net, m);
}
