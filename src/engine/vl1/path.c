#include "vl1/path.h"

#include <string.h>

static bool v4_usable(const uint8_t ip[4], bool allow_loopback)
{
	switch (ip[0]) {
	case 0:   /* 0.0.0.0/8 */
	case 255: /* broadcast and the unused rest of 255/8 */
		return false;
	case 127:
		return allow_loopback;
	case 169:
		return ip[1] != 254; /* link-local */
	default:
		return ip[0] < 224 || ip[0] >= 240; /* 224/4 is multicast */
	}
}

static bool v6_usable(const uint8_t ip[16], bool allow_loopback)
{
	static const uint8_t loopback[16] = {[15] = 1}, unspecified[16] = {0};
	if (memcmp(ip, unspecified, 16) == 0)
		return false;
	if (memcmp(ip, loopback, 16) == 0)
		return allow_loopback;
	if (ip[0] == 0xff) /* multicast */
		return false;
	if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80) /* fe80::/10 link-local */
		return false;
	/* Hurricane Electric tunnels: stock nodes refuse them, as their MTU breaks ZeroTier. */
	return !(ip[0] == 0x20 && ip[1] == 0x01 && ip[2] == 0x04 && ip[3] == 0x70);
}

bool zt_path_addr_usable(const struct zt_inetaddr *a, bool allow_loopback)
{
	if (a->port == 0)
		return false;
	if (a->family == ZT_INET_V4)
		return v4_usable(a->ip, allow_loopback);
	if (a->family == ZT_INET_V6)
		return v6_usable(a->ip, allow_loopback);
	return false;
}

struct zt_path *zt_paths_find(struct zt_path *paths, unsigned n, zt_sock_id sock, const struct zt_inetaddr *a)
{
	for (unsigned i = 0; i < n; i++) {
		/* A world endpoint has no socket until it answers: any socket matches it. */
		bool sock_ok = paths[i].sock == sock || paths[i].sock == ZT_SOCK_ANY || sock == ZT_SOCK_ANY;
		if (sock_ok && zt_inetaddr_equal(&paths[i].addr, a))
			return &paths[i];
	}
	return NULL;
}

static bool alive(const struct zt_path *p, int64_t now)
{
	return p->confirmed && p->last_recv && now - p->last_recv < ZT_NODE_PATH_ALIVE_MS;
}

struct zt_path *zt_paths_add(struct zt_path *paths, unsigned *n, zt_sock_id sock, const struct zt_inetaddr *a,
                             int64_t now)
{
	struct zt_path *p = zt_paths_find(paths, *n, sock, a);
	if (p)
		return p;
	if (*n < ZT_NODE_MAX_PATHS) {
		p = &paths[(*n)++];
	} else {
		for (unsigned i = 0; i < *n; i++) {
			struct zt_path *c = &paths[i];
			bool better;
			if (!p)
				better = !alive(c, now);
			else if (c->confirmed != p->confirmed)
				better = !c->confirmed;
			else
				better = c->last_recv < p->last_recv;
			if (better && (!c->confirmed || !alive(c, now)))
				p = c;
		}
		if (!p)
			return NULL;
	}
	memset(p, 0, sizeof(*p));
	p->sock = sock;
	p->addr = *a;
	p->created = now;
	p->latency = -1;
	return p;
}

static int64_t quality(const struct zt_path *p, int64_t now)
{
	return (p->latency < 0 ? ZT_NODE_PATH_ALIVE_MS : p->latency) + (now - p->last_recv);
}

struct zt_path *zt_paths_best(struct zt_path *paths, unsigned n, int64_t now)
{
	struct zt_path *best = NULL;
	for (unsigned i = 0; i < n; i++) {
		struct zt_path *p = &paths[i];
		if (!p->confirmed || now - p->last_recv >= ZT_NODE_PATH_EXPIRE_MS)
			continue;
		if (!best) {
			best = p;
			continue;
		}
		bool pa = alive(p, now), ba = alive(best, now);
		if (pa != ba) {
			if (pa)
				best = p;
			continue;
		}
		/* As stock's path quality: latency plus the time since we heard from it, so a path just heard
		 * (a peer back on a new port) wins over one gone quiet; unknown latency ranks last. */
		int64_t ps = quality(p, now), bs = quality(best, now);
		if (ps < bs || (ps == bs && p->last_recv > best->last_recv))
			best = p;
	}
	return best;
}

void zt_paths_expire(struct zt_path *paths, unsigned *n, int64_t now)
{
	unsigned j = 0;
	for (unsigned i = 0; i < *n; i++) {
		struct zt_path *p = &paths[i];
		bool keep = p->confirmed ? now - p->last_recv < ZT_NODE_PATH_EXPIRE_MS
		                         : p->probe_until == 0 || now < p->probe_until;
		if (!keep && p->pinned) {
			p->confirmed = false;
			keep = true;
		}
		if (keep) {
			if (i != j)
				paths[j] = *p;
			j++;
		}
	}
	*n = j;
}
