/* Hooks that keep the app from closing or overwriting the shim's rpc connections: some programs
 * close every fd they did not open, or dup2 onto a number they believe free. And the hint that
 * tells read()/write() which fds may be unconnected datagram sockets, carried along by dup. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hooks.h"

/* One bit per fd number below HINT_FDS: set where the shim made or changed a datagram socket, so
 * read() and write() of every other fd (files, pipes, streams) cost no getsockname. Fds above it
 * are always asked. A set bit is only a hint (the fd may have been closed behind our back, by
 * close_range or a raw syscall): zt_fd_kind decides. */
#define HINT_FDS 65536
static _Atomic uint64_t dgram_hint[HINT_FDS / 64];

/* A bit of one of this file's per-fd maps (fd in 0..HINT_FDS-1). */
static bool bit_get(_Atomic uint64_t *map, int fd)
{
	return atomic_load_explicit(&map[fd / 64], memory_order_relaxed) & (1ull << (fd % 64));
}

static void bit_set(_Atomic uint64_t *map, int fd, bool on)
{
	uint64_t bit = 1ull << (fd % 64);
	if (on)
		atomic_fetch_or_explicit(&map[fd / 64], bit, memory_order_relaxed);
	else if (atomic_load_explicit(&map[fd / 64], memory_order_relaxed) & bit)
		atomic_fetch_and_explicit(&map[fd / 64], ~bit, memory_order_relaxed);
}

bool zt_dgram_hint(int fd)
{
	if (fd < 0)
		return false;
	return fd >= HINT_FDS || bit_get(dgram_hint, fd);
}

void zt_dgram_hint_set(int fd, bool on)
{
	if (fd >= 0 && fd < HINT_FDS)
		bit_set(dgram_hint, fd, on);
}

/* One bit per fd number below HINT_FDS: a stream socket of the service that this image made (socket(),
 * a placeholder made a socket) and has not copied, passed or had an epoll watch since. Only such a
 * socket may join a loopback connection, which installs a new socket over this one fd number: any
 * other goes through lwIP, where every copy is the one app end (rpc.h, ZT_NC_CONNECT_SHARED).
 * Cleared by close, a copy, an epoll_ctl ADD, a pass over SCM_RIGHTS, and for every fd by a fork, a
 * posix_spawn and close_range/closefrom; an exec starts with none. Clearing is always safe. */
static _Atomic uint64_t solo_hint[HINT_FDS / 64];

bool zt_solo(int fd)
{
	return fd >= 0 && fd < HINT_FDS && bit_get(solo_hint, fd);
}

void zt_solo_set(int fd, bool on)
{
	if (fd >= 0 && fd < HINT_FDS)
		bit_set(solo_hint, fd, on);
}

void zt_solo_clear_all(void)
{
	for (size_t i = 0; i < HINT_FDS / 64; i++)
		if (atomic_load_explicit(&solo_hint[i], memory_order_relaxed))
			atomic_store_explicit(&solo_hint[i], 0, memory_order_relaxed);
}

void zt_before_child(void)
{
	if (!zt_shim_enabled)
		return;
	zt_lazy_realize_all(); /* parent and child share each socket, as the kernel's */
	zt_solo_clear_all();
}

ZT_EXPORT int close(int fd)
{
	zt_shim_init();
	if (zt_rpc_conn_is_own_fd(fd))
		return zt_fail(EBADF); /* not the app's: as if it were not open */
	zt_dgram_hint_set(fd, false);
	zt_solo_set(fd, false);
	zt_lazy_forget(fd);
	zt_lopts_forget(fd);
	return CALL_REAL(close, fd);
}

/* A placeholder about to be copied (or watched by an epoll, or passed to another process) is made
 * the service's socket first, one never joined: the copies must share it. */
void zt_realize_shared(int oldfd)
{
	zt_solo_set(oldfd, false);
	if (!zt_shim_enabled || !zt_lazy_hint(oldfd))
		return;
	int kind = zt_fd_kind_any(oldfd), saved = errno;
	if (kind == 'u' || kind == 'U')
		zt_lazy_realize(oldfd, kind, true);
	errno = saved;
}

ZT_EXPORT int dup(int oldfd)
{
	zt_shim_init();
	zt_realize_shared(oldfd);
	int fd = CALL_REAL(dup, oldfd);
	if (fd >= 0)
		zt_dgram_hint_set(fd, zt_dgram_hint(oldfd));
	return fd;
}

ZT_EXPORT int dup2(int oldfd, int newfd)
{
	zt_shim_init();
	if (oldfd != newfd && zt_rpc_conn_is_own_fd(newfd)) {
		int e = zt_rpc_conn_evacuate(newfd);
		if (e < 0)
			return zt_fail(-e);
	}
	if (oldfd != newfd) {
		zt_realize_shared(oldfd);
		zt_lazy_forget(newfd);
		zt_lopts_forget(newfd);
		zt_solo_set(newfd, false);
	}
	int r = CALL_REAL(dup2, oldfd, newfd);
	if (r >= 0 && oldfd != newfd)
		zt_dgram_hint_set(newfd, zt_dgram_hint(oldfd));
	return r;
}

