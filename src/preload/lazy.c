/* Lazy streams (rpc.h): socket() of a TCP socket asks the service nothing. It makes a placeholder, a
 * Unix stream socket of the app's own named so that zt_fd_kind knows it ('u' AF_INET, 'U' AF_INET6),
 * and connect() asks for the socket and its connection in one request (hooks_socket.c). Anything
 * else done to a placeholder first asks for the socket as socket() used to and installs it over the
 * placeholder (zt_lazy_realize): zt_fd_kind does that for every hook but connect's, dup and
 * fcntl(F_DUPFD) do it before they copy an fd, sendmsg before it passes one (SCM_RIGHTS), and a fork
 * or a posix_spawn does it for every placeholder of the process, so that every copy keeps sharing
 * one socket as it would with the kernel's; such a shared socket is never
 * joined (rpc.h, ZT_NC_SOCKET_SHARED): its connection goes through lwIP, where every copy is the one
 * app end. */
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hooks.h"

/* One bit per fd number below LAZY_FDS where the shim made a placeholder; a set bit is only a hint
 * (zt_fd_kind decides). Placeholders above it are not found by a fork, only by their next use. */
#define LAZY_FDS 65536
static _Atomic uint64_t lazy_bits[LAZY_FDS / 64];
static _Atomic unsigned lazy_count; /* bits set, so that a fork without placeholders looks at none */
static _Atomic uint64_t next_name;
static _Atomic pid_t name_pid;

/* What turns a placeholder into a socket (a connect, a realize) holds its fd's stripe, and checks
 * under it that fd is still the placeholder: else two threads (a connect, and a fork's realize in
 * another) could each install over the same fd, the later one over the other's new socket. */
#define STRIPES 64
static pthread_mutex_t stripes[STRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;

static void stripes_init(void)
{
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&stripes[i], NULL);
}

void zt_lazy_lock(int fd)
{
	pthread_once(&stripes_once, stripes_init);
	pthread_mutex_lock(&stripes[(unsigned)fd % STRIPES]);
}

void zt_lazy_unlock(int fd)
{
	pthread_mutex_unlock(&stripes[(unsigned)fd % STRIPES]);
}

void zt_lazy_lock_all(void)
{
	pthread_once(&stripes_once, stripes_init);
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_lock(&stripes[i]);
}

void zt_lazy_unlock_all(void)
{
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_unlock(&stripes[i]);
}

static void mark(int fd, bool on)
{
	if (fd < 0 || fd >= LAZY_FDS)
		return;
	uint64_t bit = 1ull << (fd % 64);
	_Atomic uint64_t *w = &lazy_bits[fd / 64];
	if (on) {
		if (!(atomic_fetch_or(w, bit) & bit))
			atomic_fetch_add(&lazy_count, 1);
	} else if (atomic_load_explicit(w, memory_order_relaxed) & bit) {
		if (atomic_fetch_and(w, ~bit) & bit)
			atomic_fetch_sub(&lazy_count, 1);
	}
}

bool zt_lazy_hint(int fd)
{
	if (fd < 0 || fd >= LAZY_FDS)
		return false;
	return atomic_load_explicit(&lazy_bits[fd / 64], memory_order_relaxed) & (1ull << (fd % 64));
}

void zt_lazy_forget(int fd)
{
	mark(fd, false);
}

int zt_lazy_new(int domain, int flags)
{
	int fd = real_socket(AF_UNIX, SOCK_STREAM | flags, 0);
	if (fd < 0)
		return -errno;
	pid_t pid = atomic_load(&name_pid);
	if (!pid) {
		pid = getpid();
		atomic_store(&name_pid, pid);
	}
	/* Names are unique while their sockets live; one already taken (by a copy of a placeholder in
	 * another process, or by anyone else in the network namespace) makes us try the next. */
	for (int tries = 0; tries < 8; tries++) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		int n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, ZT_NC_NAME_PREFIX "new/%d/%llu/%c",
		                 (int)pid, (unsigned long long)atomic_fetch_add(&next_name, 1),
		                 domain == AF_INET6 ? 'U' : 'u');
		socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
		if (real_bind(fd, (struct sockaddr *)&sun, len) == 0) {
			mark(fd, true);
			zt_dgram_hint_set(fd, true); /* read() and write() ask zt_fd_kind, which realizes it */
			return fd;
		}
		if (errno != EADDRINUSE)
			break;
	}
	int e = errno;
	real_close(fd);
	return -e;
}

static int realize_locked(int fd, int kind, bool shared)
{
	uint8_t body[16];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, kind == 'U' ? AF_INET6 : AF_INET);
	zt_nc_put_u32(&b, SOCK_STREAM);
	zt_nc_put_u32(&b, IPPROTO_TCP);
	if (shared)
		zt_nc_put_u32(&b, ZT_NC_SOCKET_SHARED);
	struct zt_rpc_reply rep;
	int e = zt_rpc(ZT_NC_SOCKET, -1, body, b.off, false, &rep);
	if (e < 0)
		return e;
	if (rep.result < 0 || rep.fd < 0 || zt_fd_kind_any(rep.fd) != 's') {
		if (rep.fd >= 0)
			real_close(rep.fd);
		return rep.result < 0 ? rep.result : -EPROTO;
	}
	int fl = fcntl(fd, F_GETFL);
	e = fl < 0 ? -errno : zt_install_placeholder(rep.fd, fd, fl & O_NONBLOCK, false);
	if (fl < 0)
		real_close(rep.fd);
	if (e == 0)
		mark(fd, false);
	return e;
}

int zt_lazy_still(int fd, int kind)
{
	/* the hint is cleared under the lock by whatever made fd a socket */
	return zt_lazy_hint(fd) ? kind : zt_fd_kind_any(fd);
}

int zt_lazy_realize(int fd, int kind, bool shared)
{
	zt_lazy_lock(fd);
	int now = zt_lazy_still(fd, kind), e = 0;
	if (now == kind)
		e = realize_locked(fd, kind, shared);
	zt_lazy_unlock(fd);
	return e;
}

void zt_lazy_realize_all(void)
{
	if (!atomic_load(&lazy_count))
		return;
	int saved = errno;
	for (int w = 0; w < LAZY_FDS / 64; w++) {
		uint64_t bits = atomic_load(&lazy_bits[w]);
		while (bits) {
			int fd = w * 64 + __builtin_ctzll(bits);
			bits &= bits - 1;
			int kind = zt_fd_kind_any(fd);
			if (kind == 'u' || kind == 'U')
				zt_lazy_realize(fd, kind, true);
			else
				mark(fd, false);
		}
	}
	errno = saved;
}

void zt_lazy_after_fork_child(void)
{
	atomic_store(&name_pid, 0);
}
