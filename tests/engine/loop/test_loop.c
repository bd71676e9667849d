/* Suite for engine/loop.c: watches on real fds (pipes, eventfds), EPOLLHUP reported unasked, unwatch and
 * re-watch from inside handlers (stale events dropped), more ready fds than one epoll_wait returns,
 * zt_loop_run and zt_loop_stop, and the error paths (bad fds, a signal, a broken epoll fd). The
 * before-sleep hooks and their deadlines are test_loop_hooks.c's. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "loop.h"

/* What a handler saw: how often it ran, with which watch, events and argument. */
struct seen {
	int calls;
	struct zt_watch *w;
	uint32_t events;
	void *arg;
	int fd;
};

static void record(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	(void)loop;
	struct seen *s = arg;
	s->calls++;
	s->w = w;
	s->events = events;
	s->arg = arg;
	s->fd = w->fd;
}

/* Reads an eventfd's counter, so it is no longer readable. */
static void drain(int fd)
{
	uint64_t v;
	(void)!read(fd, &v, sizeof(v));
}

static void poke(int fd)
{
	uint64_t one = 1;
	(void)!write(fd, &one, sizeof(one));
}

static void pipe_readable_once(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	int p[2];
	REQUIRE(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
	struct zt_watch w;
	struct seen s = {0};
	CHECK_EQ_INT(zt_loop_watch(loop, &w, p[0], EPOLLIN, record, &s), 0);
	CHECK(w.active && w.fd == p[0] && w.events == EPOLLIN);
	/* nothing written: a round with no wait calls nobody */
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(s.calls, 0);
	CHECK_EQ_INT(write(p[1], "x", 1), 1);
	CHECK_EQ_INT(zt_loop_run_once(loop, 5000), 0);
	CHECK_EQ_INT(s.calls, 1);
	CHECK(s.w == &w && s.arg == &s && s.events == EPOLLIN);
	/* level-triggered: still readable, reported again; read, and it is not */
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(s.calls, 2);
	char c;
	CHECK_EQ_INT(read(p[0], &c, 1), 1);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(s.calls, 2);
	zt_loop_unwatch(loop, &w);
	CHECK(!w.active);
	/* unwatch does not close the fd */
	CHECK(fcntl(p[0], F_GETFD) >= 0);
	close(p[0]);
	close(p[1]);
	zt_loop_free(loop);
}

/* EPOLLHUP and EPOLLERR come whatever was asked for, even nothing. */
static void hangup_reported_unasked(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	int p[2];
	REQUIRE(pipe2(p, O_CLOEXEC) == 0);
	struct zt_watch r, wr;
	struct seen sr = {0}, sw = {0};
	CHECK_EQ_INT(zt_loop_watch(loop, &r, p[0], 0, record, &sr), 0);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(sr.calls, 0);
	close(p[1]);
	CHECK_EQ_INT(zt_loop_run_once(loop, 5000), 0);
	CHECK_EQ_INT(sr.calls, 1);
	CHECK(sr.events & EPOLLHUP);
	zt_loop_unwatch(loop, &r);
	close(p[0]);
	/* the write end of a pipe whose reader is gone: EPOLLERR */
	REQUIRE(pipe2(p, O_CLOEXEC) == 0);
	close(p[0]);
	CHECK_EQ_INT(zt_loop_watch(loop, &wr, p[1], 0, record, &sw), 0);
	CHECK_EQ_INT(zt_loop_run_once(loop, 5000), 0);
	CHECK_EQ_INT(sw.calls, 1);
	CHECK(sw.events & EPOLLERR);
	zt_loop_unwatch(loop, &wr);
	close(p[1]);
	zt_loop_free(loop);
}

/* modify switches the events of an active watch; an inactive one is refused. */
static void modify_events(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	int p[2];
	REQUIRE(pipe2(p, O_CLOEXEC) == 0);
	struct zt_watch w;
	struct seen s = {0};
	CHECK_EQ_INT(zt_loop_watch(loop, &w, p[1], EPOLLIN, record, &s), 0);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(s.calls, 0); /* a pipe's write end is never readable */
	CHECK_EQ_INT(zt_loop_modify(loop, &w, EPOLLOUT), 0);
	CHECK_EQ_INT(w.events, EPOLLOUT);
	CHECK_EQ_INT(zt_loop_run_once(loop, 5000), 0);
	CHECK_EQ_INT(s.calls, 1);
	CHECK_EQ_INT(s.events, EPOLLOUT);
	CHECK_EQ_INT(zt_loop_modify(loop, &w, EPOLLOUT), 0); /* unchanged: nothing to do */
	CHECK_EQ_INT(zt_loop_modify(loop, &w, 0), 0);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(s.calls, 1);
	zt_loop_unwatch(loop, &w);
	CHECK_EQ_INT(zt_loop_modify(loop, &w, EPOLLIN), -EINVAL);
	close(p[0]);
	close(p[1]);
	zt_loop_free(loop);
}

static void watch_errors(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	struct zt_watch w = {0}, w2 = {0};
	struct seen s = {0};
	int fd = eventfd(0, EFD_CLOEXEC);
	REQUIRE(fd >= 0);
	int bad = fd + 100;
	CHECK_EQ_INT(zt_loop_watch(loop, &w, bad, EPOLLIN, record, &s), -EBADF);
	CHECK(!w.active);
	CHECK_EQ_INT(zt_loop_watch(loop, &w, fd, EPOLLIN, record, &s), 0);
	CHECK_EQ_INT(zt_loop_watch(loop, &w2, fd, EPOLLIN, record, &s), -EEXIST);
	CHECK(!w2.active);
	/* a regular file cannot be watched */
	char path[] = "/tmp/ztrun-loop-test.XXXXXX";
	int file = mkstemp(path);
	REQUIRE(file >= 0);
	unlink(path);
	CHECK_EQ_INT(zt_loop_watch(loop, &w2, file, EPOLLIN, record, &s), -EPERM);
	CHECK(!w2.active);
	close(file);
	/* the owner closed the fd first: unwatch still ends the watch, twice is harmless */
	close(fd);
	zt_loop_unwatch(loop, &w);
	CHECK(!w.active);
	zt_loop_unwatch(loop, &w);
	CHECK(!w.active);
	CHECK_EQ_INT(s.calls, 0);
	zt_loop_free(loop);
}

/* A handler that unwatches its own watch is not called again, though its fd stays readable. */
static void unwatch_self(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	record(loop, w, events, arg);
	zt_loop_unwatch(loop, w);
}

static void unwatch_from_own_handler(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	REQUIRE(fd >= 0);
	struct zt_watch w;
	struct seen s = {0};
	CHECK_EQ_INT(zt_loop_watch(loop, &w, fd, EPOLLIN, unwatch_self, &s), 0);
	poke(fd);
	CHECK_EQ_INT(zt_loop_run_once(loop, 5000), 0);
	CHECK_EQ_INT(s.calls, 1);
	CHECK(!w.active);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(s.calls, 1);
	/* watched again, it is reported again */
	CHECK_EQ_INT(zt_loop_watch(loop, &w, fd, EPOLLIN, record, &s), 0);
	CHECK_EQ_INT(zt_loop_run_once(loop, 5000), 0);
	CHECK_EQ_INT(s.calls, 2);
	zt_loop_unwatch(loop, &w);
	close(fd);
	zt_loop_free(loop);
}

/* Two ready fds: whichever handler runs first unwatches the other's watch and re-watches that struct on a
 * third fd. The event already collected for the second fd is stale and dropped; the third fd is reported
 * from the next round on, with the watch now naming it. */
struct pair {
	struct zt_loop *loop;
	struct zt_watch w[2];
	struct seen s[2];
	int fd[3];
	int first;
	int rewatch;
};

static void pair_handler(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	struct pair *p = arg;
	int me = w == &p->w[0] ? 0 : 1;
	record(loop, w, events, &p->s[me]);
	p->s[me].arg = arg;
	drain(w->fd);
	if (p->first < 0) {
		p->first = me;
		struct zt_watch *other = &p->w[1 - me];
		zt_loop_unwatch(loop, other);
		p->rewatch = zt_loop_watch(loop, other, p->fd[2], EPOLLIN, pair_handler, p);
	}
}

static void unwatch_other_in_same_round(void)
{
	struct pair p = {.first = -1, .rewatch = 1};
	REQUIRE(zt_loop_new(&p.loop) == 0);
	for (int i = 0; i < 3; i++) {
		p.fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		REQUIRE(p.fd[i] >= 0);
		poke(p.fd[i]);
	}
	CHECK_EQ_INT(zt_loop_watch(p.loop, &p.w[0], p.fd[0], EPOLLIN, pair_handler, &p), 0);
	CHECK_EQ_INT(zt_loop_watch(p.loop, &p.w[1], p.fd[1], EPOLLIN, pair_handler, &p), 0);
	CHECK_EQ_INT(zt_loop_run_once(p.loop, 5000), 0);
	REQUIRE(p.first >= 0);
	int other = 1 - p.first;
	CHECK_EQ_INT(p.rewatch, 0);
	CHECK_EQ_INT(p.s[p.first].calls, 1);
	CHECK_EQ_INT(p.s[other].calls, 0); /* its collected event was stale */
	CHECK(p.w[other].active && p.w[other].fd == p.fd[2]);
	CHECK_EQ_INT(zt_loop_run_once(p.loop, 5000), 0);
	CHECK_EQ_INT(p.s[other].calls, 1);
	CHECK_EQ_INT(p.s[other].fd, p.fd[2]);
	CHECK_EQ_INT(p.s[p.first].calls, 1); /* drained */
	zt_loop_unwatch(p.loop, &p.w[0]);
	zt_loop_unwatch(p.loop, &p.w[1]);
	for (int i = 0; i < 3; i++)
		close(p.fd[i]);
	zt_loop_free(p.loop);
}

/* More ready fds than one epoll_wait returns (128): each is served exactly once over the rounds. */
#define MANY 200
static struct zt_watch many_w[MANY];
static int many_calls[MANY];

static void many_handler(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	(void)arg;
	drain(w->fd);
	many_calls[w - many_w]++;
}

static void more_ready_fds_than_one_wait(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	int fds[MANY];
	memset(many_calls, 0, sizeof(many_calls));
	for (int i = 0; i < MANY; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		REQUIRE(fds[i] >= 0);
		poke(fds[i]);
		CHECK_EQ_INT(zt_loop_watch(loop, &many_w[i], fds[i], EPOLLIN, many_handler, NULL), 0);
	}
	CHECK_EQ_INT(zt_loop_run_once(loop, 5000), 0);
	int served = 0;
	for (int i = 0; i < MANY; i++)
		served += many_calls[i];
	CHECK(served > 0 && served < MANY);
	for (int r = 0; r < 4; r++)
		CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	for (int i = 0; i < MANY; i++) {
		CHECK_EQ_INT(many_calls[i], 1);
		zt_loop_unwatch(loop, &many_w[i]);
		close(fds[i]);
	}
	zt_loop_free(loop);
}

/* --- run, stop, errors --------------------------------------------------------------------------------- */

static void stop_from_handler(struct zt_loop *loop, struct zt_watch *w, uint32_t events, void *arg)
{
	record(loop, w, events, arg);
	drain(w->fd);
	zt_loop_stop(loop);
}

static int64_t counting_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	(*(int *)arg)++;
	return now + 600000;
}

