/* The member record and its JSON (spec §10.2), with stock's fields and defaults: an unknown member is
 * created unauthorized, and a member can be authorized before it ever asks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"

void ctl_member_init(struct ctl_member *m, uint64_t address, int64_t now)
{
	memset(m, 0, sizeof(*m));
	m->address = address;
	m->creation_time = now;
	m->vmajor = m->vminor = m->vrev = m->vproto = -1;
}

void ctl_member_free(struct ctl_member *m)
{
	free(m->tags);
	free(m->caps);
	free(m->name);
	free(m->auth_credential);
	zt_identity_wipe(&m->identity);
	memset(m, 0, sizeof(*m));
}

static const char *auth_type_name(enum ctl_auth_type t)
{
	switch (t) {
	case CTL_AUTH_API:
		return "api";
	case CTL_AUTH_PUBLIC:
		return "public";
	case CTL_AUTH_JOINTOKEN:
		return "joinToken";
	case CTL_AUTH_TOKEN:
		return "token";
	default:
		return NULL;
	}
}

cJSON *ctl_member_to_json(const struct ctl_member *m, uint64_t nwid)
{
	struct ctl_jb b = {0};
	char addr[11], nw[17], text[ZT_IDENTITY_TEXT_MAX];
	cJSON *o = jb_obj(&b, NULL, NULL), *a;
	if (!o)
		return NULL;
	ctl_hex10(m->address, addr);
	ctl_hex16(nwid, nw);
	jb_bool(&b, o, "activeBridge", m->active_bridge);
	jb_str(&b, o, "address", addr);
	jb_int(&b, o, "authenticationExpiryTime", m->authentication_expiry_time);
	jb_bool(&b, o, "authorized", m->authorized);
	a = jb_arr(&b, o, "capabilities");
	for (size_t i = 0; a && i < m->cap_count; i++)
		jb_push(&b, a, cJSON_CreateNumber(m->caps[i]));
	jb_int(&b, o, "creationTime", m->creation_time);
	jb_str(&b, o, "id", addr);
	if (m->has_identity && zt_identity_to_text(&m->identity, false, text, sizeof(text)) > 0)
		jb_str(&b, o, "identity", text);
	a = jb_arr(&b, o, "ipAssignments");
	for (size_t i = 0; a && i < m->ip_count; i++) {
		ctl_ip_format(&m->ips[i], text, sizeof(text));
		jb_push(&b, a, cJSON_CreateString(text));
	}
	if (m->auth_credential)
		jb_str(&b, o, "lastAuthorizedCredential", m->auth_credential);
	else
		jb_null(&b, o, "lastAuthorizedCredential");
	if (auth_type_name(m->auth_type))
		jb_str(&b, o, "lastAuthorizedCredentialType", auth_type_name(m->auth_type));
	else
		jb_null(&b, o, "lastAuthorizedCredentialType");
	jb_int(&b, o, "lastAuthorizedTime", m->last_authorized_time);
	jb_int(&b, o, "lastDeauthorizedTime", m->last_deauthorized_time);
	if (m->name)
		jb_str(&b, o, "name", m->name);
	jb_bool(&b, o, "noAutoAssignIps", m->no_auto_assign_ips);
	jb_str(&b, o, "nwid", nw);
	jb_str(&b, o, "objtype", "member");
	jb_int(&b, o, "remoteTraceLevel", (int64_t)m->remote_trace_level);
	if (m->remote_trace_target) {
		ctl_hex10(m->remote_trace_target, text);
		jb_str(&b, o, "remoteTraceTarget", text);
	} else {
		jb_null(&b, o, "remoteTraceTarget");
	}
	jb_int(&b, o, "revision", (int64_t)m->revision);
	jb_bool(&b, o, "ssoExempt", m->sso_exempt);
	a = jb_arr(&b, o, "tags");
	for (size_t i = 0; a && i < m->tag_count; i++) {
		cJSON *pair = cJSON_CreateArray();
		jb_push(&b, pair, cJSON_CreateNumber(m->tags[i][0]));
		jb_push(&b, pair, cJSON_CreateNumber(m->tags[i][1]));
		jb_push(&b, a, pair);
	}
	jb_int(&b, o, "vMajor", m->vmajor);
	jb_int(&b, o, "vMinor", m->vminor);
	jb_int(&b, o, "vProto", m->vproto);
	jb_int(&b, o, "vRev", m->vrev);
	if (b.bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* ---- from JSON ---- */

