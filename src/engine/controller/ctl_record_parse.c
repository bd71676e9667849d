/* Reading a network record from JSON (spec §10.2): an API body (strict types and ranges, read-only fields
 * ignored) or a stored file (also the read-only fields, and stock's odd default shapes). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"

static void get_assign_modes(struct ctl_jr *p, struct ctl_netrec *r)
{
	const cJSON *v4 = jr_field(p, "v4AssignMode"), *v6 = jr_field(p, "v6AssignMode");
	if (v4) {
		/* Old clients send a string ("zt"); stock still reads it. */
		if (cJSON_IsString(v4))
			r->v4_zt = strcmp(v4->valuestring, "zt") == 0;
		else if (cJSON_IsNull(v4))
			r->v4_zt = false;
		else if (!cJSON_IsObject(v4))
			p->rc =
			    ctl_err(p->err, p->cap, "\"v4AssignMode\" must be an object like {\"zt\":true}");
		else {
			struct ctl_jr q = {.j = v4, .err = p->err, .cap = p->cap};
			r->v4_zt = false;
			jr_bool(&q, "zt", &r->v4_zt);
			p->rc = q.rc;
		}
	}
	if (v6 && !p->rc) {
		r->v6_zt = r->v6_rfc4193 = r->v6_6plane = false;
		if (cJSON_IsString(v6)) { /* old form: "rfc4193,6plane" */
			const char *s = v6->valuestring;
			while (*s) {
				size_t n = strcspn(s, ",");
				if (n == 2 && !strncmp(s, "zt", 2))
					r->v6_zt = true;
				else if (n == 7 && !strncmp(s, "rfc4193", 7))
					r->v6_rfc4193 = true;
				else if (n == 6 && !strncmp(s, "6plane", 6))
					r->v6_6plane = true;
				s += n + (s[n] == ',');
			}
		} else if (cJSON_IsObject(v6)) {
			struct ctl_jr q = {.j = v6, .err = p->err, .cap = p->cap};
			jr_bool(&q, "zt", &r->v6_zt);
			jr_bool(&q, "rfc4193", &r->v6_rfc4193);
			jr_bool(&q, "6plane", &r->v6_6plane);
			p->rc = q.rc;
		} else if (!cJSON_IsNull(v6)) {
			p->rc = ctl_err(
			    p->err, p->cap,
			    "\"v6AssignMode\" must be an object like {\"rfc4193\":true,\"6plane\":false}");
		}
	}
}

/* An array field: NULL if absent; sets an error if present but not an array or too long. */
static const cJSON *get_array(struct ctl_jr *p, const char *key, size_t max, size_t *n)
{
	const cJSON *v = jr_field(p, key);
	if (!v)
		return NULL;
	if (!cJSON_IsArray(v)) {
		p->rc = ctl_err(p->err, p->cap, "\"%s\" must be an array", key);
		return NULL;
	}
	*n = (size_t)cJSON_GetArraySize(v);
	if (*n > max) {
		p->rc = ctl_err(p->err, p->cap, "\"%s\" has more than %zu entries", key, max);
		return NULL;
	}
	return v;
}

static void get_routes(struct ctl_jr *p, struct ctl_netrec *r)
{
	size_t n = 0, i = 0;
	const cJSON *a = get_array(p, "routes", ZT_MAX_NETWORK_ROUTES, &n), *e;
	if (!a)
		return;
	struct ctl_route *v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		p->rc = -ENOMEM;
		return;
	}
	cJSON_ArrayForEach(e, a)
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "target");
		const cJSON *via = cJSON_GetObjectItemCaseSensitive(e, "via");
		if (!cJSON_IsString(t) || ctl_ip_parse(&v[i].target, t->valuestring, NULL) != 0) {
			p->rc = ctl_err(p->err, p->cap,
			                "routes[%zu]: \"target\" must be an address/bits string", i);
			break;
		}
		if (via && !cJSON_IsNull(via) && !(cJSON_IsString(via) && via->valuestring[0] == 0)) {
			bool bits;
			if (!cJSON_IsString(via) || ctl_ip_parse(&v[i].via, via->valuestring, &bits) != 0 ||
			    bits || v[i].via.family != v[i].target.family) {
				p->rc = ctl_err(
				    p->err, p->cap,
				    "routes[%zu]: \"via\" must be null or an address of the target's family",
				    i);
				break;
			}
		}
		i++;
	}
	if (p->rc) {
		free(v);
		return;
	}
	free(r->routes);
	r->routes = v;
	r->route_count = n;
}

