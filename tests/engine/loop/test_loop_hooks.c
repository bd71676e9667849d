/* Suite for engine/loop.c's before-sleep hooks: run in registration order before every sleep, the
 * earliest deadline any returns deciding how long the loop sleeps (never shorter than the deadline,
 * never longer than the caller's limit, not at all when it is past), before-wait hooks after all of
 * them, hooks removed from inside a round, and their limit. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "loop.h"

#define HOOK_LOG 1024 /* more than any loop's hook limit */

struct hook_log {
	int order[HOOK_LOG];
	int n;
	int64_t now[HOOK_LOG];
	int64_t deadline; /* what every hook of this log returns */
};

static struct hook_log hlog;

static int64_t hook_a(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	if (hlog.n < HOOK_LOG) {
		hlog.now[hlog.n] = now;
		hlog.order[hlog.n++] = (int)(intptr_t)arg;
	}
	return hlog.deadline;
}

static int64_t hook_b(struct zt_loop *loop, int64_t now, void *arg)
{
	return hook_a(loop, now, arg);
}

static void hooks_run_in_order_before_every_sleep(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	memset(&hlog, 0, sizeof(hlog));
	hlog.deadline = -1;
	CHECK_EQ_INT(zt_loop_before_sleep(loop, hook_a, (void *)(intptr_t)1), 0);
	CHECK_EQ_INT(zt_loop_before_sleep(loop, hook_b, (void *)(intptr_t)2), 0);
	CHECK_EQ_INT(zt_loop_before_sleep(loop, hook_a, (void *)(intptr_t)3), 0);
	int64_t t0 = zt_now_ms();
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	REQUIRE(hlog.n == 6);
	static const int want[] = {1, 2, 3, 1, 2, 3};
	for (int i = 0; i < 6; i++) {
		CHECK_EQ_INT(hlog.order[i], want[i]);
		CHECK(hlog.now[i] >= t0 && hlog.now[i] <= zt_now_ms());
	}
	/* removed by (fn, arg): only that one stops */
	zt_loop_remove_hook(loop, hook_a, (void *)(intptr_t)1);
	hlog.n = 0;
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(hlog.n, 2);
	CHECK_EQ_INT(hlog.order[0], 2);
	CHECK_EQ_INT(hlog.order[1], 3);
	zt_loop_free(loop);
}

/* A before-wait hook runs after every before-sleep hook, even those registered after it. */
static void before_wait_hooks_run_last(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	memset(&hlog, 0, sizeof(hlog));
	hlog.deadline = -1;
	CHECK_EQ_INT(zt_loop_before_sleep(loop, hook_a, (void *)(intptr_t)1), 0);
	CHECK_EQ_INT(zt_loop_before_wait(loop, hook_b, (void *)(intptr_t)9), 0);
	CHECK_EQ_INT(zt_loop_before_sleep(loop, hook_a, (void *)(intptr_t)2), 0);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	REQUIRE(hlog.n == 3);
	CHECK_EQ_INT(hlog.order[0], 1);
	CHECK_EQ_INT(hlog.order[1], 2);
	CHECK_EQ_INT(hlog.order[2], 9);
	zt_loop_remove_hook(loop, hook_b, (void *)(intptr_t)9);
	hlog.n = 0;
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(hlog.n, 2);
	zt_loop_free(loop);
}

static void deadline_wakes_the_loop(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	memset(&hlog, 0, sizeof(hlog));
	CHECK_EQ_INT(zt_loop_before_sleep(loop, hook_a, NULL), 0);
	/* a deadline 50 ms ahead: the loop sleeps no less, though asked to wait forever */
	int64_t t0 = zt_now_ms();
	hlog.deadline = t0 + 50;
	CHECK_EQ_INT(zt_loop_run_once(loop, -1), 0);
	int64_t t1 = zt_now_ms();
	CHECK(t1 >= hlog.deadline);
	/* a deadline already past: no sleep at all, however long the caller would wait */
	hlog.deadline = t1 - 1000;
	CHECK_EQ_INT(zt_loop_run_once(loop, 60000), 0);
	CHECK(zt_now_ms() - t1 < 30000);
	/* the caller's limit wins over a later deadline */
	int64_t t2 = zt_now_ms();
	hlog.deadline = t2 + 600000;
	CHECK_EQ_INT(zt_loop_run_once(loop, 30), 0);
	int64_t t3 = zt_now_ms();
	CHECK(t3 >= t2 + 30 - 1 && t3 < hlog.deadline);
	/* no deadline (-1): the caller's limit */
	hlog.deadline = -1;
	CHECK_EQ_INT(zt_loop_run_once(loop, 30), 0);
	CHECK(zt_now_ms() >= t3 + 30 - 1);
	zt_loop_free(loop);
}

