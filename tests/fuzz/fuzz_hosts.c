/* Fuzz target: the shim's /etc/hosts reader (src/preload/hosts.c). An input is [name]\n[file]: the file is
 * looked up by that name and by a few addresses. Whatever the file holds, an answer stays inside its
 * limits, its names are terminated, and a match by name really names the host. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dns.h"
#include "fuzz_assert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool terminated(const char *s)
{
	return memchr(s, 0, ZT_DNS_NAME_MAX) != NULL;
}

static void check(const struct zt_host *h)
{
	FUZZ_ASSERT(h->naddrs >= 1 && h->naddrs <= ZT_HOST_MAX_ADDRS && h->naliases <= ZT_HOST_MAX_ALIASES);
	FUZZ_ASSERT(terminated(h->name) && h->name[0] != 0);
	for (size_t i = 0; i < h->naliases; i++)
		FUZZ_ASSERT(terminated(h->aliases[i]));
	for (size_t i = 0; i < h->naddrs; i++)
		FUZZ_ASSERT(h->addrs[i].family == AF_INET || h->addrs[i].family == AF_INET6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("hosts", MFD_CLOEXEC);
		FUZZ_ASSERT(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	const uint8_t *nl = memchr(data, '\n', size);
	size_t nlen = nl ? (size_t)(nl - data) : size;
	char name[300];
	if (nlen >= sizeof(name))
		nlen = sizeof(name) - 1;
	memcpy(name, data, nlen);
	name[nlen] = 0;
	const uint8_t *file = nl ? nl + 1 : data + size;
	size_t flen = (size_t)(data + size - file);
	FUZZ_ASSERT(ftruncate(fd, 0) == 0);
	FUZZ_ASSERT(pwrite(fd, file, flen, 0) == (ssize_t)flen);

	struct zt_host h;
	if (zt_hosts_by_name(path, name, &h)) {
		check(&h);
		/* the query's name is the canonical name or an alias, unless it was cut to fit */
		bool named = strlen(name) >= ZT_DNS_NAME_MAX - 1 || zt_dns_name_eq(h.name, name);
		for (size_t i = 0; i < h.naliases; i++)
			named |= zt_dns_name_eq(h.aliases[i], name);
		FUZZ_ASSERT(named || h.naliases == ZT_HOST_MAX_ALIASES);
	}
	static const char *const addrs[] = {"127.0.0.1", "::1", "10.147.20.1", "fe80::1"};
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		uint8_t a[16];
		int family = strchr(addrs[i], ':') ? AF_INET6 : AF_INET;
		inet_pton(family, addrs[i], a);
		if (zt_hosts_by_addr(path, family, a, &h)) {
			check(&h);
			FUZZ_ASSERT(h.naddrs == 1 && memcmp(h.addrs[0].addr, a, family == AF_INET ? 4 : 16) == 0);
		}
	}
	return 0;
}
