#include "vl1/identity.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* These define identity type 0; changing any of them makes every existing address invalid. */
#define HASH_BLOCKS         (ZT_IDENTITY_HASH_SCRATCH / 64)
#define HASH_WORDS          (ZT_IDENTITY_HASH_SCRATCH / 8)
#define PROOF_FIRST_BYTE_LT 17
#define GENERATE_MAX_TRIES  1024 /* a real source fails this often with odds of e^-70 */

bool zt_address_reserved(uint64_t address)
{
	address &= 0xffffffffffULL;
	return address == 0 || (address >> 32) == 0xff;
}

static const char hexdigits[] = "0123456789abcdef";

void zt_address_format(uint64_t address, char out[ZT_ADDRESS_TEXT_LEN + 1])
{
	for (int i = ZT_ADDRESS_TEXT_LEN - 1; i >= 0; i--) {
		out[i] = hexdigits[address & 0xf];
		address >>= 4;
	}
	out[ZT_ADDRESS_TEXT_LEN] = '\0';
}

bool zt_hex_parse_n(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		unsigned d;
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			return false;
		v = (v << 4) | d;
	}
	*out = v;
	return true;
}

bool zt_hex_bytes(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t byte;
		if (!zt_hex_parse_n(s + 2 * i, 2, &byte))
			return false;
		out[i] = (uint8_t)byte;
	}
	return true;
}

bool zt_hex_parse(const char *s, size_t digits, uint64_t *out)
{
	size_t n = strnlen(s, 17);
	if (digits && n != digits)
		return false;
	return zt_hex_parse_n(s, n, out);
}

static uint64_t load_be64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return v;
}

void zt_identity_hash_fill(const uint8_t sha512_of_pub[64], void *scratch)
{
	const uint8_t *key = sha512_of_pub, *nonce = sha512_of_pub + 32;
	uint8_t *m = scratch;
	/* Salsa20 is seekable, so each block is chained to the one before it: filling the buffer has to be
	 * sequential. */
	memset(m, 0, 64);
	zt_salsa20_xor_ic(m, m, 64, nonce, 0, key);
	for (size_t i = 1; i < HASH_BLOCKS; i++) {
		memcpy(m + 64 * i, m + 64 * (i - 1), 64);
		zt_salsa20_xor_ic(m + 64 * i, m + 64 * i, 64, nonce, i, key);
	}
}

int zt_identity_hash(const uint8_t pub[ZT_IDENTITY_PUB_LEN], uint8_t digest[64], void *scratch)
{
	uint8_t *m = scratch ? scratch : malloc(ZT_IDENTITY_HASH_SCRATCH);
	uint8_t key[32], nonce[8], tmp[8];
	if (!m)
		return -ENOMEM;
	zt_sha512(digest, pub, ZT_IDENTITY_PUB_LEN);
	/* The Salsa20 key stays the one from SHA-512(pub), though the digest changes from here on. */
	memcpy(key, digest, 32);
	memcpy(nonce, digest + 32, 8);
	zt_identity_hash_fill(digest, m);
	uint64_t block = HASH_BLOCKS;
	for (size_t w = 0; w < HASH_WORDS; w += 2) {
		/* Indices come from the buffer as it is now, earlier swaps included. */
		size_t p = (size_t)(load_be64(m + 8 * w) % 8);
		size_t q = (size_t)(load_be64(m + 8 * (w + 1)) % HASH_WORDS);
		memcpy(tmp, m + 8 * q, 8);
		memcpy(m + 8 * q, digest + 8 * p, 8);
		memcpy(digest + 8 * p, tmp, 8);
		zt_salsa20_xor_ic(digest, digest, 64, nonce, block++, key);
	}
	if (m != scratch)
		free(m);
	return 0;
}

static bool digest_proves(const uint8_t digest[64], uint64_t address)
{
	uint64_t from_digest = 0;
	for (int i = 59; i < 64; i++)
		from_digest = (from_digest << 8) | digest[i];
	return digest[0] < PROOF_FIRST_BYTE_LT && from_digest == address;
}

int zt_identity_validate(const struct zt_identity *id, void *scratch)
{
	uint8_t digest[64];
	if (zt_address_reserved(id->address))
		return -EINVAL;
	int ret = zt_identity_hash(id->pub, digest, scratch);
	if (ret)
		return ret;
	return digest_proves(digest, id->address) ? 0 : -EINVAL;
}

int zt_identity_generate(struct zt_identity *id, zt_random_fn *rnd, void *rnd_arg, void *scratch)
{
	uint8_t *m = scratch ? scratch : malloc(ZT_IDENTITY_HASH_SCRATCH);
	uint8_t digest[64], last[32];
	int ret = -EAGAIN;
	if (!m)
		return -ENOMEM;
	memset(id, 0, sizeof(*id));
	/* Keep one Ed25519 key and re-draw only the X25519 secret, as upstream does: any candidate choice
	 * interoperates, only the acceptance rule matters. */
	rnd(rnd_arg, id->priv + 32, 32);
	zt_ed25519_public(id->pub + 32, id->priv + 32);
	for (int tries = 0; tries < GENERATE_MAX_TRIES; tries++) {
		rnd(rnd_arg, id->priv, 32);
		/* A source that repeats itself would make us spin on the same failing candidate. */
		if (tries > 0 && memcmp(last, id->priv, 32) == 0)
			break;
		memcpy(last, id->priv, 32);
		zt_x25519_base(id->pub, id->priv);
		zt_identity_hash(id->pub, digest, m);
		uint64_t address = 0;
		for (int i = 59; i < 64; i++)
			address = (address << 8) | digest[i];
		if (digest[0] < PROOF_FIRST_BYTE_LT && !zt_address_reserved(address)) {
			id->address = address;
			id->has_priv = true;
			ret = 0;
			break;
		}
	}
	if (ret)
		zt_identity_wipe(id);
	zt_wipe(last, sizeof(last));
	if (m != scratch)
		free(m);
	return ret;
}