/* The earliest deadline of all hooks decides, whichever hook returns it. */
static int64_t far_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	(void)arg;
	return now + 600000;
}

static int64_t near_hook(struct zt_loop *loop, int64_t now, void *arg)
{
	(void)loop;
	*(int64_t *)arg = now + 40;
	return now + 40;
}

static void earliest_deadline_wins(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	int64_t near = 0;
	CHECK_EQ_INT(zt_loop_before_sleep(loop, far_hook, NULL), 0);
	CHECK_EQ_INT(zt_loop_before_sleep(loop, near_hook, &near), 0);
	CHECK_EQ_INT(zt_loop_before_sleep(loop, far_hook, &near), 0);
	CHECK_EQ_INT(zt_loop_run_once(loop, -1), 0);
	int64_t t = zt_now_ms();
	CHECK(near > 0 && t >= near && t < near + 300000);
	zt_loop_free(loop);
}

/* A hook may remove itself or a later hook while the hooks run: the later one is skipped at once. */
static int64_t remover(struct zt_loop *loop, int64_t now, void *arg)
{
	hook_a(loop, now, arg);
	zt_loop_remove_hook(loop, remover, arg);
	zt_loop_remove_hook(loop, hook_b, (void *)(intptr_t)2);
	return -1;
}

static void remove_hooks_from_inside(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	memset(&hlog, 0, sizeof(hlog));
	hlog.deadline = -1;
	CHECK_EQ_INT(zt_loop_before_sleep(loop, remover, (void *)(intptr_t)1), 0);
	CHECK_EQ_INT(zt_loop_before_sleep(loop, hook_b, (void *)(intptr_t)2), 0);
	CHECK_EQ_INT(zt_loop_before_sleep(loop, hook_a, (void *)(intptr_t)3), 0);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	REQUIRE(hlog.n == 2);
	CHECK_EQ_INT(hlog.order[0], 1);
	CHECK_EQ_INT(hlog.order[1], 3);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(hlog.n, 3);
	CHECK_EQ_INT(hlog.order[2], 3);
	zt_loop_free(loop);
}

/* Hooks are limited (loop.c's ZT_LOOP_MAX_HOOKS, at least 8): one more is refused with ENOSPC, and a
 * removed hook's slot is free from the next round on. */
static void hooks_limited(void)
{
	struct zt_loop *loop;
	REQUIRE(zt_loop_new(&loop) == 0);
	memset(&hlog, 0, sizeof(hlog));
	hlog.deadline = -1;
	intptr_t max = 0;
	while (max < HOOK_LOG && zt_loop_before_sleep(loop, hook_a, (void *)max) == 0)
		max++;
	CHECK(max >= 8 && max < HOOK_LOG);
	CHECK_EQ_INT(zt_loop_before_sleep(loop, hook_a, (void *)max), -ENOSPC);
	zt_loop_remove_hook(loop, hook_a, (void *)(intptr_t)4);
	CHECK_EQ_INT(zt_loop_before_sleep(loop, hook_a, (void *)max), -ENOSPC);
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(hlog.n, max - 1);
	CHECK_EQ_INT(zt_loop_before_sleep(loop, hook_a, (void *)max), 0);
	hlog.n = 0;
	CHECK_EQ_INT(zt_loop_run_once(loop, 0), 0);
	CHECK_EQ_INT(hlog.n, max);
	/* in registration order, the new one last */
	for (int i = 0, want = 0; i < hlog.n; i++, want++) {
		if (want == 4)
			want++;
		CHECK_EQ_INT(hlog.order[i], want);
	}
	zt_loop_free(loop);
}

int main(int argc, char **argv)
{
	static const struct zt_test tests[] = {
	    ZT_TEST(hooks_run_in_order_before_every_sleep),
	    ZT_TEST(before_wait_hooks_run_last),
	    ZT_TEST(deadline_wakes_the_loop),
	    ZT_TEST(earliest_deadline_wins),
	    ZT_TEST(remove_hooks_from_inside),
	    ZT_TEST(hooks_limited),
	};
	return zt_test_main("loop_hooks", tests, sizeof(tests) / sizeof(tests[0]), NULL, argc, argv);
}