static void get_pools(struct ctl_jr *p, struct ctl_netrec *r)
{
	size_t n = 0, i = 0;
	const cJSON *a = get_array(p, "ipAssignmentPools", CTL_MAX_POOLS, &n), *e;
	if (!a)
		return;
	struct ctl_pool *v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		p->rc = -ENOMEM;
		return;
	}
	cJSON_ArrayForEach(e, a)
	{
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "ipRangeStart");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "ipRangeEnd");
		bool b1 = false, b2 = false;
		if (!cJSON_IsString(s) || !cJSON_IsString(t) ||
		    ctl_ip_parse(&v[i].start, s->valuestring, &b1) ||
		    ctl_ip_parse(&v[i].end, t->valuestring, &b2) || b1 || b2) {
			p->rc = ctl_err(
			    p->err, p->cap,
			    "ipAssignmentPools[%zu]: needs \"ipRangeStart\" and \"ipRangeEnd\" addresses", i);
			break;
		}
		if (v[i].start.family != v[i].end.family || ctl_ip_compare(&v[i].start, &v[i].end) > 0) {
			p->rc = ctl_err(
			    p->err, p->cap,
			    "ipAssignmentPools[%zu]: start and end must be one family, start <= end", i);
			break;
		}
		i++;
	}
	if (p->rc) {
		free(v);
		return;
	}
	free(r->pools);
	r->pools = v;
	r->pool_count = n;
}

static int parse_rules(const cJSON *a, size_t n, struct zt_rule **out, const char *what, char *err,
                       size_t cap)
{
	size_t i = 0;
	const cJSON *e;
	char sub[160];
	struct zt_rule *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	cJSON_ArrayForEach(e, a)
	{
		int rc = ctl_rule_from_json(&v[i], e, sub, sizeof(sub));
		if (rc) {
			free(v);
			return ctl_err(err, cap, "%s[%zu]: %s", what, i, sub);
		}
		i++;
	}
	*out = v;
	return 0;
}

static void get_rules(struct ctl_jr *p, struct ctl_netrec *r)
{
	size_t n = 0;
	struct zt_rule *v = NULL;
	const cJSON *a = get_array(p, "rules", ZT_MAX_NETWORK_RULES, &n);
	if (!a || (p->rc = parse_rules(a, n, &v, "rules", p->err, p->cap)) != 0)
		return;
	free(r->rules);
	r->rules = v;
	r->rule_count = n;
}

static int cap_cmp(const void *a, const void *b)
{
	const struct ctl_capdef *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int tag_cmp(const void *a, const void *b)
{
	const struct ctl_tagdef *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void get_caps(struct ctl_jr *p, struct ctl_netrec *r)
{
	size_t n = 0, i = 0, out = 0;
	const cJSON *a = get_array(p, "capabilities", ZT_MAX_NETWORK_CAPABILITIES, &n), *e;
	char sub[160];
	if (!a)
		return;
	struct ctl_capdef *v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		p->rc = -ENOMEM;
		return;
	}
	cJSON_ArrayForEach(e, a)
	{
		struct ctl_jr q = {.j = e, .err = sub, .cap = sizeof(sub)};
		int64_t id = 0;
		size_t rn = 0;
		const cJSON *ra = NULL;
		if (!cJSON_IsObject(e)) {
			q.rc = ctl_err(sub, sizeof(sub), "must be an object");
		} else {
			jr_int(&q, "id", 0, UINT32_MAX, &id);
			jr_bool(&q, "default", &v[i].dflt);
			ra = get_array(&q, "rules", ZT_MAX_CAPABILITY_RULES, &rn);
			if (ra && !q.rc)
				q.rc = parse_rules(ra, rn, &v[i].rules, "rules", sub, sizeof(sub));
		}
		if (q.rc) {
			p->rc = q.rc == -EBADMSG ? ctl_err(p->err, p->cap, "capabilities[%zu]: %s", i, sub)
			                         : q.rc;
			break;
		}
		v[i].id = (uint32_t)id;
		v[i].rule_count = ra ? rn : 0;
		i++;
	}
	if (p->rc) {
		ctl_capdefs_free(v, n);
		return;
	}
	/* One entry per id, the last given wins (stock keeps them in a map). */
	for (i = 0; i < n; i++) {
		bool later = false;
		for (size_t k = i + 1; k < n && !later; k++)
			later = v[k].id == v[i].id;
		if (later)
			free(v[i].rules);
		else
			v[out++] = v[i];
	}
	qsort(v, out, sizeof(*v), cap_cmp);
	ctl_capdefs_free(r->caps, r->cap_count);
	r->caps = v;
	r->cap_count = out;
}

static void get_tags(struct ctl_jr *p, struct ctl_netrec *r)
{
	size_t n = 0, i = 0, out = 0;
	const cJSON *a = get_array(p, "tags", ZT_MAX_NETWORK_TAGS, &n), *e;
	char sub[160];
	if (!a)
		return;
	struct ctl_tagdef *v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		p->rc = -ENOMEM;
		return;
	}
	cJSON_ArrayForEach(e, a)
	{
		struct ctl_jr q = {.j = e, .err = sub, .cap = sizeof(sub)};
		int64_t x = 0;
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "default");
		if (!cJSON_IsObject(e)) {
			q.rc = ctl_err(sub, sizeof(sub), "must be an object");
		} else {
			jr_int(&q, "id", 0, UINT32_MAX, &x);
			v[i].id = (uint32_t)x;
			if (d && !cJSON_IsNull(d) && jr_int(&q, "default", 0, UINT32_MAX, &x)) {
				v[i].has_default = true;
				v[i].dflt = (uint32_t)x;
			}
		}
		if (q.rc) {
			p->rc = ctl_err(p->err, p->cap, "tags[%zu]: %s", i, sub);
			break;
		}
		i++;
	}
	if (p->rc) {
		free(v);
		return;
	}
	for (i = 0; i < n; i++) {
		bool later = false;
		for (size_t k = i + 1; k < n && !later; k++)
			later = v[k].id == v[i].id;
		if (!later)
			v[out++] = v[i];
	}
	qsort(v, out, sizeof(*v), tag_cmp);
	free(r->tags);
	r->tags = v;
	r->tag_count = out;
}

