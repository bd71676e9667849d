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

void zt_appopt_copy(int from, int to, int (*get)(int, int, int, void *, socklen_t *),
                    int (*set)(int, int, int, const void *, socklen_t))
{
	static const int names[] = {SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVLOWAT, SO_LINGER};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t v[32];
		socklen_t len = sizeof(v);
		if (get(from, SOL_SOCKET, names[i], v, &len) == 0 && len <= sizeof(v) &&
		    !is_default(names[i], v, len))
			set(to, SOL_SOCKET, names[i], v, len);
	}
}