ZT_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	zt_shim_init();
	if (oldfd != newfd && zt_rpc_conn_is_own_fd(newfd)) {
		int e = zt_rpc_conn_evacuate(newfd);
		if (e < 0)
			return zt_fail(-e);
	}
	if (oldfd != newfd) {
		zt_realize_shared(oldfd);
		zt_lazy_forget(newfd);
		zt_lopts_forget(newfd);
		zt_solo_set(newfd, false);
	}
	int r = CALL_REAL(dup3, oldfd, newfd, flags);
	if (r >= 0)
		zt_dgram_hint_set(newfd, zt_dgram_hint(oldfd));
	return r;
}

/* An epoll watches the file, not the fd number: a placeholder watched would be gone from the epoll
 * once a socket is installed over it (dup3 closes it). So it becomes the service's socket first, one
 * never joined (whose connect installs nothing). */
ZT_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	zt_shim_init();
	if (op == EPOLL_CTL_ADD)
		zt_realize_shared(fd);
	return CALL_REAL(epoll_ctl, epfd, op, fd, ev);
}

/* fcntl(F_DUPFD, F_DUPFD_CLOEXEC) copies an fd as dup does (CPython's socket.dup() is one): a
 * placeholder is realized first and the datagram hint goes along. Every other command goes straight
 * to libc; the argument is taken as libc's fcntl takes it, as a pointer-sized word. */
static int fcntl_common(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
	if (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC)
		return real ? real(fd, cmd, arg) : zt_fail(ENOSYS);
	zt_shim_init();
	zt_realize_shared(fd);
	int nfd = real ? real(fd, cmd, arg) : zt_fail(ENOSYS);
	if (nfd >= 0)
		zt_dgram_hint_set(nfd, zt_dgram_hint(fd));
	return nfd;
}

ZT_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_fcntl)
		zt_shim_init();
	return fcntl_common(real_fcntl, fd, cmd, arg);
}

ZT_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!real_fcntl64)
		zt_shim_init();
	return fcntl_common(real_fcntl64 ? real_fcntl64 : real_fcntl, fd, cmd, arg);
}

/* posix_spawn runs no fork handlers (glibc spawns with a clone of its own), yet the child inherits
 * every fd without FD_CLOEXEC: placeholders are made the service's sockets first, as before a fork. */
ZT_EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *acts,
                          const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	zt_shim_init();
	if (!real_posix_spawn)
		return ENOSYS;
	zt_before_child();
	return real_posix_spawn(pid, path, acts, attr, argv, envp);
}

ZT_EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *acts,
                           const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	zt_shim_init();
	if (!real_posix_spawnp)
		return ENOSYS;
	zt_before_child();
	return real_posix_spawnp(pid, file, acts, attr, argv, envp);
}

static int close_range_real(unsigned int first, unsigned int last, int flags)
{
	if (real_close_range)
		return real_close_range(first, last, flags);
#ifdef SYS_close_range
	return (int)syscall(SYS_close_range, first, last, flags);
#else
	return zt_fail(ENOSYS);
#endif
}

#define CONN_LIST_MAX 256

/* close_range in pieces that step around the rpc connections. */
static int close_range_around(unsigned int first, unsigned int last, int flags)
{
	int own[CONN_LIST_MAX];
	size_t n = zt_rpc_conn_list(own, CONN_LIST_MAX);
	unsigned int from = first;
	for (size_t i = 0; i < n; i++) {
		unsigned int c = (unsigned int)own[i];
		if (c < from || c > last)
			continue;
		if (c > from && close_range_real(from, c - 1, flags) < 0)
			return -1;
		if (c == UINT_MAX)
			return 0;
		from = c + 1;
	}
	if (from <= last && close_range_real(from, last, flags) < 0)
		return -1;
	return 0;
}

ZT_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	zt_shim_init();
	zt_lopts_changed();
	zt_solo_clear_all();
	/* Bad arguments get libc's own answer; marking close-on-exec spares ours (they have it). */
	if (first > last || (flags & CLOSE_RANGE_CLOEXEC))
		return close_range_real(first, last, flags);
	return close_range_around(first, last, flags);
}

ZT_EXPORT void closefrom(int lowfd)
{
	zt_shim_init();
	if (lowfd < 0)
		lowfd = 0;
	zt_lopts_changed();
	zt_solo_clear_all();
	int own[1];
	if (!zt_rpc_conn_list(own, 1) && real_closefrom) {
		real_closefrom(lowfd);
		return;
	}
	if (close_range_around((unsigned int)lowfd, UINT_MAX, 0) == 0)
		return;
	/* No close_range in this kernel: what glibc falls back to, one by one. */
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = lowfd; fd < max && fd <= INT_MAX; fd++)
		if (!zt_rpc_conn_is_own_fd((int)fd))
			real_close((int)fd);
}
