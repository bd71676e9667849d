/* The HTTP/1.1 request-head parser (RFC 9112) of httpd.h: strict where a lax reading could let two parsers
 * disagree about where a request ends (whitespace before ':', folded lines, bare CR, two Content-Lengths,
 * Transfer-Encoding), bounded everywhere. A pure function over bytes, so it can be fuzzed alone. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "httpd.h"

/* RFC 9110 tchar: what method names and header names are made of. */
static bool is_tchar(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return true;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field values: visible characters, obs-text, space and tab. */
static bool is_field_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* The next line from *pos: [start, start+len) without its LF or CRLF. 1: found (*pos moves past it), 0: no
 * LF yet, -1: a CR not followed by LF. */
static int next_line(const char *buf, size_t len, size_t *pos, size_t *start, size_t *line_len)
{
	const char *lf = memchr(buf + *pos, '\n', len - *pos);
	size_t end = lf ? (size_t)(lf - buf) : len;
	const char *cr = memchr(buf + *pos, '\r', end - *pos);
	/* a CR that ends the bytes so far may yet be followed by its LF */
	if (cr && (lf ? cr != lf - 1 : cr != buf + len - 1))
		return -1;
	if (!lf)
		return 0;
	*start = *pos;
	*line_len = end - *pos - (cr ? 1 : 0);
	*pos = end + 1;
	return 1;
}

static struct zt_http_slice slice(const char *p, size_t len)
{
	return (struct zt_http_slice){p, len};
}

bool zt_http_slice_is(struct zt_http_slice s, const char *t)
{
	return s.len == strlen(t) && memcmp(s.p, t, s.len) == 0;
}

static bool slice_is_nocase(struct zt_http_slice s, const char *t)
{
	return s.len == strlen(t) && strncasecmp(s.p, t, s.len) == 0;
}

static int parse_request_line(struct zt_http_request *req, const char *l, size_t n)
{
	const char *sp1 = memchr(l, ' ', n);
	if (!sp1 || sp1 == l)
		return -400;
	size_t mlen = (size_t)(sp1 - l);
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)l[i]))
			return -400;
	if (mlen >= ZT_HTTP_MAX_METHOD) {
		req->error = "method not implemented (none is longer than 15 characters)";
		return -501;
	}
	const char *t = sp1 + 1;
	const char *sp2 = memchr(t, ' ', n - (size_t)(t - l));
	if (!sp2 || sp2 == t)
		return -400;
	size_t tlen = (size_t)(sp2 - t);
	for (size_t i = 0; i < tlen; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return -400;
	/* origin-form only ("/path?query"); "*" and absolute URIs are not for this server */
	if (t[0] != '/')
		return -400;
	const char *v = sp2 + 1;
	size_t vlen = n - (size_t)(v - l);
	if (vlen != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
	    v[7] < '0' || v[7] > '9')
		return -400;
	if (v[5] != '1')
		return -505;
	req->minor = v[7] == '0' ? 0 : 1;
	req->method = slice(l, mlen);
	req->target = slice(t, tlen);
	const char *q = memchr(t, '?', tlen);
	req->path = slice(t, q ? (size_t)(q - t) : tlen);
	req->query = q ? slice(q + 1, tlen - (size_t)(q + 1 - t)) : slice(t + tlen, 0);
	return 0;
}

static int parse_header(struct zt_http_request *req, const char *l, size_t n)
{
	const char *colon = memchr(l, ':', n);
	if (!colon || colon == l)
		return -400;
	size_t nlen = (size_t)(colon - l);
	for (size_t i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)l[i]))
			return -400; /* also "Name :" (RFC 9112 §5.1: must be rejected) */
	const char *v = colon + 1, *end = l + n;
	for (const char *p = v; p < end; p++)
		if (!is_field_char((unsigned char)*p))
			return -400;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (req->n_headers == ZT_HTTP_MAX_HEADERS)
		return -431;
	req->headers[req->n_headers++] = (struct zt_http_header){slice(l, nlen), slice(v, (size_t)(end - v))};
	return 0;
}

/* Content-Length: digits only; a second one must agree (RFC 9112 §6.3 item 5). */
static int parse_length(struct zt_http_request *req, struct zt_http_slice v, bool *seen)
{
	if (v.len == 0)
		return -400;
	uint64_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -400;
		if (n <= ZT_HTTP_MAX_BODY)
			n = n * 10 + (uint64_t)(v.p[i] - '0');
	}
	if (*seen && n != req->content_length)
		return -400;
	*seen = true;
	req->content_length = n > ZT_HTTP_MAX_BODY ? (size_t)ZT_HTTP_MAX_BODY + 1 : (size_t)n;
	return 0;
}

/* Connection: a comma-separated list of options; close and keep-alive matter. */
static void parse_connection(struct zt_http_slice v, bool *close, bool *keep)
{
	size_t i = 0;
	while (i < v.len) {
		size_t j = i;
		while (j < v.len && v.p[j] != ',')
			j++;
		size_t a = i, b = j;
		while (a < b && (v.p[a] == ' ' || v.p[a] == '\t'))
			a++;
		while (b > a && (v.p[b - 1] == ' ' || v.p[b - 1] == '\t'))
			b--;
		struct zt_http_slice t = slice(v.p + a, b - a);
		if (slice_is_nocase(t, "close"))
			*close = true;
		else if (slice_is_nocase(t, "keep-alive"))
			*keep = true;
		i = j + 1;
	}
}

