/* A request's token checked against ours, as stock checks it. */
#include "auth.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>


/* Compares without leaking through timing how much of the token matched. */
static bool token_equal(const char *token, const char *given, size_t len)
{
	size_t tlen = strlen(token);
	unsigned diff = len != tlen;
	for (size_t i = 0; i < tlen; i++)
		diff |= (unsigned)(uint8_t)token[i] ^ (unsigned)(uint8_t)(i < len ? given[i] : 0);
	return diff == 0;
}

bool zt_http_authorized(const struct zt_http_request *req, const char *token)
{
	const struct zt_http_header *h = zt_http_header(req, "x-zt1-auth");
	if (h && token_equal(token, h->value.p, h->value.len))
		return true;
	char q[256];
	if (zt_http_query_param(req, "auth", q, sizeof(q)) == 0 && token_equal(token, q, strlen(q)))
		return true;
	h = zt_http_header(req, "authorization");
	if (h && h->value.len > 7 && strncasecmp(h->value.p, "bearer ", 7) == 0) {
		const char *t = h->value.p + 7;
		size_t n = h->value.len - 7;
		while (n && *t == ' ')
			t++, n--;
		return token_equal(token, t, n);
	}
	return false;
}
