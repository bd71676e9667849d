#include "appopt.h"

#include <stdint.h>
#include <string.h>

bool zt_appopt_is_local(int level, int name)
{
	if (level != SOL_SOCKET)
		return false;
	switch (name) {
	case SO_RCVTIMEO_OLD:
	case SO_SNDTIMEO_OLD:
#if SO_RCVTIMEO_NEW != SO_RCVTIMEO_OLD
	case SO_RCVTIMEO_NEW:
	case SO_SNDTIMEO_NEW:
#endif
	case SO_RCVLOWAT:
		return true;
	default:
		return false;
	}
}

/* A fresh socket's value: no timeout (all zero), a low-water mark of 1. */
static bool is_default(int name, const uint8_t *v, socklen_t len)
{
	static const uint8_t zero[32];
	if (name != SO_RCVLOWAT)
		return memcmp(v, zero, len) == 0;
	int one = 1;
	return len == sizeof(one) && memcmp(v, &one, sizeof(one)) == 0;
}

void zt_appopt_read(int from, int (*get)(int, int, int, void *, socklen_t *), struct zt_appopt_set *out)
{
	static const int names[] = {SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVLOWAT, SO_LINGER};
	out->n = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t *v = out->o[out->n].v;
		socklen_t len = sizeof(out->o[out->n].v);
		if (get(from, SOL_SOCKET, names[i], v, &len) == 0 && len <= sizeof(out->o[out->n].v) &&
		    !is_default(names[i], v, len)) {
			out->o[out->n].name = names[i];
			out->o[out->n].len = len;
			out->n++;
		}
	}
}

void zt_appopt_apply(int to, int (*set)(int, int, int, const void *, socklen_t), const struct zt_appopt_set *in)
{
	for (int i = 0; i < in->n; i++)
		set(to, SOL_SOCKET, in->o[i].name, in->o[i].v, in->o[i].len);
}

void zt_appopt_copy(int from, int to, int (*get)(int, int, int, void *, socklen_t *),
                    int (*set)(int, int, int, const void *, socklen_t))
{
	struct zt_appopt_set o;
	zt_appopt_read(from, get, &o);
	zt_appopt_apply(to, set, &o);
}

bool zt_appopt_is_copied(int level, int name)
{
	return zt_appopt_is_local(level, name) || (level == SOL_SOCKET && name == SO_LINGER);
}