static void get_ips(struct ctl_jr *p, struct ctl_member *m)
{
	const cJSON *a = jr_field(p, "ipAssignments"), *e;
	struct zt_inetaddr ips[ZT_MAX_ZT_ASSIGNED_ADDRESSES];
	size_t n = 0, i = 0;
	if (!a)
		return;
	if (!cJSON_IsArray(a)) {
		p->rc = ctl_err(p->err, p->cap, "\"ipAssignments\" must be an array of IP addresses");
		return;
	}
	cJSON_ArrayForEach(e, a)
	{
		struct zt_inetaddr ip;
		bool dup = false;
		/* "10.1.2.3/24" is taken as 10.1.2.3, as stock does: the route gives the prefix. */
		if (!cJSON_IsString(e) || ctl_ip_parse(&ip, e->valuestring, NULL) != 0) {
			p->rc = ctl_err(p->err, p->cap, "ipAssignments[%zu] must be an IP address", i);
			return;
		}
		ip.port = 0;
		for (size_t k = 0; k < n && !dup; k++)
			dup = ctl_ip_compare(&ips[k], &ip) == 0;
		if (!dup && n == ZT_MAX_ZT_ASSIGNED_ADDRESSES) {
			p->rc = ctl_err(p->err, p->cap, "\"ipAssignments\" holds at most %d addresses",
			                ZT_MAX_ZT_ASSIGNED_ADDRESSES);
			return;
		}
		if (!dup)
			ips[n++] = ip;
		i++;
	}
	memcpy(m->ips, ips, n * sizeof(ips[0]));
	m->ip_count = n;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void get_tags(struct ctl_jr *p, struct ctl_member *m)
{
	const cJSON *a = jr_field(p, "tags"), *e;
	size_t n, i = 0, out = 0;
	if (!a)
		return;
	if (!cJSON_IsArray(a) || (n = (size_t)cJSON_GetArraySize(a)) > CTL_MAX_MEMBER_TAGS) {
		p->rc = ctl_err(p->err, p->cap, "\"tags\" must be an array of at most %d [id,value] pairs",
		                CTL_MAX_MEMBER_TAGS);
		return;
	}
	uint32_t(*t)[2] = calloc(n ? n : 1, sizeof(*t));
	if (!t) {
		p->rc = -ENOMEM;
		return;
	}
	cJSON_ArrayForEach(e, a)
	{
		int64_t id, v;
		if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 ||
		    !ctl_json_int(cJSON_GetArrayItem(e, 0), 0, UINT32_MAX, &id) ||
		    !ctl_json_int(cJSON_GetArrayItem(e, 1), 0, UINT32_MAX, &v)) {
			p->rc = ctl_err(p->err, p->cap,
			                "tags[%zu] must be [id, value] with 32-bit unsigned integers", i);
			free(t);
			return;
		}
		/* The last value given for an id wins, as in stock's map. */
		size_t k = 0;
		while (k < out && t[k][0] != (uint32_t)id)
			k++;
		t[k][0] = (uint32_t)id;
		t[k][1] = (uint32_t)v;
		if (k == out)
			out++;
		i++;
	}
	qsort(t, out, sizeof(*t), u32_cmp); /* compares the id, the first word */
	free(m->tags);
	m->tags = t;
	m->tag_count = out;
}

static void get_caps(struct ctl_jr *p, struct ctl_member *m)
{
	const cJSON *a = jr_field(p, "capabilities"), *e;
	size_t n, i = 0, out = 0;
	if (!a)
		return;
	if (!cJSON_IsArray(a) || (n = (size_t)cJSON_GetArraySize(a)) > CTL_MAX_MEMBER_CAPS) {
		p->rc =
		    ctl_err(p->err, p->cap, "\"capabilities\" must be an array of at most %d capability IDs",
		            CTL_MAX_MEMBER_CAPS);
		return;
	}
	uint32_t *c = calloc(n ? n : 1, sizeof(*c));
	if (!c) {
		p->rc = -ENOMEM;
		return;
	}
	cJSON_ArrayForEach(e, a)
	{
		int64_t id;
		if (!ctl_json_int(e, 0, UINT32_MAX, &id)) {
			p->rc =
			    ctl_err(p->err, p->cap, "capabilities[%zu] must be a 32-bit unsigned integer", i);
			free(c);
			return;
		}
		c[i++] = (uint32_t)id;
	}
	qsort(c, n, sizeof(*c), u32_cmp);
	for (i = 0; i < n; i++)
		if (!out || c[out - 1] != c[i])
			c[out++] = c[i];
	free(m->caps);
	m->caps = c;
	m->cap_count = out;
}

