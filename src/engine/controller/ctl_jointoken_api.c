/* Join tokens through the API (controller.h, JOIN TOKENS): our extension under /ztrun/controller, beside
 * stock's paths, which it leaves as they are. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"
#include "vl1/crypto.h"

#define MAX_USES       1000000000000LL
#define MAX_EXPIRES_IN (100LL * 365 * 86400 * 1000) /* a century, in ms */

static int list(struct ctl_req *q, const struct ctl_network *n)
{
	struct ctl_jb b = {0};
	cJSON *o = jb_obj(&b, NULL, NULL), *data = o ? jb_arr(&b, o, "data") : NULL, *meta;
	for (size_t i = 0; data && i < n->jt_count; i++)
		jb_push(&b, data, ctl_jt_to_json(n->jts[i], true, q->now));
	if (o && (meta = jb_obj(&b, o, "meta"))) {
		jb_int(&b, meta, "count", (int64_t)n->jt_count);
		jb_int(&b, meta, "refusedUnknownToken", (int64_t)n->jt_refused_unknown);
	}
	if (b.bad || !o) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	return ctl_answer(q, 200, o);
}

/* Is the pool inside an on-link route of the network, and does the network assign its family? */
static const char *pool_problem(const struct ctl_netrec *r, const struct zt_inetaddr *cidr)
{
	bool routed = false;
	if (cidr->family == ZT_INET_V4 && !r->v4_zt)
		return "the network assigns no IPv4 addresses (v4AssignMode.zt is false)";
	if (cidr->family == ZT_INET_V6 && !r->v6_zt)
		return "the network assigns no IPv6 addresses from pools (v6AssignMode.zt is false)";
	for (size_t i = 0; i < r->route_count; i++)
		routed |= r->routes[i].via.family == ZT_INET_NONE && r->routes[i].target.port <= cidr->port &&
		          ctl_cidr_contains(&r->routes[i].target, cidr);
	return routed ? NULL : "it is inside no route of the network (members would not get its addresses)";
}

/* The body of a create: every field checked, unknown ones refused (a typo must not make a token of
 * unlimited uses). 0, or -EBADMSG with err. */
static int read_create(struct ctl_req *q, const struct ctl_network *n, const cJSON *j, struct ctl_jointoken *t,
                       char *err, size_t cap)
{
	static const char *const known[] = {"name", "maxUses", "expires", "expiresIn", "ipPool"};
	struct ctl_jr p = {.j = j, .err = err, .cap = cap};
	const cJSON *f;
	int64_t x;
	cJSON_ArrayForEach(f, j)
	{
		bool ok = false;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= f->string && strcmp(f->string, known[i]) == 0;
		if (!ok)
			return ctl_err(err, cap, "unknown field \"%.40s\" (name, maxUses, expires, expiresIn, ipPool)",
			               f->string ? f->string : "");
	}
	if ((f = cJSON_GetObjectItemCaseSensitive(j, "name")) && !cJSON_IsNull(f)) {
		if (!cJSON_IsString(f) || !ctl_jt_name_ok(f->valuestring))
			return ctl_err(err, cap,
			               "\"name\" must be 1 to %d of A-Z a-z 0-9 . _ -, starting with a letter or "
			               "digit",
			               CTL_JT_NAME_MAX);
		snprintf(t->name, sizeof(t->name), "%s", f->valuestring);
	}
	t->max_uses = 1;
	if (jr_int(&p, "maxUses", 0, MAX_USES, &x))
		t->max_uses = (uint64_t)x;
	bool abs = jr_int(&p, "expires", q->now + 1, INT64_MAX, &t->expires);
	if (jr_int(&p, "expiresIn", 1, MAX_EXPIRES_IN, &x)) {
		if (abs)
			return ctl_err(err, cap, "give \"expires\" or \"expiresIn\", not both");
		t->expires = q->now + x;
	}
	if (p.rc)
		return p.rc;
	if ((f = cJSON_GetObjectItemCaseSensitive(j, "ipPool")) && !cJSON_IsNull(f)) {
		struct zt_inetaddr cidr;
		bool bits;
		const char *why;
		if (!cJSON_IsString(f) || ctl_ip_parse(&cidr, f->valuestring, &bits) != 0 || !bits)
			return ctl_err(err, cap, "\"ipPool\" must be a CIDR such as 10.147.20.0/24");
		ctl_jt_set_pool(t, &cidr);
		if ((why = pool_problem(&n->rec, &t->cidr)))
			return ctl_err(err, cap, "\"ipPool\" %.60s: %s", f->valuestring, why);
	}
	return 0;
}

