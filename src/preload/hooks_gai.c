/* getaddrinfo_a and its companions (gai_suspend, gai_error, gai_cancel) through the shim's resolver:
 * glibc's own runs each lookup with libc's internal getaddrinfo, which asks the host's resolver.
 * Each GAI_NOWAIT call gets one detached thread that resolves its list in order, then notifies as
 * the sigevent asks; every finished request wakes gai_suspend. As glibc answers for a request in
 * progress, a queued request cannot be cancelled (EAI_NOTCANCELED). glibc's rules otherwise:
 * GAI_WAIT returns 0 once all are done (each request's own status is its gai_error), and
 * gai_suspend returns EAI_ALLDONE when none of its list is in progress. */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "hooks.h"

static int (*real_getaddrinfo_a)(int, struct gaicb **, int, struct sigevent *);
static int (*real_gai_suspend)(const struct gaicb *const *, int, const struct timespec *);
static int (*real_gai_cancel)(struct gaicb *);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER; /* any request finished */

struct job {
	int n;
	struct sigevent sev;
	struct gaicb *list[]; /* the caller's array may go once getaddrinfo_a returned */
};

void zt_gai_hooks_init(void)
{
	ZT_RESOLVE(getaddrinfo_a);
	ZT_RESOLVE(gai_suspend);
	ZT_RESOLVE(gai_cancel);
}

static void resolve(struct gaicb *r)
{
	struct addrinfo *res = NULL;
	int e = getaddrinfo(r->ar_name, r->ar_service, r->ar_request, &res); /* the shim's own */
	pthread_mutex_lock(&lock);
	r->ar_result = res;
	r->__return = e;
	pthread_cond_broadcast(&finished);
	pthread_mutex_unlock(&lock);
}

static void notify(const struct sigevent *sev)
{
	if (sev->sigev_notify == SIGEV_THREAD && sev->sigev_notify_function)
		sev->sigev_notify_function(sev->sigev_value); /* this thread is already a new one */
	else if (sev->sigev_notify == SIGEV_SIGNAL)
		sigqueue(getpid(), sev->sigev_signo, sev->sigev_value);
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	for (int i = 0; i < j->n; i++)
		if (j->list[i])
			resolve(j->list[i]);
	notify(&j->sev);
	free(j);
	return NULL;
}

ZT_EXPORT int getaddrinfo_a(int mode, struct gaicb *list[], int n, struct sigevent *sev)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return real_getaddrinfo_a ? real_getaddrinfo_a(mode, list, n, sev) : (errno = ENOSYS, EAI_SYSTEM);
	if ((mode != GAI_WAIT && mode != GAI_NOWAIT) || n < 0) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	if (mode == GAI_WAIT) {
		for (int i = 0; i < n; i++)
			if (list[i])
				resolve(list[i]);
		return 0;
	}
	struct job *j = malloc(sizeof(*j) + (size_t)n * sizeof(j->list[0]));
	if (!j)
		return EAI_MEMORY;
	j->n = n;
	memcpy(j->list, list, (size_t)n * sizeof(j->list[0]));
	if (sev)
		j->sev = *sev;
	else
		j->sev = (struct sigevent){.sigev_notify = SIGEV_NONE};
	pthread_mutex_lock(&lock);
	for (int i = 0; i < n; i++)
		if (list[i])
			list[i]->__return = EAI_INPROGRESS;
	pthread_mutex_unlock(&lock);
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int e = pthread_create(&t, &attr, run_job, j);
	pthread_attr_destroy(&attr);
	if (e != 0) {
		for (int i = 0; i < n; i++)
			if (list[i])
				list[i]->__return = EAI_AGAIN;
		free(j);
		return EAI_AGAIN;
	}
	return 0;
}

ZT_EXPORT int gai_suspend(const struct gaicb *const list[], int n, const struct timespec *timeout)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return real_gai_suspend ? real_gai_suspend(list, n, timeout) : (errno = ENOSYS, EAI_SYSTEM);
	struct timespec until;
	if (timeout) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += timeout->tv_sec;
		until.tv_nsec += timeout->tv_nsec;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	bool few[64];
	bool *waiting = n <= 64 ? few : malloc((size_t)n);
	if (!waiting)
		return EAI_MEMORY;
	pthread_mutex_lock(&lock);
	/* Which of the list are in progress now: the first of them to finish ends the wait. */
	bool any = false;
	for (int i = 0; i < n; i++)
		any |= waiting[i] = list[i] && list[i]->__return == EAI_INPROGRESS;
	int result = any ? EAI_AGAIN : EAI_ALLDONE, e = 0;
	while (any) {
		bool done = false;
		for (int i = 0; i < n; i++)
			done |= waiting[i] && list[i]->__return != EAI_INPROGRESS;
		if (done)
			result = 0;
		if (done || e == ETIMEDOUT)
			break;
		e = timeout ? pthread_cond_clockwait(&finished, &lock, CLOCK_MONOTONIC, &until)
		            : pthread_cond_wait(&finished, &lock);
	}
	pthread_mutex_unlock(&lock);
	if (waiting != few)
		free(waiting);
	return result;
}

ZT_EXPORT int gai_cancel(struct gaicb *req)
{
	zt_shim_init();
	if (!zt_shim_enabled)
		return real_gai_cancel ? real_gai_cancel(req) : (errno = ENOSYS, EAI_SYSTEM);
	pthread_mutex_lock(&lock);
	int r = req->__return == EAI_INPROGRESS ? EAI_NOTCANCELED : EAI_ALLDONE;
	pthread_mutex_unlock(&lock);
	return r;
}
