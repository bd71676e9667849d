/* JSON read strictly (RFC 8259 and I-JSON, RFC 7493), for everything ztrun reads as JSON: API bodies,
 * the controller's records on disk, the APIs' answers read by the CLIs. cJSON alone takes invalid UTF-8,
 * cuts strings at \u0000, keeps lone surrogates, ignores what follows the value, keeps both of two equal
 * keys, and turns 1e999 into infinity; here each of those is refused with a message saying which. */
#ifndef ZTRUN_JSON_H
#define ZTRUN_JSON_H

#include <cJSON.h>
#include <stddef.h>

#define ZT_JSON_MAX_DEPTH 32 /* arrays and objects inside each other */

/* One JSON value filling text[0..len) (whitespace around it allowed), as a cJSON tree the caller frees
 * with cJSON_Delete; or NULL, with what was wrong (and where) in err[0..cap). Refused: bad syntax, invalid
 * UTF-8, control characters in strings, \u0000, unpaired surrogates, anything after the value, nesting
 * deeper than ZT_JSON_MAX_DEPTH, numbers that are not finite doubles or beyond 2^53 in magnitude (which a
 * double cannot hold exactly), and an object with the same key twice. Any bytes are safe input. */
cJSON *zt_json_parse(const char *text, size_t len, char *err, size_t cap);

/* The same for NUL-terminated text, without the message (NULL on any error). */
cJSON *zt_json_parse_text(const char *text);

#endif
