#include "harness.h"

#include <dirent.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Counted from any thread; failures are also counted per test by zt_test_main. */
static atomic_int passed, failed;
_Thread_local int zt_test_errno;

int zt_test_failures(void)
{
	return atomic_load(&failed);
}

void zt_test_pass(void)
{
	atomic_fetch_add(&passed, 1);
}

void zt_test_fail(const char *file, int line, const char *what)
{
	atomic_fetch_add(&failed, 1);
	fprintf(stderr, "  %s:%d: check failed: %s\n", file, line, what);
}

void zt_test_fail_int(const char *file, int line, const char *what, long long got, long long want)
{
	atomic_fetch_add(&failed, 1);
	fprintf(stderr, "  %s:%d: %s is %lld, want %lld\n", file, line, what, got, want);
}

bool zt_test_check_msg(bool ok, const char *file, int line, const char *cond, const char *fmt, ...)
{
	int err = zt_test_errno;
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* one write per line, so lines of checks in several threads do not interleave */
	if (ok) {
		atomic_fetch_add(&passed, 1);
		printf("ok   %s\n", what);
	} else {
		atomic_fetch_add(&failed, 1);
		printf("FAIL %s\n  %s:%d: check failed: %s (errno %d: %s)\n", what, file, line, cond, err,
		       strerror(err));
	}
	fflush(stdout);
	errno = err;
	return ok;
}

int zt_check_report(void)
{
	printf("%d checks passed, %d failed\n", atomic_load(&passed), atomic_load(&failed));
	fflush(stdout);
	return atomic_load(&failed) ? 1 : 0;
}

static void print_hex(const char *label, const uint8_t *b, size_t n)
{
	fprintf(stderr, "    %s", label);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", (i && i % 32 == 0) ? "\n         " : "", b[i]);
	fprintf(stderr, "\n");
}

bool zt_test_mem_eq(const char *file, int line, const char *what, const void *got, const void *want, size_t n)
{
	if (memcmp(got, want, n) == 0) {
		atomic_fetch_add(&passed, 1);
		return true;
	}
	atomic_fetch_add(&failed, 1);
	fprintf(stderr, "  %s:%d: %s differs\n", file, line, what);
	print_hex("got  ", got, n);
	print_hex("want ", want, n);
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t zt_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (const char *c = hex; *c; c++) {
		if (*c == ' ' || *c == '\n' || *c == '\t')
			continue;
		int v = hexval(*c);
		if (v < 0 || (hi >= 0 && n >= cap)) {
			fprintf(stderr, "bad test vector near \"%.16s\"\n", c);
			abort();
		}
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0) {
		fprintf(stderr, "odd-length test vector\n");
		abort();
	}
	return n;
}

void zt_test_random(void *arg, void *buf, size_t len)
{
	uint64_t *state = arg;
	uint8_t *b = buf;
	for (size_t i = 0; i < len; i++) {
		/* splitmix64: good enough to look random, and the same on every run */
		uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		b[i] = (uint8_t)(z ^ (z >> 31));
	}
}

/* lwIP's memory is the process heap (third_party/lwip/lwipopts.h) and its timers free and take theirs
 * as they fire, so the chunks they land in, and the bytes mallinfo counts, move between two moments
 * holding the same blocks. lwIP's own use is checked by its suites' guards (pool counts and bytes);
 * here it is left out. Weak: a test without lwIP has none. */
size_t zt_lwip_heap_chunk_bytes(void) __attribute__((weak));

/* Heap bytes in use. glibc counts chunks parked in its per-thread cache as in use, so the suite runs
 * with that cache off (see no_tcache). Under ASan this reads 0 and LeakSanitizer checks at exit. */
static size_t heap_in_use(void)
{
	size_t used = mallinfo2().uordblks, lwip = zt_lwip_heap_chunk_bytes ? zt_lwip_heap_chunk_bytes() : 0;
	return used ? used - lwip : 0;
}

/* The tcache can only be turned off before the first malloc, by a tunable in the environment: re-exec
 * once with it set. If that fails the leak check is merely noisier, so carry on. */
static void no_tcache(char **argv)
{
	static const char tunable[] = "glibc.malloc.tcache_count=0";
	const char *cur = getenv("GLIBC_TUNABLES");
	if (cur && strstr(cur, tunable))
		return;
	if (setenv("GLIBC_TUNABLES", tunable, 1) == 0)
		execv("/proc/self/exe", argv);
}

static bool selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

static void (*guard_before)(void);
static bool (*guard_after)(const char *test);

void zt_test_guard(void (*before)(void), bool (*after)(const char *test))
{
	guard_before = before;
	guard_after = after;
}

int zt_test_main(const char *suite, const struct zt_test *tests, size_t n, void (*warmup)(void), int argc,
                 char **argv)
{
	int failed_tests = 0, ran = 0;
	no_tcache(argv);
	printf("%s: %zu tests\n", suite, n); /* allocates stdout's buffer before anything is measured */
	free(malloc(1));
	if (warmup)
		warmup();
	for (size_t i = 0; i < n; i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		int failed_before = zt_test_failures();
		if (guard_before)
			guard_before();
		size_t before = heap_in_use();
		tests[i].fn();
		size_t after = heap_in_use();
		if (after != before) {
			fprintf(stderr, "  leak: %zu heap bytes in use before, %zu after\n", before, after);
			atomic_fetch_add(&failed, 1);
		}
		if (guard_after && !guard_after(tests[i].name))
			atomic_fetch_add(&failed, 1);
		ran++;
		if (zt_test_failures() != failed_before) {
			failed_tests++;
			printf("FAIL %s.%s\n", suite, tests[i].name);
		} else {
			printf("ok   %s.%s\n", suite, tests[i].name);
		}
	}
	printf("%s: %d of %d tests failed\n", suite, failed_tests, ran);
	return failed_tests || ran == 0 ? 1 : 0;
}

void zt_test_preload(char **argv, const char *lib, const char *network)
{
	if (getenv("ZTRUN_TEST_PRELOADED"))
		return;
	setenv("ZTRUN_TEST_PRELOADED", "1", 1);
	setenv("LD_PRELOAD", lib, 1);
	if (network)
		setenv("ZT_NC_NETWORK", network, 1);
	else
		unsetenv("ZT_NC_NETWORK");
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[512];
	snprintf(opts, sizeof(opts), "%s%sverify_asan_link_order=0", asan ? asan : "",
	         asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
	execv("/proc/self/exe", argv);
	perror("execv /proc/self/exe");
	exit(2);
}

int zt_test_count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}
