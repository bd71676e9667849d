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
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Options set on a placeholder before connect, carried to the socket in the request that makes it
 * (rpc.h, Lazy streams): TCP_NODELAY, the keepalive ones, SO_REUSEADDR and the buffer sizes, which
 * a kernel keeps per socket and applies when it connects (curl sets TCP_NODELAY and keepalive
 * before its connect). The SOL_SOCKET ones are also set on the placeholder itself, whose kernel
 * checks and answers them as a TCP socket's (the code is the generic socket's); the TCP ones are
 * checked here as Linux checks them. Any other option makes the placeholder a socket first. */
static const struct {
	int level, name;
} carried[] = {
    {IPPROTO_TCP, TCP_NODELAY},  {SOL_SOCKET, SO_KEEPALIVE},   {SOL_SOCKET, SO_REUSEADDR},
    {SOL_SOCKET, SO_RCVBUF},     {SOL_SOCKET, SO_SNDBUF},      {IPPROTO_TCP, TCP_KEEPIDLE},
    {IPPROTO_TCP, TCP_KEEPINTVL}, {IPPROTO_TCP, TCP_KEEPCNT},
};
#define NCARRIED    (sizeof(carried) / sizeof(carried[0]))
#define OPT_BLOCK   1024 /* fds per block of the table, allocated at a block's first option */

struct lazy_opts {
	uint16_t set; /* bit i: carried[i] was set, its value in val[i] */
	int val[NCARRIED];
};
static _Atomic(struct lazy_opts *) opt_blocks[LAZY_FDS / OPT_BLOCK];

static int carried_index(int level, int name)
{
	for (size_t i = 0; i < NCARRIED; i++)
		if (carried[i].level == level && carried[i].name == name)
			return (int)i;
	return -1;
}

/* fd's entry (fd below LAZY_FDS); NULL when its block was never needed and `make` is false. */
static struct lazy_opts *opts_of(int fd, bool make)
{
	_Atomic(struct lazy_opts *) *slot = &opt_blocks[fd / OPT_BLOCK];
	struct lazy_opts *b = atomic_load(slot);
	if (!b && make) {
		struct lazy_opts *n = calloc(OPT_BLOCK, sizeof(*n));
		if (!n)
			return NULL;
		if (atomic_compare_exchange_strong(slot, &b, n))
			b = n;
		else
			free(n); /* another thread's came first: b is it */
	}
	return b ? &b[fd % OPT_BLOCK] : NULL;
}

static void opts_clear(int fd)
{
	struct lazy_opts *o = fd >= 0 && fd < LAZY_FDS ? opts_of(fd, false) : NULL;
	if (o)
		o->set = 0;
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
			opts_clear(fd);
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

size_t zt_lazy_put_opts(int fd, struct zt_nc_buf *b)
{
	struct lazy_opts *o = fd < LAZY_FDS ? opts_of(fd, false) : NULL;
	size_t n = 0;
	for (size_t i = 0; o && i < NCARRIED; i++) {
		if (!(o->set & (1u << i)))
			continue;
		zt_nc_put_u32(b, (uint32_t)carried[i].level);
		zt_nc_put_u32(b, (uint32_t)carried[i].name);
		zt_nc_put_u32(b, sizeof(int));
		zt_nc_put_bytes(b, &o->val[i], sizeof(int));
		n++;
	}
	return n;
}

void zt_lazy_opts_to_app_end(int fd)
{
	/* the app end's own send buffer bounds what the app queues, as setsockopt's SO_SNDBUF does */
	struct lazy_opts *o = fd < LAZY_FDS ? opts_of(fd, false) : NULL;
	int i = carried_index(SOL_SOCKET, SO_SNDBUF);
	if (o && (o->set & (1u << i)))
		real_setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o->val[i], sizeof(int));
}

