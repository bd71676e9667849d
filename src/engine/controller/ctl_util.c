/* Small helpers of the controller: error text, stock-shaped JSON output and a record written through the
 * store callback, IP address text, hex IDs. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"

int ctl_err(char *err, size_t cap, const char *fmt, ...)
{
	if (err && cap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, cap, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

void ctl_log(struct zt_controller *c, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	if (!c->cb.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->cb.log(c->arg, line);
}

static int key_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

/* Stock keeps objects in a std::map, so its files and answers list keys in byte order; we match it. */
static bool sort_keys(cJSON *j)
{
	size_t n = 0;
	for (cJSON *e = j->child; e; e = e->next)
		if (!sort_keys(e))
			return false;
	if (!cJSON_IsObject(j) || !j->child)
		return true;
	for (cJSON *e = j->child; e; e = e->next)
		n++;
	cJSON **v = malloc(n * sizeof(*v));
	if (!v)
		return false;
	n = 0;
	for (cJSON *e = j->child; e; e = e->next)
		v[n++] = e;
	qsort(v, n, sizeof(*v), key_cmp);
	for (size_t i = 0; i < n; i++) {
		v[i]->prev = i ? v[i - 1] : v[n - 1];
		v[i]->next = i + 1 < n ? v[i + 1] : NULL;
	}
	j->child = v[0];
	free(v);
	return true;
}

char *ctl_json_print(cJSON *j)
{
	if (!sort_keys(j))
		return NULL;
	return cJSON_PrintUnformatted(j);
}

int ctl_store_put(struct zt_controller *c, const char *name, cJSON *j)
{
	char *text;
	int rc;
	if (!j)
		return -ENOMEM;
	if (!c->cb.store_put) {
		cJSON_Delete(j);
		return 0;
	}
	text = ctl_json_print(j);
	cJSON_Delete(j);
	if (!text)
		return -ENOMEM;
	rc = c->cb.store_put(c->arg, name, text, strlen(text));
	free(text);
	if (rc < 0) {
		c->counters.store_errors++;
		ctl_log(c, "controller: cannot store %s: %s", name, strerror(-rc));
	}
	return rc < 0 ? rc : 0;
}

/* JSON numbers are doubles: integers are exact up to 2^53, which bounds every field we accept. */
bool ctl_json_int(const cJSON *j, int64_t min, int64_t max, int64_t *out)
{
	if (!cJSON_IsNumber(j))
		return false;
	double d = j->valuedouble;
	if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0))
		return false;
	int64_t v = (int64_t)d;
	if ((double)v != d || v < min || v > max)
		return false;
	*out = v;
	return true;
}

const cJSON *jr_field(struct ctl_jr *p, const char *key)
{
	return p->rc ? NULL : cJSON_GetObjectItemCaseSensitive(p->j, key);
}

bool jr_bool(struct ctl_jr *p, const char *key, bool *out)
{
	const cJSON *v = jr_field(p, key);
	if (!v)
		return false;
	if (!cJSON_IsBool(v)) {
		p->rc = ctl_err(p->err, p->cap, "\"%s\" must be true or false", key);
		return false;
	}
	*out = cJSON_IsTrue(v);
	return true;
}

bool jr_int(struct ctl_jr *p, const char *key, int64_t min, int64_t max, int64_t *out)
{
	const cJSON *v = jr_field(p, key);
	if (!v)
		return false;
	if (!ctl_json_int(v, min, max, out)) {
		p->rc = ctl_err(p->err, p->cap, "\"%s\" must be an integer %lld..%lld", key, (long long)min,
		                (long long)max);
		return false;
	}
	return true;
}

void jr_str(struct ctl_jr *p, const char *key, size_t max, enum ctl_jr_null null, char **out)
{
	const cJSON *v = jr_field(p, key);
	char *s = NULL;
	if (!v)
		return;
	if (null != CTL_NULL_ERROR && cJSON_IsNull(v)) {
		if (null == CTL_NULL_IS_EMPTY && !(s = strdup(""))) {
			p->rc = -ENOMEM;
			return;
		}
	} else if (!cJSON_IsString(v)) {
		p->rc = ctl_err(p->err, p->cap, "\"%s\" must be a string", key);
		return;
	} else if (strlen(v->valuestring) > max) {
		p->rc = ctl_err(p->err, p->cap, "\"%s\" is longer than %zu bytes", key, max);
		return;
	} else if (!(s = strdup(v->valuestring))) {
		p->rc = -ENOMEM;
		return;
	}
	free(*out);
	*out = s;
}