static int64_t stopping_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(*(int *)arg)++;
	zt_loop_stop(loop);
	return now + 600000;
}

static void run_until_stopped(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	REQUIRE(fd >= 0);
	struct zt_watch w;
	struct seen s = {0};
	int rounds = 0;
	CHECK_EQ_INT(zt_loop_watch(loop, &w, fd, EPOLLIN, stop_from_handler, &s), 0);
	CHECK_EQ_INT(zt_loop_before_sleep(loop, counting_hook, &rounds), 0);
	poke(fd);
	CHECK_EQ_INT(zt_loop_run(loop), 0);
	CHECK_EQ_INT(s.calls, 1);
	CHECK_EQ_INT(rounds, 1);
	/* run again: stop is reset; a hook that stops the loop makes that round's wait zero, though it
	 * returns a deadline ten minutes ahead */
	zt_loop_remove_hook(loop, counting_hook, &rounds);
	rounds = 0;
	CHECK_EQ_INT(zt_loop_before_sleep(loop, stopping_hook, &rounds), 0);
	int64_t t0 = zt_now_ms();
	CHECK_EQ_INT(zt_loop_run(loop), 0);
	CHECK_EQ_INT(rounds, 1);
	CHECK(zt_now_ms() - t0 < 300000);
	zt_loop_unwatch(loop, &w);
	close(fd);
	zt_loop_free(loop);
}

