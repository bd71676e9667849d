/* ztrun's event loop on epoll. Hooks compute the next deadline before every sleep, so no timer list
 * lives here: the protocol core and lwIP each report when they next need to run. */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define ZT_LOOP_MAX_HOOKS  32
#define ZT_LOOP_MAX_EVENTS 128

struct zt_loop_hook {
	zt_hook_fn *fn;
	void *arg;
	bool last; /* zt_loop_before_wait: after every other hook */
};

struct zt_loop {
	int epfd;
	bool stop;
	uint64_t round;
	int nhooks;
	struct zt_loop_hook hooks[ZT_LOOP_MAX_HOOKS];
};

int64_t zt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int zt_loop_new(struct zt_loop **out)
{
	struct zt_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int err = -errno;
		free(loop);
		return err;
	}
	*out = loop;
	return 0;
}

void zt_loop_free(struct zt_loop *loop)
{
	if (!loop)
		return;
	close(loop->epfd);
	free(loop);
}

int zt_loop_watch(struct zt_loop *loop, struct zt_watch *w, int fd, uint32_t events, zt_io_fn *fn, void *arg)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	*w = (struct zt_watch){.fd = fd, .events = events, .fn = fn, .arg = arg, .active = true};
	w->round = loop->round;
	return 0;
}

int zt_loop_modify(struct zt_loop *loop, struct zt_watch *w, uint32_t events)
{
	if (!w->active)
		return -EINVAL;
	if (events == w->events)
		return 0;
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return -errno;
	w->events = events;
	return 0;
}

void zt_loop_unwatch(struct zt_loop *loop, struct zt_watch *w)
{
	if (!w->active)
		return;
	/* The fd may already be closed by its owner; epoll then dropped it itself. */
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->active = false;
}

static int add_hook(struct zt_loop *loop, zt_hook_fn *fn, void *arg, bool last)
{
	if (loop->nhooks == ZT_LOOP_MAX_HOOKS)
		return -ENOSPC; /* (removed hooks free their slot at the next round) */
	loop->hooks[loop->nhooks++] = (struct zt_loop_hook){fn, arg, last};
	return 0;
}

int zt_loop_before_sleep(struct zt_loop *loop, zt_hook_fn *fn, void *arg)
{
	return add_hook(loop, fn, arg, false);
}

int zt_loop_before_wait(struct zt_loop *loop, zt_hook_fn *fn, void *arg)
{
	return add_hook(loop, fn, arg, true);
}

void zt_loop_remove_hook(struct zt_loop *loop, zt_hook_fn *fn, void *arg)
{
	/* Only marked here: the hooks may be running. Compacted at the start of the next round. */
	for (int i = 0; i < loop->nhooks; i++)
		if (loop->hooks[i].fn == fn && loop->hooks[i].arg == arg)
			loop->hooks[i].fn = NULL;
}

int zt_loop_run_once(struct zt_loop *loop, int max_wait_ms)
{
	int kept = 0;
	for (int i = 0; i < loop->nhooks; i++)
		if (loop->hooks[i].fn)
			loop->hooks[kept++] = loop->hooks[i];
	loop->nhooks = kept;
	int64_t now = zt_now_ms(), deadline = -1;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < loop->nhooks; i++) {
			if (!loop->hooks[i].fn || loop->hooks[i].last != (pass == 1))
				continue;
			int64_t d = loop->hooks[i].fn(loop, now, loop->hooks[i].arg);
			if (d >= 0 && (deadline < 0 || d < deadline))
				deadline = d;
		}
	}
	int timeout = max_wait_ms;
	if (deadline >= 0) {
		int64_t until = deadline > now ? deadline - now : 0;
		if (timeout < 0 || until < timeout)
			timeout = (int)(until > 1000000 ? 1000000 : until);
	}
	if (loop->stop)
		timeout = 0;

	struct epoll_event evs[ZT_LOOP_MAX_EVENTS];
	int n = epoll_wait(loop->epfd, evs, ZT_LOOP_MAX_EVENTS, timeout);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	uint64_t round = loop->round++;
	for (int i = 0; i < n; i++) {
		struct zt_watch *w = evs[i].data.ptr;
		/* A handler earlier in this round may have unwatched w, or unwatched it and watched it
		 * again for another fd: such events are stale. Owners free watches only between rounds. */
		if (!w->active || w->round > round)
			continue;
		w->fn(loop, w, evs[i].events, w->arg);
	}
	return 0;
}

int zt_loop_run(struct zt_loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		int r = zt_loop_run_once(loop, -1);
		if (r < 0)
			return r;
	}
	return 0;
}

void zt_loop_stop(struct zt_loop *loop)
{
	loop->stop = true;
}
