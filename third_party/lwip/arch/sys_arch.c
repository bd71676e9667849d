/* What lwIP asks of its port (NO_SYS=1): a millisecond clock and random numbers. */
#include <sys/random.h>
#include <time.h>

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
