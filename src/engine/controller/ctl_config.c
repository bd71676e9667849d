/* Building a member's config (spec §9.3-9.5): settings from the network record, the member's addresses
 * (managed IPv6 forms, its routed assignments, new ones from the pools without collisions), rules, tags
 * and capabilities, DNS, and the signed COM and COO. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_int.h"
#include "vl2/mac.h"

static int64_t credential_window(const struct zt_controller *c, const struct ctl_netrec *r)
{
	int64_t w = r->credential_window ? r->credential_window : ZT_CTMD_DEFAULT;
	if (w < c->cfg.credential_window_min)
		w = c->cfg.credential_window_min;
	if (w > c->cfg.credential_window_max)
		w = c->cfg.credential_window_max;
	return w;
}

static void add_static_ip(struct zt_netconf *nc, const struct zt_inetaddr *ip, unsigned bits)
{
	if (nc->static_ip_count >= ZT_MAX_ZT_ASSIGNED_ADDRESSES)
		return;
	nc->static_ips[nc->static_ip_count] = *ip;
	nc->static_ips[nc->static_ip_count].port = (uint16_t)bits;
	nc->static_ip_count++;
}

static bool member_has_ip(const struct ctl_member *m, const struct zt_inetaddr *ip)
{
	for (size_t i = 0; i < m->ip_count; i++)
		if (ctl_ip_compare(&m->ips[i], ip) == 0)
			return true;
	return false;
}

static void load_u64_pair(const uint8_t ip[16], uint64_t v[2])
{
	v[0] = v[1] = 0;
	for (int i = 0; i < 8; i++) {
		v[0] = (v[0] << 8) | ip[i];
		v[1] = (v[1] << 8) | ip[8 + i];
	}
}

static void store_u64_pair(uint8_t ip[16], const uint64_t v[2])
{
	for (int i = 0; i < 8; i++) {
		ip[i] = (uint8_t)(v[0] >> (56 - 8 * i));
		ip[8 + i] = (uint8_t)(v[1] >> (56 - 8 * i));
	}
}

/* Stock's IPv6 pool pick: the member's address in the low bits if the range is wide enough, otherwise
 * (and on later tries) random addresses in the range, which must lie in an on-link IPv6 route and be free. */