static void get_dns(struct ctl_jr *p, struct ctl_netrec *r)
{
	const cJSON *v = jr_field(p, "dns"), *d, *s, *e;
	size_t i = 0;
	struct zt_inetaddr servers[ZT_MAX_DNS_SERVERS];
	if (!v)
		return;
	/* [] (stock's default) and null: no DNS pushed. */
	if (cJSON_IsNull(v) || (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0)) {
		r->has_dns = false;
		return;
	}
	if (!cJSON_IsObject(v)) {
		p->rc = ctl_err(p->err, p->cap, "\"dns\" must be an object {\"domain\":..,\"servers\":[..]}");
		return;
	}
	d = cJSON_GetObjectItemCaseSensitive(v, "domain");
	s = cJSON_GetObjectItemCaseSensitive(v, "servers");
	if (d && !cJSON_IsNull(d) && (!cJSON_IsString(d) || strlen(d->valuestring) >= ZT_DNS_DOMAIN_LEN)) {
		p->rc = ctl_err(p->err, p->cap, "dns: \"domain\" must be a string of at most %d bytes",
		                ZT_DNS_DOMAIN_LEN - 1);
		return;
	}
	if (s && !cJSON_IsNull(s) && (!cJSON_IsArray(s) || cJSON_GetArraySize(s) > ZT_MAX_DNS_SERVERS)) {
		p->rc = ctl_err(p->err, p->cap, "dns: \"servers\" must be an array of at most %d addresses",
		                ZT_MAX_DNS_SERVERS);
		return;
	}
	cJSON_ArrayForEach(e, s)
	{
		bool bits;
		if (!cJSON_IsString(e) || ctl_ip_parse(&servers[i], e->valuestring, &bits) || bits) {
			p->rc = ctl_err(p->err, p->cap, "dns.servers[%zu] must be an IP address", i);
			return;
		}
		i++;
	}
	r->has_dns = true;
	memset(r->dns_domain, 0, sizeof(r->dns_domain));
	if (cJSON_IsString(d))
		memcpy(r->dns_domain, d->valuestring, strlen(d->valuestring));
	memcpy(r->dns_servers, servers, i * sizeof(servers[0]));
	r->dns_server_count = i;
}