static volatile sig_atomic_t alarmed;
static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/* A signal ends the wait early; that is not an error. */
static void signal_is_not_an_error(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(SIGALRM, &sa, &old) == 0);
	alarmed = 0;
	struct itimerval it = {.it_value = {.tv_usec = 20000}};
	REQUIRE(setitimer(ITIMER_REAL, &it, NULL) == 0);
	int64_t t0 = zt_now_ms();
	CHECK_EQ_INT(zt_loop_run_once(loop, 600000), 0);
	CHECK(alarmed);
	CHECK(zt_now_ms() - t0 < 300000);
	sigaction(SIGALRM, &old, NULL);
	zt_loop_free(loop);
}

/* The loop's epoll fd: the one eventpoll among this process's fds (the suite holds no other). */
static int find_epoll_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int found = -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[300], target[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = 0;
			if (strcmp(target, "anon_inode:[eventpoll]") == 0)
				found = atoi(e->d_name);
		}
	}
	closedir(d);
	return found;
}

/* epoll_wait failing (its fd no longer an epoll): run_once and run return the error. */
static void broken_epoll_fd_is_reported(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	int ep = find_epoll_fd();
	REQUIRE(ep >= 0);
	int p[2];
	REQUIRE(pipe2(p, O_CLOEXEC) == 0);
	REQUIRE(dup2(p[0], ep) == ep);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), -EINVAL);
	CHECK_EQ_INT(zt_loop_run(loop), -EINVAL);
	struct zt_watch w = {0};
	CHECK_EQ_INT(zt_loop_watch(loop, &w, p[1], EPOLLOUT, record, NULL), -EINVAL);
	CHECK(!w.active);
	close(p[0]);
	close(p[1]);
	zt_loop_free(loop); /* closes the dup */
}

static void clock_is_monotonic_ms(void)
{
	int64_t a = zt_now_ms();
	struct timespec ts = {0, 20 * 1000000};
	nanosleep(&ts, NULL);
	int64_t b = zt_now_ms();
	CHECK(a > 0 && b >= a + 20 - 1);
	struct timespec mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	int64_t c = zt_now_ms();
	CHECK(c >= (int64_t)mono.tv_sec * 1000 + mono.tv_nsec / 1000000);
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(pipe_readable_once),
	    ZT_TEST(hangup_reported_unasked),
	    ZT_TEST(modify_events),
	    ZT_TEST(watch_errors),
	    ZT_TEST(unwatch_from_own_handler),
	    ZT_TEST(unwatch_other_in_same_round),
	    ZT_TEST(more_ready_fds_than_one_wait),
	    ZT_TEST(run_until_stopped),
	    ZT_TEST(signal_is_not_an_error),
	    ZT_TEST(broken_epoll_fd_is_reported),
	    ZT_TEST(clock_is_monotonic_ms),
	};
	return zt_test_main("loop", tests, sizeof(tests) / sizeof(tests[0]), NULL, argc, argv);
}
