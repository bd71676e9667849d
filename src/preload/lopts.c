/* The options a listener's accepted sockets inherit (appopt.h: timeouts, low-water mark, SO_LINGER),
 * kept per listener so that an accept does not read them again (nginx accepts thousands a second).
 * An entry is dropped when this process may have changed them: a setsockopt of one of them on any
 * fd (a copy of the listener may be another fd number), a listen() that installs a new end over it,
 * a close or dup2/dup3 over its fd number; close_range and closefrom drop all. Not seen: another
 * process changing them on a listener it shares (the next fork or exec here starts afresh only in
 * the child). */
#include <pthread.h>
#include <stdatomic.h>

#include "appopt.h"
#include "hooks.h"

#define SLOTS 8

struct slot {
	_Atomic int fdp1; /* fd + 1, 0 for a free slot: read without the lock by zt_lopts_forget */
	uint64_t gen;
	struct zt_appopt_set opts;
};
static struct slot slots[SLOTS];
static unsigned next_victim;
static _Atomic uint64_t generation = 1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void zt_lopts_get(int fd, struct zt_appopt_set *out)
{
	uint64_t gen = atomic_load(&generation);
	pthread_mutex_lock(&lock);
	for (int i = 0; i < SLOTS; i++) {
		if (atomic_load(&slots[i].fdp1) == fd + 1 && slots[i].gen == gen) {
			*out = slots[i].opts;
			pthread_mutex_unlock(&lock);
			return;
		}
	}
	pthread_mutex_unlock(&lock);
	zt_appopt_read(fd, real_getsockopt, out);
	pthread_mutex_lock(&lock);
	/* a change that raced the read bumped the generation: the entry is stale at birth and never used */
	int at = -1;
	for (int i = 0; i < SLOTS && at < 0; i++)
		if (atomic_load(&slots[i].fdp1) == fd + 1 || atomic_load(&slots[i].fdp1) == 0)
			at = i;
	if (at < 0)
		at = (int)(next_victim++ % SLOTS);
	slots[at].gen = gen;
	slots[at].opts = *out;
	atomic_store(&slots[at].fdp1, fd + 1);
	pthread_mutex_unlock(&lock);
}

void zt_lopts_forget(int fd)
{
	for (int i = 0; i < SLOTS; i++) {
		if (atomic_load_explicit(&slots[i].fdp1, memory_order_relaxed) != fd + 1)
			continue;
		pthread_mutex_lock(&lock);
		if (atomic_load(&slots[i].fdp1) == fd + 1)
			atomic_store(&slots[i].fdp1, 0);
		pthread_mutex_unlock(&lock);
	}
}

void zt_lopts_changed(void)
{
	atomic_fetch_add(&generation, 1);
}
