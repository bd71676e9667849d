/* Identities and world signing keys as files, in the forms stock tools use: identity text as in
 * identity.secret and identity.public (or the text itself as an argument, as zerotier-idtool allows),
 * and mkworld's 128-byte key file, public key || secret key. Return -errno; print nothing. */
#ifndef ZTRUN_KEYFILE_H
#define ZTRUN_KEYFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "vl1/identity.h"

#define ZT_KEYFILE_IDENTITY_MAX  4096 /* longer files are not identities */
#define ZT_KEYFILE_WORLD_KEY_LEN (ZT_IDENTITY_PUB_LEN + ZT_IDENTITY_PRIV_LEN)

/* True if arg is identity text rather than a file name: zerotier-idtool's rule, longer than 32 characters
 * with ':' after the 10-digit address. */
bool zt_keyfile_is_literal(const char *arg);
/* How to name such an argument in a message: the file name, or a placeholder for identity text, which is
 * never echoed since it may hold a secret. */
const char *zt_keyfile_arg_name(const char *arg);
/* Parses identity text from arg itself or from the file it names. Does not run the memory-hard check.
 * 0, -EBADMSG (not identity text), -EFBIG (file too long), or -errno from reading. */
int zt_keyfile_load_identity(const char *arg, struct zt_identity *id);
/* Writes the text form, with no newline after it as stock tools write it: with the secret, mode 0600.
 * Atomic (see zt_file_write_atomic). 0, -EINVAL (no secret to write) or -errno. */
int zt_keyfile_save_identity(const char *path, const struct zt_identity *id, bool with_secret);

/* 0, -EBADMSG (not 128 bytes), -EKEYREJECTED (the halves do not belong together: damaged), or -errno. */
int zt_keyfile_load_world_key(const char *path, uint8_t pub[ZT_IDENTITY_PUB_LEN],
                              uint8_t secret[ZT_IDENTITY_PRIV_LEN]);
/* Creates path, mode 0600, atomically; -EEXIST if it exists, never replacing a key. */
int zt_keyfile_save_world_key(const char *path, const uint8_t pub[ZT_IDENTITY_PUB_LEN],
                              const uint8_t secret[ZT_IDENTITY_PRIV_LEN]);

#endif
