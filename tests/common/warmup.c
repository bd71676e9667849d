#include "warmup.h"

#include <openssl/evp.h>
#include <stdlib.h>

#include "vl1/crypto.h"
#include "vl1/packet.h"

void zt_test_warm_crypto(void)
{
	uint8_t key[ZT_SHARED_KEY_LEN] = {1}, b[16] = {0}, t[48];
	unsigned len;
	struct zt_gmac_siv_keys siv;
	if (zt_crypto_init() != 0)
		abort();
	(void)zt_aes256_encrypt_block(b, b, key);
	(void)zt_aes256_decrypt_block(b, b, key);
	(void)zt_aes256_ctr(b, b, sizeof(b), b, key);
	uint8_t run[1024] = {0}; /* a long run goes through EVP CTR, a short one (above) does not */
	(void)zt_aes256_ctr(run, run, sizeof(run), b, key);
	(void)zt_aes256_gmac(t, key, b, b, sizeof(b), b, sizeof(b));
	(void)zt_hmac_sha384(t, key, 32, b, sizeof(b));
	if (zt_gmac_siv_keys_derive(&siv, key) == 0) {
		uint8_t pkt[ZT_PACKET_MIN_LEN] = {0};
		(void)zt_packet_armor_siv(pkt, sizeof(pkt), &siv);
		(void)zt_packet_dearmor(pkt, sizeof(pkt), key, &siv);
		zt_gmac_siv_keys_free(&siv);
	}
	/* the COM's identity hash (vl2/com.c) digests with SHA-384 directly */
	(void)EVP_Digest(b, sizeof(b), t, &len, EVP_sha384(), NULL);
}
