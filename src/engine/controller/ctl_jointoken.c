/* Join tokens (controller.h, JOIN TOKENS): their records and files, and letting a member in with one. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"
#include "vl1/crypto.h"

bool ctl_jt_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > CTL_JT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

struct ctl_jointoken *ctl_jt_find(const struct ctl_network *n, const char *name)
{
	for (size_t i = 0; i < n->jt_count; i++)
		if (strcmp(n->jts[i]->name, name) == 0)
			return n->jts[i];
	return NULL;
}

const struct ctl_jointoken *ctl_jt_of_member(const struct ctl_network *n, const struct ctl_member *m)
{
	if (m->auth_type != CTL_AUTH_JOINTOKEN || !m->auth_credential)
		return NULL;
	return ctl_jt_find(n, m->auth_credential);
}

int ctl_jt_add(struct ctl_network *n, struct ctl_jointoken *t)
{
	if (n->jt_count == CTL_MAX_JOIN_TOKENS)
		return -ENOSPC;
	struct ctl_jointoken **a = realloc(n->jts, (n->jt_count + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	n->jts = a;
	size_t i = n->jt_count;
	while (i > 0 && strcmp(n->jts[i - 1]->name, t->name) > 0) /* sorted by name, as the files load */
		i--;
	memmove(n->jts + i + 1, n->jts + i, (n->jt_count - i) * sizeof(*n->jts));
	n->jts[i] = t;
	n->jt_count++;
	return 0;
}

void ctl_jts_free(struct ctl_network *n)
{
	for (size_t i = 0; i < n->jt_count; i++)
		free(n->jts[i]);
	free(n->jts);
	n->jts = NULL;
	n->jt_count = 0;
}

/* ---- records <-> JSON ---- */

static const char *state_of(const struct ctl_jointoken *t, int64_t now)
{
	if (t->revoked_time)
		return "revoked";
	if (t->expires && now >= t->expires)
		return "expired";
	if (t->max_uses && t->uses >= t->max_uses)
		return "used up";
	return "active";
}

