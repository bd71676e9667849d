#include "keyfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sysio.h"
#include "vl1/world.h"

bool zt_keyfile_is_literal(const char *arg)
{
	return strlen(arg) > 32 && arg[ZT_ADDRESS_TEXT_LEN] == ':';
}

const char *zt_keyfile_arg_name(const char *arg)
{
	return zt_keyfile_is_literal(arg) ? "(text on the command line)" : arg;
}

int zt_keyfile_load_identity(const char *arg, struct zt_identity *id)
{
	uint8_t *data;
	size_t len;
	int ret;
	if (zt_keyfile_is_literal(arg))
		return zt_identity_from_text(id, arg, strlen(arg)) == 0 ? 0 : -EBADMSG;
	ret = zt_file_read(arg, ZT_KEYFILE_IDENTITY_MAX, &data, &len);
	if (ret)
		return ret;
	ret = zt_identity_from_text(id, (const char *)data, len) == 0 ? 0 : -EBADMSG;
	zt_wipe(data, len);
	free(data);
	return ret;
}

int zt_keyfile_save_identity(const char *path, const struct zt_identity *id, bool with_secret)
{
	char text[ZT_IDENTITY_TEXT_MAX];
	int n = zt_identity_to_text(id, with_secret, text, sizeof(text));
	if (n < 0)
		return n;
	int ret = zt_file_write_atomic(path, text, (size_t)n, with_secret ? 0600 : 0644, false);
	zt_wipe(text, sizeof(text));
	return ret;
}

int zt_keyfile_load_world_key(const char *path, uint8_t pub[ZT_IDENTITY_PUB_LEN],
                              uint8_t secret[ZT_IDENTITY_PRIV_LEN])
{
	uint8_t *data;
	size_t len;
	int ret = zt_file_read(path, ZT_KEYFILE_WORLD_KEY_LEN, &data, &len);
	if (ret)
		return ret == -EFBIG ? -EBADMSG : ret;
	if (len != ZT_KEYFILE_WORLD_KEY_LEN) {
		ret = -EBADMSG;
	} else {
		memcpy(pub, data, ZT_IDENTITY_PUB_LEN);
		memcpy(secret, data + ZT_IDENTITY_PUB_LEN, ZT_IDENTITY_PRIV_LEN);
		ret = zt_world_key_check(pub, secret) == 0 ? 0 : -EKEYREJECTED;
		if (ret)
			zt_wipe(secret, ZT_IDENTITY_PRIV_LEN);
	}
	zt_wipe(data, len);
	free(data);
	return ret;
}

int zt_keyfile_save_world_key(const char *path, const uint8_t pub[ZT_IDENTITY_PUB_LEN],
                              const uint8_t secret[ZT_IDENTITY_PRIV_LEN])
{
	uint8_t data[ZT_KEYFILE_WORLD_KEY_LEN];
	memcpy(data, pub, ZT_IDENTITY_PUB_LEN);
	memcpy(data + ZT_IDENTITY_PUB_LEN, secret, ZT_IDENTITY_PRIV_LEN);
	int ret = zt_file_write_atomic(path, data, sizeof(data), 0600, true);
	zt_wipe(data, sizeof(data));
	return ret;
}
