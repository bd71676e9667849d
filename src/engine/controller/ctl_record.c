/* The network record and its JSON (spec §10.2): stock's fields, defaults and shapes, including its odd
 * defaults ("authTokens":[null], "dns":[]), so tools reading stock's answers read ours. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"

void ctl_netrec_init(struct ctl_netrec *r, uint64_t id, int64_t now)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->creation_time = now;
	r->priv = true;
	r->enable_broadcast = true;
	r->multicast_limit = 32;
	r->mtu = ZT_MTU_DEFAULT;
	/* Stock's default rule table: accept everything, a flat Ethernet. */
	r->rules = calloc(1, sizeof(*r->rules));
	if (r->rules) {
		r->rules[0].t = ZT_RULE_ACTION_ACCEPT;
		r->rule_count = 1;
	}
}

void ctl_capdefs_free(struct ctl_capdef *caps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(caps[i].rules);
	free(caps);
}

void ctl_tokens_free(struct ctl_token *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].name);
	free(t);
}

void ctl_netrec_free(struct ctl_netrec *r)
{
	free(r->name);
	free(r->pools);
	free(r->routes);
	free(r->rules);
	ctl_capdefs_free(r->caps, r->cap_count);
	free(r->tags);
	ctl_tokens_free(r->tokens, r->token_count);
	free(r->rules_source);
	free(r->client_id);
	free(r->authorization_endpoint);
	memset(r, 0, sizeof(*r));
}

/* ---- to JSON ---- */

static void add_rules(struct ctl_jb *b, cJSON *o, const char *key, const struct zt_rule *rules, size_t n)
{
	cJSON *a = jb_arr(b, o, key);
	for (size_t i = 0; a && i < n; i++)
		jb_push(b, a, ctl_rule_to_json(b, &rules[i]));
}

cJSON *ctl_netrec_to_json(const struct ctl_netrec *r)
{
	struct ctl_jb b = {0};
	char text[80], id[17];
	cJSON *o = jb_obj(&b, NULL, NULL), *a, *e;
	if (!o)
		return NULL;
	ctl_hex16(r->id, id);
	if (r->token_count == 0) {
		a = jb_arr(&b, o, "authTokens");
		jb_push(&b, a, cJSON_CreateNull());
	} else {
		e = jb_obj(&b, o, "authTokens");
		for (size_t i = 0; e && i < r->token_count; i++)
			jb_int(&b, e, r->tokens[i].name, r->tokens[i].expires);
	}
	jb_str(&b, o, "authorizationEndpoint", r->authorization_endpoint);
	a = jb_arr(&b, o, "capabilities");
	for (size_t i = 0; a && i < r->cap_count; i++) {
		e = jb_obj(&b, NULL, NULL);
		if (e) {
			jb_int(&b, e, "id", r->caps[i].id);
			jb_bool(&b, e, "default", r->caps[i].dflt);
			add_rules(&b, e, "rules", r->caps[i].rules, r->caps[i].rule_count);
		}
		jb_push(&b, a, e);
	}
	if (r->credential_window)
		jb_int(&b, o, "certificateTimeoutWindowSize", r->credential_window);
	jb_str(&b, o, "clientId", r->client_id);
	jb_int(&b, o, "creationTime", r->creation_time);
	if (r->has_dns) {
		e = jb_obj(&b, o, "dns");
		if (e) {
			jb_str(&b, e, "domain", r->dns_domain);
			a = jb_arr(&b, e, "servers");
			for (size_t i = 0; a && i < r->dns_server_count; i++) {
				ctl_ip_format(&r->dns_servers[i], text, sizeof(text));
				jb_push(&b, a, cJSON_CreateString(text));
			}
		}
	} else {
		jb_arr(&b, o, "dns");
	}
	jb_bool(&b, o, "enableBroadcast", r->enable_broadcast);
	jb_str(&b, o, "id", id);
	a = jb_arr(&b, o, "ipAssignmentPools");
	for (size_t i = 0; a && i < r->pool_count; i++) {
		e = jb_obj(&b, NULL, NULL);
		if (e) {
			ctl_ip_format(&r->pools[i].start, text, sizeof(text));
			jb_str(&b, e, "ipRangeStart", text);
			ctl_ip_format(&r->pools[i].end, text, sizeof(text));
			jb_str(&b, e, "ipRangeEnd", text);
		}
		jb_push(&b, a, e);
	}
	jb_int(&b, o, "mtu", r->mtu);
	jb_int(&b, o, "multicastLimit", r->multicast_limit);
	jb_str(&b, o, "name", r->name);
	jb_str(&b, o, "nwid", id);
	jb_str(&b, o, "objtype", "network");
	jb_bool(&b, o, "private", r->priv);
	jb_int(&b, o, "remoteTraceLevel", (int64_t)r->remote_trace_level);
	if (r->remote_trace_target) {
		ctl_hex10(r->remote_trace_target, text);
		jb_str(&b, o, "remoteTraceTarget", text);
	} else {
		jb_null(&b, o, "remoteTraceTarget");
	}
	jb_int(&b, o, "revision", (int64_t)r->revision);
	a = jb_arr(&b, o, "routes");
	for (size_t i = 0; a && i < r->route_count; i++) {
		e = jb_obj(&b, NULL, NULL);
		if (e) {
			ctl_cidr_format(&r->routes[i].target, text, sizeof(text));
			jb_str(&b, e, "target", text);
			if (r->routes[i].via.family) {
				ctl_ip_format(&r->routes[i].via, text, sizeof(text));
				jb_str(&b, e, "via", text);
			} else {
				jb_null(&b, e, "via");
			}
		}
		jb_push(&b, a, e);
	}
	add_rules(&b, o, "rules", r->rules, r->rule_count);
	jb_str(&b, o, "rulesSource", r->rules_source);
	jb_bool(&b, o, "ssoEnabled", r->sso_enabled);
	a = jb_arr(&b, o, "tags");
	for (size_t i = 0; a && i < r->tag_count; i++) {
		e = jb_obj(&b, NULL, NULL);
		if (e) {
			jb_int(&b, e, "id", r->tags[i].id);
			if (r->tags[i].has_default)
				jb_int(&b, e, "default", r->tags[i].dflt);
			else
				jb_null(&b, e, "default");
		}
		jb_push(&b, a, e);
	}
	e = jb_obj(&b, o, "v4AssignMode");
	if (e)
		jb_bool(&b, e, "zt", r->v4_zt);
	e = jb_obj(&b, o, "v6AssignMode");
	if (e) {
		jb_bool(&b, e, "6plane", r->v6_6plane);
		jb_bool(&b, e, "rfc4193", r->v6_rfc4193);
		jb_bool(&b, e, "zt", r->v6_zt);
	}
	if (b.bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int ctl_netrec_copy(struct ctl_netrec *dst, const struct ctl_netrec *src)
{
	cJSON *j = ctl_netrec_to_json(src);
	int rc;
	if (!j)
		return -ENOMEM;
	ctl_netrec_init(dst, src->id, src->creation_time);
	rc = ctl_netrec_apply(dst, j, true, NULL, 0);
	cJSON_Delete(j);
	if (rc)
		ctl_netrec_free(dst);
	return rc;
}

bool ctl_netrec_same(const struct ctl_netrec *a, const struct ctl_netrec *b)
{
	struct ctl_netrec x = *a;
	x.revision = b->revision;
	cJSON *ja = ctl_netrec_to_json(&x), *jb = ctl_netrec_to_json(b);
	bool same = ja && jb && cJSON_Compare(ja, jb, true);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	return same;
}
