/* ZeroTier's key=value dictionary (spec §3): the text form of network configs and config-request metadata.
 * A read-only view that looks values up in the wire bytes, and a writer that escapes them. */
#ifndef ZTRUN_VL2_DICT_H
#define ZTRUN_VL2_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vl1/wire.h"

/* Stock buffer sizes, NUL included: a config of ZT_DICT_NETCONF_CAP bytes or more is refused, and a
 * controller reads at most ZT_DICT_METADATA_CAP - 1 bytes of request metadata. */
#define ZT_DICT_NETCONF_CAP  484520
#define ZT_DICT_METADATA_CAP 1024

/* A view of serialized dictionary bytes it does not own. The dictionary ends at the first NUL byte. */
struct zt_dict {
	const uint8_t *p;
	size_t len;
};

void zt_dict_init(struct zt_dict *d, const void *buf, size_t len);

/* Looks `key` up (first occurrence wins) and unescapes its value into out[0..cap). *len (may be NULL)
 * gets the value's full length; out may be NULL with cap 0 to ask only for the length. Nothing is
 * NUL-terminated. 0, -ENOENT if absent, -ENOSPC if the value is longer than cap (out then holds its
 * first cap bytes). */
int zt_dict_get(const struct zt_dict *d, const char *key, void *out, size_t cap, size_t *len);

/* A string: the value up to its first NUL (an escaped \0), cut to cap - 1 bytes and NUL-terminated, as
 * stock does for names. 0, -ENOENT (then out is ""), or -EINVAL for cap 0. */
int zt_dict_get_str(const struct zt_dict *d, const char *key, char *out, size_t cap);

/* A hex integer read the way stock does (strtoull base 16 of the first 127 bytes: any length, either
 * case). 0, or -ENOENT when absent or empty (then *v is left alone, so it can hold the default). */
int zt_dict_get_u64(const struct zt_dict *d, const char *key, uint64_t *v);

/* True if the value starts with '1', 't' or 'T'. 0, or -ENOENT (then *v is left alone). */
int zt_dict_get_bool(const struct zt_dict *d, const char *key, bool *v);

/* Writes entries into a zt_wr, escaping values; entries are separated by LF, with none after the last
 * and no NUL. The dictionary starts where the writer stood at init, so it can sit inside a packet. */
struct zt_dict_wr {
	struct zt_wr *w;
	size_t start;
};

void zt_dict_wr_init(struct zt_dict_wr *dw, struct zt_wr *w);

/* Each add returns 0, -EINVAL for a key that is empty or holds '=', CR, LF or NUL (nothing written), or
 * -ENOSPC when the writer is full (sticky in w->bad, as for every zt_wr). */
int zt_dict_add(struct zt_dict_wr *dw, const char *key, const void *val, size_t len);
int zt_dict_add_str(struct zt_dict_wr *dw, const char *key, const char *s);
/* 16 lowercase hex digits, zero padded: the stock form of every integer. */
int zt_dict_add_u64(struct zt_dict_wr *dw, const char *key, uint64_t v);
/* 10 lowercase hex digits: the stock form of ZeroTier addresses (`id`, `tt`). */
int zt_dict_add_address(struct zt_dict_wr *dw, const char *key, uint64_t address);
int zt_dict_add_bool(struct zt_dict_wr *dw, const char *key, bool v);

#endif