int zt_identity_check_secret(const struct zt_identity *id)
{
	uint8_t pub[ZT_IDENTITY_PUB_LEN];
	if (!id->has_priv)
		return -EINVAL;
	zt_x25519_base(pub, id->priv);
	zt_ed25519_public(pub + 32, id->priv + 32);
	return memcmp(pub, id->pub, sizeof(pub)) == 0 ? 0 : -EINVAL;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads exactly 2*n hex digits into out. */
static bool read_hex(struct zt_rd *r, uint8_t *out, size_t n)
{
	const uint8_t *h = zt_rd_bytes(r, 2 * n);
	if (!h)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool read_char(struct zt_rd *r, char c)
{
	return zt_rd_u8(r) == (uint8_t)c && !r->bad;
}

int zt_identity_from_text(struct zt_identity *id, const char *text, size_t len)
{
	struct zt_rd r;
	uint8_t addr[ZT_ADDRESS_LEN];
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ' ||
	                   text[len - 1] == '\t'))
		len--;
	memset(id, 0, sizeof(*id));
	zt_rd_init(&r, text, len);
	if (!read_hex(&r, addr, sizeof(addr)) || !read_char(&r, ':') || !read_char(&r, '0') ||
	    !read_char(&r, ':') || !read_hex(&r, id->pub, sizeof(id->pub)))
		goto bad;
	if (zt_rd_left(&r) > 0) {
		if (!read_char(&r, ':') || !read_hex(&r, id->priv, sizeof(id->priv)))
			goto bad;
		id->has_priv = true;
	}
	if (!zt_rd_done(&r))
		goto bad;
	for (size_t i = 0; i < sizeof(addr); i++)
		id->address = (id->address << 8) | addr[i];
	if (zt_address_reserved(id->address))
		goto bad;
	return 0;
bad:
	zt_identity_wipe(id);
	return -EINVAL;
}

static void format_hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[b[i] >> 4];
		out[2 * i + 1] = hexdigits[b[i] & 0xf];
	}
}

int zt_identity_to_text(const struct zt_identity *id, bool with_secret, char *out, size_t cap)
{
	size_t len = with_secret ? ZT_IDENTITY_TEXT_SECRET_LEN : ZT_IDENTITY_TEXT_PUBLIC_LEN;
	if (with_secret && !id->has_priv)
		return -EINVAL;
	if (cap < len + 1)
		return -ENOSPC;
	zt_address_format(id->address, out);
	memcpy(out + 10, ":0:", 3);
	format_hex(out + 13, id->pub, sizeof(id->pub));
	if (with_secret) {
		out[141] = ':';
		format_hex(out + 142, id->priv, sizeof(id->priv));
	}
	out[len] = '\0';
	return (int)len;
}

int zt_identity_read(struct zt_identity *id, struct zt_rd *r)
{
	memset(id, 0, sizeof(*id));
	id->address = zt_rd_u40(r);
	uint8_t type = zt_rd_u8(r);
	zt_rd_copy(r, id->pub, sizeof(id->pub));
	uint8_t priv_len = zt_rd_u8(r);
	if (priv_len == ZT_IDENTITY_PRIV_LEN) {
		zt_rd_copy(r, id->priv, sizeof(id->priv));
		id->has_priv = true;
	}
	if (r->bad || type != 0 || (priv_len != 0 && priv_len != ZT_IDENTITY_PRIV_LEN) ||
	    zt_address_reserved(id->address)) {
		zt_identity_wipe(id);
		return -EBADMSG;
	}
	return 0;
}

void zt_identity_write(const struct zt_identity *id, bool with_secret, struct zt_wr *w)
{
	zt_wr_u40(w, id->address);
	zt_wr_u8(w, 0);
	zt_wr_bytes(w, id->pub, sizeof(id->pub));
	if (with_secret && id->has_priv) {
		zt_wr_u8(w, ZT_IDENTITY_PRIV_LEN);
		zt_wr_bytes(w, id->priv, sizeof(id->priv));
	} else {
		zt_wr_u8(w, 0);
	}
}

int zt_identity_agree(const struct zt_identity *me, const struct zt_identity *peer,
                      uint8_t key[ZT_SHARED_KEY_LEN])
{
	uint8_t raw[32], digest[64];
	if (!me->has_priv)
		return -EINVAL;
	int ret = zt_x25519(raw, me->priv, peer->pub);
	if (ret == 0) {
		zt_sha512(digest, raw, sizeof(raw));
		memcpy(key, digest, ZT_SHARED_KEY_LEN);
	}
	zt_wipe(raw, sizeof(raw));
	zt_wipe(digest, sizeof(digest));
	return ret;
}

int zt_identity_sign(const struct zt_identity *id, const void *msg, size_t len, uint8_t sig[ZT_SIGNATURE_LEN])
{
	if (!id->has_priv)
		return -EINVAL;
	zt_sign96(sig, id->priv + 32, msg, len);
	return 0;
}

bool zt_identity_verify(const struct zt_identity *id, const void *msg, size_t len,
                        const uint8_t sig[ZT_SIGNATURE_LEN])
{
	return zt_verify96(id->pub + 32, msg, len, sig);
}

bool zt_identity_equal(const struct zt_identity *a, const struct zt_identity *b)
{
	return a->address == b->address && memcmp(a->pub, b->pub, sizeof(a->pub)) == 0;
}

void zt_identity_wipe(struct zt_identity *id)
{
	zt_wipe(id, sizeof(*id));
}