static void get_tokens(struct ctl_jr *p, struct ctl_netrec *r)
{
	const cJSON *v = jr_field(p, "authTokens"), *e;
	size_t n = 0, i = 0;
	if (!v)
		return;
	if (!cJSON_IsObject(v)) {
		/* Stock's default is [null]; any array of nulls or null itself means "no tokens". */
		bool empty = cJSON_IsNull(v) || cJSON_IsArray(v);
		cJSON_ArrayForEach(e, v) empty =
		    empty && (cJSON_IsNull(e) || (cJSON_IsObject(e) && cJSON_GetArraySize(e) == 0));
		if (!empty) {
			p->rc = ctl_err(p->err, p->cap,
			                "\"authTokens\" must be an object {\"<token>\":<expiry ms or 0>}");
			return;
		}
		ctl_tokens_free(r->tokens, r->token_count);
		r->tokens = NULL;
		r->token_count = 0;
		return;
	}
	n = (size_t)cJSON_GetArraySize(v);
	if (n > CTL_MAX_TOKENS) {
		p->rc = ctl_err(p->err, p->cap, "\"authTokens\" has more than %d entries", CTL_MAX_TOKENS);
		return;
	}
	struct ctl_token *t = calloc(n ? n : 1, sizeof(*t));
	if (!t) {
		p->rc = -ENOMEM;
		return;
	}
	cJSON_ArrayForEach(e, v)
	{
		if (!e->string || !e->string[0] || strlen(e->string) > 511 ||
		    !ctl_json_int(e, 0, INT64_MAX, &t[i].expires)) {
			p->rc = ctl_err(
			    p->err, p->cap,
			    "authTokens: each token must be a non-empty name (< 512 bytes) with an expiry "
			    "in ms, 0 for never");
			break;
		}
		if (!(t[i].name = strdup(e->string))) {
			p->rc = -ENOMEM;
			break;
		}
		i++;
	}
	if (p->rc) {
		ctl_tokens_free(t, i);
		return;
	}
	ctl_tokens_free(r->tokens, r->token_count);
	r->tokens = t;
	r->token_count = n;
}

int ctl_netrec_apply(struct ctl_netrec *r, const cJSON *j, bool from_file, char *err, size_t cap)
{
	struct ctl_jr p = {.j = j, .err = err, .cap = cap};
	int64_t x;
	if (!cJSON_IsObject(j))
		return ctl_err(err, cap, "the body must be a JSON object");
	if (from_file) {
		const cJSON *id = jr_field(&p, "id");
		if (!cJSON_IsString(id) || !zt_hex_parse(id->valuestring, 16, &r->id))
			return ctl_err(err, cap, "\"id\" must be a 16-digit network ID");
		if (jr_int(&p, "revision", 0, INT64_MAX, &x))
			r->revision = (uint64_t)x;
		jr_int(&p, "creationTime", INT64_MIN + 1, INT64_MAX, &r->creation_time);
		jr_bool(&p, "ssoEnabled", &r->sso_enabled);
		jr_str(&p, "rulesSource", CTL_MAX_STRING * 16, CTL_NULL_IS_EMPTY, &r->rules_source);
		jr_str(&p, "clientId", CTL_MAX_STRING, CTL_NULL_IS_EMPTY, &r->client_id);
		jr_str(&p, "authorizationEndpoint", CTL_MAX_STRING, CTL_NULL_IS_EMPTY,
		       &r->authorization_endpoint);
	}
	jr_str(&p, "name", from_file ? CTL_MAX_STRING : CTL_MAX_NAME,
	       from_file ? CTL_NULL_IS_EMPTY : CTL_NULL_ERROR, &r->name);
	jr_bool(&p, "private", &r->priv);
	jr_bool(&p, "enableBroadcast", &r->enable_broadcast);
	if (jr_int(&p, "multicastLimit", 0, UINT32_MAX, &x))
		r->multicast_limit = (uint32_t)x;
	if (jr_int(&p, "mtu", ZT_MTU_MIN, ZT_MTU_MAX, &x))
		r->mtu = (uint32_t)x;
	jr_trace_target(&p, &r->remote_trace_target);
	if (jr_int(&p, "remoteTraceLevel", 0, 255, &x))
		r->remote_trace_level = (uint64_t)x;
	jr_int(&p, "certificateTimeoutWindowSize", 0, INT32_MAX, &r->credential_window);
	get_assign_modes(&p, r);
	if (!p.rc)
		get_routes(&p, r);
	if (!p.rc)
		get_pools(&p, r);
	if (!p.rc)
		get_rules(&p, r);
	if (!p.rc)
		get_caps(&p, r);
	if (!p.rc)
		get_tags(&p, r);
	if (!p.rc)
		get_dns(&p, r);
	if (!p.rc)
		get_tokens(&p, r);
	return p.rc;
}
