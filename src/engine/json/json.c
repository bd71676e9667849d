/* zt_json_parse: a validating pass over the bytes (grammar, UTF-8, escapes, depth, numbers), then cJSON
 * builds the tree, then equal keys are looked for in each object. The pass is a recursive descent bounded
 * by ZT_JSON_MAX_DEPTH. */
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scan {
	const unsigned char *p, *end, *start;
	char *err;
	size_t cap;
	bool bad;
};

static bool fail(struct scan *s, const char *fmt, ...)
{
	if (s->bad)
		return false;
	s->bad = true;
	if (s->cap) {
		char what[96];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		snprintf(s->err, s->cap, "%s at byte %zu", what, (size_t)(s->p - s->start));
	}
	return false;
}

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hex4(const unsigned char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* One UTF-8 sequence of 2-4 bytes starting at s->p (its lead byte >= 0x80): well-formed, shortest form,
 * no surrogates, at most U+10FFFF (RFC 3629 §4). */
static bool utf8(struct scan *s)
{
	const unsigned char *p = s->p;
	unsigned c = p[0], n, lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		n = 1;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return fail(s, "invalid UTF-8");
	if ((size_t)(s->end - p) <= n)
		return fail(s, "invalid UTF-8");
	if (p[1] < lo || p[1] > hi)
		return fail(s, "invalid UTF-8");
	for (unsigned i = 2; i <= n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return fail(s, "invalid UTF-8");
	s->p += n + 1;
	return true;
}

static bool string(struct scan *s)
{
	s->p++; /* the opening quote */
	while (s->p < s->end) {
		unsigned c = *s->p;
		if (c == '"') {
			s->p++;
			return true;
		}
		if (c < 0x20)
			return fail(s, "control character in a string");
		if (c >= 0x80) {
			if (!utf8(s))
				return false;
			continue;
		}
		if (c != '\\') {
			s->p++;
			continue;
		}
		if (s->end - s->p < 2)
			break;
		c = s->p[1];
		if (c != 'u') {
			if (!strchr("\"\\/bfnrt", (int)c) || c == 0)
				return fail(s, "bad escape in a string");
			s->p += 2;
			continue;
		}
		int u = s->end - s->p >= 6 ? hex4(s->p + 2) : -1;
		if (u < 0)
			return fail(s, "bad \\u escape");
		if (u == 0)
			return fail(s, "\\u0000 in a string");
		if (u >= 0xdc00 && u <= 0xdfff)
			return fail(s, "unpaired surrogate \\u%04x", (unsigned)u);
		if (u >= 0xd800 && u <= 0xdbff) {
			int low = s->end - s->p >= 12 && s->p[6] == '\\' && s->p[7] == 'u' ? hex4(s->p + 8) : -1;
			if (low < 0xdc00 || low > 0xdfff)
				return fail(s, "unpaired surrogate \\u%04x", (unsigned)u);
			s->p += 6;
		}
		s->p += 6;
	}
	return fail(s, "unterminated string");
}

static bool digits(struct scan *s)
{
	const unsigned char *from = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > from;
}

static bool number(struct scan *s)
{
	const unsigned char *from = s->p;
	bool integer = true;
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!digits(s))
		return fail(s, "bad number");
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		integer = false;
		if (!digits(s))
			return fail(s, "bad number");
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		integer = false;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return fail(s, "bad number");
	}
	char buf[64];
	size_t n = (size_t)(s->p - from);
	if (n >= sizeof(buf))
		return fail(s, "number of more than 63 characters");
	memcpy(buf, from, n);
	buf[n] = 0;
	double v = strtod(buf, NULL);
	if (!isfinite(v))
		return fail(s, "number out of range");
	/* Beyond 2^53 a double has no fraction and skips integers: "16666666666666666.6" would come back
	 * as the integer 16666666666666666, which is not the number sent. */
	if (fabs(v) > 9007199254740992.0)
		return fail(s, "%s beyond 2^53 (not exact as a double)", integer ? "integer" : "number");
	return true;
}

static bool value(struct scan *s, int depth);

/* An array or an object, from its opening bracket. */
static bool container(struct scan *s, int depth)
{
	unsigned char close = *s->p == '[' ? ']' : '}';
	if (depth >= ZT_JSON_MAX_DEPTH)
		return fail(s, "nested deeper than %d", ZT_JSON_MAX_DEPTH);
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return true;
	}
	for (;;) {
		if (close == '}') {
			if (s->p >= s->end || *s->p != '"')
				return fail(s, "expected a key");
			if (!string(s))
				return false;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "expected ':'");
			s->p++;
		}
		if (!value(s, depth + 1))
			return false;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return true;
		}
		return fail(s, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
	}
}

static bool literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "not JSON");
	s->p += n;
	return true;
}

static bool value(struct scan *s, int depth)
{
	skip_ws(s);
	if (s->p >= s->end)
		return fail(s, "a value is missing");
	switch (*s->p) {
	case '"':
		return string(s);
	case '[':
	case '{':
		return container(s, depth);
	case 't':
		return literal(s, "true");
	case 'f':
		return literal(s, "false");
	case 'n':
		return literal(s, "null");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return number(s);
		return fail(s, "not JSON");
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first key that an object of the tree holds twice, or NULL (also when out of memory: *oom). */
static const char *duplicate_key(const cJSON *j, bool *oom)
{
	size_t n = 0;
	for (const cJSON *c = j->child; c; c = c->next) {
		if (cJSON_IsArray(c) || cJSON_IsObject(c)) {
			const char *d = duplicate_key(c, oom);
			if (d || *oom)
				return d;
		}
		n++;
	}
	if (!cJSON_IsObject(j) || n < 2)
		return NULL;
	const char **names = malloc(n * sizeof(*names));
	if (!names) {
		*oom = true;
		return NULL;
	}
	size_t i = 0;
	for (const cJSON *c = j->child; c; c = c->next)
		names[i++] = c->string;
	qsort(names, n, sizeof(*names), name_cmp);
	const char *dup = NULL;
	for (i = 1; i < n && !dup; i++)
		if (strcmp(names[i - 1], names[i]) == 0)
			dup = names[i];
	free(names);
	return dup;
}

cJSON *zt_json_parse(const char *text, size_t len, char *err, size_t cap)
{
	struct scan s = {(const unsigned char *)text, (const unsigned char *)text + len,
	                 (const unsigned char *)text, err, cap, false};
	if (cap)
		err[0] = 0;
	if (!value(&s, 0))
		return NULL;
	skip_ws(&s);
	if (s.p != s.end) {
		fail(&s, "something after the JSON value");
		return NULL;
	}
	cJSON *j = cJSON_ParseWithLength(text, len);
	if (!j) {
		/* the pass above accepted it: only memory (or a cJSON limit) can refuse it here */
		if (cap)
			snprintf(err, cap, "out of memory reading JSON");
		return NULL;
	}
	bool oom = false;
	const char *dup = duplicate_key(j, &oom);
	if (dup || oom) {
		if (cap && oom)
			snprintf(err, cap, "out of memory reading JSON");
		else if (cap)
			snprintf(err, cap, "key \"%.40s\" given twice in one object", dup);
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

cJSON *zt_json_parse_text(const char *text)
{
	return zt_json_parse(text, strlen(text), NULL, 0);
}
