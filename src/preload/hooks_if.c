/* The app's view of network interfaces: getifaddrs, if_nameindex, if_nametoindex, if_indextoname and
 * the SIOCGIF* ioctls report the virtual interfaces the service lists (rpc.h, ZT_NC_IFADDRS), never
 * the host's. Results are allocated as glibc allocates them, so libc's freeifaddrs and
 * if_freenameindex free them. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "hooks.h"

#define IF_LIST_MAX 4096 /* entries: a bound on what a broken service could make us allocate */

static int (*real_getifaddrs)(struct ifaddrs **);
static struct if_nameindex *(*real_if_nameindex)(void);
static unsigned int (*real_if_nametoindex)(const char *);
static char *(*real_if_indextoname)(unsigned int, char *);

void zt_if_init(void)
{
	real_getifaddrs = (__typeof__(real_getifaddrs))zt_resolve_symbol("getifaddrs", (void *)getifaddrs);
	real_if_nameindex =
	    (__typeof__(real_if_nameindex))zt_resolve_symbol("if_nameindex", (void *)if_nameindex);
	real_if_nametoindex =
	    (__typeof__(real_if_nametoindex))zt_resolve_symbol("if_nametoindex", (void *)if_nametoindex);
	real_if_indextoname =
	    (__typeof__(real_if_indextoname))zt_resolve_symbol("if_indextoname", (void *)if_indextoname);
}

int zt_if_list(struct zt_if_entry **out)
{
	*out = NULL;
	if (!zt_shim_enabled)
		return -ENOSYS;
	for (int attempt = 0; attempt < 4; attempt++) {
		struct zt_if_entry *v = NULL;
		uint32_t total = 0, got = 0;
		for (;;) {
			uint8_t body[4];
			struct zt_nc_buf req = {.p = body, .len = sizeof(body)};
			zt_nc_put_u32(&req, got);
			struct zt_rpc_reply rep;
			int e = zt_rpc(ZT_NC_IFADDRS, -1, body, req.off, false, &rep);
			if (e == 0 && rep.fd >= 0)
				real_close(rep.fd);
			if (e == 0 && rep.result < 0)
				e = rep.result;
			struct zt_nc_buf b = {.p = rep.body, .len = e == 0 ? rep.body_len : 0};
			uint32_t t = zt_nc_get_u32(&b), count = zt_nc_get_u32(&b);
			if (e == 0 && (b.bad || t > IF_LIST_MAX || (v && t != total) || count > t - got ||
			               (count == 0 && got < t)))
				e = v && t != total && !b.bad ? -EAGAIN : -EPROTO;
			if (e == 0 && !v) {
				total = t;
				v = calloc(total ? total : 1, sizeof(*v));
				if (!v)
					e = -ENOMEM;
			}
			for (uint32_t i = 0; e == 0 && i < count; i++)
				if (!zt_nc_get_if_entry(&b, &v[got++]))
					e = -EPROTO;
			if (e < 0) {
				free(v);
				if (e == -EAGAIN)
					break; /* the interfaces changed under us: start over */
				return e;
			}
			if (got == total) {
				*out = v;
				if (total == 0)
					free(v);
				return (int)total;
			}
		}
	}
	return -EAGAIN;
}

static void mask_of(uint8_t *m, size_t len, unsigned prefix)
{
	memset(m, 0, len);
	for (unsigned i = 0; i < prefix && i < len * 8; i++)
		m[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

static bool lo_entry(const struct zt_if_entry *e)
{
	return e->flags & IFF_LOOPBACK;
}

/* One getifaddrs entry with room for its name and addresses: one block for all, as glibc does. */
struct ifa_chunk {
	struct ifaddrs ifa;
	struct sockaddr_storage addr, mask, brd;
	char name[IFNAMSIZ];
};

static void fill_entry(struct ifa_chunk *c, const struct zt_if_entry *e)
{
	memcpy(c->name, e->name, IFNAMSIZ);
	c->ifa.ifa_name = c->name;
	c->ifa.ifa_flags = e->flags;
	c->ifa.ifa_addr = (struct sockaddr *)&c->addr;
	if (e->family == ZT_NC_IF_LINK) {
		struct sockaddr_ll *ll = (struct sockaddr_ll *)&c->addr;
		ll->sll_family = AF_PACKET;
		ll->sll_ifindex = (int)e->index;
		ll->sll_hatype = lo_entry(e) ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		ll->sll_halen = (unsigned char)(e->prefix <= 8 ? e->prefix : 8);
		memcpy(ll->sll_addr, e->addr, ll->sll_halen);
		if (e->flags & IFF_BROADCAST) {
			struct sockaddr_ll *b = (struct sockaddr_ll *)&c->brd;
			*b = *ll;
			memset(b->sll_addr, 0xff, b->sll_halen);
			c->ifa.ifa_broadaddr = (struct sockaddr *)b;
		}
	} else if (e->family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&c->addr, *m = (struct sockaddr_in *)&c->mask;
		a->sin_family = m->sin_family = AF_INET;
		memcpy(&a->sin_addr, e->addr, 4);
		mask_of((uint8_t *)&m->sin_addr, 4, e->prefix);
		c->ifa.ifa_netmask = (struct sockaddr *)m;
		if (e->flags & IFF_BROADCAST) {
			struct sockaddr_in *b = (struct sockaddr_in *)&c->brd;
			b->sin_family = AF_INET;
			b->sin_addr.s_addr = a->sin_addr.s_addr | ~m->sin_addr.s_addr;
			c->ifa.ifa_broadaddr = (struct sockaddr *)b;
		}
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&c->addr,
		                    *m = (struct sockaddr_in6 *)&c->mask;
		a->sin6_family = m->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, e->addr, 16);
		if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&a->sin6_addr))
			a->sin6_scope_id = e->index;
		mask_of(m->sin6_addr.s6_addr, 16, e->prefix);
		c->ifa.ifa_netmask = (struct sockaddr *)m;
	}
}