static int create(struct ctl_req *q, struct ctl_network *n, const void *body, size_t len)
{
	struct zt_controller *c = q->c;
	char err[200], text[ZT_JOIN_TOKEN_LEN + 1];
	uint8_t secret[ZT_JOIN_TOKEN_SECRET_LEN];
	struct ctl_jointoken *t;
	int rc;
	cJSON *j = ctl_parse_body(body, len, err, sizeof(err));
	if (!j)
		return ctl_fail(q, 400, err);
	if (!(t = calloc(1, sizeof(*t)))) {
		cJSON_Delete(j);
		return -ENOMEM;
	}
	rc = read_create(q, n, j, t, err, sizeof(err));
	cJSON_Delete(j);
	if (rc) {
		free(t);
		return ctl_fail(q, 400, err);
	}
	if (n->jt_count == CTL_MAX_JOIN_TOKENS) {
		free(t);
		return ctl_fail(q, 409, "the network has the most join tokens it may have (revoked ones count)");
	}
	if (!t->name[0]) {
		do
			snprintf(t->name, sizeof(t->name), "token-%08x", (unsigned)(ctl_random_u64(c) >> 32));
		while (ctl_jt_find(n, t->name));
	} else if (ctl_jt_find(n, t->name)) {
		free(t);
		return ctl_fail(q, 409, "the network has a join token of that name already");
	}
	t->creation_time = q->now;
	c->cb.random(c->arg, secret, sizeof(secret));
	zt_join_token_format(text, n->rec.id, secret);
	zt_wipe(secret, sizeof(secret));
	zt_join_token_hash(t->hash, text, ZT_JOIN_TOKEN_LEN);
	if ((rc = ctl_store_jointoken(c, n->rec.id, t)) != 0 || (rc = ctl_jt_add(n, t)) != 0) {
		zt_wipe(text, sizeof(text));
		free(t);
		return ctl_fail_errno(q, rc, "cannot store the join token");
	}
	/* the only time the token is shown: it is kept nowhere but in its hash */
	cJSON *o = ctl_jt_to_json(t, true, q->now);
	if (o && !cJSON_AddStringToObject(o, "token", text)) {
		cJSON_Delete(o);
		o = NULL;
	}
	zt_wipe(text, sizeof(text));
	return ctl_answer(q, 200, o);
}

static int revoke(struct ctl_req *q, struct ctl_network *n, struct ctl_jointoken *t)
{
	if (!t->revoked_time) {
		t->revoked_time = q->now > 0 ? q->now : 1;
		int rc = ctl_store_jointoken(q->c, n->rec.id, t);
		if (rc) {
			t->revoked_time = 0;
			return ctl_fail_errno(q, rc, "cannot store the join token");
		}
	}
	return ctl_answer(q, 200, ctl_jt_to_json(t, true, q->now));
}

int ctl_jt_api(struct ctl_req *q, const char *method, uint64_t nwid, const char *p, const void *body, size_t len)
{
	struct ctl_network *n = ctl_network_find(q->c, nwid);
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST") || !strcmp(method, "PUT");
	if (!*p) {
		if (!get && !post)
			return ctl_fail(q, 405, "GET or POST only");
		if (!n)
			return ctl_fail(q, 404, "no such network");
		return get ? list(q, n) : create(q, n, body, len);
	}
	if (*p++ != '/' || !ctl_jt_name_ok(p))
		return ctl_fail(q, 404, "no such path");
	if (!get && strcmp(method, "DELETE") != 0)
		return ctl_fail(q, 405, "GET or DELETE (revoke) only");
	if (!n)
		return ctl_fail(q, 404, "no such network");
	struct ctl_jointoken *t = ctl_jt_find(n, p);
	if (!t)
		return ctl_fail(q, 404, "no such join token");
	return get ? ctl_answer(q, 200, ctl_jt_to_json(t, true, q->now)) : revoke(q, n, t);
}