void jr_trace_target(struct ctl_jr *p, uint64_t *out)
{
	const cJSON *v = jr_field(p, "remoteTraceTarget");
	if (!v)
		return;
	if (cJSON_IsNull(v) || (cJSON_IsString(v) && v->valuestring[0] == 0))
		*out = 0;
	else if (!cJSON_IsString(v) || !zt_hex_parse(v->valuestring, 10, out))
		p->rc = ctl_err(p->err, p->cap, "\"remoteTraceTarget\" must be null or a 10-digit address");
}

void jb_str(struct ctl_jb *b, cJSON *o, const char *key, const char *v)
{
	if (!cJSON_AddStringToObject(o, key, v ? v : ""))
		b->bad = true;
}

void jb_int(struct ctl_jb *b, cJSON *o, const char *key, int64_t v)
{
	if (!cJSON_AddNumberToObject(o, key, (double)v))
		b->bad = true;
}

void jb_bool(struct ctl_jb *b, cJSON *o, const char *key, bool v)
{
	if (!cJSON_AddBoolToObject(o, key, v))
		b->bad = true;
}

void jb_null(struct ctl_jb *b, cJSON *o, const char *key)
{
	if (!cJSON_AddNullToObject(o, key))
		b->bad = true;
}

cJSON *jb_obj(struct ctl_jb *b, cJSON *o, const char *key)
{
	cJSON *v = key ? cJSON_AddObjectToObject(o, key) : cJSON_CreateObject();
	if (!v)
		b->bad = true;
	return v;
}

cJSON *jb_arr(struct ctl_jb *b, cJSON *o, const char *key)
{
	cJSON *v = cJSON_AddArrayToObject(o, key);
	if (!v)
		b->bad = true;
	return v;
}

void jb_push(struct ctl_jb *b, cJSON *arr, cJSON *item)
{
	if (!item || !arr || !cJSON_AddItemToArray(arr, item)) {
		cJSON_Delete(item);
		b->bad = true;
	}
}

int ctl_ip_parse(struct zt_inetaddr *a, const char *s, bool *bits_given)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long bits = 0;
	memset(a, 0, sizeof(*a));
	if (bits_given)
		*bits_given = slash != NULL;
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (slash) {
		char *end;
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		bits = strtoul(slash + 1, &end, 10);
		if (*end || bits > 128)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, a->ip) == 1) {
		if (bits > 32)
			return -EINVAL;
		a->family = ZT_INET_V4;
	} else if (inet_pton(AF_INET6, buf, a->ip) == 1) {
		a->family = ZT_INET_V6;
	} else {
		return -EINVAL;
	}
	a->port = (uint16_t)bits;
	return 0;
}

void ctl_ip_format(const struct zt_inetaddr *a, char *out, size_t cap)
{
	if (!inet_ntop(a->family == ZT_INET_V4 ? AF_INET : AF_INET6, a->ip, out, (socklen_t)cap))
		snprintf(out, cap, "%s", "");
}

void ctl_cidr_format(const struct zt_inetaddr *a, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	ctl_ip_format(a, ip, sizeof(ip));
	snprintf(out, cap, "%s/%u", ip, (unsigned)a->port);
}

bool ctl_cidr_contains(const struct zt_inetaddr *net, const struct zt_inetaddr *ip)
{
	unsigned len = net->family == ZT_INET_V4 ? 32 : 128;
	unsigned bits = net->port;
	if (net->family != ip->family || net->family == ZT_INET_NONE || bits > len)
		return false;
	for (unsigned i = 0; i < bits / 8; i++)
		if (net->ip[i] != ip->ip[i])
			return false;
	if (bits % 8) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));
		if ((net->ip[bits / 8] & mask) != (ip->ip[bits / 8] & mask))
			return false;
	}
	return true;
}

int ctl_ip_compare(const struct zt_inetaddr *a, const struct zt_inetaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->ip, b->ip, a->family == ZT_INET_V4 ? 4 : 16);
}

void ctl_hex10(uint64_t v, char out[11])
{
	snprintf(out, 11, "%010llx", (unsigned long long)(v & 0xffffffffffULL));
}

void ctl_hex16(uint64_t v, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)v);
}

uint64_t ctl_random_u64(struct zt_controller *c)
{
	uint8_t b[8];
	uint64_t v = 0;
	c->cb.random(c->arg, b, sizeof(b));
	for (int i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return v;
}