ZT_EXPORT int getifaddrs(struct ifaddrs **ifap)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return real_getifaddrs ? real_getifaddrs(ifap) : zt_fail(ENOSYS);
	struct zt_if_entry *v;
	int n = zt_if_list(&v);
	if (n < 0)
		return zt_fail(n == -ENOMEM ? ENOMEM : ENOBUFS);
	*ifap = NULL;
	if (n == 0)
		return 0;
	struct ifa_chunk *c = calloc((size_t)n, sizeof(*c));
	if (!c) {
		free(v);
		return zt_fail(ENOMEM);
	}
	for (int i = 0; i < n; i++) {
		fill_entry(&c[i], &v[i]);
		c[i].ifa.ifa_next = i + 1 < n ? &c[i + 1].ifa : NULL;
	}
	free(v);
	*ifap = &c[0].ifa; /* glibc's freeifaddrs frees the first entry: the whole block */
	return 0;
}

ZT_EXPORT struct if_nameindex *if_nameindex(void)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return real_if_nameindex ? real_if_nameindex() : (errno = ENOSYS, NULL);
	struct zt_if_entry *v;
	int n = zt_if_list(&v);
	if (n < 0) {
		errno = ENOBUFS;
		return NULL;
	}
	struct if_nameindex *r = calloc((size_t)n + 1, sizeof(*r));
	size_t k = 0;
	for (int i = 0; r && i < n; i++) {
		if (v[i].family != ZT_NC_IF_LINK)
			continue;
		r[k].if_index = v[i].index;
		r[k].if_name = strdup(v[i].name);
		if (!r[k++].if_name) {
			if_freenameindex(r);
			r = NULL;
		}
	}
	if (n > 0)
		free(v);
	if (!r)
		errno = ENOBUFS;
	return r;
}

/* The link entry of an interface, by name or (name NULL) by index. */
static bool find_link(const struct zt_if_entry *v, int n, const char *name, unsigned index,
                      struct zt_if_entry *out)
{
	for (int i = 0; i < n; i++) {
		if (v[i].family != ZT_NC_IF_LINK)
			continue;
		if (name ? strncmp(v[i].name, name, IFNAMSIZ) == 0 : v[i].index == index) {
			*out = v[i];
			return true;
		}
	}
	return false;
}

ZT_EXPORT unsigned int if_nametoindex(const char *name)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return real_if_nametoindex ? real_if_nametoindex(name) : (errno = ENOSYS, 0);
	struct zt_if_entry *v, e;
	int n = zt_if_list(&v);
	if (n < 0) {
		errno = ENOBUFS;
		return 0;
	}
	bool found = name && find_link(v, n, name, 0, &e);
	if (n > 0)
		free(v);
	if (!found) {
		errno = ENODEV;
		return 0;
	}
	return e.index;
}

ZT_EXPORT char *if_indextoname(unsigned int index, char name[IF_NAMESIZE])
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return real_if_indextoname ? real_if_indextoname(index, name) : (errno = ENOSYS, NULL);
	struct zt_if_entry *v, e;
	int n = zt_if_list(&v);
	if (n < 0) {
		errno = ENOBUFS;
		return NULL;
	}
	bool found = find_link(v, n, NULL, index, &e);
	if (n > 0)
		free(v);
	if (!found) {
		errno = ENXIO;
		return NULL;
	}
	memcpy(name, e.name, IFNAMSIZ);
	return name;
}

/* ---- ioctl ---- */

