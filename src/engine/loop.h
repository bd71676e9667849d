/* ztrun's event loop: one thread, one epoll, monotonic milliseconds. Deadlines are no fds: before
 * every sleep the hooks say when they next need to run, and the earliest becomes epoll_wait's timeout.
 * Owners embed a struct zt_watch per fd; removal from inside a handler is safe. */
#ifndef ZTRUN_LOOP_H
#define ZTRUN_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct zt_loop;
struct zt_watch;

/* events: the EPOLL* bits that are ready. */
typedef void zt_io_fn(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg);
/* Runs before the loop sleeps; returns the next deadline it needs (monotonic ms) or -1 for none. */
typedef int64_t zt_hook_fn(struct zt_loop *loop, int64_t now, void *arg);

struct zt_watch {
	int fd;
	uint32_t events;
	zt_io_fn *fn;
	void *arg;
	bool active;
	uint64_t round; /* the round it was watched in: events collected before that are stale */
};

/* Returns 0 or -errno. */
int zt_loop_new(struct zt_loop **out);
void zt_loop_free(struct zt_loop *loop);

/* Starts watching fd for events (EPOLLIN/EPOLLOUT/…; EPOLLERR and EPOLLHUP are always reported).
 * w must stay valid until unwatched. Returns 0 or -errno. */
int zt_loop_watch(struct zt_loop *loop, struct zt_watch *w, int fd, uint32_t events, zt_io_fn *fn, void *arg);
/* Changes the events of an active watch. Returns 0 or -errno. */
int zt_loop_modify(struct zt_loop *loop, struct zt_watch *w, uint32_t events);
/* Stops watching; safe from inside any handler, including w's own. Does not close the fd. After it
 * returns, w's handler is not called again, even for events already collected in this round. The
 * memory of w must stay valid until the round ends: free it from a before-sleep hook. */
void zt_loop_unwatch(struct zt_loop *loop, struct zt_watch *w);

/* Hooks run in registration order before every sleep; the loop sleeps until the earliest deadline
 * they return or an fd is ready. At most 32 hooks (-ENOSPC past that). Returns 0 or -errno. */
int zt_loop_before_sleep(struct zt_loop *loop, zt_hook_fn *fn, void *arg);
/* The same, but after every before-sleep hook, whenever registered: for output that handlers and hooks
 * batch up (the node's datagrams) and that must leave before the loop sleeps. Shares the limit. */
int zt_loop_before_wait(struct zt_loop *loop, zt_hook_fn *fn, void *arg);
/* Removes the hook registered with (fn, arg); safe from inside any handler or hook. */
void zt_loop_remove_hook(struct zt_loop *loop, zt_hook_fn *fn, void *arg);

/* Runs one round: hooks, wait (at most max_wait_ms; -1 = until an event or deadline), dispatch.
 * Returns 0 or -errno (EINTR is not an error). */
int zt_loop_run_once(struct zt_loop *loop, int max_wait_ms);
/* Runs rounds until zt_loop_stop(); returns 0 or the first -errno. */
int zt_loop_run(struct zt_loop *loop);
void zt_loop_stop(struct zt_loop *loop);

/* Monotonic clock in milliseconds. */
int64_t zt_now_ms(void);

#endif
