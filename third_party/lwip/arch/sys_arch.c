/* What lwIP asks of its port (NO_SYS=1): a millisecond clock, random numbers, memory. */
#include <malloc.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "lwip/memp.h"
#include "lwip/priv/memp_priv.h"
#include "lwip/stats.h"
#include "lwip/sys.h"

/* CLOCK_MONOTONIC in ms: the clock of ztrun's loop (loop.h, zt_now_ms), so lwIP's timeouts and the
 * loop's deadlines agree. Wraps after 49 days, which lwIP's timeout arithmetic expects. */
u32_t sys_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u32_t)((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* LWIP_RAND (cc.h): TCP initial sequence numbers and ephemeral ports, so unpredictable values from
 * the kernel's CSPRNG. */
uint32_t zt_lwip_rand(void)
{
	uint32_t r = 0;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)sys_now() * 2654435761u;
	return r;
}

/* Every allocation of lwIP's (mem_malloc, and through it its pools), from the process heap while
 * all of lwIP's memory together stays within MEM_SIZE: past it lwIP sees what an exhausted pool gave
 * before (ERR_MEM, a dropped frame, ENOBUFS to the app). lwip_stats.mem.used is lwIP's own count of
 * what it holds, kept by mem.c around these calls. chunk_bytes is what the same blocks occupy in
 * malloc's chunks (zt_lwip_heap_chunk_bytes). */
static size_t chunk_bytes;

void *zt_lwip_malloc(size_t size)
{
	if (size > MEM_SIZE || lwip_stats.mem.used > MEM_SIZE - size)
		return NULL;
	void *p = malloc(size);
	if (p)
		chunk_bytes += malloc_usable_size(p) + sizeof(size_t);
	return p;
}

void zt_lwip_free(void *p)
{
	chunk_bytes -= malloc_usable_size(p) + sizeof(size_t);
	free(p);
}

size_t zt_lwip_heap_chunk_bytes(void)
{
	return chunk_bytes;
}

/* Of lwip_stats.mem.used, the bytes not in pool elements (each counted by its pool's own `used`):
 * pbufs of outgoing data and the like. Leak checks compare this and the pools' counts. */
size_t zt_lwip_heap_outside_pools(void)
{
	size_t in_pools = 0;
	for (int i = 0; i < MEMP_MAX; i++)
		in_pools += (size_t)memp_pools[i]->stats->used * (MEMP_SIZE + MEMP_ALIGN_SIZE(memp_pools[i]->size));
	return lwip_stats.mem.used - in_pools;
}
