/* Join tokens' text form and hash (jointoken.h). */
#include "vl2/jointoken.h"

#include <stdio.h>
#include <string.h>

#include "vl1/crypto.h"

#define PREFIX_LEN (sizeof(ZT_JOIN_TOKEN_PREFIX) - 1)
#define SECRET_TEXT_LEN ZT_BASE64URL_LEN(ZT_JOIN_TOKEN_SECRET_LEN)

_Static_assert(PREFIX_LEN + 16 + 1 + SECRET_TEXT_LEN == ZT_JOIN_TOKEN_LEN, "token length");

static const char hash_label[] = "ztrun join token v1";

bool zt_join_token_parse(const char *s, size_t len, uint64_t *nwid)
{
	uint64_t id = 0;
	if (len != ZT_JOIN_TOKEN_LEN || memcmp(s, ZT_JOIN_TOKEN_PREFIX, PREFIX_LEN) != 0 ||
	    s[PREFIX_LEN + 16] != '.')
		return false;
	for (size_t i = PREFIX_LEN; i < PREFIX_LEN + 16; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		                                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return false;
		id = id << 4 | (uint64_t)d;
	}
	for (size_t i = PREFIX_LEN + 17; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_'))
			return false;
	}
	if (nwid)
		*nwid = id;
	return id != 0;
}

void zt_join_token_format(char out[ZT_JOIN_TOKEN_LEN + 1], uint64_t nwid,
                          const uint8_t secret[ZT_JOIN_TOKEN_SECRET_LEN])
{
	char b64[SECRET_TEXT_LEN + 1];
	zt_base64url(b64, sizeof(b64), secret, ZT_JOIN_TOKEN_SECRET_LEN);
	snprintf(out, ZT_JOIN_TOKEN_LEN + 1, ZT_JOIN_TOKEN_PREFIX "%016llx.%s", (unsigned long long)nwid, b64);
	zt_wipe(b64, sizeof(b64));
}

void zt_join_token_hash(uint8_t out[ZT_JOIN_TOKEN_HASH_LEN], const char *text, size_t len)
{
	zt_blake2b(out, ZT_JOIN_TOKEN_HASH_LEN, text, len, hash_label, sizeof(hash_label) - 1);
}