static void put_in(struct sockaddr *sa, const uint8_t *a4)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	if (a4)
		memcpy(&in.sin_addr, a4, 4);
	memcpy(sa, &in, sizeof(in));
}

/* SIOCGIFCONF: one ifreq per IPv4 address, as Linux lists them; with no buffer, the length needed. */
static int ifconf(const struct zt_if_entry *v, int n, struct ifconf *ic)
{
	int need = 0, used = 0;
	for (int i = 0; i < n; i++) {
		if (v[i].family != AF_INET)
			continue;
		need += (int)sizeof(struct ifreq);
		if (!ic->ifc_buf)
			continue;
		if (used + (int)sizeof(struct ifreq) > ic->ifc_len)
			break;
		struct ifreq r;
		memset(&r, 0, sizeof(r));
		memcpy(r.ifr_name, v[i].name, IFNAMSIZ);
		put_in(&r.ifr_addr, v[i].addr);
		memcpy(ic->ifc_buf + used, &r, sizeof(r));
		used += (int)sizeof(r);
	}
	ic->ifc_len = ic->ifc_buf ? used : need;
	return 0;
}

static int ifreq_get(const struct zt_if_entry *v, int n, unsigned long request, struct ifreq *r)
{
	struct zt_if_entry link;
	if (request == SIOCGIFNAME) {
		if (!find_link(v, n, NULL, (unsigned)r->ifr_ifindex, &link))
			return -ENODEV;
		memcpy(r->ifr_name, link.name, IFNAMSIZ);
		return 0;
	}
	char name[IFNAMSIZ];
	memcpy(name, r->ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = 0;
	if (!find_link(v, n, name, 0, &link))
		return -ENODEV;
	const struct zt_if_entry *v4 = NULL;
	for (int i = 0; i < n && !v4; i++)
		if (v[i].family == AF_INET && strcmp(v[i].name, name) == 0)
			v4 = &v[i];
	uint8_t mask[4], brd[4];
	switch (request) {
	case SIOCGIFFLAGS:
		r->ifr_flags = (short)link.flags;
		return 0;
	case SIOCGIFINDEX:
		r->ifr_ifindex = (int)link.index;
		return 0;
	case SIOCGIFMTU:
		r->ifr_mtu = (int)link.mtu;
		return 0;
	case SIOCGIFHWADDR:
		memset(&r->ifr_hwaddr, 0, sizeof(r->ifr_hwaddr));
		r->ifr_hwaddr.sa_family = (link.flags & IFF_LOOPBACK) ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		memcpy(r->ifr_hwaddr.sa_data, link.addr, link.prefix < 14 ? link.prefix : 14);
		return 0;
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
	case SIOCGIFDSTADDR:
		if (!v4)
			return -EADDRNOTAVAIL;
		mask_of(mask, 4, v4->prefix);
		for (int i = 0; i < 4; i++)
			brd[i] = (uint8_t)(v4->addr[i] | (uint8_t)~mask[i]);
		put_in(&r->ifr_addr, request == SIOCGIFNETMASK   ? mask
		                     : request == SIOCGIFBRDADDR ? ((link.flags & IFF_BROADCAST) ? brd : NULL)
		                                                 : v4->addr);
		return 0;
	default:
		return -EINVAL;
	}
}

static bool is_socket(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

bool zt_if_ioctl(int fd, unsigned long request, void *arg, int *ret)
{
	switch (request) {
	case SIOCGIFCONF:
	case SIOCGIFNAME:
	case SIOCGIFFLAGS:
	case SIOCGIFINDEX:
	case SIOCGIFMTU:
	case SIOCGIFHWADDR:
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
	case SIOCGIFDSTADDR:
		break;
	case SIOCSIFFLAGS:
	case SIOCSIFADDR:
	case SIOCSIFNETMASK:
	case SIOCSIFBRDADDR:
	case SIOCSIFDSTADDR:
	case SIOCSIFMTU:
	case SIOCSIFHWADDR:
	case SIOCSIFNAME:
	case SIOCDIFADDR:
	case SIOCADDRT:
	case SIOCDELRT:
		if (!is_socket(fd))
			return false;
		*ret = zt_fail(EPERM); /* the virtual network is configured by its controller only */
		return true;
	default:
		return false;
	}
	if (!is_socket(fd))
		return false;
	if (!arg) {
		*ret = zt_fail(EFAULT);
		return true;
	}
	struct zt_if_entry *v;
	int n = zt_if_list(&v);
	if (n < 0) {
		*ret = zt_fail(ENOBUFS);
		return true;
	}
	int e = request == SIOCGIFCONF ? ifconf(v, n, arg) : ifreq_get(v, n, request, arg);
	if (n > 0)
		free(v);
	*ret = e < 0 ? zt_fail(-e) : 0;
	return true;
}
