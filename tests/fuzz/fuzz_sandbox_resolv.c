/* The sandbox's resolv.conf parser and nameserver choice (src/sandbox/resolv.c): the host's
 * /etc/resolv.conf and the network's are read as they are. An input is the host's text, a NUL, the
 * network's text, a NUL, then a destination: one byte (bit 0: IPv6, bit 1: port 53) and its address
 * bytes. Whatever comes in, the parser returns at most its maximum of well-formed entries, and the
 * destination is left alone, moved to one of the network's nameservers (or its mapped IPv4 form),
 * or refused with ENETUNREACH. Seeds: sandbox_resolv_seeds/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox_resolv.h"
#include "fuzz_assert.h"

#define MAX_NS 3

static int parse(const uint8_t *p, size_t len, struct zt_nc_addr *ns)
{
	/* a copy of exactly len bytes, so reading past the text is the sanitizer's to catch */
	char *text = malloc(len ? len : 1);
	if (!text)
		return 0;
	memcpy(text, p, len);
	int n = sb_resolv_parse(text, len, ns, MAX_NS);
	free(text);
	FUZZ_ASSERT(n >= 0 && n <= MAX_NS);
	for (int i = 0; i < n; i++)
		FUZZ_ASSERT((ns[i].family == AF_INET || ns[i].family == AF_INET6) && ns[i].port_be == htons(53));
	return n;
}

static bool is_net(const struct zt_nc_addr *a, const struct zt_nc_addr *net, int n)
{
	for (int i = 0; i < n; i++)
		if (memcmp(a, &net[i], sizeof(*a)) == 0)
			return true;
	/* an IPv6 socket sent to the first IPv4 nameserver at its mapped address */
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return n > 0 && net[0].family == AF_INET && a->family == AF_INET6 && memcmp(a->addr, mapped, 12) == 0 &&
	       memcmp(a->addr + 12, net[0].addr, 4) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;
	const uint8_t *nul1 = memchr(data, 0, size);
	const uint8_t *host_end = nul1 ? nul1 : end;
	const uint8_t *net_p = nul1 ? nul1 + 1 : end;
	const uint8_t *nul2 = memchr(net_p, 0, (size_t)(end - net_p));
	const uint8_t *net_end = nul2 ? nul2 : end;
	const uint8_t *dst = nul2 ? nul2 + 1 : end;

	struct zt_nc_addr host[MAX_NS], net[MAX_NS];
	int nhost = parse(data, (size_t)(host_end - data), host);
	int nnet = parse(net_p, (size_t)(net_end - net_p), net);

	struct zt_nc_addr a = {0};
	uint8_t mode = dst < end ? *dst++ : 0;
	a.family = (mode & 1) ? AF_INET6 : AF_INET;
	a.port_be = (mode & 2) ? htons(53) : htons(80);
	size_t alen = a.family == AF_INET ? 4 : 16;
	/* no address bytes left: aim at the first host nameserver of the family, the case that matters */
	if ((size_t)(end - dst) >= alen)
		memcpy(a.addr, dst, alen);
	else
		for (int i = 0; i < nhost; i++)
			if (host[i].family == a.family) {
				memcpy(a.addr, host[i].addr, alen);
				break;
			}
	struct zt_nc_addr before = a;
	int r = sb_resolv_pick(host, nhost, net, nnet, &a);
	FUZZ_ASSERT(r == 0 || r == -ENETUNREACH);
	if (r < 0 || memcmp(&a, &before, sizeof(a)) == 0)
		FUZZ_ASSERT(memcmp(&a, &before, sizeof(a)) == 0);
	else
		FUZZ_ASSERT(before.port_be == htons(53) && is_net(&a, net, nnet));
	return 0;
}
