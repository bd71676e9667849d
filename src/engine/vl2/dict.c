#include "vl2/dict.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void zt_dict_init(struct zt_dict *d, const void *buf, size_t len)
{
	const uint8_t *nul = buf ? memchr(buf, 0, len) : NULL;
	d->p = buf ? buf : (const void *)"";
	d->len = buf ? (nul ? (size_t)(nul - d->p) : len) : 0;
}

static bool is_line_end(uint8_t c)
{
	return c == '\r' || c == '\n';
}

/* The next non-empty line (stock treats CR like LF, so "\r\n" is one separator plus an empty line).
 * Scans a view of the rest rather than calling the reader per byte: lookups run over whole configs. */
static bool next_line(struct zt_rd *r, const uint8_t **line, size_t *n)
{
	struct zt_rd ahead = *r;
	size_t left = zt_rd_left(r), start = 0, end;
	const uint8_t *rest = zt_rd_bytes(&ahead, left);
	if (!rest)
		return false;
	while (start < left && is_line_end(rest[start]))
		start++;
	if (start == left) {
		zt_rd_skip(r, left);
		return false;
	}
	for (end = start; end < left && !is_line_end(rest[end]);)
		end++;
	zt_rd_skip(r, start);
	*line = zt_rd_bytes(r, end - start);
	*n = end - start;
	if (end < left)
		zt_rd_skip(r, 1); /* the separator */
	return *line != NULL;
}

/* The escaped value of `key`, as a view into the dictionary. */
static bool find(const struct zt_dict *d, const char *key, const uint8_t **val, size_t *n)
{
	size_t klen = strlen(key);
	struct zt_rd r;
	const uint8_t *line;
	size_t len;
	zt_rd_init(&r, d->p, d->len);
	while (next_line(&r, &line, &len)) {
		if (len > klen && line[klen] == '=' && memcmp(line, key, klen) == 0) {
			struct zt_rd lr;
			zt_rd_init(&lr, line, len);
			zt_rd_skip(&lr, klen + 1);
			*n = zt_rd_left(&lr);
			*val = zt_rd_bytes(&lr, *n);
			return *val != NULL;
		}
	}
	return false;
}

static uint8_t unescape(uint8_t c)
{
	switch (c) {
	case '0':
		return 0;
	case 'r':
		return '\r';
	case 'n':
		return '\n';
	case 'e':
		return '=';
	default:
		return c;
	}
}

int zt_dict_get(const struct zt_dict *d, const char *key, void *out, size_t cap, size_t *len)
{
	const uint8_t *val;
	uint8_t *o = out;
	size_t n, got = 0;
	if (!find(d, key, &val, &n)) {
		if (len)
			*len = 0;
		return -ENOENT;
	}
	if (!o)
		cap = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = val[i];
		if (c == '\\') {
			if (++i == n)
				break; /* a trailing lone backslash escapes nothing */
			c = unescape(val[i]);
		}
		if (got < cap)
			o[got] = c;
		got++;
	}
	if (len)
		*len = got;
	return got > cap ? -ENOSPC : 0;
}

int zt_dict_get_str(const struct zt_dict *d, const char *key, char *out, size_t cap)
{
	size_t n;
	if (!cap)
		return -EINVAL;
	int rc = zt_dict_get(d, key, out, cap - 1, &n);
	if (rc == -ENOENT) {
		out[0] = 0;
		return rc;
	}
	out[n < cap - 1 ? n : cap - 1] = 0;
	return 0;
}

int zt_dict_get_u64(const struct zt_dict *d, const char *key, uint64_t *v)
{
	char tmp[128];
	size_t n;
	if (zt_dict_get(d, key, tmp, sizeof(tmp) - 1, &n) == -ENOENT || n == 0)
		return -ENOENT;
	tmp[n < sizeof(tmp) - 1 ? n : sizeof(tmp) - 1] = 0;
	*v = strtoull(tmp, NULL, 16);
	return 0;
}

int zt_dict_get_bool(const struct zt_dict *d, const char *key, bool *v)
{
	uint8_t first = 0;
	if (zt_dict_get(d, key, &first, 1, NULL) == -ENOENT)
		return -ENOENT;
	*v = first == '1' || first == 't' || first == 'T';
	return 0;
}

void zt_dict_wr_init(struct zt_dict_wr *dw, struct zt_wr *w)
{
	dw->w = w;
	dw->start = w->len;
}

static bool key_ok(const char *key)
{
	if (!key[0])
		return false;
	for (const char *k = key; *k; k++)
		if (*k == '=' || *k == '\r' || *k == '\n')
			return false;
	return true;
}

int zt_dict_add(struct zt_dict_wr *dw, const char *key, const void *val, size_t len)
{
	struct zt_wr *w = dw->w;
	struct zt_rd r;
	if (!key_ok(key))
		return -EINVAL;
	if (w->len > dw->start)
		zt_wr_u8(w, '\n');
	zt_wr_bytes(w, key, strlen(key));
	zt_wr_u8(w, '=');
	zt_rd_init(&r, val, len);
	while (zt_rd_left(&r) > 0 && !w->bad) {
		uint8_t c = zt_rd_u8(&r);
		static const char esc_of[] = {
		    [0] = '0', ['\r'] = 'r', ['\n'] = 'n', ['\\'] = '\\', ['='] = 'e'};
		if (c < sizeof(esc_of) && (c == 0 || esc_of[c])) {
			zt_wr_u8(w, '\\');
			zt_wr_u8(w, (uint8_t)esc_of[c]);
		} else {
			zt_wr_u8(w, c);
		}
	}
	return w->bad ? -ENOSPC : 0;
}

int zt_dict_add_str(struct zt_dict_wr *dw, const char *key, const char *s)
{
	return zt_dict_add(dw, key, s, strlen(s));
}

static int add_hex(struct zt_dict_wr *dw, const char *key, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	char buf[16];
	for (int i = digits - 1; i >= 0; i--, v >>= 4)
		buf[i] = hex[v & 0xf];
	return zt_dict_add(dw, key, buf, (size_t)digits);
}

int zt_dict_add_u64(struct zt_dict_wr *dw, const char *key, uint64_t v)
{
	return add_hex(dw, key, v, 16);
}

int zt_dict_add_address(struct zt_dict_wr *dw, const char *key, uint64_t address)
{
	return add_hex(dw, key, address & 0xffffffffffULL, 10);
}

int zt_dict_add_bool(struct zt_dict_wr *dw, const char *key, bool v)
{
	return zt_dict_add(dw, key, v ? "1" : "0", 1);
}