static bool assign_v6_from_pools(struct zt_controller *c, const struct ctl_network *n, struct ctl_member *m,
                                 const struct ctl_pool *pools, size_t pool_count, struct zt_netconf *nc)
{
	for (size_t p = 0; p < pool_count; p++) {
		uint64_t s[2], e[2], x[2];
		if (pools[p].start.family != ZT_INET_V6)
			continue;
		load_u64_pair(pools[p].start.ip, s);
		load_u64_pair(pools[p].end.ip, e);
		for (unsigned trial = 0; trial < 1000; trial++) {
			if (trial == 0 && e[1] > s[1] && e[1] - s[1] >= 0xffffffffffULL) {
				x[0] = s[0];
				x[1] = s[1] + m->address;
			} else {
				uint64_t r0 = ctl_random_u64(c), r1 = ctl_random_u64(c);
				x[0] = s[0] + (e[0] > s[0] ? r0 % (e[0] - s[0]) : 0);
				x[1] = s[1] + (e[1] > s[1] ? r1 % (e[1] - s[1]) : 0);
			}
			struct zt_inetaddr ip = {.family = ZT_INET_V6};
			store_u64_pair(ip.ip, x);
			unsigned bits = 0;
			for (size_t k = 0; k < nc->route_count; k++)
				if (!nc->routes[k].via.family &&
				    ctl_cidr_contains(&nc->routes[k].target, &ip))
					bits = nc->routes[k].target.port;
			if (bits == 0 || ctl_ip_taken(n, &ip, 0))
				continue;
			m->ips[m->ip_count++] = ip;
			add_static_ip(nc, &ip, bits);
			return true;
		}
	}
	return false;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static uint32_t v4_of(const struct zt_inetaddr *a)
{
	return (uint32_t)a->ip[0] << 24 | (uint32_t)a->ip[1] << 16 | (uint32_t)a->ip[2] << 8 | a->ip[3];
}

/* Stock's IPv4 pool walk (spec §9.4), so a member gets the address stock would give it; collisions are
 * checked against every member's assignments (m is one of n's members), sorted once per call.
 * 1: assigned, 0: none, -ENOMEM. */
static int assign_v4_from_pools(const struct ctl_network *n, struct ctl_member *m, const struct ctl_pool *pools,
                                size_t pool_count, struct zt_netconf *nc)
{
	size_t total = 0, k = 0;
	int rc = 0;
	for (size_t i = 0; i < n->member_count; i++)
		total += n->members[i]->ip_count;
	uint32_t *taken = malloc((total ? total : 1) * sizeof(*taken));
	if (!taken)
		return -ENOMEM;
	for (size_t i = 0; i < n->member_count; i++)
		for (size_t j = 0; j < n->members[i]->ip_count; j++)
			if (n->members[i]->ips[j].family == ZT_INET_V4)
				taken[k++] = v4_of(&n->members[i]->ips[j]);
	qsort(taken, k, sizeof(*taken), u32_cmp);
	for (size_t p = 0; p < pool_count && rc == 0; p++) {
		if (pools[p].start.family != ZT_INET_V4)
			continue;
		uint32_t start = v4_of(&pools[p].start), end = v4_of(&pools[p].end);
		if (end < start || start == 0)
			continue;
		uint32_t len = end - start, counter = (uint32_t)(m->address & 0xffffffff);
		uint64_t tries = (uint64_t)len + 1 < 1000 ? (uint64_t)len + 1 : 1000;
		for (uint64_t t = 0; t < tries; t++) {
			uint32_t ip = len ? start + counter % len : start;
			counter++;
			if ((ip & 0xff) == 0xff)
				continue;
			unsigned bits = 0;
			for (size_t q = 0; q < nc->route_count && !bits; q++) {
				const struct zt_inetaddr *tg = &nc->routes[q].target;
				uint32_t mask = tg->port ? 0xffffffffU << (32 - tg->port) : 0;
				if (tg->family == ZT_INET_V4 && tg->port > 0 && tg->port <= 32 &&
				    (ip & mask) == (v4_of(tg) & mask))
					bits = tg->port;
			}
			if (!bits || bsearch(&ip, taken, k, sizeof(*taken), u32_cmp))
				continue;
			struct zt_inetaddr a = {.family = ZT_INET_V4};
			a.ip[0] = (uint8_t)(ip >> 24);
			a.ip[1] = (uint8_t)(ip >> 16);
			a.ip[2] = (uint8_t)(ip >> 8);
			a.ip[3] = (uint8_t)ip;
			if (member_has_ip(m, &a))
				continue;
			m->ips[m->ip_count++] = a;
			add_static_ip(nc, &a, bits);
			rc = 1;
			break;
		}
	}
	free(taken);
	return rc;
}

/* Static IPs in stock's order (spec §9.4). */
static int assign_ips(struct zt_controller *c, const struct ctl_network *n, struct ctl_member *m,
                      struct zt_netconf *nc, bool *changed)
{
	const struct ctl_netrec *r = &n->rec;
	bool have4 = false, have6 = false;
	if (!m->no_auto_assign_ips) {
		struct zt_inetaddr ip = {.family = ZT_INET_V6};
		if (r->v6_rfc4193) {
			zt_ipv6_rfc4193(ip.ip, r->id, m->address);
			add_static_ip(nc, &ip, ZT_RFC4193_PREFIX_BITS);
			nc->flags |= ZT_NETCONF_FLAG_NDP_EMULATION;
		}
		if (r->v6_6plane) {
			zt_ipv6_6plane(ip.ip, r->id, m->address);
			add_static_ip(nc, &ip, ZT_6PLANE_PREFIX_BITS);
			nc->flags |= ZT_NETCONF_FLAG_NDP_EMULATION;
		}
	}
	/* Assignments outside every route stay in the record but are not sent (no on-link subnet). */
	for (size_t i = 0; i < m->ip_count; i++) {
		int bits = -1;
		for (size_t k = 0; k < nc->route_count; k++)
			if (ctl_cidr_contains(&nc->routes[k].target, &m->ips[i]) &&
			    nc->routes[k].target.port > bits)
				bits = nc->routes[k].target.port;
		if (bits < 0)
			continue;
		add_static_ip(nc, &m->ips[i], (unsigned)bits);
		if (m->ips[i].family == ZT_INET_V4)
			have4 = true;
		else
			have6 = true;
	}
	if (m->no_auto_assign_ips || m->ip_count >= ZT_MAX_ZT_ASSIGNED_ADDRESSES)
		return 0;
	/* A member a join token let in takes the token's pool, if it has one, for that family. */
	const struct ctl_pool *p4 = r->pools, *p6 = r->pools;
	size_t n4 = r->pool_count, n6 = r->pool_count;
	const struct ctl_jointoken *t = ctl_jt_of_member(n, m);
	if (t && t->has_pool) {
		if (t->pool.start.family == ZT_INET_V4)
			p4 = &t->pool, n4 = 1;
		else
			p6 = &t->pool, n6 = 1;
	}
	if (r->v6_zt && !have6 && assign_v6_from_pools(c, n, m, p6, n6, nc))
		*changed = true;
	if (m->ip_count >= ZT_MAX_ZT_ASSIGNED_ADDRESSES || !r->v4_zt || have4)
		return 0;
	int rc = assign_v4_from_pools(n, m, p4, n4, nc);
	if (rc > 0)
		*changed = true;
	return rc < 0 ? rc : 0;
}

/* Rules, capabilities and tags; a member whose request lacks `revr` gets [ACCEPT] only, as from stock. */
static int add_rules(struct zt_controller *c, const struct ctl_netrec *r, struct ctl_member *m,
                     bool new_member, const struct zt_dict *md, struct zt_netconf *nc, bool *changed,
                     int64_t now)
{
	uint64_t revr = 0;
	if (md)
		zt_dict_get_u64(md, "revr", &revr);
	if (revr == 0) {
		if (!(nc->rules = calloc(1, sizeof(*nc->rules))))
			return -ENOMEM;
		nc->rules[0].t = ZT_RULE_ACTION_ACCEPT;
		nc->rule_count = 1;
		return 0;
	}
	if (r->rule_count) {
		if (!(nc->rules = malloc(r->rule_count * sizeof(*nc->rules))))
			return -ENOMEM;
		memcpy(nc->rules, r->rules, r->rule_count * sizeof(*nc->rules));
		nc->rule_count = r->rule_count;
	}
	/* A new member gets the network's default capabilities and, whenever missing, its default tags. */
	for (size_t i = 0; new_member && i < r->cap_count; i++) {
		if (!r->caps[i].dflt || m->cap_count >= CTL_MAX_MEMBER_CAPS)
			continue;
		size_t k = 0;
		while (k < m->cap_count && m->caps[k] < r->caps[i].id)
			k++;
		if (k < m->cap_count && m->caps[k] == r->caps[i].id)
			continue;
		uint32_t *v = realloc(m->caps, (m->cap_count + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memmove(v + k + 1, v + k, (m->cap_count - k) * sizeof(*v));
		v[k] = r->caps[i].id;
		m->caps = v;
		m->cap_count++;
		*changed = true;
	}
	for (size_t i = 0; i < r->tag_count; i++) {
		if (!r->tags[i].has_default || m->tag_count >= CTL_MAX_MEMBER_TAGS)
			continue;
		size_t k = 0;
		while (k < m->tag_count && m->tags[k][0] < r->tags[i].id)
			k++;
		if (k < m->tag_count && m->tags[k][0] == r->tags[i].id)
			continue;
		uint32_t(*v)[2] = realloc(m->tags, (m->tag_count + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memmove(v + k + 1, v + k, (m->tag_count - k) * sizeof(*v));
		v[k][0] = r->tags[i].id;
		v[k][1] = r->tags[i].dflt;
		m->tags = v;
		m->tag_count++;
		*changed = true;
	}
	if (m->cap_count && !(nc->capabilities = calloc(m->cap_count, sizeof(*nc->capabilities))))
		return -ENOMEM;
	for (size_t i = 0; i < m->cap_count && nc->capability_count < ZT_MAX_NETWORK_CAPABILITIES; i++) {
		const struct ctl_capdef *def = NULL;
		for (size_t k = 0; k < r->cap_count && !def; k++)
			if (r->caps[k].id == m->caps[i])
				def = &r->caps[k];
		if (!def)
			continue;
		struct zt_capability *cap = &nc->capabilities[nc->capability_count];
		cap->nwid = r->id;
		cap->timestamp = now;
		cap->id = def->id;
		cap->rule_count = (uint16_t)def->rule_count;
		memcpy(cap->rules, def->rules, def->rule_count * sizeof(cap->rules[0]));
		cap->max_custody = 1;
		if (zt_capability_sign(cap, &c->identity, m->address) == 0)
			nc->capability_count++;
	}
	if (m->tag_count && !(nc->tags = calloc(m->tag_count, sizeof(*nc->tags))))
		return -ENOMEM;
	for (size_t i = 0; i < m->tag_count && nc->tag_count < ZT_MAX_NETWORK_TAGS; i++) {
		struct zt_tag *t = &nc->tags[nc->tag_count];
		t->nwid = r->id;
		t->timestamp = now;
		t->issued_to = m->address;
		t->id = m->tags[i][0];
		t->value = m->tags[i][1];
		if (zt_tag_sign(t, &c->identity) == 0)
			nc->tag_count++;
	}
	return 0;
}

static int add_credentials(struct zt_controller *c, const struct zt_identity *id, struct zt_netconf *nc,
                           int64_t now)
{
	if (nc->static_ip_count) {
		struct zt_coo *coo = &nc->coos[0];
		memset(coo, 0, sizeof(*coo));
		coo->nwid = nc->nwid;
		coo->timestamp = now;
		coo->id = 1;
		coo->issued_to = id->address;
		for (size_t i = 0; i < nc->static_ip_count && coo->thing_count < ZT_COO_MAX_THINGS; i++) {
			const struct zt_inetaddr *a = &nc->static_ips[i];
			coo->thing_type[coo->thing_count] =
			    a->family == ZT_INET_V4 ? ZT_COO_THING_IPV4 : ZT_COO_THING_IPV6;
			memcpy(coo->thing_value[coo->thing_count], a->ip, a->family == ZT_INET_V4 ? 4 : 16);
			coo->thing_count++;
		}
		if (zt_coo_sign(coo, &c->identity) != 0)
			return -EINVAL;
		nc->coo_count = 1;
	}
	zt_com_issue(&nc->com, now, (uint64_t)nc->credential_time_max_delta, nc->nwid, id);
	return zt_com_sign(&nc->com, &c->identity) == 0 ? 0 : -EINVAL;
}

int ctl_build_config(struct zt_controller *c, struct ctl_network *n, struct ctl_member *m, bool new_member,
                     const struct zt_identity *id, const struct zt_dict *md, struct zt_netconf *nc,
                     bool *changed, int64_t now)
{
	const struct ctl_netrec *r = &n->rec;
	int rc;
	zt_netconf_init(nc);
	nc->nwid = r->id;
	nc->type = r->priv ? ZT_NETWORK_PRIVATE : ZT_NETWORK_PUBLIC;
	nc->timestamp = now;
	nc->credential_time_max_delta = credential_window(c, r);
	nc->revision = r->revision;
	nc->issued_to = m->address;
	if (r->enable_broadcast)
		nc->flags |= ZT_NETCONF_FLAG_BROADCAST;
	if (r->name) {
		size_t len = strnlen(r->name, ZT_NETWORK_NAME_MAX);
		memcpy(nc->name, r->name, len);
		nc->name[len] = 0;
	}
	nc->mtu = r->mtu;
	nc->multicast_limit = r->multicast_limit;
	if (m->remote_trace_target) {
		nc->remote_trace_target = m->remote_trace_target;
		nc->remote_trace_level = m->remote_trace_level;
	} else {
		nc->remote_trace_target = r->remote_trace_target;
		nc->remote_trace_level = r->remote_trace_level;
	}
	/* Authorized active bridges, ascending (n->members is sorted). */
	for (size_t i = 0; i < n->member_count && nc->specialist_count < ZT_MAX_NETWORK_SPECIALISTS; i++)
		if (n->members[i]->active_bridge && n->members[i]->authorized)
			nc->specialists[nc->specialist_count++] =
			    ZT_SPECIALIST_ACTIVE_BRIDGE | n->members[i]->address;
	if ((rc = add_rules(c, r, m, new_member, md, nc, changed, now)) != 0)
		goto fail;
	for (size_t i = 0; i < r->route_count; i++) {
		nc->routes[i].target = r->routes[i].target;
		nc->routes[i].via = r->routes[i].via;
		nc->route_count++;
	}
	if ((rc = assign_ips(c, n, m, nc, changed)) != 0)
		goto fail;
	if (r->has_dns) {
		memcpy(nc->dns.domain, r->dns_domain, sizeof(nc->dns.domain));
		memcpy(nc->dns.servers, r->dns_servers, r->dns_server_count * sizeof(nc->dns.servers[0]));
	}
	if ((rc = add_credentials(c, id, nc, now)) != 0)
		goto fail;
	return 0;
fail:
	zt_netconf_free(nc);
	return rc;
}