static int realize_locked(int fd, int kind, bool shared)
{
	uint8_t body[16 + ZT_NC_CARRIED_MAX];
	struct zt_nc_buf b = {.p = body, .len = sizeof(body)};
	zt_nc_put_u32(&b, kind == 'U' ? AF_INET6 : AF_INET);
	zt_nc_put_u32(&b, SOCK_STREAM);
	zt_nc_put_u32(&b, IPPROTO_TCP);
	zt_nc_put_u32(&b, shared ? ZT_NC_SOCKET_SHARED : 0);
	zt_lazy_put_opts(fd, &b);
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
	if (e == 0) {
		zt_lazy_opts_to_app_end(fd);
		zt_solo_set(fd, !shared);
		mark(fd, false);
	}
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

/* Calls fn for every fd whose placeholder hint is set, with errno kept. */
static void each_hinted(void (*fn)(int fd))
{
	if (!atomic_load(&lazy_count))
		return;
	int saved = errno;
	for (int w = 0; w < LAZY_FDS / 64; w++) {
		uint64_t bits = atomic_load(&lazy_bits[w]);
		while (bits) {
			int fd = w * 64 + __builtin_ctzll(bits);
			bits &= bits - 1;
			fn(fd);
		}
	}
	errno = saved;
}

static void realize_shared_or_forget(int fd)
{
	int kind = zt_fd_kind_any(fd);
	if (kind == 'u' || kind == 'U')
		zt_lazy_realize(fd, kind, true);
	else
		mark(fd, false);
}

void zt_lazy_realize_all(void)
{
	each_hinted(realize_shared_or_forget);
}

/* A placeholder an exec keeps (no FD_CLOEXEC) that carries options: they live in this image only. */
static void realize_if_carrying(int fd)
{
	struct lazy_opts *o = opts_of(fd, false);
	if (!o || !o->set || (fcntl(fd, F_GETFD) & FD_CLOEXEC))
		return;
	int kind = zt_fd_kind_any(fd);
	if (kind == 'u' || kind == 'U')
		zt_lazy_realize(fd, kind, false);
}

void zt_lazy_before_exec(void)
{
	each_hinted(realize_if_carrying);
}

void zt_lazy_after_fork_child(void)
{
	atomic_store(&name_pid, 0);
}

/* Locks fd when it is a placeholder whose options this process knows (its hint is set): its kind
 * ('u', 'U'), else 0 (not locked). */
static int lock_placeholder(int fd)
{
	if (fd < 0 || fd >= LAZY_FDS)
		return 0;
	int kind = zt_fd_kind_any(fd);
	if (kind != 'u' && kind != 'U')
		return 0;
	zt_lazy_lock(fd);
	if (zt_lazy_hint(fd))
		return kind;
	zt_lazy_unlock(fd);
	return 0;
}

/* Linux's checks of the TCP options carried (do_tcp_setsockopt). */
static int tcp_opt_check(int name, int v)
{
	switch (name) {
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		return v < 1 || v > 32767 ? -EINVAL : 0; /* MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL */
	case TCP_KEEPCNT:
		return v < 1 || v > 127 ? -EINVAL : 0; /* MAX_TCP_KEEPCNT */
	default:
		return 0;
	}
}

bool zt_lazy_setopt(int fd, int level, int name, const void *val, socklen_t len, int *ret)
{
	int i = carried_index(level, name);
	if (i < 0 || !lock_placeholder(fd))
		return false;
	struct lazy_opts *o = opts_of(fd, true);
	int v = 0, e = 0;
	if (!o)
		e = -ENOMEM;
	else if (len < sizeof(int))
		e = -EINVAL;
	else if (!val)
		e = -EFAULT;
	if (e == 0)
		memcpy(&v, val, sizeof(v));
	if (e == 0 && level == IPPROTO_TCP)
		e = tcp_opt_check(name, v);
	else if (e == 0 && real_setsockopt(fd, level, name, val, len) < 0)
		e = -errno;
	if (e == 0) {
		o->val[i] = v;
		o->set |= (uint16_t)(1u << i);
	}
	zt_lazy_unlock(fd);
	*ret = e < 0 ? zt_fail(-e) : 0;
	return true;
}

bool zt_lazy_getopt(int fd, int level, int name, void *val, socklen_t *len, int *ret)
{
	int i = carried_index(level, name);
	if (i < 0 || !len || !lock_placeholder(fd))
		return false;
	struct lazy_opts *o = opts_of(fd, false);
	bool set = o && (o->set & (1u << i));
	/* Unset, the service answers what its socket would: the placeholder's kernel would say a Unix
	 * socket's buffer sizes, and TCP's keepalive defaults are sysctls. Off is off everywhere. */
	bool unset_known = (level == SOL_SOCKET && name != SO_RCVBUF && name != SO_SNDBUF) ||
	                   (level == IPPROTO_TCP && name == TCP_NODELAY);
	if (!set && !unset_known) {
		zt_lazy_unlock(fd);
		return false;
	}
	int v = 0, e = 0;
	if (level == SOL_SOCKET) /* the placeholder's kernel answers as a TCP socket's would */
		e = real_getsockopt(fd, level, name, val, len) < 0 ? -errno : 1;
	else
		v = set ? (name == TCP_NODELAY ? o->val[i] != 0 : o->val[i]) : 0;
	zt_lazy_unlock(fd);
	if (e == 0 && (int)*len < 0)
		e = -EINVAL;
	if (e == 0 && !val && *len)
		e = -EFAULT;
	if (e == 0) {
		socklen_t n = *len < sizeof(int) ? *len : (socklen_t)sizeof(int);
		memcpy(val, &v, n);
		*len = n;
	}
	*ret = e < 0 ? zt_fail(-e) : 0;
	return true;
}