static void get_file_fields(struct ctl_jr *p, struct ctl_member *m)
{
	const cJSON *id = jr_field(p, "id"), *ident = jr_field(p, "identity"),
	            *t = jr_field(p, "lastAuthorizedCredentialType");
	int64_t x;
	uint64_t addr;
	if (!cJSON_IsString(id) || !zt_hex_parse(id->valuestring, 10, &addr) || addr != m->address) {
		p->rc = ctl_err(p->err, p->cap, "\"id\" must be the member's 10-digit address");
		return;
	}
	if (ident && !cJSON_IsNull(ident) && !(cJSON_IsString(ident) && ident->valuestring[0] == 0)) {
		if (!cJSON_IsString(ident) ||
		    zt_identity_from_text(&m->identity, ident->valuestring, strlen(ident->valuestring)) !=
		        0 ||
		    m->identity.address != m->address) {
			p->rc = ctl_err(p->err, p->cap, "\"identity\" must be this member's public identity");
			return;
		}
		zt_wipe(m->identity.priv, sizeof(m->identity.priv));
		m->identity.has_priv = false;
		m->has_identity = true;
	}
	if (jr_int(p, "revision", 0, INT64_MAX, &x))
		m->revision = (uint64_t)x;
	jr_int(p, "creationTime", INT64_MIN + 1, INT64_MAX, &m->creation_time);
	jr_int(p, "lastAuthorizedTime", INT64_MIN + 1, INT64_MAX, &m->last_authorized_time);
	jr_int(p, "lastDeauthorizedTime", INT64_MIN + 1, INT64_MAX, &m->last_deauthorized_time);
	jr_int(p, "vMajor", -1, INT32_MAX, &m->vmajor);
	jr_int(p, "vMinor", -1, INT32_MAX, &m->vminor);
	jr_int(p, "vRev", -1, INT32_MAX, &m->vrev);
	jr_int(p, "vProto", -1, INT32_MAX, &m->vproto);
	jr_bool(p, "ssoExempt", &m->sso_exempt);
	jr_bool(p, "authorized", &m->authorized);
	jr_str(p, "lastAuthorizedCredential", CTL_MAX_STRING, CTL_NULL_IS_NULL, &m->auth_credential);
	if (t && !p->rc) {
		m->auth_type = CTL_AUTH_NONE;
		if (cJSON_IsString(t) && !strcmp(t->valuestring, "api"))
			m->auth_type = CTL_AUTH_API;
		else if (cJSON_IsString(t) && !strcmp(t->valuestring, "public"))
			m->auth_type = CTL_AUTH_PUBLIC;
		else if (cJSON_IsString(t) && !strcmp(t->valuestring, "token"))
			m->auth_type = CTL_AUTH_TOKEN;
		else if (cJSON_IsString(t) && !strcmp(t->valuestring, "joinToken"))
			m->auth_type = CTL_AUTH_JOINTOKEN;
	}
}

int ctl_member_apply(struct ctl_member *m, const cJSON *j, bool from_file, int64_t now, char *err, size_t cap)
{
	struct ctl_jr p = {.j = j, .err = err, .cap = cap};
	int64_t x;
	bool auth;
	if (!cJSON_IsObject(j))
		return ctl_err(err, cap, "the body must be a JSON object");
	if (from_file)
		get_file_fields(&p, m);
	jr_bool(&p, "activeBridge", &m->active_bridge);
	jr_bool(&p, "noAutoAssignIps", &m->no_auto_assign_ips);
	jr_int(&p, "authenticationExpiryTime", 0, INT64_MAX, &m->authentication_expiry_time);
	jr_str(&p, "name", CTL_MAX_MEMBER_NAME, CTL_NULL_IS_NULL, &m->name);
	jr_trace_target(&p, &m->remote_trace_target);
	if (jr_int(&p, "remoteTraceLevel", 0, 255, &x))
		m->remote_trace_level = (uint64_t)x;
	if (!from_file && jr_bool(&p, "authorized", &auth) && auth != m->authorized) {
		m->authorized = auth;
		if (auth) {
			m->last_authorized_time = now;
			m->auth_type = CTL_AUTH_API;
			free(m->auth_credential);
			m->auth_credential = NULL;
		} else {
			m->last_deauthorized_time = now;
		}
	}
	if (!p.rc)
		get_ips(&p, m);
	if (!p.rc)
		get_tags(&p, m);
	if (!p.rc)
		get_caps(&p, m);
	return p.rc;
}

int ctl_member_copy(struct ctl_member *dst, const struct ctl_member *src)
{
	ctl_member_init(dst, src->address, src->creation_time);
	*dst = *src;
	dst->tags = NULL;
	dst->caps = NULL;
	dst->name = NULL;
	dst->auth_credential = NULL;
	if ((src->tag_count && !(dst->tags = malloc(src->tag_count * sizeof(*dst->tags)))) ||
	    (src->cap_count && !(dst->caps = malloc(src->cap_count * sizeof(*dst->caps)))) ||
	    (src->name && !(dst->name = strdup(src->name))) ||
	    (src->auth_credential && !(dst->auth_credential = strdup(src->auth_credential)))) {
		ctl_member_free(dst);
		return -ENOMEM;
	}
	if (src->tag_count)
		memcpy(dst->tags, src->tags, src->tag_count * sizeof(*dst->tags));
	if (src->cap_count)
		memcpy(dst->caps, src->caps, src->cap_count * sizeof(*dst->caps));
	return 0;
}

bool ctl_member_same(const struct ctl_member *a, const struct ctl_member *b, uint64_t nwid)
{
	struct ctl_member x = *a;
	x.revision = b->revision;
	cJSON *ja = ctl_member_to_json(&x, nwid), *jb = ctl_member_to_json(b, nwid);
	bool same = ja && jb && cJSON_Compare(ja, jb, true);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	return same;
}
