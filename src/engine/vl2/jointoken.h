/* Join tokens: ztrun's own extension (not stock ZeroTier's), a secret a member puts into its config request
 * so that our controller authorizes it with no API call (controller.h, JOIN TOKENS).
 *
 * Text form: "ztjt1." <the network ID, 16 hex digits> "." <32 random bytes, base64url without padding>, 66
 * characters. The network ID lets a member say at once that a token belongs to another network; the random
 * part is the secret. A member sends the text as the value of ZT_JOIN_TOKEN_KEY in its request metadata
 * (spec §4.2), inside the encrypted NETWORK_CONFIG_REQUEST. Stock's metadata keys are short alphanumeric
 * words (`v`, `revr`, `a`, ...): a key with a dot can never be one of them, and stock controllers ignore
 * keys they do not know. (Stock's own `a=token:<T>` is a different thing, the network's plaintext
 * `authTokens`, and is left as stock has it.) The controller stores only zt_join_token_hash of the text. */
#ifndef ZTRUN_VL2_JOINTOKEN_H
#define ZTRUN_VL2_JOINTOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZT_JOIN_TOKEN_KEY        "ztrun.jt"
#define ZT_JOIN_TOKEN_PREFIX     "ztjt1."
#define ZT_JOIN_TOKEN_SECRET_LEN 32
#define ZT_JOIN_TOKEN_LEN        66 /* prefix 6 + network 16 + dot 1 + base64url of 32 bytes 43 */
#define ZT_JOIN_TOKEN_HASH_LEN   32

/* Is s[0..len) a join token's text (exact length, prefix, hex network ID, base64url secret)? Its network
 * goes to *nwid (may be NULL). */
bool zt_join_token_parse(const char *s, size_t len, uint64_t *nwid);

/* The text of a token for nwid with this secret, NUL-terminated. */
void zt_join_token_format(char out[ZT_JOIN_TOKEN_LEN + 1], uint64_t nwid,
                          const uint8_t secret[ZT_JOIN_TOKEN_SECRET_LEN]);

/* What the controller stores and compares (in constant time): BLAKE2b-256 of the text, keyed with a label
 * of this use. The secret has 256 bits of entropy, so no slow password hash is needed. */
void zt_join_token_hash(uint8_t out[ZT_JOIN_TOKEN_HASH_LEN], const char *text, size_t len);

#endif