cJSON *ctl_jt_to_json(const struct ctl_jointoken *t, bool api, int64_t now)
{
	struct ctl_jb b = {0};
	char hex[2 * ZT_JOIN_TOKEN_HASH_LEN + 1], addr[11], cidr[64];
	cJSON *o = jb_obj(&b, NULL, NULL), *users;
	if (!o)
		return NULL;
	jb_str(&b, o, "name", t->name);
	if (!api) {
		for (size_t i = 0; i < ZT_JOIN_TOKEN_HASH_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", t->hash[i]);
		jb_str(&b, o, "hash", hex);
	}
	jb_int(&b, o, "creationTime", t->creation_time);
	jb_int(&b, o, "expires", t->expires);
	jb_int(&b, o, "revokedTime", t->revoked_time);
	jb_int(&b, o, "maxUses", (int64_t)t->max_uses);
	jb_int(&b, o, "useCount", (int64_t)t->uses);
	jb_int(&b, o, "refusedCount", (int64_t)t->refused);
	if (t->has_pool) {
		ctl_cidr_format(&t->cidr, cidr, sizeof(cidr));
		jb_str(&b, o, "ipPool", cidr);
	} else {
		jb_null(&b, o, "ipPool");
	}
	if (api) {
		jb_str(&b, o, "state", state_of(t, now));
		if (t->max_uses)
			jb_int(&b, o, "usesLeft", (int64_t)(t->uses < t->max_uses ? t->max_uses - t->uses : 0));
		else
			jb_null(&b, o, "usesLeft");
	}
	if ((users = jb_arr(&b, o, "usedBy"))) {
		for (size_t i = 0; i < t->user_count; i++) {
			cJSON *u = jb_obj(&b, NULL, NULL);
			if (u) {
				ctl_hex10(t->users[i].address, addr);
				jb_str(&b, u, "address", addr);
				jb_int(&b, u, "time", t->users[i].time);
			}
			jb_push(&b, users, u);
		}
	}
	if (b.bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The pool a CIDR stands for: every address but the network and broadcast ones of an IPv4 subnet of 4 or
 * more; the whole range otherwise. */
void ctl_jt_set_pool(struct ctl_jointoken *t, const struct zt_inetaddr *cidr)
{
	unsigned len = cidr->family == ZT_INET_V4 ? 32 : 128, bits = cidr->port;
	struct zt_inetaddr s = *cidr, e = *cidr;
	s.port = e.port = 0;
	for (unsigned i = bits; i < len; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));
		s.ip[i / 8] &= (uint8_t)~bit;
		e.ip[i / 8] |= bit;
	}
	t->has_pool = true;
	t->cidr = s;
	t->cidr.port = (uint16_t)bits;
	if (cidr->family == ZT_INET_V4 && bits <= 30) {
		s.ip[3]++; /* never carries: the host part, two bits or more, is all zeros here */
		e.ip[3]--; /* and all ones here */
	}
	t->pool.start = s;
	t->pool.end = e;
}

int ctl_jt_from_json(struct ctl_jointoken *t, const char *name, const cJSON *j, char *err, size_t cap)
{
	struct ctl_jr p = {.j = j, .err = err, .cap = cap};
	const cJSON *v;
	int64_t x;
	memset(t, 0, sizeof(*t));
	if (!cJSON_IsObject(j))
		return ctl_err(err, cap, "a join token record must be a JSON object");
	if (!ctl_jt_name_ok(name))
		return ctl_err(err, cap, "not a join token's name");
	snprintf(t->name, sizeof(t->name), "%s", name);
	v = jr_field(&p, "name");
	if (!p.rc && (!cJSON_IsString(v) || strcmp(v->valuestring, name) != 0))
		return ctl_err(err, cap, "\"name\" is not the token the file is named after");
	v = jr_field(&p, "hash");
	if (!p.rc && (!cJSON_IsString(v) || strlen(v->valuestring) != 2 * ZT_JOIN_TOKEN_HASH_LEN ||
	              !zt_hex_bytes(v->valuestring, ZT_JOIN_TOKEN_HASH_LEN, t->hash)))
		return ctl_err(err, cap, "\"hash\" must be %d hex digits", 2 * ZT_JOIN_TOKEN_HASH_LEN);
	jr_int(&p, "creationTime", 0, INT64_MAX, &t->creation_time);
	jr_int(&p, "expires", 0, INT64_MAX, &t->expires);
	jr_int(&p, "revokedTime", 0, INT64_MAX, &t->revoked_time);
	if (jr_int(&p, "maxUses", 0, INT64_MAX, &x))
		t->max_uses = (uint64_t)x;
	if (jr_int(&p, "useCount", 0, INT64_MAX, &x))
		t->uses = (uint64_t)x;
	if (jr_int(&p, "refusedCount", 0, INT64_MAX, &x))
		t->refused = (uint64_t)x;
	if (p.rc)
		return p.rc;
	v = cJSON_GetObjectItemCaseSensitive(j, "ipPool");
	if (v && !cJSON_IsNull(v)) {
		struct zt_inetaddr cidr;
		bool bits;
		if (!cJSON_IsString(v) || ctl_ip_parse(&cidr, v->valuestring, &bits) != 0 || !bits)
			return ctl_err(err, cap, "\"ipPool\" must be null or a CIDR");
		ctl_jt_set_pool(t, &cidr);
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "usedBy");
	if (v && !cJSON_IsArray(v))
		return ctl_err(err, cap, "\"usedBy\" must be an array");
	const cJSON *u;
	cJSON_ArrayForEach(u, v)
	{
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(u, "address");
		struct ctl_jt_user user = {0};
		if (!cJSON_IsString(a) || !zt_hex_parse(a->valuestring, 10, &user.address) ||
		    !ctl_json_int(cJSON_GetObjectItemCaseSensitive(u, "time"), 0, INT64_MAX, &user.time))
			return ctl_err(err, cap, "\"usedBy\" holds {\"address\": 10 hex digits, \"time\": ms}");
		if (t->user_count == CTL_JT_MAX_USERS) { /* the newest are kept */
			memmove(t->users, t->users + 1, (CTL_JT_MAX_USERS - 1) * sizeof(t->users[0]));
			t->user_count--;
		}
		t->users[t->user_count++] = user;
	}
	return 0;
}

int ctl_store_jointoken(struct zt_controller *c, uint64_t nwid, const struct ctl_jointoken *t)
{
	char name[128];
	if (!c->cb.store_put)
		return 0; /* not even the record made */
	snprintf(name, sizeof(name), "network/%016" PRIx64 "/jointoken/%s.json", nwid, t->name);
	return ctl_store_put(c, name, ctl_jt_to_json(t, false, 0));
}

/* ---- letting members in ---- */

static void refuse(struct zt_controller *c, struct ctl_network *n, struct ctl_jointoken *t)
{
	c->counters.join_token_refused++;
	if (!t) {
		n->jt_refused_unknown++;
		return;
	}
	t->refused++;
	ctl_store_jointoken(c, n->rec.id, t); /* a count; a failed write is counted and retried next time */
}

enum ctl_jt_result ctl_jt_admit(struct zt_controller *c, struct ctl_network *n, const struct ctl_member *m,
                                const struct zt_dict *md, int64_t now, const char **name)
{
	char text[ZT_JOIN_TOKEN_LEN + 1];
	uint8_t hash[ZT_JOIN_TOKEN_HASH_LEN];
	struct ctl_jointoken *t = NULL;
	uint64_t nwid = 0;
	size_t len = 0;
	int rc = md ? zt_dict_get(md, ZT_JOIN_TOKEN_KEY, text, sizeof(text), &len) : -ENOENT;
	if (rc == -ENOENT)
		return CTL_JT_NONE;
	if (rc == 0 && zt_join_token_parse(text, len, &nwid) && nwid == n->rec.id) {
		zt_join_token_hash(hash, text, len);
		for (size_t i = 0; i < n->jt_count; i++) /* every one compared, in constant time */
			if (zt_ct_eq(hash, n->jts[i]->hash, sizeof(hash)))
				t = n->jts[i];
		zt_wipe(hash, sizeof(hash));
	}
	zt_wipe(text, sizeof(text));
	/* Once deauthorized, a member comes back only by an operator's hand (member authorize), even with a
	 * token that has uses left: otherwise deauthorizing a member with a token would last a minute. */
	if (!t || t->revoked_time || (t->expires && now >= t->expires) ||
	    (t->max_uses && t->uses >= t->max_uses) || m->last_deauthorized_time) {
		refuse(c, n, t);
		return CTL_JT_REFUSED;
	}
	/* The use is stored before the member hears anything: after a crash a use is lost at worst, never
	 * handed out twice. The core is single-threaded, so two requests for the last use come one after the
	 * other, and the second finds none left. */
	struct ctl_jointoken before = *t;
	t->uses++;
	if (t->user_count == CTL_JT_MAX_USERS) {
		memmove(t->users, t->users + 1, (CTL_JT_MAX_USERS - 1) * sizeof(t->users[0]));
		t->user_count--;
	}
	t->users[t->user_count++] = (struct ctl_jt_user){.address = m->address, .time = now};
	if (ctl_store_jointoken(c, n->rec.id, t) != 0) {
		*t = before;
		c->counters.join_token_refused++;
		return CTL_JT_REFUSED;
	}
	c->counters.join_token_admitted++;
	*name = t->name;
	return CTL_JT_ADMITTED;
}

size_t ctl_jt_strip(uint8_t *md, size_t len)
{
	static const char key[] = ZT_JOIN_TOKEN_KEY "=";
	size_t out = 0, i = 0;
	while (i < len) {
		size_t e = i;
		while (e < len && md[e] != '\n')
			e++;
		bool drop = e - i >= sizeof(key) - 1 && memcmp(md + i, key, sizeof(key) - 1) == 0;
		if (!drop) {
			if (out)
				md[out++] = '\n';
			memmove(md + out, md + i, e - i);
			out += e - i;
		}
		i = e + 1;
	}
	if (out < len)
		zt_wipe(md + out, len - out);
	return out;
}
