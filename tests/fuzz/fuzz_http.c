/* Fuzz target: the controller API's HTTP request parser (src/launcher/http/httpd_parse.c). Any bytes are a request
 * head. A result must be one of the documented ones; a parsed head lies inside the input and keeps the
 * limits; every shorter prefix of a head that parses asks for more bytes (the server calls the parser again
 * as bytes trickle in, so a prefix must never be refused when the whole is fine); the header and query
 * helpers stay inside what was parsed. */
#include "fuzz_common.h"

#include <errno.h>
#include <string.h>

#include "httpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(struct zt_http_slice s, const char *buf, size_t len)
{
	return s.len == 0 || (s.p >= buf && s.p + s.len <= buf + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int errors[] = {-400, -413, -414, -431, -501, -505};
	const char *buf = (const char *)data;
	struct zt_http_request req;
	int r = zt_http_parse(&req, buf, size);
	if (r < 0) {
		bool known = false;
		for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
			known |= r == errors[i];
		FUZZ_ASSERT(known);
		return 0;
	}
	if (r == 0) {
		FUZZ_ASSERT(size < ZT_HTTP_MAX_HEAD);
		return 0;
	}
	FUZZ_ASSERT((size_t)r <= size && r <= ZT_HTTP_MAX_HEAD);
	FUZZ_ASSERT(req.method.len > 0 && req.method.len < ZT_HTTP_MAX_METHOD && inside(req.method, buf, (size_t)r));
	FUZZ_ASSERT(inside(req.target, buf, (size_t)r) && req.target.len > 0 && req.target.p[0] == '/');
	FUZZ_ASSERT(req.path.p == req.target.p && req.path.len <= req.target.len);
	FUZZ_ASSERT(inside(req.query, buf, (size_t)r) && memchr(req.path.p, '?', req.path.len) == NULL);
	FUZZ_ASSERT(req.minor == 0 || req.minor == 1);
	FUZZ_ASSERT(req.n_headers <= ZT_HTTP_MAX_HEADERS && req.content_length <= ZT_HTTP_MAX_BODY);
	for (size_t i = 0; i < req.n_headers; i++) {
		const struct zt_http_header *h = &req.headers[i];
		FUZZ_ASSERT(h->name.len > 0 && inside(h->name, buf, (size_t)r) && inside(h->value, buf, (size_t)r));
		FUZZ_ASSERT(memchr(h->value.p, '\n', h->value.len) == NULL && memchr(h->value.p, '\r', h->value.len) == NULL);
		FUZZ_ASSERT(h->value.len == 0 || (h->value.p[0] != ' ' && h->value.p[h->value.len - 1] != ' '));
	}
	const struct zt_http_header *h = zt_http_header(&req, "x-zt1-auth");
	FUZZ_ASSERT(!h || (h >= req.headers && h < req.headers + req.n_headers));
	char out[64];
	int q = zt_http_query_param(&req, "auth", out, sizeof(out));
	FUZZ_ASSERT(q == 0 || q == -ENOENT || q == -ENOSPC || q == -EINVAL);
	if (q == 0)
		FUZZ_ASSERT(strlen(out) < sizeof(out));
	/* prefixes of a good head: all "need more" (a few lengths, to keep each run short) */
	size_t cuts[] = {(size_t)r - 1, (size_t)r / 2, (size_t)r / 3, 1};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct zt_http_request part;
		if (cuts[i] < (size_t)r)
			FUZZ_ASSERT(zt_http_parse(&part, buf, cuts[i]) == 0);
	}
	/* what follows the head (a body, the next request) does not change how the head parses */
	struct zt_http_request again;
	FUZZ_ASSERT(zt_http_parse(&again, buf, (size_t)r) == r && again.content_length == req.content_length &&
	            again.n_headers == req.n_headers && again.keep_alive == req.keep_alive);
	return 0;
}