static int check_headers(struct zt_http_request *req)
{
	bool seen_length = false, close = false, keep = false;
	int hosts = 0;
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct zt_http_header *h = &req->headers[i];
		int err = 0;
		if (slice_is_nocase(h->name, "content-length"))
			err = parse_length(req, h->value, &seen_length);
		else if (slice_is_nocase(h->name, "transfer-encoding"))
			err = -501;
		else if (slice_is_nocase(h->name, "connection"))
			parse_connection(h->value, &close, &keep);
		else if (slice_is_nocase(h->name, "host"))
			hosts++;
		else if (slice_is_nocase(h->name, "expect"))
			req->expect_continue = slice_is_nocase(h->value, "100-continue");
		if (err)
			return err;
	}
	/* RFC 9112 §3.2 wants exactly one Host in HTTP/1.1, but stock's zerotier-cli sends none (and
	 * stock's server takes that): at most one, then. */
	if (hosts > 1)
		return -400;
	if (req->content_length > ZT_HTTP_MAX_BODY)
		return -413;
	req->keep_alive = req->minor == 1 ? !close : keep && !close;
	return 0;
}

int zt_http_parse(struct zt_http_request *req, const char *buf, size_t len)
{
	size_t pos = 0, start, n;
	int r, blank = 0;
	memset(req, 0, sizeof(*req));
	/* RFC 9112 §2.2: empty lines before the request line are ignored (a client's stray CRLF after a body)
	 */
	for (;;) {
		r = next_line(buf, len, &pos, &start, &n);
		if (r < 0)
			return -400;
		if (r == 0)
			return len >= ZT_HTTP_MAX_HEAD ? -414 : 0;
		if (n > 0)
			break;
		if (++blank > 4)
			return -400;
	}
	if (pos > ZT_HTTP_MAX_HEAD)
		return -414;
	if ((r = parse_request_line(req, buf + start, n)) != 0)
		return r;
	for (;;) {
		r = next_line(buf, len, &pos, &start, &n);
		if (r < 0)
			return -400;
		if (pos > ZT_HTTP_MAX_HEAD || (r == 0 && len >= ZT_HTTP_MAX_HEAD))
			return -431;
		if (r == 0)
			return 0;
		if (n == 0)
			break;
		if (buf[start] == ' ' || buf[start] == '\t')
			return -400; /* obs-fold: RFC 9112 §5.2 lets a server refuse it */
		if ((r = parse_header(req, buf + start, n)) != 0)
			return r;
	}
	if ((r = check_headers(req)) != 0)
		return r;
	return (int)pos;
}

const struct zt_http_header *zt_http_header(const struct zt_http_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++)
		if (slice_is_nocase(req->headers[i].name, name))
			return &req->headers[i];
	return NULL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

int zt_http_query_param(const struct zt_http_request *req, const char *name, char *out, size_t cap)
{
	const char *q = req->query.p, *end = q + req->query.len;
	size_t nlen = strlen(name);
	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(q, '=', (size_t)(pe - q));
		if (eq && (size_t)(eq - q) == nlen && memcmp(q, name, nlen) == 0) {
			size_t o = 0;
			for (const char *p = eq + 1; p < pe; p++) {
				int c = (unsigned char)*p;
				if (c == '+') {
					c = ' ';
				} else if (c == '%') {
					int hi = p + 2 < pe ? hex_digit(p[1]) : -1;
					int lo = hi >= 0 ? hex_digit(p[2]) : -1;
					if (lo < 0)
						return -EINVAL;
					c = hi << 4 | lo;
					p += 2;
				}
				if (c == 0)
					return -EINVAL;
				if (o + 1 >= cap)
					return -ENOSPC;
				out[o++] = (char)c;
			}
			if (cap == 0)
				return -ENOSPC;
			out[o] = 0;
			return 0;
		}
		q = pe + 1;
	}
	return -ENOENT;
}

const char *zt_http_reason(int status)
{
	static const struct {
		int status;
		const char *text;
	} reasons[] = {
	    {100, "Continue"},
	    {200, "OK"},
	    {201, "Created"},
	    {204, "No Content"},
	    {400, "Bad Request"},
	    {401, "Unauthorized"},
	    {403, "Forbidden"},
	    {404, "Not Found"},
	    {405, "Method Not Allowed"},
	    {408, "Request Timeout"},
	    {409, "Conflict"},
	    {413, "Content Too Large"},
	    {414, "URI Too Long"},
	    {431, "Request Header Fields Too Large"},
	    {500, "Internal Server Error"},
	    {501, "Not Implemented"},
	    {503, "Service Unavailable"},
	    {505, "HTTP Version Not Supported"},
	};
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].text;
	return "Unknown";
}
